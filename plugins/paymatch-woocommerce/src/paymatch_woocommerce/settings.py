"""The settings of one WooCommerce source, validated once when the connector is built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from paymatch import ConfigError

API_PREFIX = "/wp-json/wc/v3"


class WooCommerceSettings(BaseModel):
    """What a merchant configures for one shop.

    ``url`` is the shop's WordPress *home* URL (``https://shop.example`` or
    ``https://example.com/shop`` for a sub-folder install): the API lives below it at
    ``/wp-json/wc/v3``, and OAuth 1.0a signatures are computed over it, so it must be the URL
    WordPress itself is configured with.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: str = Field(default="woocommerce", min_length=1)
    """The source name paymatch files these orders under (``Order.source``)."""
    url: str
    consumer_key: SecretStr
    consumer_secret: SecretStr
    webhook_secret: SecretStr | None = None
    """The secret of the shop's webhooks; when set, the source receives pushes (``PUSH``)."""
    auth: Literal["auto", "basic", "oauth1"] = "auto"
    """``auto``: HTTP Basic over https, OAuth 1.0a over plain http (what WooCommerce accepts)."""
    oauth_signature_method: Literal["HMAC-SHA256", "HMAC-SHA1"] = "HMAC-SHA256"
    oauth_in_header: bool = False
    """Send the OAuth parameters in an ``Authorization: OAuth`` header instead of the query."""
    verify: bool | str = True
    """TLS verification: ``True``, ``False`` (never in production) or a CA bundle path."""
    timeout: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Attempts per request, the first included, on 429 / 5xx / timeouts / connection errors."""
    max_retry_seconds: float = Field(default=120.0, ge=0)
    """Total time a request may spend waiting between attempts."""
    backoff_base: float = Field(default=0.5, ge=0)
    backoff_cap: float = Field(default=30.0, ge=0)
    per_page: int = Field(default=100, ge=2, le=100)
    """Orders per request; WooCommerce allows at most 100."""
    order_note: bool = True
    """Add a private order note saying why paymatch changed the status."""
    invoice_number_meta_keys: tuple[str, ...] = ("_wcpdf_invoice_number",)
    """Order meta keys that hold an invoice number (first non-empty wins)."""
    language_meta_keys: tuple[str, ...] = ("wpml_language",)
    """Order meta keys that hold the customer's language (first non-empty wins)."""
    user_agent: str = "paymatch-woocommerce"

    @model_validator(mode="after")
    def _check(self) -> WooCommerceSettings:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("url must be the shop's http:// or https:// home URL")
        if parts.query or parts.fragment:
            raise ValueError("url must not carry a query or fragment")
        if not self.consumer_key.get_secret_value() or not self.consumer_secret.get_secret_value():
            raise ValueError("consumer_key and consumer_secret must not be empty")
        if self.auth == "basic" and parts.scheme != "https":
            raise ValueError(
                "HTTP Basic auth over plain http would send the consumer secret in clear text "
                "(and WooCommerce ignores it there); use an https:// url or auth='oauth1'"
            )
        return self

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def auth_scheme(self) -> Literal["basic", "oauth1"]:
        if self.auth == "auto":
            return "basic" if self.scheme == "https" else "oauth1"
        return self.auth

    @property
    def api_base(self) -> str:
        return self.url.rstrip("/") + API_PREFIX

    @classmethod
    def parse(cls, settings: Mapping[str, Any] | WooCommerceSettings) -> WooCommerceSettings:
        """Validate ``settings``; a problem is a :class:`paymatch.ConfigError` naming the field."""
        if isinstance(settings, WooCommerceSettings):
            return settings
        if "mapping" in settings:
            raise ConfigError(
                "not a WooCommerce setting: write mapping overrides under "
                "[sources.<name>.mapping], the one place paymatch reads them",
                where="woocommerce settings",
                field="mapping",
            )
        try:
            return cls.model_validate(dict(settings))
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            raise ConfigError(
                first["msg"].removeprefix("Value error, "),
                where="woocommerce settings",
                field=field,
            ) from None
