"""Import kind "transfers": relation-transfer letters already issued on paper or in the old platform
and not yet received (or received on a date given in the row), one letter a row.

A row names the member by ID number (found as the members import finds them: the keyed hash), the
kind of letter (inside the system, or out of it), the receiving party org by name (inside) or the
destination's name (out), the number (optional inside: the system numbers it), the issue date, the
validity, the month the dues are paid to, the reason, and the date received when the transfer is
complete. Every row is checked with the transfer services' own functions (``letters.clean_letter``,
``clean_terms``, ``open_letter``) and the order of a member's relation changes (``relation_move``);
rows naming a member, or a releasing party org, outside the actor's jurisdiction are refused one by
one; the receiving party org of a letter inside the system may lie anywhere.

Limit: the rows are written through the services one at a time (``letter_issue`` and the case's
``confirm``, ``outgoing_record`` and ``outgoing_receipt``), a few dozen queries a row, and the
checks read a member's open letters and last move per row: meant for the files of letters in
transit (hundreds of rows); ``MAX_ROWS`` refuses a larger file. Undoing a batch removes its letters,
their cases and relation changes and gives the members their relation back, unless something
changed them since (``shuniu.imports.undo``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.cases.models import CaseStep
from shuniu.cases.services import case_act
from shuniu.core import crypto
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors
from shuniu.core.validators import normalize_code
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.members import MemberKind, _in_chunks
from shuniu.imports.spec import Column, choice_column
from shuniu.party import privacy
from shuniu.party.models import Participation, PartyMember, PartyOrg, RelationChange
from shuniu.transfers.letters import clean_letter, clean_terms, open_letter
from shuniu.transfers.models import LetterKind, RelationLetter
from shuniu.transfers.services import letter_issue, outgoing_receipt, outgoing_record

# The rows are written one at a time through the services (see the module docstring).
MAX_ROWS = 2000

KIND_OPTIONS = {"系统内": LetterKind.INTERNAL, "系统内转接": LetterKind.INTERNAL, "内部": LetterKind.INTERNAL,
                "internal": LetterKind.INTERNAL, "转出到系统外": LetterKind.OUTGOING, "系统外": LetterKind.OUTGOING,
                "转出系统外": LetterKind.OUTGOING, "转出": LetterKind.OUTGOING, "outgoing": LetterKind.OUTGOING}
_MONTH_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def month(value: Any) -> str:
    """A year and month (党费交至): a date cell, or text such as 2026-11, 2026/11, 2026年11月; other
    text is returned as given for ``clean_terms`` to report."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    text = cells.text(value)
    found = _MONTH_TEXT.match(text)
    if found and 1 <= int(found.group(2)) <= 12:
        return f"{found.group(1)}-{int(found.group(2)):02d}"
    return text


COLUMNS: list[Column] = [
    Column("name", "姓名", "Name", cells.text, aliases=("党员姓名",), example="张三",
           note="可不填；填写时须与该身份证号码的党员姓名一致"),
    Column("id_number", "公民身份号码", "ID number", cells.code, required=True,
           aliases=("身份证号", "身份证号码", "身份证", "证件号码"), example="32040419850101001X",
           note="本辖区在册党员的 18 位号码（按号码查找党员）", width=22),
    choice_column("kind", "转接类别", "Kind", KIND_OPTIONS, ("系统内", "转出到系统外"), required=True,
                  aliases=("类别", "介绍信类别"), example="系统内"),
    Column("to_org", "接收党组织", "Receiving party org", cells.text, aliases=("接收党组织名称", "去往党组织"),
           example="钟楼区社会组织综合党委", width=30,
           note="系统内：本系统党组织的名称（可不在本辖区）；转出到系统外：对方党组织名称"),
    Column("number", "介绍信编号", "Letter number", cells.text, aliases=("编号", "介绍信号"), example="2026-000123",
           note="转出到系统外必填；系统内不填时由系统编号"),
    Column("issued_on", "开具日期", "Issued on", cells.date, required=True, aliases=("开具时间", "开信日期"),
           example=dt.date(2026, 11, 20)),
    Column("valid_days", "有效期（天）", "Validity (days)", cells.integer, aliases=("有效期", "有效天数"), example=30,
           note="1 至 90 天；不填取本地设置（默认 30 天）"),
    Column("dues_paid_to", "党费交至", "Dues paid to", month, aliases=("党费交至（年月）", "党费缴至"),
           example="2026-11", note="年-月，如 2026-11"),
    Column("reason", "转接原因", "Reason", cells.text, aliases=("原因",), example="工作调动", width=24),
    Column("received_on", "接收日期", "Received on", cells.date, aliases=("回执日期", "接收时间"),
           note="已接收（回执已回）时填写：转接在该日办结"),
]


class TransferKind(Kind):
    name = "transfers"
    label = gettext_lazy("组织关系转接（在途介绍信）")
    model = RelationLetter
    columns = COLUMNS
    sheet_title = "组织关系转接"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:
        plan = Plan(kind=self.name)
        if len(parsed) > MAX_ROWS:
            plan.add_error(ctx, ctx.header.row + 1, "", "too_many", _(
                "文件有 %(n)s 行，超过 %(max)s 行（规则：在途介绍信逐行办理，每个文件至多 %(max)s 行，请分批导入）")
                % {"n": len(parsed), "max": MAX_ROWS})
            return plan
        if MemberKind._limited(plan, ctx):
            return plan
        numbers = {p.row: normalize_code(p.data["id_number"]) for p in parsed if "id_number" in p.data}
        digests = {row: crypto.keyed_hash(n) for row, n in numbers.items()}
        owners = dict(bulk.select_in("SELECT id_number_hash, id FROM party_partymember WHERE {where}",
                                     "id_number_hash", sorted(set(digests.values()))))
        members = {m.pk: m for m in _in_chunks(PartyMember.objects.select_related("relation_org"), "id",
                                               set(owners.values()))}
        names = {p.data["to_org"] for p in parsed if p.data.get("kind") == LetterKind.INTERNAL and "to_org" in p.data}
        by_name: dict[str, list[PartyOrg]] = {}
        for po in _in_chunks(PartyOrg.objects.all(), "name", names):
            by_name.setdefault(po.name, []).append(po)
        members_ok = ctx.allowed(PartyMember, members)
        party_ok = ctx.allowed(PartyOrg, [m.relation_org_id for m in members.values()])
        internal_numbers = {p.data["number"] for p in parsed
                            if p.data.get("kind") == LetterKind.INTERNAL and p.data.get("number")}
        taken = set(_in_chunks(RelationLetter.objects.filter(kind=LetterKind.INTERNAL).values_list("number", flat=True),
                               "number", internal_numbers))
        seen_members: dict[int, int] = {}
        seen_numbers: dict[str, int] = {}
        for p in parsed:
            plan.rows += 1
            d = p.data
            errors = Errors()
            member = self._member(errors, ctx, p, numbers, digests, owners, members, members_ok)
            if member is not None:
                if (first := seen_members.get(member.pk)) is not None:
                    errors.add("id_number", _("与第 %(row)s 行是同一党员（规则：一人一信）") % {"row": first}, "duplicate")
                else:
                    seen_members[member.pk] = p.row
                if d.get("name") and d["name"] != member.name:
                    errors.add("name", _("姓名“%(v)s”与该公民身份号码的党员“%(n)s”不一致（规则：姓名与号码须一致）")
                               % {"v": d["name"], "n": member.name}, "mismatch")
                if party_ok is not None and member.relation_org_id is not None \
                        and member.relation_org_id not in party_ok:
                    ctx.refuse_outside(errors, "id_number", crypto.mask_id_number(numbers[p.row]))
            out = self._letter(errors, d, member, by_name)
            number = d.get("number") or ""
            if d.get("kind") == LetterKind.INTERNAL and number:
                if number in taken:
                    errors.add("number", _("介绍信编号“%(v)s”已被使用（规则：系统内介绍信编号唯一）") % {"v": number}, "unique")
                elif (first := seen_numbers.get(number)) is not None:
                    errors.add("number", _("与第 %(row)s 行的介绍信编号相同（规则：系统内介绍信编号唯一）") % {"row": first},
                               "duplicate")
                else:
                    seen_numbers[number] = p.row
            if "member" in errors.by_field:  # the services name the member; the file, the ID number
                errors.by_field.setdefault("id_number", []).extend(errors.by_field.pop("member"))
            for field_name, (code, message) in p.bad.items():
                kept = [e for e in errors.by_field.pop(field_name, []) if e.code != "required"]
                errors.by_field[field_name] = [*kept, ValidationError(message, code=code)]
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            assert member is not None
            plan.creates.append(Change(p.row, None, {**out, "member": member, "kind": d["kind"], "number": number}))
        return plan

    @staticmethod
    def _member(errors: Errors, ctx: Context, p: Parsed, numbers: dict[int, str], digests: dict[int, str],
                owners: dict[str, int], members: dict[int, PartyMember], members_ok: set[int] | None
                ) -> PartyMember | None:
        """The member the row's ID number names, in the actor's scope. An unknown number and one held
        outside the scope read the same (no membership oracle: ``shuniu.party.privacy``); the
        latter is audited and counted as the members import counts it."""
        if p.row not in numbers:
            if "id_number" not in p.bad:
                errors.add("id_number", _("公民身份号码不能为空（规则：必填）"), "required")
            return None
        pk = owners.get(digests[p.row])
        member = members.get(pk) if pk is not None else None
        if member is not None and members_ok is not None and member.pk not in members_ok:
            privacy.refuse(ctx.actor, numbers[p.row], member.pk, via="import")
            member = None
        if member is None:
            errors.add("id_number", _("公民身份号码%(m)s：您的管辖范围内没有此党员（规则：介绍信由组织关系所在党组织为本辖区在册党员开具）")
                       % {"m": crypto.mask_id_number(numbers[p.row])}, "reference")
        return member

    @staticmethod
    def _receiving(errors: Errors, d: dict[str, Any], by_name: dict[str, list[PartyOrg]]) -> PartyOrg | None:
        """The receiving party org of a letter inside the system, by its name (anywhere in the system;
        a dissolved one is returned for ``clean_letter`` to name)."""
        destination = str(d.get("to_org") or "")
        if not destination:
            if d.get("kind") in (LetterKind.INTERNAL, LetterKind.OUTGOING):
                errors.add("to_org", _("接收党组织不能为空（规则：必填）"), "required")
            return None
        if d.get("kind") != LetterKind.INTERNAL:
            if len(destination) > 200:
                errors.add("to_org", _("去往党组织名称过长（规则：不超过 200 个字符）"), "max_length")
            return None
        found = by_name.get(destination, [])
        current = [po for po in found if po.dissolved_on is None]
        if len(current) > 1:
            errors.add("to_org", _("党组织“%(v)s”有重名，无法确定（规则：名称须唯一）") % {"v": destination}, "reference")
            return None
        if not found:
            errors.add("to_org", _("党组织“%(v)s”不存在（规则：系统内介绍信须开往本系统现有党组织）") % {"v": destination},
                       "reference")
            return None
        return (current or found)[0]

    @classmethod
    def _letter(cls, errors: Errors, d: dict[str, Any], member: PartyMember | None,
                by_name: dict[str, list[PartyOrg]]) -> dict[str, Any]:
        """The letter's own checks (the services'), and those of the relation moves it makes."""
        kind = d.get("kind")
        to_org = cls._receiving(errors, d, by_name)
        if kind == LetterKind.OUTGOING and not d.get("number"):
            errors.add("number", _("转出到系统外的介绍信须填写编号（规则：必填）"), "required")
        if len(str(d.get("number") or "")) > 40:
            errors.add("number", _("介绍信编号过长（规则：不超过 40 个字符）"), "max_length")
        content = {k: d.get(k) for k in ("valid_days", "dues_paid_to", "reason")}
        if member is not None:
            out = clean_letter(errors, member, {**content, "to_org": to_org}, region=member.region_id)
            if open_letter(member) is not None:
                errors.add("id_number", _("%(name)s已有一份办理中的组织关系介绍信，须办结或撤回后再开具（规则：一人一信）")
                           % {"name": member.name}, "open_letter")
        else:
            out = clean_terms(errors, content, region="")
        out["to_org"] = to_org
        out["to_elsewhere"] = str(d.get("to_org") or "") if kind == LetterKind.OUTGOING else ""
        cls._dates(errors, d, member, to_org, out.get("valid_days"))
        out["issued_on"], out["received_on"] = d.get("issued_on"), d.get("received_on")
        return out

    @staticmethod
    def _dates(errors: Errors, d: dict[str, Any], member: PartyMember | None, to_org: PartyOrg | None,
               days: Any) -> None:
        """The issue and receipt dates: not in the future, in order, the receipt within the validity
        (inside the system), and the relation's move not before the member's last one."""
        kind, issued, received = d.get("kind"), d.get("issued_on"), d.get("received_on")
        today = dt.date.today()
        if issued is not None and issued > today:
            errors.add("issued_on", _("开具日期不能晚于今天（规则：日期不在未来）"), "future")
        if received is not None and received > today:
            errors.add("received_on", _("接收日期不能晚于今天（规则：日期不在未来）"), "future")
        if issued is not None and received is not None:
            if received < issued:
                errors.add("received_on", _("接收日期 %(d)s 早于开具日期 %(i)s（规则：先开具，后接收）")
                           % {"d": received.isoformat(), "i": issued.isoformat()}, "order")
            elif kind == LetterKind.INTERNAL and isinstance(days, int) and received > issued + dt.timedelta(days=days):
                errors.add("received_on", _("介绍信有效期至 %(v)s，%(d)s 已过期（规则：介绍信在有效期内办理；逾期的请导入为未接收，再由转出党组织延期或重新开具）")
                           % {"v": (issued + dt.timedelta(days=days)).isoformat(), "d": received.isoformat()}, "expired")
        # The relation moves on the date received (inside) or issued (out): not before the last move.
        moved_on = issued if kind == LetterKind.OUTGOING else received
        if member is not None and moved_on is not None:
            last = member.relation_changes.aggregate(last=Max("on"))["last"]
            if last is not None and moved_on < last:
                field_name = "issued_on" if kind == LetterKind.OUTGOING else "received_on"
                errors.add(field_name, _("%(d)s 早于该党员上一次组织关系变动 %(last)s（规则：组织关系按时间先后变动）")
                           % {"d": moved_on.isoformat(), "last": last.isoformat()}, "order")
        if to_org is not None and received is not None and to_org.established_on > received:
            errors.add("received_on", _("“%(o)s”在 %(d)s 尚未成立，不能接收组织关系")
                       % {"o": to_org.name, "d": received.isoformat()}, "state")

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        for change in plan.creates:
            try:
                changes += self._write(change.after, ctx)
            except ValidationError as exc:
                # Checked in the plan: something changed since. The caller's transaction is undone.
                raise ValidationError(_("第 %(row)s 行：%(msg)s") % {"row": change.row, "msg": "；".join(exc.messages)},
                                      code="conflict") from exc
        return changes

    @staticmethod
    def _write(row: dict[str, Any], ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        member: PartyMember = row["member"]
        member.refresh_from_db()
        before = _member_state(member.pk)
        parts = list(Participation.objects.filter(member=member, ended_on__isnull=True).values_list("pk", flat=True))
        last_change = RelationChange.objects.aggregate(m=Max("id"))["m"] or 0
        label = actor_label(ctx.actor)
        if row["kind"] == LetterKind.INTERNAL:
            case = letter_issue(actor=ctx.actor, member=member, to_org=row["to_org"], reason=row["reason"],
                                dues_paid_to=row["dues_paid_to"], valid_days=row["valid_days"])
            letter = RelationLetter.objects.get(case=case)
            # Issued on paper on its own date: the validity runs from it, and so does the receiving
            # side's clock.
            letter.issued_on = row["issued_on"]
            letter.valid_until = row["issued_on"] + dt.timedelta(days=row["valid_days"])
            if row["number"]:
                letter.number = row["number"]
            letter.save(update_fields=["issued_on", "valid_until", "number", "updated_at"])
            case.due_on = letter.valid_until
            case.save(update_fields=["due_on", "updated_at"])
            if row["received_on"] is not None:
                # The receipt is the receiving side's, which the file reports: recorded on its behalf.
                case_act(actor=SystemActor(_("%(who)s（导入在途介绍信）") % {"who": label}), case=case, action="confirm",
                         data={"received_on": row["received_on"].isoformat()})
            cases = [("cases.case", case.pk, 1, "created", None, None)]
            steps = list(CaseStep.objects.filter(case=case).values_list("pk", flat=True))
            cases += [("cases.casestep", first, n, "created", None, None) for first, n in bulk.runs(sorted(steps))]
        else:
            letter = outgoing_record(actor=ctx.actor, member=member, number=row["number"],
                                     to_elsewhere=row["to_elsewhere"], issued_on=row["issued_on"],
                                     reason=row["reason"], dues_paid_to=row["dues_paid_to"],
                                     valid_days=row["valid_days"])
            if row["received_on"] is not None:
                outgoing_receipt(actor=ctx.actor, letter=letter, received_on=row["received_on"])
            cases = []
        moves = sorted(RelationChange.objects.filter(member=member, pk__gt=last_change).values_list("pk", flat=True))
        after = _member_state(member.pk)
        out: list[tuple[str, int, int, str, Any, Any]] = [
            ("transfers.relationletter", letter.pk, 1, "created", None, None), *cases,
            *(("party.relationchange", first, n, "created", None, None) for first, n in bulk.runs(moves))]
        changed = {k: v for k, v in after.items() if before[k] != v}
        if changed:
            out.append(("party.partymember", member.pk, 1, "updated", {k: before[k] for k in changed}, changed))
        for pk in parts:
            ended = Participation.objects.values_list("ended_on", flat=True).get(pk=pk)
            if ended is not None:
                out.append(("party.participation", pk, 1, "updated", {"ended_on": None},
                            {"ended_on": ended.isoformat()}))
        return out


_STATE = ("relation_org_id", "relation_elsewhere", "workplace_id", "region_id", "province_code", "city_code",
          "county_code", "street_code", "community_code", "ended_on", "end_reason", "end_note")


def _member_state(pk: int) -> dict[str, Any]:
    """The member's fields a transfer may change, as the batch's change records keep them (JSON)."""
    row = PartyMember.objects.values(*_STATE).get(pk=pk)
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
