"""Land drop-folder reader: which files are ready, their digest, and their CSV records read
line by line from bytes. No sync logic (that is ``streams.py``).

Reading never loads a whole file: the file is iterated as physical lines of bytes (split at
``\\n``; GB18030 never uses the bytes ``\\n``, ``\\r``, ``"`` or ``,`` inside a multi-byte
character, so splitting and quote tracking on decoded text are safe). Physical lines are
grouped into logical records by tracking RFC 4180 quoting, so a quoted field may hold commas
and line breaks. Each physical line is decoded on its own, strictly; a record containing a
line that does not decode is returned as undecodable (raw bytes kept) instead of failing the
file. A quote that opens a field and never closes properly (end of file, ``max_record_lines``
lines later, or lines that do not parse together) makes its first line unreadable on its own;
the lines after it are read again as records of their own.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.common.records import SourceUnavailable
from connectors.land.settings import DONE_SUFFIX, FILE_PATTERN, SOURCE_SYSTEM

_CHUNK = 1 << 18

# quote-tracking states
_START, _UNQUOTED, _QUOTED, _QUOTE_IN_QUOTED = range(4)


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One logical CSV record (one or more physical lines).

    Attributes:
        line: 1-based number of its first physical line in the file.
        fields: the values, when it parsed; else None.
        text: the decoded text without its final line break; None when undecodable.
        raw: the bytes of its lines without the final line break.
        error: why it could not be read (decoding or CSV syntax); None when it parsed.
    """

    line: int
    fields: list[str] | None
    text: str | None
    raw: bytes
    error: str | None

    @property
    def undecodable(self) -> bool:
        return self.text is None

    @property
    def blank(self) -> bool:
        return self.text is not None and self.text.strip() == ""


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    raw: bytes
    text: str | None  # strict decoding, None if it failed
    error: str | None
    scan_text: str  # lenient decoding, used only to track quotes


class DropFolder:
    """The land bureau's drop directory."""

    def __init__(self, directory: Path, encoding: str = "gb18030", max_record_lines: int = 200):
        self.directory = Path(directory)
        self.encoding = codecs.lookup(encoding).name
        self.max_record_lines = max_record_lines

    def ready_files(self) -> list[Path]:
        """``land_supply_YYYYMMDD.csv`` files whose ``.done`` marker exists, in name order."""
        try:
            names = {entry.name for entry in self.directory.iterdir()}
        except OSError as exc:
            raise SourceUnavailable(
                SOURCE_SYSTEM, str(self.directory), f"cannot list the drop directory: {exc}"
            ) from None
        ready = [name for name in names if FILE_PATTERN.match(name) and name + DONE_SUFFIX in names]
        return [self.directory / name for name in sorted(ready)]

    def sha256(self, path: Path) -> str:
        digest = hashlib.sha256()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise SourceUnavailable(SOURCE_SYSTEM, str(path), f"cannot read file: {exc}") from None
        return digest.hexdigest()

    def records(self, path: Path) -> Iterator[CsvRecord]:
        """The logical CSV records of a file, header included, in order."""
        try:
            with path.open("rb") as handle:
                yield from self._records(enumerate(handle, start=1))
        except OSError as exc:
            raise SourceUnavailable(SOURCE_SYSTEM, str(path), f"cannot read file: {exc}") from None

    # ------------------------------------------------------------------ internals

    def _decode(self, number: int, raw: bytes) -> _Line:
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            return _Line(number, raw, None, str(exc), raw.decode(self.encoding, "replace"))
        return _Line(number, raw, text, None, text)

    def _records(self, numbered: Iterable[tuple[int, bytes]]) -> Iterator[CsvRecord]:
        source = iter(numbered)
        backlog: deque[_Line] = deque()  # lines to read again after giving up on a record
        pending: list[_Line] = []
        state = _START
        while True:
            if backlog:
                line = backlog.popleft()
            else:
                item = next(source, None)
                if item is None:
                    if not pending:
                        return
                    # End of file inside a quoted field: the first line is unreadable on its
                    # own; the lines after it are read again as fresh records.
                    yield _unterminated(pending[0], "end of file inside a quoted field")
                    backlog.extend(pending[1:])
                    pending, state = [], _START
                    continue
                line = self._decode(*item)
            state = _scan(line.scan_text, state if pending else _START)
            pending.append(line)
            if state != _QUOTED:
                record = _assemble(pending)
                if record.error is not None and len(pending) > 1:
                    # A quote opened on the first line and closed on a later one, and the
                    # lines between do not make a record: a stray quote swallowed the rows
                    # after it, valid ones too. As at the end of the file, the first line is
                    # unreadable on its own and the lines after it are read again.
                    yield _unterminated(
                        pending[0], f"a quoted field opened here does not parse: {record.error}"
                    )
                    backlog.extendleft(reversed(pending[1:]))
                else:
                    yield record
                pending, state = [], _START
            elif len(pending) >= self.max_record_lines:
                yield _unterminated(
                    pending[0],
                    f"quoted field still open after {self.max_record_lines} lines (stray quote?)",
                )
                backlog.extendleft(reversed(pending[1:]))
                pending, state = [], _START


def _scan(text: str, state: int) -> int:
    """Quote state after ``text``, starting in ``state`` (mirrors the csv module)."""
    if '"' not in text:
        return state if state == _QUOTED else _START
    for ch in text:
        if state == _QUOTED:
            if ch == '"':
                state = _QUOTE_IN_QUOTED
        elif state == _QUOTE_IN_QUOTED:
            if ch == '"':
                state = _QUOTED
            elif ch in ",\r\n":
                state = _START
            else:
                state = _UNQUOTED
        elif state == _START:
            if ch == '"':
                state = _QUOTED
            elif ch not in ",\r\n":
                state = _UNQUOTED
        elif ch in ",\r\n":
            state = _START
    return _START if state != _QUOTED else state


def _strip_bytes(data: bytes) -> bytes:
    if data.endswith(b"\r\n"):
        return data[:-2]
    return data[:-1] if data.endswith((b"\n", b"\r")) else data


def _strip_text(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\n", "\r")) else text


def _unterminated(line: _Line, why: str) -> CsvRecord:
    raw = _strip_bytes(line.raw)
    if line.text is None:
        return CsvRecord(line.number, None, None, raw, line.error)
    return CsvRecord(line.number, None, _strip_text(line.text), raw, why)


def _assemble(lines: list[_Line]) -> CsvRecord:
    number = lines[0].number
    raw = _strip_bytes(b"".join(line.raw for line in lines))
    for line in lines:
        if line.text is None:
            where = f" (line {line.number})" if len(lines) > 1 else ""
            return CsvRecord(number, None, None, raw, f"{line.error}{where}")
    texts = [line.text for line in lines if line.text is not None]
    text = _strip_text("".join(texts))
    if '"' not in text and "\r" not in text and "\n" not in text:
        return CsvRecord(number, text.split(","), text, raw, None)
    try:
        rows = list(csv.reader(texts, strict=True))
    except csv.Error as exc:
        return CsvRecord(number, None, text, raw, f"CSV syntax: {exc}")
    if len(rows) != 1:
        return CsvRecord(number, None, text, raw, f"CSV syntax: {len(rows)} rows in one record")
    return CsvRecord(number, rows[0], text, raw, None)
