"""The importer's set-based writes (shuniu/imports/bulk.py), inside the caller's transaction: on
SQLite from a writer thread in statements of many rows, on PostgreSQL with COPY."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from shuniu.imports import bulk
from shuniu.imports.models import ImportBatch, ImportChange

COLUMNS = ["id", "batch_id", "model", "object_id", "count", "action", "before", "after"]


def _batch() -> ImportBatch:
    return ImportBatch.objects.create(kind="orgs", filename="x.xlsx", file_sha256="0" * 64)


@pytest.mark.django_db
def test_many_rows_are_written_in_several_statements_with_their_values():
    batch = _batch()
    n = 2_345  # more than one statement's worth of rows on SQLite, with a partial last one
    with transaction.atomic():
        ids = bulk.reserve_ids(ImportChange, n)
        written = bulk.insert_rows(ImportChange, COLUMNS, (
            [pk, batch.pk, "registry.socialorg", i, 1, "updated", {"name": f"旧{i}"},
             {"name": f"新{i}", "on": dt.date(2020, 1, 2).isoformat()}] for i, pk in enumerate(ids)))
    assert written == n
    rows = list(ImportChange.objects.filter(batch=batch).order_by("id").values_list("id", "object_id", "before", "after"))
    assert [r[0] for r in rows] == ids
    assert [r[1] for r in rows] == list(range(n))
    assert rows[-1][2:] == ({"name": f"旧{n - 1}"}, {"name": f"新{n - 1}", "on": "2020-01-02"})


@pytest.mark.django_db
def test_an_error_in_the_writer_reaches_the_caller_as_an_integrity_error():
    batch = _batch()
    with pytest.raises(IntegrityError), transaction.atomic():
        pk = bulk.reserve_ids(ImportChange, 1)[0]
        bulk.insert_rows(ImportChange, COLUMNS, (
            [pk, batch.pk, "registry.socialorg", i, 1, "created", None, None] for i in range(3)))  # same id
    assert not ImportChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_references_are_checked_at_commit_and_roll_everything_back():
    with pytest.raises(IntegrityError), transaction.atomic():
        pk = bulk.reserve_ids(ImportChange, 1)[0]
        bulk.insert_rows(ImportChange, COLUMNS, [[pk, 999_999, "registry.socialorg", 1, 1, "created", None, None]])
    assert not ImportChange.objects.exists()


@pytest.mark.django_db
def test_nothing_else_uses_the_connection_until_the_writer_is_done():
    """A failure while the rows are produced stops the writer before the transaction rolls back."""
    batch = _batch()

    def rows(ids):
        for i, pk in enumerate(ids):
            if i == 1_200:
                raise RuntimeError("bad row")
            yield [pk, batch.pk, "m", i, 1, "created", None, None]

    with pytest.raises(RuntimeError), transaction.atomic():
        bulk.insert_rows(ImportChange, COLUMNS, rows(bulk.reserve_ids(ImportChange, 1_500)))
    assert not ImportChange.objects.exists()
    assert ImportBatch.objects.count() == 1
