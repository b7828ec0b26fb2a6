"""UTF-16 bank files (Excel "Unicode Text", banking software exports): detection, reading,
errors, and that the encoding changes neither postings, ids nor error lines."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from paymatch.cli import main
from paymatch.connectors.bank import (
    _source,
    bank_csv,
    detect_format,
    iter_statement,
    mt940,
    read_statement,
)
from paymatch.connectors.utf16 import sniffable_head, utf16_codec
from paymatch.core import reconciler
from paymatch.core.errors import StatementError
from paymatch.core.models import Statement

BOMS = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
# (codec, with BOM): every way a UTF-16 file can be written.
VARIANTS = [(codec, bom) for codec in BOMS for bom in (True, False)]


def utf16(text: str, codec: str = "utf-16-le", bom: bool = True) -> bytes:
    return (BOMS[codec] if bom else b"") + text.encode(codec, "surrogatepass")


SPARKASSE_HEADER = (
    "Auftragskonto;Buchungstag;Valutadatum;Buchungstext;Verwendungszweck;"
    "Begünstigter/Zahlungspflichtiger;Kontonummer;BLZ;Betrag;Währung;Info"
)


def sparkasse_row(day: int, remittance: str, name: str, amount: str) -> str:
    return (
        f'DE89370400440532013000;{day:02d}.03.26;{day:02d}.03.26;GUTSCHRIFT;"{remittance}";'
        f'"{name}";DE02120300000000202051;BYLADEM1001;{amount};EUR;Umsatz gebucht'
    )


def sparkasse_csv(rows: list[str], newline: str = "\r\n") -> str:
    return newline.join([SPARKASSE_HEADER, *rows]) + newline


CSV_TEXT = sparkasse_csv(
    [
        sparkasse_row(2, "Bestellung 10023 Müller", "Jörg Müller", "49,90"),
        sparkasse_row(3, "Rechnung RE-7 € Łódź", "Paweł Nowak", "-12,50"),
    ]
)

MT940_HEAD = ":20:REF\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C251230EUR100,00\n"
MT940_TEXT = (
    MT940_HEAD
    + ":61:2512301230C10,00NTRFNONREF\n:86:166?00GUTSCHRIFT?20SVWZ+Order 1 Müller?32Jörg\n"
    + ":61:2512301230D2,50NMSCNONREF\n:86:166?20Gebühr?32Bank\n"
    + ":62F:C251230EUR107,50\n-\n"
)


def camt_text(declared: str) -> str:
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
    entry = (
        '<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2024-03-01</Dt></BookgDt><ValDt><Dt>2024-03-01</Dt></ValDt>"
        "<NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )
    entries = entry.format(amount="10.00", text="Bestellung 1 Müller") + entry.format(
        amount="5.50", text="Łódź €"
    )
    return (
        f'<?xml version="1.0" encoding="{declared}"?>\n<Document xmlns="{ns}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-02T08:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><CreDtTm>2024-03-02T08:00:00</CreDtTm>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>\n"
    )


def same_postings(one: bytes, other: bytes, **options: object) -> None:
    """``one`` (detected) and ``other`` (read with ``options``) give the same postings."""
    first = read_statement(one)
    second = read_statement(other, **options)  # type: ignore[arg-type]
    assert first.postings, "the reference file must have postings"
    assert [p.id for p in first.postings] == [p.id for p in second.postings]
    assert first.postings == second.postings
    assert first.format == second.format


# --- recognising UTF-16 -----------------------------------------------------------------------


@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_utf16_is_recognised_with_and_without_bom(codec: str, bom: bool) -> None:
    expected = "utf-16" if bom else codec
    assert utf16_codec(utf16(CSV_TEXT, codec, bom)) == expected
    assert sniffable_head(utf16(CSV_TEXT, codec, bom)) == CSV_TEXT.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_categories=("Cc",)),
        min_size=1,
    )
)
def test_latin_text_without_bom_is_utf16_of_its_byte_order(text: str) -> None:
    for codec in BOMS:
        assert utf16_codec(text.encode(codec)) == codec


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_utf8_and_8bit_text_is_never_utf16(text: str) -> None:
    assert utf16_codec(text.encode("utf-8")) is None
    # A byte order mark decides by itself (an 8-bit file does not start with "ÿþ" or "þÿ").
    assume(not text.startswith(("ÿþ", "þÿ")))
    assert utf16_codec(text.encode("cp1252", "replace")) is None


def _binary_heads() -> list[bytes]:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("a.xml", camt_text("UTF-8"))
    return [
        archive.getvalue(),
        gzip.compress(CSV_TEXT.encode("utf-16")),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        # UTF-32 has a UTF-16 BOM in front of NUL characters: not UTF-16.
        "Buchungstag;Betrag\n".encode("utf-32"),
        "Buchungstag;Betrag\n".encode("utf-32-be"),
        bytes(range(256)) * 4,
        b"\x00" * 64,
    ]


@pytest.mark.parametrize("head", _binary_heads())
def test_binary_files_are_not_utf16(head: bytes) -> None:
    assert utf16_codec(head) is None
    assert sniffable_head(head) == head


def test_unknown_binary_file_keeps_its_error() -> None:
    with pytest.raises(StatementError, match="unknown file format"):
        detect_format(gzip.compress(CSV_TEXT.encode("utf-16")))


@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [(CSV_TEXT, "csv"), (MT940_TEXT, "mt940"), (camt_text("UTF-16"), "camt")],
)
def test_detect_format_sees_utf16_as_text(codec: str, bom: bool, text: str, expected: str) -> None:
    assert detect_format(utf16(text, codec, bom)) == expected


def test_a_utf16_file_with_only_a_bom_is_empty() -> None:
    with pytest.raises(StatementError, match="empty"):
        read_statement(codecs.BOM_UTF16_LE + "\r\n".encode("utf-16-le"))


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_csv_in_utf16_reads_like_utf8(codec: str, bom: bool) -> None:
    same_postings(CSV_TEXT.encode("utf-8"), utf16(CSV_TEXT, codec, bom))
    statement = read_statement(utf16(CSV_TEXT, codec, bom))
    assert statement.format == "csv:sparkasse"
    assert [p.counterparty_name for p in statement.postings] == ["Jörg Müller", "Paweł Nowak"]
    assert statement.postings[1].amount == Decimal("-12.50")


def excel_unicode_text(text: str) -> bytes:
    """What Excel writes for "Save as Unicode Text": tabs between cells, UTF-16 LE with BOM."""
    rows = list(bank_csv.csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    out = io.StringIO()
    bank_csv.csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-16")


def test_excel_unicode_text_with_tabs_is_read_with_the_profile() -> None:
    data = excel_unicode_text(CSV_TEXT)
    assert b"\t\x00" in data
    assert b";\x00" not in data
    assert detect_format(data) == "csv"
    same_postings(CSV_TEXT.encode("utf-8"), data)
    # The same with the profile named: its ";" gives way to the tab of the header.
    same_postings(CSV_TEXT.encode("utf-8"), data, profile="sparkasse")


def test_tabs_in_utf8_are_accepted_too_and_semicolons_still_come_first() -> None:
    tabbed = CSV_TEXT.replace(";", "\t").replace('"', "")
    same_postings(CSV_TEXT.encode("utf-8"), tabbed.encode("utf-8"))
    # A ";" file whose cells hold tabs is still split at ";".
    with_tab = CSV_TEXT.replace("Bestellung 10023", "Bestellung\t10023")
    (first, _) = read_statement(with_tab.encode("utf-8")).postings
    assert "10023 Müller" in (first.remittance or "")
    assert (first.counterparty_name, first.amount) == ("Jörg Müller", Decimal("49.90"))


def test_a_header_that_matches_with_neither_delimiter_is_still_refused() -> None:
    text = CSV_TEXT.replace(";", "|")
    with pytest.raises(StatementError, match="unknown file format"):
        read_statement(utf16(text))
    with pytest.raises(StatementError, match="header of CSV profile 'sparkasse'"):
        read_statement(utf16(text), profile="sparkasse")


@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_mt940_in_utf16_reads_like_utf8(codec: str, bom: bool) -> None:
    same_postings(MT940_TEXT.encode("utf-8"), utf16(MT940_TEXT, codec, bom))
    streamed = list(iter_statement(utf16(MT940_TEXT, codec, bom)))
    assert streamed == list(iter_statement(MT940_TEXT.encode("utf-8")))


@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_camt_in_utf16_is_detected_and_read(codec: str, bom: bool) -> None:
    same_postings(camt_text("UTF-8").encode("utf-8"), utf16(camt_text("UTF-16"), codec, bom))
    statement = read_statement(utf16(camt_text("UTF-16"), codec, bom))
    assert statement.format.startswith("camt")
    assert [p.remittance for p in statement.postings] == ["Bestellung 1 Müller", "Łódź €"]


@pytest.mark.parametrize("text", [CSV_TEXT, MT940_TEXT])
@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_explicit_utf16_encoding_works(text: str, codec: str, bom: bool) -> None:
    data = utf16(text, codec, bom)
    reference = text.encode("utf-8")
    same_postings(reference, data, encoding="utf-16")
    same_postings(reference, data, encoding=codec)  # the BOM, if any, is not part of the text
    same_postings(reference, data, encoding="UTF16")


def test_explicit_utf16_without_bom_of_no_known_byte_order_is_refused() -> None:
    data = "€€€€".encode("utf-16-be")
    with pytest.raises(StatementError, match="utf-16-le"):
        read_statement(data, format="mt940", encoding="utf-16")


def test_a_utf16_file_wins_over_the_profiles_8bit_encoding() -> None:
    profile = bank_csv.builtin_profiles()["sparkasse"].model_copy(update={"encoding": "cp1252"})
    same_postings(CSV_TEXT.encode("utf-8"), utf16(CSV_TEXT), profile=profile)
    same_postings(CSV_TEXT.encode("utf-8"), excel_unicode_text(CSV_TEXT), profile=profile)
    # ... and the profile's encoding is still used for an 8-bit file.
    western = CSV_TEXT.replace("Łódź", "Köln").replace("Paweł", "Paul")
    same_postings(western.encode("utf-8"), western.encode("cp1252"), profile=profile)


# --- errors ----------------------------------------------------------------------------------


def _error_of(data: bytes, **options: object) -> StatementError:
    with pytest.raises(StatementError) as caught:
        read_statement(data, source_name="auszug.txt", **options)  # type: ignore[arg-type]
    with pytest.raises(StatementError):
        list(iter_statement(data, source_name="auszug.txt", **options))  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("text", [CSV_TEXT, MT940_TEXT])
@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_an_odd_number_of_bytes_names_file_line_and_option(
    text: str, codec: str, bom: bool
) -> None:
    data = utf16(text, codec, bom) + b"\x00"
    error = _error_of(data)
    assert error.where == "auszug.txt"
    assert error.line == text.count("\n") + 1
    assert "encoding=" in str(error)
    assert "auszug.txt" in str(error)


@pytest.mark.parametrize("text", [CSV_TEXT, MT940_TEXT])
@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
@pytest.mark.parametrize("surrogate", [chr(0xD83D), chr(0xDE00)], ids=["high", "low"])
def test_a_lone_surrogate_names_its_line(text: str, codec: str, bom: bool, surrogate: str) -> None:
    lines = text.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines, 1) if "Müller" in line)
    lines[target - 1] = lines[target - 1].replace("Müller", "Müller" + surrogate + "x", 1)
    data = (BOMS[codec] if bom else b"") + "".join(lines).encode(codec, "surrogatepass")
    error = _error_of(data)
    assert error.line == target
    assert "encoding=" in str(error)
    assert "utf-16" in str(error)


def test_a_surrogate_pair_is_one_character() -> None:
    text = CSV_TEXT.replace("Bestellung 10023", "Bestellung 10023 \U0001f600")
    (first, _) = read_statement(utf16(text, "utf-16-be")).postings
    assert "\U0001f600" in (first.remittance or "")


# --- the same statement in UTF-8 and UTF-16 ---------------------------------------------------

_WORDS = st.text(
    st.sampled_from([*list("abcXYZ 0123456789äöüßÄÖÜéłőŁ€-/."), "😀"]), max_size=20
).map(str.strip)
_LATIN_WORDS = st.text(st.sampled_from(list("abcXYZ 0123456789äöüßÄÖÜé-/.")), max_size=20).map(
    str.strip
)
_AMOUNT = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def csv_statement(draw: st.DrawFn, words: st.SearchStrategy[str] = _WORDS) -> str:
    rows = [
        sparkasse_row(
            draw(st.integers(1, 28)),
            draw(words).replace('"', ""),
            draw(words).replace('"', ""),
            ("-" if draw(st.booleans()) else "") + f"{draw(_AMOUNT):.2f}".replace(".", ","),
        )
        for _ in range(draw(st.integers(1, 5)))
    ]
    return sparkasse_csv(rows, draw(st.sampled_from(["\n", "\r\n"])))


@st.composite
def mt940_statement(draw: st.DrawFn, words: st.SearchStrategy[str] = _WORDS) -> str:
    body = ""
    closing = Decimal("100.00")
    for _ in range(draw(st.integers(1, 5))):
        value = draw(_AMOUNT)
        mark = draw(st.sampled_from("CD"))
        closing += value if mark == "C" else -value
        amount = f"{value:.2f}".replace(".", ",")
        text = draw(words).replace("?", "")
        body += f":61:2512301230{mark}{amount}NTRFNONREF\n:86:166?20{text}?32{draw(words)}\n"
    sign = "C" if closing >= 0 else "D"
    body += f":62F:{sign}251230EUR{abs(closing):.2f}\n".replace(".", ",")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (MT940_HEAD + body + "-\n").replace("\n", newline)


def _encodings(latin: bool) -> st.SearchStrategy[tuple[str, bool]]:
    # Without a BOM only Latin text is recognised (see utf16_codec).
    return st.sampled_from(VARIANTS if latin else [(codec, True) for codec in BOMS])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), latin=st.booleans())
def test_same_csv_in_utf8_and_utf16_gives_the_same_postings(
    data: st.DataObject, latin: bool
) -> None:
    text = data.draw(csv_statement(_LATIN_WORDS if latin else _WORDS))
    codec, bom = data.draw(_encodings(latin))
    same_postings(text.encode("utf-8"), utf16(text, codec, bom))
    same_postings(text.encode("utf-8"), excel_unicode_text(text))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), latin=st.booleans())
def test_same_mt940_in_utf8_and_utf16_gives_the_same_postings(
    data: st.DataObject, latin: bool
) -> None:
    text = data.draw(mt940_statement(_LATIN_WORDS if latin else _WORDS))
    codec, bom = data.draw(_encodings(latin))
    same_postings(text.encode("utf-8"), utf16(text, codec, bom))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), mt940=st.booleans())
def test_error_lines_do_not_depend_on_the_encoding(data: st.DataObject, mt940: bool) -> None:
    text = data.draw(mt940_statement() if mt940 else csv_statement())
    lines = text.splitlines(keepends=True)
    # Break the amount of one posting line: a format error on a known line.
    candidates = [i for i, line in enumerate(lines) if line.startswith((":61:", "DE89"))]
    broken = data.draw(st.sampled_from(candidates))
    if mt940:
        lines[broken] = lines[broken].replace("NTRF", "XX,YYNTRF", 1)
    else:
        cells = lines[broken].split(";")
        cells[-3] = "12,3,4"
        lines[broken] = ";".join(cells)
    broken_text = "".join(lines)
    codec, bom = data.draw(_encodings(False))
    errors = []
    for encoded in (broken_text.encode("utf-8"), utf16(broken_text, codec, bom)):
        with pytest.raises(StatementError) as caught:
            read_statement(encoded)
        errors.append(caught.value)
    assert errors[0].line == errors[1].line
    assert errors[0].line is not None
    assert str(errors[0]) == str(errors[1])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), mt940=st.booleans())
def test_decoding_error_lines_do_not_depend_on_the_encoding(
    data: st.DataObject, mt940: bool
) -> None:
    text = data.draw(mt940_statement() if mt940 else csv_statement())
    lines = text.splitlines(keepends=True)
    target = data.draw(st.integers(0, len(lines) - 1))
    position = data.draw(st.integers(0, len(lines[target].rstrip("\r\n"))))
    lines[target] = lines[target][:position] + "\udc80" + lines[target][position:]
    broken = "".join(lines)
    codec, bom = data.draw(_encodings(False))
    as_utf8 = broken.encode("utf-8", "surrogateescape")  # a lone 0x80 byte: invalid UTF-8
    as_utf16 = (BOMS[codec] if bom else b"") + broken.encode(codec, "surrogatepass")
    found = []
    for encoded, encoding in ((as_utf8, "utf-8"), (as_utf16, "utf-16")):
        with pytest.raises(StatementError) as caught:
            read_statement(encoded, encoding=encoding, format="mt940" if mt940 else "csv")
        found.append(caught.value.line)
    assert found == [target + 1, target + 1]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8"])
def test_the_bad_line_is_found_across_read_chunks(
    chunk: int, codec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Characters of several bytes (and surrogate pairs) straddle the chunk boundaries.
    monkeypatch.setattr(_source, "_CHUNK", chunk)
    lines = MT940_TEXT.replace("Müller", "Mü\U0001f600ller €").splitlines(keepends=True)
    target = 7
    lines[target - 1] = "\udc80" + lines[target - 1]  # first on its line: no line before
    data = "".join(lines).encode(codec, "surrogatepass" if "16" in codec else "surrogateescape")
    with pytest.raises(StatementError, match="encoding=") as caught:
        read_statement(data, encoding=codec)
    assert caught.value.line == target


def test_cli_reads_utf16_files_and_names_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "umsaetze.txt"
    good.write_bytes(excel_unicode_text(CSV_TEXT))
    reference = tmp_path / "umsaetze.csv"
    reference.write_bytes(CSV_TEXT.encode("utf-8"))
    outputs = []
    for path in (reference, good):
        out = tmp_path / f"{path.suffix[1:]}.jsonl"
        result = CliRunner().invoke(main, ["postings", str(path), "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append([json.loads(line) for line in out.read_text().splitlines()])
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 2
    bad = tmp_path / "kaputt.sta"
    bad.write_bytes(utf16(MT940_TEXT, "utf-16-be", bom=False) + b"\x00")
    out = tmp_path / "bad.jsonl"
    result = CliRunner().invoke(main, ["postings", str(bad), "--out", str(out)])
    assert result.exit_code != 0
    assert "kaputt.sta" in result.output
    assert f"line {MT940_TEXT.count(chr(10)) + 1}" in result.output
    assert "--encoding" in result.output
    assert not out.exists()


def test_formats_sniffed_one_by_one_see_utf16_as_text(tmp_path: Path) -> None:
    # The built-in sniffers also read UTF-16 heads handed to them directly.
    path = tmp_path / "auszug.sta"
    path.write_bytes(utf16(MT940_TEXT, "utf-16-be", bom=False))
    statement = reconciler._read_statement(path)
    assert statement.postings == read_statement(MT940_TEXT.encode("utf-8")).postings
    assert mt940.sniff(path.read_bytes())
    assert bank_csv.sniff(excel_unicode_text(CSV_TEXT))


class _TextFormat:
    """A plugin's bank format that knows text only: its sniff looks for a UTF-8 marker."""

    PLUGIN_NAME = "marker"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"MARKER;")

    def read(self, path: Path) -> Statement:
        return Statement(format="marker", source_name=str(path))


def test_the_reconciler_hands_a_plugin_format_utf16_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As detect_format does: a plugin's sniff need not know UTF-16.
    monkeypatch.setattr(reconciler.plugins, "bank_formats", lambda: (_TextFormat(),))
    path = tmp_path / "export.txt"
    path.write_bytes(utf16("MARKER;1;2\n", "utf-16-le", bom=True))
    assert reconciler._read_statement(path).format == "marker"


@pytest.mark.parametrize(("codec", "bom"), VARIANTS)
def test_broken_utf16_camt_names_the_line_and_the_option(codec: str, bom: bool) -> None:
    text = camt_text("UTF-16")
    odd = utf16(text, codec, bom) + b"\x00"
    lone = utf16(text.replace("Müller", "Mü\udc80ller"), codec, bom)
    for data, line in ((odd, text.count("\n") + 1), (lone, 2)):
        with pytest.raises(StatementError, match="encoding=") as caught:
            read_statement(data, source_name="auszug.xml")
        assert (caught.value.where, caught.value.line) == ("auszug.xml", line)
