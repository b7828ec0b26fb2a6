"""Numbers as shops issue them and as payers write them back.

Shops: Shopware order numbers with the shop's prefix (``SW10023``), WooCommerce post ids shown as
``#4711``, invoice numbers ``RE-2026-00123``, customer numbers. Payers copy them with formatting
variants (``SW 10023``, ``Auftrag 10 023``, ``re-2026-123``), slips (``1OO23`` with the letter O,
``l0023``) and real digit errors (one swapped, dropped or doubled digit).

Every written reference carries the *key* a careful person reads from it: ``N:10023`` for a plain
number (order or customer number alike: ``10023`` alone does not say which), ``RE:2026:123`` for
an invoice number, ``C:4711`` for a number the payer labelled as customer number. A digit error
yields the key of the number that was actually written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Kinds of written reference, in order of how hard they are to read.
EXACT = "exact"  # as the shop wrote it
FORMAT = "format"  # another spelling of the same number (prefix, spaces, case, zeros)
SLIP = "slip"  # letter O for zero, l or I for one: still the same number to a reader
NEAR = "near"  # one digit swapped, dropped or doubled: a different number


@dataclass(frozen=True, slots=True)
class Written:
    text: str
    kind: str
    key: str


def number_key(digits: str) -> str:
    return f"N:{int(digits)}" if digits.strip("0") else "N:0"


def invoice_key(year: int, sequence: int) -> str:
    return f"RE:{year}:{sequence}"


def customer_key(digits: str) -> str:
    return f"C:{int(digits)}"


def shopware_number(sequence: int) -> str:
    return f"SW{sequence}"


def invoice_number(year: int, sequence: int) -> str:
    return f"RE-{year}-{sequence:05d}"


# --- digit errors ---------------------------------------------------------------------------


def digit_error(digits: str, rng: random.Random) -> str:
    """One real typing error: two neighbouring digits swapped, one dropped, or one doubled.

    The result always differs from ``digits`` (a swap of equal digits is no error).
    """
    swaps = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    choice = rng.random()
    if choice < 0.45 and swaps:
        i = rng.choice(swaps)
        return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    if choice < 0.75 and len(digits) > 2:
        i = rng.randrange(len(digits))
        dropped = digits[:i] + digits[i + 1 :]
        if dropped != digits:
            return dropped
    i = rng.randrange(len(digits))
    return digits[: i + 1] + digits[i] + digits[i + 1 :]


def slip(digits: str, rng: random.Random) -> str | None:
    """Replace one 0 with the letter O or one 1 with l or I; None if the number has neither."""
    spots = [i for i, ch in enumerate(digits) if ch in "01"]
    if not spots:
        return None
    i = rng.choice(spots)
    letter = "O" if digits[i] == "0" else rng.choice("lI")
    return digits[:i] + letter + digits[i + 1 :]


def group_thousands(digits: str) -> str:
    """``10023`` → ``10 023``: how people copy numbers they read in groups."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return " ".join(groups)


# --- writing references back -----------------------------------------------------------------


def _pick(rng: random.Random, kinds_rates: tuple[float, float, float]) -> str:
    variant, slip_rate, error_rate = kinds_rates
    roll = rng.random()
    if roll < error_rate:
        return NEAR
    if roll < error_rate + slip_rate:
        return SLIP
    if roll < error_rate + slip_rate + variant:
        return FORMAT
    return EXACT


def write_plain_number(
    digits: str, prefix: str, rng: random.Random, rates: tuple[float, float, float]
) -> Written:
    """A shop order number (``SW10023`` or WooCommerce ``4711``) as a payer writes it."""
    kind = _pick(rng, rates)
    shown = f"{prefix}{digits}" if prefix else digits
    if kind == EXACT:
        return Written(shown, EXACT, number_key(digits))
    if kind == NEAR:
        wrong = digit_error(digits, rng)
        body = f"{prefix}{wrong}" if prefix and rng.random() < 0.5 else wrong
        return Written(body, NEAR, number_key(wrong))
    if kind == SLIP:
        slipped = slip(digits, rng)
        if slipped is not None:
            body = f"{prefix}{slipped}" if prefix and rng.random() < 0.5 else slipped
            return Written(body, SLIP, number_key(digits))
    variants = [
        digits,
        group_thousands(digits),
        "00" + digits,
        "0" + digits,
    ]
    if prefix:
        variants += [
            f"{prefix} {digits}",
            f"{prefix}-{digits}",
            f"{prefix.lower()}{digits}",
            f"{prefix.lower()} {digits}",
            f"{prefix}{digits}".lower(),
        ]
    else:
        variants += [f"#{digits}", f"# {digits}", f"Nr.{digits}", f"#{digits}"]
    return Written(rng.choice(variants), FORMAT, number_key(digits))


def write_invoice_number(
    year: int, sequence: int, rng: random.Random, rates: tuple[float, float, float]
) -> Written:
    """An invoice number ``RE-2026-00123`` as a payer writes it."""
    kind = _pick(rng, rates)
    padded = f"{sequence:05d}"
    if kind == EXACT:
        return Written(invoice_number(year, sequence), EXACT, invoice_key(year, sequence))
    if kind == NEAR:
        wrong = digit_error(str(sequence), rng)
        return Written(f"RE-{year}-{wrong}", NEAR, invoice_key(year, int(wrong)))
    if kind == SLIP:
        slipped = slip(padded, rng)
        if slipped is not None:
            return Written(f"RE-{year}-{slipped}", SLIP, invoice_key(year, sequence))
    variants = [
        f"RE{year}-{padded}",
        f"RE {year} {padded}",
        f"RE-{year}-{sequence}",
        f"re-{year}-{padded}",
        f"Re-{year}-{padded}",
        f"{year}-{padded}",
        f"RE-{year}/{padded}",
        f"RE {year}-{padded}",
        f"RE{year}{padded}",
        f"RE.{year}.{padded}",
    ]
    return Written(rng.choice(variants), FORMAT, invoice_key(year, sequence))


def write_customer_number(digits: str, rng: random.Random) -> Written:
    """A customer number, always with a label (``Kd-Nr 4711``): people write it that way."""
    label = rng.choice(
        ("Kd-Nr", "Kd-Nr.", "Kundennr.", "Kundennummer", "KdNr", "Kunden-Nr.", "KNR")
    )
    number = digits if rng.random() < 0.9 else "0" + digits
    return Written(f"{label} {number}", FORMAT, customer_key(digits))


# --- bank identifiers ----------------------------------------------------------------------

# (bank code, BIC) of German banks, weighted by how many private customers bank there.
GERMAN_BANKS = (
    ("37050198", "COLSDE33XXX", 0.10),  # Sparkasse KölnBonn
    ("70150000", "SSKMDEMMXXX", 0.08),  # Stadtsparkasse München
    ("10050000", "BELADEBEXXX", 0.07),  # Berliner Sparkasse
    ("25050180", "SPKHDE2HXXX", 0.05),  # Sparkasse Hannover
    ("50010517", "INGDDEFFXXX", 0.14),  # ING
    ("12030000", "BYLADEM1001", 0.08),  # DKB
    ("10011001", "NTSBDEB1XXX", 0.06),  # N26
    ("10010010", "PBNKDEFFXXX", 0.08),  # Postbank
    ("10070000", "DEUTDEBBXXX", 0.07),  # Deutsche Bank
    ("20040000", "COBADEFFXXX", 0.07),  # Commerzbank
    ("20041111", "COBADEHDXXX", 0.04),  # comdirect
    ("70020270", "HYVEDEMMXXX", 0.04),  # HypoVereinsbank
    ("60090100", "VOBADESSXXX", 0.05),  # Volksbank Stuttgart
    ("76090500", "GENODEF1S06", 0.03),  # Sparda-Bank Nürnberg
    ("43060967", "GENODEM1GLS", 0.04),  # GLS Bank
)
_BBAN_LENGTH = {"DE": 18, "AT": 16, "CH": 17, "NL": 14, "GB": 18, "NO": 11}


def _check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 13616 check digits."""
    return f"{country}{_check_digits(country, bban)}{bban}"


def random_iban(rng: random.Random, country: str = "DE") -> tuple[str, str | None]:
    """A valid IBAN of ``country`` and, for German accounts, the bank's BIC."""
    if country == "DE":
        code, bic, _ = rng.choices(GERMAN_BANKS, weights=[b[2] for b in GERMAN_BANKS])[0]
        return iban("DE", code + f"{rng.randrange(10**10):010d}"), bic
    if country not in _BBAN_LENGTH:  # no IBAN there (US, CA): routing and account number
        return f"{rng.randrange(10**8, 10**9)}{rng.randrange(10**11):011d}", None
    length = _BBAN_LENGTH[country]
    if country in {"GB", "NL"}:  # these start with the bank's four letters
        bank = rng.choice(("NWBK", "BARC", "LOYD") if country == "GB" else ("ABNA", "INGB", "RABO"))
        bban = bank + "".join(str(rng.randrange(10)) for _ in range(length - 4))
    elif country == "NO":  # the account number ends in a mod-11 check digit
        while True:
            body = [rng.randrange(10) for _ in range(10)]
            remainder = (
                sum(d * w for d, w in zip(body, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
            )
            check = 0 if remainder == 0 else 11 - remainder
            if check < 10:
                bban = "".join(map(str, body)) + str(check)
                break
    else:
        bban = "".join(str(rng.randrange(10)) for _ in range(length))
    return iban(country, bban), None
