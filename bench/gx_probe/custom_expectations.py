"""Custom GX 1.x expectations that run on PostgreSQL as column map expectations.

Importing this module registers them (GX's metaclasses register the metric provider under
its condition_metric_name, and the expectation under the snake_case of its class name), so a
suite JSON may then name them by ``type``:

    expect_column_values_to_be_valid_uscc         GB 32100-2015 check character, via the SQL
                                                  function staging.uscc_is_valid(text)
    expect_column_values_to_be_valid_project_code national project code, a regex (~)

No Python per row: the metric's SQLAlchemy partial returns a SQL expression, so the count,
the samples and GX's unexpected_index_query are all plain SQL over the batch.
"""

from __future__ import annotations

from typing import ClassVar, Tuple

import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    render_suite_parameter_string,
)
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from great_expectations.render import LegacyRendererType, RenderedStringTemplateContent
from great_expectations.render.renderer.renderer import renderer

PROJECT_CODE_REGEX = r"^(19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$"


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    """column_values.valid_uscc: true where staging.uscc_is_valid(column) (NULLs are skipped
    by GX itself: filter_column_isnull)."""

    condition_metric_name = "column_values.valid_uscc"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        # sa.func.<schema>.<name> renders schema-qualified: staging.uscc_is_valid(col)
        return sa.func.staging.uscc_is_valid(column, type_=sa.Boolean)


def _sentence(text: str):
    """A legacy (HTML Data Docs) prescriptive renderer: '<column> <text>'. Without one, Data
    Docs shows the raw type and kwargs: expect_column_values_to_be_valid_uscc(**{...})."""

    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        styling = (runtime_configuration or {}).get("styling")
        return [RenderedStringTemplateContent(
            content_block_type="string_template",
            string_template={"template": "$column " + text,
                             "params": {"column": configuration.kwargs.get("column")},
                             "styling": styling},
        )]

    return classmethod(_prescriptive_renderer)


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """Expect each non-null value to be a unified social credit code (统一社会信用代码) with a
    valid check character (GB 32100-2015): 18 code characters, the 18th the weighted check of
    the first 17. Evaluated in the database by staging.uscc_is_valid(text)."""

    map_metric = "column_values.valid_uscc"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)
    _prescriptive_renderer = _sentence(
        "values must be unified social credit codes with a valid check character (GB 32100-2015)."
    )


class ColumnValuesValidProjectCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_project_code"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        return column.regexp_match(PROJECT_CODE_REGEX)


class ExpectColumnValuesToBeValidProjectCode(ColumnMapExpectation):
    """Expect each non-null value to be a national project code YYYY-DDDDDD-II-TT-NNNNNN."""

    map_metric = "column_values.valid_project_code"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)
    _prescriptive_renderer = _sentence("values must be national project codes YYYY-DDDDDD-II-TT-NNNNNN.")
