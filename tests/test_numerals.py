import pytest

from gbakg.numerals import chinese_to_int, int_to_chinese


@pytest.mark.parametrize(
    ("text", "value"), [("一", 1), ("十", 10), ("十六", 16), ("二十", 20), ("二十三", 23), ("一百零三", 103), ("两", 2)]
)
def test_chinese_to_int(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["", "案", "一一", "x"])
def test_not_a_numeral(text):
    with pytest.raises(ValueError):
        chinese_to_int(text)


def test_round_trip():
    assert all(chinese_to_int(int_to_chinese(n)) == n for n in range(1, 100))


@pytest.mark.parametrize(("text", "value"), [("零点二九", "0.29"), ("三点五", "3.5"), ("五十", "50"), ("百", "100")])
def test_chinese_to_decimal(text, value):
    from decimal import Decimal

    from gbakg.numerals import chinese_to_decimal

    assert chinese_to_decimal(text) == Decimal(value)


@pytest.mark.parametrize("text", ["点二", "三点", "三点两", "三点x"])
def test_not_a_decimal_numeral(text):
    from gbakg.numerals import chinese_to_decimal

    with pytest.raises(ValueError):
        chinese_to_decimal(text)
