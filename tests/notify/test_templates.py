"""Templates: every kind in German and English, escaping, locales, overrides and fallbacks."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from notify_helpers import ACCOUNTS, NOW, make_order, notify_config
from PIL import Image

from paymatch.core.errors import ConfigError
from paymatch.core.events import PaymentInfoReason, SendPaymentInformation, SendReminder
from paymatch.core.policy import PolicyConfig
from paymatch.notify.compose import (
    MERCHANT_NOTICES,
    QR_CONTENT_ID,
    SAMPLE_DATA,
    Composer,
    Undeliverable,
    check_templates,
)
from paymatch.notify.templates import TemplateError, TemplateSet, language_code, locale_for


def info(
    reason: PaymentInfoReason = PaymentInfoReason.NEW_ORDER, **kw: object
) -> SendPaymentInformation:
    return SendPaymentInformation(
        reason=reason,
        currency="EUR",
        open_amount=kw.pop("open_amount", "49.90"),
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("reason", list(PaymentInfoReason))
def test_payment_information_in_both_languages(
    composer: Composer, language: str, reason: PaymentInfoReason
) -> None:
    previous = "39.90" if reason is PaymentInfoReason.AMOUNT_CHANGED else None
    order = make_order(language=language)
    message = composer.customer_message(
        info(reason, previous_amount=previous), order, id="n1", now=NOW
    )
    assert message.language == language
    assert message.recipient == order.email
    assert "10023" in message.subject
    ref = order.payment_reference
    assert ref is not None
    for part in (message.text, message.html or ""):
        assert "DE89 3704 0044 0532 0130 00" in part
        assert "COBADEFFXXX" in part
        assert "49,90" in part  # German number format (DE locale in both languages)
        assert f"{ref[:2]}-{ref[2:6]}-{ref[6:]}" in part
        if previous:
            assert "39,90" in part
    assert f'src="cid:{QR_CONTENT_ID}"' in (message.html or "")
    inline = [a for a in message.attachments if a.inline]
    attached = [a for a in message.attachments if not a.inline]
    assert len(inline) == len(attached) == 1
    assert inline[0].data == attached[0].data
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(inline[0].data)))
    assert decoded[0].text.split("\n")[7] == "EUR49.90"


def test_amount_changed_note_and_wording_differ_by_reason(composer: Composer) -> None:
    order = make_order()
    texts = {
        reason: composer.customer_message(
            info(reason, previous_amount="39.90" if reason == "amount_changed" else None),
            order,
            id="x",
            now=NOW,
        )
        for reason in PaymentInfoReason
    }
    assert "geändert" in texts[PaymentInfoReason.AMOUNT_CHANGED].subject.lower()
    assert "bisher 39,90" in texts[PaymentInfoReason.AMOUNT_CHANGED].text
    assert "E-Mail-Adresse" in texts[PaymentInfoReason.EMAIL_CHANGED].text
    assert "Restbetrag" in texts[PaymentInfoReason.PARTIAL_PAYMENT].text
    assert len({t.text for t in texts.values()}) == len(texts)


@pytest.mark.parametrize("language", ["de", "en"])
def test_reminders_show_fees_per_level_and_announce_collection(
    composer: Composer, policies: PolicyConfig, language: str
) -> None:
    order = make_order(language=language, payment_code="invoice", cash_discount={"percent": "2"})
    reminders = policies.for_source("shop").invoice.reminders
    seen_subjects = set()
    for level in range(1, reminders.levels + 1):
        fee = reminders.fee(level, "EUR")
        message = composer.customer_message(
            SendReminder(level=level, currency="EUR", open_amount="49.90", fee=fee),
            order,
            id=f"r{level}",
            now=NOW,
        )
        assert message.kind == ("payment_reminder" if level == 1 else "pre_collection_letter")
        assert message.level == level
        fees = sum((reminders.fee(n, "EUR") or Decimal(0) for n in range(1, level + 1)), Decimal(0))
        due = Decimal("49.90") + fees
        assert f"{due:.2f}".replace(".", ",") in message.text
        assert "Skonto" not in message.text
        assert "discount" not in message.text
        last = level == reminders.levels
        announced = ("Inkasso" in message.text) or ("debt collection" in message.text)
        assert announced == last  # collection mode is manual in the test policy
        seen_subjects.add(message.subject)
    assert len(seen_subjects) == reminders.levels


def test_html_is_escaped_and_text_is_not(composer: Composer) -> None:
    order = make_order(customer_name="<script>alert(1)</script> & Co")
    message = composer.customer_message(info(), order, id="n", now=NOW)
    assert "<script>" not in (message.html or "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in (message.html or "")
    assert "<script>alert(1)</script> & Co" in message.text


def test_language_fallback_and_locale_formatting(policies: PolicyConfig) -> None:
    composer = Composer(notify_config(default_language="en"), ACCOUNTS, policies)
    french = composer.customer_message(info(), make_order(language="fr-FR"), id="n", now=NOW)
    assert french.language == "en"
    austrian = composer.customer_message(
        info(), make_order(language="de_AT", country="AT"), id="n", now=NOW
    )
    assert austrian.language == "de"
    assert "€\u00a049,90" in austrian.text
    assert str(locale_for("de", "CH")) == "de_CH"
    assert str(locale_for("de", "XX")) == "de"
    assert language_code("DE-de") == "de"
    assert language_code("??") is None


def test_override_one_file_keeps_the_rest_built_in(tmp_path: Path, policies: PolicyConfig) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "payment_information.subject.txt").write_text(
        "Ihre Bestellung {{ order_number }} bei {{ shop_name }}\n", encoding="utf-8"
    )
    (tmp_path / "de" / "_signature.txt").write_text(
        "Ihr Team vom {{ shop_name }}\n", encoding="utf-8"
    )
    (tmp_path / "fr").mkdir()
    for part, body in {
        "payment_information.subject.txt": "Commande {{ order_number }}",
        "payment_information.txt": "Montant : {{ amount|money }}\n",
    }.items():
        (tmp_path / "fr" / part).write_text(body, encoding="utf-8")
    composer = Composer(notify_config(templates=str(tmp_path)), ACCOUNTS, policies)
    german = composer.customer_message(info(), make_order(), id="n", now=NOW)
    assert german.subject == "Ihre Bestellung 10023 bei Beispiel Shop"
    assert "Ihr Team vom Beispiel Shop" in german.text
    assert "Verwendungszweck" in german.text
    assert german.html is not None
    assert "Verwendungszweck" in german.html
    french = composer.customer_message(
        info(), make_order(language="fr", country="FR"), id="n", now=NOW
    )
    assert french.language == "fr"
    assert french.text == "Montant : 49,90\u00a0€\n"
    assert french.html is None  # the override has no HTML part: text only
    reminder = composer.customer_message(
        SendReminder(level=1, currency="EUR", open_amount="49.90"),
        make_order(language="fr"),
        id="r",
        now=NOW,
    )
    assert reminder.language == "de"  # no French reminder: the default language


def test_broken_override_is_found_by_the_check(tmp_path: Path, policies: PolicyConfig) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "overpayment.txt").write_text(
        "Surplus {{ amout|money }}\n", encoding="utf-8"
    )
    composer = Composer(notify_config(templates=str(tmp_path)), ACCOUNTS, policies)
    with pytest.raises(TemplateError, match="amout"):
        check_templates(composer, now=NOW)
    (tmp_path / "en" / "overpayment.txt").write_text("{% if %}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"overpayment\.txt, line 1"):
        composer.merchant_notice("overpayment", id="n", order=make_order(), language="en")
    with pytest.raises(ConfigError):
        TemplateSet(tmp_path / "missing")


def test_the_built_in_templates_pass_the_check(composer: Composer) -> None:
    checked = check_templates(composer, now=NOW)
    assert len(checked) == 2 * (len(PaymentInfoReason) + 5 + len(MERCHANT_NOTICES))


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("notice", MERCHANT_NOTICES)
def test_every_merchant_notice_renders(composer: Composer, notice: str, language: str) -> None:
    message = composer.merchant_notice(
        notice, id="m", order=make_order(), data=SAMPLE_DATA, language=language
    )
    assert message.audience == "merchant"
    assert message.recipient == "owner@shop.example"
    assert message.subject
    assert "\n" not in message.subject
    assert "10023" in message.text
    assert message.text.count("\n\n\n") == 0


@pytest.mark.parametrize(
    "address", [None, "not-an-address", "a@b.example, c@d.example", "x@y\nBcc: z@w"]
)
def test_no_message_without_one_valid_address(composer: Composer, address: str | None) -> None:
    with pytest.raises(Undeliverable, match="e-mail address"):
        composer.customer_message(info(), make_order(email=address), id="n", now=NOW)
