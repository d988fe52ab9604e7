"""Bytes → text, whatever the encoding: detected, not assumed.

Byte-order marks first (UTF-8, UTF-16, UTF-32), then strict UTF-8 — by far the most common, and
a sequence that decodes as UTF-8 is almost never meant as anything else — then charset-normalizer
for the rest (cp1252, latin-1, GB18030, Shift_JIS, UTF-16 without a mark, ...). A declared
charset (an HTML `<meta charset>`) is not trusted: pages declare the wrong one too often.
The text is then normalised: CRLF and CR to LF, invisible characters removed.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .._errors import InputError

__all__ = ["decode_text", "normalize_text"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen, bidi marks.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """LF line ends, no invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", text)


def decode_text(data: bytes, source: str) -> str:
    """The text of `data`; `InputError` naming `source` when it is binary or undecodable."""
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise InputError(
                    source, f"invalid {encoding} text after its byte-order mark"
                ) from None
            break
    if text is None and b"\x00" in data:
        # NUL bytes are valid UTF-8 but mean UTF-16 without a mark, or binary data.
        utf16 = _utf16_by_nul_pattern(data)
        if utf16 is None:
            raise InputError(source, "binary data (NUL bytes), not an article")
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise InputError(source, "binary data (NUL bytes), not an article") from None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _detect(data, source)
    if "\x00" in text or not _mostly_printable(text):
        raise InputError(source, "binary data (control characters), not an article")
    return normalize_text(text)


# charset-normalizer tells the script well but not which Western code page: for Latin-script text
# it picks cp852, cp1250 or mac_iceland about as often as cp1252 (measured on the samples in
# tests/test_decode.py). Windows-1252 is what the web means by latin-1 (WHATWG), so it is taken
# for Western-language single-byte text whenever it decodes.
_WESTERN_LANGUAGES = frozenset(
    {
        "English",
        "French",
        "German",
        "Spanish",
        "Italian",
        "Dutch",
        "Portuguese",
        "Danish",
        "Swedish",
        "Norwegian",
        "Finnish",
        "Unknown",
        "",
    }
)
_MULTIBYTE_PREFIXES = (
    "utf",
    "gb",
    "big5",
    "cp932",
    "shift_jis",
    "euc",
    "cp949",
    "johab",
    "hz",
    "iso2022",
    "cp950",
)


def _detect(data: bytes, source: str) -> str:
    best = from_bytes(data).best()
    if best is None:
        raise InputError(source, "binary data or an unknown text encoding")
    if not best.encoding.startswith(_MULTIBYTE_PREFIXES) and best.language in _WESTERN_LANGUAGES:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def _utf16_by_nul_pattern(data: bytes) -> str | None:
    """UTF-16 text in Latin script has a NUL in every other byte; binary data does not."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _mostly_printable(text: str) -> bool:
    sample = text[:4096]
    return len(_CONTROL.findall(sample)) <= max(2, len(sample) // 100)
