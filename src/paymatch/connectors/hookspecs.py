"""The hooks paymatch plugins implement. Mark implementations with :data:`paymatch.hookimpl`.

Every hook is named ``paymatch_*``; a plugin that implements a ``paymatch_*`` function not listed
here is refused when plugins load (a typo would otherwise be silently ignored). The reference with
examples is ``docs/plugins.md``; a worked example plugin is in ``docs/writing-a-connector.md``.

Compatibility: paymatch calls every hook with keyword arguments, and pluggy passes an
implementation only the arguments it names. A later paymatch may therefore add arguments to a hook
without breaking plugins written for this one; implementations name only what they use.

The ``register`` hooks are called again whenever the set of plugins changes (a registry is cached
until then), so none of them is ``historic``: a registry must also forget the connectors of a
plugin that is unregistered, which a historic call cannot do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from paymatch.connectors.interfaces import BankFormat, OrderSource
    from paymatch.core.notifications import Notification
    from paymatch.rules.extensions import IgnoreRule, ReferencePattern

hookspec = pluggy.HookspecMarker("paymatch")
hookimpl = pluggy.HookimplMarker("paymatch")


@hookspec
def paymatch_register_order_sources() -> Iterable[type[OrderSource]]:
    """The order-source connectors this plugin provides: shops, marketplaces, invoicing systems.

    Return an iterable of :class:`~paymatch.connectors.interfaces.OrderSource` subclasses (the
    classes, not instances: paymatch builds one per configured source with
    ``from_settings``). Each class sets ``PLUGIN_NAME`` (the connector name users write in their
    configuration, unique among installed order sources) and ``KIND`` (``shop``, ``marketplace`` or
    ``invoicing``).
    """
    raise NotImplementedError


@hookspec
def paymatch_register_bank_formats() -> Iterable[BankFormat | Any]:
    """The bank statement formats this plugin reads.

    Return an iterable of :class:`~paymatch.connectors.interfaces.BankFormat` instances (a
    ``BankFormat`` class that takes no arguments is instantiated), or of modules that offer
    ``FORMAT``, ``sniff``, ``iter_records`` and ``read`` like the built-in
    ``paymatch.connectors.bank.camt``. The name (``PLUGIN_NAME`` or ``FORMAT``) is unique among
    installed bank formats.
    """
    raise NotImplementedError


@hookspec
def paymatch_register_reference_patterns() -> Iterable[ReferencePattern]:
    """Extra patterns that find references (order, invoice, customer numbers or the merchant's own
    payment references) in remittance text.

    Return an iterable of :class:`~paymatch.rules.extensions.ReferencePattern`. Pattern names are
    unique among installed patterns; they appear in the evidence of every match they produce.
    """
    raise NotImplementedError


@hookspec
def paymatch_register_ignore_rules() -> Iterable[IgnoreRule | Any]:
    """Extra rules that mark postings as not being customer payments (``ignored``).

    Return an iterable of :class:`~paymatch.rules.extensions.IgnoreRule` objects, or of named
    functions ``posting -> reason | None``. A rule answers ``None`` when it does not apply and
    otherwise a sentence saying why the posting is ignored (the merchant reads it). Rule names are
    unique among installed rules.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def paymatch_send_notification(notification: Notification, attempt: int) -> str | None:
    """Deliver ``notification`` your own way (e.g. through the shop's mailer), or pass.

    Return a short receipt (a message id, "sent via shop mailer") once the message is handed over;
    paymatch then delivers it nowhere else. Return ``None`` to leave it to the next
    implementation and finally to paymatch's own delivery (e-mail). Raise to report a failed
    delivery: paymatch retries it later with ``attempt`` counted up (1 on the first try), so an
    implementation may also give up after some attempts by returning ``None``.

    Deliver each ``notification.id`` at most once. The record is defined by
    :class:`paymatch.core.notifications.Notification` (filled in by issue 6).
    """
    raise NotImplementedError
