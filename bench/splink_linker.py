"""Splink (Fellegi–Sunter, DuckDB backend) on the hub's MatchRecords, for issue 10's comparison.

An evaluation-only tool: Splink is not a dependency of the hub. ``make bench-splink`` builds
its own venv (requirements.lock + bench/requirements-splink.txt) and runs
``python -m bench.splink_linker --size N --seed S [--names realistic]``, which generates a
sandbox scenario, turns what the departments serve into MatchRecords
(bench/scenario_records.py), links them with ``splink_clusters`` and prints pairwise
precision / recall / F1 against the scenario's truth (hub/resolve/evaluation.py), with
seconds per phase and memory, as JSON.

The model — one table of every department's records, deduplicated (``dedupe_only``, so
pairs within a department count as well as pairs between two):

- names: the hub's own key, ``hub.resolve.names.name_key`` — ``text`` (simplified, legal
  form, place qualifiers, filler and phase marker cut), ``phase``, ``block_key`` (the
  brand's pinyin) — so both matchers start from the same normalisation.
- blocking (a pair is scored when any rule holds): same project code; same company USCC;
  same district and company-name block key; same district and project-name block key.
- comparisons: project code exact; company USCC exact; company name and project name
  (``text``), each exact / Jaro-Winkler ≥ 0.95 / ≥ 0.88 / ≥ 0.70 / else; project phase:
  equal / differs between two land parcels (a project's parcels may say 一期 and 二期) /
  differs; investor name exact (only commerce has one, so only commerce pairs); district
  exact; amount (万元) within 0.1 % / 10 % / 25 % / 50 % / else; date order between a
  commerce record and another department's (commerce signs first): commerce on or before
  the other / up to 31 days after / later (null when a date is missing or the pair is not
  commerce-vs-other).
- training, unsupervised: λ from deterministic rules (code or USCC equal, their recall
  taken as 0.7); u by random sampling (5M pairs, fixed seed); m by EM in two sessions,
  blocked on the project code and on the company USCC, each between departments only
  (within approval, a project's events repeat one registered name, which would teach EM
  that a match never varies a name). Supervised (``train_with_labels``): m from the truth
  as Splink's label column (every within-project pair), u by random sampling, λ from the
  truth's pair count.
- Splink gives a level that training never saw among matches m = 1e-6 ("not observed"),
  which acts as a veto: e.g. USCC differs, district differs, a name below every
  Jaro-Winkler level (``--parameters`` prints m and u of every level).
- prediction over the blocked pairs, connected components at ``threshold``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import math
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from hub.resolve import names as hub_names
from hub.resolve.evaluation import pairwise_quality
from hub.resolve.records import MatchRecord, RecordKey

AMOUNT_LEVELS = (0.001, 0.10, 0.25, 0.50)
NAME_LEVELS = (0.95, 0.88, 0.70)
DATE_SLACK_DAYS = 31
DETERMINISTIC_RECALL = 0.7
U_MAX_PAIRS = 5e6
SEED = 42


# ----------------------------------------------------------------------------- names


class NameParts(NamedTuple):
    core: str | None  # the identifying part, compared
    phase: int | None  # a project's phase marker (一期 → 1), compared
    block: str | None  # the brand, blocked on


def name_parts(name: str | None, *, project: bool) -> NameParts:
    """The hub's own name key (``hub.resolve.names.name_key``): both matchers start from the
    same normalisation. A company name's phase is not compared."""
    if not name:
        return NameParts(None, None, None)
    key = hub_names.name_key(name)
    core = key.text or None
    return NameParts(core, key.phase if project else None, key.block_key or None)


# ----------------------------------------------------------------------------- the table


def _uid(key: RecordKey) -> str:
    return f"{key[0]}:{key[1]}"


def input_columns(
    records: Sequence[MatchRecord], labels: Mapping[RecordKey, str | None] | None = None
) -> dict[str, list[Any]]:
    """The records as Splink's input table (columnar), with the derived name columns."""
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "unique_id",
            "source_system",
            "department",
            "project_code",
            "company_uscc",
            "company_core",
            "company_block",
            "project_core",
            "project_block",
            "project_phase",
            "investor_name",
            "district_code",
            "amount_wan",
            "first_on",
        )
    }
    if labels is not None:
        columns["true_label"] = []
    for record in records:
        company = name_parts(record.company_name, project=False)
        project = name_parts(record.project_name, project=True)
        columns["unique_id"].append(_uid(record.key))
        columns["source_system"].append(record.source_system)
        columns["department"].append(record.source_system)  # for EM blocking rules only
        columns["project_code"].append(record.project_code)
        columns["company_uscc"].append(record.company_uscc)
        columns["company_core"].append(company.core)
        columns["company_block"].append(company.block)
        columns["project_core"].append(project.core)
        columns["project_block"].append(project.block)
        columns["project_phase"].append(project.phase)
        columns["investor_name"].append(name_parts(record.investor_name, project=False).core)
        columns["district_code"].append(record.district_code)
        columns["amount_wan"].append(
            float(record.amount_wan) if record.amount_wan is not None else None
        )
        columns["first_on"].append(record.first_on)
        if labels is not None:
            columns["true_label"].append(labels.get(record.key))
    return columns


# ----------------------------------------------------------------------------- the model


def settings(*, probability_two_random_records_match: float = 1e-4, retain_columns: bool = False):
    """The Splink 5 settings: blocking rules and comparisons (see the module docstring).
    ``retain_columns``: keep the compared values and each comparison's level (gamma_*) in
    the predictions, to see why a pair scored as it did."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def name_comparison(column: str, label: str):
        return cl.CustomComparison(
            output_column_name=column,
            comparison_description=label,
            comparison_levels=[
                cll.NullLevel(column),
                cll.ExactMatchLevel(column),
                *(cll.JaroWinklerLevel(column, threshold) for threshold in NAME_LEVELS),
                cll.ElseLevel(),
            ],
        )

    amount = cl.CustomComparison(
        output_column_name="amount_wan",
        comparison_description="amount (万元) apart by",
        comparison_levels=[
            cll.NullLevel("amount_wan"),
            *(cll.PercentageDifferenceLevel("amount_wan", share) for share in AMOUNT_LEVELS),
            cll.ElseLevel(),
        ],
    )
    # Land's parcels of one project may say 一期 and 二期 (parcel phases); elsewhere two
    # phase markers that differ name two projects (an investor's 一期 and 二期).
    phase = cl.CustomComparison(
        output_column_name="project_phase",
        comparison_description="phase marker of the project name",
        comparison_levels=[
            cll.NullLevel("project_phase"),
            cll.ExactMatchLevel("project_phase"),
            cll.CustomLevel(
                "source_system_l = 'land' and source_system_r = 'land'",
                "phases differ, two land parcels",
            ),
            cll.ElseLevel(),
        ],
    )
    # Exactly one side is commerce and both have a date (columns as _l / _r in a level).
    one_commerce = (
        "(first_on_l is not null and first_on_r is not null"
        " and (source_system_l = 'commerce') <> (source_system_r = 'commerce'))"
    )
    commerce_day = "(case when source_system_l = 'commerce' then first_on_l else first_on_r end)"
    other_day = "(case when source_system_l = 'commerce' then first_on_r else first_on_l end)"
    date_order = cl.CustomComparison(
        output_column_name="date_order",
        comparison_description="commerce's signing before the other department's date",
        comparison_levels=[
            cll.CustomLevel(
                f"not {one_commerce}", "not commerce vs other, or a date missing"
            ).configure(is_null_level=True),
            cll.CustomLevel(f"{commerce_day} <= {other_day}", "commerce first"),
            cll.CustomLevel(
                f"{commerce_day} <= {other_day} + interval {DATE_SLACK_DAYS} day",
                f"commerce up to {DATE_SLACK_DAYS} days after",
            ),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        blocking_rules_to_generate_predictions=[
            block_on("project_code"),
            block_on("company_uscc"),
            block_on("district_code", "company_block"),
            block_on("district_code", "project_block"),
        ],
        comparisons=[
            cl.ExactMatch("project_code"),
            cl.ExactMatch("company_uscc"),
            name_comparison("company_core", "company name core"),
            name_comparison("project_core", "project name core"),
            phase,
            cl.ExactMatch("investor_name"),
            cl.ExactMatch("district_code"),
            amount,
            date_order,
        ],
        retain_matching_columns=retain_columns,
        retain_intermediate_calculation_columns=retain_columns,
        additional_columns_to_retain=[],
    )


def _true_pair_share(records: Sequence[MatchRecord], labels: Mapping[RecordKey, Any]) -> float:
    sizes: dict[Any, int] = {}
    for record in records:
        owner = labels.get(record.key)
        if owner is not None:
            sizes[owner] = sizes.get(owner, 0) + 1
    matches = sum(n * (n - 1) // 2 for n in sizes.values())
    total = len(records) * (len(records) - 1) // 2
    return min(max(matches / total, 1e-9), 0.5) if total else 1e-4


class SplinkRun:
    """One trained model over one set of records: ``predict()`` once, ``clusters(t)`` for
    any number of thresholds at or above the prediction's floor."""

    def __init__(
        self,
        records: Sequence[MatchRecord],
        *,
        train_with_labels: Mapping[RecordKey, str | None] | None = None,
        seed: int = SEED,
        log_level: int = logging.ERROR,
        retain_columns: bool = False,
    ) -> None:
        from splink import DuckDBAPI, Linker, block_on
        from splink.blocking_rule_library import CustomRule

        self.timings: dict[str, float] = {}
        self.records = list(records)
        self._uid_key = {_uid(r.key): r.key for r in self.records}
        if len(self._uid_key) != len(self.records):
            raise ValueError("records repeat a (source_system, source_key)")

        started = time.perf_counter()
        self.db_api = DuckDBAPI()
        table = self.db_api.register(
            input_columns(self.records, train_with_labels), table_name="match_records"
        )
        prior = (
            _true_pair_share(self.records, train_with_labels)
            if train_with_labels is not None
            else 1e-4
        )
        self.linker = Linker(
            table,
            settings(probability_two_random_records_match=prior, retain_columns=retain_columns),
            log_level=log_level,
        )
        self.timings["prepare_s"] = time.perf_counter() - started

        started = time.perf_counter()
        training = self.linker.training
        if train_with_labels is None:
            training.estimate_probability_two_random_records_match(
                [block_on("project_code"), block_on("company_uscc")],
                recall=DETERMINISTIC_RECALL,
            )
        training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
        if train_with_labels is None:
            # Between departments only: a project's approval events repeat its registered
            # names word for word, and would teach EM that a match never varies a name.
            # ("department" copies source_system, so date_order stays estimable.)
            for key in ("project_code", "company_uscc"):
                training.estimate_parameters_using_expectation_maximisation(
                    CustomRule(f"l.{key} = r.{key} and l.department <> r.department")
                )
        else:
            training.estimate_m_from_label_column("true_label")
        self.timings["train_s"] = time.perf_counter() - started
        self._predictions = None
        self._floor: float | None = None

    def predict(self, floor: float) -> None:
        """Score every blocked pair; keep those at or above ``floor``."""
        started = time.perf_counter()
        self._predictions = self.linker.inference.predict(
            threshold_match_probability=floor, warning_mode="never"
        )
        self._floor = floor
        self.timings["predict_s"] = time.perf_counter() - started
        self.timings["scored_pairs_kept"] = self._fetch(
            f"select count(*) from {self._predictions.physical_name}"
        )[0][0]

    def clusters(self, threshold: float) -> dict[RecordKey, str]:
        """Connected components of the pairs at or above ``threshold``: record → cluster."""
        if self._predictions is None or self._floor is None or threshold < self._floor:
            self.predict(threshold)
        started = time.perf_counter()
        clustered = self.linker.clustering.cluster_pairwise_predictions_at_threshold(
            self._predictions, threshold_match_probability=threshold
        )
        rows = self._fetch(f"select unique_id, cluster_id from {clustered.physical_name}")
        self.timings["cluster_s"] = time.perf_counter() - started
        clustered.drop_table_from_database_and_remove_from_cache()
        return {self._uid_key[uid]: str(cluster) for uid, cluster in rows}

    def _fetch(self, sql: str) -> list[tuple]:
        return self.db_api.duckdb_con.execute(sql).fetchall()

    def parameters(self) -> dict[str, Any]:
        """The trained model: λ and, per comparison level, m, u and the match weight
        (log2 m/u); m None: never seen among matches (Splink then uses 1e-6)."""
        model = self.linker.misc.save_model_to_json()
        summary: dict[str, Any] = {
            "probability_two_random_records_match": model["probability_two_random_records_match"],
            "comparisons": {},
        }
        for comparison in model["comparisons"]:
            levels = []
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                trained = isinstance(m, float | int) and isinstance(u, float | int) and m and u
                levels.append(
                    {
                        "level": level.get("label_for_charts", level["sql_condition"]),
                        "m": m,
                        "u": u,
                        "weight": round(math.log2(m / u), 2) if trained else None,
                    }
                )
            summary["comparisons"][comparison["output_column_name"]] = levels
        return summary


def splink_clusters(
    records: list[MatchRecord],
    *,
    threshold: float = 0.95,
    train_with_labels: dict | None = None,
) -> tuple[dict[RecordKey, str], dict]:
    """Link ``records`` with Splink; returns (record key → cluster id, seconds per phase:
    ``prepare_s``, ``train_s``, ``predict_s``, ``cluster_s``). ``train_with_labels``:
    truth (record key → true project id or None) to estimate m and λ from instead of EM."""
    run = SplinkRun(records, train_with_labels=train_with_labels)
    run.predict(threshold)
    clusters = run.clusters(threshold)
    return clusters, {
        name: round(run.timings[name], 3)
        for name in ("prepare_s", "train_s", "predict_s", "cluster_s")
    }


# ----------------------------------------------------------------------------- the CLI


def _scenario(size: int, seed: int, names: str | None, bad_rate: float):
    from hub.sandbox import generate_scenario

    parameters = inspect.signature(generate_scenario).parameters
    options: dict[str, Any] = {"bad_rate": bad_rate}
    if names and "name_variation" in parameters:
        options["name_variation"] = names
        used = f"name_variation={names}"
    elif names:
        options["hard_match_rate"] = 0.3
        used = "hard_match_rate=0.3 (generate_scenario has no name_variation)"
    else:
        used = "defaults"
    return generate_scenario(size, seed, **options), used


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.splink_linker",
        description="Splink on a sandbox scenario: pairwise quality against its truth.",
    )
    parser.add_argument("--size", type=int, default=2000, help="true projects")
    parser.add_argument("--seed", type=int, default=20250630, help="as bench.resolution")
    parser.add_argument(
        "--names",
        default=None,
        help="name variation of the scenario (e.g. realistic); when generate_scenario "
        "has no such option, 30%% of records lose their exact keys instead",
    )
    parser.add_argument("--bad-rate", type=float, default=0.0, help="broken copies (dropped)")
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument(
        "--sweep",
        default="0.5,0.8,0.9,0.99,0.999",
        help="more thresholds to cluster at from the same predictions (comma-separated)",
    )
    parser.add_argument("--labels", action="store_true", help="train m and λ from the truth")
    parser.add_argument("--parameters", action="store_true", help="print the trained model")
    parser.add_argument("--output", help="also write the JSON here")
    parser.add_argument("--verbose", action="store_true", help="Splink's own log")
    args = parser.parse_args(argv)

    import splink

    from bench.memory import MemoryWatch
    from bench.scenario_records import match_records

    started = time.perf_counter()
    scenario, scenario_options = _scenario(args.size, args.seed, args.names, args.bad_rate)
    records = match_records(scenario)
    generate_s = time.perf_counter() - started
    truth = scenario.truth.record_owner
    sweep = sorted({args.threshold, *(float(t) for t in args.sweep.split(",") if t.strip())})

    with MemoryWatch() as watch:
        run = SplinkRun(
            records,
            train_with_labels=truth if args.labels else None,
            log_level=logging.INFO if args.verbose else logging.ERROR,
        )
        run.predict(min(sweep))
        predict_floor_s = run.timings["predict_s"]
        by_threshold = {}
        for threshold in sweep:
            clusters = run.clusters(threshold)
            quality = pairwise_quality(clusters, truth)
            by_threshold[threshold] = (clusters, quality, run.timings["cluster_s"])
    clusters, quality, cluster_s = by_threshold[args.threshold]
    timings = {
        "prepare_s": round(run.timings["prepare_s"], 2),
        "train_s": round(run.timings["train_s"], 2),
        "predict_s": round(predict_floor_s, 2),
        "cluster_s": round(cluster_s, 2),
    }
    timings["total_s"] = round(sum(timings.values()), 2)
    report: dict[str, Any] = {
        "splink": splink.__version__,
        "backend": "duckdb",
        "size": args.size,
        "seed": args.seed,
        "scenario": scenario_options,
        "training": "labels (m, λ from truth)" if args.labels else "unsupervised (u sample, EM)",
        "name_text": "hub.resolve.names.name_key (text, phase, block_key)",
        "records": len(records),
        "true_projects": len(scenario.truth.projects),
        "generate_s": round(generate_s, 2),
        "threshold": args.threshold,
        "clusters": len(set(clusters.values())),
        "quality": {name: counts.as_dict() for name, counts in quality.items()},
        "timings": timings,
        "scored_pairs_at_floor": run.timings["scored_pairs_kept"],
        "prediction_floor": min(sweep),
        "rss_growth_mib": round(watch.figures.rss_growth_mib),
        "rss_peak_mib": round(watch.figures.rss_peak_mib),
        "sweep": {
            str(t): {
                "precision": round(q["all"].precision, 5),
                "recall": round(q["all"].recall, 5),
                "f1": round(q["all"].f1, 5),
            }
            for t, (_, q, _) in by_threshold.items()
        },
    }
    report["hub_scorer"] = _hub_scorer(records, truth)
    if args.parameters:
        report["parameters"] = run.parameters()
    text = json.dumps(report, ensure_ascii=False, indent=1, default=str)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0


def _hub_scorer(records: list[MatchRecord], truth: dict) -> dict[str, Any]:
    """The hub's own scorer (hub.resolve.linking) on the very same records, in this process:
    the head-to-head the choice between the two rests on."""
    from hub.resolve.linking import link_records

    started = time.perf_counter()
    linkage = link_records(records)
    seconds = time.perf_counter() - started
    clusters = {r.key: n for n, c in enumerate(linkage.clusters) for r in c.records}
    quality = pairwise_quality(clusters, truth)
    return {
        "seconds": round(seconds, 2),
        "review_candidates": len(linkage.candidates),
        "quality": {name: counts.as_dict() for name, counts in quality.items()},
    }


if __name__ == "__main__":
    sys.exit(main())
