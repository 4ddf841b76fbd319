"""Warehouse access: connections, migrations, COPY landing, sync state."""
