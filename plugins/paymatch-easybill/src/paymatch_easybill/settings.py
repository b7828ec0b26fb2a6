"""The settings of one Easybill source, validated at the edge (pydantic)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from paymatch import ConfigError

DEFAULT_BASE_URL = "https://api.easybill.de/rest/v1"
MAX_PAGE_SIZE = 1000
"""Easybill's documented maximum for ``limit`` on every list resource."""


class EasybillSettings(BaseModel):
    """What a source configured with connector ``easybill`` may set.

    Only ``api_key`` is required. The key is kept as a :class:`~pydantic.SecretStr`: it appears
    in no repr, log record or error message.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr
    """The API key from Easybill (Einstellungen -> API), sent as ``Authorization: Bearer <key>``."""
    base_url: str = DEFAULT_BASE_URL
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    """Documents per list request (``limit``); fewer requests count less against the rate limit."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for connecting and for each read."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Tries per request, the first included, on 429, 5xx, 409 (locked), timeouts."""
    backoff: float = Field(default=1.0, ge=0)
    """First wait between tries in seconds; doubled each time, with jitter."""
    max_retry_wait: float = Field(default=60.0, ge=0)
    """The longest single wait. A ``Retry-After`` longer than this is not waited for: the request
    fails at once as a transient error that carries ``retry_after`` for the caller's scheduler."""
    max_total_wait: float = Field(default=180.0, ge=0)
    """The longest time one request may spend waiting between its tries, all waits added."""
    payment_type: str = Field(default="Überweisung", max_length=255)
    """``type`` of the payments paymatch records (free text in Easybill; the money came by bank
    transfer, since paymatch matches bank postings)."""
    payment_provider: str = Field(default="paymatch", max_length=255)
    """``provider`` of the payments paymatch records."""
    mark_paid: bool = True
    """Send ``paid=true`` with each payment, so that Easybill closes the invoice even when
    paymatch settled it with a shortfall it accepted (cash discount, bank fee, tolerance)."""

    @field_validator("api_key")
    @classmethod
    def _key_present(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value()
        if not key.strip():
            raise ValueError("the API key is empty")
        if key != key.strip() or any(ch in key for ch in "\r\n"):
            raise ValueError("the API key has surrounding blanks or line breaks")
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError(f"base_url {value!r} must not carry a query or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            # The API key travels in a header: plain HTTP only to this machine (tests, proxies).
            raise ValueError(f"base_url {value!r} must use https (http only for localhost)")
        return value.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_settings(settings: Mapping[str, Any]) -> EasybillSettings:
    """Validate a source's settings; a :class:`~paymatch.ConfigError` names every bad field.

    The message is built from field names and reasons only, never from the values given, so a
    mistyped key does not end up in a log.
    """
    try:
        return EasybillSettings.model_validate(dict(settings))
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'settings'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise ConfigError(reasons, where="easybill settings") from None
