"""The hub's own GX expectations: three rules GX does not ship, as map expectations.

Importing this module registers them (GX registers a metric provider under its
``condition_metric_name`` and an expectation under the snake_case of its class name), so a
suite names them by ``type`` like any built-in one:

- ``expect_column_values_to_be_valid_uscc``: a unified social credit code (统一社会信用代码)
  whose 18th character is the check character of the first 17 (GB 32100-2015), evaluated in
  the database by ``staging.uscc_is_valid`` (sql/staging/000_parsing.sql);
- ``expect_column_values_to_be_valid_project_code``: a national investment project code
  (全国投资项目在线审批监管平台项目代码), ``YYYY-DDDDDD-II-TT-NNNNNN`` with a year 19xx/20xx;
- ``expect_column_pair_values_to_be_parsed``: a column pair map expectation over a typed
  batch, ``column_A`` the department's text and ``column_B`` the value typed from it
  (``sql/staging/<dept>.sql``). A row fails when the text was given and the typed value is
  null: it did not parse. Rows with neither are not judged (``ignore_row_if``
  ``both_values_are_missing``, the default); whether a value must be given is a
  ``expect_column_values_to_not_be_null`` of its own.

All are SQL conditions (no Python per row), so GX's counts and its
``unexpected_index_query``, from which the audit takes the failing rows, are plain SQL over
the batch. NULLs are not judged (GX leaves them out of a column map domain); whether a code
must be given is a ``expect_column_values_to_not_be_null`` of its own.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
)
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnPairMapMetricProvider,
    column_pair_condition_partial,
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


class ColumnPairValuesParsed(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.parsed"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_A",
        "column_B",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )

    @column_pair_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column_A, column_B, **kwargs):
        # A row with no text is left out by ignore_row_if, and passes here too: GX 1.24
        # renders the unexpected_index_query of a column pair without ignore_row_if.
        return sa.or_(column_A.is_(None), column_B.isnot(None))


class ExpectColumnPairValuesToBeParsed(ColumnPairMapExpectation):
    """Expect each given text (column_A) to have parsed into its typed value (column_B)."""

    map_metric = "column_pair_values.parsed"
    # the one reading under which "text given, typed value null" is what fails
    ignore_row_if: Literal["both_values_are_missing"] = "both_values_are_missing"
    success_keys: ClassVar[tuple[str, ...]] = ("column_A", "column_B", "ignore_row_if", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column_A", "column_B")
