"""The exceptions paymatch raises. Every one says where (file, line, field) and why."""

from __future__ import annotations


class PaymatchError(Exception):
    """Base class of every error paymatch raises on purpose."""


class InputError(PaymatchError, ValueError):
    """Bad input: a file, a line or a field that cannot be read as what it should be.

    ``where`` names the input (a file name, ``"<bytes>"``, a connector), ``line`` the 1-based line
    (or record) number, ``field`` the field or XML path, ``reason`` what is wrong with it.
    """

    def __init__(
        self,
        reason: str,
        *,
        where: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.where = where
        self.line = line
        self.field = field
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.where:
            parts.append(self.where)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field {self.field!r}")
        prefix = ", ".join(parts)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class MoneyError(InputError):
    """An amount that is not exact money: a float, too many decimal places, an unknown currency."""


class ConfigError(InputError):
    """A configuration file or value that paymatch cannot use."""


class StatementError(InputError):
    """A bank statement file that cannot be read. Nothing from that file is returned."""


class PluginError(PaymatchError):
    """A plugin that cannot be used: it fails to load, breaks a hook's contract, or clashes with
    another plugin. The message names the plugin and its distribution."""


class StatementWarning(UserWarning):
    """Something in a bank statement that paymatch read, but that a person may want to check.

    Issued with :func:`warnings.warn`, so callers can log, collect or escalate it with the usual
    warning filters: a balance that does not add up, an encoding that had to be guessed.
    """


class IllegalTransition(PaymatchError):
    """An order lifecycle event that is not allowed in the order's current state.

    Nothing changes when it is raised. ``state`` is the order's state (``None`` before the order
    exists), ``event`` the event kind, ``reasons`` the guards that failed, as sentences.
    """

    def __init__(self, state: str | None, event: str, reasons: tuple[str, ...]) -> None:
        self.state = state
        self.event = event
        self.reasons = reasons
        where = f"in state {state!r}" if state is not None else "for a new order"
        super().__init__(f"event {event!r} is not allowed {where}: " + "; ".join(reasons))


def describe_failure(error: Exception) -> str:
    """One line for a log or a record of what failed: our own errors say what went wrong and
    where; anything else (a plugin's or a driver's bug) is named by its type as well."""
    if isinstance(error, PaymatchError):
        return str(error)
    return f"{type(error).__name__}: {error}"
