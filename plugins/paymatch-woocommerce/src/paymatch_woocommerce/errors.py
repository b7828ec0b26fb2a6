"""The errors this connector raises: each carries WooCommerce's own code and message.

WooCommerce (the WordPress REST API) answers errors as ``{"code", "message", "data": {"status"}}``;
the ``code`` (e.g. ``woocommerce_rest_authentication_error``) is kept on the exception so callers
can branch on it without parsing text. No exception text ever contains a credential.
"""

from __future__ import annotations

from paymatch import PaymatchError
from paymatch.connectors.interfaces import ConnectorError, TransientConnectorError

CONNECTOR = "woocommerce"


class WooCommerceError(ConnectorError):
    """WooCommerce refused a request (4xx) or answered something this connector cannot use."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        connector: str = CONNECTOR,
    ) -> None:
        self.reason = message
        super().__init__(message, connector=connector, code=code, http_status=http_status)


class WooCommerceAuthError(WooCommerceError):
    """Credentials refused (401/403): wrong key or secret, missing permission, clock skew."""


class WooCommerceProtocolError(WooCommerceError):
    """WooCommerce answered, but not as its REST API does (not JSON, wrong shape, broken paging)."""


class WooCommerceTransientError(TransientConnectorError):
    """Still failing after the bounded retries (429, 5xx, timeouts, connection errors).

    ``retry_after`` is the server's own hint in seconds, when it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        connector: str = CONNECTOR,
    ) -> None:
        self.reason = message
        self.retry_after = retry_after
        super().__init__(message, connector=connector, code=code, http_status=http_status)


class WebhookRejected(PaymatchError):
    """A webhook delivery that must not be acted on: bad or missing signature, malformed body.

    ``http_status`` is the answer to give the sender (401 for signatures, 400 for bodies).
    """

    def __init__(self, reason: str, *, http_status: int) -> None:
        self.reason = reason
        self.http_status = http_status
        super().__init__(f"woocommerce webhook rejected: {reason}")
