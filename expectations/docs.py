"""GX Data Docs, rebuilt after each sync from the validation results the warehouse keeps.

Every audit stores GX's validation result with it (``meta.batch_audits``,
``meta.core_audits``). ``build_data_docs`` loads the latest ones into an ephemeral GX
context — the last ``batches_per_source`` non-empty batches of each source entity and the
last run of the core suite — and renders the site into ``data_docs_dir`` (the hub passes
``HUB_DATA_DOCS_DIR``, default ``$HUB_HOME/data_docs``): ``index.html``, one page per
suite under ``expectations/`` and one per validation under ``validations/``.

Built from the warehouse rather than from each audit's own context, the site shows every
source together however the sync ran (one process, or one Airflow task per department).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy
from psycopg.rows import dict_row

from expectations.suites import load_suite, suite_names

SITE_NAME = "hub_site"
SQL_DIR = Path(__file__).with_name("sql")


def build_data_docs(
    engine: sqlalchemy.Engine, data_docs_dir: Path, *, batches_per_source: int = 3
) -> Path:
    """Render the Data Docs site; returns the path of its ``index.html``."""
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from expectations.gxcontext import gx_context

    target = Path(data_docs_dir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    # pages of validations no longer kept would stay on disk, unlinked: start clean
    shutil.rmtree(target / "validations", ignore_errors=True)

    context = gx_context()
    context.add_data_docs_site(
        site_name=SITE_NAME,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(target),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    for name in suite_names():
        context.suites.add(gx.ExpectationSuite(**load_suite(name)))

    schema = ExpectationSuiteValidationResultSchema()
    store = context.validation_results_store
    for row in _stored_results(engine, batches_per_source):
        result = schema.load(_loadable(row["validation_result"]))
        run_time = row["audited_at"].astimezone(dt.UTC)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=row["suite"]),
            run_id=RunIdentifier(run_name=row["run_name"], run_time=run_time),
            batch_identifier=row["run_name"],
        )
        store.set(key, result)
    context.build_data_docs(site_names=[SITE_NAME])
    return target / "index.html"


def _stored_results(engine: sqlalchemy.Engine, per_source: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection
        with dbapi.cursor(row_factory=dict_row) as cur:
            cur.execute(
                (SQL_DIR / "docs_results.sql").read_text(encoding="utf-8"),
                {"per_source": per_source},
            )
            rows = cur.fetchall()
        dbapi.rollback()
    return rows


def _loadable(result: dict[str, Any]) -> dict[str, Any]:
    """A stored result as GX's schema loads it (the fields GX adds when it dumps are kept;
    the ones its schema does not declare are dropped)."""
    keep = {"success", "results", "suite_name", "suite_parameters", "statistics", "meta", "id"}
    loadable = {key: value for key, value in result.items() if key in keep}
    loadable.setdefault("suite_name", result.get("suite_name") or "unknown")
    return loadable
