"""What the transfers app does when another app's process ends a party org."""

from __future__ import annotations

from typing import Any

from shuniu.party.models import PartyMember, PartyOrg
from shuniu.transfers.letters import open_letter
from shuniu.transfers.services import batch_open


def on_members_released(sender: Any, *, party_org: PartyOrg, to_org: PartyOrg | None, actor: Any, reason: str,
                        **kwargs: Any) -> None:
    """A decision dissolved or merged ``party_org``: open its members' transfers to the party org the
    decision names, in one batch (none named: they are opened by hand, from the party org's page).
    Members whose letter is already under way keep it."""
    if to_org is None:
        return
    free = [m for m in PartyMember.objects.filter(relation_org=party_org, ended_on__isnull=True)
            if open_letter(m) is None]
    if free:
        batch_open(actor=actor, party_org=party_org, to_org=to_org, reason=reason, skip_under_way=True)
