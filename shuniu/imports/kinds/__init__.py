"""The import kinds, by name (the KIND argument of ``shuniu template`` and ``shuniu import``)."""

from __future__ import annotations

from shuniu.imports.kinds.applicants import ApplicantKind
from shuniu.imports.kinds.base import Kind
from shuniu.imports.kinds.links import CoverageLinkKind
from shuniu.imports.kinds.meetings import MeetingKindSpec
from shuniu.imports.kinds.members import MemberKind
from shuniu.imports.kinds.orgs import OrgKind
from shuniu.imports.kinds.party import InstructorKindSpec, PartyOrgKindSpec
from shuniu.imports.kinds.passes import EvaluationKind, InspectionKind
from shuniu.imports.kinds.transfers import TransferKind

KINDS: dict[str, Kind] = {k.name: k for k in (OrgKind(), PartyOrgKindSpec(), MemberKind(), InstructorKindSpec(),
                                               CoverageLinkKind(), InspectionKind(), EvaluationKind(),
                                               ApplicantKind(), TransferKind(), MeetingKindSpec())}


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(name) from None
