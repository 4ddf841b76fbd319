"""connectors.common.http: timeouts, bounded retries, backoff, Retry-After, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests
from connector_stubs import Reply, script

from connectors.common.http import (
    HttpClient,
    RetryPolicy,
    SourceAuthError,
    SourceRequestError,
    parse_retry_after,
)
from connectors.common.records import SourceUnavailable


def client(url, sleeps, **policy):
    return HttpClient(
        "commerce",
        url,
        timeout=(1, 2),
        policy=RetryPolicy(**{"max_retries": 3, "backoff_base": 0.5, "backoff_max": 30, **policy}),
        sleep=sleeps,
        rand=lambda: 1.0,  # the top of the jitter window, so waits are predictable
    )


def test_429_honours_retry_after_seconds(serve, sleeps):
    stub = serve(script(Reply(429, "slow down", {"Retry-After": "7"}), {"ok": True}))
    assert client(stub.url, sleeps).call("GET", "/x") == {"ok": True}
    assert sleeps == [7.0]
    assert len(stub.requests) == 2


def test_retry_after_is_capped_by_backoff_max(serve, sleeps):
    stub = serve(script(Reply(429, "", {"Retry-After": "3600"}), {"ok": True}))
    client(stub.url, sleeps, backoff_max=12).call("GET", "/x")
    assert sleeps == [12]


def test_retry_after_http_date():
    now = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2024, 3, 1, 12, 0, 9, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp) == pytest.approx(9.0)
    assert parse_retry_after("Fri, 01 Mar 2024 11:00:00 GMT", now=now.timestamp) == 0.0
    assert parse_retry_after("3", now=now.timestamp) == 3.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_503_then_success_backs_off_exponentially(serve, sleeps):
    stub = serve(script(Reply(503), Reply(502), Reply(504), {"ok": 1}))
    assert client(stub.url, sleeps).call("GET", "/x") == {"ok": 1}
    assert sleeps == [0.5, 1.0, 2.0]  # base * 2**attempt at the top of the jitter


def test_full_jitter_stays_within_the_window():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4)
    assert policy.delay(0, rand=lambda: 0.0) == 0.0
    assert policy.delay(10, rand=lambda: 0.999) < 4
    assert policy.delay(3, rand=lambda: 0.5) == 2.0


def test_persistent_503_gives_up_naming_department_url_and_status(serve, sleeps):
    stub = serve(script(Reply(503)))
    with pytest.raises(SourceUnavailable) as caught:
        client(stub.url, sleeps).call("GET", "/api/v1/projects", params={"page": 2})
    message = str(caught.value)
    assert "commerce" in message
    assert f"{stub.url}/api/v1/projects?page=2" in message
    assert "503" in message
    assert len(stub.requests) == 4  # first attempt + 3 retries
    assert len(sleeps) == 3


def test_connection_refused_is_source_unavailable(refused_url, sleeps):
    with pytest.raises(SourceUnavailable) as caught:
        client(refused_url, sleeps, max_retries=2).call("GET", "/x")
    assert caught.value.source_system == "commerce"
    assert caught.value.url.startswith(refused_url)
    assert refused_url in str(caught.value)
    assert len(sleeps) == 2


def test_a_password_in_the_base_url_shows_in_no_message_or_log_line(serve, sleeps, caplog):
    stub = serve(script(Reply(503), Reply(401, {"error": "who?"})))
    base = stub.url.replace("http://", "http://alice:pa%2Fss-in-url@")
    with pytest.raises(SourceAuthError) as caught:
        client(base, sleeps).call("GET", "/x", params={"page": 1})
    shown = stub.url.replace("http://", "http://alice:***@") + "/x?page=1"
    assert caught.value.url == shown and shown in str(caught.value)
    assert shown in caplog.text  # the retry's warning
    assert "pa%2Fss" not in str(caught.value) + caplog.text
    assert "pa/ss" not in str(caught.value) + caplog.text


def test_connection_reset_is_retried(serve, sleeps):
    stub = serve(script(Reply(reset=True), {"ok": 2}))
    assert client(stub.url, sleeps).call("GET", "/x") == {"ok": 2}
    assert len(sleeps) == 1


def test_read_timeout_is_retried(serve, sleeps):
    stub = serve(script(Reply(200, {"late": True}, delay=0.6), {"ok": 3}))
    http = HttpClient(
        "stats", stub.url, timeout=(1, 0.2), policy=RetryPolicy(max_retries=2), sleep=sleeps
    )
    assert http.call("GET", "/x") == {"ok": 3}
    assert len(sleeps) == 1


def test_401_is_an_auth_error_naming_department_and_url(serve, sleeps):
    stub = serve(script(Reply(401, {"error": "bad key"})))
    with pytest.raises(SourceAuthError) as caught:
        client(stub.url, sleeps).call("GET", "/api/v1/projects")
    assert isinstance(caught.value, SourceUnavailable)
    assert "commerce" in str(caught.value) and f"{stub.url}/api/v1/projects" in str(caught.value)
    assert "401" in str(caught.value)
    assert sleeps == []  # not retried


def test_other_4xx_fails_at_once(serve, sleeps):
    stub = serve(script(Reply(400, {"error": "page_size too large"})))
    with pytest.raises(SourceRequestError) as caught:
        client(stub.url, sleeps).call("GET", "/x")
    assert caught.value.status == 400 and "page_size too large" in str(caught.value)
    assert sleeps == []


def test_non_json_body_fails_clearly(serve, sleeps):
    stub = serve(script(Reply(200, "<html>login</html>")))
    with pytest.raises(SourceRequestError, match="not JSON"):
        client(stub.url, sleeps).call("GET", "/x")


def test_timeouts_are_passed_on_every_request(serve, sleeps):
    seen = []

    class Recording(requests.Session):
        def request(self, *args, **kwargs):
            seen.append(kwargs.get("timeout"))
            return super().request(*args, **kwargs)

    stub = serve(script(Reply(503), {"ok": 1}))
    HttpClient("land", stub.url, timeout=(3, 9), session=Recording(), sleep=sleeps).call("GET", "/")
    assert seen == [(3, 9), (3, 9)]
