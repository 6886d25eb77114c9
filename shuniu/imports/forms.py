from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shuniu.core.messages import OwnMessages
from shuniu.imports.kinds import KINDS
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.imports.readers import Refused, limits, refusal_message


class UploadForm(OwnMessages, forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"))
    file = forms.FileField(label=_("文件（xlsx、xls、csv）"))
    mapping_from = forms.ModelChoiceField(
        label=_("沿用以前批次的列对应关系"), required=False, queryset=ImportBatch.objects.none(),
        help_text=_("文件的列名与模板不同时：先上传一次并核对识别结果，以后选择该批次即可。"))

    def __init__(self, *args: Any, batches: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [(k, str(v.label)) for k, v in KINDS.items()]
        if batches is not None:
            source = cast(forms.ModelChoiceField, self.fields["mapping_from"])
            source.queryset = batches.exclude(mapping={}).exclude(status=BatchStatus.PREVIEW)
            source.label_from_instance = lambda b: f"#{b.pk} {b.kind} {b.filename}"  # type: ignore[method-assign,assignment]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        limit = limits().upload_bytes
        if f.size > limit:
            raise forms.ValidationError(refusal_message(Refused("upload_size", size=f.size, limit=limit)))
        return f
