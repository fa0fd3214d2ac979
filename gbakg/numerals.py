"""Chinese numerals (一 … 九十九, 百, 千) to integers, for case and section numbers, and to decimals for
figures written in words (万分之零点二九)."""

from __future__ import annotations

from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_to_int(text: str) -> int:
    """Convert a Chinese numeral such as 十六, 二十, 一百零三 to an int.

    Raises:
        ValueError: the text is not a Chinese numeral.
    """
    if not text:
        raise ValueError("empty numeral")
    total = 0
    digit: int | None = None
    for ch in text:
        if ch in DIGITS:
            if digit is not None and digit != 0:
                raise ValueError(f"not a Chinese numeral: {text!r}")
            digit = DIGITS[ch]
        elif ch in UNITS:
            total += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    if digit is not None:
        total += digit
    if total == 0 and text not in ("零", "〇"):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    return total


def int_to_chinese(n: int) -> str:
    """The Chinese numeral for 1 ≤ n < 100 (as used for case numbers)."""
    names = "零一二三四五六七八九"
    if not 0 < n < 100:
        raise ValueError("only 1-99 are supported")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else names[tens] + "十")
    return head + (names[ones] if ones else "")


def chinese_to_decimal(text: str) -> Decimal:
    """Convert a Chinese numeral with an optional decimal part (零点二九, 三点五, 二十) to a Decimal.

    Raises:
        ValueError: the text is not a Chinese numeral.
    """
    whole, point, fraction = text.partition("点")
    if point and (not fraction or any(ch not in DIGITS or ch == "两" for ch in fraction)):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    digits = "".join(str(DIGITS[ch]) for ch in fraction)
    return Decimal(f"{chinese_to_int(whole)}.{digits}" if digits else str(chinese_to_int(whole)))
