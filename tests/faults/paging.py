"""Department settings with other page sizes, so a scenario's landing commits (and can be
caught, killed or cut off) many times: ``paged(settings, {"commerce": {"page_size": 3}})``."""

from __future__ import annotations

import dataclasses
from typing import Any

from hub.config import Settings


def paged(settings: Settings, pages: dict[str, dict[str, Any]]) -> Settings:
    return dataclasses.replace(
        settings,
        **{
            name: dataclasses.replace(getattr(settings, name), **fields)
            for name, fields in pages.items()
        },
    )
