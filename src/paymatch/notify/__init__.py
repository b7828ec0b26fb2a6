"""Messages to customers and the merchant: payment information, reminders, notices; delivery.

docs/notifications.md is the guide. The parts, each its own module:

- :mod:`~paymatch.notify.accounts`: which account the customer pays into (pure choice)
- :mod:`~paymatch.notify.epc_qr`: EPC069-12 QR codes ("GiroCode"), PNG and SVG via segno
- :mod:`~paymatch.notify.content`: reference, due date, cash discount: what payment information says
- :mod:`~paymatch.notify.templates`: Jinja2 templates (de, en), overridable file by file
- :mod:`~paymatch.notify.compose`: effect or notice -> rendered :class:`Notification`
- :mod:`~paymatch.notify.mime`: the e-mail (text + HTML + inline QR + attachment)
- :mod:`~paymatch.notify.senders`: SMTP and .eml-file senders; permanent vs temporary errors
- :mod:`~paymatch.notify.delivery`: the plugin hook first, then the configured sender
- :mod:`~paymatch.notify.handover`: at most one hand-over per notification, across crashes
- :mod:`~paymatch.notify.worker`: the Store's notifications rendered and delivered (the
  Reconciler's messenger)
"""
