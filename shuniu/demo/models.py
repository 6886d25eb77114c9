from django.db import models
from django.utils.translation import gettext_lazy as _


class ScenarioRun(models.Model):
    """One generated demo scenario, so that ``shuniu demo`` is idempotent."""

    name = models.CharField(_("场景"), max_length=40)
    seed = models.IntegerField(_("随机种子"))
    scale = models.FloatField(_("规模"), default=1.0)
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    counts = models.JSONField(_("数量"), default=dict)

    class Meta:
        verbose_name = _("演示场景")
        verbose_name_plural = _("演示场景")
        ordering = ["-generated_at"]

    def __str__(self) -> str:
        return f"{self.name} (seed {self.seed})"
