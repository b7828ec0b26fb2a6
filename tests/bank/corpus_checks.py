"""Expectation checks for the shared bank sample corpus (MT940/MT942 and CSV).

Used by tests/bank/test_corpus_mt940.py, tests/bank/test_corpus_csv.py and
bench/corpus_report.py, so the checks exist once. Each ``Case`` is one file with what its
source expects; ``run(case, root)`` returns an ``Outcome``:

* ``agreed``   - parsed, and every expectation the source gives holds (artefacts of the other
  parser excepted, each named in ``ARTEFACTS`` and in the comment where it is applied);
* ``rejected`` - refused with a StatementError, as the source intends;
* ``parsed``   - parsed; the source states no expectation for it;
* ``failed``   - anything else (the problems are listed).

Where sources disagree about a file, the decision and its reason are in ``DISAGREEMENTS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from paymatch.connectors.bank import bank_csv, mt940, read_statement
from paymatch.core.errors import StatementError

# Known artefacts of the other parsers, applied (and named) in the checks below.
ARTEFACTS = {
    "mt940-2095": "mt-940/pretix expand YY 95 to 2095; we use a window (80-99 -> 19xx)",
    "mt940-spaces": "mt-940 keeps spaces around SEPA tag values; we strip them",
    "mt940-applicant-name": "mt-940 5.x glues ?31 (account) before ?32/?33 (wolph issue #132)",
    "mt940-truncation": "mt-940 cuts :25: at 35 and references at 16 characters",
    "mt940-statement-86": "mt-940 attaches a statement-level :86: to the last transaction",
    "rs-sanitised": "mt940-rs expectations hold text after its sanitize() (umlauts transliterated)",
    "jejik-swallow": "jejik's DeutscheBank eref/kref/mref swallow the following SEPA tags",
    "pretix-reference": "pretix's reference is its own join of :86: text (and :61: reference)",
    "mt940-reversal-sign": "mt-940 books RC (reversal of a credit) as money in",
    "mt940-kref": "mt-940 overwrites customer_reference with KREF+ (None when absent)",
    "mt940-sepa-60": "mt-940 looks for SEPA tags in ?20-?29 only, not in ?60-?63",
    "mt940-purpose-none": "mt-940's purpose is None when SEPA tags but no SVWZ+ are present",
    "mt940-garbage": "mt-940 read a currency-less :62M: balance as currency '950'",
    "oca-sign": "OCA's Debit/Credit columns: a signed debit cell '-50,00' becomes +50 upstream",
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

    def eq(self, what: str, ours: Any, expected: Any) -> None:
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
        return Outcome("failed" if self.problems else "agreed", self.problems, self.artefacts)


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
    raw61 = (ours.customer_reference or "") + (
        f"//{ours.bank_reference}" if ours.bank_reference else ""
    )
    exp_cr = exp.get("customer_reference")
    structured = exp.get("transaction_code") is not None
    kref = ours.details.sepa.get("KREF") if ours.details else None
    if (
        structured
        and "customer_reference" in exp
        and exp_cr != ours.customer_reference
        and ((exp_cr is None and kref is None) or (kref and _norm(exp_cr).endswith(_norm(kref))))
    ):
        # mt-940's SEPA processor overwrites customer_reference with KREF+ (None without).
        c.artefacts.add("mt940-kref")
    elif (
        exp_cr is not None
        and exp_cr != ours.customer_reference
        and (raw61[:16].strip() == exp_cr.strip())
    ):
        c.artefacts.add("mt940-truncation")  # 16 characters, the rest goes elsewhere
    else:
        if "customer_reference" in exp:
            c.eq(f"{w}.customer_reference", ours.customer_reference, _opt(exp_cr))
        if "bank_reference" in exp:
            c.eq(f"{w}.bank_reference", ours.bank_reference, _opt(exp["bank_reference"]))
        if "extra_details" in exp:
            c.eq(f"{w}.extra_details", _norm(ours.supplementary), _norm(exp["extra_details"]))
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
                if has_60 and want and ours_purpose and ours_purpose.startswith(want[:40]):
                    c.artefacts.add("mt940-sepa-60")
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
        mt940.read(path)
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
        outcome.artefacts.add("fragment-or-damaged: strict reading rejects it; strict=False agrees")
    return outcome


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
        c.artefacts.add("damaged: a statement without closing balance; read with strict=False")
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
    if rel in MEANT_INVALID:
        return _rejected(
            lambda: read_statement(root / rel, format="mt940"), must_mention=MEANT_INVALID[rel]
        )
    try:
        read_statement(root / rel, format="mt940")
    except StatementError as error:
        if rel not in DAMAGED:
            return Outcome("failed", [f"rejected: {error}"])
        # A damaged file: refused by default (clear message), readable with strict=False.
        if DAMAGED[rel] not in str(error):
            return Outcome("failed", [f"rejected for another reason: {error}"])
        read_statement(root / rel, format="mt940", strict=False)
        return Outcome("parsed", artefacts={f"damaged: {DAMAGED[rel]}; read with strict=False"})
    return Outcome("parsed")


# Real files with a defect: refused by default with this in the message, read with strict=False.
DAMAGED = {
    "jejik-mt940/K4262927_20200905-080000-952.txt": ":65F:",  # OLB writes ":65F:Dnullnull..."
    "jejik-mt940/oldenburgischelandesbank2.txt": ":65F:",
    "jejik-mt940/inline_GermanBankTest_PCK_161_PC_Final_Test.sta": "closing balance",
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
