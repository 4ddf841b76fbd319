"""The hub's own GX expectations: two rules GX does not ship, as column map expectations.

Importing this module registers them (GX registers a metric provider under its
``condition_metric_name`` and an expectation under the snake_case of its class name), so a
suite names them by ``type`` like any built-in one:

- ``expect_column_values_to_be_valid_uscc``: a unified social credit code (统一社会信用代码)
  whose 18th character is the check character of the first 17 (GB 32100-2015), evaluated in
  the database by ``staging.uscc_is_valid`` (sql/staging/000_parsing.sql);
- ``expect_column_values_to_be_valid_project_code``: a national investment project code
  (全国投资项目在线审批监管平台项目代码), ``YYYY-DDDDDD-II-TT-NNNNNN`` with a year 19xx/20xx.

Both are SQL conditions (no Python per row), so GX's counts and its
``unexpected_index_query``, from which the audit takes the failing rows, are plain SQL over
the batch. NULLs are not judged (GX leaves them out of a column map domain); whether a code
must be given is a ``expect_column_values_to_not_be_null`` of its own.
"""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

PROJECT_CODE_REGEX = r"^(19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$"


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_uscc"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        # renders schema-qualified: staging.uscc_is_valid(<column>)
        return sa.func.staging.uscc_is_valid(column, type_=sa.Boolean)


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """Expect each value to be a USCC with a valid check character (GB 32100-2015)."""

    map_metric = "column_values.valid_uscc"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ColumnValuesValidProjectCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_project_code"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        return column.regexp_match(PROJECT_CODE_REGEX)


class ExpectColumnValuesToBeValidProjectCode(ColumnMapExpectation):
    """Expect each value to be a national project code YYYY-DDDDDD-II-TT-NNNNNN."""

    map_metric = "column_values.valid_project_code"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
