from __future__ import annotations

import datetime as dt

from shuniu.orglife import compliance
from shuniu.orglife.models import LifeTally
from shuniu.orglife.services import meeting_record
from tests.factories import SYSTEM


def test_a_meeting_moves_the_tally_and_the_rollup_equals_a_rebuild(life):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    m = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on=dt.date(2026, 4, 10),
                       topic="学习", attendees=[life.own[0], life.own[1], life.guest], absentees={life.own[2].pk: "leave"})
    assert (m.expected_count, m.present_count) == (4, 3)
    t = LifeTally.objects.get(party_org=life.branch, year=2026)
    assert (t.exp_general_meeting, t.held_general_meeting) == (2, 1)
    assert (t.exp_theme_day, t.held_theme_day) == (4, 0)
    assert (t.exp_party_lecture, t.exp_life_meeting, t.exp_committee_meeting) == (1, 0, 0)
    stored = compliance.stored_rollup(2026)
    assert stored == compliance.compute_rollup(2026)
    assert compliance.rebuild() == {"tallies": 0, "rollup": 0}
