"""Bytes → text, whatever the encoding: detected, not assumed.

Byte-order marks first (UTF-8, UTF-16, UTF-32), then strict UTF-8 — by far the most common, and
a sequence that decodes as UTF-8 is almost never meant as anything else — then text in two
encodings at once (UTF-8 with a few Windows-1252 bytes pasted in, or the reverse: each part read
in its own encoding, see `_mixed`), then charset-normalizer for the rest (cp1252, latin-1,
GB18030, Shift_JIS, UTF-16 without a mark, ...). A declared charset (an HTML `<meta charset>`)
is not trusted: pages declare the wrong one too often. The text is then normalised: CRLF and CR
to LF, invisible characters removed.

Reading mixed text in one encoding would turn part of it into mojibake ("nÃ©gociations"), and
quotes would then be verified against words the article never had: what cannot be read right
is refused, with the reason.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from .._errors import InputError

__all__ = ["decode_lines", "decode_text", "normalize_text"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen, bidi marks.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
# Control characters as a sign of binary data. Not ESC and BEL: they open and close the escape
# sequences a text file can hold (colours, a window title), which reading removes (`clean_text`).
_CONTROL = re.compile("[\x00-\x06\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """LF line ends, no invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", text)


def decode_text(data: bytes, source: str) -> str:
    """The text of `data`; `InputError` naming `source` when it is binary or undecodable."""
    text = _by_byte_order_mark(data, source)
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
        text = _without_mark(data, source)
    if "\x00" in text or not _mostly_printable(text):
        raise InputError(source, "binary data (control characters), not an article")
    return normalize_text(text)


def decode_lines(data: bytes, source: str) -> tuple[str, dict[int, str]]:
    """A JSON Lines file's text, and the reason for each line (numbered from 1) left out of it.

    One binary line (a NUL byte, from a broken export) does not cost the file its other lines: it
    is left empty, so the numbers of the others stay right, and reported. A file of which half
    the lines or more are such (more than one) is binary data, and refused whole like any other.
    """
    if _by_byte_order_mark(data, "") is not None or b"\x00" not in data:
        return decode_text(data, source), {}
    if _utf16_by_nul_pattern(data) is not None:
        return decode_text(data, source), {}
    lines = data.split(b"\n")
    binary = {number for number, line in enumerate(lines, start=1) if b"\x00" in line}
    filled = sum(1 for line in lines if line.strip())
    if len(binary) > 1 and 2 * len(binary) >= filled:
        raise InputError(source, "binary data (NUL bytes), not an article")
    kept = b"\n".join(b"" if n in binary else line for n, line in enumerate(lines, start=1))
    reasons = dict.fromkeys(sorted(binary), "binary data (NUL bytes) in this line")
    return decode_text(kept, source), reasons


def _by_byte_order_mark(data: bytes, source: str) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise InputError(
                    source, f"invalid {encoding} text after its byte-order mark"
                ) from None
    return None


def _without_mark(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        first_stray = error.start
    mixed = _mixed(data)
    if mixed.text is not None:
        return mixed.text
    if mixed.utf8_share >= MOSTLY_UTF8:
        # Mostly UTF-8, and the rest not a few stray Windows-1252 bytes: one encoding would
        # garble one part, and the other part cannot be told.
        raise InputError(
            source,
            f"mixed text encodings: UTF-8 with bytes that are not (first at byte {first_stray:,})"
            ", and not a few stray Windows-1252 characters either",
        )
    return _detect(data, source)


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
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise InputError(source, "binary data or an unknown text encoding")
    if _letters_from_lone_bytes(data, best.encoding):
        best = next((m for m in matches if not m.encoding.startswith(_MULTIBYTE_PREFIXES)), best)
    if not best.encoding.startswith(_MULTIBYTE_PREFIXES) and best.language in _WESTERN_LANGUAGES:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


# --- two encodings in one file ---------------------------------------------------------------

# A file whose non-ASCII bytes are this much valid UTF-8 is UTF-8, whatever else it holds.
MOSTLY_UTF8 = 0.5
FALLBACK_ENCODING = "cp1252"  # what the web means by latin-1 (WHATWG), and what Windows pastes
# Non-ASCII characters in a row, each a valid UTF-8 sequence or one stray byte (surrogateescape).
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_ASCII_BYTES = bytes(range(0x80))
_ADJACENT_HIGH_BYTES = re.compile(rb"[\x80-\xff]{2}")
_MAX_STRAY_RUN = 3  # "é’" is two; Western text seldom has more non-ASCII characters in a row
_NOT_TEXT = frozenset({"Cc", "Cn", "Co", "Cs"})  # controls, unassigned, private use, surrogates


class _Mixed:
    """What reading `data` as UTF-8 with stray Windows-1252 bytes gave."""

    def __init__(self, text: str | None, utf8_share: float) -> None:
        self.text = text  # None: the bytes do not say unambiguously that the file is mixed
        self.utf8_share = utf8_share  # of the non-ASCII bytes, the share that is UTF-8, 0 to 1


class _NotMixed(Exception):
    """A run of non-ASCII bytes that is neither UTF-8 nor a few stray Windows-1252 bytes."""


def _mixed(data: bytes) -> _Mixed:
    """UTF-8 text with a few Windows-1252 bytes in it, or the reverse, each part decoded in its
    own encoding, when the bytes say so unambiguously.

    Stray bytes (not UTF-8) must stand alone or in twos and threes between ASCII letters and
    spaces, the way accented letters and curly quotes do in Western text; in GB18030 or Shift_JIS
    they come in long runs, interleaved with byte pairs that happen to be valid UTF-8. A valid
    UTF-8 sequence that no article has on its own (`_plausible`) is taken for two stray bytes.
    """
    text = data.decode("utf-8", errors="surrogateescape")  # a stray byte XX becomes U+DCXX
    # Lone surrogates cannot be encoded: what "ignore" drops is the stray bytes.
    strays = len(text) - len(text.encode("utf-8", errors="ignore").decode("utf-8"))
    non_ascii = len(data.translate(None, _ASCII_BYTES))  # the bytes left once ASCII is deleted
    share = (non_ascii - strays) / non_ascii if non_ascii else 0.0
    if strays == non_ascii:
        return _Mixed(None, share)  # no UTF-8 at all: one legacy encoding, for `_detect`
    try:
        return _Mixed(_NON_ASCII_RUN.sub(_run_decoded, text), share)
    except _NotMixed:
        return _Mixed(None, share)


def _run_decoded(run: re.Match[str]) -> str:
    """One run of non-ASCII characters, its stray bytes read in Windows-1252."""
    characters = run[0]
    letters = sum(1 for c in characters if not _is_stray(c))
    if letters == len(characters) > 1:
        return characters  # a word of UTF-8 (北京, Москва): nothing stray in it
    pieces: list[str | bytes] = []  # UTF-8 characters, and stray bytes
    for character in characters:
        if _is_stray(character):
            pieces.append(bytes([ord(character) - 0xDC00]))
        elif _plausible(character, alone=letters == 1):
            pieces.append(character)
        else:
            pieces.append(character.encode("utf-8"))
    return _joined(pieces)


def _is_stray(character: str) -> bool:
    return "\udc80" <= character <= "\udcff"


def _joined(pieces: list[str | bytes]) -> str:
    """The run's text; `_NotMixed` unless its stray bytes are one group of at most three bytes,
    each defined in Windows-1252."""
    groups: list[bytes] = []
    previous_was_stray = False
    for piece in pieces:
        if isinstance(piece, bytes):
            if previous_was_stray:
                groups[-1] += piece
            else:
                groups.append(piece)
        previous_was_stray = isinstance(piece, bytes)
    if len(groups) > 1 or (groups and len(groups[0]) > _MAX_STRAY_RUN):
        raise _NotMixed
    try:
        return "".join(p if isinstance(p, str) else p.decode(FALLBACK_ENCODING) for p in pieces)
    except UnicodeDecodeError:
        raise _NotMixed from None  # 81, 8D, 8F, 90, 9D: undefined in Windows-1252


# What an accented capital or ß and a curly quote, a dash or an ellipsis make by chance in
# Windows-1252 text ("groß“" is DF 93, NKo letter U+07D3; "Ö“" a Hebrew accent; "É”" an IPA
# letter), and no news article has on its own, between plain letters.
_BY_CHANCE = ("NKO ", "SYRIAC ", "THAANA ", "SAMARITAN ", "HEBREW ACCENT", "HEBREW POINT")
_IPA_AND_MODIFIERS = range(0x250, 0x300)


def _plausible(character: str, *, alone: bool) -> bool:
    """Whether a valid UTF-8 sequence in a mixed file is meant as UTF-8."""
    if unicodedata.category(character) in _NOT_TEXT:
        return False  # C1 controls (C2 80 to C2 9F) among them
    if not alone or ord(character) >= 0x800:
        return True
    if ord(character) in _IPA_AND_MODIFIERS:
        return False
    return not unicodedata.name(character, "").startswith(_BY_CHANCE)


def _letters_from_lone_bytes(data: bytes, encoding: str) -> bool:
    """Whether a double-byte `encoding` makes ideographs of bytes above 0x7F that each stand
    between ASCII ones: what it makes of a single-byte encoding's accented letters ("Zürich’s"
    is Big5 to charset-normalizer). Its real text has such pairs for punctuation at most (the
    Shift_JIS quote mark is 81 66, "f" its second byte); its letters come with high bytes in a row.
    """
    if not encoding.startswith(_MULTIBYTE_PREFIXES) or _ADJACENT_HIGH_BYTES.search(data):
        return False
    decoded = data.decode(encoding, errors="replace")
    return any(unicodedata.category(c) == "Lo" for c in decoded if not c.isascii())


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
