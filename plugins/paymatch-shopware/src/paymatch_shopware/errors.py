"""What the Shopware connector raises: typed errors carrying Shopware's own code and message.

Shopware answers errors as ``{"errors": [{"status", "code", "title", "detail", "meta"}]}``. The
first error gives the exception its ``code`` and message; all of them are kept in ``errors``.
No exception text ever contains the client secret or an access token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paymatch.connectors.interfaces import ConnectorError, TransientConnectorError

CONNECTOR = "shopware"


class ShopwareError(ConnectorError):
    """Shopware refused a request (4xx) or answered something the connector cannot use."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.detail = message
        self.errors = tuple(dict(error) for error in errors)
        super().__init__(message, connector=CONNECTOR, code=code, http_status=http_status)


class ShopwareAuthError(ShopwareError):
    """The integration's credentials or the access token were refused (401/403)."""


class ShopwareResponseError(ShopwareError):
    """Shopware answered in a form the connector cannot read (wrong media type, bad JSON, ...)."""


class IllegalTransitionError(ShopwareError):
    """``SYSTEM__ILLEGAL_STATE_TRANSITION``: the action is not allowed from the current state."""

    def __init__(
        self,
        message: str,
        *,
        transition: str | None,
        possible_transitions: Sequence[str],
        http_status: int | None = 400,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.transition = transition
        self.possible_transitions = tuple(possible_transitions)
        super().__init__(
            message,
            code="SYSTEM__ILLEGAL_STATE_TRANSITION",
            http_status=http_status,
            errors=errors,
        )

    @property
    def final(self) -> bool:
        """Not final: the state moved while the connector wrote (a person, a payment app); a later
        attempt reads the new state and finds the write done, not needed, or possible."""
        return False


class NoTransitionPathError(ShopwareError):
    """No chain of allowed transitions leads from the transaction's state to the target state."""


class UnsupportedWriteError(ShopwareError):
    """paymatch asked for a write this shop's mapping has no status for."""


class ShopwareTransientError(ShopwareError, TransientConnectorError):
    """Still failing after the client's own retries (timeouts, 429, 5xx): try again later.

    ``retry_after`` is the wait the shop last asked for, if it named one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        attempts: int = 0,
    ) -> None:
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(message, code=code, http_status=http_status)
