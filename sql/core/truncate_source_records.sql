-- Empty one department's current-record table before it is rebuilt from raw.
truncate {core_table}
