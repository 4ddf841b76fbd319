"""Land connector against a temporary drop folder."""

from __future__ import annotations

import base64
import hashlib
import tracemalloc

import pytest

from connectors.common.records import Checkpoint, Incident, SourceRecord, SourceUnavailable
from connectors.land import KNOWN_FIELDS, LandConnector, LandSettings, unknown_fields
from connectors.land.settings import COLUMNS

HEADER = ",".join(COLUMNS)
ROW_1 = (
    "370212-2024-G007,国药生命港一期,国药生命港（青岛）有限公司,,2024-370212-27-03-004512,"
    "崂山区,工业用地,出让,8.2136,123.2,9856,2024年5月20日,有效,2024-05-20 17:20:00"
)
ROW_2 = (
    "370211-2024-G015,海洋装备园,青岛海装有限公司,91370211MA3C4Q7N21,,西海岸新区,工业用地,"
    "出让,3.5,52.5,4200,2024-03-05,有效,2024-03-05 17:20:00"
)


def drop(folder, name, lines, *, done=True, raw: bytes | None = None):
    data = raw if raw is not None else "".join(f"{line}\r\n" for line in lines).encode("gb18030")
    (folder / name).write_bytes(data)
    if done:
        (folder / f"{name}.done").write_bytes(b"")
    return data


def read(folder, state=None, checkpoint_rows=1, **kw):
    """Every item the connector yields; by default a checkpoint after each file."""
    settings = LandSettings(directory=folder, checkpoint_rows=checkpoint_rows)
    return list(LandConnector(settings).read(state or {}, **kw))


def records(items):
    return [i for i in items if isinstance(i, SourceRecord)]


def test_reads_gb18030_rows_verbatim_with_key_and_provenance(tmp_path):
    drop(tmp_path, "land_supply_20240520.csv", [HEADER, ROW_1, ROW_2])
    items = read(tmp_path)
    first, second = records(items)
    assert first.entity == "parcels"
    assert first.source_key == "370212-2024-G007"
    assert first.payload["项目名称"] == "国药生命港一期"
    assert first.payload["用地单位"] == "国药生命港（青岛）有限公司"
    assert first.payload["统一社会信用代码"] == ""
    assert first.payload["使用计划指标（亩）"] == "123.2"  # strings, exactly as in the file
    assert list(first.payload) == list(COLUMNS)
    assert first.provenance == {"file": "land_supply_20240520.csv", "line": 2}
    assert second.provenance["line"] == 3
    assert second.payload["行政区划"] == "西海岸新区"


def test_only_files_with_done_markers_are_read_in_name_order(tmp_path):
    drop(tmp_path, "land_supply_20240302.csv", [HEADER, ROW_2])
    drop(tmp_path, "land_supply_20240301.csv", [HEADER, ROW_1])
    drop(tmp_path, "land_supply_20240303.csv", [HEADER, ROW_1], done=False)  # still writing
    drop(tmp_path, "other_20240301.csv", [HEADER, ROW_1])  # not a ledger file
    drop(tmp_path, "land_supply_2024030.csv", [HEADER, ROW_1])  # bad date
    items = read(tmp_path)
    assert [r.provenance["file"] for r in records(items)] == [
        "land_supply_20240301.csv",
        "land_supply_20240302.csv",
    ]
    checkpoints = [i.state for i in items if isinstance(i, Checkpoint)]
    assert list(checkpoints[0]["files"]) == ["land_supply_20240301.csv"]
    assert list(checkpoints[-1]["files"]) == [
        "land_supply_20240301.csv",
        "land_supply_20240302.csv",
    ]


def test_checkpoint_after_each_file_carries_sha256_and_same_file_is_skipped(tmp_path):
    data = drop(tmp_path, "land_supply_20240301.csv", [HEADER, ROW_1])
    items = read(tmp_path)
    assert isinstance(items[1], Checkpoint)
    state = items[-1].state
    assert state == {"files": {"land_supply_20240301.csv": hashlib.sha256(data).hexdigest()}}
    again = read(tmp_path, state)
    assert records(again) == []
    assert again == [Checkpoint(state=state)]


def test_redelivered_file_is_an_incident_and_not_read(tmp_path):
    drop(tmp_path, "land_supply_20240301.csv", [HEADER, ROW_1])
    state = read(tmp_path)[-1].state
    drop(tmp_path, "land_supply_20240301.csv", [HEADER, ROW_2])  # same name, new content
    drop(tmp_path, "land_supply_20240302.csv", [HEADER, ROW_2])
    items = read(tmp_path, state)
    incidents = [i for i in items if isinstance(i, Incident)]
    assert [i.kind for i in incidents] == ["land_file_redelivered"]
    assert "land_supply_20240301.csv" in incidents[0].detail
    assert [r.provenance["file"] for r in records(items)] == ["land_supply_20240302.csv"]
    final = items[-1].state["files"]
    assert final["land_supply_20240301.csv"] == state["files"]["land_supply_20240301.csv"]


def test_full_resync_reads_everything_again(tmp_path):
    drop(tmp_path, "land_supply_20240301.csv", [HEADER, ROW_1])
    state = read(tmp_path)[-1].state
    assert len(records(read(tmp_path, state, full=True))) == 1


def test_undecodable_line_is_kept_and_the_rest_of_the_file_is_read(tmp_path):
    bad = "370213-2024-G001,坏行,某公司".encode("gb18030") + b"\xff\xfe" + b",x\r\n"
    raw = f"{HEADER}\r\n".encode("gb18030") + bad + f"{ROW_1}\r\n".encode("gb18030")
    drop(tmp_path, "land_supply_20240301.csv", [], raw=raw)
    broken, good = records(read(tmp_path))
    assert broken.source_key is None
    assert base64.b64decode(broken.payload["_undecodable_base64"]) == bad[:-2]
    assert broken.payload["_line"] == 2
    assert "gb18030" in broken.payload["_error"]
    assert broken.provenance == {"file": "land_supply_20240301.csv", "line": 2}
    assert unknown_fields(broken.payload) == set()
    assert good.source_key == "370212-2024-G007" and good.provenance["line"] == 3


def test_row_with_wrong_column_count_is_kept_unparseable(tmp_path):
    drop(tmp_path, "land_supply_20240301.csv", [HEADER, "370213-2024-G001,只有三列,x", ROW_1])
    broken, good = records(read(tmp_path))
    assert broken.source_key is None
    assert broken.payload["_unparseable_line"] == "370213-2024-G001,只有三列,x"
    assert broken.payload["_line"] == 2
    assert "3 columns" in broken.payload["_error"]
    assert good.provenance["line"] == 3


def test_quoted_commas_and_line_breaks(tmp_path):
    quoted = (
        '370212-2024-G009,"青岛港,二期",青岛港集团有限公司,,,黄岛区,仓储用地,出让,1,15,"1,200",'
        "2024-06-01,有效,2024-06-01 09:00:00"
    )
    multiline_a = '370212-2024-G010,"跨行""项目""名称'
    multiline_b = '第二行",某公司,,,黄岛区,工业用地,划拨,2,30,,2024-06-02,有效,2024-06-02 09:00:00'
    drop(tmp_path, "land_supply_20240601.csv", [HEADER, quoted, multiline_a, multiline_b, ROW_1])
    first, second, third = records(read(tmp_path))
    assert first.payload["项目名称"] == "青岛港,二期"
    assert first.payload["成交价款（万元）"] == "1,200"
    assert second.payload["项目名称"] == '跨行"项目"名称\r\n第二行'
    assert second.source_key == "370212-2024-G010"
    assert second.provenance["line"] == 3
    assert third.provenance["line"] == 5


def test_stray_quote_does_not_swallow_the_file(tmp_path):
    stray = '370212-2024-G011,"未闭合的引号,x,,,黄岛区,工业用地,出让,1,15,1,2024-06-01,有效,x'
    drop(tmp_path, "land_supply_20240601.csv", [HEADER, stray, ROW_1, ROW_2])
    connector = LandConnector(LandSettings(directory=tmp_path, max_record_lines=2))
    recs = records(connector.read({}))
    assert recs[0].payload["_line"] == 2 and "_unparseable_line" in recs[0].payload
    assert [r.source_key for r in recs[1:]] == ["370212-2024-G007", "370211-2024-G015"]


def test_header_only_and_empty_files(tmp_path):
    drop(tmp_path, "land_supply_20240301.csv", [HEADER])
    drop(tmp_path, "land_supply_20240302.csv", [], raw=b"")
    items = read(tmp_path)
    assert records(items) == []
    assert [i.kind for i in items if isinstance(i, Incident)] == ["land_file_empty"]
    assert len(items[-1].state["files"]) == 2


def test_extra_column_is_kept_and_reported_as_drift(tmp_path):
    drop(tmp_path, "land_supply_20240301.csv", [HEADER + ",备注", ROW_1 + ",新列"])
    (record,) = records(read(tmp_path))
    assert record.payload["备注"] == "新列"
    assert unknown_fields(record.payload) == {"备注"}
    assert "宗地编号" in KNOWN_FIELDS


def test_large_file_streams_in_bounded_memory(tmp_path):
    n = 20_000
    lines = [HEADER] + [ROW_1.replace("G007", f"G{i:06d}") for i in range(n)]
    drop(tmp_path, "land_supply_20240301.csv", lines)
    del lines
    tracemalloc.start()
    count = 0
    for item in LandConnector(LandSettings(directory=tmp_path)).read({}):
        count += isinstance(item, SourceRecord)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    assert peak < 1_000_000  # flat in the row count; 20k payload dicts would take ~40 MB


def test_unreadable_header_is_an_incident_and_rows_are_kept(tmp_path):
    drop(
        tmp_path,
        "land_supply_20240301.csv",
        [],
        raw=b"\xff\xff,x\r\n" + f"{ROW_1}\r\n".encode("gb18030"),
    )
    items = read(tmp_path)
    assert [i.kind for i in items if isinstance(i, Incident)] == ["land_file_bad_header"]
    header, row = records(items)
    assert header.payload["_line"] == 1 and "_undecodable_base64" in header.payload
    assert row.payload["_unparseable_line"] == ROW_1 and row.source_key is None
    assert "land_supply_20240301.csv" in items[-1].state["files"]


def test_missing_directory_is_source_unavailable(tmp_path):
    with pytest.raises(SourceUnavailable) as caught:
        read(tmp_path / "nowhere")
    assert "land" in str(caught.value) and "nowhere" in str(caught.value)


def test_files_are_checkpointed_together_once_they_hold_enough_rows(tmp_path):
    for day in range(1, 6):
        drop(tmp_path, f"land_supply_2024030{day}.csv", [HEADER, ROW_1, ROW_2])
    items = read(tmp_path, checkpoint_rows=4)  # two rows a file
    checkpoints = [list(i.state["files"]) for i in items if isinstance(i, Checkpoint)]
    assert [len(files) for files in checkpoints] == [2, 4, 5]  # every 4 rows, then the end
    # a checkpoint comes only between files, after the rows it covers
    first = items.index(next(i for i in items if isinstance(i, Checkpoint)))
    assert [r.provenance["file"][-6:-4] for r in records(items[:first])] == ["01"] * 2 + ["02"] * 2
    assert LandSettings(directory=tmp_path).checkpoint_rows == 5_000
    with pytest.raises(ValueError, match="checkpoint_rows"):
        LandSettings(directory=tmp_path, checkpoint_rows=0)
