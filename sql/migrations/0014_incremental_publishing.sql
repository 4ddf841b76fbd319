-- Incremental publishing (issue 13): what the last publish saw of each current source
-- record, so the next one can tell which records changed and publish only the projects
-- they touch (hub/publishing.py, hub/resolve/scope.py). `hub rebuild` and any change of
-- code, warehouse SQL or reference data publish everything again.

create table meta.published_records (
    source_system text not null,
    source_key text not null,
    input_hash text not null,
    row_hash text not null,
    project_code text,
    company_uscc text,
    investor_uscc text,
    name_blocks int[] not null default '{}',
    primary key (source_system, source_key)
);

create index published_records_code on meta.published_records (project_code)
    where project_code is not null;
create index published_records_company on meta.published_records (company_uscc)
    where company_uscc is not null;
create index published_records_investor on meta.published_records (investor_uscc)
    where investor_uscc is not null;
create index published_records_name_blocks on meta.published_records using gin (name_blocks);

comment on table meta.published_records is
    '上次发布所见的每条现行来源记录：用于判断哪些记录变化、只重算受影响项目 / Each current source record as the last publish saw it: tells the next publish which records changed, so it recomputes only the projects they touch';
comment on column meta.published_records.source_system is '来源部门系统 / Source system';
comment on column meta.published_records.source_key is '来源记录键 / Source record key';
comment on column meta.published_records.input_hash is '实体归并所比较字段的哈希（core/publish_inputs.sql）/ Hash of the fields entity resolution compares (core/publish_inputs.sql)';
comment on column meta.published_records.row_hash is '核心表中该记录各行的哈希 / Hash of the record''s rows in its core table';
comment on column meta.published_records.project_code is '上次发布时的项目代码 / Project code at the last publish';
comment on column meta.published_records.company_uscc is '上次发布时的项目公司统一社会信用代码 / Project company USCC at the last publish';
comment on column meta.published_records.investor_uscc is '上次发布时的投资方统一社会信用代码（仅商务）/ Investor USCC at the last publish (commerce only)';
comment on column meta.published_records.name_blocks is '其实体所在名称分块的 CRC32（碰撞只会扩大重算范围）/ CRC32 of the name blocks its entity was in (a collision only widens what is recomputed)';

alter table meta.publishes
    add column code_fingerprint text,
    add column hub_tables_fingerprint text,
    add column scope text,
    add column records_changed bigint,
    add column projects_recomputed bigint;

comment on column meta.publishes.code_fingerprint is '发布所用代码、库内 SQL 与参考数据的指纹；变化则全量发布 / Fingerprint of the code, warehouse SQL and reference data the publish ran; a change publishes everything';
comment on column meta.publishes.hub_tables_fingerprint is '发布结束时枢纽自有表（链接、编号、专员决定、里程碑、项目）的指纹；此后任何改动（专员裁定、手工修改）都使下次全量发布 / Fingerprint of the hub''s own tables (links, ids, steward decisions, milestones, projects) at the end of the publish; any change since (a steward''s decision, a hand edit) makes the next publish full';
comment on column meta.publishes.scope is 'full（全量）或 incremental（仅受影响项目）/ full, or incremental (only the projects touched)';
comment on column meta.publishes.records_changed is '自上次发布以来变化的来源记录数 / Source records changed since the previous publish';
comment on column meta.publishes.projects_recomputed is '本次重算的项目数 / Projects recomputed by this publish';

comment on column meta.sync_steps.step is '步骤：land, audit, batch_checks, merge, hold; inputs, statistics, changes, resolve, milestones, lifecycle, projects, history, discrepancies, core_audit / Step name';
