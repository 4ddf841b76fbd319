"""HTTP plumbing shared by the API connectors: one session per client, timeouts, retries.

Every call goes through :class:`HttpClient.call`, which

- sends with a ``(connect, read)`` timeout, always;
- retries a bounded number of times (``max_retries`` retries after the first attempt) on
  HTTP 429 / 502 / 503 / 504 (configurable per department), connection errors and resets,
  timeouts, bodies cut off in transit (shorter than their ``Content-Length``, or a JSON
  document that stops before its end), and on whatever the caller's ``interpret`` callback
  calls transient (e.g. a business error carried in an HTTP 200 body);
- waits with exponential backoff and full jitter, ``uniform(0, min(backoff_max,
  backoff_base * 2**attempt))``, unless the server sent ``Retry-After`` (seconds or an HTTP
  date), which is honoured but capped at ``backoff_max``;
- raises errors that name the department, the URL (a password in its ``user:password@``
  shown as ``***``; the credentials the connectors send travel in headers and form bodies,
  which no message or log line repeats) and the status:
  :class:`~connectors.common.records.SourceUnavailable` when the system could not be read
  after the retries, :class:`SourceAuthError` on 401/403, :class:`SourceRequestError` when
  the system answered but refused the request or sent something unusable.

No ``urllib3.Retry`` is mounted on the session: retrying happens here only, so that the
number of attempts and the waits are exactly those configured (and testable through the
injectable ``sleep``).
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests

from connectors.common.records import SourceNumber, SourceUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Statuses retried by default (the commerce contract's list).
DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
#: For sources whose contract says "5xx are transient" (approval, stats).
RETRY_STATUSES_WITH_500: frozenset[int] = DEFAULT_RETRY_STATUSES | {500}

USER_AGENT = "investment-hub-connector/0.1"

#: How much of an error body goes into an exception message.
_BODY_EXCERPT = 300


# --------------------------------------------------------------------------- errors


class SourceAuthError(SourceUnavailable):
    """The department rejected our credentials (HTTP 401/403, or a token request refused)."""

    def __init__(self, source_system: str, url: str, cause: str, *, status: int | None = None):
        super().__init__(source_system, url, cause)
        self.status = status


class SourceRequestError(SourceUnavailable):
    """The department answered but the answer is a failure: an HTTP 4xx other than auth and
    429, a business error code in an HTTP 200 body, or a body that breaks the contract.

    A subclass of :class:`SourceUnavailable` so that a pipeline catching that one exception
    fails the sync cleanly; ``status`` and ``code`` tell the cases apart.
    """

    def __init__(
        self,
        source_system: str,
        url: str,
        cause: str,
        *,
        status: int | None = None,
        code: Any = None,
    ) -> None:
        super().__init__(source_system, url, cause)
        self.status = status
        self.code = code


class RetryableResponse(Exception):
    """Raised by an ``interpret`` callback: this answer is a transient failure, retry."""


class InvalidResponse(Exception):
    """Raised by an ``interpret`` callback: this answer is a permanent failure."""

    def __init__(self, message: str, *, code: Any = None) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    ``max_retries`` counts retries, so a call makes at most ``max_retries + 1`` attempts.
    """

    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_statuses: frozenset[int] = field(default=DEFAULT_RETRY_STATUSES)

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` is 0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max)
        ceiling = min(self.backoff_max, self.backoff_base * (2.0 ** min(attempt, 62)))
        return rand() * ceiling


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if absent or
    unreadable (the caller then falls back to its own backoff)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; parsedate gives a naive one for "-0000"
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


# --------------------------------------------------------------------------- client


def build_session(user_agent: str = USER_AGENT) -> requests.Session:
    """A plain session (connection pooling, keep-alive) with no transport-level retries."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    return session


def json_body(response: requests.Response) -> Any:
    """Default ``interpret``: the JSON body; RetryableResponse if it is a JSON document cut
    off in transit (a connection closed mid-body, with no length to tell); InvalidResponse if
    it is not JSON at all."""
    text = decode_body(response)
    try:
        return loads_verbatim(text)
    except ValueError as exc:
        ctype = response.headers.get("Content-Type", "?")
        if _cut_short(text):
            raise RetryableResponse(
                f"HTTP {response.status_code} body ends before its JSON does "
                f"({len(response.content)} bytes, {ctype}): cut off in transit ({exc})"
            ) from None
        raise InvalidResponse(
            f"HTTP {response.status_code} body is not JSON ({ctype}): "
            f"{_excerpt(response)!r} ({exc})"
        ) from None


def decode_body(response: requests.Response) -> str:
    """The body as text in its declared charset (UTF-8 when none). A byte that does not
    decode becomes a lone surrogate (``surrogateescape``) instead of failing the page: the
    lander keeps it, escaped, and the record is rejected as ``invalid_text``."""
    encoding = requests.utils.get_encoding_from_headers(response.headers) or "utf-8"
    if (
        encoding.lower() == "iso-8859-1"
        and "charset" not in response.headers.get("Content-Type", "").lower()
    ):
        encoding = "utf-8"  # requests' default for text/* without charset; JSON is UTF-8
    try:
        return response.content.decode(encoding, "surrogateescape").removeprefix("\ufeff")
    # LookupError: an unknown charset (or not a text one: base64, rot13); UnicodeError: a
    # codec that takes no error handler (idna, punycode) raised instead of decoding. Either
    # way, JSON's own encoding.
    except (LookupError, UnicodeError):
        return response.content.decode("utf-8", "surrogateescape").removeprefix("\ufeff")


def loads_verbatim(text: str) -> Any:
    """JSON text as Python values, keeping every number as the department wrote it: a
    number no float or int holds (``1e309``, ``NaN``, ``-Infinity``, thousands of digits)
    becomes a ``SourceNumber`` with its token, not an error for the whole page nor a
    silent ``inf``. A value nested deeper than ``MAX_JSON_DEPTH`` is kept as a string of
    its JSON text (``_cut_too_deep``). Raises ValueError when ``text`` is not JSON."""
    if _nests_deeper_than(text, MAX_JSON_DEPTH):
        text = _cut_too_deep(text)
    try:
        # strict=False: a control character written raw inside a string (JSON wants it
        # escaped) is one record's bad value, not a page that is not JSON — which failed
        # the department's sync every time. hub.warehouse.storable rejects the record
        # (invalid_text) unless it is a tab or a line break, which a text may hold.
        return json.loads(
            text,
            parse_float=_float_or_token,
            parse_int=_int_or_token,
            parse_constant=SourceNumber,
            strict=False,
        )
    except RecursionError:  # unbalanced brackets, nothing cut: not JSON either
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None


#: The deepest nesting of a department's JSON kept as Python values. Python's json parser
#: gives up (RecursionError, which failed the whole page and the department's sync) near
#: sys.getrecursionlimit() — 1,000 levels, fewer inside the sync's own call stack — and the
#: lander's canonical JSON and hub.warehouse.storable recurse as well; PostgreSQL's jsonb
#: takes about 50,000 levels (at the default max_stack_depth of 2MB). No contract field
#: nests at all, so whatever is this deep sits inside a field that is already an object or
#: a list where a string or a number belongs: its record is rejected as invalid_type, kept.
MAX_JSON_DEPTH = 64

_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Whether ``text``'s brackets nest deeper than ``limit`` (a bracket inside a string
    counts too: a cheap first look, ``_cut_too_deep`` reads the strings)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", text):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _cut_too_deep(text: str) -> str:
    """``text`` with every value that opens deeper than ``MAX_JSON_DEPTH`` replaced by a
    JSON string of its exact text (verbatim; its record is rejected, see MAX_JSON_DEPTH).
    ``text`` itself if its brackets do not balance: json then says why it is not JSON."""
    parts: list[str] = []
    depth = kept = start = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == MAX_JSON_DEPTH + 1:
                start = match.start()
            continue
        if depth == MAX_JSON_DEPTH + 1:
            parts += [text[kept:start], json.dumps(text[start : match.end()], ensure_ascii=False)]
            kept = match.end()
        depth -= 1
        if depth < 0:
            return text
    if depth != 0:
        return text
    parts.append(text[kept:])
    return "".join(parts)


def _float_or_token(token: str) -> float | SourceNumber:
    number = float(token)
    return number if math.isfinite(number) else SourceNumber(token)


def _int_or_token(token: str) -> int | SourceNumber:
    try:
        return int(token)
    except ValueError:  # past sys.get_int_max_str_digits()
        return SourceNumber(token)


def _cut_short(text: str) -> bool:
    """Whether ``text`` is a JSON object or array that stops before its end: empty, not
    closed, or failing right at its last character or inside an unterminated string. A
    body that is not JSON-shaped (an HTML error page) or is malformed inside is not."""
    body = text.strip()
    if not body:
        return True
    if body[0] not in "{[":
        return False
    if body[-1] not in "}]":
        return True
    try:
        json.loads(body, strict=False)  # as loads_verbatim reads it
    except json.JSONDecodeError as exc:
        return exc.pos >= len(body) or exc.msg.startswith("Unterminated string")
    except RecursionError:  # nested too deep to tell (see MAX_JSON_DEPTH): malformed
        return False
    return False


def json_object(response: requests.Response) -> dict[str, Any]:
    """``interpret`` for endpoints whose body must be a JSON object."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise InvalidResponse(f"expected a JSON object, got {type(body).__name__}")
    return body


Headers = Mapping[str, str] | Callable[[], Mapping[str, str]] | None


class HttpClient:
    """One department's HTTP access: base URL, session, timeouts, retry policy.

    Args:
        source_system: department name used in errors and logs.
        base_url: e.g. ``http://127.0.0.1:8101``; paths are appended to it.
        timeout: ``(connect, read)`` seconds, passed on every request.
        policy: the retry policy.
        session: a session to use (owned by the caller); None = create one (owned here,
            closed by :meth:`close`).
        sleep: called with the number of seconds to wait between attempts; tests inject a
            no-op.
        rand: returns a float in [0, 1) for the jitter.
        now: wall clock, for ``Retry-After`` given as an HTTP date.
    """

    def __init__(
        self,
        source_system: str,
        base_url: str,
        *,
        timeout: float | tuple[float, float] = (5, 30),
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.source_system = source_system
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self._owns_session = session is None
        self.session = (
            session if session is not None else build_session(f"{USER_AGENT} ({source_system})")
        )
        self._sleep = sleep
        self._rand = rand
        self._now = now

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers = None,
        interpret: Callable[[requests.Response], T] = json_body,  # type: ignore[assignment]
    ) -> T:
        """Send one logical request, with retries; return ``interpret(response)``.

        ``headers`` may be a callable, evaluated before every attempt (so a bearer token that
        expired during a backoff is renewed). ``interpret`` runs on 2xx answers and may
        raise :class:`RetryableResponse` (retry) or :class:`InvalidResponse` (fail).
        """
        url = self.url(path)
        attempts = max(0, self.policy.max_retries) + 1
        requested = _shown_url(_with_query(url, params))
        for attempt in range(attempts):
            shown = requested
            retry_after: float | None = None
            sent_headers = dict(headers() if callable(headers) else (headers or {}))
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=sent_headers,
                    timeout=self.timeout,
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                shown = _shown_url(response.url) if response.url else shown
                status = response.status_code
                if status in self.policy.retry_statuses:
                    problem = f"HTTP {status} {response.reason or ''}".rstrip()
                    retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now)
                    response.close()
                elif status in (401, 403):
                    raise SourceAuthError(
                        self.source_system,
                        shown,
                        f"HTTP {status} {response.reason or ''}: credentials rejected "
                        f"({_excerpt(response)!r})",
                        status=status,
                    )
                elif not 200 <= status < 300:
                    raise SourceRequestError(
                        self.source_system,
                        shown,
                        f"HTTP {status} {response.reason or ''}: {_excerpt(response)!r}",
                        status=status,
                    )
                else:
                    try:
                        return interpret(response)
                    except RetryableResponse as exc:
                        problem = f"HTTP {status} with transient failure: {exc}"
                    except InvalidResponse as exc:
                        raise SourceRequestError(
                            self.source_system,
                            shown,
                            f"HTTP {status}: {exc}",
                            status=status,
                            code=exc.code,
                        ) from None
            if attempt + 1 >= attempts:
                raise SourceUnavailable(
                    self.source_system,
                    shown,
                    f"{problem} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})",
                )
            wait = self.policy.delay(attempt, retry_after, self._rand)
            log.warning(
                "%s: %s %s failed (%s); retry %d/%d in %.2fs",
                self.source_system,
                method,
                shown,
                problem,
                attempt + 1,
                attempts - 1,
                wait,
            )
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def client_from_settings(
    source_system: str,
    settings: Any,
    *,
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> HttpClient:
    """The HttpClient of a department, from its settings' ``base_url``, ``timeout`` and
    retry knobs (``max_retries``, ``backoff_base``, ``backoff_max``)."""
    return HttpClient(
        source_system,
        settings.base_url,
        timeout=settings.timeout,
        policy=RetryPolicy(
            max_retries=settings.max_retries,
            backoff_base=settings.backoff_base,
            backoff_max=settings.backoff_max,
            retry_statuses=retry_statuses,
        ),
        session=session,
        sleep=sleep,
        rand=rand,
    )


def _with_query(url: str, params: Mapping[str, Any] | None) -> str:
    """The URL a request goes to, for messages when no response exists to ask."""
    if not params:
        return url
    prepared = requests.Request("GET", url, params=params).prepare()
    return prepared.url or url


def _shown_url(url: str) -> str:
    """``url`` for messages and log lines. requests keeps a base URL's ``user:password@``
    in every request URL (and sends it as basic auth): the password is shown as ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def _excerpt(response: requests.Response) -> str:
    try:
        text = response.text
    except Exception:  # pragma: no cover - decoding trouble is not worth a second error
        return "<unreadable body>"
    text = " ".join(text.split())
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "…"
