"""Land ``parcels`` stream: the daily ``land_supply_YYYYMMDD.csv`` files of the drop folder.

State: ``{"files": {"land_supply_20240305.csv": "<sha256 hex>", ...}}`` — every file read so
far with the digest it had. A file is read when its ``.done`` marker exists and it is not in
the state; a file in the state with the same digest is skipped; a file in the state with a
different digest was re-delivered, which the contract forbids: an Incident is yielded and
the file is not read (the state keeps the old digest, so the incident repeats until an
operator resolves it). A Checkpoint follows every file read.

With a re-pull ``window`` (days, :class:`connectors.common.window.RepullWindow`), exactly
the ready files whose date is in the window are read, whatever the state says — a
re-delivered one too (the operator re-pulling it is the resolution the incident asks for; it
is reported as ``land_file_redelivered_applied``) — and no other file is looked at. The
state checkpointed is the state given with those files' digests updated: no other entry
moves or goes.

Records: payload keyed by the file's own header names, values as strings exactly as in the
file; ``source_key`` = 宗地编号; provenance ``{"file": name, "line": n}`` (first physical
line of the record, the header being line 1). A line that does not decode becomes
``{"_undecodable_base64", "_line", "_error"}``, a line that does not parse or has the wrong
number of columns ``{"_unparseable_line", "_line", "_error"}``, both with ``source_key``
None. Blank lines are skipped.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from connectors.common.records import Checkpoint, Incident, SourceRecord, StreamItem
from connectors.common.window import DAY, RepullWindow
from connectors.land.client import CsvRecord, DropFolder
from connectors.land.settings import (
    ENTITY,
    FILE_PATTERN,
    KEY_COLUMN,
    SOURCE_SYSTEM,
    UNDECODABLE,
    UNPARSEABLE,
    LandSettings,
)
from connectors.land.settings import unknown_fields as _unknown_fields


class LandConnector:
    """Reads the land bureau's drop folder. See the module docstring for state and records.

    ``session`` is accepted for the common connector signature and ignored (no HTTP here).
    """

    source_system = SOURCE_SYSTEM
    entity = ENTITY
    unknown_fields = staticmethod(_unknown_fields)
    #: ``read(state, window=...)`` takes a window of file dates (``land_supply_YYYYMMDD``).
    window_unit = DAY

    def __init__(self, settings: LandSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.folder = DropFolder(settings.directory, settings.encoding, settings.max_record_lines)

    def close(self) -> None:
        """Nothing to release; present for symmetry with the HTTP connectors."""

    def __enter__(self) -> LandConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(
        self, state: dict[str, Any], *, full: bool = False, window: RepullWindow | None = None
    ) -> Iterator[StreamItem]:
        _check_window(full, window)  # at the first item (hub.pipeline checks before)
        previous: dict[str, str] = {} if full else dict((state or {}).get("files") or {})
        files = dict(previous)
        last: dict[str, Any] | None = None
        rows_since_checkpoint = 0
        for path in self.folder.ready_files():
            if window is not None and not _in_window(path.name, window):
                continue
            digest = self.folder.sha256(path)
            known = previous.get(path.name)
            if known == digest and window is None:
                continue
            if known is not None and known != digest and window is not None:
                yield Incident(
                    kind="land_file_redelivered_applied",
                    detail=(
                        f"land: {path} was re-delivered with different content "
                        f"(sha256 {digest}, read before as {known}); re-pulled by window "
                        f"{window}, its rows are read"
                    ),
                )
            elif known is not None and known != digest:
                yield Incident(
                    kind="land_file_redelivered",
                    detail=(
                        f"land: {path} was re-delivered with different content "
                        f"(sha256 {digest}, already read as {known}); not read"
                    ),
                )
                continue
            for item in self._read_file(path):
                rows_since_checkpoint += isinstance(item, SourceRecord)
                yield item
            files[path.name] = digest
            if rows_since_checkpoint >= self.settings.checkpoint_rows:
                last = {"files": dict(sorted(files.items()))}
                yield Checkpoint(state=last)
                rows_since_checkpoint = 0
        final = {"files": dict(sorted(files.items()))}
        if final != last:  # always end on a Checkpoint, but not twice the same
            yield Checkpoint(state=final)

    def _read_file(self, path: Path) -> Iterator[StreamItem]:
        name = path.name
        header: list[str] | None = None
        header_problem: str | None = None
        saw_anything = False
        for record in self.folder.records(path):
            if record.blank:
                continue
            saw_anything = True
            if header is None and header_problem is None:
                header, header_problem = _read_header(record)
                if header_problem is None:
                    continue
                yield Incident(
                    kind="land_file_bad_header",
                    detail=f"land: {path}: {header_problem}; its rows are kept as unparseable",
                )
                yield _bad_record(name, record, f"header: {header_problem}")
                continue
            if record.undecodable or record.fields is None:
                yield _bad_record(name, record, record.error or "unreadable")
            elif header is None:
                yield _bad_record(name, record, f"file header unusable: {header_problem}")
            elif len(record.fields) != len(header):
                yield _bad_record(
                    name,
                    record,
                    f"{len(record.fields)} columns where the header has {len(header)}",
                )
            else:
                payload = dict(zip(header, record.fields, strict=True))
                key = payload.get(KEY_COLUMN)
                yield SourceRecord(
                    entity=ENTITY,
                    source_key=(key.strip() or None) if isinstance(key, str) else None,
                    payload=payload,
                    provenance={"file": name, "line": record.line},
                )
        if not saw_anything:
            yield Incident(
                kind="land_file_empty",
                detail=f"land: {path} has no header (empty file) although marked done",
            )


def _check_window(full: bool, window: RepullWindow | None) -> None:
    if window is None:
        return
    if window.unit != DAY:
        raise ValueError(f"land re-pulls a window of file dates, not of {window.unit}s ({window})")
    if full:
        raise ValueError("a full resync re-reads every file already; it takes no window")


def _in_window(name: str, window: RepullWindow) -> bool:
    match = FILE_PATTERN.match(name)
    return bool(match) and window.covers_file_date(match.group(1))


def _read_header(record: CsvRecord) -> tuple[list[str] | None, str | None]:
    if record.undecodable:
        return None, f"header line does not decode: {record.error}"
    if record.fields is None:
        return None, f"header line does not parse: {record.error}"
    names = list(record.fields)
    if names:
        names[0] = names[0].lstrip("\ufeff")
    if any(not n.strip() for n in names):
        return None, "header has a blank column name"
    if len(set(names)) != len(names):
        return None, "header repeats a column name"
    return names, None


def _bad_record(file_name: str, record: CsvRecord, error: str) -> SourceRecord:
    if record.undecodable:
        payload: dict[str, Any] = {
            UNDECODABLE: base64.b64encode(record.raw).decode("ascii"),
            "_line": record.line,
            "_error": error,
        }
    else:
        payload = {UNPARSEABLE: record.text, "_line": record.line, "_error": error}
    return SourceRecord(
        entity=ENTITY,
        source_key=None,
        payload=payload,
        provenance={"file": file_name, "line": record.line},
    )
