"""The land bureau's daily drop files, written exactly as its contract describes.

The bureau cannot serve an API, so the sandbox plays it by writing ``land_supply_YYYYMMDD.csv``
files into a folder: GB18030, RFC 4180 quoting, ``\\r\\n`` line ends, the Chinese header in
the contract's column order, and a ``.done`` marker once the file is complete. A reader must
never see half a file, so each file is written under a temporary name and renamed into place
before its marker appears.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.sandbox.scenario import LandFile

# Column order of the contract (contracts/sources/land.md).
LAND_COLUMNS = (
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
DONE_SUFFIX = ".done"


def render_land_file(rows: Iterable[dict[str, str]], *, encoding: str = "gb18030") -> bytes:
    """The bytes of one drop file: header and rows, RFC 4180, ``\\r\\n`` line ends.

    A row must not carry a column the contract does not have; a missing column is blank.
    """
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=LAND_COLUMNS, restval="", extrasaction="raise", lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_land_files(
    land_files: Iterable[LandFile], directory: Path, *, encoding: str = "gb18030"
) -> list[Path]:
    """Write each file (and its ``.done`` marker when ``marked_done``) into ``directory``.

    Idempotent: a file whose bytes are already on disk is left untouched, so re-running never
    changes a delivered file's timestamp. A file given again with different content replaces
    the old one — that is how a test stages the "re-delivered with different content" incident
    the contract warns about. Returns the paths of the data files.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for land_file in land_files:
        path = directory / land_file.name
        content = render_land_file(land_file.rows, encoding=encoding)
        if not path.exists() or path.read_bytes() != content:
            staging = directory / f".{land_file.name}.partial"
            staging.write_bytes(content)
            os.replace(staging, path)
        marker = directory / (land_file.name + DONE_SUFFIX)
        if land_file.marked_done and not marker.exists():
            marker.touch()
        written.append(path)
    return written
