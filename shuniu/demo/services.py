"""Generating demo scenarios and the demo's users."""

from __future__ import annotations

import secrets
import time

from django.db import connection, transaction

from shuniu.accounts.actors import Actor, SystemActor, check_admin
from shuniu.accounts.models import User
from shuniu.accounts.services import user_create
from shuniu.audit.services import record
from shuniu.coverage import engine as coverage_engine
from shuniu.demo.cases import seed_cases
from shuniu.demo.development import seed_pipeline
from shuniu.demo.gen import Gen
from shuniu.demo.mobile import seed_mobile
from shuniu.demo.models import ScenarioRun
from shuniu.demo.orglife import seed_orglife
from shuniu.demo.reports import seed_reports
from shuniu.demo.scenarios import SCENARIOS, SERIES
from shuniu.demo.transfers import seed_transfers
from shuniu.orglife import compliance as orglife_compliance

DEFAULT_SEED = 2016


class UnknownScenario(ValueError):
    pass


class AlreadyGenerated(ValueError):
    pass


def scenario_generate(*, actor: Actor, name: str, seed: int = DEFAULT_SEED, scale: float = 1.0) -> ScenarioRun:
    """Generate scenario ``name`` in one transaction; records the run and one audit entry.
    Administrators only (its rows bypass every scope)."""
    check_admin(actor)
    if name not in SCENARIOS:
        raise UnknownScenario(f"未知场景“{name}”；可选：{', '.join(SCENARIOS)}")
    if ScenarioRun.objects.filter(name=name).exists():
        # Generated codes (USCC, ID numbers) are unique per scenario, not per run: a second run
        # in the same database would collide, and the scenario figures would double.
        raise AlreadyGenerated(f"场景“{name}”已在此数据库中生成；如需重新生成，请使用新的数据库")
    t0 = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            # A large page cache keeps SQLite from re-reading its growing WAL during a big load.
            cur.execute("PRAGMA cache_size = -524288")
    with transaction.atomic():
        series, digit = SERIES[name]
        g = Gen(seed, series, digit)
        SCENARIOS[name](g, scale)
        counts = g.close()
        _fill_secretaries()
        # Generated rows bypass the services, so the derived statuses and rollup are rebuilt once.
        coverage_engine.rebuild()
        # Cases through the services, after the figures are true (the cases read them).
        seed_cases(name)
        # People in the development pipeline, at every stage (some overdue), through its services.
        counts.update(seed_pipeline(name))
        # Mobile members: an outflow for each one marked mobile, and the MOBILE findings (no count changes).
        seed_mobile(name)
        seed_transfers(name)
        # Last year's secretaries' reports of the district (most reported and evaluated, a few not).
        counts.update(seed_reports(name))
        # Two years of org life for every party org (bulk SQL), then its stored figures, once.
        counts.update({f"life_{k}": v for k, v in seed_orglife(seed).items()})
        orglife_compliance.rebuild()
        run = ScenarioRun.objects.create(name=name, seed=seed, scale=scale, seconds=time.perf_counter() - t0,
                                         counts=counts)
        record(actor=actor, action="demo.generate", target=run, changes={"counts": [None, counts]})
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    run.seconds = time.perf_counter() - t0
    ScenarioRun.objects.filter(pk=run.pk).update(seconds=run.seconds)
    return run


def _fill_secretaries() -> None:
    """Each generated party org's secretary: its longest-standing full member; for a committee or
    general branch whose members are all in the branches under it, the longest-standing of those."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Fresh statistics first: without them the planner scans all members once per party org.
            cur.execute("ANALYZE party_partymember")
        cur.execute(
            """
            UPDATE party_partyorg SET secretary_id = (
                SELECT m.id FROM party_partymember m
                WHERE m.relation_org_id = party_partyorg.id AND m.status = 'full'
                ORDER BY m.full_on, m.id LIMIT 1)
            WHERE is_demo AND secretary_id IS NULL
            """
        )
        cur.execute(
            """
            UPDATE party_partyorg SET secretary_id = (
                SELECT m.id FROM party_partymember m JOIN party_partyorg c ON c.id = m.relation_org_id
                WHERE c.path LIKE party_partyorg.path || '%' AND m.status = 'full'
                ORDER BY m.full_on, m.id LIMIT 1)
            WHERE is_demo AND secretary_id IS NULL AND kind IN ('committee', 'general_branch')
            """
        )


# The demo's personas: one per role, with scopes in the Beijing scenario's real places.
DEMO_USERS = [
    ("admin", "admin", "", "系统管理员"),
    ("beijing", "city_officer", "11", "北京市社会组织党建工作人员"),
    ("chaoyang", "district_officer", "110105", "朝阳区社会组织综合党委"),
    ("zhonglou", "district_officer", "320404", "钟楼区社会组织综合党委"),
    # Street officers: they apply for the orgs of their street; the district decides.
    ("jianwai", "street_officer", "110105001", "朝阳区建外街道社会组织工作人员"),
    ("hehuachi", "street_officer", "320404006", "钟楼区荷花池街道社会组织工作人员"),
]


def demo_users_ensure() -> list[tuple[str, str, str]]:
    """Create the demo users, or reset their passwords; returns (username, role, password)."""
    out = []
    for username, role, scope, full_name in DEMO_USERS:
        existing = User.objects.filter(username=username).first()
        if existing is None:
            _user, password = user_create(actor=SystemActor("demo"), username=username, role=role, scope=scope,
                                         full_name=full_name)
        else:
            password = secrets.token_urlsafe(9)
            existing.set_password(password)
            existing.save(update_fields=["password"])
        out.append((username, role, password))
    return out
