"""An article, and how a text becomes one: metadata out of the prose, furniture out of the body.

What real files look like (see `seeds/`): a ` date 2025-11-18 ` prefix glued to the first
sentence; a date line in another language ("17 Novembre 2025"); a wire dateline
("Beijing, Nov. 17 (Jiji Press)–"); a photo credit and caption under the headline
("Akiko Yoshinaga / The Yomiuri Shimbun"); a copyright line followed by an unrelated teaser.
Everything that is not the article's own prose is removed here, before any model sees it. HTML
pages and feed items come here too, once their own metadata has been read.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ._control import clean_line, clean_text
from ._errors import InputError

__all__ = [
    "Article",
    "count_words",
    "main_date",
    "outlet_from_title",
    "parse_article",
    "parse_date",
    "published_before",
]


class Article(BaseModel):
    """One news article as read from a file, cleaned of everything but its own prose."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable id derived from the article body; cited by the model.")
    source: str = Field(description="The file the article was read from, or '-' for stdin.")
    outlet: str | None = Field(description="The outlet, when the text says it; otherwise null.")
    headline: str
    headline_from_lead: bool = Field(
        default=False, description="True when the file has no headline and the lead stands in."
    )
    published: dt.date | None = Field(description="Publication date, when the text says it.")
    url: str | None = Field(default=None, description="Where the article was published, if known.")
    agency: str | None = Field(
        default=None, description="The news agency named in the dateline, for wire copy."
    )
    language: str | None = Field(
        default=None, description="ISO 639-1 code of the language it is written in, if known."
    )
    body: str


# --- the furniture we recognise ------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\n\s*\n|\n")
_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+", re.IGNORECASE)

_MONTHS = {
    # English, French, Spanish, German, Italian: the languages wire copy tends to carry.
    **dict.fromkeys(["january", "jan", "janvier", "enero", "januar", "gennaio"], 1),
    **dict.fromkeys(["february", "feb", "février", "fevrier", "febrero", "februar", "febbraio"], 2),
    **dict.fromkeys(["march", "mar", "mars", "marzo", "märz", "maerz"], 3),
    **dict.fromkeys(["april", "apr", "avril", "abril", "aprile"], 4),
    **dict.fromkeys(["may", "mai", "mayo", "maggio"], 5),
    **dict.fromkeys(["june", "jun", "juin", "junio", "juni", "giugno"], 6),
    **dict.fromkeys(["july", "jul", "juillet", "julio", "juli", "luglio"], 7),
    **dict.fromkeys(["august", "aug", "août", "aout", "agosto"], 8),
    **dict.fromkeys(["september", "sep", "sept", "septembre", "septiembre", "settembre"], 9),
    **dict.fromkeys(["october", "oct", "octobre", "octubre", "oktober", "ottobre"], 10),
    **dict.fromkeys(["november", "nov", "novembre", "noviembre"], 11),
    **dict.fromkeys(
        ["december", "dec", "décembre", "decembre", "diciembre", "dezember", "dicembre"], 12
    ),
    # Portuguese, Russian and Ukrainian (genitive, as in dates), Arabic (the Egyptian names).
    **dict.fromkeys(["janeiro", "января", "січня", "يناير"], 1),
    **dict.fromkeys(["fevereiro", "февраля", "лютого", "فبراير"], 2),
    **dict.fromkeys(["março", "marco", "марта", "березня", "مارس"], 3),
    **dict.fromkeys(["апреля", "квітня", "أبريل", "ابريل"], 4),
    **dict.fromkeys(["maio", "мая", "травня", "مايو"], 5),
    **dict.fromkeys(["junho", "июня", "червня", "يونيو"], 6),
    **dict.fromkeys(["julho", "июля", "липня", "يوليو"], 7),
    **dict.fromkeys(["августа", "серпня", "أغسطس", "اغسطس"], 8),
    **dict.fromkeys(["setembro", "сентября", "вересня", "سبتمبر"], 9),
    **dict.fromkeys(["outubro", "октября", "жовтня", "أكتوبر", "اكتوبر"], 10),
    **dict.fromkeys(["novembro", "ноября", "листопада", "نوفمبر"], 11),
    **dict.fromkeys(["dezembro", "декабря", "грудня", "ديسمبر"], 12),
}
_MONTH = r"([^\W\d_]+)\.?"
# 2025年11月18日 (Chinese, Japanese), 2025년 11월 18일 (Korean); an agency's "电" after it.
_YEAR_MONTH_DAY_CJK = re.compile(
    r"^(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]电?"
    r"\s*(?:[(（]\w+[)）])?\s*(?:\d{1,2}:\d{2})?$"  # a weekday, a time; nothing else on the line
)
# 22/11/2025, 22.11.2025: read only when the day is past 12, or the month could not be a day.
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
# What stands before a date on a dateline: "BEIJING, ", "BELÉM, Brazil, ", "北京 ", "新华社北京",
# "ПЕКИН, ", "بيليم، ". Letters of any script, up to three comma-separated names.
_PLACE_BEFORE_DATE = re.compile(
    r"^[^\W\d_][^\W\d_ .'’/-]*(?:[ .'’/-]+[^\W\d_]+){0,3}"
    r"(?:[,،]\s*[^\W\d_]+(?:[ .'’/-]+[^\W\d_]+){0,3}){0,2}[,،]?\s*(?=\d)"
)
_YEAR_SUFFIX = re.compile(r"\s*(?:года|г\.|року|р\.)\s*$")
_DAY_MONTH_YEAR = re.compile(
    rf"^(\d{{1,2}})\.?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?(\d{{4}})$", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(rf"^{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})$", re.IGNORECASE)
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]|$)")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

# "Beijing, Nov. 17 (Jiji Press)–" : place, date, agency in parentheses, then a dash.
_WIRE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][\w .'/-]{1,40}),\s+[A-Z][a-z]{2,9}\.?\s+\d{1,2}\s+"
    r"\((?P<agency>[^)]{2,40})\)\s*[–—-]+\s*"
)
# "Akiko Yoshinaga / The Yomiuri Shimbun" : a photo credit, followed by the photo's caption.
_PHOTO_CREDIT = re.compile(
    r"^(?P<person>[A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+){0,3})\s+/\s+"
    r"(?P<outlet>(?:The\s)?[A-Z][\w&.' -]{2,60})$"
)
# "END [Copyright The Jiji Press, Ltd.]" and whatever teaser follows it.
_END_COPYRIGHT = re.compile(r"\bEND\s*\[\s*Copyright\s+(?P<holder>[^\]]+)\]", re.IGNORECASE)
_COPYRIGHT_LINE = re.compile(r"^(?:©|\(c\)|Copyright)\s*(?:\d{4}\s+)?(?P<holder>[^.]{3,60})", re.I)
_TRAILER = re.compile(
    r"^(?:Don't Miss|Don’t Miss|Related(?: Articles| Stories)?|More from [\w ]+"
    r"|Sign up for [\w ]+)\s*:?\s*$"
)
# A slot in the page's flow, which the article goes on after: "Advertisement", "Read more".
_SLOT = re.compile(r"^(?:Advertisement|Read more|Read More|Recommended)\s*:?\s*$")
# Subheadings a page stands under its headline (a standfirst, a kicker): more short lines than
# this before the first sentence are the article's own (a calendar, a list, a lead the page cut
# into pieces) and are kept.
MAX_SUBHEADINGS = 2
# "**Nairobi Observer** · 2025-11-15", "Electrek — November 18, 2025": a masthead and a date.
_OUTLET_AND_DATE = re.compile(
    r"^\**(?P<outlet>[A-Z][\w&.' -]{1,50}?)\**\s+[·—–|-]\s+(?P<date>[\w ,.-]{6,30})$"
)
_FRONT_MATTER = re.compile(r"\A---\n(?P<block>.*?)\n---\n", re.DOTALL)
# Sentence ends in every script: Latin and Cyrillic ".!?", the CJK full stops and marks "。！？．｡",
# Arabic and Urdu "؟۔", Devanagari's danda "।॥", Thai has none (a space ends a sentence), and the
# quote marks and brackets that may close a sentence after its mark.
_TERMINALS = ".!?…。！？．｡؟۔।॥"
_SENTENCE_END = re.compile(rf"[{_TERMINALS}\"”’)」』）】»]\s*$")
# Scripts written without spaces between words: CJK ideographs, kana, Thai, Lao, Khmer, Myanmar.
# A line of them is one "word" to str.split(); two characters are taken as a word instead.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]"
)
# "دمشق، سوريا (CNN) -- ...", "MOSCOW (Reuters) — ...": a dateline lead in any script, its place
# and agency, before a double hyphen or a dash.
_ANY_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][^()\n]{0,60}?)\s*\((?P<agency>[^()\n]{2,40})\)\s*(?:--|[–—])\s*"
)
_CORPORATE_SUFFIX = re.compile(r",?\s+(?:Ltd|Inc|LLC|Co|Corp|PLC|GmbH)\.?$", re.IGNORECASE)


# "Published:", "Veröffentlicht am", "Publié le", "Publicado el", "Pubblicato il", "Опубликовано":
# a label before the date, in the languages our month table reads.
_DATE_LABEL = re.compile(
    r"^[-–—|·\s]*(?:(?:date|dated|published|updated|posted)(?:\s+on)?"
    r"|(?:veröffentlicht|aktualisiert|erschienen)(?:\s+am)?|(?:publié|mis\s+à\s+jour)(?:\s+le)?"
    r"|(?:publicado|actualizado)(?:\s+el)?|(?:pubblicato|aggiornato)(?:\s+il)?"
    r"|опубликовано|обновлено)\s*:?\s+",
    re.IGNORECASE,
)
# "… 2026 um", "… 2025 à 14h05": the word before a time the page left off or wrote its own way.
_AT_AFTER = re.compile(
    r"\s+(?:um|à|a\s+las|alle|at|в)(?:\s+\d{1,2}[:.h]\d{2}\s*(?:uhr|h)?)?\s*$", re.I
)
# "Sat Nov 12 2011, 01: 19 hrs", "Monday, 18 November 2025 4:49 pm EST": a weekday before the
# date and a time after it, which say nothing about the day.
_WEEKDAY_BEFORE = re.compile(
    r"^(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+(?=\S)",
    re.IGNORECASE,
)
_TIME_AFTER = re.compile(
    r"(?:[,.\s]+(?:at\s+)?|\s*[-–—|·]\s*)\d{1,2}\s*[:.]\s*\d{2}(?:\s*[:.]\s*\d{2})?"
    r"(?:\s*(?:[ap]\.?m\.?|hrs?|h))?(?:\s+[A-Z]{2,5}(?:[+-]\d{1,2})?)?\s*$",
    re.IGNORECASE,
)


def _parse_date_line(text: str) -> dt.date | None:
    """The date a line of furniture carries: the date alone, or after a place (a dateline)."""
    # Full-width digits and spaces (２０２５年) read as ASCII ones.
    text = _DATE_LABEL.sub("", unicodedata.normalize("NFKC", text).strip())
    text = _YEAR_SUFFIX.sub("", text)
    text = _AT_AFTER.sub("", _TIME_AFTER.sub("", _WEEKDAY_BEFORE.sub("", text)))
    if len(text) > 80:
        return None  # prose, not furniture
    place = _PLACE_BEFORE_DATE.match(text)
    after_place = text[place.end() :] if place else text
    found = _date_alone(text) or (_date_alone(after_place) if place else None)
    if found is None:
        # "BEIJING, November 18, 2025": the month name starts the date.
        for cut in re.finditer(r"[,،]\s*", text):
            if (found := _date_alone(text[cut.end() :])) is not None:
                break
    return found or _other_language_date(after_place)


# A line that may be a date in a language our table lacks: short, with a year, a day and a word.
_MAYBE_DATE = re.compile(
    r"^(?=.{6,40}$)(?=.*\b(?:19|20)\d{2}\b)(?=.*\b(?:0?[1-9]|[12]\d|3[01])\b)(?=.*[^\W\d_]{2})"
)


def _other_language_date(text: str) -> dt.date | None:
    """dateparser, for "18 listopada 2025", "18 Νοεμβρίου 2025", "Ngày 18 tháng 11 năm 2025":
    right on lines our table does not know, but 3 to 300 ms a line and it reads prose as dates,
    so only a short line with a year, a day and a word reaches it, and it must find all three."""
    if not _MAYBE_DATE.match(text):
        return None
    import warnings

    import dateparser

    # "04 آذار/مارس 2012": Arabic pages give a month its Levantine and its Egyptian name; each
    # is tried alone.
    tries = [text]
    if _MONTH_PAIR.search(text):
        tries += [_MONTH_PAIR.sub(r"\2", text), _MONTH_PAIR.sub(r"\1", text)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own deprecation warnings, about its internals
        for each in tries:
            found = dateparser.parse(each, settings={"STRICT_PARSING": True})
            # It reads "12 2011, 01: 19 hrs" as 1 December of this year: a date whose year and
            # day the line does not write is not the line's.
            numbers = {int(n) for n in re.findall(r"\d+", each)}
            if found is not None and {found.year, found.day} <= numbers:
                day: dt.date = found.date()
                return day
    return None


_MONTH_PAIR = re.compile(r"([^\W\d_]+)/([^\W\d_]+)")


def _date_alone(text: str) -> dt.date | None:
    if numeric := _NUMERIC_DATE.match(text):
        first, second, year = (int(g) for g in numeric.groups())
        day, month_of_year = (
            (first, second) if first > 12 or first == second else (second, first) if second > 12
            else (0, 0)
        )  # fmt: skip
        try:
            return dt.date(year, month_of_year, day) if day else None
        except ValueError:
            return None
    patterns = (
        (_ISO_DATE, "ymd"),
        (_YEAR_MONTH_DAY_CJK, "ymd"),
        (_DAY_MONTH_YEAR, "dmy"),
        (_MONTH_DAY_YEAR, "mdy"),
    )
    for pattern, order in patterns:
        match = pattern.match(text)
        if not match:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        month = parts["m"]
        month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
        if month_number is None:
            return None
        try:
            return dt.date(int(parts["y"]), month_number, int(parts["d"]))
        except ValueError:
            return None
    return None


def _outlet_name(holder: str) -> str:
    """'The Jiji Press, Ltd.' -> 'Jiji Press'."""
    name = _CORPORATE_SUFFIX.sub("", holder.strip().rstrip("."))
    return re.sub(r"^The\s+", "", name).strip()


def count_words(line: str) -> int:
    """The words of `line`, in any script: split on spaces, and two characters a word where a
    script has no spaces between words."""
    unspaced = len(_UNSPACED.findall(line))
    return len(line.split()) + (unspaced + 1) // 2 - (1 if unspaced else 0)


def _is_title_like(line: str) -> bool:
    """A headline or subheading: short, and not ending like a sentence."""
    return 0 < count_words(line) <= 20 and not _SENTENCE_END.search(line)


_SIMPLE_DATELINE = re.compile(r"^[A-Z][a-z]+(?:/[A-Z][a-z]+)*:\s+")


def _first_sentence(text: str, limit: int = 110) -> str:
    text = _SIMPLE_DATELINE.sub("", text[: limit * 20])  # "Beijing/Tokyo: Officials" -> "Officials"
    sentence = re.split(r"(?<=[.!?؟۔।])\s+|(?<=[。！？｡])\s*", text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence.rstrip(".")
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


def _paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; a file with one paragraph per line works too."""
    # Regular expressions, not str.split(): a 25 MB file would become millions of word objects.
    return [_WHITESPACE.sub(" ", p).strip() for p in _LINE_BREAK.split(text) if p.strip()]


@dataclass
class _Metadata:
    outlet: str | None = None
    headline: str | None = None
    published: dt.date | None = None
    agency: str | None = None


def _front_matter(text: str, meta: _Metadata) -> str:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text
    for line in match["block"].splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip().strip("'\"")
        if not value:
            continue
        if key in {"title", "headline"}:
            meta.headline = value
        elif key in {"outlet", "source", "publication", "publisher"}:
            meta.outlet = value
        elif key in {"date", "published"}:
            meta.published = _parse_date_line(value[:10])
    return text[match.end() :]


def main_date(articles: Iterable[Article]) -> dt.date | None:
    """The date most of `articles` were published on (the latest, on a tie): the story's day.

    An article published before it is an earlier report — a preview, at the extreme — whose
    expectations are not the story's outcomes.
    """
    counts = Counter(a.published for a in articles if a.published is not None)
    return max(counts, key=lambda day: (counts[day], day)) if counts else None


def published_before(article: Article, day: dt.date | None) -> bool:
    return day is not None and article.published is not None and article.published < day


def parse_date(value: str) -> dt.date | None:
    """A date from an ISO date or timestamp, an RFC 2822 date, or a date line in prose."""
    value = value.strip()
    if _ISO_TIMESTAMP.match(value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return _parse_date_line(value)


_NAME_SEPARATORS = re.compile(r"\s+(?:-|–|—|\|)\s+")


def outlet_from_title(title: str, headline: str | None = None) -> str | None:
    """'Port strike ends - Harbour Gazette' -> 'Harbour Gazette' (pages and saved files)."""
    parts = _NAME_SEPARATORS.split(title.strip())
    if len(parts) < 2:
        return None
    candidate = parts[-1].strip()
    words = candidate.split()
    if not 0 < len(words) <= 5 or not candidate[0].isupper() or candidate == headline:
        return None
    return candidate


def parse_article(
    text: str,
    source: str,
    *,
    headline: str | None = None,
    outlet: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
) -> Article:
    """Parse one article's text; `source` names the file in errors and in the briefing's notes.

    Metadata already known (from an HTML page or a feed item) is passed in and wins over what the
    text says; the text's own furniture is removed either way. Every file format comes through
    here, so here every field that is later printed or sent is cleaned of what a terminal obeys
    (escape sequences, control characters, bidi overrides: `clean_text`); quotes are verified
    against the cleaned text. `source` stays the path as it is, to open it again.
    """
    if "\x00" in text:
        raise InputError(source, "binary data (NUL bytes), not an article")
    text = clean_text(text).lstrip("\ufeff")
    if not text.strip():
        raise InputError(source, "empty file")

    headline, outlet, url = (_one_line(value) for value in (headline, outlet, url))
    meta = _Metadata(outlet=outlet, headline=headline, published=published)
    text = _front_matter(text, meta)
    if match := _DATE_PREFIX.match(text):
        meta.published = meta.published or dt.date.fromisoformat(match[1])
        text = text[match.end() :]

    end = _END_COPYRIGHT.search(text)
    if end:
        meta.outlet = meta.outlet or _outlet_name(end["holder"])
        text = text[: end.start()]

    paragraphs = _paragraphs(text)
    body: list[str] = []
    expect_caption = False
    subheadings: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if _TRAILER.match(paragraph):
            break  # "Don't Miss" and the like: what follows belongs to other articles.
        if _SLOT.match(paragraph):
            continue
        if copyright_line := _COPYRIGHT_LINE.match(paragraph):
            if not body:
                continue  # above the article ("© 2002, 2003", "Copyright Notice"): not its end
            meta.outlet = meta.outlet or _outlet_name(copyright_line["holder"])
            break
        if not body:
            # Furniture only stands above the first paragraph of prose.
            if headline is not None and paragraph.casefold() == headline.casefold():
                continue  # the page repeats its title above the text
            if paragraph.startswith("#"):
                meta.headline = meta.headline or paragraph.lstrip("#").strip()
                continue
            byline = _OUTLET_AND_DATE.match(paragraph)
            if byline and (date := _parse_date_line(byline["date"])) is not None:
                meta.outlet = meta.outlet or byline["outlet"].strip()
                meta.published = meta.published or date
                continue
            if (date := _parse_date_line(paragraph)) is not None:
                meta.published = meta.published or date
                continue
            if credit := _PHOTO_CREDIT.match(paragraph):
                meta.outlet = meta.outlet or credit["outlet"].strip()
                expect_caption = True
                continue
            if expect_caption:
                expect_caption = False
                continue  # the photo's caption, which describes a picture we do not have
            if _is_title_like(paragraph) and index + 1 < len(paragraphs):
                if meta.headline is None:
                    meta.headline = paragraph
                else:
                    subheadings.append(paragraph)
                continue  # a subheading under the headline, unless more follow
            if dateline := _WIRE_DATELINE.match(paragraph) or _ANY_DATELINE.match(paragraph):
                meta.agency = dateline["agency"].strip()
                paragraph = paragraph[dateline.end() :]
        elif (
            len(body) == 1
            and meta.published is None
            and (date := _parse_date_line(paragraph)) is not None
        ):
            # A dateline lead, then the date alone on the next line (as CNN's Arabic pages do).
            meta.published = date
            continue
        if not body and len(subheadings) > MAX_SUBHEADINGS:
            body.extend(subheadings)
        body.append(paragraph)

    body_text = "\n\n".join(body).strip()
    if not body_text:
        raise InputError(source, "no article text after the headline")
    # The agency of a dateline is the outlet only when nothing names a publisher: a copyright
    # line below a wire story names the masthead that republished it.
    meta.outlet = meta.outlet or meta.agency
    if meta.outlet is None and source != "-" and "#" not in source:
        meta.outlet = outlet_from_title(Path(source).name.split(".")[0], meta.headline)
    meta.headline, meta.outlet = _one_line(meta.headline), _one_line(meta.outlet)
    headline_from_lead = meta.headline is None
    # Paragraphs are whitespace-normalised already; joining them with spaces is the same text
    # as " ".join(body.split()) without millions of word objects for a large file.
    normalized = body_text.replace("\n\n", " ").encode("utf-8")
    return Article(
        id=hashlib.sha256(normalized).hexdigest()[:8],
        source=source,
        outlet=meta.outlet,
        headline=meta.headline or _first_sentence(body_text),
        headline_from_lead=headline_from_lead,
        published=meta.published,
        url=url,
        agency=_one_line(meta.agency),
        body=body_text,
    )


def _one_line(value: str | None) -> str | None:
    """A headline, an outlet or a link: one line, no control characters; None when nothing is
    left (a title of escape sequences alone)."""
    return clean_line(value) or None if value is not None else None
