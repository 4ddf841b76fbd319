select exists (select 1 from ref.districts where district_code = %(district_code)s)
