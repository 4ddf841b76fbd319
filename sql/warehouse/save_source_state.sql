-- The connector state that covers everything committed with it. Params: source_system, state.
insert into meta.source_state (source_system, state, updated_at)
values (%(source_system)s, %(state)s, now())
on conflict (source_system) do update set state = excluded.state, updated_at = excluded.updated_at
where meta.source_state.state is distinct from excluded.state
