"""EPC069-12 QR codes ("GiroCode"): a SEPA credit transfer the payer's banking app fills in.

The payload is the line format of the European Payments Council's guidelines (EPC069-12,
"Quick Response Code: Guidelines to Enable Data Capture for the Initiation of a SEPA Credit
Transfer"); the QR symbol itself is made by segno. Lines, in this order, separated by LF:

====  =====================================  =========================================
line  element                                rule
====  =====================================  =========================================
1     service tag                            ``BCD``
2     version                                ``001`` (BIC required) or ``002`` (BIC
                                             optional inside the EEA)
3     character set                          ``1`` = UTF-8 (the only one paymatch writes)
4     identification                         ``SCT``
5     BIC of the payee's bank                8 or 11 characters, or empty (002 only)
6     name of the payee                      1..70 characters
7     IBAN of the payee                      a valid IBAN (max. 34 characters)
8     amount                                 ``EUR`` + 0.01..999999999.99 with a decimal
                                             point (``EUR12.34``), or empty
9     purpose code                           4 letters (ISO 20022 ``ExternalPurpose``), or empty
10    structured remittance (creditor ref.)  an ISO 11649 ``RF`` reference, max. 35 characters
11    unstructured remittance                max. 140 characters; only when line 10 is empty
12    beneficiary to originator information  max. 70 characters (shown to the payer)
====  =====================================  =========================================

Trailing empty elements are left out: the last populated element is not followed by a
separator. The whole payload is at most 331 bytes; the symbol uses error correction level M and
at most QR version 13, in byte mode without an ECI header (the character set is line 3).
A field may not contain a line break (it would shift every following line), so such text is
refused rather than silently re-flowed.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Literal

import attrs
import segno
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from paymatch.core.errors import InputError
from paymatch.rules import creditor_reference

MAX_PAYLOAD_BYTES = 331
MAX_QR_VERSION = 13
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
LIMITS = {"name": 70, "remittance_text": 140, "creditor_reference": 35, "information": 70}

# The BIC may be left out (version 002) only for payees inside the EEA: the EU, Iceland,
# Liechtenstein and Norway. SEPA countries outside it (CH, GB, MC, SM, ...) need the BIC.
EEA_COUNTRIES = frozenset(
    (
        "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
    ).split()
)
_PURPOSE = re.compile(r"^[A-Z]{4}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

Version = Literal["001", "002", "auto"]


class EpcQrError(InputError):
    """The transfer cannot be written as an EPC QR code (the reason names the element)."""


@attrs.frozen
class EpcTransfer:
    """What the payer's banking app should fill in."""

    name: str
    iban: str
    amount: Decimal | None = None
    """In euros; ``None`` leaves the amount to the payer."""
    bic: str | None = None
    creditor_reference: str | None = None
    """ISO 11649 ``RF`` reference for the structured field (line 10)."""
    remittance_text: str | None = None
    """Unstructured remittance information (line 11); only without ``creditor_reference``."""
    purpose: str | None = None
    information: str | None = None
    """Beneficiary-to-originator information (line 12), shown to the payer by some apps."""


def _text(value: str | None, element: str, limit: int) -> str:
    if value is None:
        return ""
    text = value.strip()
    if _CONTROL.search(text):
        raise EpcQrError(f"{element} contains a line break or control character", field=element)
    if len(text) > limit:
        raise EpcQrError(
            f"{element} has {len(text)} characters, at most {limit} are allowed", field=element
        )
    return text


def format_amount(amount: Decimal) -> str:
    """Line 8: ``EUR`` and the amount with a decimal point and two decimals (``EUR12.30``)."""
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise EpcQrError(f"amount {amount} is not a euro amount with cents", field="amount")
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise EpcQrError(
            f"amount {amount} is outside {MIN_AMOUNT}..{MAX_AMOUNT} EUR", field="amount"
        )
    return f"EUR{amount:.2f}"


def payload(transfer: EpcTransfer, *, version: Version = "auto") -> str:
    """The EPC069-12 text of ``transfer``; raises :class:`EpcQrError` for what breaks the rules.

    ``version="auto"`` writes ``001`` when the BIC is known (every reader accepts it) and
    ``002`` otherwise (BIC optional for payees inside the EEA).
    """
    try:
        iban = IBAN(transfer.iban)
    except SchwiftyException as error:
        raise EpcQrError(f"not a valid IBAN: {error}", field="iban") from None
    bic = ""
    if transfer.bic:
        try:
            bic = str(BIC("".join(transfer.bic.split())).compact)
        except SchwiftyException as error:
            raise EpcQrError(f"not a valid BIC: {error}", field="bic") from None
        if len(bic) not in (8, 11):  # pragma: no cover - schwifty already checks the length
            raise EpcQrError("a BIC has 8 or 11 characters", field="bic")
    chosen = ("001" if bic else "002") if version == "auto" else version
    if chosen not in ("001", "002"):
        raise EpcQrError(f"version {version!r} is not 001, 002 or auto", field="version")
    if not bic and chosen == "001":
        raise EpcQrError("version 001 needs the payee's BIC", field="bic")
    if not bic and iban.country_code not in EEA_COUNTRIES:
        raise EpcQrError(
            f"the payee's bank is outside the EEA ({iban.country_code}): the BIC is required",
            field="bic",
        )
    name = _text(transfer.name, "name", LIMITS["name"])
    if not name:
        raise EpcQrError("the payee's name is required", field="name")
    reference = ""
    if transfer.creditor_reference:
        reference = creditor_reference.compact(transfer.creditor_reference)
        if not creditor_reference.is_valid(reference):
            raise EpcQrError(
                f"{transfer.creditor_reference!r} is not a valid ISO 11649 creditor reference",
                field="creditor_reference",
            )
        _text(reference, "creditor_reference", LIMITS["creditor_reference"])
    text = _text(transfer.remittance_text, "remittance_text", LIMITS["remittance_text"])
    if reference and text:
        raise EpcQrError(
            "structured reference and remittance text exclude each other",
            field="remittance_text",
        )
    purpose = (transfer.purpose or "").strip().upper()
    if purpose and not _PURPOSE.match(purpose):
        raise EpcQrError(f"purpose {transfer.purpose!r} is not a 4-letter code", field="purpose")
    lines = [
        "BCD",
        chosen,
        "1",
        "SCT",
        bic,
        name,
        iban.compact,
        "" if transfer.amount is None else format_amount(transfer.amount),
        purpose,
        reference,
        text,
        _text(transfer.information, "information", LIMITS["information"]),
    ]
    while lines[-1] == "":
        lines.pop()
    data = "\n".join(lines)
    size = len(data.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise EpcQrError(f"the payload has {size} bytes, at most {MAX_PAYLOAD_BYTES} are allowed")
    return data


@attrs.frozen
class EpcQrCode:
    """An EPC QR code: its payload and the symbol, as PNG or SVG."""

    payload: str
    symbol: segno.QRCode

    def png(self, *, scale: int = 4, border: int = 4) -> bytes:
        """PNG image; ``scale`` pixels per module, ``border`` modules of quiet zone (min. 4)."""
        out = io.BytesIO()
        self.symbol.save(out, kind="png", scale=scale, border=max(border, 4))
        return out.getvalue()

    def svg(self, *, scale: int = 4, border: int = 4, title: str | None = None) -> str:
        """SVG image (no XML declaration, so it can be inlined into HTML)."""
        out = io.BytesIO()
        self.symbol.save(
            out,
            kind="svg",
            scale=scale,
            border=max(border, 4),
            xmldecl=False,
            nl=False,
            title=title,
        )
        return out.getvalue().decode("utf-8")


def make(transfer: EpcTransfer, *, version: Version = "auto") -> EpcQrCode:
    """The QR code of ``transfer``: level M, byte mode, no ECI, version at most 13."""
    data = payload(transfer, version=version)
    symbol = segno.make_qr(
        data.encode("utf-8"), error="m", boost_error=False, mode="byte", eci=False
    )
    # 331 bytes always fit version 13 at level M; checked anyway (the standard's limit).
    if not isinstance(symbol.version, int) or symbol.version > MAX_QR_VERSION:  # pragma: no cover
        raise EpcQrError(f"the symbol needs QR version {symbol.version}, at most 13 is allowed")
    return EpcQrCode(payload=data, symbol=symbol)


__all__ = [
    "EEA_COUNTRIES",
    "MAX_PAYLOAD_BYTES",
    "EpcQrCode",
    "EpcQrError",
    "EpcTransfer",
    "format_amount",
    "make",
    "payload",
]
