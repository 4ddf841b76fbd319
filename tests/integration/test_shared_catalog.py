"""The published catalog of schema `shared` (contract: contracts/warehouse.md, "Schema shared").

In a freshly migrated warehouse: every object the contract lists exists with at least its
contract columns; every relation, column and function in `shared` carries a comment in Chinese
and English; every view is a security barrier.
"""

from __future__ import annotations

import re

import pytest

from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration

# Copied from warehouse.md ("must hold at least"); a reader may rely on every one of them.
CONTRACT_COLUMNS: dict[str, list[str]] = {
    "projects": [
        "hub_project_id", "project_code", "project_name", "investor_name", "investor_uscc",
        "company_name", "company_uscc", "district_code", "district_name", "capital_type",
        "origin_country", "origin_province", "origin_city", "industry_category",
        "industry_chain", "is_manufacturing", "signed_investment_wan", "planned_investment_wan",
        "stage", "stage_zh", "negotiation_started_on", "signed_on", "landed_on",
        "construction_started_on", "stats_included_month", "production_on", "terminated_on",
        "completed_investment_ytd_wan", "latest_stats_period", "land_area_mu", "land_quota_mu",
        "sources", "needs_review", "updated_at",
    ],
    "project_source_links": [
        "source_system", "source_key", "hub_project_id", "match_method", "match_score",
        "linked_at",
    ],
    "project_id_redirects": ["retired_hub_project_id", "hub_project_id", "retired_at"],
    "project_milestones": [
        "hub_project_id", "milestone", "occurred_on", "source_system", "source_key",
    ],
    "match_review_queue": [
        "candidate_id", "source_system", "source_key", "hub_project_id", "score", "evidence",
        "status",
    ],
    "investment_progress": [
        "hub_project_id", "period", "completed_investment_ytd_wan", "status", "revision",
    ],
    "land_parcels": [
        "parcel_id", "hub_project_id", "land_use", "supply_method", "area_ha", "area_mu",
        "quota_mu", "price_wan", "contract_on", "status",
    ],
    "land_quota_usage": [
        "period", "period_start", "period_end", "parcels", "area_ha", "quota_used_mu",
    ],
    "approvals": [
        "event_id", "hub_project_id", "matter", "decision", "decided_at", "document_no",
        "total_investment_wan", "effective",
    ],
    "discrepancies": ["hub_project_id", "kind", "detail", "departments", "detected_at"],
    "rejected_records": ["source_system", "source_key", "received_at", "reasons", "payload"],
    "sync_status": [
        "source_system", "last_success_at", "last_attempt_at", "last_status",
        "records_last_run", "rejected_last_run", "watermark",
    ],
    "signing_indicators": [
        "period", "period_start", "period_end",
        "signed_projects", "signed_investment_yi",
        "domestic_projects", "domestic_share_pct",
        "out_of_province_projects", "out_of_province_share_pct",
        "key_region_projects", "key_region_share_pct",
        "advantage_industry_projects", "advantage_industry_share_pct",
        "emerging_industry_projects", "emerging_industry_share_pct",
        "modern_service_projects", "modern_service_share_pct",
        "projects_30yi_plus", "manufacturing_30yi_plus", "manufacturing_30yi_plus_yoy_pct",
        "projects_50yi_plus", "projects_50yi_plus_yoy_pct",
    ],
}  # fmt: skip

# Functions the contract lists (pg_proc's regprocedure text), also read as a reader may.
CONTRACT_FUNCTIONS = ["shared.projects_as_of(timestamp with time zone)"]

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def _is_bilingual(comment: str | None) -> bool:
    return bool(comment and comment.strip() and CJK.search(comment) and LATIN.search(comment))


@pytest.fixture
def catalog(fresh_warehouse_url):
    with connect(fresh_warehouse_url) as conn:
        relations = conn.execute(
            """
            select c.relname, c.relkind, obj_description(c.oid, 'pg_class'),
                   coalesce(c.reloptions, '{}')
            from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = 'shared' and c.relkind in ('r', 'v', 'm', 'p', 'f')
            order by 1
            """
        ).fetchall()
        columns = conn.execute(
            """
            select c.relname, a.attname, col_description(c.oid, a.attnum)
            from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname = 'shared' and c.relkind in ('r', 'v', 'm', 'p', 'f')
            order by 1, a.attnum
            """
        ).fetchall()
        functions = conn.execute(
            """
            select p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc')
            from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
            where n.nspname = 'shared'
            """
        ).fetchall()
        schema_comment = conn.execute(
            "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'shared'"
        ).fetchone()[0]
    return {
        "relations": relations,
        "columns": columns,
        "functions": functions,
        "schema_comment": schema_comment,
    }


def test_every_contract_object_has_its_contract_columns(catalog):
    present: dict[str, set[str]] = {}
    for relname, attname, _ in catalog["columns"]:
        present.setdefault(relname, set()).add(attname)
    missing_objects = sorted(set(CONTRACT_COLUMNS) - set(present))
    assert not missing_objects, f"contract objects missing from shared: {missing_objects}"
    missing_columns = {
        name: [c for c in wanted if c not in present[name]]
        for name, wanted in CONTRACT_COLUMNS.items()
        if any(c not in present[name] for c in wanted)
    }
    assert not missing_columns, f"contract columns missing: {missing_columns}"


def test_every_contract_function_exists(catalog):
    present = {name for name, _ in catalog["functions"]}
    missing = [name for name in CONTRACT_FUNCTIONS if name not in present]
    assert not missing, f"contract functions missing from shared: {missing}"


def test_schema_and_every_relation_carry_a_bilingual_comment(catalog):
    assert _is_bilingual(catalog["schema_comment"])
    assert catalog["relations"], "schema shared is empty"
    bad = [name for name, _, comment, _ in catalog["relations"] if not _is_bilingual(comment)]
    assert not bad, f"relations in shared without a Chinese and English comment: {bad}"


def test_every_column_carries_a_bilingual_comment(catalog):
    bad = [
        f"{relname}.{attname}"
        for relname, attname, comment in catalog["columns"]
        if not _is_bilingual(comment)
    ]
    assert not bad, f"columns in shared without a Chinese and English comment: {bad}"


def test_every_function_carries_a_bilingual_comment(catalog):
    bad = [name for name, comment in catalog["functions"] if not _is_bilingual(comment)]
    assert not bad, f"functions in shared without a Chinese and English comment: {bad}"


def test_every_view_is_a_security_barrier(catalog):
    # Readers hold grants on shared only: views run with their owner's rights and must not
    # let a reader's function see rows a scope filter removes.
    bad = [
        name
        for name, kind, _, options in catalog["relations"]
        if kind == "v" and "security_barrier=true" not in options
    ]
    assert not bad, f"views in shared without security_barrier: {bad}"
