"""The land bureau's drop folder: the daily files written (maybe with undecodable rows,
maybe half-written with a late ``.done`` marker) and what was delivered."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from hub.sandbox.hostile import HostileLandRow
from hub.sandbox.land_files import DONE_SUFFIX, render_land_file
from hub.sandbox.scenario import LandFile
from hub.sandbox.servers.faults import _FaultInjector


@dataclass(frozen=True)
class LandDelivery:
    """One land file as the sandbox delivered it (or is still writing it).

    Attributes:
        name: ``land_supply_YYYYMMDD.csv``.
        rows: its data rows, in file order, as given (broken ones included, unbroken;
            hostile ones not).
        lines: the file line on which each row starts (the header is line 1).
        broken: line → the bytes written for that row (without ``\\r\\n``) where a byte
            invalid in GB18030 was put in; those rows cannot be read.
        content: the file's complete bytes.
        done: whether its ``.done`` marker exists (until then the file may be half-written).
        hostile: line → the bytes written (without ``\\r\\n``) of a hostile row put in
            (``FaultKnobs.hostile_records``; what each is: ``hostile_records()``).
    """

    name: str
    rows: list[dict[str, str]]
    lines: list[int]
    broken: dict[int, bytes]
    content: bytes
    done: bool
    hostile: dict[int, bytes] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def readable_rows(self) -> list[tuple[int, dict[str, str]]]:
        """(line, row) of every row a reader can decode, in file order."""
        return [
            (line, row)
            for line, row in zip(self.lines, self.rows, strict=True)
            if line not in self.broken
        ]


#: What is put into a row to make it undecodable: 0xFF is never a GB18030 byte.
INVALID_GB18030 = b"\xff"


class _LandDepartment:
    """The land bureau's drop folder: writes files (maybe broken, maybe late) and markers."""

    def __init__(self, directory: Path, land_files: list[LandFile], faults: _FaultInjector):
        self._lock = threading.Lock()
        self.directory = Path(directory)
        self._initial = list(land_files)
        self._faults = faults
        self._deliveries: dict[str, LandDelivery] = {}
        self._due: dict[str, int] = {}  # name -> listing count at which its marker appears
        self._listings = 0

    def start(self, hostile: list[HostileLandRow]) -> list[int]:
        """Write the initial files with the ``hostile`` rows put in; returns the line each
        hostile row was written on."""
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            return self._write_locked(
                self._initial, self._faults.knobs.broken_encoding_rows, hostile
            )

    def initial_files(self) -> list[LandFile]:
        return list(self._initial)

    def add(self, land_file: LandFile) -> Path:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._write_locked([land_file], self._faults.knobs.broken_encoding_rows)
            return self.directory / land_file.name

    def _write_locked(
        self,
        land_files: list[LandFile],
        broken_rows: int,
        hostile: list[HostileLandRow] | None = None,
    ) -> list[int]:
        """Write the files; ``hostile`` rows (``file_index`` into ``land_files``) go in after
        their template row. Returns the line each hostile row was written on."""
        rendered = [_render_rows(land_file.rows) for land_file in land_files]
        broken = self._choose_broken(land_files, rendered, broken_rows)
        late = self._faults.knobs.late_done_markers
        hostile = hostile or []
        hostile_after: dict[tuple[int, int], list[int]] = {}  # -> indexes into hostile
        for number, item in enumerate(hostile):
            hostile_after.setdefault((item.file_index, item.after_row), []).append(number)
        hostile_at = [0] * len(hostile)
        for index, land_file in enumerate(land_files):
            header, row_bytes = rendered[index]
            damaged_rows = broken.get(index, set())
            for row_index in damaged_rows:
                data = row_bytes[row_index]
                comma = data.index(b",") + 1
                row_bytes[row_index] = data[:comma] + INVALID_GB18030 + data[comma:]
            # The file's rows in order, each hostile row right after its template.
            pieces: list[bytes] = []
            lines: list[int] = []
            damaged: dict[int, bytes] = {}
            hostile_lines: dict[int, bytes] = {}
            line = 2
            for row_index, data in enumerate(row_bytes):
                lines.append(line)
                if row_index in damaged_rows:
                    damaged[line] = data.removesuffix(b"\r\n")
                pieces.append(data)
                line += data.count(b"\n")
                for number in hostile_after.get((index, row_index), []):
                    data = hostile[number].data
                    hostile_at[number] = line
                    hostile_lines[line] = data.removesuffix(b"\r\n")
                    pieces.append(data)
                    line += data.count(b"\n")
            if damaged:
                self._faults.count("land.broken_row", len(damaged))
            content = header + b"".join(pieces)
            path = self.directory / land_file.name
            marker = self.directory / (land_file.name + DONE_SUFFIX)
            delay = 0
            if land_file.marked_done and late > 0 and not marker.exists():
                with self._faults.rng("land:late") as rng:
                    delay = rng.randint(0, late)
            if delay:
                # still being written: the first half of its rows, no marker yet
                half = header + b"".join(pieces[: len(pieces) // 2])
                _write_file(self.directory, path, half)
                self._due[land_file.name] = self._listings + delay
                self._faults.count("land.late_marker")
            else:
                _write_file(self.directory, path, content)
                self._due.pop(land_file.name, None)
                if land_file.marked_done and not marker.exists():
                    marker.touch()
            self._deliveries[land_file.name] = LandDelivery(
                name=land_file.name,
                rows=copy.deepcopy(land_file.rows),
                lines=lines,
                broken=damaged,
                content=content,
                done=marker.exists(),
                hostile=hostile_lines,
            )
        return hostile_at

    def _choose_broken(
        self,
        land_files: list[LandFile],
        rendered: list[tuple[bytes, list[bytes]]],
        how_many: int,
    ) -> dict[int, set[int]]:
        """Rows to break: single-line rows whose first field is not quoted."""
        if how_many <= 0:
            return {}
        candidates = [
            (file_index, row_index)
            for file_index, (_, row_bytes) in enumerate(rendered)
            for row_index, data in enumerate(row_bytes)
            if data.count(b"\n") == 1 and not data.startswith(b'"') and b"," in data
        ]
        with self._faults.rng("land:broken") as rng:
            chosen = rng.sample(candidates, min(how_many, len(candidates)))
        broken: dict[int, set[int]] = {}
        for file_index, row_index in chosen:
            broken.setdefault(file_index, set()).add(row_index)
        return broken

    def _complete_locked(self, name: str) -> None:
        delivery = self._deliveries[name]
        _write_file(self.directory, self.directory / name, delivery.content)
        (self.directory / (name + DONE_SUFFIX)).touch()
        self._due.pop(name, None)
        self._deliveries[name] = dataclasses.replace(delivery, done=True)

    def advance(self, listings: int) -> list[str]:
        with self._lock:
            self._listings += listings
            due = sorted(name for name, at in self._due.items() if at <= self._listings)
            for name in due:
                self._complete_locked(name)
            return due

    def mark_done(self, name: str) -> None:
        with self._lock:
            if name in self._due:
                self._complete_locked(name)
                return
            if not (self.directory / name).exists():
                raise FileNotFoundError(self.directory / name)
            (self.directory / (name + DONE_SUFFIX)).touch()
            delivery = self._deliveries.get(name)
            if delivery is not None:
                self._deliveries[name] = dataclasses.replace(delivery, done=True)

    def pending(self) -> list[str]:
        with self._lock:
            return sorted(self._due)

    def deliveries(self) -> list[LandDelivery]:
        with self._lock:
            return [copy.deepcopy(self._deliveries[name]) for name in sorted(self._deliveries)]


def _render_rows(rows: list[dict[str, str]]) -> tuple[bytes, list[bytes]]:
    """The header's bytes and each row's, exactly as ``render_land_file`` writes them."""
    header = render_land_file([])
    return header, [render_land_file([row])[len(header) :] for row in rows]


def _write_file(directory: Path, path: Path, content: bytes) -> None:
    """Write under a temporary name and rename into place; leave identical bytes alone."""
    if path.exists() and path.read_bytes() == content:
        return
    staging = directory / f".{path.name}.partial"
    staging.write_bytes(content)
    os.replace(staging, path)
