-- shared.dim_industry_chain: the industry-chain dimension of the BI star (issue 15). Grain:
-- one row per industry chain of reference/industry_chains.csv (ref.industry_chains). Key:
-- industry_chain (the chain's name, as projects.industry_chain carries it). Visible to every
-- granted login, as dim_district.
create or replace view shared.dim_industry_chain with (security_barrier) as
select
    c.industry_chain,
    c.industry_category,
    c.is_manufacturing,
    row_number() over (order by c.industry_category, c.industry_chain)::integer as sort_order
from ref.industry_chains as c
cross join core.reader_scope as rs
where rs.all_districts or cardinality(rs.districts) > 0;

comment on view shared.dim_industry_chain is
    '产业链维度（BI 星型模型）：每条产业链一行，来自参考表 industry_chains；主键 industry_chain，被 fact_project 引用 / Industry-chain dimension of the BI star: one row per chain of the reference table industry_chains; key industry_chain, referenced by fact_project';
comment on column shared.dim_industry_chain.industry_chain is
    '产业链名称，主键 ← fact_project.industry_chain / Industry chain name, primary key ← fact_project.industry_chain';
comment on column shared.dim_industry_chain.industry_category is
    '产业类别：优势产业、新兴产业、现代服务业或其他 / Industry category: 优势产业, 新兴产业, 现代服务业 or 其他';
comment on column shared.dim_industry_chain.is_manufacturing is
    '是否制造业 / Whether the chain is manufacturing';
comment on column shared.dim_industry_chain.sort_order is
    '排序号（按产业类别、产业链）/ Sort order (by category, then chain)';
