"""Expectation checks for the shared bank sample corpus (MT940/MT942 and CSV).

Used by tests/bank/test_corpus_mt940.py, tests/bank/test_corpus_csv.py and
bench/corpus_report.py, so the checks exist once. Each ``Case`` is one file with what its
source expects; ``run(case, root)`` returns an ``Outcome``:

* ``agreed`` - parsed, and every expectation the source gives holds (artefacts of the other
  parser excepted, each named in ``ARTEFACTS`` and in the rule that recognises it);
* ``agreed, with documented gaps`` - as agreed, except expectations paymatch knowingly does not
  meet, each named in ``GAPS`` with its reason;
* ``rejected`` - refused with a StatementError, as the source intends;
* ``read on purpose`` - the source expects an error, paymatch reads the file; the reason is in
  ``DISAGREEMENTS``;
* ``parsed`` - parsed; the source states no expectation for it;
* ``failed`` - anything else (the problems are listed).
"""

from __future__ import annotations

import json
import os
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from paymatch.connectors.bank import bank_csv, mt940, mt940_details, read_statement
from paymatch.core.errors import StatementError
from paymatch.core.models import Posting


def samples_root() -> Path:
    """The shared samples: ``$PAYMATCH_BANK_SAMPLES`` or ``../shared/bank-samples``."""
    default = Path(__file__).resolve().parents[3] / "shared" / "bank-samples"
    return Path(os.environ.get("PAYMATCH_BANK_SAMPLES", default))


# Known artefacts of the other parsers, applied (and named) in the checks below.
# Known artefacts of the other parsers, applied (and named) in the checks below: where an expected
# value is what the other parser makes of the file rather than what the file says.
ARTEFACTS = {
    "mt940-2095": "mt-940/pretix expand YY 95 to 2095; we use a window (80-99 -> 19xx)",
    "mt940-spaces": "mt-940 strips spaces around each ?-subfield and line before joining them",
    "mt940-applicant-name": "mt-940 5.x glues ?31 (account) before ?32/?33 (wolph issue #132)",
    "mt940-truncation": (
        "mt-940 cuts :25: at 35 characters and reads exactly 16 characters of :61: customer "
        "reference, a '//' inside included (the bank reference then lands in extra_details)"
    ),
    "mt940-statement-86": "mt-940 attaches a statement-level :86: to the last transaction",
    "mt940-reversal-sign": "mt-940 books RC (reversal of a credit) as money in",
    "mt940-kref": "mt-940 overwrites customer_reference with KREF+ (None when absent)",
    "mt940-sepa-60": "mt-940 looks for SEPA tags in ?20-?29 only, not in ?60-?63",
    "mt940-purpose-none": "mt-940's purpose is None when SEPA tags but no SVWZ+ are present",
    "mt940-garbage": "mt-940 read a currency-less :62M: balance as currency '950'",
    "rs-sanitised": (
        "mt940-rs expectations hold the text after its sanitize(): non-SWIFT characters "
        "transliterated or '.', :86: cut after 6 lines; compared after the same transformation"
    ),
    "rs-86-joined": "mt940-rs joins repeated :86: fields of one transaction without separator",
    "rs-86-before-61": "mt940-rs drops a statement-level :86: that stands before the first :61:",
    "jejik-swallow": "jejik's DeutscheBank eref/kref/mref/cred run on into the following SEPA tags",
    "jejik-61-not-read": (
        "jejik's Sparkasse and Deutsche Bank parsers assert null for the :61: transaction type "
        "(code) and the Sparkasse parser for the customer reference (ref) the file gives"
    ),
    "jejik-contra-account": (
        "jejik's German parsers (Deutsche Bank, LBBW, OLB, Volksbank, Sparkasse RC/RD) leave the "
        "contra account (or its name) empty although ?31/?32 name one"
    ),
    "jejik-account-number": (
        "jejik's Dutch parsers strip dots, leading zeros, the currency and a bank prefix from "
        ":25: and account numbers ('1291.99.348EUR' -> '129199348'); we keep :25: as written"
    ),
    "jejik-rabobank-number": "jejik's Rabobank parser takes the statement number from :20:/:60F:",
    "jejik-ing-dates": (
        "jejik's ING parser reads the :61: date as booking date and the value date from "
        "'transactiedatum' in the :86: text"
    ),
    "jejik-triodos-description": "jejik's Triodos parser drops the >20..>29 markers from :86:",
    "pretix-reference": "pretix's reference is its own join of :86: text (and :61: reference)",
    "oca-sign": "OCA's Debit/Credit columns: a signed debit cell '-50,00' becomes +50 upstream",
}

# Expectations we knowingly do not meet: the source reads something paymatch deliberately does not.
GAPS = {
    "nl-legacy-counterparty": (
        "jejik's bank classes read a counterparty from pre-SEPA Dutch/Swiss free text (ABN AMRO "
        "'GIRO 428428 NAME', ING/SNS leading account numbers, Knab 'REK:/NAAM:', PostFinance "
        "'AUFTRAGGEBER:', Triodos '>10', old Rabobank :61: name). paymatch keeps that text as "
        "remittance and raw :86: but does not guess a counterparty from bank-specific prose."
    ),
    "iban-checksum": (
        "an IBAN in :61: supplementary details is taken as the counterparty account only when "
        "its checksum holds; the sample's NL70ABNA0987654321 fails it (synthetic test data)"
    ),
}

DISAGREEMENTS = {
    "svenstaro-mt940-rs/mt940/full/jejik/knab_broken.sta": (
        "mt940-rs rejects the amount '500' without decimal comma; jejik and mt-940 parse the "
        "same line in knab.txt (with expectations). The amount is unambiguous: we accept it."
    ),
    "svenstaro-mt940-rs/mt940/special-cases/february_30.sta": (
        "mt940-rs rejects value date 30.02.; German banks value period-end interest on 30.02. "
        "(30/360). We read it as the last day of February, as mt-940 does (its expectation)."
    ),
    "svenstaro-mt940-rs/mt940/special-cases/incomplete_tag_61.sta": (
        "mt940-rs requires the :61: customer reference; the National-Bank sample (pretix, with "
        "expectations) omits it the same way. We accept a missing reference."
    ),
    "svenstaro-mt940-rs/mt940/special-cases/unknown_tag.sta": (
        "mt940-rs rejects ':12:11'; mt-940 (transaction_details_wrapped, same content) reads it "
        "as the wrapped time 13:12:11 inside :86:. We follow mt-940: inside free text an unknown "
        "two-digit tag is wrapped text."
    ),
    "svenstaro-mt940-rs/mt940/special-cases/invalid_utf8.sta": (
        "mt940-rs reads UTF-8 only; the file is cp852/cp850 Hungarian text (= wolph "
        "raiffeisen-cmi). We detect the code page and read it correctly."
    ),
    "svenstaro-mt940-rs/mt940/special-cases/overly_long_details.sta": (
        "mt940-rs enforces 65-character lines; mt-940 parses the same file with expectations. "
        "We accept long lines."
    ),
    "oca-bank-statement-import-mt940/base/test-wrong-file.940": (
        "OCA rejects it only because its header line is ':9401:' instead of ':940:'; the "
        "message itself is complete and valid. We read it."
    ),
}


@dataclass
class Outcome:
    status: str
    problems: list[str] = field(default_factory=list)
    artefacts: set[str] = field(default_factory=set)
    gaps: set[str] = field(default_factory=set)
    """Expectations paymatch knowingly does not meet (named in GAPS); the rest agreed."""
    notes: list[str] = field(default_factory=list)
    """How the file was read, where that needs saying (damaged files, deliberate choices)."""
    compared: int = 0
    """How many expected values were compared."""


@dataclass
class Case:
    source: str
    path: str
    check: Callable[[Path], Outcome]

    @property
    def id(self) -> str:
        return self.path


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _norm(text: Any) -> str:
    return " ".join(str(text).split()) if text is not None else ""


class Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.artefacts: set[str] = set()
        self.gaps: set[str] = set()
        self.notes: list[str] = []
        self.compared = 0

    def eq(self, what: str, ours: Any, expected: Any) -> None:
        self.compared += 1
        if ours != expected:
            self.problems.append(f"{what}: ours {ours!r} != expected {expected!r}")

    def eq_text(self, what: str, ours: str | None, expected: str | None) -> None:
        """Equal, or equal but for spaces that mt-940 strips from each subfield."""
        if (
            ours != expected
            and ours
            and expected
            and ours.replace(" ", "") == expected.replace(" ", "")
        ):
            self.artefacts.add("mt940-spaces")
            return
        self.eq(what, ours, expected)

    def outcome(self) -> Outcome:
        if self.problems:
            status = "failed"
        else:
            status = "agreed, with documented gaps" if self.gaps else "agreed"
        return Outcome(status, self.problems, self.artefacts, self.gaps, self.notes, self.compared)


def _rejected(call: Callable[[], Any], *, must_mention: str = "") -> Outcome:
    try:
        call()
    except StatementError as error:
        text = str(error)
        if must_mention and must_mention not in text:
            return Outcome("failed", [f"rejected, but the message lacks {must_mention!r}: {text}"])
        if ":" not in text:
            return Outcome("failed", [f"the error does not name the file: {text}"])
        return Outcome("rejected")
    return Outcome("failed", ["parsed, but the file is meant to be rejected"])


# ----------------------------------------------------------------------------------------------
# wolph-mt940 (mt-940's own regression snapshots)

_WOLPH_FRAGMENT_NOTE = "fragment without :20:/:25:/balances: strict reading rejects it"


def _wolph_year(c: Checker, what: str, ours: date | None, expected: str | None) -> None:
    if expected is None:
        c.eq(what, ours, None)
        return
    want = date.fromisoformat(expected)
    if ours is not None and ours.year < 2000 and want == ours.replace(year=ours.year + 100):
        c.artefacts.add("mt940-2095")
        return
    c.eq(what, ours, want)


def _wolph_balance(
    c: Checker, what: str, ours: mt940.Amount | None, expected: dict[str, Any]
) -> None:
    if ours is None:
        c.problems.append(f"{what}: missing")
        return
    raw = expected["amount"]
    if not str(
        (raw.get("currency") if isinstance(raw, dict) else expected.get("currency")) or "EUR"
    ).isalpha():
        c.artefacts.add("mt940-garbage")  # mt-940 read a currency-less :62M: as currency '950'
        return
    amount = expected["amount"]
    value = amount["amount"] if isinstance(amount, dict) else amount
    currency = amount["currency"] if isinstance(amount, dict) else expected.get("currency")
    c.eq(f"{what}.amount", ours.amount, _d(value))
    c.eq(f"{what}.currency", ours.currency, currency)
    _wolph_year(c, f"{what}.date", ours.date, expected.get("date"))


def _opt(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def _nospace(text: str | None) -> str:
    return "".join((text or "").split())


def _mt940_references(raw61: str, supplementary: str | None) -> tuple[str, str | None, str]:
    """How mt-940 splits the :61: references: exactly 16 characters of customer reference (a
    "//" inside included), a bank reference only where "//" follows them, the rest as
    extra_details."""
    customer, rest = raw61[:16], raw61[16:]
    bank = None
    if rest.startswith("//"):
        bank, rest = rest[2:18], rest[18:]
    return customer, bank, _norm(rest + (supplementary or ""))


def _wolph_references(
    c: Checker, w: str, ours: mt940.Mt940Transaction, exp: dict[str, Any]
) -> None:
    """The :61: references: where mt-940's 16-character split differs from the SWIFT layout
    (reference, "//", bank reference) its values are artefact mt940-truncation; on a structured
    :86: its SEPA processor replaces the reference with the KREF+ value (None without one),
    appended after a line break (artefact mt940-kref)."""
    raw61 = (ours.customer_reference or "") + (
        f"//{ours.bank_reference}" if ours.bank_reference else ""
    )
    mt_customer, mt_bank, mt_extra = _mt940_references(raw61, ours.supplementary)
    kref = ours.details.sepa.get("KREF") if ours.details else None
    if "customer_reference" in exp:
        want = exp["customer_reference"]
        if _opt(want) == ours.customer_reference:
            pass
        elif _opt(want) == _opt(mt_customer):
            c.artefacts.add("mt940-truncation")
        elif exp.get("transaction_code") is not None and (
            (want is None and kref is None)
            or (kref and _nospace(want) in {_nospace(mt_customer + kref), _nospace(raw61 + kref)})
            or (kref and _nospace(want) == _nospace(kref))
        ):
            c.artefacts.add("mt940-kref")
            if want and _nospace(want).startswith(_nospace(mt_customer)) and mt_customer != raw61:
                c.artefacts.add("mt940-truncation")
        else:
            c.eq(f"{w}.customer_reference", ours.customer_reference, _opt(want))
    for key, mine, theirs in (
        ("bank_reference", ours.bank_reference, mt_bank),
        ("extra_details", _norm(ours.supplementary) or None, mt_extra or None),
    ):
        if key not in exp:
            continue
        want = _opt(exp[key]) if key == "bank_reference" else (_norm(exp[key]) or None)
        if want == mine:
            continue
        if want == _opt(theirs):
            c.artefacts.add("mt940-truncation")
        else:
            c.eq(f"{w}.{key}", mine, want)


def _wolph_transaction(
    c: Checker, i: int, ours: mt940.Mt940Transaction, exp: dict[str, Any]
) -> None:
    w = f"transactions[{i}]"
    amount = exp["amount"]["amount"] if isinstance(exp["amount"], dict) else exp["amount"]
    if ours.mark in ("RC", "RD") and ours.amount == -_d(amount):
        c.artefacts.add("mt940-reversal-sign")  # mt-940 books RC as money in; SWIFT: out
    else:
        c.eq(f"{w}.amount", ours.amount, _d(amount))
    _wolph_year(c, f"{w}.date", ours.value_date, exp.get("date"))
    if "entry_date" in exp:
        _wolph_year(c, f"{w}.entry_date", ours.booking_date, exp["entry_date"])
    c.eq(f"{w}.status", ours.mark, exp.get("status"))
    if "funds_code" in exp:
        c.eq(f"{w}.funds_code", ours.funds_code, exp["funds_code"])
    if exp.get("id") is not None:
        c.eq(f"{w}.id", ours.transaction_type, exp["id"].strip())
    _wolph_references(c, w, ours, exp)
    d = ours.details
    if "transaction_code" in exp and exp["transaction_code"] is not None:
        if d is None:
            c.problems.append(f"{w}: no :86: details")
            return
        c.eq(f"{w}.transaction_code", d.gvc, exp["transaction_code"])
        c.eq(f"{w}.posting_text", d.posting_text, _opt(exp.get("posting_text")))
        c.eq(f"{w}.prima_nota", d.primanota, _opt(exp.get("prima_nota")))
        if "applicant_bin" in exp:
            c.eq(f"{w}.applicant_bin", d.counterparty_bank, _opt(exp["applicant_bin"]))
        if exp.get("applicant_iban") is not None:
            c.eq(f"{w}.applicant_iban", d.counterparty_account, exp["applicant_iban"].strip())
        if "applicant_name" in exp:
            want = _opt(exp["applicant_name"])
            glued = (d.subfields.get("31", "") + (d.counterparty_name or "")).strip()
            if want is not None and want != d.counterparty_name and want == glued:
                c.artefacts.add("mt940-applicant-name")
            else:
                c.eq_text(f"{w}.applicant_name", d.counterparty_name, want)
        if "return_debit_notes" in exp:
            c.eq(f"{w}.return_debit_notes", d.text_key_extension, _opt(exp["return_debit_notes"]))
        sepa_keys = {
            "end_to_end_reference": "EREF",
            "additional_position_reference": "MREF",
            "applicant_creditor_id": "CRED",
            "deviate_applicant": "ABWA",
            "deviate_recipient": "ABWE",
        }
        has_60 = any(k in d.subfields for k in ("60", "61", "62", "63"))
        for key, tag in sepa_keys.items():
            if key in exp:
                want = exp[key]
                got = d.sepa.get(tag)
                if want is not None and want != want.strip():
                    c.artefacts.add("mt940-spaces")
                if has_60 and got and (want is None or got.startswith(want.strip())):
                    # mt-940 looks for SEPA tags in ?20-?29 only; the purpose goes on in ?60-?63
                    c.artefacts.add("mt940-sepa-60")
                    continue
                c.eq(f"{w}.{key}", got, _opt(want))
        if "purpose" in exp:
            want = exp["purpose"]
            if want is None and d.sepa and "SVWZ" not in d.sepa:
                c.artefacts.add("mt940-purpose-none")  # tags but no SVWZ+: mt-940 says None
            else:
                ours_purpose = d.sepa.get("SVWZ") if "SVWZ" in d.sepa else _main_purpose(d)
                if want is not None and want != want.strip():
                    c.artefacts.add("mt940-spaces")
                # mt-940 reads SEPA tags in ?20-?29 only: its purpose stops where ?60 starts.
                sixty = "".join(d.subfields.get(k, "") for k in ("60", "61", "62", "63"))
                if (
                    has_60
                    and want
                    and ours_purpose
                    and _nospace(ours_purpose).startswith(_nospace(want))
                    and _nospace(sixty).startswith(_nospace(ours_purpose)[len(_nospace(want)) :])
                ):
                    c.artefacts.add("mt940-sepa-60")
                    if not ours_purpose.startswith(want):
                        c.artefacts.add("mt940-spaces")
                else:
                    c.eq_text(f"{w}.purpose", _opt(ours_purpose), _opt(want))
        if "additional_purpose" in exp:
            extra = "".join(d.subfields.get(k, "") for k in ("60", "61", "62", "63"))
            want = exp["additional_purpose"]
            if want and extra.replace(" ", "") == want.replace(" ", "") and extra != want:
                c.artefacts.add("mt940-spaces")  # mt-940 strips each subfield before joining
            elif want and extra != want and extra.startswith(want):
                c.artefacts.add("mt940-sepa-60")  # newer mt-940 keeps ?60 only
            else:
                c.eq(f"{w}.additional_purpose", _opt(extra), _opt(want))
    elif exp.get("transaction_details") is not None:
        want = _norm(exp["transaction_details"])
        if d is None or (want != _norm(d.raw) and want.startswith(_norm(d.raw))):
            c.artefacts.add("mt940-statement-86")
        else:
            c.eq(f"{w}.transaction_details", _norm(d.raw), want)


def _main_purpose(d: Any) -> str:
    return "".join(d.subfields.get(f"{n}", "") for n in range(20, 30))


def wolph_check(root: Path, rel: str) -> Outcome:
    path = root / rel
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    statement_exp = expected.get("statement", {})
    transactions_exp = expected.get("transactions", [])
    if rel.endswith("sepa_snippet_broken.sta"):
        # mt-940's snapshot records garbage (the :86: text as account); mt940-rs expects an
        # error. The file is damaged (":25:" where ":86:" belongs): we reject it.
        return _rejected(lambda: mt940.read(path), must_mention=":25:")
    if not statement_exp and not transactions_exp:
        # Nothing to read (e.g. invalid_statement.sta "1\n2\n..."): must be refused.
        return _rejected(lambda: mt940.read(path))
    strict_ok = True
    try:
        mt940.read(path, statuses=None)  # the whole file, MT942 pending items too
    except StatementError:
        strict_ok = False
    statements = mt940.parse(path, strict=strict_ok)
    c = Checker()
    complete = all(k in statement_exp for k in ("transaction_reference", "account_identification"))
    if (
        not strict_ok
        and complete
        and "final_closing_balance" in statement_exp
        and all(s.reference for s in statements)
    ):
        c.problems.append("strict reading rejected a complete statement")
    transactions = [t for s in statements for t in s.transactions]
    if "statement" in expected and statements:
        # mt-940 keeps one flat object: the later statement's values win.
        named = [s for s in statements if s.reference] or statements
        first = named[0]
        last = named[-1]
        if "transaction_reference" in statement_exp:
            refs = {s.reference for s in statements}
            if statement_exp["transaction_reference"] not in refs:
                c.eq(
                    "transaction_reference", last.reference, statement_exp["transaction_reference"]
                )
        if "account_identification" in statement_exp:
            want = statement_exp["account_identification"]
            ours = last.account or ""
            if ours != want and len(want) == 35 and ours.startswith(want):
                c.artefacts.add("mt940-truncation")
            else:
                c.eq("account_identification", ours, want)
        if "statement_number" in statement_exp:
            c.eq("statement_number", last.number, statement_exp["statement_number"])
        if "sequence_number" in statement_exp:
            c.eq("sequence_number", last.sequence, statement_exp["sequence_number"])
        for key, attr in (
            ("final_opening_balance", "opening"),
            ("final_closing_balance", "closing"),
            ("available_balance", "available"),
        ):
            if key in statement_exp:
                ours_balance = getattr(last, attr) or getattr(first, attr)
                if key == "final_opening_balance" and len(statements) == 1:
                    _wolph_balance(c, key, ours_balance, statement_exp[key])
                elif ours_balance is not None:
                    candidates = [getattr(s, attr) for s in statements if getattr(s, attr)]
                    want_amount = statement_exp[key]["amount"]
                    want_value = _d(
                        want_amount["amount"] if isinstance(want_amount, dict) else want_amount
                    )
                    if not any(b.amount == want_value for b in candidates):
                        _wolph_balance(c, key, ours_balance, statement_exp[key])
                else:
                    c.problems.append(f"{key}: missing")
    c.eq("transaction count", len(transactions), len(transactions_exp))
    for i, (ours, exp) in enumerate(zip(transactions, transactions_exp, strict=False)):
        _wolph_transaction(c, i, ours, exp)
    outcome = c.outcome()
    if not strict_ok and outcome.status == "agreed":
        outcome.notes.append(
            "a fragment or damaged file: strict reading rejects it, strict=False agrees"
        )
    return outcome


# ----------------------------------------------------------------------------------------------
# jejik-mt940: PHPUnit assertions (expected.assertions.json, expected.GermanBankTest.eref.json)
#
# Each assertion names a property of jejik's objects (statements[0].transactions[1].gvc, ...).
# ``_jejik_view`` says what paymatch reads for each of those properties, in jejik's shape; every
# assertion is compared with it. Where jejik's value is an artefact of its parsers (its bank
# classes disagree with each other or with the spec), the rule that recognises it is named in
# ARTEFACTS and applied in ``_jejik_compare``.


def _jejik_number(statement: mt940.Mt940Statement) -> str | None:
    if statement.number is None:
        return None
    return f"{statement.number}/{statement.sequence}" if statement.sequence else statement.number


def _jejik_balance(amount: mt940.Amount | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"date": amount.date, "currency": amount.currency, "amount": amount.amount}


def _jejik_transaction(t: mt940.Mt940Transaction, posting: Posting) -> dict[str, Any]:
    d = t.details
    sepa = d.sepa if d else {}
    contra = None
    if posting.counterparty_iban or posting.counterparty_name:
        contra = {"number": posting.counterparty_iban, "name": posting.counterparty_name}
    code = t.transaction_type
    return {
        "valueDate": t.value_date,
        "bookDate": t.entry_date,
        "amount": t.amount,
        "description": d.raw if d else None,
        "contraAccount": contra,
        # jejik's "code" is the transaction type without its first letter (NMSC -> MSC).
        "code": code[1:] if code and len(code) == 4 else code,
        "ref": t.customer_reference,
        "bankRef": t.bank_reference,
        "supplementaryDetails": t.supplementary,
        "gvc": d.gvc if d else None,
        "txText": d.posting_text if d else None,
        "primanota": d.primanota if d else None,
        "extCode": d.text_key_extension if d else None,
        "eref": sepa.get("EREF"),
        "kref": sepa.get("KREF"),
        "mref": sepa.get("MREF"),
        "cred": sepa.get("CRED"),
        "svwz": sepa.get("SVWZ"),
        "bic": d.counterparty_bank if d else None,
        "iban": d.counterparty_account if d else None,
        "accountHolder": d.counterparty_name if d else None,
    }


def _jejik_view(root: Path, rel: str) -> tuple[dict[str, Any], bool]:
    """jejik's objects as paymatch reads the file, and whether strict reading accepted it."""
    strict = rel not in DAMAGED
    statements = mt940.parse(root / rel, strict=strict)
    postings = iter(mt940.read(root / rel, strict=strict).postings)
    view = {
        "statements": [
            {
                "number": _jejik_number(s),
                "account": {"number": s.account} if s.account else None,
                "openingBalance": _jejik_balance(s.opening),
                "closingBalance": _jejik_balance(s.closing),
                "transactions": [_jejik_transaction(t, next(postings)) for t in s.transactions],
            }
            for s in statements
        ]
    }
    return view, strict


_JEJIK_STEP = re.compile(r"(\w+)(?:\[(\d+)\])?")


def _jejik_lookup(view: dict[str, Any], path: str) -> tuple[str, Any, dict[str, Any]]:
    """The property name, paymatch's value at a jejik assertion path, and the statement or
    transaction holding it (for rules that look at its other properties)."""
    path = path.replace("$balance.", "statements[0].openingBalance.")
    counted = path.startswith("count(")
    path = path.removeprefix("count(").removesuffix(")")
    value: Any = view
    holder: dict[str, Any] = {}
    name = ""
    for step in path.split("."):
        match = _JEJIK_STEP.fullmatch(step)
        assert match, step
        name = match[1]
        value = None if value is None else value.get(name)
        if match[2] is not None:
            index = int(match[2])
            value = value[index] if value is not None and index < len(value) else None
            holder = value if isinstance(value, dict) else {}
    if counted:
        return "count", (len(value) if value is not None else None), holder
    return name, value, holder


def _jejik_expected(name: str, expected: Any) -> Any:
    if expected == "<not null>" or expected is None:
        return expected
    if name in {"valueDate", "bookDate", "date"}:
        return date.fromisoformat(str(expected)[:10])
    if name == "amount":
        return _d(expected)
    if name == "description":
        return str(expected).replace("\r\n", "\n")
    if isinstance(expected, str) and not expected:
        return None  # jejik's Volksbank parser gives "" where others give null
    return expected


_DUTCH_ACCOUNT = re.compile(r"^(?:[A-Z]+/)?0*([0-9.]+?)(?:[A-Z]{3})?$")
_OTHER_TAG = re.compile(r"\s*(?:[A-Z]{4}\+)")


def _jejik_compare(
    c: Checker, path: str, name: str, ours: Any, want: Any, *, file: str, holder: dict[str, Any]
) -> None:
    c.compared += 1
    if want == "<not null>":
        if ours is None and name == "contraAccount" and file in JEJIK_NL_LEGACY:
            c.gaps.add("nl-legacy-counterparty")
        elif ours is None:
            c.problems.append(f"{path}: ours None, expected a value")
        return
    if ours == want:
        return
    if name == "description" and isinstance(ours, str) and isinstance(want, str):
        lines = [line.rstrip() for line in ours.strip().split("\n")]
        if lines == [line.rstrip() for line in want.strip().split("\n")]:
            return  # the same text; jejik trims the field
    if name in {"eref", "kref", "mref", "cred", "svwz"} and isinstance(want, str) and ours:
        rest = want[len(ours) :]
        if want.startswith(ours) and _OTHER_TAG.match(rest):
            c.artefacts.add("jejik-swallow")  # jejik runs on into the following SEPA tags
            return
    if want is None and (
        (name == "code" and file in JEJIK_NO_TYPE) or (name == "ref" and file in JEJIK_NO_REF)
    ):
        c.artefacts.add("jejik-61-not-read")
        return
    if name == "contraAccount" and want is None and ours is not None:
        c.artefacts.add("jejik-contra-account")
        return
    if name == "name" and want is None and ours is not None:
        c.artefacts.add("jejik-contra-account")
        return
    if name == "number" and path.endswith("account.number") and isinstance(ours, str):
        found = _DUTCH_ACCOUNT.match(ours.replace(".", ""))
        if found and found[1].lstrip("0") == str(want).lstrip("0"):
            c.artefacts.add("jejik-account-number")
            return
    if name == "number" and ".transactions" not in path and file.startswith("rabobank"):
        c.artefacts.add("jejik-rabobank-number")  # taken from :20:/:60F:, not from :28C:
        return
    if file.startswith("ing-") and name in {"valueDate", "bookDate"}:
        # jejik's ING parser: the :61: date is the booking date; the value date comes from
        # "transactiedatum" in the :86: text (none there: no value date).
        if name == "bookDate" and want == holder.get("valueDate"):
            c.artefacts.add("jejik-ing-dates")
            return
        description = str(holder.get("description") or "")
        if name == "valueDate" and (
            want is None
            or (
                want
                and want.strftime("%d-%m-%Y") in description
                and "transactiedatum" in description
            )
        ):
            c.artefacts.add("jejik-ing-dates")
            return
    if (
        name == "description"
        and file == "triodos.txt"
        and isinstance(ours, str)
        and re.sub(r"(\n?)>2\d", r"\1", ours) == want
    ):
        c.artefacts.add("jejik-triodos-description")  # jejik drops the >20..>29 markers
        return
    if file in JEJIK_NL_LEGACY and (
        name == "contraAccount" or (name in {"number", "name"} and ".contraAccount." in path)
    ):
        c.gaps.add("nl-legacy-counterparty")
        return
    if name == "number" and ".contraAccount." in path and file == "rabobank-iban.txt":
        c.gaps.add("iban-checksum")
        return
    c.problems.append(f"{path}: ours {ours!r} != expected {want!r}")


# Files whose :61: type (code) or customer reference (ref) jejik's Sparkasse and Deutsche Bank
# parsers do not read (they assert null).
JEJIK_NO_TYPE = {
    "sparkasse.txt",
    "sparkasse2.txt",
    "sparkasse3.txt",
    "sparkasse_interim_balance.txt",
    "deutschebank.txt",
    "bug-core-5401.txt",
}
JEJIK_NO_REF = {
    "sparkasse.txt",
    "sparkasse2.txt",
    "sparkasse3.txt",
    "sparkasse_interim_balance.txt",
}
# The Dutch and Swiss legacy layouts whose counterparty jejik reads from free text.
JEJIK_NL_LEGACY = {
    "abnamro.txt",
    "ing-dos.txt",
    "ing-unix.txt",
    "knab.txt",
    "postfinance.txt",
    "rabobank.txt",
    "sns.txt",
    "triodos.txt",
}


@cache
def _jejik_assertions(root: Path) -> dict[str, list[tuple[str, Any]]]:
    folder = root / "jejik-mt940"
    by_file: dict[str, list[tuple[str, Any]]] = {}
    for test in json.loads((folder / "expected.assertions.json").read_text(encoding="utf-8")):
        for fixture in test["fixtures"]:
            facts = by_file.setdefault(fixture, [])
            for method in test["tests"]:
                facts += [(fact["path"], fact["expected"]) for fact in method["facts"]]
    eref = json.loads((folder / "expected.GermanBankTest.eref.json").read_text(encoding="utf-8"))
    for case in eref["cases"]:
        # GermanBankTest: the EREF of the last transaction (jejik's mock keeps the last one).
        by_file.setdefault(case["file"], []).append(("$last.eref", case["expected_eref"]))
    return by_file


def jejik_check(root: Path, rel: str) -> Outcome:
    file = rel.removeprefix("jejik-mt940/")
    facts = _jejik_assertions(root).get(file)
    if not facts:
        return _parse_only(root, rel)
    view, strict = _jejik_view(root, rel)
    c = Checker()
    for path, expected in facts:
        if path == "$last.eref":
            transactions = [t for s in view["statements"] for t in s["transactions"]]
            holder = transactions[-1] if transactions else {}
            name, ours = "eref", holder.get("eref")
        else:
            name, ours, holder = _jejik_lookup(view, path)
        want = _jejik_expected(name, expected)
        _jejik_compare(c, path, name, ours, want, file=file, holder=holder)
    outcome = c.outcome()
    if not strict:
        outcome.notes.append(
            f"damaged ({DAMAGED[rel]}): refused by default, read with strict=False"
        )
    return outcome


# ----------------------------------------------------------------------------------------------
# svenstaro-mt940-rs: the sibling .json is mt940-rs's serde output for the file
#
# mt940-rs parses most of its fixtures only after its sanitize(): non-SWIFT characters
# transliterated (deunicode) or replaced by '.', :86: cut after 6 lines. Those expectations are
# compared with paymatch's text after the same transformation (ARTEFACTS "rs-sanitised").

RS_UNSANITISED = {
    "svenstaro-mt940-rs/mt940/full/danskebank/MT940_DK_Example.sta",
    "svenstaro-mt940-rs/mt940/full/danskebank/MT940_FI_Example.sta",
    "svenstaro-mt940-rs/mt940/full/danskebank/MT940_NO_Example.sta",
    "svenstaro-mt940-rs/mt940/full/danskebank/MT940_SE_Example.sta",
    "svenstaro-mt940-rs/mt940/full/cmxl/mt940_1.sta",
}
_SWIFT_CHARS = set(string.ascii_letters + string.digits + "/-?:().,\u2018+{} \n")
_SPECIAL_LATIN = {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe"}


def rs_sanitise(text: str) -> str:
    """mt940-rs's to_swift_charset: SWIFT characters stay, letters lose their accents, anything
    else becomes '.'; then its strip_excess_tag86_lines (6 lines at most)."""
    out = []
    for char in text:
        if char in _SWIFT_CHARS:
            out.append(char)
            continue
        plain = _SPECIAL_LATIN.get(char) or "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        out.append(plain if plain and all(part in _SWIFT_CHARS for part in plain) else ".")
    return "\n".join("".join(out).split("\n")[:6])


# mt940-rs names a reversal by its effect: RD (reversal of a debit) is its ReverseCredit.
_RS_MARKS = {"C": "Credit", "D": "Debit", "RC": "ReverseDebit", "RD": "ReverseCredit"}


def _rs_balance(amount: mt940.Amount | None, *, available: bool = False) -> dict[str, Any] | None:
    if amount is None:
        return None
    balance = {
        "debit_credit_indicator": "Debit" if amount.mark == "D" else "Credit",
        "date": amount.date.isoformat() if amount.date else None,
        "iso_currency_code": amount.currency,
        "amount": abs(amount.amount),
    }
    if not available:  # an available balance (:64:, :65:) is never intermediate
        balance["is_intermediate"] = amount.intermediate
    return balance


# mt940-rs's TransactionTypeIdentificationCode: the SWIFT codes; anything else is NonStandard.
_RS_TYPES = (
    "BNK BOE BRF CAR CAS CHG CHK CLR CMI CMN CMP CMS CMT CMZ COL COM CPN DCR DDT DIS DIV EQA "
    "EXT FEX INT LBX LDP MAR MAT MGT MSC NWI ODC OPT PCH POP PRN REC RED RIG RTI SAL SEC SLE "
    "STO STP SUB SWP TAX TCK TCM TRA TRF TRN UWC VDA WAR "
)
RS_TYPE_CODES = frozenset(_RS_TYPES.split())


def _rs_type(code: str | None) -> Any:
    """mt940-rs keeps the three characters after the type's first letter (N, F or S)."""
    if not code:
        return None
    rest = code[1:]
    return rest if rest in RS_TYPE_CODES else {"NonStandard": rest}


def _rs_details(d: Any) -> dict[str, Any]:
    """The German :86: structure in mt940-rs's names (subfields joined as they stand)."""
    sub = d.subfields
    fields = {
        "transaction_code": d.gvc,
        "posting_text": sub.get("00"),
        "prima_nota": sub.get("10"),
        "purpose": "".join(sub.get(f"{n}", "") for n in range(20, 30)) or None,
        "applicant_bin": sub.get("30"),
        "applicant_iban": sub.get("31"),
        "applicant_name": (sub.get("32", "") + sub.get("33", "")) or None,
        "return_debit_notes": sub.get("34"),
        "additional_purpose": "".join(sub.get(f"{n}", "") for n in range(60, 64)) or None,
        "unknown38": sub.get("38"),
        "unknown70": "".join(sub.get(f"{n}", "") for n in range(70, 80)) or None,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _rs_line(t: mt940.Mt940Transaction) -> dict[str, Any]:
    return {
        "value_date": t.value_date.isoformat(),
        "entry_date": t.entry_date.isoformat() if t.entry_date else None,
        "ext_debit_credit_indicator": _RS_MARKS[t.mark],
        "funds_code": t.funds_code,
        "amount": abs(t.amount),
        "transaction_type_ident_code": _rs_type(t.transaction_type),
        "customer_ref": t.customer_reference,
        "bank_ref": t.bank_reference,
        "supplementary_details": t.supplementary,
        "information_to_account_owner": t.details,
    }


def _rs_message(s: mt940.Mt940Statement) -> dict[str, Any]:
    return {
        "transaction_ref_no": s.reference,
        "ref_to_related_msg": s.related_reference,
        "account_id": s.account,
        "statement_no": s.number,
        "sequence_no": s.sequence,
        "opening_balance": _rs_balance(s.opening),
        "statement_lines": [_rs_line(t) for t in s.transactions],
        "closing_balance": _rs_balance(s.closing),
        "closing_available_balance": _rs_balance(s.available, available=True),
        "forward_available_balance": _rs_balance(
            s.forward_available[0] if s.forward_available else None, available=True
        ),
        "information_to_account_owner": s.information,
    }


def _rs_compare(c: Checker, where: str, ours: Any, want: Any, sanitised: bool) -> None:
    key = where.rsplit(".", 1)[-1]
    if key == "information_to_account_owner" and isinstance(ours, mt940_details.Details):
        if isinstance(want, dict):
            # mt940-rs parses the German structure of the sanitised text (at most 6 lines).
            text = rs_sanitise(ours.raw) if sanitised else ours.raw
            if text != ours.raw:
                c.artefacts.add("rs-sanitised")
            ours = _rs_details(mt940_details.parse_details(text.split("\n")))
        else:
            ours = ours.raw
    if isinstance(want, dict) and isinstance(ours, dict):
        for name in sorted(set(want) | set(ours)):
            _rs_compare(c, f"{where}.{name}", ours.get(name), want.get(name), sanitised)
        return
    if isinstance(want, list) and isinstance(ours, list):
        c.eq(f"{where} count", len(ours), len(want))
        for i, (mine, theirs) in enumerate(zip(ours, want, strict=False)):
            _rs_compare(c, f"{where}[{i}]", mine, theirs, sanitised)
        return
    c.compared += 1
    if isinstance(ours, Decimal) and isinstance(want, str):
        want = _d(want)
    if isinstance(ours, str) and isinstance(want, str):
        # mt940-rs trims every field value; a reference keeps its padding to 16 characters.
        ours, want = ours.strip(), want.strip()
        if sanitised and ours != want:
            sanitised_ours = rs_sanitise(ours)
            if sanitised_ours == want or "".join(sanitised_ours.split()) == "".join(want.split()):
                c.artefacts.add("rs-sanitised")
                ours = want
        if ours != want and "".join(ours.split()) == "".join(want.split()) and "\n" in ours:
            c.artefacts.add("rs-86-joined")  # repeated :86: fields joined without separator
            return
    if ours == want:
        return
    if key == "information_to_account_owner" and want is None and where.count(".") == 1:
        c.artefacts.add("rs-86-before-61")  # a :86: before the first :61: is dropped
        return
    c.problems.append(f"{where}: ours {ours!r} != expected {want!r}")


def rs_check(root: Path, rel: str) -> Outcome:
    if rel in MEANT_INVALID:
        return _rejected(lambda: mt940.read(root / rel), must_mention=MEANT_INVALID[rel])
    expected_path = (root / rel).with_suffix(".json")
    if not expected_path.exists():
        return _parse_only(root, rel)
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    statements = mt940.parse(root / rel)
    c = Checker()
    _rs_compare(
        c, "messages", [_rs_message(s) for s in statements], expected, rel not in RS_UNSANITISED
    )
    return c.outcome()


# ----------------------------------------------------------------------------------------------
# The other sources: files meant to be invalid must be refused; pretix amounts/dates; counts.

MEANT_INVALID = {
    "svenstaro-mt940-rs/mt940/full/betterplace/sepa_snippet_broken.sta": ":25:",
    "svenstaro-mt940-rs/mt940/special-cases/invalid_statement.sta": "",
    "svenstaro-mt940-rs/mt940/special-cases/unexpected_tag.sta": ":25:",
    "bundesbank-samples-via-php-financial-formats/MT/MT/invalid.mt940": "",
    "svenstaro-mt940-rs/mt942/full/cmxl/mt942_1.sta": "",  # an empty file
}


def _pretix_mt940(root: Path, rel: str) -> Outcome:
    expected = json.loads((root / "pretix-banktransfer/expected.json").read_text(encoding="utf-8"))
    section = next(v for k, v in expected.items() if k.startswith("mt940"))
    rows = section[Path(rel).name]["expected"]
    statement = read_statement(root / rel)
    c = Checker()
    c.eq("postings", len(statement.postings), len(rows))
    for i, (posting, row) in enumerate(zip(statement.postings, rows, strict=False)):
        c.eq(f"[{i}].amount", posting.amount, _d(row["amount"]))
        want = date.fromisoformat(row["date"])
        # pretix's date is the :61: value date (our value_date); 95 -> 2095 is its artefact.
        if (
            posting.value_date
            and posting.value_date.replace(year=posting.value_date.year + 100) == want
        ):
            c.artefacts.add("mt940-2095")
        else:
            c.eq(f"[{i}].date", posting.value_date, want)
        if "payer" in row:
            c.eq_text(f"[{i}].payer", posting.counterparty_name, row["payer"])
        if "iban" in row:
            c.eq(f"[{i}].iban", posting.counterparty_iban, row["iban"])
        if "reference" in row:
            c.artefacts.add("pretix-reference")
    return c.outcome()


def _oca_mt940(root: Path, rel: str) -> Outcome:
    expected = json.loads(
        (root / "oca-bank-statement-import-mt940/expected.json").read_text(encoding="utf-8")
    )
    facts = expected.get(rel.removeprefix("oca-bank-statement-import-mt940/"), {})
    try:
        statements = mt940.parse(root / rel)
        strict_ok = True
    except StatementError:
        statements = mt940.parse(root / rel, strict=False)
        strict_ok = False
    c = Checker()
    if not strict_ok:
        c.notes.append("a statement without closing balance: read with strict=False")
    if "start_balance" in facts:
        c.eq(
            "start_balance",
            statements[0].opening.amount if statements[0].opening else None,
            _d(facts["start_balance"]),
        )
        c.eq(
            "end_balance",
            statements[-1].closing.amount if statements[-1].closing else None,
            _d(facts["end_balance"]),
        )
    if "transactions" in facts:
        c.eq("transactions", sum(len(s.transactions) for s in statements), facts["transactions"])
        total = sum(t.amount for s in statements for t in s.transactions)
        c.eq("balance_end_real", total, _d(facts["balance_end_real"]))
    if rel.endswith("base/test-sns.940"):
        c.eq("statements", len(statements), 3)
    if rel.endswith("base/test-rabo.swi"):
        c.eq("statements with transactions", sum(1 for s in statements if s.transactions), 2)
    if rel.endswith("base/test-ing.940"):
        c.eq(
            "dates", {t.value_date for s in statements for t in s.transactions}, {date(2014, 2, 20)}
        )
    for want in facts.get("transactions_contain", []):
        posting_found = any(
            p.amount.copy_abs() == _d(want["amount"])
            and p.value_date == date.fromisoformat(want["value_date"])
            and p.counterparty_iban == want["remote_account"]
            for p in mt940.read(root / rel, strict=strict_ok).postings
        )
        if not posting_found:
            c.problems.append(f"no posting like {want}")
    return c.outcome()


def _parse_only(root: Path, rel: str) -> Outcome:
    if rel in DISAGREEMENTS:
        # The source expects an error; we read the file on purpose (reason in DISAGREEMENTS).
        read_statement(root / rel, format="mt940", statuses=None)
        return Outcome("read on purpose", notes=[DISAGREEMENTS[rel]])
    if rel in MEANT_INVALID:
        return _rejected(
            lambda: read_statement(root / rel, format="mt940"), must_mention=MEANT_INVALID[rel]
        )
    try:
        # Every posting, MT942 pending items too (they are left out by default).
        read_statement(root / rel, format="mt940", statuses=None)
    except StatementError as error:
        if rel not in DAMAGED:
            return Outcome("failed", [f"rejected: {error}"])
        # A damaged file: refused by default (clear message), readable with strict=False.
        if DAMAGED[rel] not in str(error):
            return Outcome("failed", [f"rejected for another reason: {error}"])
        read_statement(root / rel, format="mt940", strict=False, statuses=None)
        return Outcome(
            "parsed",
            notes=[f"damaged ({DAMAGED[rel]}): refused by default, read with strict=False"],
        )
    return Outcome("parsed")


def _damaged_note(rel: str) -> str:
    return f"damaged ({DAMAGED[rel]}): refused by default, read with strict=False"


# Real files with a defect: refused by default with this in the message, read with strict=False.
DAMAGED = {
    "jejik-mt940/K4262927_20200905-080000-952.txt": ":65F:",  # OLB writes ":65F:Dnullnull..."
    "jejik-mt940/oldenburgischelandesbank2.txt": ":65F:",
    "jejik-mt940/inline_GermanBankTest_PCK_161_PC_Final_Test.sta": "closing balance",
    # ":34F:EUR0,00DFLOORLIMITIND": text after the amount breaks 3!a[1!a]15d; the floor limit
    # is information about the report (no posting depends on it), strict=False keeps EUR0,00.
    "bundesbank-samples-via-php-financial-formats/MT/MT/example.mt942": ":34F:",
}


def mt940_cases(root: Path) -> list[Case]:
    cases: list[Case] = []
    patterns = ("*.sta", "*.txt", "*.940", "*.swi", "*.mt94*")
    files = sorted({p for pattern in patterns for p in root.glob(f"*/**/{pattern}")})
    for path in files:
        rel = str(path.relative_to(root))
        source = rel.split("/", maxsplit=1)[0]
        if (
            source
            not in {
                "wolph-mt940",
                "svenstaro-mt940-rs",
                "jejik-mt940",
                "oca-bank-statement-import-mt940",
                "pretix-banktransfer",
                "bundesbank-samples-via-php-financial-formats",
            }
            or "LICEN" in path.name
        ):
            continue
        if source == "wolph-mt940" and path.with_suffix(".expected.json").exists():
            check = wolph_check
        elif source == "pretix-banktransfer":
            check = _pretix_mt940
        elif source == "oca-bank-statement-import-mt940":
            check = _oca_mt940
        elif source == "jejik-mt940":
            check = jejik_check
        elif source == "svenstaro-mt940-rs":
            check = rs_check
        else:
            check = _parse_only
        cases.append(Case(source, rel, lambda r, rel=rel, check=check: check(r, rel)))
    return cases


# ----------------------------------------------------------------------------------------------
# CSV

OCA_PROFILE = {
    "name": "oca_default",
    "delimiter": ",",
    "decimal": ".",
    "thousands": ",",
    "date_format": "%m/%d/%Y",
    "currency": "USD",
    "columns": {
        "booking_date": "Date",
        "amount": "Amount",
        "remittance": "Label",
        "counterparty_name": "Partner Name",
        "counterparty_iban": "Bank Account",
    },
}


def _oca_profile(name: str) -> dict[str, Any] | None:
    profile = json.loads(json.dumps(OCA_PROFILE))
    columns = profile["columns"]
    if name == "empty_statement_en.csv":
        return profile
    if name == "debit_credit.csv":
        profile["sign"] = "indicator"
        columns["indicator"] = "D/C"
    elif name == "debit_credit_amount.csv":
        profile["sign"] = "debit_credit"
        del columns["amount"]
        columns.update(debit="Debit", credit="Credit")
    elif name == "meta_data_separated_credit_debit.csv":
        profile.update(
            sign="debit_credit",
            decimal=",",
            thousands="",
            date_format="%m/%d/%y",
            skip_rows=4,
            footer_rows=1,
            currency="EUR",
        )
        profile["columns"] = {
            "booking_date": "Date",
            "debit": "Debit",
            "credit": "Credit",
            "remittance": "Label",
            "bank_reference": "Operation Number",
        }
    elif name == "sample_statement_credit_card_inverse_sign_en.csv":
        profile["sign"] = "inverted"
    elif name == "original_currency_no_header.csv":
        profile.update(header=False, skip_rows=0)
        profile["columns"] = {
            "booking_date": 0,
            "remittance": (1, 7),
            "amount": 3,
            "counterparty_name": 5,
            "counterparty_iban": 6,
            "instructed_amount": 4,
            "instructed_currency": 2,
        }
    if name in {
        "original_currency.csv",
        "original_currency_empty.csv",
        "sample_statement_en.csv",
        "sample_statement_credit_card_inverse_sign_en.csv",
    }:
        columns.update(instructed_amount="Amount Currency", instructed_currency="Currency")
    return profile


def _oca_csv(root: Path, rel: str) -> Outcome:
    expected = json.loads(
        (root / "oca-bank-statement-import-sheet-csv/expected.json").read_text(encoding="utf-8")
    )
    name = Path(rel).name
    facts = expected["files"].get(name, {})
    profile = bank_csv.load_profile(_oca_profile(name) or {})
    if "UserError" in str(facts.get("expected", "")):
        return _rejected(lambda: read_statement(root / rel, profile=profile))
    statement = read_statement(root / rel, profile=profile)
    c = Checker()
    postings = statement.postings
    if name == "multi_currency.csv":
        # OCA skips the EUR row in a USD journal; we keep every row (a filter is the caller's).
        postings = tuple(p for p in postings if p.remittance != "Your payment")
    if "lines" in facts:
        c.eq("lines", len(postings), facts["lines"])
    if name == "debit_credit_amount.csv":
        c.artefacts.add("oca-sign")  # OCA nets signed cells of both columns its own way
    elif "balance_start" in facts:
        total = sum(p.amount for p in postings)
        c.eq("movement", total, _d(facts["balance_end_real"]) - _d(facts["balance_start"]))
    if name == "meta_data_separated_credit_debit.csv":
        c.artefacts.add("oca-sign")
        c.eq("LABEL 1", postings[0].amount, _d("-50.00"))
        c.eq("LABEL 4", postings[3].amount, _d("1300.00"))
    if name == "sample_statement_credit_card_inverse_sign_en.csv":
        c.eq("LABEL 1", postings[0].amount, _d("-33.50"))
        c.eq("LABEL 2", postings[1].amount, _d("1525.00"))
    if name == "original_currency_no_header.csv":
        c.eq("payment_ref", postings[0].remittance, "Your payment INV0001")
        c.eq(
            "instructed",
            (postings[0].instructed_amount, postings[0].instructed_currency),
            (_d("1000.00"), "EUR"),
        )
    return c.outcome()


def _pretix_csv(root: Path, rel: str) -> Outcome:
    expected = json.loads((root / "pretix-banktransfer/expected.json").read_text(encoding="utf-8"))
    section = next(v for k, v in expected.items() if k.startswith("csv"))
    facts = section.get(Path(rel).name, {})
    statement = read_statement(root / rel)
    c = Checker()
    rows = facts.get("parsed")
    if not rows:
        return Outcome("parsed")
    c.eq("postings", len(statement.postings), len(rows))
    for i, (posting, row) in enumerate(zip(statement.postings, rows, strict=False)):
        amount = bank_csv.parse_number(row["amount"], ",", ".")
        # pretix shows the raw cell; the sign of BBBank rows is in the S/H column.
        c.eq(f"[{i}].amount", posting.amount.copy_abs(), amount.copy_abs() if amount else None)
        when = bank_csv.parse_date(row["date"], ("%d.%m.%Y", "%d.%m.%y"), None)
        if when not in (posting.booking_date, posting.value_date):
            c.eq(f"[{i}].date", posting.booking_date, when)
        c.eq(f"[{i}].payer", _norm(posting.counterparty_name), _norm(row["payer"].split("\n")[0]))
        reference = _norm(row["reference"]).replace("SVWZ+", "")
        if _norm(posting.remittance) != reference:
            c.artefacts.add("pretix-reference")
            if _norm(posting.remittance).replace(" ", "") not in reference.replace(" ", ""):
                c.problems.append(f"[{i}].reference {posting.remittance!r} not in {reference!r}")
    return c.outcome()


def csv_cases(root: Path) -> list[Case]:
    cases = []
    for path in sorted(root.glob("*/*.csv")):
        rel = str(path.relative_to(root))
        source = rel.split("/", maxsplit=1)[0]
        if source == "pretix-banktransfer":
            check = _pretix_csv
        elif source == "oca-bank-statement-import-sheet-csv":
            check = _oca_csv
        else:
            continue
        cases.append(Case(source, rel, lambda r, rel=rel, check=check: check(r, rel)))
    return cases


def run(case: Case, root: Path) -> Outcome:
    try:
        return case.check(root)
    except StatementError as error:
        return Outcome("failed", [f"StatementError: {error}"])
