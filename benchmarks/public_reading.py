"""Reading HTML pages nobody here wrote, per language: how much of each page's article text the
tool keeps, and how much it adds, against the expected text of public extraction benchmarks.

Each page is written, decompressed, to a temporary folder as `<set>-<name>.html` and the folder is
read with `read_articles`, as `summarizer brief DIR` reads a day's pages (trafilatura, then
`parse_article`'s clean-up). What is measured is the text the model would be sent: the article's
headline and body. A page the tool refuses is read as nothing (0 kept) and its reason is listed.

    kept   the share of the expected text's tokens found in the tool's text
    extra  the share of the tool's tokens not in the expected text

Both as bag-of-tokens (multiset) overlap after NFC, NFKC and casefold. A token is a word (a run
of letters, digits and marks) in a script written with spaces, and one character (with its
combining marks) in one written without (Han, kana, Thai, Lao, Khmer, Myanmar), decided per
character; soft hyphens and zero-width joiners are not breaks. Per language: pages, pages
refused, kept and extra summed over pages (micro average), the median page's kept, and how many
pages keep under 90%; then all pages together, and each set.

A page's language is its `<html lang>` (primary subtag: en-US -> en), unless the expected text is
written in a script that language is not written in (a Chinese page marked `lang="en"`); then, or
without the attribute, the expected text's script says it (Han -> zh, with kana -> ja; Hangul ko,
Thai th, Arabic ar, Devanagari hi, Cyrillic ru, Hebrew he, Greek el, Bengali bn, Myanmar my);
a page in Latin script without one is given the tool's own language detection
(`summarizer._language.detect_language`, py3langid) over the expected text, else 'und'.

The sets, each from a checkout (a work tree or a bare git directory, read at HEAD) named by an
environment variable; at least one is needed:

    FUNDUS           flairNLP/fundus (MIT): tests/resources/parser/test_data/<country>/
                     <Publisher>_<date>.html.gz; the expected text is body.summary and each
                     section's headline and paragraphs in <Publisher>.json, one entry per parser
                     version, paired with its page by content (the entry's title and paragraphs
                     found in the page), the page's date breaking ties
    READABILITY      mozilla/readability (Apache-2.0): test/test-pages/<name>/source.html, the
                     text of expected.html
    NEWSPAPER4K      AndyTheFactory/newspaper4k (MIT): tests/data/html/<name>.html and
                     tests/data/txt/<name>.txt
    GOOSE3           goose3/goose3 (Apache-2.0): tests/data/content/test_*.html, cleaned_text in
                     the .json beside it (goose3's tests check only that the text starts so: an
                     expected text may be the article's beginning, which overstates extra)
    SCRAPINGHUB_AEB  scrapinghub/article-extraction-benchmark (MIT): html/<sha>.html.gz,
                     articleBody in ground-truth.json

The licences are the benchmarks' code and annotations; the pages stay their publishers'
copyright, and none is shipped here. Synthetic pages are left out: an expected text under
300 characters (the tiny test pages of goose3 and readability) or of lorem ipsum. Norwegian
Bokmål and Nynorsk (nb, nn) count as Norwegian (no). A page found
in two sets (the same bytes) is read once.

    FUNDUS=/path/to/fundus READABILITY=/path/to/readability NEWSPAPER4K=/path/to/newspaper4k \\
    GOOSE3=/path/to/goose3 SCRAPINGHUB_AEB=/path/to/article-extraction-benchmark \\
        python benchmarks/public_reading.py [--worst N] [--keep-pages DIR]

`--worst N` lists each language's N pages that keep least: kept, extra, the tool's headline and
the start of what it missed (the runs of the expected text outside the longest common runs of
the two texts' tokens, so a dropped paragraph shows whole); `--keep-pages DIR` writes the pages
to DIR (and keeps them) instead of a temporary folder, to read one again by hand.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import html
import json
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from summarizer import Article  # noqa: E402
from summarizer._language import detect_language  # noqa: E402
from summarizer.read._paths import read_articles  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from _checkout import checkout_files  # noqa: E402

MIN_EXPECTED = 300  # characters: under it, a test page made to test one thing, not an article
GOOD_KEPT = 0.9
MISSED_SHOWN = 200


# --- reading the checkouts -----------------------------------------------------------------------


@dataclass
class Page:
    set: str
    name: str
    html: bytes
    expected: str
    language: str = "und"
    language_from: str = "none"


@dataclass
class Score:
    page: Page
    expected_tokens: int
    tool_tokens: int
    common: int
    said: str = ""
    headline: str = ""
    refused: str | None = None

    @property
    def kept(self) -> float:
        return self.common / self.expected_tokens if self.expected_tokens else 1.0

    @property
    def extra(self) -> float:
        return (self.tool_tokens - self.common) / self.tool_tokens if self.tool_tokens else 0.0


def _fundus_body(entry: dict[str, object]) -> str:
    body = entry.get("body")
    if not isinstance(body, dict):
        return ""
    parts: list[str] = [str(x) for x in body.get("summary") or []]
    for section in body.get("sections") or []:
        parts += [str(x) for x in section.get("headline") or []]
        parts += [str(x) for x in section.get("paragraphs") or []]
    return "\n\n".join(parts)


def _squeezed(text: str) -> str:
    return " ".join(html.unescape(text).split()).casefold()


def _found_in(entry: dict[str, object], page: str) -> float:
    """How much of a fundus entry `page` (squeezed) holds: its title (1), and the share of its
    first paragraphs whose first 60 characters stand in it."""
    title = _squeezed(str(entry.get("title") or ""))
    paragraphs = [_squeezed(p)[:60] for p in _fundus_body(entry).split("\n\n")][:20]
    paragraphs = [p for p in paragraphs if len(p) >= 20]
    share = sum(p in page for p in paragraphs) / len(paragraphs) if paragraphs else 0.0
    return (1.0 if title and title in page else 0.0) + share


def _fundus(root: Path) -> list[Page]:
    folder = "tests/resources/parser/test_data"
    files = checkout_files(root, folder, lambda p: p.endswith((".json", ".html.gz")))
    pages: list[Page] = []
    by_publisher: dict[str, list[str]] = defaultdict(list)
    for path in files:
        if path.endswith(".html.gz"):
            country_path, name = path.rsplit("/", 1)
            by_publisher[f"{country_path}/{name.rsplit('_', 3)[0]}"].append(path)
    for publisher, paths in sorted(by_publisher.items()):
        entries = json.loads(files.get(f"{publisher}.json", b"{}"))
        texts = {p: gzip.decompress(files[p]).decode("utf-8", "replace") for p in sorted(paths)}
        squeezed = {p: _squeezed(t) for p, t in texts.items()}
        # Each version's entry with the page that holds it; the order of the versions and of the
        # pages' dates (which is how fundus's own tests pair them) breaks a tie.
        ranked = sorted(
            (
                (-_found_in(entry, squeezed[p]), abs(i - j), key, p)
                for i, (key, entry) in enumerate(sorted(entries.items()))
                for j, p in enumerate(sorted(paths))
            ),
        )
        used_keys: set[str] = set()
        used_pages: set[str] = set()
        for _, _, key, path in ranked:
            if key in used_keys or path in used_pages:
                continue
            used_keys.add(key)
            used_pages.add(path)
            country = publisher.split("/")[-2]
            name = f"{country}-{Path(path).name.removesuffix('.html.gz')}"
            pages.append(Page("fundus", name, texts[path].encode(), _fundus_body(entries[key])))
    return pages


class _Text(HTMLParser):
    """An HTML document's text, a block element a paragraph; no script, style or template."""

    BLOCKS = frozenset(
        "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 "
        "h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
    )
    HIDDEN = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(document: str) -> str:
    parser = _Text()
    parser.feed(document)
    parser.close()
    paragraphs = (" ".join(p.split()) for p in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _readability(root: Path) -> list[Page]:
    folder = "test/test-pages"
    files = checkout_files(root, folder, lambda p: p.endswith(("/source.html", "/expected.html")))
    pages = []
    for path in sorted(files):
        if path.endswith("/source.html"):
            name = path.split("/")[-2]
            expected = files.get(path.replace("/source.html", "/expected.html"))
            if expected is not None:
                text = html_text(expected.decode("utf-8", "replace"))
                pages.append(Page("readability", name, files[path], text))
    return pages


def _newspaper4k(root: Path) -> list[Page]:
    files = checkout_files(root, "tests/data", lambda p: p.endswith((".html", ".txt")))
    pages = []
    for path in sorted(files):
        if path.startswith("tests/data/html/"):
            name = Path(path).stem
            expected = files.get(f"tests/data/txt/{name}.txt")
            if expected is not None:
                text = expected.decode("utf-8", "replace")
                pages.append(Page("newspaper4k", name, files[path], text))
    return pages


def _goose3(root: Path) -> list[Page]:
    files = checkout_files(root, "tests/data/content", lambda p: p.endswith((".html", ".json")))
    pages = []
    for path in sorted(files):
        if path.endswith(".html") and Path(path).name.startswith("test_"):
            data = files.get(path.removesuffix(".html") + ".json")
            if data is not None:
                expected = json.loads(data).get("expected", {}).get("cleaned_text") or ""
                name = Path(path).stem.removeprefix("test_")
                pages.append(Page("goose3", name, files[path], str(expected)))
    return pages


def _scrapinghub(root: Path) -> list[Page]:
    files = checkout_files(root, "", lambda p: p == "ground-truth.json" or p.startswith("html/"))
    truth = json.loads(files["ground-truth.json"])
    pages = []
    for sha, record in sorted(truth.items()):
        data = files.get(f"html/{sha}.html.gz")
        if data is not None:
            expected = str(record.get("articleBody") or "")
            pages.append(Page("scrapinghub", sha[:12], gzip.decompress(data), expected))
    return pages


SETS: dict[str, tuple[str, Callable[[Path], list[Page]]]] = {
    "fundus": ("FUNDUS", _fundus),
    "readability": ("READABILITY", _readability),
    "newspaper4k": ("NEWSPAPER4K", _newspaper4k),
    "goose3": ("GOOSE3", _goose3),
    "scrapinghub": ("SCRAPINGHUB_AEB", _scrapinghub),
}


# --- tokens and scripts --------------------------------------------------------------------------

# Scripts written without spaces between words: Han, kana, Thai, Lao, Myanmar, Khmer.
_UNSPACED_RANGES = (
    (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F), (0x20000, 0x2FA1F), (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF),
)  # fmt: skip


def _unspaced(character: str) -> bool:
    point = ord(character)
    return any(low <= point <= high for low, high in _UNSPACED_RANGES)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """`text`'s tokens, each normalised (NFKC, casefolded), with where it stands in `text`
    (after NFC): words in spaced scripts, single characters (and their marks) in unspaced ones."""
    text = unicodedata.normalize("NFC", text)
    found: list[tuple[str, int, int]] = []
    word: list[str] = []
    start = 0

    def flush(end: int) -> None:
        if word:
            found.append(("".join(word), start, end))
            word.clear()

    for index, character in enumerate(text):
        category = unicodedata.category(character)
        if category == "Cf":
            continue  # a soft hyphen or a zero-width joiner: not a break between words
        if category[0] not in "LNM":
            flush(index)
            continue
        normal = unicodedata.normalize("NFKC", character).casefold()
        if category[0] == "M" and found and not word and found[-1][2] == index:
            # A mark after a character of an unspaced script (Thai vowels and tones) is part of
            # that character's token.
            token, begin, _ = found[-1]
            found[-1] = (token + normal, begin, index + 1)
        elif _unspaced(character):
            flush(index)
            found.append((normal, index, index + 1))
        else:
            if not word:
                start = index
            word.append(normal)
    flush(len(text))
    return found


_SCRIPTS = (
    ("kana", ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))),
    ("han", ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))),
    ("hangul", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),
    ("thai", ((0x0E00, 0x0E7F),)),
    ("arabic", ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("devanagari", ((0x0900, 0x097F),)),
    ("bengali", ((0x0980, 0x09FF),)),
    ("cyrillic", ((0x0400, 0x052F),)),
    ("hebrew", ((0x0590, 0x05FF),)),
    ("greek", ((0x0370, 0x03FF), (0x1F00, 0x1FFF))),
    ("myanmar", ((0x1000, 0x109F),)),
)
_SCRIPT_LANGUAGE = {
    "han": "zh", "hangul": "ko", "thai": "th", "arabic": "ar", "devanagari": "hi",
    "bengali": "bn", "cyrillic": "ru", "hebrew": "he", "greek": "el", "myanmar": "my",
}  # fmt: skip
# The script each language is written in, where it is not Latin.
_LANGUAGE_SCRIPT = {
    **dict.fromkeys(["zh", "ja", "yue"], "han"), "ko": "hangul", "th": "thai",
    **dict.fromkeys(["ar", "fa", "ur", "ps", "ckb"], "arabic"),
    **dict.fromkeys(["hi", "mr", "ne", "sa"], "devanagari"), "bn": "bengali",
    **dict.fromkeys(["ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn"], "cyrillic"),
    **dict.fromkeys(["he", "yi"], "hebrew"), "el": "greek", "my": "myanmar",
}  # fmt: skip
# Bokmål and Nynorsk are written Norwegian (fundus's Norwegian pages say both "no" and "nb").
_SAME_LANGUAGE = {"nb": "no", "nn": "no"}
_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3})\b", re.IGNORECASE)


def _script_of(character: str) -> str:
    point = ord(character)
    for name, ranges in _SCRIPTS:
        if any(low <= point <= high for low, high in ranges):
            return name
    return "latin"


def script_language(text: str) -> str | None:
    """The language the script of `text`'s letters says (None for Latin): Han is zh, unless kana
    stands among it (ja)."""
    counts = Counter(_script_of(c) for c in text if c.isalpha())
    if not counts:
        return None
    if counts["kana"] and counts["kana"] >= 0.05 * (counts["kana"] + counts["han"]):
        counts["han"] += counts.pop("kana")
        top = max(counts, key=lambda s: counts[s])
        return "ja" if top == "han" else _SCRIPT_LANGUAGE.get(top)
    counts["han"] += counts.pop("kana", 0)
    top = max(counts, key=lambda s: counts[s])
    return _SCRIPT_LANGUAGE.get(top)


def page_language(page: Page) -> tuple[str, str]:
    """The page's language and what said it: 'html lang', 'script', 'py3langid' or 'none'."""
    match = _HTML_LANG.search(page.html[:20_000])
    declared = match[1].decode().lower() if match else None
    if declared in {"und", "xx", "zxx", "mul"}:
        declared = None
    declared = _SAME_LANGUAGE.get(declared, declared) if declared else None
    written = script_language(page.expected)
    if declared is not None and _LANGUAGE_SCRIPT.get(declared) == (
        _LANGUAGE_SCRIPT.get(written) if written else None
    ):
        return declared, "html lang"
    if written is not None:
        return written, "script"
    detected = detect_language(page.expected)
    return (detected, "py3langid") if detected else ("und", "none")


# --- reading and scoring -------------------------------------------------------------------------


_LOREM = re.compile(r"lorem ipsum|dolore magna aliqua|consectetur adipiscing", re.IGNORECASE)


def synthetic(page: Page) -> bool:
    return len(page.expected.strip()) < MIN_EXPECTED or _LOREM.search(page.expected) is not None


def _file_name(page: Page) -> str:
    return re.sub(r"[^\w.-]+", "_", f"{page.set}-{page.name}") + ".html"


def missed(expected: str, said: str) -> str:
    """The runs of the expected text the tool's text does not have, in order, joined by ' … ':
    the expected tokens outside the longest common runs of the two token sequences."""
    text = unicodedata.normalize("NFC", expected)
    marks = tokens(expected)
    matcher = difflib.SequenceMatcher(
        None, [t for t, _, _ in marks], [t for t, _, _ in tokens(said)], autojunk=False
    )
    runs: list[tuple[int, int]] = []
    at = 0
    for block in matcher.get_matching_blocks():
        if block.a > at:
            runs.append((marks[at][1], marks[block.a - 1][2]))
        at = block.a + block.size
    shown = " … ".join(" ".join(text[a:b].split()) for a, b in runs)
    return shown[:MISSED_SHOWN] + ("…" if len(shown) > MISSED_SHOWN else "")


def score(page: Page, article: Article | None, refused: str | None) -> Score:
    expected = Counter(t for t, _, _ in tokens(page.expected))
    said = f"{article.headline}\n{article.body}" if article is not None else ""
    tool = Counter(t for t, _, _ in tokens(said))
    return Score(
        page,
        expected_tokens=sum(expected.values()),
        tool_tokens=sum(tool.values()),
        common=sum((expected & tool).values()),
        said=said,
        headline=article.headline if article is not None else "",
        refused=refused,
    )


def read(pages: list[Page], folder: Path) -> tuple[list[Score], float]:
    """Each page read by the tool from `folder`, scored; and the seconds reading took."""
    by_file = {_file_name(page): page for page in pages}
    for name, page in by_file.items():
        (folder / name).write_bytes(page.html)
    started = time.perf_counter()
    articles, failures = read_articles([folder])
    seconds = time.perf_counter() - started
    article_of = {Path(a.source).name: a for a in articles}
    reason_of = {Path(f.source).name: f.reason for f in failures}
    scores = [
        score(page, article_of.get(name), reason_of.get(name, "not read") if name not in
              article_of else None)
        for name, page in by_file.items()
    ]  # fmt: skip
    return scores, seconds


@dataclass
class Row:
    label: str
    scores: list[Score] = field(default_factory=list)

    def line(self) -> str:
        scores = self.scores
        expected = sum(s.expected_tokens for s in scores)
        tool = sum(s.tool_tokens for s in scores)
        common = sum(s.common for s in scores)
        kept = common / expected if expected else 1.0
        extra = (tool - common) / tool if tool else 0.0
        median = statistics.median(s.kept for s in scores)
        under = sum(s.kept < GOOD_KEPT for s in scores)
        refused = sum(s.refused is not None for s in scores)
        return (
            f"{self.label:12} {len(scores):5} {refused:7} {kept:7.1%} {extra:7.1%} "
            f"{median:11.1%} {under:9}"
        )


HEADER = f"{'language':12} {'pages':>5} {'refused':>7} {'kept':>7} {'extra':>7} "
HEADER += f"{'median kept':>11} {'<90% kept':>9}"


def _rows(scores: Iterable[Score], key: Callable[[Score], str]) -> list[Row]:
    rows: dict[str, Row] = {}
    for each in scores:
        rows.setdefault(key(each), Row(key(each))).scores.append(each)
    return sorted(rows.values(), key=lambda r: (-len(r.scores), r.label))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--worst", type=int, default=0, metavar="N", help="N worst pages a language"
    )
    parser.add_argument("--keep-pages", type=Path, metavar="DIR", help="write the pages here")
    options = parser.parse_args()
    chosen = {name: os.environ[var] for name, (var, _) in SETS.items() if os.environ.get(var)}
    if not chosen:
        usage = "The sets, each" + __doc__.split("The sets, each")[1].split("The licences")[0]
        print(usage.rstrip(), file=sys.stderr)
        return 2
    started = time.perf_counter()
    pages: list[Page] = []
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    for name, root in chosen.items():
        for page in SETS[name][1](Path(root)):
            digest = hashlib.sha256(page.html).hexdigest()
            if synthetic(page) or digest in seen:
                skipped[page.set] += 1
                continue
            seen.add(digest)
            page.language, page.language_from = page_language(page)
            pages.append(page)
    if options.keep_pages is not None:
        options.keep_pages.mkdir(parents=True, exist_ok=True)
        scores, reading = read(pages, options.keep_pages)
    else:
        with tempfile.TemporaryDirectory(prefix="public-reading-") as folder:
            scores, reading = read(pages, Path(folder))

    print(HEADER)
    by_language = _rows(scores, lambda s: s.page.language)
    for row in by_language:
        print(row.line())
    print(Row("all", scores).line())
    print()
    print(HEADER.replace("language", "set     ", 1))
    for row in _rows(scores, lambda s: s.page.set):
        print(row.line() + f"   ({skipped[row.label]} synthetic or repeated, left out)")
    sources = Counter(p.language_from for p in pages)
    print("\nlanguage from: " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    refusals = [s for s in scores if s.refused is not None]
    if refusals:
        print("refused:")
        for each in refusals:
            print(f"  {each.page.set}/{each.page.name} [{each.page.language}]: {each.refused}")
    if options.worst:
        for row in by_language:
            print(f"\n{row.label}: the {options.worst} pages that keep least")
            for each in sorted(row.scores, key=lambda s: s.kept)[: options.worst]:
                print(
                    f"  {each.page.set}/{each.page.name}  kept {each.kept:.1%}  "
                    f"extra {each.extra:.1%}  ({each.expected_tokens} tokens expected)"
                )
                print(f"    headline: {each.headline or '(refused: ' + str(each.refused) + ')'}")
                print(f"    missed:   {missed(each.page.expected, each.said) or '(nothing)'}")
    total = time.perf_counter() - started
    print(f"\n{len(pages)} pages read in {reading:.1f} s; {total:.1f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
