-- Projects per lifecycle stage, for summaries. Grain: one row per stage with projects.
select stage, count(*) as projects from shared.projects group by stage order by stage
