"""Every department connector has the same shape (what hub/sources.py relies on)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from connectors.approval import ApprovalConnector, ApprovalSettings
from connectors.commerce import CommerceConnector, CommerceSettings
from connectors.land import LandConnector, LandSettings
from connectors.stats import StatsConnector, StatsSettings

CASES = [
    ("commerce", CommerceConnector, CommerceSettings("http://127.0.0.1:1", "secret-key")),
    ("approval", ApprovalConnector, ApprovalSettings("http://127.0.0.1:1", "id", "secret-key")),
    ("stats", StatsConnector, StatsSettings("http://127.0.0.1:1", "secret-key")),
    ("land", LandConnector, LandSettings(Path("/nonexistent"))),
]


@pytest.mark.parametrize(("name", "cls", "settings"), CASES, ids=[c[0] for c in CASES])
def test_connector_shape(name, cls, settings):
    connector = cls(settings, session=None)
    assert connector.source_system == name
    params = inspect.signature(connector.read).parameters
    assert list(params)[:2] == ["state", "full"]
    assert params["full"].kind is inspect.Parameter.KEYWORD_ONLY and params["full"].default is False
    assert inspect.isgeneratorfunction(cls.read)  # lazy: nothing is read until iterated
    assert connector.unknown_fields({}) == set()
    assert "secret-key" not in repr(settings)
    connector.close()


def test_settings_defaults():
    commerce = CommerceSettings("u", "k")
    assert (commerce.page_size, commerce.timeout, commerce.max_retries) == (500, (5, 30), 5)
    assert (commerce.backoff_base, commerce.backoff_max) == (0.5, 30)
    assert ApprovalSettings("u", "i", "s").limit == 1000
    assert StatsSettings("u", "t").limit == 2000
    assert LandSettings(Path("/x")).encoding == "gb18030"
    with pytest.raises(ValueError):
        CommerceSettings("u", "k", page_size=501)
