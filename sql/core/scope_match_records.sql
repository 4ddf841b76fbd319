-- The records in scope as entity resolution reads them (hub.resolve.records.MatchRecord).
select
    i.source_system, i.source_key, i.project_code, i.company_uscc, i.company_name,
    i.project_name, i.investor_name, i.investor_uscc, i.district_code, i.amount_wan,
    i.first_on, i.is_evidence
from publish_inputs as i
join scope_records as s on s.source_system = i.source_system and s.source_key = i.source_key
