"""Organizational life in the demo scenarios (rule LIFE, DOMAIN.md §6 F): two years of meetings for
every generated party org (the previous year and this year up to today), their attendance, and the
member review of the previous year, so that the compliance figures mean something.

What the party orgs do (the national defaults of ``orglife.rules``):

* a branch (and a general branch) holds a theme day each month; in the last month of a quarter it is
  held together with the general meeting, in the middle month with the party lecture; in December
  the life meeting and the member review are held together;
* a committee (and a general branch) holds a committee meeting each month, and a party lecture in the
  middle month of each quarter (a committee's lecture is a meeting of its own);
* most comply; about a quarter skip some of their lectures; about a third of the joint branches lag
  (they skip many months, and some held nothing in the last three months: idle); every party org
  misses a meeting now and then;
* a meeting is held on one of the first 20 days of its month, never after today and only in the months
  the party org existed from the first day; attendance is every member whose relation the org held on
  the day plus the members taking part there (``party.Participation``), present at a rate of 80–95 % a
  party org, an absentee with a reason (mostly leave; a mobile member away);
* the previous year's member review gives each member reviewed at that meeting a result: mostly 合格,
  some 优秀, a few 基本合格, rarely 不合格 (followed by education with six months to improve).

Everything is written by a few ``INSERT … SELECT`` statements over small planning tables (the
months, days and topics), with pseudo-random choices computed in SQL from the row ids and the
scenario's seed: reproducible for a seed, the same on SQLite and PostgreSQL, and fast enough for the
``national`` scenario. Dates are relative to today, so the demo stays current. The stored compliance
figures are computed afterwards by ``compliance.rebuild()`` (the caller's job).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone

from shuniu.orglife.models import KIND_BITS, FollowUp, ReviewResult
from shuniu.orglife.rules import APPLIES
from shuniu.party.models import PartyOrgKind
from shuniu.party.terms import add_months

M = 2147483647  # 2^31 - 1: every product below stays under 2^62

THEME_TOPICS = [
    "学习新修订的党章，重温入党誓词", "学习习近平新时代中国特色社会主义思想专题", "“学雷锋”志愿服务进社区",
    "清明祭英烈、传承红色基因", "学习《中国共产党支部工作条例》", "“七一”前夕走访慰问老党员",
    "“七一”主题党日：重温入党誓词", "参观红色教育基地", "社会组织党建与业务融合交流",
    "国庆主题党日：我和我的祖国", "学习全会精神专题研讨", "年终总结与下一年度工作谋划",
]
COMMITTEE_TOPICS = ["研究本月党建工作安排", "研究发展党员和党员教育管理工作", "研究党费收缴和使用情况",
                    "研究所属支部组织生活开展情况", "研究季度党课和主题党日安排"]
LECTURE_TOPICS = ["书记讲党课：坚定理想信念", "党课：社会组织党组织的政治功能", "党课：全面从严治党永远在路上",
                  "党课：新时代党员的初心使命", "党课：发挥党员先锋模范作用"]
LIFE_TOPICS = ["年度组织生活会暨民主评议党员", "专题组织生活会和民主评议党员"]
PLACES = ["党员活动室", "单位会议室", "党群服务中心", "社区党建服务站", "线上视频会议"]


def _h(*terms: str, salt: int) -> str:
    """A pseudo-random non-negative integer < 2^31 from some integer SQL expressions (portable:
    integer arithmetic only; no product exceeds 2^62)."""
    primes = [1000003, 7919, 104729, 15485863]
    base = " + ".join(f"CAST({t} AS BIGINT) * {primes[i % len(primes)]}" for i, t in enumerate(terms))
    x0 = f"(({base} + {salt}) %% {M})"
    x1 = f"(({x0} * 48271) %% {M})"
    return f"((({x1} * {x1}) + {x1} + {salt * 7 + 3}) %% {M})"


def _kinds_of(org_kind: str) -> set[str]:
    return {kind for kind, org_kinds in APPLIES.items() if org_kind in org_kinds}


def _plan(today: dt.date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dt.date]:
    """The planning tables: (org kind, month index, seq, bits, first day, topic set) and (month index, k, day)."""
    start = dt.date(today.year - 1, 1, 1)
    months = []
    first = start
    while first <= today:
        months.append(first)
        first = add_months(first, 1)
    plan = []
    for org_kind in PartyOrgKind.values:
        kinds = _kinds_of(org_kind)
        for m, first in enumerate(months):
            month = first.month
            main = set()
            if "theme_day" in kinds:
                main.add("theme_day")
                if month % 3 == 0 and "general_meeting" in kinds:
                    main.add("general_meeting")
                if month % 3 == 2 and "party_lecture" in kinds:
                    main.add("party_lecture")
            if main:
                plan.append((org_kind, m, 0, sum(KIND_BITS[k] for k in main), first, 0))
            if "committee_meeting" in kinds:
                plan.append((org_kind, m, 1, KIND_BITS["committee_meeting"], first, 1))
            if month % 3 == 2 and "party_lecture" in kinds and "theme_day" not in kinds:
                plan.append((org_kind, m, 2, KIND_BITS["party_lecture"], first, 2))
            yearly = {"life_meeting", "member_review"} & kinds
            if month == 12 and yearly:
                plan.append((org_kind, m, 3, sum(KIND_BITS[k] for k in yearly), first, 3))
    days = []
    for m, first in enumerate(months):
        for k in range(20):
            day = first + dt.timedelta(days=k)
            if day <= today:
                days.append((m, k, day))
    return plan, days, start


def _topics() -> list[tuple[int, int, int, str]]:
    """(topic set, month, k, topic): the main meeting's topic follows the month, the others vary."""
    rows = []
    for month in range(1, 13):
        rows.append((0, month, 0, THEME_TOPICS[month - 1]))
        rows += [(1, month, k, t) for k, t in enumerate(COMMITTEE_TOPICS)]
        rows += [(2, month, k, t) for k, t in enumerate(LECTURE_TOPICS)]
        rows += [(3, month, k, t) for k, t in enumerate(LIFE_TOPICS)]
    return rows


def _adapt_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _temp_tables(cursor: Any, today: dt.date) -> dt.date:
    plan, days, start = _plan(today)
    cursor.execute("DROP TABLE IF EXISTS demo_life_plan")
    cursor.execute("DROP TABLE IF EXISTS demo_life_days")
    cursor.execute("DROP TABLE IF EXISTS demo_life_topics")
    cursor.execute("CREATE TEMP TABLE demo_life_plan (org_kind VARCHAR(24), m INTEGER, seq INTEGER, bits INTEGER, "
                   "first_day DATE, month INTEGER, topic_set INTEGER)")
    cursor.execute("CREATE TEMP TABLE demo_life_days (m INTEGER, k INTEGER, day DATE)")
    cursor.execute("CREATE TEMP TABLE demo_life_topics (topic_set INTEGER, month INTEGER, k INTEGER, "
                   "topic VARCHAR(200))")
    cursor.executemany("INSERT INTO demo_life_plan VALUES (%s, %s, %s, %s, %s, %s, %s)",
                       [(ok, m, seq, bits, _adapt_date(first), first.month, ts)
                        for ok, m, seq, bits, first, ts in plan])
    cursor.executemany("INSERT INTO demo_life_days VALUES (%s, %s, %s)", [(m, k, _adapt_date(d)) for m, k, d in days])
    cursor.executemany("INSERT INTO demo_life_topics VALUES (%s, %s, %s, %s)", _topics())
    return start


def seed_orglife(seed: int, today: dt.date | None = None) -> dict[str, int]:
    """Meetings, attendance and the previous year's member review for every generated party org that
    has no meeting yet. Returns the counts written."""
    today = today or timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    last_month = (today.year - (today.year - 1)) * 12 + today.month - 1  # month index of today's month
    lect, review = KIND_BITS["party_lecture"], KIND_BITS["member_review"]
    s = seed % 100_000
    with connection.cursor() as cur:
        start = _temp_tables(cur, today)
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM orglife_meeting")
        first_meeting = cur.fetchone()[0]
        # Each party org's profile (0–99): < 25 skips lectures; a joint branch < 33 lags, < 12 is idle lately.
        profile = _h("o.id", salt=s + 11) + " %% 100"
        roll = _h("o.id", "pl.m", "pl.seq", salt=s + 13) + " %% 100"
        lecture_roll = _h("o.id", "pl.m", salt=s + 17) + " %% 100"
        day_k = _h("o.id", "pl.m", "pl.seq", salt=s + 19) + " %% 20"
        pick = _h("o.id", "pl.m", salt=s + 23)
        cur.execute(f"""
            INSERT INTO orglife_meeting (party_org_id, kinds, held_on, place, host, recorder, topic, lecturer,
                invitees, minutes, decisions, expected_count, present_count, recorded_by_id, recorded_by_label,
                corrections, is_demo, created_at, updated_at)
            SELECT c.org, c.bits, c.day,
                   CASE c.pick %% 5 WHEN 0 THEN '{PLACES[0]}' WHEN 1 THEN '{PLACES[1]}' WHEN 2 THEN '{PLACES[2]}'
                                   WHEN 3 THEN '{PLACES[3]}' ELSE '{PLACES[4]}' END,
                   COALESCE(sec.name, ''), '', t.topic,
                   CASE WHEN (c.bits & {lect}) <> 0 THEN COALESCE(sec.name, '') ELSE '' END,
                   '', '', '', 0, 0, NULL, '演示数据', 0, %s, %s, %s
            FROM (
                SELECT o.id AS org, o.secretary_id AS secretary, pl.m AS m, pl.seq AS seq, pl.month AS month,
                       pl.topic_set AS topic_set, d.day AS day, {pick} AS pick,
                       CASE WHEN {profile} < 25 AND {lecture_roll} < 60 THEN pl.bits - (pl.bits & {lect})
                            ELSE pl.bits END AS bits,
                       {profile} AS profile, {roll} AS roll, o.kind AS kind
                FROM party_partyorg o
                JOIN demo_life_plan pl ON pl.org_kind = o.kind
                JOIN demo_life_days d ON d.m = pl.m AND d.k = {day_k}
                WHERE o.is_demo AND o.established_on <= pl.first_day
                  AND (o.dissolved_on IS NULL OR o.dissolved_on > d.day)
                  AND NOT EXISTS (SELECT 1 FROM orglife_meeting x WHERE x.party_org_id = o.id)
            ) c
            JOIN demo_life_topics t ON t.topic_set = c.topic_set AND t.month = c.month
                 AND t.k = c.pick %% (CASE c.topic_set WHEN 0 THEN 1 WHEN 1 THEN {len(COMMITTEE_TOPICS)}
                                     WHEN 2 THEN {len(LECTURE_TOPICS)} ELSE {len(LIFE_TOPICS)} END)
            LEFT JOIN party_partymember sec ON sec.id = c.secretary
            WHERE c.bits > 0 AND c.roll >= 3
              AND NOT (c.kind = 'joint_branch' AND c.profile >= 25 AND c.profile < 58 AND
                       (c.roll < 45 OR (c.profile < 37 AND c.m >= {last_month - 2})))
            ORDER BY c.org, c.day, c.seq""", [True, now, now])
        cur.execute("SELECT COALESCE(MIN(id), 0), COUNT(*) FROM orglife_meeting WHERE id > %s", [first_meeting])
        lowest, meetings = cur.fetchone()
        counts = {"meetings": meetings}
        if not meetings:
            _drop(cur)
            return {**counts, "attendance": 0, "reviews": 0}
        counts["attendance"] = _attendance(cur, first_meeting, lowest - 1, start, s)
        counts["reviews"] = _reviews(cur, first_meeting, today.year - 1, review, s, now)
        _drop(cur)
    _follow_ups(today.year - 1)
    return counts


def _drop(cur: Any) -> None:
    for table in ("demo_life_plan", "demo_life_days", "demo_life_topics"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")


def _attendance(cur: Any, first_meeting: int, base: int, start: dt.date, s: int) -> int:
    """Every expected member of each new meeting: the relation members on the day (a member moved
    since the window began is placed by the dated relation history) and the participants."""
    rate = _h("m.party_org_id", salt=s + 29) + " %% 16 + 80"
    # The meeting's rank among the new ones (not its id): the same choices for a seed in any database.
    rank = f"(m.id - {int(base)})"
    roll = _h(rank, "p.id", salt=s + 31) + " %% 100"
    why = _h("p.id", rank, salt=s + 37) + " %% 100"
    moved = 'SELECT rc.member_id FROM party_relationchange rc WHERE rc."on" > %s'
    columns = "INSERT INTO orglife_attendance (meeting_id, member_id, present, reason, note, participant)"

    def select(source: str, participant: bool) -> str:
        return f"""
            SELECT a.meeting, a.member, a.roll < a.rate,
                   CASE WHEN a.roll < a.rate THEN '' WHEN a.mobile THEN 'mobile' WHEN a.why < 75 THEN 'leave'
                        WHEN a.why < 92 THEN 'illness' ELSE 'other' END, '', {'TRUE' if participant else 'FALSE'}
            FROM ({source}) a"""

    def fields() -> str:
        return (f"m.id AS meeting, p.id AS member, p.is_mobile AS mobile, "
                f"CASE WHEN p.is_mobile THEN 20 ELSE {rate} END AS rate, {roll} AS roll, {why} AS why")

    on_roster = ("(p.admitted_on IS NULL OR p.admitted_on <= m.held_on) "
                 "AND (p.ended_on IS NULL OR p.ended_on > m.held_on)")
    # Members whose relation has not moved since the window began: today's relation.
    cur.execute(columns + select(f"""
        SELECT {fields()} FROM orglife_meeting m JOIN party_partymember p ON p.relation_org_id = m.party_org_id
        WHERE m.id > %s AND {on_roster} AND p.id NOT IN ({moved})""", False),
        [first_meeting, _adapt_date(start)])
    # Members moved since: the relation on the meeting's day, from the first move after it (few rows).
    at_org = ('CASE WHEN EXISTS (SELECT 1 FROM party_relationchange r WHERE r.member_id = p.id AND r."on" > m.held_on)'
              ' THEN (SELECT r.from_org_id FROM party_relationchange r WHERE r.member_id = p.id'
              ' AND r."on" > m.held_on ORDER BY r."on", r.id LIMIT 1) ELSE p.relation_org_id END')
    cur.execute(columns + select(f"""
        SELECT {fields()} FROM party_partymember p
        JOIN orglife_meeting m ON m.id > %s AND m.party_org_id IN (
            SELECT p.relation_org_id UNION SELECT r.from_org_id FROM party_relationchange r WHERE r.member_id = p.id)
        WHERE p.id IN ({moved}) AND {on_roster} AND {at_org} = m.party_org_id""", False),
        [first_meeting, _adapt_date(start)])
    # Participants (一方隶属、参加多重组织生活) not already expected there.
    cur.execute(columns + select(f"""
        SELECT {fields()} FROM orglife_meeting m
        JOIN party_participation pa ON pa.party_org_id = m.party_org_id AND pa.started_on <= m.held_on
             AND (pa.ended_on IS NULL OR pa.ended_on > m.held_on)
        JOIN party_partymember p ON p.id = pa.member_id
        WHERE m.id > %s AND {on_roster}
          AND NOT EXISTS (SELECT 1 FROM orglife_attendance x WHERE x.meeting_id = m.id AND x.member_id = p.id)""",
        True), [first_meeting])
    # Each meeting's counts from its rows (as meeting_record does).
    cur.execute("""
        UPDATE orglife_meeting SET expected_count = a.n, present_count = a.p
        FROM (SELECT meeting_id, COUNT(*) AS n, SUM(CASE WHEN present THEN 1 ELSE 0 END) AS p
              FROM orglife_attendance WHERE meeting_id > %s GROUP BY meeting_id) a
        WHERE orglife_meeting.id = a.meeting_id""", [first_meeting])
    cur.execute("SELECT COUNT(*) FROM orglife_attendance WHERE meeting_id > %s", [first_meeting])
    return int(cur.fetchone()[0])


def _reviews(cur: Any, first_meeting: int, year: int, review_bit: int, s: int, now: Any) -> int:
    """The previous year's member review: each member expected at the org's review meeting (the first,
    if a member was expected at two) gets a grade."""
    grade = _h("a.member_id", str(year), salt=s + 41) + " %% 1000"
    cur.execute(f"""
        INSERT INTO orglife_reviewresult (member_id, party_org_id, year, reviewed_on, grade, follow_up, note,
            meeting_id, is_demo, created_at, updated_at)
        SELECT f.member_id, m.party_org_id, %s, m.held_on,
               CASE WHEN f.g < 160 THEN 'excellent' WHEN f.g < 955 THEN 'qualified' WHEN f.g < 994 THEN 'basic'
                    ELSE 'unqualified' END,
               CASE WHEN f.g >= 994 THEN '{FollowUp.EDUCATION.value}' ELSE '' END, '', m.id, %s, %s, %s
        FROM (SELECT a.member_id AS member_id, MIN(a.meeting_id) AS meeting_id, MIN({grade}) AS g
              FROM orglife_attendance a JOIN orglife_meeting m ON m.id = a.meeting_id
              WHERE m.id > %s AND (m.kinds & {review_bit}) <> 0 AND m.held_on >= %s AND m.held_on <= %s
                AND a.participant = FALSE
              GROUP BY a.member_id) f
        JOIN orglife_meeting m ON m.id = f.meeting_id
        WHERE NOT EXISTS (SELECT 1 FROM orglife_reviewresult r WHERE r.member_id = f.member_id AND r.year = %s)""",
        [year, True, now, now, first_meeting, _adapt_date(dt.date(year, 1, 1)), _adapt_date(dt.date(year, 12, 31)),
         year])
    return int(cur.rowcount or 0)


def _follow_ups(year: int) -> None:
    """A 不合格 result's deadline to improve: six months after the review (few rows)."""
    rows = list(ReviewResult.objects.filter(year=year, is_demo=True, grade="unqualified", improve_by__isnull=True))
    for r in rows:
        r.improve_by = add_months(r.reviewed_on, 6)
        r.note = "限期六个月改正，支部指定党员帮扶"
    ReviewResult.objects.bulk_update(rows, ["improve_by", "note"], batch_size=2000)
