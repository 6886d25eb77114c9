"""The kinds of case and their states and transitions, declared as data in one place per kind.

A kind (an establishment application, a change report, an election request...) is declared by the
app that runs the process (``shuniu.organizing``, later the member and org-life apps) with
``register(CaseKind(...))``. The mechanism (``shuniu.cases.services``) reads the declaration: which
action may be taken from which state, by which side (the applicant, or the body that decides),
whether it needs a comment, what the action does on top of moving the state (``apply``), and how
the application's content is checked (``clean``). A kind adds no states or checks anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from shuniu.cases.models import Case
    from shuniu.core.services import Errors
    from shuniu.party.models import PartyOrg

APPLICANT = "applicant"
BODY = "body"

# The common states; a kind may add its own (an election is "held" before its results are approved).
DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

STATE_LABELS: dict[str, Promise] = {
    DRAFT: _("草稿"),
    SUBMITTED: _("待审批"),
    RETURNED: _("退回修改"),
    APPROVED: _("已批准"),
    REJECTED: _("不予批准"),
    WITHDRAWN: _("已撤回"),
}

ACTION_LABELS: dict[str, Promise] = {
    "submit": _("提交"),
    "return": _("退回修改"),
    "approve": _("批准"),
    "reject": _("不予批准"),
    "withdraw": _("撤回"),
    "evaluate": _("评议"),
}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    by: str  # APPLICANT or BODY
    comment_required: bool = False
    label: Promise | str = ""

    def shown(self) -> str:
        return str(self.label or ACTION_LABELS.get(self.action, self.action))


# What an action carries (a decision number, a date...) and how it is checked: the kind's
# ``clean`` gets the case, the action (None for an edit of the application), the data and the
# actor, adds errors keyed by field, and checks the actor's scope over every object the data names; ``apply`` runs inside the transaction after the state has moved, and may
# call other apps' services (create the party org); it returns what to remember in the step.
Clean = Callable[["Case", "str | None", Mapping[str, Any], "Errors", Any], None]
Apply = Callable[["Case", Transition, Mapping[str, Any], Any], "dict[str, Any] | None"]
Resolve = Callable[["Case"], "PartyOrg | None"]
# Called after the application is saved (opened or edited), in the same transaction: a kind that
# keeps its application in a table of its own (a secretary's report) mirrors it there.
Saved = Callable[["Case", Any], None]


def _no_clean(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    return None


def _no_apply(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    return None


@dataclass(frozen=True)
class CaseKind:
    code: str
    label: Promise | str
    subject: str  # "org" | "party_org" | "member"
    rule_id: str  # the rule the process carries out (its source is shown on the case)
    source: str
    transitions: tuple[Transition, ...]
    states: Mapping[str, Promise | str] = field(default_factory=lambda: dict(STATE_LABELS))
    initial: str = DRAFT
    # The body's time limit from submission: a rule setting ``DEADLINE_<CODE>`` with these defaults.
    deadline_days: int = 30
    deadline_working: bool = False
    clean: Clean = _no_clean
    apply: Apply = _no_apply
    # The body that must act; None: the superior of the subject party org, else the responsible
    # party body of the subject org (``shuniu.party.bodies``).
    body: Resolve | None = None
    saved: Saved | None = None
    # The fields of the application (``Case.data``) the applicant fills in, with their labels, in
    # the order a form shows them; and those each body action asks for.
    fields: Mapping[str, Promise | str] = field(default_factory=dict)
    action_fields: Mapping[str, Mapping[str, Promise | str]] = field(default_factory=dict)

    @property
    def deadline_rule(self) -> str:
        return f"DEADLINE_{self.code.upper()}"

    def closed_states(self) -> frozenset[str]:
        """States no transition leaves: the case is over."""
        leaving = {s for t in self.transitions for s in t.sources}
        return frozenset(set(self.states) - leaving)

    def waiting_on(self, state: str) -> str:
        """Who must act in ``state``: BODY when a body action starts there, else APPLICANT when
        another action does (withdrawing alone does not make anyone wait), "" when closed."""
        sides = {t.by for t in self.transitions if state in t.sources and t.action != "withdraw"}
        if BODY in sides:
            return BODY
        return APPLICANT if sides else ""

    def transition(self, state: str, action: str) -> Transition | None:
        for t in self.transitions:
            if t.action == action and state in t.sources:
                return t
        return None

    def actions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def state_label(self, state: str) -> str:
        return str(self.states.get(state, state))


def approval_flow(*extra: Transition) -> tuple[Transition, ...]:
    """The usual request and decision: draft → submitted → approved / rejected, returned for
    changes and resubmitted any number of times, withdrawn by the applicant until decided."""
    return (
        Transition("submit", frozenset({DRAFT, RETURNED}), SUBMITTED, APPLICANT),
        Transition("return", frozenset({SUBMITTED}), RETURNED, BODY, comment_required=True),
        Transition("approve", frozenset({SUBMITTED}), APPROVED, BODY),
        Transition("reject", frozenset({SUBMITTED}), REJECTED, BODY, comment_required=True),
        Transition("withdraw", frozenset({DRAFT, SUBMITTED, RETURNED}), WITHDRAWN, APPLICANT),
        *extra,
    )


_KINDS: dict[str, CaseKind] = {}


def register(kind: CaseKind) -> CaseKind:
    """Declare a kind of case, and its deadline as a rule setting a place can change."""
    from shuniu.rulesettings.declarations import declare

    for t in kind.transitions:
        unknown = ({*t.sources, t.target} - set(kind.states))
        if unknown:
            raise ValueError(f"{kind.code}: transition {t.action} names undeclared states {sorted(unknown)}")
        if t.by not in (APPLICANT, BODY):
            raise ValueError(f"{kind.code}: transition {t.action} is taken by {t.by!r}")
    _KINDS[kind.code] = kind
    declare(kind.deadline_rule, defaults={"days": kind.deadline_days, "working_days": kind.deadline_working},
            source=kind.source, checks={"days": _positive_days})
    return kind


def _positive_days(value: Any) -> str | None:
    from django.utils.translation import gettext

    if isinstance(value, int) and 0 < value <= 3650:
        return None
    return gettext("期限“%(value)s”无效（规则：须为 1 至 3650 之间的整数天数）") % {"value": value}


def kind_of(code: str) -> CaseKind:
    """The declaration of ``code``; KeyError for an unknown kind."""
    return _KINDS[code]


def all_kinds() -> dict[str, CaseKind]:
    return dict(_KINDS)
