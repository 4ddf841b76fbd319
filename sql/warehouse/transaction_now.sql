-- received_at of the fast path: the transaction's time, as move_buffer_to_raw.sql sets it.
select now()
