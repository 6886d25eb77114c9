from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from shuniu.api.api import api

admin.site.site_header = _("枢纽 · 社会组织党建管理")
admin.site.site_title = _("枢纽")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Pages without a <link rel="icon"> (the admin site, the API docs): browsers ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("imports/", include("shuniu.imports.urls")),
    path("", include("shuniu.web.urls")),
]
