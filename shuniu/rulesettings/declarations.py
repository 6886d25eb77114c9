"""The rules that can be set locally, as each app declares them (see ``declare``).

A rule is declared once, by the app that evaluates it, with its parameters' defaults, whether it
is on by default (a *local* rule of DOMAIN.md §3 is off until a place switches it on), where it
comes from, and optional checks of its parameters' values. The settings (``models.RuleSetting``)
override these per region prefix; ``selectors`` resolves them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The reserved parameter name under which a rule's on/off is stored.
ENABLED = "enabled"

# A check returns the problem with a value (a message naming the rule), or None when it is fine.
Check = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Declaration:
    rule_id: str
    defaults: Mapping[str, Any]
    enabled: bool = True
    source: str = ""
    checks: Mapping[str, Check] = field(default_factory=dict)

    def default(self, name: str) -> Any:
        return self.enabled if name == ENABLED else self.defaults[name]

    def names(self) -> list[str]:
        return [ENABLED, *self.defaults]


_DECLARED: dict[str, Declaration] = {}


def declare(rule_id: str, *, defaults: Mapping[str, Any] | None = None, enabled: bool = True, source: str = "",
            checks: Mapping[str, Check] | None = None) -> Declaration:
    """Make a rule settable. Declaring the same id again replaces it (a module reloaded in tests)."""
    defaults = dict(defaults or {})
    if ENABLED in defaults:
        raise ValueError(f"{rule_id}: “{ENABLED}” is reserved for the rule's on/off")
    unknown = set(checks or {}) - set(defaults)
    if unknown:
        raise ValueError(f"{rule_id}: checks for undeclared parameters {sorted(unknown)}")
    declaration = Declaration(rule_id, defaults, enabled, source, dict(checks or {}))
    _DECLARED[rule_id] = declaration
    return declaration


def declared(rule_id: str) -> Declaration:
    """The declaration of ``rule_id``; KeyError for an undeclared rule (a misspelt id fails loudly)."""
    return _DECLARED[rule_id]


def all_declared() -> dict[str, Declaration]:
    return dict(_DECLARED)
