from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from paymatch import InputError, Order
from paymatch.interchange import iter_orders, read_orders, read_postings, write_json_lines


def test_json_lines_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "orders.jsonl"
    source.write_text(
        '{"id": "1", "number": "10023", "amount": "49.90", "currency": "EUR",'
        ' "known_ibans": ["DE89370400440532013000"], "cash_discount": {"percent": "2"}}\n'
        "\n"
        '{"id": "2", "amount": "5", "currency": "EUR", "unknown": true}\n',
        encoding="utf-8",
    )
    orders = read_orders(source)
    assert [order.id for order in orders] == ["1", "2"]
    assert orders[0].cash_discount is not None
    assert orders[0].cash_discount.percent == Decimal("2")
    target = tmp_path / "out.jsonl"
    write_json_lines(orders, target)
    assert read_orders(target) == orders


def test_malformed_line_names_line_and_field(tmp_path: Path) -> None:
    source = tmp_path / "orders.jsonl"
    source.write_text(
        '{"id": "1", "amount": "1", "currency": "EUR"}\n'
        '{"id": "2", "amount": 1.5, "currency": "EUR"}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_orders(source)
    assert info.value.line == 2
    assert info.value.field == "amount"
    assert "orders.jsonl, line 2, field 'amount'" in str(info.value)


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "postings.jsonl"
    source.write_text('{"id": "1"\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1: not valid JSON"):
        read_postings(source)


def test_csv_input_with_semicolons(tmp_path: Path) -> None:
    source = tmp_path / "postings.csv"
    source.write_text(
        "id;booking_date;amount;currency;remittance\n"
        "a;2026-11-02;49.90;EUR;Bestellung 10023\n"
        "b;2026-11-03;-5.00;EUR;\n",
        encoding="utf-8",
    )
    postings = read_postings(source)
    assert [p.amount for p in postings] == [Decimal("49.90"), Decimal("-5.00")]
    assert postings[1].remittance == ""


def test_csv_error_names_the_physical_line(tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text("id,amount,currency\n1,2.00,EUR\n2,x,EUR\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_orders(source)
    assert (info.value.line, info.value.field) == (3, "amount")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl"):
        read_orders(tmp_path / "nope.jsonl")


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"

    def crashing() -> Iterator[Order]:
        yield Order(id="1", amount="1", currency="EUR")
        raise RuntimeError("crash while producing output")

    with pytest.raises(RuntimeError):
        write_json_lines(crashing(), target)
    assert not target.exists()
    assert not list(tmp_path.iterdir())


def test_iter_orders_yields_before_a_late_error(tmp_path: Path) -> None:
    source = tmp_path / "orders.jsonl"
    source.write_text(
        '{"id": "1", "amount": "1", "currency": "EUR"}\n'
        '{"id": "2", "amount": "2", "currency": "EUR"}\n'
        '{"id": "3", "amount": "3", "currency": "XXY"}\n',
        encoding="utf-8",
    )
    orders = iter_orders(source)
    assert [next(orders).id, next(orders).id] == ["1", "2"]
    with pytest.raises(InputError) as info:
        next(orders)
    assert (info.value.line, info.value.field) == (3, "currency")
    assert "orders.jsonl, line 3, field 'currency'" in str(info.value)


def test_iter_orders_reads_what_read_orders_reads(tmp_path: Path) -> None:
    for name, text in (
        (
            "orders.jsonl",
            '{"id": "1", "amount": "1", "currency": "EUR"}\n\n{"id": "2", '
            '"amount": "2.50", "currency": "usd", "known_ibans": "DE89 3704 0044 0532 0130 00"}\n',
        ),
        ("orders.csv", "id;amount;currency\n1;1;EUR\n2;2.50;usd\n"),
    ):
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        assert list(iter_orders(source)) == read_orders(source)


def test_iter_orders_errors_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl"):
        next(iter_orders(tmp_path / "nope.jsonl"))
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "1", "amount": "1", "currency": "EUR", "company": "M\xfcller"}\n')
    with pytest.raises(InputError, match="not UTF-8"):
        list(iter_orders(latin))
