"""Decode a document: UTF-8 with or without BOM, GB18030, UTF-16; binary or undecodable bytes are located errors."""

from __future__ import annotations

from pathlib import Path

from ..errors import Location, ReadError

# --- decoding -----------------------------------------------------------------------------------


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a document, detecting its encoding.

    Returns:
        The text (BOM removed) and the encoding's name.

    Raises:
        ReadError: empty, binary or undecodable input, located at the first bad byte.
    """
    if not data.strip():
        raise ReadError("the file is empty", location=Location(str(path)), hint="remove it or add its text")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path, "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path, "utf-16")
    if b"\x00" in data:
        even = data[0::2].count(0)
        odd = data[1::2].count(0)
        if odd > len(data) / 4 and even < len(data) / 50:
            return _strict(data, "utf-16-le", path, "utf-16-le")
        if even > len(data) / 4 and odd < len(data) / 50:
            return _strict(data, "utf-16-be", path, "utf-16-be")
        raise ReadError(
            "the file is binary (it contains NUL bytes), not text",
            location=Location(str(path)),
            hint="give the corpus plain-text documents",
        )
    try:
        text = data.decode("utf-8")
        return _check_text(text, path), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            prefix = data[: utf8_error.start].decode("utf-8", errors="replace")
            loc = Location.at_offset(path, prefix, len(prefix))
            raise ReadError(
                f"undecodable byte 0x{data[utf8_error.start]:02x} (not UTF-8, GB18030 or UTF-16)",
                location=loc,
                hint="re-save the file as UTF-8",
            ) from utf8_error
        return _check_text(text, path), "gb18030"


def _strict(data: bytes, codec: str, path: Path, name: str) -> tuple[str, str]:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise ReadError(
            f"undecodable bytes at byte {e.start} for {name}",
            location=Location(str(path)),
            hint="re-save the file as UTF-8",
        ) from e
    return _check_text(text.lstrip("\ufeff"), path), name


def _check_text(text: str, path: Path) -> str:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise ReadError(
            "the file looks binary (many control characters), not text",
            location=Location(str(path)),
            hint="give the corpus plain-text documents",
        )
    return text
