"""Hand-written SQL for the probe suite, ONLY to check GX's answers in the probe (never the
production path): per expectation, the raw_ids that must fail."""

TRUTH = [
    "findings_invalid_text is not null",
    "project_no is null",
    "project_name is null",
    "district_code is null",
    "capital_type is not null and capital_type not in ('内资','外资')",
    "stage is not null and stage not in ('在谈','已签约','已落地','已开工','已终止')",
    "industry_category is not null and industry_category not in ('优势产业','新兴产业','现代服务业','其他')",
    "investment_unit is not null and investment_unit not in ('万元','亿元')",
    "project_code is not null and not project_code ~ '^(19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$'",
    "district_code is not null and district_code not in (select district_code from ref.districts)",
    "total_investment_unparsed is not null",
    "signed_on_unparsed is not null",
    "total_investment_number < 0",
    "total_investment_wan > 0 and (total_investment_wan < 10 or total_investment_wan > 50000000)",
    "length(contact_phone) not between 7 and 20",
    "source_key in (select source_key from {t} group by 1 having count(*) > 1)",
    "investor_uscc is not null and not staging.uscc_is_valid(investor_uscc)",
    "project_company_uscc is not null and not staging.uscc_is_valid(project_company_uscc)",
]
