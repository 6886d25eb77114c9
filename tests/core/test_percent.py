"""Percentages rounded once: the exact ratio is kept, and rounded (half up) only where it is shown."""

from __future__ import annotations

from shuniu.core.output import _cell, percent, percent_text
from shuniu.coverage.selectors import _row
from shuniu.web.templatetags.shuniu_tags import pct


def test_a_rate_of_25_in_31_shows_as_80_6_not_80_7():
    exact = 25 / 31  # 80.645…%
    assert round(round(exact, 4) * 100, 1) == 80.7  # what rounding twice gave
    assert percent(exact) == 80.6
    assert percent_text(exact) == "80.6%"
    assert pct(exact) == "80.6%"  # the pages
    assert _cell(exact) == "80.6%"  # CSV and text exports


def test_a_half_is_rounded_up_and_nothing_is_dash():
    assert percent_text(1 / 16) == "6.3%"
    assert percent_text(1.0) == "100.0%" and percent_text(0.0) == "0.0%"
    assert percent_text(None) == "—" and pct(None) == "—"


def test_the_coverage_rows_keep_the_exact_ratio():
    row = _row({"population": 31, "own": 20, "joint": 5, "none": 6, "staff": 31, "staff_members": 25})
    assert row["org_coverage_rate"] == 25 / 31
    assert row["work_coverage_rate"] == 25 / 31
    assert row["members_per_staff"] == 25 / 31
