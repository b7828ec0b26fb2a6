"""One CAMT ``Ntry`` (a booking on the account) -> the fields of one or more postings.

The amount rule (docs/bank-statements.md, "CAMT"):

* an entry without transaction details, or with exactly one ``TxDtls``, is one posting with the
  entry amount: that is what was booked, whatever the details say (Bundesbank file 11 has an
  entry of 20000.00 whose only TxDtls says 250000.00);
* a batch (several ``TxDtls``) is one posting per ``TxDtls`` with the transaction's own amount in
  the account currency (``TxDtls/Amt``, else ``AmtDtls/TxAmt``, ``AmtDtls/CntrValAmt``,
  ``AmtDtls/AnncdPstngAmt``), signed by its own ``CdtDbtInd`` (else the entry's), provided these
  amounts add up to the entry amount;
* a batch whose details cannot be split that way (amounts missing, in another currency or not
  adding up, e.g. net of charges) stays one posting with the entry amount; its details are merged
  (all remittance lines, the first creditor reference, the other references in ``references``,
  and the counterparty only where every detail names the same one).

The sign is always the entry's ``CdtDbtInd`` as booked, also for reversals (``RvslInd``), which
only set ``reversal=True``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from paymatch.connectors.bank.camt_xml import (
    CamtValueError,
    Element,
    Flat,
    amount,
    boolean,
    child,
    date_at,
    find,
    find_all,
    first,
    index_entry,
    local_name,
    reference,
    sign,
    text,
    text_at,
    text_of,
)
from paymatch.core.errors import StatementWarning

_REFERENCE_NAMES = (
    "MsgId",
    "AcctSvcrRef",
    "PmtInfId",
    "InstrId",
    "TxId",
    "UETR",
    "ChqNb",
    "ClrSysRef",
    "AcctOwnrTxId",
    "AcctSvcrTxId",
    "MktInfrstrctrTxId",
    "PrcgId",
)
_REFERENCE_PATHS = tuple(("Refs/" + name, name) for name in _REFERENCE_NAMES)
_ACCOUNT_IDS = (("IBAN",), ("Othr", "Id"), ("BBAN",), ("UPIC",), ("PrtryAcct", "Id"))


@dataclass(slots=True)
class RecordContext:
    """What an entry needs from its statement/report/notification."""

    label: str
    account: str | None
    account_compact: str
    statement_id: str | None
    copy_duplicate: str | None
    fallback_date: date | None
    zone: tzinfo | None


@dataclass(slots=True)
class Entry:
    """An entry as the reader needs it: the signed booked amount and the postings' fields."""

    element: Element
    amount: Decimal  # signed, as booked
    currency: str
    status: str | None
    value_date: date
    postings: list[dict[str, Any]]

    @property
    def booked(self) -> bool:
        """Only booked entries are real bookings; an entry without a status counts as booked."""
        return self.status is None or self.status == "BOOK"


def read_entry(element: Element, context: RecordContext) -> Entry:
    flat, details = index_entry(element)
    batches = [*flat.get("Btch", ()), *flat.get("NtryDtls/Btch", ())]  # .001.01: on the entry

    booked = amount(first(flat, "Amt"))
    if booked is None:
        return _entry_without_amount(element, flat, details, context)
    value, currency = booked
    entry_sign = sign(first(flat, "CdtDbtInd"), required=True, context=element)
    assert entry_sign is not None
    facts = [_detail_facts(detail, index, currency) for detail, index in details]
    return _entry(
        element,
        flat,
        batches,
        facts,
        signed=value * entry_sign,
        currency=currency,
        context=context,
    )


def _entry_without_amount(
    element: Element,
    flat: Flat,
    details: list[tuple[Element, Flat]],
    context: RecordContext,
) -> Entry:
    """A trimmed entry without ``Amt``: the sum of its details, when each states its own."""
    currency = None
    for _detail, index in details:
        found = amount(first(index, "Amt")) or amount(first(index, "AmtDtls/TxAmt/Amt"))
        if found is not None:
            currency = found[1]
            break
    facts = []
    if currency is not None:
        facts = [_detail_facts(detail, index, currency) for detail, index in details]
    entry_sign = sign(first(flat, "CdtDbtInd"), required=False, context=element)
    if not facts or any(f["_amount"] is None or (f["_sign"] or entry_sign) is None for f in facts):
        raise CamtValueError("entry without an amount (Amt)", element)
    assert currency is not None
    signed = sum((f["_amount"] * (f["_sign"] or entry_sign) for f in facts), Decimal(0))
    warnings.warn(
        StatementWarning(
            f"{context.label}, line {element.sourceline}: entry without Amt; its amount is "
            f"the sum of its {len(facts)} transaction details ({signed} {currency})"
        ),
        stacklevel=2,
    )
    batches: list[Element] = []
    return _entry(
        element,
        flat,
        batches,
        facts,
        signed=signed,
        currency=currency,
        context=context,
        split_always=True,
    )


def _entry(
    element: Element,
    flat: Flat,
    batches: list[Element],
    facts: list[dict[str, Any]],
    *,
    signed: Decimal,
    currency: str,
    context: RecordContext,
    split_always: bool = False,
) -> Entry:
    reversal = boolean(first(flat, "RvslInd"))
    status = _status(flat)
    booking_date = date_at(flat, "BookgDt", context.zone)
    value_date = date_at(flat, "ValDt", context.zone)
    booking_date = booking_date or value_date or context.fallback_date
    if booking_date is None:
        raise CamtValueError(
            "entry without a booking date, value date or statement date to fall back on", element
        )

    entry_references: list[tuple[str, str]] = []
    _add(entry_references, "NtryRef", text_of(flat, "NtryRef"))
    code, alternative = _transaction_code(flat)
    if alternative:
        entry_references.append(alternative)

    for batch in batches:
        for name in ("MsgId", "PmtInfId"):
            _add(entry_references, f"Btch/{name}", reference(text_at(batch, name)))

    common = _present(
        account_iban=context.account,
        booking_date=booking_date,
        value_date=value_date,
        currency=currency,
        reversal=reversal,
        status=status,
        booking_text=text_of(flat, "AddtlNtryInf"),
        bank_reference=reference(text_of(flat, "AcctSvcrRef")),
        bank_transaction_code=code,
        statement_id=context.statement_id,
        copy_duplicate=context.copy_duplicate,
    )
    if len(facts) > 1 or split_always:
        split = _split(facts, signed)
        if split is not None:
            postings = []
            for fact, part in zip(facts, split, strict=True):
                postings.append(
                    _posting(
                        common, entry_references, fact, part, reversal=reversal, context=context
                    )
                )
            return Entry(element, signed, currency, status, value_date or booking_date, postings)
    fact = _merge(facts) if facts else {}
    if len(facts) <= 1:
        _entry_level_amounts(fact, flat)
    if len(facts) > 1:
        entry_references.append(("NbOfTxs", str(len(facts))))
    posting = _posting(common, entry_references, fact, signed, reversal=reversal, context=context)
    return Entry(element, signed, currency, status, value_date or booking_date, [posting])


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: an absent one is the posting's default (``None``)."""
    return {name: value for name, value in fields.items() if value is not None}


def _add(references: list[tuple[str, str]], name: str, value: str | None) -> None:
    if value is not None:
        references.append((name, value))


def _status(flat: Flat) -> str | None:
    """``<Sts>BOOK</Sts>`` (up to .001.06) or ``<Sts><Cd>BOOK</Cd></Sts>`` (.001.07 on)."""
    if "Sts" not in flat:
        return None
    value = text_of(flat, "Sts/Cd") or text_of(flat, "Sts/Prtry") or text_of(flat, "Sts")
    return value.upper() if value else None


def _looks_german(code: str) -> bool:
    # SWIFT transaction type (N + 3 letters) + '+' + 3-digit GVC, e.g. NTRF+166 or NMSC+201+...
    return len(code) >= 8 and code[4] == "+" and code[5:8].isdigit() and code[:4].isalpha()


# --- transaction details -----------------------------------------------------------------------


def _detail_facts(detail: Element, flat: Flat, currency: str) -> dict[str, Any]:
    """Everything a ``TxDtls`` says, as posting fields plus ``_``-prefixed amount candidates.

    ``flat`` is the detail's index from :func:`index_entry`: every field is a dictionary
    look-up by a constant path (this is the hot path of a million-entry import).
    """
    facts: dict[str, Any] = {"_element": detail}
    references: list[tuple[str, str]] = []

    if "Refs" in flat:
        facts["end_to_end_id"] = reference(text_of(flat, "Refs/EndToEndId"))
        facts["mandate_reference"] = reference(text_of(flat, "Refs/MndtId"))
        for path, name in _REFERENCE_PATHS:
            for item in flat.get(path, ()):
                _add(references, name, reference(text(item)))
        for proprietary in flat.get("Refs/Prtry", ()):
            kind = text_at(proprietary, "Tp") or "?"
            _add(references, f"Prtry/{kind}", reference(text_at(proprietary, "Ref")))

    # amounts: the candidates for a batch split, in the order of preference
    facts["_amount"] = None
    for path in _AMOUNT_PATHS:
        found = flat.get(path)
        if found:
            value = amount(found[0])
            if value is not None and value[1] == currency:
                facts["_amount"] = value[0]
                break
    facts["_sign"] = sign(first(flat, "CdtDbtInd"), required=False, context=detail)
    if "AmtDtls" in flat:
        _amount_details(facts, flat["AmtDtls"][0])
    facts["_charges"] = flat.get("Chrgs", [])

    code, alternative = _transaction_code(flat)
    if code:
        facts["bank_transaction_code"] = code
        if alternative:
            references.append(alternative)

    facts["_parties"] = _parties(flat)
    if "RltdAgts" in flat:
        _agents(references, flat)
    facts["creditor_id"] = _creditor_id(flat)
    if "RmtInf" in flat:
        _remittance(facts, references, flat)
    else:
        facts["remittance"] = ""
        facts["creditor_reference"] = None

    facts["purpose_code"] = text_of(flat, "Purp/Cd") or text_of(flat, "Purp/Prtry")
    if "RtrInf" in flat:
        facts["return_reason"] = text_of(flat, "RtrInf/Rsn/Cd") or text_of(flat, "RtrInf/Rsn/Prtry")
        for info in flat.get("RtrInf/AddtlInf", ()):
            _add(references, "RtrInf/AddtlInf", text(info))
    facts["additional_info"] = text_of(flat, "AddtlTxInf")
    _add(references, "RltdDts/AccptncDtTm", text_of(flat, "RltdDts/AccptncDtTm"))
    facts["references"] = references
    return facts


_AMOUNT_PATHS = (
    "Amt",
    "AmtDtls/TxAmt/Amt",
    "AmtDtls/CntrValAmt/Amt",
    "AmtDtls/AnncdPstngAmt/Amt",
)


def _transaction_code(flat: Flat) -> tuple[str | None, tuple[str, str] | None]:
    """The German DK code (``NTRF+166+9310+997``) where given, else ISO ``PMNT/RCDT/ESCT``.

    ``flat`` is the index of an entry or a detail. Returns the chosen code and the other one
    (as a reference pair) so that neither is lost.
    """
    iso = proprietary = None
    if "BkTxCd/Domn" in flat:
        parts = [
            text_of(flat, "BkTxCd/Domn/Cd"),
            text_of(flat, "BkTxCd/Domn/Fmly/Cd"),
            text_of(flat, "BkTxCd/Domn/Fmly/SubFmlyCd"),
        ]
        iso = "/".join(part for part in parts if part) or None
    issuer = ""
    if "BkTxCd/Prtry" in flat:
        proprietary = text_of(flat, "BkTxCd/Prtry/Cd")
        issuer = (text_of(flat, "BkTxCd/Prtry/Issr") or "").upper()
    german = proprietary is not None and (issuer in {"DK", "ZKA"} or _looks_german(proprietary))
    if german or iso is None:
        return proprietary, ("BkTxCd/Domn", iso) if iso else None
    return iso, ("BkTxCd/Prtry", proprietary) if proprietary else None


@dataclass(frozen=True, slots=True)
class _RolePaths:
    """Where a party's name, account and agent's BIC may sit in a detail, best first."""

    role: str
    party: str
    names: tuple[str, ...]
    account: str
    accounts: tuple[str, ...]
    agent: str
    bics: tuple[str, ...]
    ultimate: str
    ultimate_names: tuple[str, ...]

    @classmethod
    def of(cls, role: str) -> _RolePaths:
        party = "RltdPties/" + role
        account = party + "Acct"
        ultimate = "RltdPties/Ultmt" + role
        return cls(
            role=role,
            party=party,
            names=tuple(
                party + path for path in ("/Nm", "/Pty/Nm", "/Agt/FinInstnId/Nm", "/FinInstnId/Nm")
            ),
            account=account,
            accounts=tuple(
                account + path
                for path in ("/Id/IBAN", "/Id/Othr/Id", "/Id/BBAN", "/Id/UPIC", "/Id/PrtryAcct/Id")
            ),
            agent=f"RltdAgts/{role}Agt",
            bics=(
                f"RltdAgts/{role}Agt/FinInstnId/BICFI",
                f"RltdAgts/{role}Agt/FinInstnId/BIC",
                party + "/Agt/FinInstnId/BICFI",
            ),
            ultimate=ultimate,
            ultimate_names=(ultimate + "/Nm", ultimate + "/Pty/Nm"),
        )


_ROLES = (_RolePaths.of("Dbtr"), _RolePaths.of("Cdtr"))


def _first_text(flat: Flat, paths: tuple[str, ...]) -> str | None:
    """The first non-blank text on ``paths``, tried in order."""
    for path in paths:
        found = flat.get(path)
        if found:
            value = text(found[0])
            if value:
                return value
    return None


def _parties(flat: Flat) -> dict[str, Any]:
    """Debtor and creditor (name, account, BIC) and the ultimate parties' names.

    Each group of paths is only tried when its container is there: most details name only
    some of the roles, and this runs for every transaction.
    """
    found: dict[str, Any] = {}
    for paths in _ROLES:
        found[paths.role] = _Party(
            _first_text(flat, paths.names) if paths.party in flat else None,
            _first_text(flat, paths.accounts) if paths.account in flat else None,
            _first_text(flat, paths.bics) if paths.agent in flat or paths.party in flat else None,
        )
        found["Ultmt" + paths.role] = (
            _first_text(flat, paths.ultimate_names) if paths.ultimate in flat else None
        )
    return found


def _agents(references: list[tuple[str, str]], flat: Flat) -> None:
    """Every related agent's BIC (``RltdAgts/DbtrAgt``, ``IntrmyAgt1``, ...) as a reference."""
    for agent in flat["RltdAgts"][0]:
        base = "RltdAgts/" + local_name(agent.tag)
        bic = text_of(flat, base + "/FinInstnId/BICFI") or text_of(flat, base + "/FinInstnId/BIC")
        _add(references, base, bic)


_CREDITOR_ID_PATHS = tuple(
    base + kind + "/Othr"
    for base in ("RltdPties/Cdtr/Id/", "RltdPties/Cdtr/Pty/Id/")
    for kind in ("PrvtId", "OrgId")
)


def _creditor_id(flat: Flat) -> str | None:
    """The SEPA creditor identifier (Gläubiger-ID): ``Id/PrvtId/Othr`` with scheme ``SEPA``."""
    if "RltdPties/Cdtr" not in flat:
        return None
    for path in _CREDITOR_ID_PATHS:
        for other in flat.get(path, ()):
            scheme = text_at(other, "SchmeNm", "Prtry") or text_at(other, "SchmeNm", "Cd")
            if scheme is not None and scheme.upper() == "SEPA":
                return text_at(other, "Id")
    return None


def _remittance(facts: dict[str, Any], references: list[tuple[str, str]], flat: Flat) -> None:
    lines = [line for line in map(text, flat.get("RmtInf/Ustrd", ())) if line]
    facts["remittance"] = " ".join(lines)
    creditor_reference = None
    for item in flat.get("RmtInf/Strd/CdtrRefInf/Ref", ()):
        value = reference(text(item))
        if value is None:
            continue
        if creditor_reference is None:
            creditor_reference = value
        else:
            references.append(("CdtrRefInf", value))
    facts["creditor_reference"] = creditor_reference
    for item in flat.get("RmtInf/Strd/RfrdDocInf/Nb", ()):
        _add(references, "RfrdDocInf", text(item))
    for item in flat.get("RmtInf/Strd/AddtlRmtInf", ()):
        _add(references, "AddtlRmtInf", text(item))


def _amount_details(facts: dict[str, Any], details: Element | None) -> None:
    """Instructed amount and exchange rate from an ``AmtDtls`` block."""
    if details is None:
        return
    instructed = amount(find(details, "InstdAmt", "Amt"))
    if instructed is not None:
        facts["instructed_amount"], facts["instructed_currency"] = instructed
    for item in details:
        rate = text_at(item, "CcyXchg", "XchgRate")
        if rate is not None:
            try:
                value = Decimal(rate)
            except InvalidOperation:
                raise CamtValueError(
                    f"exchange rate {rate!r} is not a decimal number", find(item, "CcyXchg")
                ) from None
            if not value.is_finite() or value <= 0:
                raise CamtValueError(f"exchange rate {rate!r} is not positive", item)
            facts["exchange_rate"] = value
            break


def _entry_level_amounts(facts: dict[str, Any], flat: Flat) -> None:
    """Single-transaction entries: take amount details and charges from the entry if need be."""
    if "instructed_amount" not in facts and "exchange_rate" not in facts:
        _amount_details(facts, first(flat, "AmtDtls"))
    if not facts.get("_charges"):
        facts["_charges"] = list(flat.get("Chrgs", ()))


def _charges(records: list[Element], currency: str) -> Decimal | None:
    """Charges in the posting currency: a positive total is a cost to the account holder."""
    total: Decimal | None = None
    for charges in records:
        overall = amount(child(charges, "TtlChrgsAndTaxAmt"))
        if overall is not None:
            if overall[1] == currency:
                total = (total or Decimal(0)) + overall[0]
            continue
        items = list(find_all(charges, "Rcrd")) or [charges]  # .001.02: Chrgs holds Amt itself
        for item in items:
            found = amount(child(item, "Amt"))
            if found is None or found[1] != currency:
                continue
            direction = sign(child(item, "CdtDbtInd"), required=False, context=item)
            total = (total or Decimal(0)) + (-found[0] if direction == 1 else found[0])
    return total


# --- parties -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Party:
    name: str | None = None
    account: str | None = None
    bic: str | None = None

    @property
    def present(self) -> bool:
        return self.name is not None or self.account is not None


def account_id(account: Element | None) -> str | None:
    """``Id/IBAN``, else ``Id/Othr/Id`` (BBAN, proprietary), ``BBAN``, ``UPIC``, ``PrtryAcct``."""
    identification = child(account, "Id")
    for path in _ACCOUNT_IDS:
        value = text_at(identification, *path)
        if value:
            return value
    return None


def _counterparty(parties: dict[str, Any], sign_: int, reversal: bool, own: str) -> _Party | None:
    """On a credit the debtor, on a debit the creditor; never the account holder itself.

    A reversal carries the parties of the transaction it reverses, so its direction is flipped.
    Where the expected party is missing or is this account, the other party is taken.
    """
    credit = sign_ > 0
    if reversal:
        credit = not credit
    primary: _Party = parties["Dbtr" if credit else "Cdtr"]
    other: _Party = parties["Cdtr" if credit else "Dbtr"]

    def is_own(party: _Party) -> bool:
        return bool(own) and party.account is not None and _compact(party.account) == own

    if primary.present and not is_own(primary):
        return primary
    if other.present and not is_own(other):
        return other
    return None


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


# --- remittance --------------------------------------------------------------------------------


def _split(facts: list[dict[str, Any]], signed: Decimal) -> list[Decimal] | None:
    """The batch members' booked amounts, when they are all known and add up to the entry."""
    if any(fact["_amount"] is None for fact in facts):
        return None
    entry_sign = 1 if signed >= 0 else -1
    own_signs = [fact["_amount"] * (fact["_sign"] or entry_sign) for fact in facts]
    if sum(own_signs) == signed:
        return own_signs
    # details that all repeat the direction of the transaction a reversal undoes (not a batch
    # that mixes directions: its absolute amounts adding up would be a coincidence)
    if len({fact["_sign"] for fact in facts}) == 1:
        entry_signs = [fact["_amount"] * entry_sign for fact in facts]
        if sum(entry_signs) == signed:
            return entry_signs
    return None


_SCALARS = (
    "end_to_end_id",
    "mandate_reference",
    "purpose_code",
    "return_reason",
    "additional_info",
    "bank_transaction_code",
    "instructed_amount",
    "instructed_currency",
    "exchange_rate",
    "creditor_id",
)


def _merge(facts: list[dict[str, Any]]) -> dict[str, Any]:
    """The details of an entry that stays one posting, merged without inventing anything."""
    if len(facts) == 1:
        return dict(facts[0])
    merged: dict[str, Any] = {"_charges": [], "references": []}
    for name in _SCALARS:
        values = {fact.get(name) for fact in facts}
        if len(values) == 1:
            merged[name] = values.pop()
    if "instructed_amount" not in merged or "instructed_currency" not in merged:
        merged.pop("instructed_amount", None)
        merged.pop("instructed_currency", None)
    merged["remittance"] = " ".join(fact["remittance"] for fact in facts if fact["remittance"])
    references: list[tuple[str, str]] = merged["references"]
    for fact in facts:
        if fact.get("creditor_reference"):
            if merged.get("creditor_reference") is None:
                merged["creditor_reference"] = fact["creditor_reference"]
            else:
                references.append(("CdtrRefInf", fact["creditor_reference"]))
        for name, camt_name in (("end_to_end_id", "EndToEndId"), ("mandate_reference", "MndtId")):
            if name not in merged and fact.get(name):
                references.append((camt_name, fact[name]))
        references.extend(fact["references"])
    merged["_parties"] = _merge_parties([fact["_parties"] for fact in facts])
    return merged


def _merge_parties(all_parties: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for role in ("Dbtr", "Cdtr"):
        keys = {(p[role].name, p[role].account, p[role].bic) for p in all_parties}
        merged[role] = _Party(*keys.pop()) if len(keys) == 1 else _Party()
        names = {p[f"Ultmt{role}"] for p in all_parties}
        merged[f"Ultmt{role}"] = names.pop() if len(names) == 1 else None
    return merged


def _other_references(
    references: list[tuple[str, str]], bank_reference: str | None, bic: str | None
) -> tuple[tuple[str, str], ...]:
    """Each reference once, in file order, without those the posting's fields already say."""
    return tuple(
        dict.fromkeys(
            (kind, value)
            for kind, value in references
            if not (kind == "AcctSvcrRef" and value == bank_reference)
            and not (value == bic and kind.startswith("RltdAgts/"))
        )
    )


def _posting(
    common: dict[str, Any],
    entry_references: list[tuple[str, str]],
    facts: dict[str, Any],
    signed: Decimal,
    *,
    reversal: bool,
    context: RecordContext,
) -> dict[str, Any]:
    """The fields of one posting: the entry's, overlaid by its detail's; no ``None`` values."""
    posting = dict(common)
    posting["amount"] = signed
    references = list(entry_references)
    for name, value in facts.items():
        if value is not None and name[0] != "_" and name != "references":
            posting[name] = value
    references.extend(facts.get("references", ()))
    entry_code = common.get("bank_transaction_code")
    if facts.get("bank_transaction_code") not in {None, "", entry_code} and entry_code is not None:
        references.append(("Ntry/BkTxCd", entry_code))
    bank_reference = posting.get("bank_reference")
    if bank_reference is None:
        bank_reference = next((v for k, v in references if k == "AcctSvcrRef"), None)
        if bank_reference is not None:
            posting["bank_reference"] = bank_reference
    bic = None
    parties = facts.get("_parties")
    if parties is not None:
        party = _counterparty(parties, 1 if signed >= 0 else -1, reversal, context.account_compact)
        if party is not None:
            for name, value in (
                ("counterparty_name", party.name),
                ("counterparty_iban", party.account),
                ("counterparty_bic", party.bic),
            ):
                if value is not None:
                    posting[name] = value
            bic = party.bic
        for name, role in (("ultimate_debtor", "UltmtDbtr"), ("ultimate_creditor", "UltmtCdtr")):
            if parties[role] is not None:
                posting[name] = parties[role]
    posting["references"] = _other_references(references, bank_reference, bic)
    charges = _charges(facts.get("_charges", []), common["currency"])
    if charges is not None:
        posting["charges"] = charges
    return posting
