"""Schema drift: a department adds a field. The record is kept verbatim (raw payload) and
the new field is reported once per sync, never treated as an error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connectors.common.records import Incident, SourceRecord, StreamItem


def report_schema_drift(
    items: Iterable[StreamItem], unknown_fields: Callable[[dict[str, Any]], set[str]]
) -> Iterator[StreamItem]:
    """Pass ``items`` through; after the last one, yield an Incident naming fields the
    contract does not know, with how many records carried each."""
    seen: Counter[str] = Counter()
    for item in items:
        if isinstance(item, SourceRecord):
            seen.update(unknown_fields(item.payload))
        yield item
    if seen:
        detail = ", ".join(f"{name} ({count} records)" for name, count in sorted(seen.items()))
        yield Incident("schema_drift", f"fields not in the contract: {detail}")
