"""EPC069-12 payloads: line structure, limits, versions; the QR decodes to the payload."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from paymatch.notify import epc_qr
from paymatch.notify.epc_qr import EpcQrError, EpcTransfer
from paymatch.rules import creditor_reference, payment_reference

IBAN_DE = "DE89370400440532013000"


def decode_png(png: bytes) -> bytes:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "exactly one QR code in the image"
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return bytes(results[0].bytes)


def svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's SVG path (absolute ``M`` start, relative ``m`` moves,
    horizontal runs ``h``), read back independently of segno's matrix."""
    path = re.search(r' d="([^"]+)"', svg)
    size = re.search(r'width="(\d+)"', svg)
    scale = re.search(r"scale\((\d+)\)", svg)
    assert path
    assert size
    factor = int(scale.group(1)) if scale else 1
    width = int(size.group(1)) // factor
    grid = [[False] * width for _ in range(width)]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                grid[int(y)][column] = True
            x += float(a)
    return grid


def image_of(grid: list[list[bool]]) -> Image.Image:
    scale = 4
    image = Image.new("L", (len(grid) * scale, len(grid) * scale), 255)
    for row, line in enumerate(grid):
        for column, dark in enumerate(line):
            if dark:
                image.paste(
                    0, (column * scale, row * scale, (column + 1) * scale, (row + 1) * scale)
                )
    return image


def test_payload_lines_version_002_without_bic() -> None:
    transfer = EpcTransfer(
        name="Beispiel GmbH",
        iban="DE89 3704 0044 0532 0130 00",
        amount=Decimal("49.90"),
        creditor_reference="RF18 5390 0754 7034",
    )
    assert epc_qr.payload(transfer).split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Beispiel GmbH",
        IBAN_DE,
        "EUR49.90",
        "",
        "RF18539007547034",
    ]


def test_version_001_when_the_bic_is_known_and_text_remittance() -> None:
    transfer = EpcTransfer(
        name="Beispiel GmbH",
        iban=IBAN_DE,
        bic="COBA DE FF XXX",
        amount=Decimal("1234.5"),
        remittance_text="Bestellung 10023",
        information="Danke!",
    )
    assert epc_qr.payload(transfer).split("\n") == [
        "BCD",
        "001",
        "1",
        "SCT",
        "COBADEFFXXX",
        "Beispiel GmbH",
        IBAN_DE,
        "EUR1234.50",
        "",
        "",
        "Bestellung 10023",
        "Danke!",
    ]
    assert epc_qr.payload(transfer, version="002").split("\n")[1] == "002"


def test_no_trailing_separator_and_optional_amount() -> None:
    data = epc_qr.payload(EpcTransfer(name="A", iban=IBAN_DE, remittance_text="x"))
    assert not data.endswith("\n")
    assert data.split("\n")[7] == ""  # amount left to the payer
    bare = epc_qr.payload(EpcTransfer(name="A", iban=IBAN_DE))
    assert bare.split("\n")[-1] == IBAN_DE  # everything after the IBAN is empty: left out


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 71}, "name"),
        ({"name": "Line\nbreak"}, "name"),
        ({"iban": "DE00370400440532013000"}, "iban"),
        ({"bic": "NOTABIC"}, "bic"),
        ({"amount": Decimal("0.00")}, "amount"),
        ({"amount": Decimal("1000000000.00")}, "amount"),
        ({"amount": Decimal("1.234")}, "amount"),
        ({"remittance_text": "x" * 141}, "remittance_text"),
        ({"creditor_reference": "RF00539007547034"}, "creditor_reference"),
        ({"creditor_reference": "RF18539007547034", "remittance_text": "both"}, "remittance_text"),
        ({"purpose": "GDD"}, "purpose"),
        ({"information": "i" * 71}, "information"),
    ],
)
def test_rules_of_the_standard_are_enforced(changes: dict[str, object], field: str) -> None:
    base: dict[str, object] = {"name": "Beispiel GmbH", "iban": IBAN_DE, "amount": Decimal("1")}
    with pytest.raises(EpcQrError) as raised:
        epc_qr.payload(EpcTransfer(**{**base, **changes}))  # type: ignore[arg-type]
    assert raised.value.field == field


def test_bic_rules_by_version_and_country() -> None:
    with pytest.raises(EpcQrError, match="001 needs"):
        epc_qr.payload(EpcTransfer(name="A", iban=IBAN_DE), version="001")
    swiss = "CH9300762011623852957"
    with pytest.raises(EpcQrError, match="outside the EEA"):
        epc_qr.payload(EpcTransfer(name="A", iban=swiss))
    assert epc_qr.payload(EpcTransfer(name="A", iban=swiss, bic="UBSWCHZH80A")).split("\n")[4]


def test_payload_over_331_bytes_is_refused() -> None:
    transfer = EpcTransfer(
        name="N" * 70,
        iban=IBAN_DE,
        bic="COBADEFFXXX",
        amount=Decimal("999999999.99"),
        purpose="GDDS",
        remittance_text="T" * 140,
        information="I" * 70,
    )
    with pytest.raises(EpcQrError, match="331"):
        epc_qr.payload(transfer)
    fits = EpcTransfer(name="N" * 70, iban=IBAN_DE, amount=Decimal("1"), remittance_text="ä" * 100)
    assert len(epc_qr.payload(fits).encode("utf-8")) <= epc_qr.MAX_PAYLOAD_BYTES


def test_symbol_is_level_m_byte_mode_and_decodes() -> None:
    code = epc_qr.make(
        EpcTransfer(
            name="Müller & Söhne GmbH",
            iban=IBAN_DE,
            amount=Decimal("49.90"),
            creditor_reference=creditor_reference.from_payment_reference(
                payment_reference.generate(42)
            ),
        )
    )
    assert code.symbol.error == "M"
    assert code.symbol.mode == "byte"
    assert isinstance(code.symbol.version, int)
    assert code.symbol.version <= 13
    assert decode_png(code.png()) == code.payload.encode("utf-8")
    assert decode_png(code.png(scale=2)) == code.payload.encode("utf-8")


def test_svg_has_the_same_modules_and_decodes() -> None:
    code = epc_qr.make(EpcTransfer(name="Beispiel GmbH", iban=IBAN_DE, amount=Decimal("5")))
    svg = code.svg(scale=1)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    grid = svg_modules(svg)
    border = 4
    matrix = [[bool(v) for v in row] for row in code.symbol.matrix]
    inner = [row[border : border + len(matrix)] for row in grid[border : border + len(matrix)]]
    assert inner == matrix
    results = zxingcpp.read_barcodes(image_of(grid))
    assert [bytes(r.bytes) for r in results] == [code.payload.encode("utf-8")]


def _unchecked_size(transfer: EpcTransfer) -> bytes:
    """The payload's bytes computed here, without the size check, to know whether it fits."""
    structured = transfer.creditor_reference or ""
    fields = ["BCD", "002", "1", "SCT", "", transfer.name, IBAN_DE]
    fields += [epc_qr.format_amount(transfer.amount) if transfer.amount else "", ""]
    fields += [structured, transfer.remittance_text or ""]
    while fields[-1] == "":
        fields.pop()
    return "\n".join(fields).encode("utf-8")


names = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "Zs", "Pd", "Po"), exclude_characters="\u2028\u2029"
    ),
    min_size=1,
    max_size=70,
).filter(lambda text: text.strip() == text and text.strip() != "")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2)


@settings(max_examples=40, deadline=None)
@given(name=names, amount=amounts, number=st.integers(0, 23**6 - 1), text=st.booleans())
def test_every_valid_transfer_round_trips_through_the_qr(
    name: str, amount: Decimal, number: int, text: bool
) -> None:
    reference = payment_reference.generate(number)
    transfer = EpcTransfer(
        name=name,
        iban=IBAN_DE,
        amount=amount,
        remittance_text=reference if text else None,
        creditor_reference=None if text else creditor_reference.from_payment_reference(reference),
    )
    fits = len(_unchecked_size(transfer)) <= epc_qr.MAX_PAYLOAD_BYTES
    if not fits:  # the only way a valid transfer may be refused: too long in UTF-8
        with pytest.raises(EpcQrError, match="331"):
            epc_qr.make(transfer)
        return
    code = epc_qr.make(transfer)
    lines = code.payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[5] == name
    assert lines[6] == IBAN_DE
    assert re.fullmatch(r"EUR\d{1,9}\.\d\d", lines[7])
    assert Decimal(lines[7][3:]) == amount
    assert lines[-1] != ""
    assert decode_png(code.png(scale=3)) == code.payload.encode("utf-8")
