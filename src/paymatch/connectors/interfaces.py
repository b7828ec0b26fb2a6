"""The interfaces a connector implements, one class per kind.

An order source (shop, marketplace, invoicing system) hands paymatch its open orders and takes the
paid (or cancelled) status back. Its own names for payment methods and statuses are translated by
a :class:`StatusMapping`: the connector ships a default one (:meth:`OrderSource.default_mapping`),
the merchant's configuration (``[sources.<name>.mapping]``) may override any part of it, and the
result is the mapping in force, :attr:`OrderSource.mapping`, which the connector consults wherever
it decides what is open or what to write.

A bank format (:class:`BankFormat`) reads one kind of bank statement file into postings and
balances. The built-in formats are modules of :mod:`paymatch.connectors.bank` with the same four
names (``FORMAT``, ``sniff``, ``iter_records``, ``read``); :class:`ModuleBankFormat` presents such a
module as a :class:`BankFormat`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Self, TypeAlias

from pydantic import BaseModel, ConfigDict

from paymatch.core.errors import PaymatchError
from paymatch.core.models import Balance, Order, PaymentCode, Posting, Statement


class ConnectorKind(StrEnum):
    BANK = "bank"
    SHOP = "shop"
    MARKETPLACE = "marketplace"
    INVOICING = "invoicing"


class TargetStatus(StrEnum):
    """What paymatch tells a source about an order."""

    PAID = "paid"
    CANCELLED = "cancelled"


class WriteOutcome(StrEnum):
    WRITTEN = "written"
    ALREADY_DONE = "already_done"
    """The source already shows the target status (a person may have set it): nothing written."""
    NOT_OPEN = "not_open"
    """The order is no longer open at the source (cancelled, deleted, ...): nothing written."""


class ConnectorError(PaymatchError):
    """A source or bank service refused a request. Carries the system's own code and message.

    Raise it for what repeating the same request will not change: the system refused the request
    as such (a 4xx with its own error code), or the connector cannot do what is asked (a write the
    system has no status for). paymatch's outbox does not retry a *final* error (see
    :attr:`final`): the write-back ends at once and the merchant is notified. Raise
    :class:`TransientConnectorError` for what is worth trying again later.
    """

    def __init__(
        self,
        message: str,
        *,
        connector: str,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.connector = connector
        self.code = code
        self.http_status = http_status
        detail = f" [{code}]" if code else ""
        status = f" (HTTP {http_status})" if http_status else ""
        super().__init__(f"{connector}{status}{detail}: {message}")

    @property
    def final(self) -> bool:
        """True when trying the same request again cannot succeed: the outbox then stops at once.

        Refused credentials (HTTP 401/403) are not final: they are a fault of the source's
        settings, not of the request; once the merchant fixes the settings the same write goes
        through, so the outbox keeps retrying it (with backoff, for ``write_back_retry_for``).
        A connector's own error class may override this property.
        """
        return self.http_status not in _CREDENTIALS_REFUSED


_CREDENTIALS_REFUSED = frozenset({401, 403})


class TransientConnectorError(ConnectorError):
    """A failure worth retrying later: timeouts, rate limits, 5xx after the client's own retries."""

    @property
    def final(self) -> bool:
        return False


class OrderProblem(BaseModel):
    """An order a source reported that paymatch cannot use; the rest of the batch proceeds."""

    model_config = ConfigDict(frozen=True)

    order_id: str | None
    reason: str


class StatusMapping(BaseModel):
    """A source's payment methods and statuses in paymatch's terms.

    ``payment_methods`` maps the source's method names to payment codes; orders with an unmapped
    method are not managed. ``open_statuses`` lists, per payment code, the source statuses that
    mean "waiting for payment". ``paid_status`` and ``cancelled_status`` are what paymatch writes.
    """

    model_config = ConfigDict(frozen=True)

    payment_methods: dict[str, PaymentCode] = {}
    open_statuses: dict[PaymentCode, frozenset[str]] = {}
    paid_status: dict[PaymentCode, str] = {}
    cancelled_status: dict[PaymentCode, str] = {}

    def payment_code(self, order: Order) -> PaymentCode | None:
        if order.payment_code is not None:
            return order.payment_code
        if order.payment_method is None:
            return None
        return self.payment_methods.get(order.payment_method)

    def is_open(self, order: Order) -> bool:
        code = self.payment_code(order)
        if code is None or order.status is None:
            return False
        return order.status in self.open_statuses.get(code, frozenset())

    def overridden_by(self, overrides: Mapping[str, Any]) -> StatusMapping:
        """This mapping with the parts given in ``overrides`` (merchant configuration) replaced.

        ``overrides`` has the four keys of this class, each a table: an entry replaces the entry
        of the same name (``open_statuses = {prepayment = ["on-hold", "pending"]}`` makes exactly
        these two statuses open for prepayment); entries not named stay as they are.
        """
        merged = self.model_dump()
        for key, value in overrides.items():
            if key not in merged:
                known = ", ".join(merged)
                raise ValueError(f"unknown status-mapping key {key!r} (known: {known})")
            if not isinstance(value, Mapping):
                raise ValueError(f"status-mapping {key} must be a table, not {value!r}")
            merged[key] = {**merged[key], **value}
        return StatusMapping.model_validate(merged)


class StatusWrite(BaseModel):
    """One write-back: tell the source that ``order_id`` is paid (or cancelled)."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    target: TargetStatus
    status: str | None
    """The source status to set, from the mapping; ``None`` where the source has no such status."""
    payment_code: PaymentCode
    amount: Decimal
    currency: str
    paid_on: date | None = None
    reference: str
    """Stable id of this write (idempotency key); sources that store payments keep it."""


class OrderSource(ABC):
    """A shop, marketplace or invoicing system that holds orders and takes their status back.

    The connector decides with :attr:`mapping`, the mapping in force, wherever a status or payment
    method matters: which orders ``list_open_orders`` returns, whether an order is still open
    before a write, which status to write when a write carries none. The mapping in force is
    :meth:`default_mapping` until someone sets it; paymatch's ``Reconciler`` sets it, before it
    calls anything else, to that mapping with the merchant's overrides from
    ``[sources.<name>.mapping]`` applied. Read ``self.mapping`` where it is needed rather than
    deriving values from it in ``__init__``: it may be set after the connector is built.

    A source is a context manager that closes it (``with Source.from_settings(...) as source:``).
    """

    PLUGIN_NAME: ClassVar[str]
    KIND: ClassVar[ConnectorKind] = ConnectorKind.SHOP
    PUSH: ClassVar[bool] = False
    """True where the source hands over new orders itself (webhook or plugin ping)."""

    _mapping: StatusMapping | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Self:
        """Build the connector from a source's settings (URLs, credentials, options).

        The settings hold no mapping: overrides of the mapping reach the connector through
        :attr:`mapping`, from the one place the merchant writes them.
        """
        return cls(**settings)

    @property
    def mapping(self) -> StatusMapping:
        """The mapping in force: :meth:`default_mapping` with the merchant's overrides, if any."""
        if self._mapping is None:
            self._mapping = self.default_mapping()
        return self._mapping

    @mapping.setter
    def mapping(self, mapping: StatusMapping) -> None:
        if not isinstance(mapping, StatusMapping):
            raise TypeError(f"a StatusMapping is needed, not {type(mapping).__name__}")
        self._mapping = mapping

    @abstractmethod
    def default_mapping(self) -> StatusMapping:
        """The mapping of this system's usual payment methods and statuses."""

    @abstractmethod
    def list_open_orders(self) -> Iterable[Order | OrderProblem]:
        """Every order that is open at the source under :attr:`mapping`: a *complete* list, or an
        exception."""

    @abstractmethod
    def list_changed_since(self, since: datetime) -> Iterable[Order | OrderProblem]:
        """Orders created or changed at or after ``since`` (open or not)."""

    @abstractmethod
    def get_order(self, order_id: str) -> Order | None:
        """One order by the source's id; ``None`` if the source no longer has it."""

    @abstractmethod
    def write_status(self, write: StatusWrite) -> WriteOutcome:
        """Set the order's status at the source; idempotent (see :class:`WriteOutcome`).

        ``NOT_OPEN`` when the order is not open under :attr:`mapping` (or gone). Raise
        :class:`TransientConnectorError` for what may work later, :class:`ConnectorError` for
        what will not (the outbox then stops and the merchant is told).
        """

    def close(self) -> None:  # noqa: B027 (optional to override, unlike the methods above)
        """Release what the connector holds (HTTP connections). The default holds nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


BankSource: TypeAlias = BinaryIO | Path | bytes
"""What a bank format reads: an open binary file, a path, or the file's bytes."""


def source_name_of(source: BankSource, given: str | None = None) -> str:
    """The name errors and statements use for ``source``: given, file name, or a stand-in."""
    if given:
        return given
    if isinstance(source, Path):
        return source.name
    if isinstance(source, bytes | bytearray | memoryview):
        return "<bytes>"
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else "<stream>"


class BankFormat(ABC):
    """A bank statement format: recognises its files and reads them into postings and balances.

    ``PLUGIN_NAME`` is the format's short name (``camt``, ``mt940``, ``csv``, ...), the name users
    pass as ``format=``. Register an instance (or the class, if it needs no arguments) through the
    hook ``paymatch_register_bank_formats``.
    """

    PLUGIN_NAME: str
    KIND: ClassVar[ConnectorKind] = ConnectorKind.BANK
    DESCRIPTION: str = ""

    @abstractmethod
    def sniff(self, head: bytes) -> bool:
        """True if ``head`` (the first bytes of a file, up to 64 KiB) looks like this format."""

    @abstractmethod
    def iter_records(
        self, source: BankSource, *, source_name: str | None = None, **options: Any
    ) -> Iterator[Posting | Balance]:
        """The file's postings and balances, streamed in bounded memory.

        Raises :class:`~paymatch.core.errors.StatementError` saying where (file, line or XML path)
        and why. Options include ``statuses`` (status names, default ``{"BOOK"}``; ``None``: all):
        the postings to return by their ``status`` (one without counts as ``BOOK``).
        ``read_statement``/``iter_statement`` apply it again, so a format may ignore it.
        """

    def read(
        self, source: BankSource, *, source_name: str | None = None, **options: Any
    ) -> Statement:
        """The whole file as a :class:`~paymatch.core.models.Statement`: all of it or an error.

        The default collects :meth:`iter_records`; a format with more to say (statement id,
        detailed format version) overrides it.
        """
        name = source_name_of(source, source_name)
        postings: list[Posting] = []
        balances: list[Balance] = []
        for record in self.iter_records(source, source_name=name, **options):
            if isinstance(record, Posting):
                postings.append(record)
            else:
                balances.append(record)
        accounts = {p.account_iban for p in postings} | {b.account_iban for b in balances}
        accounts.discard(None)
        currencies = {p.currency for p in postings} | {b.currency for b in balances}
        return Statement(
            format=self.PLUGIN_NAME,
            source_name=name,
            postings=tuple(postings),
            balances=tuple(balances),
            account_iban=accounts.pop() if len(accounts) == 1 else None,
            currency=currencies.pop() if len(currencies) == 1 else None,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'PLUGIN_NAME', '?')!r}>"


_MODULE_API = ("sniff", "iter_records", "read")


class ModuleBankFormat(BankFormat):
    """A module (or any object) with ``FORMAT``, ``sniff``, ``iter_records`` and ``read``, presented
    as a :class:`BankFormat`. This is how the built-in ``paymatch.connectors.bank.*`` modules are
    registered."""

    def __init__(self, module: Any) -> None:
        name = getattr(module, "FORMAT", None)
        missing = [attr for attr in _MODULE_API if not callable(getattr(module, attr, None))]
        if not isinstance(name, str) or not name:
            missing.insert(0, "FORMAT")
        if missing:
            label = getattr(module, "__name__", repr(module))
            raise TypeError(
                f"{label} is not a bank format: it lacks {', '.join(missing)} "
                "(see docs/writing-a-connector.md, 'Bank formats')"
            )
        self.module = module
        self.PLUGIN_NAME = name  # type: ignore[assignment]
        doc = (getattr(module, "__doc__", None) or "").strip().splitlines()
        self.DESCRIPTION = doc[0] if doc else ""

    def sniff(self, head: bytes) -> bool:
        return bool(self.module.sniff(head))

    def iter_records(
        self, source: BankSource, *, source_name: str | None = None, **options: Any
    ) -> Iterator[Posting | Balance]:
        records: Iterator[Posting | Balance] = self.module.iter_records(
            source, source_name=source_name, **options
        )
        return records

    def read(
        self, source: BankSource, *, source_name: str | None = None, **options: Any
    ) -> Statement:
        statement: Statement = self.module.read(source, source_name=source_name, **options)
        return statement

    def __repr__(self) -> str:
        return (
            f"<ModuleBankFormat {self.PLUGIN_NAME!r} from {getattr(self.module, '__name__', '?')}>"
        )
