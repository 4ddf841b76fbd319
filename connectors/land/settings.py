"""Land bureau connector settings and ledger contract (no environment reading here:
``hub/config.py`` builds :class:`LandSettings`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE_SYSTEM = "land"
ENTITY = "parcels"
#: A daily export; it may be read once ``<name>.done`` exists.
FILE_PATTERN = re.compile(r"^land_supply_(\d{8})\.csv$")
DONE_SUFFIX = ".done"
KEY_COLUMN = "宗地编号"

#: Columns of the ledger per contracts/sources/land.md, in file order.
COLUMNS: tuple[str, ...] = (
    "宗地编号",
    "项目名称",
    "用地单位",
    "统一社会信用代码",
    "项目代码",
    "行政区划",
    "土地用途",
    "供地方式",
    "供地面积（公顷）",
    "使用计划指标（亩）",
    "成交价款（万元）",
    "合同签订日期",
    "状态",
    "更新时间",
)
KNOWN_FIELDS: frozenset[str] = frozenset(COLUMNS)

#: Keys the connector itself writes into the payload of a line it could not read.
UNDECODABLE = "_undecodable_base64"
UNPARSEABLE = "_unparseable_line"
MARKER_FIELDS: frozenset[str] = frozenset({UNDECODABLE, UNPARSEABLE, "_line", "_error"})


def unknown_fields(payload: dict[str, Any]) -> set[str]:
    """Columns of a row that the contract does not know (schema drift to report).

    The connector's own markers for unreadable lines are not drift.
    """
    if UNDECODABLE in payload or UNPARSEABLE in payload:
        return set()
    return set(payload) - KNOWN_FIELDS


@dataclass(frozen=True, slots=True)
class LandSettings:
    """Where the land bureau drops its files.

    Attributes:
        directory: the drop folder.
        encoding: of the files (GB18030 per the contract).
        max_record_lines: a quoted field may span lines, but a record still open after this
            many physical lines is taken to be a stray quote: its first line is reported
            unparseable and reading resumes on the next line.
        checkpoint_rows: files are checkpointed together once those read since the last
            checkpoint hold this many rows, and after the last file. Each checkpoint is a
            commit carrying the whole state (every file read so far), so one per daily file
            made landing quadratic in the number of files (1,397 files, 6,781 rows: 5.4 s);
            after a crash, the files since the last checkpoint are simply read again.
    """

    directory: Path
    encoding: str = "gb18030"
    max_record_lines: int = 200
    checkpoint_rows: int = 5_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "directory", Path(self.directory))
        if self.max_record_lines < 1:
            raise ValueError("land max_record_lines must be at least 1")
        if self.checkpoint_rows < 1:
            raise ValueError("land checkpoint_rows must be at least 1")
