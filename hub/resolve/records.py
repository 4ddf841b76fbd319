"""A current source record as entity resolution sees it (rows of core/resolution_inputs.sql)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

RecordKey = tuple[str, str]  # (source_system, source_key)


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """The fields every department can say about a project, under one name.

    ``company_*``: the local project company (commerce's project company, approval's
    applicant, land's land user, stats' legal unit). ``investor_*``: the investing group,
    which only commerce records. ``amount_wan``: the project's total investment as the
    department has it (commerce signed, approval filed, stats planned; land has none).
    ``first_on``: the record's own milestone date, for the date-order check (commerce
    signing, approval decision, land contract, stats start month). ``is_evidence``: the
    record shows a lifecycle milestone and so may found a hub project on its own.
    """

    source_system: str
    source_key: str
    project_code: str | None
    company_uscc: str | None
    company_name: str | None
    project_name: str | None
    investor_name: str | None
    investor_uscc: str | None
    district_code: str | None
    amount_wan: float | None
    first_on: date | None
    is_evidence: bool

    @property
    def key(self) -> RecordKey:
        return (self.source_system, self.source_key)
