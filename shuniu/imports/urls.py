from django.urls import path

from shuniu.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.batch_detail, name="batch"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/rollback/", views.batch_undo, name="rollback"),
    path("<int:pk>/errors.xlsx", views.batch_errors_file, name="errors_file"),
    path("templates/<slug:kind>.xlsx", views.template, name="template"),
    path("exports/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
