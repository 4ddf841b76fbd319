"""Loopback HTTP stub server and helpers for the connector tests (127.0.0.1 only).

Imported by ``conftest.py`` and by the tests (``from connector_stubs import Reply``)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """What the stub received."""

    method: str
    raw_path: str  # path and query exactly as sent (still URL-encoded)
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    """What the stub sends. ``body`` may be bytes, str or anything JSON-able.
    ``reset=True`` closes the connection without answering (a connection reset)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    delay: float = 0.0


Handler = Callable[[Request], "Reply | dict | list"]


class StubServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        stub = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    raw_path=self.path,
                    path=split.path,
                    query={k: v[-1] for k, v in parse_qs(split.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                stub.requests.append(request)
                try:
                    reply = stub.handler(request)
                except Exception as exc:  # a broken test handler shows up as a 599
                    reply = Reply(599, {"test_handler_error": repr(exc)})
                if not isinstance(reply, Reply):
                    reply = Reply(200, reply)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                if reply.reset:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = reply.body
                if isinstance(payload, bytes):
                    data, ctype = payload, "application/octet-stream"
                elif isinstance(payload, str):
                    data, ctype = payload.encode(), "text/plain; charset=utf-8"
                elif payload is None:
                    data, ctype = b"", "text/plain"
                else:
                    data = json.dumps(payload, ensure_ascii=False).encode()
                    ctype = "application/json; charset=utf-8"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (e.g. a read timeout)
                    self.close_connection = True

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def start(self) -> StubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def script(*replies: Any) -> Handler:
    """A handler answering with the given replies in order, repeating the last one."""
    queue = list(replies)

    def handler(request: Request) -> Any:
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply(request) if callable(reply) else reply

    return handler


class Sleeps(list):
    """A no-op ``sleep`` that records what it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
