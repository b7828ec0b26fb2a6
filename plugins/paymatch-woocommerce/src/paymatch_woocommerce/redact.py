"""Keep credentials out of log records and error texts.

OAuth 1.0a over plain HTTP puts the consumer key into the query string, and httpx logs every
request URL at INFO level. :func:`redact_url` masks the credential parameters, and
:class:`RedactingFilter` (installed on the ``httpx`` and ``httpcore`` loggers when this module is
imported) applies it to every record those libraries emit.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = (
    "consumer_key",
    "consumer_secret",
    "oauth_consumer_key",
    "oauth_signature",
)
_NAMES = "|".join(SECRET_PARAMETERS)
_PARAMETER = re.compile(rf"(?P<name>{_NAMES})=[^&\s\"'#]*", re.IGNORECASE)
_AUTHORIZATION = re.compile(r"(?P<scheme>\b(?:Basic|OAuth)\s+)[^\r\n]+", re.IGNORECASE)
MASK = "***"
_HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


def redact_url(text: str) -> str:
    """``text`` with the values of credential query parameters and auth headers masked."""
    text = _PARAMETER.sub(lambda match: f"{match['name']}={MASK}", text)
    return _AUTHORIZATION.sub(lambda match: f"{match['scheme']}{MASK}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`redact_url` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_url(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def install() -> None:
    """Attach the filter to the HTTP libraries' loggers (idempotent)."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
            logger.addFilter(RedactingFilter())


install()
