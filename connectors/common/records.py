"""What a connector yields: records to land, and points where landing may commit.

A connector's ``read(state, full=...)`` returns an iterator of these items. The lander
buffers ``SourceRecord``s and commits them together with the state carried by the next
``Checkpoint`` in one transaction, so state never runs ahead of the records it covers.
``DiscardSinceCheckpoint`` throws away everything read since the last checkpoint (the
stats roster uses it when a period's revision changes mid-pagination).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record exactly as the department sent it.

    Attributes:
        entity: stream name within the department, e.g. ``projects``; raw table is
            ``raw.<dept>__<entity>``.
        source_key: the department's key for the record (None when it cannot be read,
            e.g. an undecodable CSV line).
        payload: the record verbatim (JSON-able). For an undecodable line the connector
            stores ``{"_undecodable_base64": ..., "_line": n}``.
        context: what makes this a distinct version besides the payload (stats: period
            and revision). Hashed together with the payload.
        provenance: where the record was read (land: file name and line number). Stored,
            not hashed: the same row re-read from another place is the same version.
    """

    entity: str
    source_key: str | None
    payload: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Everything yielded so far may be committed together with this source state."""

    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DiscardSinceCheckpoint:
    """Records yielded since the last Checkpoint are void; the lander rolls them back."""

    reason: str


@dataclass(frozen=True, slots=True)
class Incident:
    """Something an operator must hear about that is not a record (e.g. a land file
    re-delivered with different content). Reported in sync status, never applied."""

    kind: str
    detail: str


StreamItem = SourceRecord | Checkpoint | DiscardSinceCheckpoint | Incident


class SourceUnavailable(RuntimeError):
    """The department system could not be read at all (after retries)."""

    def __init__(self, source_system: str, url: str, cause: str) -> None:
        super().__init__(f"{source_system}: cannot read {url}: {cause}")
        self.source_system = source_system
        self.url = url
        self.cause = cause


class SourceNumber:
    """A number exactly as a department wrote it in JSON, where no Python number holds it:
    ``NaN``, ``Infinity``, ``1e309``, an integer of thousands of digits. The lander stores
    its text and the record is rejected (``invalid_number``); json cannot encode it, so it
    never passes for a number."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 40 else f"{self.text[:20]}…({len(self.text)} chars)"
        return f"SourceNumber({shown!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)
