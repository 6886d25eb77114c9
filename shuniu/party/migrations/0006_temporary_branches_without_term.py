"""A temporary branch has no elected term (DOMAIN.md §6 D): the one year the code used to give it
had no source. Existing temporary branches lose it; the others keep theirs."""

from django.db import migrations


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    PartyOrg = apps.get_model("party", "PartyOrg")
    PartyOrg.objects.filter(kind="temporary_branch").update(term_years=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    PartyOrg = apps.get_model("party", "PartyOrg")
    PartyOrg.objects.filter(kind="temporary_branch", term_years__isnull=True).update(term_years=1)
    # Any other row without a term gets the general branch and branch length back.
    PartyOrg.objects.filter(term_years__isnull=True).update(term_years=3)


class Migration(migrations.Migration):
    dependencies = [("party", "0005_bodies_and_terms")]

    operations = [migrations.RunPython(forward, backward)]
