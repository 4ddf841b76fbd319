-- Each publish and a fingerprint of everything publishing reads and writes, taken at its end
-- (the departments' core tables, the hub's links, ids, steward decisions, milestones and
-- projects, the warehouse's SQL and reference data, the hub's resolution and lifecycle
-- code). A sync that finds the same fingerprint has nothing to publish and skips it
-- (hub/publishing.py).

create table meta.publishes (
    publish_id bigint generated always as identity primary key,
    published_at timestamptz not null default now(),
    inputs_fingerprint text not null,
    projects bigint not null
);

comment on table meta.publishes is
    '每次发布及其输入指纹；输入未变的同步跳过发布 / Each publish and the fingerprint of its inputs; a sync whose inputs are unchanged skips publishing';
comment on column meta.publishes.publish_id is '发布编号 / Publish id';
comment on column meta.publishes.published_at is '发布时间 / When published';
comment on column meta.publishes.inputs_fingerprint is '发布结束时的输入指纹（核心来源表、枢纽链接与编号、专员决定、里程碑与项目、库内 SQL 与参考数据、归并与生命周期代码）/ Fingerprint, at the end of the publish, of what publishing reads: core source tables, the hub''s links, ids, steward decisions, milestones and projects, warehouse SQL and reference data, resolution and lifecycle code';
comment on column meta.publishes.projects is '发布的项目数 / Projects published';
