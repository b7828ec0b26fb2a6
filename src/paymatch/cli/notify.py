"""``paymatch notify --preview ORDER``: show the message a customer (or the merchant) would get."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from paymatch.core.errors import InputError
from paymatch.core.events import PaymentInfoReason, SendPaymentInformation, SendReminder
from paymatch.core.models import Order, PaymentCode
from paymatch.core.notifications import Notification
from paymatch.core.policy import PolicyConfig
from paymatch.core.settings import load_config
from paymatch.core.store import Store
from paymatch.interchange import read_orders
from paymatch.notify.accounts import accounts_from_config
from paymatch.notify.compose import MERCHANT_NOTICES, Composer, Kind, Undeliverable
from paymatch.notify.config import NotifyConfig
from paymatch.notify.mime import MessageError, build_email
from paymatch.notify.worker import find_stored_order

_REASONS = {
    Kind.PAYMENT_INFORMATION: PaymentInfoReason.NEW_ORDER,
    Kind.PAYMENT_INFORMATION_AMOUNT_CHANGED: PaymentInfoReason.AMOUNT_CHANGED,
    Kind.PAYMENT_INFORMATION_EMAIL_CHANGED: PaymentInfoReason.EMAIL_CHANGED,
    Kind.PAYMENT_INFORMATION_PARTIAL_PAYMENT: PaymentInfoReason.PARTIAL_PAYMENT,
}
KINDS = (*(kind.value for kind in Kind), *MERCHANT_NOTICES)


def _read_config(path: Path | None) -> tuple[NotifyConfig, list[Any], PolicyConfig, str | None]:
    """``[notify]``, ``[[accounts]]``, ``[policy]`` and the store URL of a paymatch.toml."""
    if path is None:
        return NotifyConfig(), [], PolicyConfig(), None
    config = load_config(path)  # relative paths resolved against the file
    notify = NotifyConfig.from_table(config.notify, where=str(path))
    accounts = accounts_from_config(config.accounts, where=str(path))
    policies = PolicyConfig.from_table(config.policy, where=str(path))
    return notify, accounts, policies, config.store.url


def _stored_order(url: str, key: str, source: str | None) -> Order:
    store = Store.open(url, migrate=False)  # a preview never changes the store
    try:
        return find_stored_order(store, key, source=source)
    finally:
        store.close()


def find_order(orders: list[Order], key: str, source: str | None) -> Order:
    """The order whose id or number is ``key`` (within ``source`` if given)."""
    found = [
        order
        for order in orders
        if key in (order.id, order.number) and (source is None or order.source == source)
    ]
    if not found:
        raise InputError(f"no order with id or number {key!r}", where="--orders")
    if len({(order.source, order.id) for order in found}) > 1:
        raise InputError(
            f"{key!r} names several orders; choose one with --source", where="--orders"
        )
    return found[0]


def preview(
    composer: Composer,
    order: Order,
    kind: str,
    *,
    now: datetime,
    level: int,
    previous_amount: Decimal | None,
    qr_src: str | None = None,
) -> Notification:
    """Render ``kind`` for ``order`` as if the lifecycle had asked for it at ``now``."""
    open_amount = order.due_amount
    if kind in _REASONS:
        reason = _REASONS[Kind(kind)]
        effect: SendPaymentInformation | SendReminder = SendPaymentInformation(
            reason=reason,
            currency=order.currency,
            open_amount=open_amount,
            previous_amount=previous_amount if reason is PaymentInfoReason.AMOUNT_CHANGED else None,
        )
    elif kind in (Kind.PAYMENT_REMINDER, Kind.PRE_COLLECTION_LETTER):
        if kind == Kind.PAYMENT_REMINDER:
            level = 1
        elif level < 2:
            raise click.UsageError("a pre-collection letter has --level 2..5")
        policy = composer.policies.for_source(order.source)
        reminders = policy.for_code(order.payment_code or PaymentCode.PREPAYMENT).reminders
        effect = SendReminder(
            level=level,
            currency=order.currency,
            open_amount=open_amount,
            fee=reminders.fee(level, order.currency),
        )
    else:
        return composer.merchant_notice(
            kind,
            id="preview",
            order=order,
            data={"amount": open_amount, "currency": order.currency, "order_id": order.id},
            created_at=now,
        )
    return composer.customer_message(
        effect, order, id="preview", now=now, created_at=now, qr_src=qr_src
    )


@click.command("notify")
@click.option(
    "--preview",
    "order_key",
    required=True,
    metavar="ORDER",
    help="Render the message for this order (its id or number) instead of sending anything.",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=Kind.PAYMENT_INFORMATION.value,
    show_default=True,
    help="Which message.",
)
@click.option(
    "--level",
    type=click.IntRange(1, 5),
    default=2,
    show_default=True,
    help="Dunning level of a pre-collection letter (2..5).",
)
@click.option(
    "--previous-amount",
    type=str,
    default=None,
    help="The old amount, for payment_information_amount_changed.",
)
@click.option(
    "--orders",
    "orders_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Orders file (JSON Lines or CSV, docs/formats.md) to find ORDER in; without it, "
    "ORDER is read from the store of --config.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="paymatch.toml with [notify], [[accounts]] and [policy].",
)
@click.option("--source", default=None, help="The order's source, where ORDER is ambiguous.")
@click.option("--language", default=None, help="Render in this language instead of the order's.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Render as of this day (default: today).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to a file instead: .eml (the whole e-mail), .html or .txt.",
)
def notify_command(  # noqa: PLR0917 - click passes the options
    order_key: str,
    kind: str,
    level: int,
    previous_amount: str | None,
    orders_path: Path | None,
    config_path: Path | None,
    source: str | None,
    language: str | None,
    on: datetime | None,
    out_path: Path | None,
) -> None:
    """Show what a customer (or the merchant) gets: `paymatch notify --preview ORDER`.

    The message is rendered from the templates in force (built-in, or the override directory
    of [notify] templates) for the order as it stands; nothing is sent or recorded.
    """
    suffix = out_path.suffix.lower() if out_path else ""
    if out_path is not None and suffix not in (".eml", ".html", ".htm", ".txt"):
        raise click.UsageError("--out must end in .eml, .html or .txt")
    notify, accounts, policies, store_url = _read_config(config_path)
    if orders_path is not None:
        order = find_order(read_orders(orders_path), order_key, source)
    elif config_path is not None and store_url is not None:
        order = _stored_order(store_url, order_key, source)
    else:
        raise click.UsageError("give --orders, or --config with the [store] to read ORDER from")
    if language:
        order = order.model_copy(update={"language": language})
    now = datetime.combine(on.date() if on else date.today(), time(9, 0), tzinfo=UTC)
    composer = Composer(notify, accounts, policies)
    previous = None
    if previous_amount is not None:
        try:
            previous = Decimal(previous_amount)
        except ArithmeticError:
            raise click.BadParameter(
                "not a decimal amount", param_hint="--previous-amount"
            ) from None
    try:
        message = preview(composer, order, kind, now=now, level=level, previous_amount=previous)
    except Undeliverable as error:
        raise click.ClickException(f"cannot render: {error}") from None
    if out_path is None:
        _echo(message)
        return
    if suffix == ".txt":
        atomic_write_bytes(out_path, message.text.encode("utf-8"))
    elif suffix in (".html", ".htm"):
        if message.html is None:
            raise click.ClickException(f"{kind} has no HTML part; use .txt or .eml")
        qr = next((a for a in message.attachments if a.inline), None)
        if qr is not None:  # a file on disk cannot resolve cid: links; embed the image
            data_uri = f"data:{qr.content_type};base64,{base64.b64encode(qr.data).decode()}"
            message = preview(
                composer,
                order,
                kind,
                now=now,
                level=level,
                previous_amount=previous,
                qr_src=data_uri,
            )
        atomic_write_bytes(out_path, (message.html or "").encode("utf-8"))
    else:
        try:
            email = build_email(
                message,
                sender=notify.for_source(order.source).from_
                or "paymatch preview <preview@paymatch.invalid>",
                recipients=("merchant@paymatch.invalid",),
                now=now,
            )
        except MessageError as error:
            raise click.ClickException(str(error)) from None
        atomic_write_bytes(out_path, email.as_bytes())
    click.echo(
        f"{message.kind} for order {order.number or order.id} written to {out_path}", err=True
    )


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` completely or not at all."""
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    temporary.replace(path)


def _echo(message: Notification) -> None:
    click.echo(f"To: {message.recipient or '(merchant)'}")
    click.echo(f"Subject: {message.subject}")
    if message.language:
        click.echo(f"Language: {message.language}")
    names = ", ".join(a.filename for a in message.attachments if not a.inline)
    if names:
        click.echo(f"Attachments: {names}")
    click.echo("")
    click.echo(message.text, nl=not message.text.endswith("\n"))
