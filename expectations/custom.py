"""The hub's own GX expectations: four rules GX does not ship, as column map expectations.

Importing this module registers them (GX registers a metric provider under its
``condition_metric_name`` and an expectation under the snake_case of its class name), so a
suite names them by ``type`` like any built-in one:

- ``expect_column_values_to_be_valid_uscc``: a unified social credit code (统一社会信用代码)
  whose 18th character is the check character of the first 17 (GB 32100-2015), evaluated in
  the database by ``staging.uscc_is_valid`` (sql/staging/000_parsing.sql);
- ``expect_column_values_to_be_valid_project_code``: a national investment project code
  (全国投资项目在线审批监管平台项目代码), ``YYYY-DDDDDD-II-TT-NNNNNN`` with a year 19xx/20xx;
- ``expect_column_values_to_parse_into``: ``column`` is the department's text of a field,
  ``typed_column`` the value the staging view typed from it (``sql/staging/<dept>.sql``).
  A row fails when the text was given and the typed value is null: it did not parse. A
  column map expectation on the text (not a column pair one) so that GX counts it in the
  one aggregate it shares with the suite's other column checks: a pair expectation cost two
  scans of the batch of its own;
- ``expect_column_values_to_be_in_reference``: each value is one of ``reference_column`` of
  ``reference_table`` (a district code of ``ref.districts``): the reference data as it is in
  the warehouse, not a copy of it in the suite, and (unlike an unexpected-rows query) in
  the same aggregate as the other column checks.

All are SQL conditions (no Python per row), so GX's counts and its
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


class ColumnValuesParsedInto(ColumnMapMetricProvider):
    condition_metric_name = "column_values.parsed_into"
    condition_value_keys = ("typed_column",)

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, typed_column, **kwargs):
        # GX leaves a null text out of the domain: a given text parsed when its typed
        # value is there
        return sa.column(typed_column).isnot(None)


class ExpectColumnValuesToParseInto(ColumnMapExpectation):
    """Expect each given text (column) to have parsed into its typed value (typed_column)."""

    typed_column: str
    map_metric = "column_values.parsed_into"
    success_keys: ClassVar[tuple[str, ...]] = ("typed_column", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "typed_column")


class ColumnValuesInReference(ColumnMapMetricProvider):
    condition_metric_name = "column_values.in_reference"
    condition_value_keys = ("reference_table", "reference_column")

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, reference_table, reference_column, **kwargs):
        schema, _, table = reference_table.rpartition(".")
        reference = sa.table(table, sa.column(reference_column), schema=schema or None)
        return column.in_(sa.select(reference.c[reference_column]))


class ExpectColumnValuesToBeInReference(ColumnMapExpectation):
    """Expect each value to be one of a reference table's (reference_table, a table name,
    schema-qualified or not; reference_column, its column)."""

    reference_table: str
    reference_column: str
    map_metric = "column_values.in_reference"
    success_keys: ClassVar[tuple[str, ...]] = ("reference_table", "reference_column", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "reference_table", "reference_column")
