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
