"""What every import kind provides, and the plan it makes of a file before anything is written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.core.services import Errors
from shuniu.imports.spec import Column, HeaderMatch, RowError


@dataclass
class Parsed:
    """One data row: its number in the spreadsheet, the non-blank cells read into field values,
    and the cells that could not be read (field → (rule code, message))."""

    row: int
    data: dict[str, Any]
    bad: dict[str, tuple[str, str]]


@dataclass
class Context:
    actor: Any
    # None for system actors (commands run by an operator), which no scope restricts.
    scope: Scope | None
    header: HeaderMatch
    columns: dict[str, Column]

    def column(self, field_name: str) -> str:
        """The header of ``field_name`` as written in the file, else the column's Chinese name."""
        if field_name in self.header.headers:
            return self.header.headers[field_name]
        col = self.columns.get(field_name)
        return col.zh if col else field_name

    def allowed(self, model: type[models.Model], ids: Iterable[int | None]) -> set[int] | None:
        """The ids among ``ids`` inside the actor's scope, read with the scope's queryset once for the
        whole file (a query per 900 objects named, none per row); None when no scope restricts."""
        if self.scope is None or self.scope.kind == "all":
            return None
        wanted = sorted({i for i in ids if i is not None})
        found: set[int] = set()
        for start in range(0, len(wanted), 900):
            chunk = model._default_manager.filter(pk__in=wanted[start:start + 900])
            found.update(self.scope.filter(chunk).values_list("pk", flat=True))
        return found

    def refuse_outside(self, errors: Errors, field_name: str, value: Any) -> None:
        """The row names an object (``value`` as written in the file) outside the actor's scope: the
        same refusal as the services' ``check_write``, as a row error."""
        errors.add(field_name, _("%(label)s“%(v)s”不在您的管辖范围内（规则：文件中的对象须在您的管辖范围内）")
                   % {"label": self.column(field_name), "v": value}, "scope")


@dataclass
class Change:
    """A row the commit will write: created (``pk`` None, ``after`` all values) or updated
    (``before`` the old values of the fields in ``after``)."""

    row: int
    pk: int | None
    after: Any  # for an update, attname → new value; for a create, what the kind's commit writes
    before: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    kind: str
    rows: int = 0
    skipped: int = 0
    unchanged: int = 0
    creates: list[Change] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)
    state: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": len(self.creates), "updated": len(self.updates),
                "unchanged": self.unchanged, "skipped": self.skipped, "errors": len(self.errors),
                "error_rows": len(self.error_rows)}

    def add_errors(self, ctx: Context, row: int, exc_or_errors: ValidationError | dict[str, list[Any]]) -> None:
        by_field = exc_or_errors.error_dict if isinstance(exc_or_errors, ValidationError) else exc_or_errors
        for name, errs in by_field.items():
            for err in errs:
                message = err.message % err.params if err.params else err.message
                self.errors.append(RowError(row, ctx.column(name), name, err.code or "invalid", str(message)))
        self.error_rows.add(row)

    def add_error(self, ctx: Context, row: int, field_name: str, code: str, message: str) -> None:
        self.errors.append(RowError(row, ctx.column(field_name), field_name, code, message))
        self.error_rows.add(row)


class Kind:
    """An import kind. Subclasses set the class attributes and implement ``plan`` and ``commit``."""

    name: str = ""
    label: Any = ""  # a lazy translation: shown in the language of the request
    model: type[models.Model]
    columns: Sequence[Column] = ()
    sheet_title: str = ""

    def template_columns(self) -> list[Column]:
        """Columns for the template, with choice lists filled from the database where they live there."""
        return list(self.columns)

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:
        raise NotImplementedError

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        """Write the plan (inside the caller's transaction); returns the changes to record:
        (model label, first object id, number of consecutive ids, action, before, after)."""
        raise NotImplementedError
