truncate ref.district_aliases, ref.districts, ref.regions, ref.industry_chains
