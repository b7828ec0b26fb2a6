"""The settings of one connected Shopware 6 shop, validated at the edge."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ShopwareSettings(BaseModel):
    """What the merchant configures for a Shopware source.

    ``url`` is the shop's base URL (``https://shop.example.com``; a trailing ``/api`` is accepted
    and dropped). ``client_id`` and ``client_secret`` are the *Access key ID* and *Secret access
    key* of an integration (Settings > System > Integrations) that may read orders and change
    order-transaction states. Overrides of the default mapping are no setting: paymatch reads them
    from ``[sources.<name>.mapping]`` and puts them in force on the connector
    (:attr:`paymatch.connectors.interfaces.OrderSource.mapping`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    source: str = Field(default="shopware", min_length=1)
    """The name paymatch knows this shop by; set as ``Order.source`` on every order."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds for connecting and for each read of one HTTP request."""
    page_size: int = Field(default=250, ge=1, le=500)
    """Orders per search request; Shopware refuses more than 500."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Tries per request on 429, 5xx, timeouts and connection errors."""
    backoff_base: float = Field(default=0.5, gt=0)
    backoff_max: float = Field(default=30.0, gt=0)
    retry_budget: float = Field(default=120.0, gt=0)
    """Seconds one request may spend waiting between its tries, in total."""
    verify: bool | str = True
    """TLS certificate verification: ``True``, ``False`` or the path of a CA bundle."""
    send_mail: bool = True
    """Let Shopware send its usual customer mail for the final state change (``sendMail``)."""

    @field_validator("url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        text = value.strip().rstrip("/")
        parts = urlsplit(text)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL such as https://shop.example.com")
        if parts.query or parts.fragment:
            raise ValueError(f"{value!r}: the shop URL takes no query or fragment")
        if text.endswith("/api"):
            text = text[: -len("/api")]
        return text

    @field_validator("verify")
    @classmethod
    def _ca_bundle_exists(cls, value: bool | str) -> bool | str:
        if isinstance(value, str) and not Path(value).exists():
            raise ValueError(f"CA bundle {value!r} does not exist")
        return value

    @field_validator("client_id")
    @classmethod
    def _strip(cls, value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("client_id must not be blank")
        return text

    @field_validator("client_secret")
    @classmethod
    def _secret_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("client_secret must not be blank")
        return value
