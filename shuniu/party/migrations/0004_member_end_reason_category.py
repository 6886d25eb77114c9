from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("party", "0003_member_end_reason_from_text"),
    ]

    operations = [
        migrations.AlterField(
            model_name="partymember",
            name="end_reason",
            field=models.CharField(blank=True, choices=[("transferred_out", "转出"), ("died", "死亡"), ("left_party", "出党"), ("stopped", "停止党籍"), ("removed", "除名"), ("other", "其他")], max_length=16, verbose_name="减少原因"),
        ),
        migrations.AddConstraint(
            model_name="partymember",
            constraint=models.CheckConstraint(condition=models.Q(models.Q(("end_reason", ""), ("ended_on__isnull", True)), models.Q(("end_reason__in", ["transferred_out", "died", "left_party", "stopped", "removed", "other"]), ("ended_on__isnull", False)), _connector="OR"), name="member_end_reason_is_a_category"),
        ),
    ]
