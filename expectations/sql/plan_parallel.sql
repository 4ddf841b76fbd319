-- For a large batch: let the planner type the batch's rows in parallel (raw is seldom
-- analysed right after landing, so without this it takes any batch for a small one), and
-- give the hash aggregates of the checks and the profile room in memory.
-- Transaction-local (set local): it ends with the transaction it is run in.
select
    set_config('parallel_setup_cost', '0', true),
    set_config('parallel_tuple_cost', '0', true),
    set_config('min_parallel_table_scan_size', '0', true),
    set_config('min_parallel_index_scan_size', '0', true),
    set_config('work_mem', '256MB', true)
