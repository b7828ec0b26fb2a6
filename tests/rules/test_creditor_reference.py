from paymatch.rules import creditor_reference


def test_valid_and_invalid() -> None:
    assert creditor_reference.is_valid("RF18 5390 0754 7034")
    assert not creditor_reference.is_valid("RF17 5390 0754 7034")


def test_find_grouped_reference_before_other_words() -> None:
    text = "Zahlung RF18 5390 0754 7034 Danke und rf18539007547034"
    assert creditor_reference.find_in_text(text) == ["RF18539007547034"]


def test_wrong_check_digits_are_not_found() -> None:
    assert creditor_reference.find_in_text("RF17 5390 0754 7034") == []
