"""The demo scenarios carry relation transfers in every state (``shuniu.demo.transfers``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.demo.services import scenario_generate
from shuniu.transfers.models import RelationLetter, TransferBatch
from shuniu.transfers.selectors import batch_progress, letter_search, pocket_members
from tests.coverage.test_engine import assert_incremental_equals_rebuild
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def test_the_zhonglou_demo_has_transfers_in_every_state():
    scenario_generate(actor=SYSTEM, name="zhonglou")
    letters = RelationLetter.objects.all()
    assert letters.exists() and not letters.filter(is_demo=False).exists()
    by = Counter((kind, state) for kind, state in letters.values_list("kind", "state"))
    assert by[("internal", "issued")] >= 4  # waiting, overdue, extended, and the batch's
    assert by[("internal", "returned")] == 1
    assert by[("internal", "completed")] >= 5  # three received, and two of the batch
    assert (by[("outgoing", "completed")], by[("outgoing", "issued")], by[("incoming", "completed")]) == (1, 2, 1)
    today = dt.date.today()
    assert letters.filter(extended=True).count() == 1
    scope = Scope.of_region("320404")
    assert letter_search(scope, overdue=True, today=today).count() == 2  # the overdue letter and the pocket member
    assert {r.reason for r in pocket_members(scope, today)} >= {"outgoing_no_receipt", "internal_not_received"}
    batch = TransferBatch.objects.get()
    assert batch.party_org.dissolved_on is not None and batch.is_demo
    progress = batch_progress(batch)
    assert (progress.total, progress.done, progress.left) == (4, 2, 2)
    assert_incremental_equals_rebuild()
