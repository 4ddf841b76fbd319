"""One safe line about an error: what `hub` prints and what `shared.sync_status` keeps.

An exception's own text may hold what must never reach a terminal, a log or a status row:
psycopg puts the whole offending data line of a COPY into CONTEXT and the failing row into
DETAIL, SQLAlchemy appends a statement's parameters, and a connection error may repeat a URL
with its password. ``one_line`` keeps the primary message only (for a psycopg error: the
primary message and the SQLSTATE, never ``diag.context`` or ``diag.message_detail``), blanks
passwords in URLs and the configured secrets, and cuts the result to ``MAX_REASON``
characters; a warehouse session that ended under the hub (a terminated backend, a restarted
server) says so after the error's type (``OperationalError: warehouse connection lost: …``).
``redacted_traceback`` is the traceback `hub -v` logs: the frames as they are, each
exception's message replaced by its one line.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from hub.config import Settings

log = logging.getLogger(__name__)

#: Longest reason printed or stored (characters, the trailing "…" included).
MAX_REASON = 300
REDACTED = "***"

#: ``scheme://user:password@`` → ``scheme://user:***@``.
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s]*:)(?P<password>[^@/\s]+)(?P<at>@)"
)
#: libpq keyword form, ``password=secret`` or ``password='a secret'``.
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<password>'[^']*'|[^\s,;]+)", re.I)
#: Where a database error's text goes on to quote data or the statement: psycopg's DETAIL
#: (the failing row), CONTEXT (a COPY's whole data line), QUERY and LINE (the statement);
#: SQLAlchemy's statement, its parameters and its help link.
_TRAILERS = re.compile(
    r"(?:(?:^|\s)(?:DETAIL|CONTEXT|QUERY|HINT|WHERE|LINE \d+):|\[SQL:|\[parameters:"
    r"|\(Background on)"
)


#: A warehouse session that ended under the hub (a terminated backend, a restarted or crashed
#: server, a broken socket): SQLSTATE admin_shutdown / crash_shutdown, or libpq's and
#: psycopg's own words for it (such errors carry no SQLSTATE).
_LOST_SQLSTATES = ("57P01", "57P02")
_LOST_TEXT = re.compile(
    r"the connection is lost|server closed the connection|connection to server was lost"
    r"|terminating connection|EOF detected",
    re.I,
)
#: Put after the error's type name, so the line still starts with it.
CONNECTION_LOST = "warehouse connection lost: "


class HubFailure(RuntimeError):
    """An error whose message is already one redacted line (safe to print or log)."""


def configured_secrets(settings: Settings | None) -> tuple[str, ...]:
    """The secrets a message must never show: the department credentials, the warehouse
    password and the password for new logins (whichever are set)."""
    if settings is None:
        return ()
    found = [
        settings.commerce.api_key,
        settings.approval.client_secret,
        settings.stats.token,
        settings.access_password,
    ]
    if settings.warehouse_url:
        try:
            from sqlalchemy.engine import make_url

            found.append(make_url(settings.warehouse_url).password)
        except Exception:  # an unparsable URL: its password is blanked by pattern instead
            pass
    return tuple(dict.fromkeys(s for s in found if s))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secrets (as written, URL-quoted or form-quoted) and without
    any password in a URL or a libpq ``password=`` setting."""
    variants = {v for s in secrets if s for v in (s, quote(s, safe=""), quote_plus(s))}
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(rf"\g<head>{REDACTED}\g<at>", text)
    return _KEYWORD_PASSWORD.sub(rf"\g<head>{REDACTED}", text)


def redacted_url(url: str) -> str:
    """A URL fit to print: its password (if any) shown as ``***``."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return redact(url)


def one_line(error: BaseException, secrets: Iterable[str] = (), *, limit: int = MAX_REASON) -> str:
    """What went wrong, in one line of at most ``limit`` characters, with nothing secret."""
    text = redact(_message(error), secrets)
    text = _TRAILERS.split(text, maxsplit=1)[0]
    text = " ".join(text.split()) or type(error).__name__
    text = redact(text, secrets)  # once more: whitespace may have hidden a pattern
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _message(error: BaseException) -> str:
    import psycopg

    from connectors.common.records import SourceUnavailable

    if isinstance(error, HubFailure | SourceUnavailable):
        return str(error)  # written for the operator already, department and URL included
    orig = getattr(error, "orig", None)  # SQLAlchemy's wrapper: the driver's error is the news
    if isinstance(orig, BaseException) and orig is not error:
        return _message(orig)
    name = type(error).__name__
    text = str(error)
    lost = ""
    if isinstance(error, psycopg.Error):
        primary = error.diag.message_primary
        lost = CONNECTION_LOST if _connection_lost(error, primary or text) else ""
        if primary:
            sqlstate = error.diag.sqlstate
            return f"{name}: {lost}{primary}" + (f" [SQLSTATE {sqlstate}]" if sqlstate else "")
    return f"{name}: {lost}{text}" if text else name


def _connection_lost(error: BaseException, text: str) -> bool:
    """Whether a psycopg error says the warehouse session ended under the hub (psycopg is
    only ever the warehouse's driver here; departments are read over HTTP)."""
    import psycopg

    if not isinstance(error, psycopg.OperationalError):
        return False
    return error.diag.sqlstate in _LOST_SQLSTATES or bool(_LOST_TEXT.search(text))


def redacted_traceback(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """The traceback of ``error`` and of the exceptions it was raised from or while handling,
    oldest first, every message replaced by ``one_line`` (frames show code, not values)."""
    secrets = tuple(secrets)
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts: list[str] = []
    for position, exc in enumerate(reversed(chain)):
        if position:
            parts.append("\nwhich led to\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        parts.append(one_line(exc, secrets) + "\n")
    return redact("".join(parts), secrets).rstrip("\n")


@contextmanager
def reraise_redacted(settings: Settings | None, what: str) -> Iterator[None]:
    """Re-raise any exception as ``HubFailure("<what> FAILED: <one line>")``, after logging its
    redacted traceback: for callers such as the Airflow tasks whose runner would otherwise log
    the exception's raw text. KeyboardInterrupt and SystemExit pass untouched."""
    try:
        yield
    except Exception as error:
        secrets = configured_secrets(settings)
        log.error("%s FAILED; %s", what, redacted_traceback(error, secrets))
        raise HubFailure(f"{what} FAILED: {one_line(error, secrets)}") from None
