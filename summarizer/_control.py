"""Control characters out of text that reaches a terminal, a log or a file.

Articles, models and servers all send text, and some of it holds what a terminal obeys rather than
shows: ESC, CSI and OSC sequences (retitle the window, clear the screen, move the cursor back over
a line), C1 controls, BEL, a raw carriage return that overwrites what came before, and the bidi
embeddings, overrides and isolates that make "gnitseretni" read as "interesting". Three uses, three
functions:

- `clean_text`: text we keep (an article, a model's answer): escape sequences and control
  characters removed, tabs and newlines kept. Quotes are verified against the cleaned article, so
  the cleaned answer still matches it.
- `clean_line`: one line for stderr or a one-line reason: `clean_text`, then every run of white
  space (newlines included, which could print a fake line) folded to one space.
- `shown_name`: a name the user's file system holds (a path), shown the way git and ls show an
  odd one: each control character escaped visibly (`\\n`, `\\x1b`, `\\u202e`), nothing dropped.
"""

from __future__ import annotations

import re

__all__ = ["clean_line", "clean_text", "shown_name"]

# ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), ESC P/X/^/_ ... ESC \ (DCS, SOS, PM,
# APC), then ESC and any one character; the 8-bit CSI (U+009B) the same way.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b.?",
    re.DOTALL,
)
# C0 but tab and newline, DEL, C1; bidi embeddings and overrides (U+202A–U+202E) and isolates
# (U+2066–U+2069). The marks U+200E/U+200F are not here: they change no letter's order.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL_CHARACTER = re.compile(f"[{_CONTROL}]")
# A carriage return ends a line in files from old Macs and Windows: a newline, not nothing.
_CARRIAGE_RETURN = re.compile(r"\r\n?")
# Line and paragraph separators break a line on some terminals: newlines, said plainly.
_SEPARATOR = re.compile("[\u2028\u2029\x85]")


def clean_text(text: str) -> str:
    """`text` without escape sequences or control characters; tabs and newlines kept."""
    text = _CARRIAGE_RETURN.sub("\n", text)
    text = _SEPARATOR.sub("\n", text)
    if "\x1b" in text or "\x9b" in text:
        text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL_CHARACTER.sub("", text)


def clean_line(text: str) -> str:
    """`clean_text` on one line: newlines, tabs and runs of spaces folded to one space."""
    return " ".join(clean_text(text).split())


def _escaped(match: re.Match[str]) -> str:
    character = match[0]
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_SHOWN_ESCAPED = re.compile(f"[\t\n\r{_CONTROL}\u2028\u2029]")


def shown_name(name: str) -> str:
    """`name` with every control character, newline and bidi control escaped visibly."""
    return _SHOWN_ESCAPED.sub(_escaped, name)
