"""bench/splink_linker.py: Splink on the hub's MatchRecords (issue 10's comparison).

Splink is an evaluation-only dependency (bench/requirements-splink.txt, ``make
bench-splink``): CI installs only requirements.lock, so without it this module skips.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("splink")

from bench.scenario_records import match_records
from bench.splink_linker import input_columns, main, splink_clusters
from hub.resolve.evaluation import pairwise_quality
from hub.sandbox import generate_scenario


@pytest.fixture(scope="module")
def city():
    return generate_scenario(80, 3, bad_rate=0.0)


@pytest.fixture(scope="module")
def records(city):
    return match_records(city)


def test_clusters_every_record_and_times_each_phase(city, records):
    clusters, timings = splink_clusters(records, threshold=0.95)
    assert set(clusters) == {r.key for r in records}
    assert set(timings) == {"prepare_s", "train_s", "predict_s", "cluster_s"}
    assert all(seconds >= 0 for seconds in timings.values())
    quality = pairwise_quality(clusters, city.truth.record_owner)["all"]
    # The plain scenario keeps its keys and names: an untrained-looking model would miss.
    assert quality.precision > 0.9 and quality.recall > 0.9


def test_labels_train_m_and_prior(city, records):
    clusters, _ = splink_clusters(records, train_with_labels=city.truth.record_owner)
    quality = pairwise_quality(clusters, city.truth.record_owner)["all"]
    assert quality.precision > 0.9 and quality.recall > 0.9


def test_a_higher_threshold_links_no_more(city, records):
    loose, _ = splink_clusters(records, threshold=0.5)
    strict, _ = splink_clusters(records, threshold=0.999)
    assert len(set(strict.values())) >= len(set(loose.values()))


def test_input_table_derives_name_columns(records):
    columns = input_columns(records[:20])
    assert len(columns["unique_id"]) == 20
    assert columns["department"] == columns["source_system"]
    named = [c for c in columns["company_core"] if c]
    assert named and all("有限公司" not in c for c in named)
    assert all(b is None or len(b) > 0 for b in columns["company_block"])


def test_cli_prints_quality_and_timings(capsys, tmp_path):
    out = tmp_path / "splink.json"
    assert main(["--size", "40", "--seed", "2", "--sweep", "0.9", "--output", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads(out.read_text(encoding="utf-8"))
    assert report["backend"] == "duckdb" and report["records"] > 40
    assert {"all", "commerce–approval", "land–stats"} <= set(report["quality"])
    assert set(report["timings"]) >= {"prepare_s", "train_s", "predict_s", "cluster_s"}
    assert set(report["sweep"]) == {"0.9", "0.95"}
