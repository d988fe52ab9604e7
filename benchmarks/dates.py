"""Dates in many languages: our date reader against dateparser, on the lines a reader meets.

    python benchmarks/dates.py

Each case is a line as it stands above an article's first paragraph (a date, or a dateline with
a place before the date), or a line that must not be read as a date (a sentence that mentions
one; a numeric date whose day and month cannot be told apart). A reader is right when it gives
the expected date, or nothing where nothing is expected. Three readers: our table alone; our
table, then dateparser for a short line with a year and a day that the table cannot read (what
summarizer does); dateparser alone, given its best chance (`parse`, then `search_dates`).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer._article import parse_date

D18, D22 = dt.date(2025, 11, 18), dt.date(2025, 11, 22)
CASES: list[tuple[str, str, dt.date | None]] = [
    ("en", "November 18, 2025", D18),
    ("en", "Nov. 18, 2025", D18),
    ("en", "18 November 2025", D18),
    ("en", "BEIJING, November 18, 2025", D18),
    ("en", "Tuesday, November 18, 2025", D18),
    ("en", "2025-11-18", D18),
    ("en", "Tue, 18 Nov 2025 09:30:00 +0900", D18),
    ("fr", "18 novembre 2025", D18),
    ("fr", "BELÉM, 22 novembre 2025", D22),
    ("es", "18 de noviembre de 2025", D18),
    ("de", "18. November 2025", D18),
    ("it", "18 novembre 2025", D18),
    ("pt", "22 de novembro de 2025", D22),
    ("pt", "BELÉM, 22 de novembro de 2025", D22),
    ("pt", "Belém, 22/11/2025", D22),
    ("ru", "18 ноября 2025 года", D18),
    ("ru", "ПЕКИН, 18 ноября 2025", D18),
    ("uk", "18 листопада 2025 року", D18),
    ("ar", "18 نوفمبر 2025", D18),
    ("ar", "بيليم، 22 نوفمبر 2025", D22),
    ("zh", "2025年11月18日", D18),
    ("zh", "北京 2025年11月18日", D18),
    ("zh", "新华社北京2025年11月18日电", D18),
    ("zh", "２０２５年１１月１８日", D18),
    ("ja", "2025年11月18日（火）", D18),
    ("ja", "2025年11月18日 10:30", D18),
    ("ko", "2025년 11월 18일", D18),
    ("ko", "베이징 2025년 11월 18일", D18),
    ("pl", "18 listopada 2025", D18),
    ("tr", "18 Kasım 2025", D18),
    ("nl", "18 november 2025", D18),
    ("el", "18 Νοεμβρίου 2025", D18),
    ("he", "18 בנובמבר 2025", D18),
    ("vi", "Ngày 18 tháng 11 năm 2025", D18),
    ("id", "Selasa, 18 November 2025", D18),
    # Not a date line: prose that mentions a date, and a date that could be either.
    ("en", "The talks were held in Beijing on November 18, 2025, officials said.", None),
    ("zh", "2025年11月18日，中日官员在北京举行磋商。", None),
    ("en", "11/12/2025", None),
    ("en", "Officials met on Tuesday", None),
]


def ours(line: str) -> dt.date | None:
    return parse_date(line)


def table_only(line: str) -> dt.date | None:
    import summarizer._article as article

    fallback = article._other_language_date
    article._other_language_date = lambda text: None  # type: ignore[assignment]
    try:
        return parse_date(line)
    finally:
        article._other_language_date = fallback


def dateparser_reader() -> object | None:
    try:
        import dateparser  # type: ignore[import-untyped]
        from dateparser.search import search_dates  # type: ignore[import-untyped]
    except ImportError:
        return None

    def read(line: str) -> dt.date | None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = dateparser.parse(line)
            if found is None:
                hits = search_dates(line)
                found = hits[0][1] if hits else None
        return found.date() if found is not None else None

    return read


def main() -> None:
    readers = {"table only": table_only, "summarizer": ours}
    other = dateparser_reader()
    if other is None:
        print("dateparser is not installed: pip install -e .")
    else:
        readers["dateparser"] = other  # type: ignore[assignment]
    print(f"{len(CASES)} lines in {len({c[0] for c in CASES})} languages "
          f"({sum(1 for c in CASES if c[2] is None)} that are no date line)")  # fmt: skip
    for name, read in readers.items():
        read(CASES[0][1])  # warm up: dateparser loads its language data on first use
        started = time.perf_counter()
        results = [(language, line, expected, read(line)) for language, line, expected in CASES]
        seconds = time.perf_counter() - started
        right = sum(1 for _, _, expected, got in results if got == expected)
        wrong = [f"{language} {line!r} → {got}" for language, line, expected, got in results
                 if got != expected]  # fmt: skip
        print(
            f"{name:<12} right {right}/{len(CASES)}  ({seconds / len(CASES) * 1000:.2f} ms a line)"
        )
        for miss in wrong:
            print(f"    wrong: {miss}")


if __name__ == "__main__":
    main()
