select shared.review_candidate(%(candidate_id)s, %(decision)s, %(note)s)
