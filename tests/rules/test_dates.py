from datetime import date

from paymatch.rules.dates import DateRules, weigh

RULES = DateRules()


def test_before_the_order_is_implausible() -> None:
    result = weigh(date(2026, 11, 1), date(2026, 11, 10), None, RULES)
    assert result is not None
    assert result[0] < -2


def test_slack_and_normal_window() -> None:
    assert weigh(date(2026, 11, 9), date(2026, 11, 10), None, RULES) is None
    assert weigh(date(2026, 11, 30), date(2026, 11, 10), None, RULES) is None


def test_long_after_weighs_less() -> None:
    result = weigh(date(2027, 11, 1), date(2026, 11, 10), date(2026, 11, 24), RULES)
    assert result is not None
    assert -1 < result[0] < 0
