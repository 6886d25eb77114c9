"""The case mechanism: open a case, edit its application, act on it, attach files.

Every transition is one service call: the actor's side is checked (the applicant: a write to the
subject; the body: a jurisdiction over the deciding party org), then the transition against the
kind's declaration, then the kind's checks; the state moves, the kind's ``apply`` runs, the step
is written and audited, all in one transaction. A refused action changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.actors import Actor, user_of
from shuniu.accounts.models import User
from shuniu.accounts.scopes import Scope, check_write
from shuniu.audit.services import record
from shuniu.cases import files
from shuniu.cases.kinds import APPLICANT, BODY, CaseKind, Transition, kind_of
from shuniu.cases.models import Attachment, Case, CaseStep
from shuniu.core.actors import SystemActor, actor_label, require_actor
from shuniu.core.periods import Deadline
from shuniu.core.services import Errors
from shuniu.party.bodies import responsible_body, superior_of
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg
from shuniu.rulesettings.selectors import params

# The largest application a case carries (its JSON), against floods through the API.
MAX_DATA_BYTES = 64 * 1024


def today() -> dt.date:
    return timezone.localdate()


# ---- who may act ---------------------------------------------------------------------------------

def subject_of(case: Case) -> SocialOrg | PartyOrg | PartyMember:
    subject = case.member or case.party_org or case.org
    assert subject is not None  # the table's check constraint
    return subject


def acts_for(actor: Any, body: PartyOrg | None) -> bool:
    """Whether ``actor`` may decide for ``body``: a user whose jurisdiction holds the body (its
    committee's own users and those above it; officers of the region it sits in), or a system actor."""
    checked = require_actor(actor)
    if isinstance(checked, SystemActor):
        return True
    if body is None:
        return False
    scope = Scope.for_user(checked)
    if scope.kind == "all":
        return True
    if scope.kind == "party":
        return body.path.startswith(scope.party_path)
    if scope.kind == "region":
        return scope.contains_region(body.region_id)
    return False


def _check_side(actor: Any, case: Case, transition: Transition) -> None:
    if transition.by == APPLICANT:
        check_write(actor, subject_of(case))
    elif not acts_for(actor, case.body):
        body = case.body.name if case.body else _("（未确定）")
        raise PermissionDenied(_("此操作须由审批党组织“%(body)s”或其上级办理（规则：事项由上级党组织审批）")
                               % {"body": body})


# ---- the body and the deadline -------------------------------------------------------------------

def resolve_body(kind: CaseKind, case: Case) -> PartyOrg | None:
    """The party org that must decide: the kind's own resolution, else the superior of the subject
    party org, else the responsible party body of the subject org (``shuniu.party.bodies``)."""
    if kind.body is not None:
        return kind.body(case)
    if case.party_org is not None:
        return superior_of(case.party_org)
    if case.org is not None:
        body = responsible_body(case.org)
        return body.party_org if body is not None else None
    if case.member is not None and case.member.relation_org is not None:
        return superior_of(case.member.relation_org)
    return None


def deadline_of(kind: CaseKind, region: str) -> Deadline:
    values = params(kind.deadline_rule, region)
    return Deadline(int(values["days"]), bool(values["working_days"]))


# ---- open and edit -------------------------------------------------------------------------------

def _clean_data(errors: Errors, data: Any) -> dict[str, Any]:
    import json

    if not isinstance(data, Mapping):
        errors.add("data", _("申请内容须为键值对象"), "data")
        return {}
    try:
        size = len(json.dumps(data, default=str).encode())
    except (TypeError, ValueError):
        errors.add("data", _("申请内容无法保存为 JSON"), "data")
        return {}
    if size > MAX_DATA_BYTES:
        errors.add("data", _("申请内容过大（%(n)s 字节，上限 %(max)s）") % {"n": size, "max": MAX_DATA_BYTES}, "data")
    return dict(data)


def _place(case: Case) -> None:
    case.set_region(subject_of(case).region)


def _step(case: Case, *, actor: Any, action: str, from_state: str, comment: str = "",
          data: Mapping[str, Any] | None = None) -> CaseStep:
    return CaseStep.objects.create(case=case, action=action, from_state=from_state, to_state=case.state,
                                   actor=user_of(actor), actor_label=actor_label(actor), body=case.body, comment=comment,
                                   data=dict(data or {}))


@transaction.atomic
def case_open(*, actor: Actor, kind: str, org: SocialOrg | None = None, party_org: PartyOrg | None = None,
              member: PartyMember | None = None, data: Mapping[str, Any] | None = None, title: str = "",
              submit: bool = False, comment: str = "", origin: str = "", is_demo: bool = False) -> Case:
    """Open a case of ``kind`` about its subject (a draft), and submit it at once if asked."""
    declaration = kind_of(kind)
    subject = {"org": org, "party_org": party_org, "member": member}[declaration.subject]
    check_write(actor, org, party_org, member)
    errors = Errors()
    if subject is None:
        errors.add(declaration.subject, _("请指定事项对象（规则：%(kind)s须针对一个对象）") % {"kind": declaration.label},
                   "required")
        errors.raise_if_any()
    cleaned = _clean_data(errors, data or {})
    case = Case(kind=kind, state=declaration.initial, org=org, party_org=party_org, member=member, data=cleaned,
                origin=origin, is_demo=is_demo, opened_by_label=actor_label(actor),
                opened_by=user_of(actor))
    case.title = (title or "").strip()[:200] or f"{declaration.label}：{subject}"
    declaration.clean(case, None, cleaned, errors, actor)
    errors.raise_if_any()
    _place(case)
    case.holder = party_org or (member.relation_org if member is not None else None)
    case.waiting_on = declaration.waiting_on(case.state)
    case.save()
    if declaration.saved is not None:
        declaration.saved(case, actor)
    _step(case, actor=actor, action="open", from_state="", data=cleaned)
    record(actor=actor, action="case.open", target=case, changes={"kind": [None, kind], "state": [None, case.state]})
    if submit:
        case = case_act(actor=actor, case=case, action="submit", comment=comment)
    return case


@transaction.atomic
def case_update(*, actor: Actor, case: Case, data: Mapping[str, Any]) -> Case:
    """Change the application while it is with the applicant (a draft, or returned for changes)."""
    check_write(actor, subject_of(case))
    declaration = kind_of(case.kind)
    errors = Errors()
    if case.waiting_on != APPLICANT:
        errors.add("state", _("事项当前状态为“%(state)s”，申请内容只能在草稿或退回修改时修改") % {
            "state": declaration.state_label(case.state)}, "state")
        errors.raise_if_any()
    merged = _clean_data(errors, {**case.data, **dict(data)})
    declaration.clean(case, None, merged, errors, actor)
    errors.raise_if_any()
    changed = {k: [case.data.get(k), v] for k, v in merged.items() if case.data.get(k) != v}
    case.data = merged
    case.save(update_fields=["data", "updated_at"])
    if declaration.saved is not None:
        declaration.saved(case, actor)
    if changed:
        _step(case, actor=actor, action="edit", from_state=case.state, data={k: v[1] for k, v in changed.items()})
        record(actor=actor, action="case.edit", target=case, changes=changed)
    return case


# ---- act -----------------------------------------------------------------------------------------

def _transition(errors: Errors, declaration: CaseKind, case: Case, action: str) -> Transition | None:
    transition = declaration.transition(case.state, action)
    if transition is None:
        allowed = _("、").join(t.shown() for t in declaration.actions_from(case.state)) or _("无（已办结）")
        errors.add("action", _("事项当前状态为“%(state)s”，不能“%(action)s”（允许的操作：%(allowed)s）") % {
            "state": declaration.state_label(case.state), "action": action, "allowed": allowed}, "transition")
    return transition


def _submit(errors: Errors, declaration: CaseKind, case: Case, actor: Any) -> None:
    body = resolve_body(declaration, case)
    if body is None:
        errors.add("body", _("未能确定审批党组织：请先为其登记上级党组织或党建工作责任主体（规则 SUPERIOR）"), "body")
        return
    if body.dissolved_on is not None:
        errors.add("body", _("审批党组织“%(body)s”已撤销（规则 SUPERIOR）") % {"body": body.name}, "body")
        return
    case.body = body
    if case.holder_id is None or case.party_org_id is None:
        case.holder = case.party_org or body
    case.submitted_by = user_of(actor)
    case.submitted_on = today()
    case.due_on = deadline_of(declaration, case.region_id).due(case.submitted_on)


@transaction.atomic
def case_act(*, actor: Actor, case: Case, action: str, comment: str = "",
             data: Mapping[str, Any] | None = None, attachments: Iterable[UploadedFile] = ()) -> Case:
    """Take ``action`` on ``case``: validated against its kind, atomic, audited."""
    declaration = kind_of(case.kind)
    # Only the case row is locked: the related rows are read through nullable joins, which
    # PostgreSQL cannot lock (FOR UPDATE on the nullable side of an outer join).
    case = Case.objects.select_for_update(of=("self",)).select_related("body", "party_org", "org", "member").get(
        pk=case.pk)
    errors = Errors()
    transition = _transition(errors, declaration, case, action)
    errors.raise_if_any()
    assert transition is not None
    _check_side(actor, case, transition)
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        errors.add("comment", _("“%(action)s”须填写意见（规则：退回或不予批准须说明理由）") % {"action": transition.shown()},
                   "required")
    if transition.by == BODY and case.submitted_by_id is not None and getattr(actor, "pk", None) == case.submitted_by_id:
        errors.add("action", _("不能审批本人提交的事项（规则：申请与审批分离）"), "self_approval")
    payload = _clean_data(errors, data or {})
    if action == "submit":
        _submit(errors, declaration, case, actor)
    declaration.clean(case, action, payload, errors, actor)
    uploads = list(attachments)
    checked = [_check_file(errors, f) for f in uploads]
    errors.raise_if_any()
    before = case.state
    case.state = transition.target
    case.waiting_on = declaration.waiting_on(case.state)
    case.closed_on = today() if not case.waiting_on else None
    if case.waiting_on != BODY:  # the body's clock runs only while the case is with it
        case.due_on = None
    extra = declaration.apply(case, transition, payload, actor) or {}
    case.save()
    step = _step(case, actor=actor, action=action, from_state=before, comment=comment, data={**payload, **extra})
    for upload, ok in zip(uploads, checked, strict=True):
        assert ok is not None
        _store(case, step, upload, ok, actor)
    record(actor=actor, action=f"case.{action}", target=case,
           changes={"state": [before, case.state], **({"comment": [None, comment]} if comment else {})})
    return case


# ---- attachments ---------------------------------------------------------------------------------

def _check_file(errors: Errors, upload: UploadedFile) -> files.Checked | None:
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    ok, problem = files.check(upload, name, upload.size or 0)
    if problem:
        errors.add("attachments", problem, "attachment")
    return ok


def _store(case: Case, step: CaseStep | None, upload: UploadedFile, ok: files.Checked, actor: Any) -> Attachment:
    name = (upload.name or "").rsplit("/", 1)[-1][:200] or f"attachment.{ok.extension}"
    attachment = Attachment(case=case, step=step, name=name, extension=ok.extension, content_type=ok.content_type,
                            size=ok.size, sha256=ok.sha256, uploaded_by_label=actor_label(actor),
                            uploaded_by=user_of(actor))
    upload.seek(0)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record(actor=actor, action="case.attach", target=case, changes={"attachment": [None, name], "sha256": [None, ok.sha256]})
    return attachment


@transaction.atomic
def attachment_add(*, actor: Actor, case: Case, upload: UploadedFile) -> Attachment:
    """Attach a file to a case that is not closed: by the applicant's side or the deciding body."""
    if not acts_for(actor, case.body):
        check_write(actor, subject_of(case))
    errors = Errors()
    if not case.waiting_on:
        errors.add("attachments", _("事项已办结，不能再添加附件"), "state")
    ok = _check_file(errors, upload)
    errors.raise_if_any()
    assert ok is not None
    return _store(case, None, upload, ok, actor)


# ---- the daily digest ----------------------------------------------------------------------------

def send_digests(*, dry_run: bool = False, limit: int = 10) -> list[tuple[str, int]]:
    """E-mail each active user who has an address and something waiting: the counts and the most
    urgent ``limit`` items of their inbox (Django's mail settings; off unless SHUNIU_DIGEST)."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import translation

    from shuniu.cases.inbox import reminders
    from shuniu.cases.selectors import waiting_on_me

    sent: list[tuple[str, int]] = []
    day = today()
    for user in User.objects.filter(is_active=True).exclude(email="").order_by("pk"):
        scope = Scope.for_user(user)
        cases = waiting_on_me(scope, user)
        more = reminders(scope, day, limit)
        total = cases.order_by().count() + more.count
        if not total:
            continue
        sent.append((user.username, total))
        if dry_run:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            lines = [f"{c.title}（{c.due_on or '—'}）" for c in cases[:limit]]
            lines += [f"{r.title} {r.detail}" for r in more.items]
            body = "\n".join([_("您有 %(n)s 项待办：") % {"n": total}, "", *lines])
            send_mail(_("枢纽待办摘要 %(day)s") % {"day": day.isoformat()}, body, None, [user.email])
    return sent
