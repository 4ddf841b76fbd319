-- shared.signing_indicators_as_of(at): shared.signing_indicators as they were at `at` — the
-- same definition (core.signing_indicators_of, 130_signing_indicators.sql) over the projects
-- as published then (shared.projects_as_of(at)), so a monthly report drawn again later
-- reproduces what was published. Same columns as shared.signing_indicators. Security
-- invoker: the project rows are read as the reader, through the district scope.
-- SQL-standard body (begin atomic): parsed once here, so the reader needs no access to
-- schema core to run it.
create or replace function shared.signing_indicators_as_of(at timestamptz)
returns setof shared.signing_indicators
language sql
stable
security invoker
begin atomic
    select *
    from core.signing_indicators_of(
        array(select p from shared.projects_as_of(signing_indicators_as_of.at) as p)
    )
    order by period;
end;

comment on function shared.signing_indicators_as_of(timestamptz) is
    '某一时刻发布的签约指标：按该时刻的投资项目总表（projects_as_of）计算，列同 signing_indicators，区划范围同 projects / Signing indicators as published at `at`: computed from the projects as published then (projects_as_of), the columns of signing_indicators, district scope as in projects';

revoke all on function shared.signing_indicators_as_of(timestamptz) from public;
