"""Approval connector against a loopback simulation of the open API."""

from __future__ import annotations

import pytest
from connector_stubs import Reply

from connectors.approval import ApprovalConnector, ApprovalSettings, unknown_fields
from connectors.common.http import SourceAuthError
from connectors.common.records import Checkpoint, SourceRecord, SourceUnavailable


def event(n: int, **extra) -> dict:
    return {"event_id": f"SP{n:04d}", "project_code": "2024-370212-27-03-004512", **extra}


class OpenApi:
    """Tokens and cursor pagination; the cursor ``c<n>`` is an index into the stream."""

    def __init__(self, events, expires_in=300, on_events=None):
        self.events = list(events)
        self.expires_in = expires_in
        self.on_events = on_events
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.rejected = 0

    def __call__(self, request):
        if request.path == "/oauth/token":
            form = request.form
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                "client_credentials",
                "hub",
                "s3cret",
            ):
                return Reply(401, {"error": "invalid_client"})
            self.issued += 1
            token = f"tok{self.issued}"
            self.valid_tokens.add(token)
            return {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        assert request.path == "/open/v2/approval-events"
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
            self.rejected += 1
            return Reply(401, {"error": "invalid_token"})
        after = request.query.get("after")
        start = int(after[1:]) if after else 0
        limit = int(request.query["limit"])
        chunk = self.events[start : start + limit]
        end = start + len(chunk)
        body = {"events": chunk, "next_cursor": f"c{end}" if end < len(self.events) else None}
        if self.on_events:
            self.on_events(self)
        return body


def settings(url, **kw):
    return ApprovalSettings(base_url=url, client_id="hub", client_secret="s3cret", limit=2, **kw)


def events_requests(stub):
    return [r for r in stub.requests if r.path == "/open/v2/approval-events"]


def test_pages_with_cursor_and_keeps_the_last_after_when_caught_up(serve, sleeps):
    api = OpenApi([event(n) for n in range(5)])
    stub = serve(api)
    items = list(ApprovalConnector(settings(stub.url), sleep=sleeps).read({}))
    recs = [i for i in items if isinstance(i, SourceRecord)]
    assert [r.source_key for r in recs] == [f"SP{n:04d}" for n in range(5)]
    assert recs[0].entity == "events" and recs[0].payload == event(0)
    assert [i.state for i in items if isinstance(i, Checkpoint)] == [
        {"after": "c2"},
        {"after": "c4"},
        {"after": "c4"},  # next_cursor null: keep the after of that last request
    ]
    token_request = stub.requests[0]
    assert token_request.method == "POST" and token_request.path == "/oauth/token"
    assert token_request.form == {
        "grant_type": "client_credentials",
        "client_id": "hub",
        "client_secret": "s3cret",
    }
    assert [r.query.get("after") for r in events_requests(stub)] == [None, "c2", "c4"]
    assert all(r.headers["authorization"] == "Bearer tok1" for r in events_requests(stub))
    assert api.issued == 1  # cached


def test_cursor_replay_resumes_from_state(serve, sleeps):
    api = OpenApi([event(n) for n in range(6)])
    stub = serve(api)
    items = list(ApprovalConnector(settings(stub.url), sleep=sleeps).read({"after": "c4"}))
    assert events_requests(stub)[0].query["after"] == "c4"
    assert [i.source_key for i in items if isinstance(i, SourceRecord)] == ["SP0004", "SP0005"]
    assert items[-1] == Checkpoint(state={"after": "c4"})


def test_full_ignores_the_cursor(serve, sleeps):
    stub = serve(OpenApi([event(n) for n in range(3)]))
    items = list(
        ApprovalConnector(settings(stub.url), sleep=sleeps).read({"after": "c2"}, full=True)
    )
    assert "after" not in events_requests(stub)[0].query
    assert len([i for i in items if isinstance(i, SourceRecord)]) == 3


def test_events_already_yielded_in_this_sync_are_skipped(serve, sleeps):
    pages = {
        None: {"events": [event(1), event(2)], "next_cursor": "x"},
        "x": {"events": [event(2), event(3)], "next_cursor": None},
    }

    def handler(request):
        if request.path == "/oauth/token":
            return {"access_token": "t", "expires_in": 300}
        return pages[request.query.get("after")]

    stub = serve(handler)
    items = list(ApprovalConnector(settings(stub.url), sleep=sleeps).read({}))
    assert [i.source_key for i in items if isinstance(i, SourceRecord)] == [
        "SP0001",
        "SP0002",
        "SP0003",
    ]


def test_token_refreshed_once_on_401_and_request_retried(serve, sleeps):
    def revoke_after_first_page(api):
        if api.issued == 1:
            api.valid_tokens.clear()  # the token "expires" on the server's side

    api = OpenApi([event(n) for n in range(5)], on_events=revoke_after_first_page)
    stub = serve(api)
    items = list(ApprovalConnector(settings(stub.url), sleep=sleeps).read({}))
    assert len([i for i in items if isinstance(i, SourceRecord)]) == 5
    assert api.issued == 2 and api.rejected == 1
    assert sleeps == []  # a refresh, not a backoff


def test_token_renewed_shortly_before_expiry(serve, sleeps):
    now = [1000.0]

    def time_passes(api):
        now[0] += 95  # expires_in 100: renew inside the last 10 s

    api = OpenApi([event(n) for n in range(5)], expires_in=100, on_events=time_passes)
    stub = serve(api)
    connector = ApprovalConnector(settings(stub.url), sleep=sleeps, clock=lambda: now[0])
    items = list(connector.read({}))
    assert len([i for i in items if isinstance(i, SourceRecord)]) == 5
    assert api.rejected == 0  # renewed before the server could refuse it
    assert api.issued == 3
    auths = [r.headers["authorization"] for r in events_requests(stub)]
    assert auths == ["Bearer tok1", "Bearer tok2", "Bearer tok3"]


def test_bad_client_credentials_are_source_unavailable(serve, sleeps):
    stub = serve(OpenApi([event(1)]))
    bad = ApprovalSettings(base_url=stub.url, client_id="hub", client_secret="nope")
    with pytest.raises(SourceUnavailable) as caught:
        list(ApprovalConnector(bad, sleep=sleeps).read({}))
    message = str(caught.value)
    assert "approval" in message and f"{stub.url}/oauth/token" in message
    assert len(stub.requests) == 1  # not hammered


def test_persistent_401_fails_after_one_refresh(serve, sleeps):
    def handler(request):
        if request.path == "/oauth/token":
            return {"access_token": "t", "expires_in": 300}
        return Reply(401, {"error": "invalid_token"})

    stub = serve(handler)
    with pytest.raises(SourceAuthError) as caught:
        list(ApprovalConnector(settings(stub.url), sleep=sleeps).read({}))
    assert "/open/v2/approval-events" in str(caught.value) and "401" in str(caught.value)
    assert [r.path for r in stub.requests] == [
        "/oauth/token",
        "/open/v2/approval-events",
        "/oauth/token",
        "/open/v2/approval-events",
    ]


def test_5xx_and_429_are_retried(serve, sleeps):
    api = OpenApi([event(n) for n in range(3)])
    replies = iter([Reply(500), Reply(429, "", {"Retry-After": "1"})])

    def flaky(request):
        if request.path != "/oauth/token":
            reply = next(replies, None)
            if reply is not None:
                return reply
        return api(request)

    stub = serve(flaky)
    items = list(ApprovalConnector(settings(stub.url), sleep=sleeps).read({}))
    assert len([i for i in items if isinstance(i, SourceRecord)]) == 3
    assert len(sleeps) == 2 and sleeps[1] == 1.0


def test_unknown_fields():
    assert unknown_fields(event(1, matter="项目备案", extra_flag=True)) == {"extra_flag"}
