"""The free-text reduction reasons become categories (DOMAIN §6 J); the text is kept in the note.

Best effort: a reason naming a known cause gets its category, anything else ``other``. The
mapping is frozen here (a migration must not change when the code does).
"""

from django.db import migrations

# Checked in this order: "停止党籍" before "党籍", "除名" before the words of leaving the Party.
KEYWORDS = [
    ("stopped", ("停止党籍", "停籍")),
    ("removed", ("除名", "脱党")),
    ("left_party", ("开除", "出党", "退党", "劝退")),
    ("died", ("死亡", "去世", "逝世", "病故", "病逝", "身故")),
    ("transferred_out", ("转出", "转移", "调出", "迁出", "转往", "转至", "转到", "关系转")),
]
CATEGORIES = {"transferred_out", "died", "left_party", "stopped", "removed", "other"}


def category_of(text: str) -> str:
    text = text.strip()
    if text in CATEGORIES:
        return text
    for category, words in KEYWORDS:
        if any(word in text for word in words):
            return category
    return "other"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Member = apps.get_model("party", "PartyMember")
    rows = Member.objects.exclude(ended_on__isnull=True, end_reason="").values_list("pk", "ended_on", "end_reason")
    for pk, ended_on, text in rows.iterator(chunk_size=2000):
        if ended_on is None:
            # A reason without a reduction: keep the words, clear the category.
            Member.objects.filter(pk=pk).update(end_reason="", end_note=text[:200])
            continue
        category = category_of(text)
        note = "" if text.strip() in CATEGORIES else text.strip()[:200]
        Member.objects.filter(pk=pk).update(end_reason=category, end_note=note)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Member = apps.get_model("party", "PartyMember")
    for pk, category, note in Member.objects.exclude(end_reason="").values_list("pk", "end_reason", "end_note"):
        Member.objects.filter(pk=pk).update(end_reason=note or category, end_note="")


class Migration(migrations.Migration):

    dependencies = [
        ("party", "0002_member_end_note"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
