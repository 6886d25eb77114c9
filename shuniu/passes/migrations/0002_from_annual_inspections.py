"""Data: the annual inspections move from ``registry.AnnualInspection`` into ``InspectionRecord``
(conclusion = result; the party-building section unknown, NULL), and each org's grade fields
become an ``EvaluationRecord`` (no decision date: valid to the end of the fifth year), so that the
org's stored grade equals what its records give. An org with a grade but no year (the older data
allowed it) gets a record of the year it was last changed."""

import datetime

from django.conf import settings
from django.db import migrations


def forward(apps, schema_editor):
    AnnualInspection = apps.get_model("registry", "AnnualInspection")
    InspectionRecord = apps.get_model("passes", "InspectionRecord")
    EvaluationRecord = apps.get_model("passes", "EvaluationRecord")
    SocialOrg = apps.get_model("registry", "SocialOrg")
    batch = []
    for row in AnnualInspection.objects.order_by("pk").iterator(chunk_size=5000):
        batch.append(InspectionRecord(org_id=row.org_id, year=row.year, conclusion=row.result,
                                      created_at=row.created_at, updated_at=row.updated_at))
        if len(batch) >= 5000:
            InspectionRecord.objects.bulk_create(batch)
            batch = []
    InspectionRecord.objects.bulk_create(batch)
    years = settings.SHUNIU_EVALUATION_VALID_YEARS
    batch, missing_year = [], []
    for pk, grade, year, updated in (SocialOrg.objects.exclude(evaluation_grade="").order_by("pk")
                                     .values_list("pk", "evaluation_grade", "evaluation_year", "updated_at")
                                     .iterator(chunk_size=5000)):
        if year is None:
            year = updated.year
            missing_year.append((pk, year))
        batch.append(EvaluationRecord(org_id=pk, year=year, grade=grade, valid_until=datetime.date(year + years - 1, 12, 31),
                                      note="由组织信息中的评估等级迁入"))
        if len(batch) >= 5000:
            EvaluationRecord.objects.bulk_create(batch)
            batch = []
    EvaluationRecord.objects.bulk_create(batch)
    for pk, year in missing_year:
        SocialOrg.objects.filter(pk=pk).update(evaluation_year=year)


def backward(apps, schema_editor):
    AnnualInspection = apps.get_model("registry", "AnnualInspection")
    InspectionRecord = apps.get_model("passes", "InspectionRecord")
    AnnualInspection.objects.bulk_create(
        AnnualInspection(org_id=r.org_id, year=r.year, result=r.conclusion, created_at=r.created_at,
                         updated_at=r.updated_at) for r in InspectionRecord.objects.order_by("pk").iterator())
    InspectionRecord.objects.all().delete()
    apps.get_model("passes", "EvaluationRecord").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("passes", "0001_initial"),
        ("registry", "0007_org_type_social_intermediary"),
    ]

    operations = [migrations.RunPython(forward, backward)]
