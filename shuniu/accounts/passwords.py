"""Django's password validators with our messages: what they refuse, said in the house style with
the rule, translated like any other text (Django's own say neither which rule nor why)."""

from __future__ import annotations

from django.contrib.auth import password_validation as dj
from django.utils.translation import gettext as _


class MinimumLengthValidator(dj.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码过短（规则：不少于 %(min_length)d 个字符）")

    def get_help_text(self) -> str:
        return _("不少于 %(min_length)d 个字符") % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(dj.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return _("密码与%(verbose_name)s过于相似（规则：密码不能与用户信息相近）")

    def get_help_text(self) -> str:
        return _("不能与用户名、姓名相近")


class CommonPasswordValidator(dj.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("密码过于常见（规则：不能使用常见密码）")

    def get_help_text(self) -> str:
        return _("不能是常见密码")


class NumericPasswordValidator(dj.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("密码不能全是数字（规则：须含字母或符号）")

    def get_help_text(self) -> str:
        return _("不能全是数字")
