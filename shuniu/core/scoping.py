"""How a scoped model's rows reach what a jurisdiction holds: a declaration on the model class.

A user's jurisdiction (``shuniu.accounts.scopes.Scope``) is a region subtree, a hub, a party-org
subtree or an instructor. Each model whose rows belong to a jurisdiction says, in a class attribute
``scope_binding = ScopeBinding(...)``, the path from one of its rows to each of these; ``Scope.filter``
reads it, so an app adds a scoped model by declaring its binding, and never edits the scope layer.

Paths are Django lookup paths ("" for the row itself, "org", "relation_org", "member__workplace"),
or ``Through`` for rows linked by a dated link table (an org and the party orgs covering it now).
A scope that finds no path for a model reaches none of its rows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Through:
    """Rows reached through their current links in another table: ``relation`` is the reverse
    relation from the row to the link rows, ``field`` the link's foreign key to what the scope holds;
    a link counts while its ``current`` date field is empty (it has not ended)."""

    relation: str
    field: str
    current: str = "ended_on"


Path = str | Through | None
# A row reached from either of two sides (a transfer letter: the org that issues it and, once it is
# sent, the org it is addressed to) names both paths: the row is in scope when either is.
Paths = Path | tuple[str, ...]


@dataclass(frozen=True)
class ScopeBinding:
    """Where a row's region, hub, party org, instructor and social org are found.

    ``region``: the row carrying the prefix columns that place this one ("" itself).
    ``hub``, ``party_org``, ``instructor``: the hub, the party org (its subtree's path) and the
    instructor the row belongs to directly; when absent, a hub, party or instructor scope reaches
    the row through ``org``, the social org the row belongs to (a member's workplace, a coverage
    link's org), as such a scope holds orgs.
    """

    region: Paths = None
    org: Paths = None
    hub: Paths = None
    party_org: Paths = None
    instructor: Paths = None
