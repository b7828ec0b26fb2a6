"""Bank statements for end-to-end tests: a camt.053 (ISO 20022, version 08) built from credits.

::

    from paymatch.testing import Credit, camt053

    data = camt053("DE89370400440532013000", [Credit("49.90", "Bestellung 10023")],
                   booked=date(2026, 11, 3))
    reconciler.import_statement(path_with(data))

The document is what a German bank sends for incoming SEPA transfers: one booked entry per
credit, with the payer's name and IBAN, the remittance text (or a structured creditor
reference), opening and closing balances that add up. paymatch's CAMT reader reads it like any
bank's file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from paymatch.core.money import normalize_currency, parse_amount


@dataclass(frozen=True)
class Credit:
    """One incoming transfer on the statement."""

    amount: Decimal | str
    remittance: str = ""
    """The unstructured remittance text (``Ustrd``)."""
    payer: str = "Jana Müller"
    payer_iban: str | None = "DE02120300000000202051"
    creditor_reference: str | None = None
    """A structured creditor reference (ISO 11649 ``RF..``), sent instead of or beside the text."""
    end_to_end_id: str = "NOTPROVIDED"
    booked: date | None = None
    """The booking date; default: the statement's."""


def _amount(value: Decimal | str, currency: str) -> Decimal:
    amount = parse_amount(value, currency)
    if amount <= 0:
        raise ValueError(f"a credit is positive, not {amount}")
    return amount


def _entry(n: int, credit: Credit, currency: str, booked: date, statement_id: str) -> str:
    amount = _amount(credit.amount, currency)
    day = (credit.booked or booked).isoformat()
    account = (
        f"<DbtrAcct><Id><IBAN>{escape(credit.payer_iban)}</IBAN></Id></DbtrAcct>"
        if credit.payer_iban
        else ""
    )
    remittance = f"<Ustrd>{escape(credit.remittance)}</Ustrd>" if credit.remittance else ""
    if credit.creditor_reference:
        remittance += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{escape(credit.creditor_reference)}</Ref></CdtrRefInf></Strd>"
        )
    return (
        f'<Ntry><NtryRef>{n}</NtryRef><Amt Ccy="{currency}">{amount}</Amt>'
        f"<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<AcctSvcrRef>{escape(statement_id)}-{n}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
        "</BkTxCd><NtryDtls><TxDtls>"
        f"<Refs><EndToEndId>{escape(credit.end_to_end_id)}</EndToEndId></Refs>"
        f'<Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<RltdPties><Dbtr><Pty><Nm>{escape(credit.payer)}</Nm></Pty></Dbtr>{account}</RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def _balance(code: str, amount: Decimal, currency: str, day: date) -> str:
    indicator = "CRDT" if amount >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="{currency}">{abs(amount)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def camt053(
    iban: str,
    credits: Sequence[Credit],
    *,
    booked: date,
    currency: str = "EUR",
    statement_id: str | None = None,
    opening_balance: Decimal | str = "0.00",
) -> bytes:
    """The bytes of a camt.053.001.08 statement of account ``iban`` with the given credits."""
    currency = normalize_currency(currency)
    statement_id = statement_id or f"PAYMATCH-{booked.isoformat()}"
    opening = parse_amount(opening_balance, currency)
    closing = opening + sum((_amount(c.amount, currency) for c in credits), Decimal(0))
    entries = "".join(
        _entry(n, credit, currency, booked, statement_id)
        for n, credit in enumerate(credits, start=1)
    )
    created = f"{booked.isoformat()}T18:00:00+01:00"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{escape(statement_id)}</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{escape(statement_id)}</Id><CreDtTm>{created}</CreDtTm>"
        f"<Acct><Id><IBAN>{escape(iban)}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
        f"{_balance('PRCD', opening, currency, booked)}"
        f"{_balance('CLBD', closing, currency, booked)}"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()
