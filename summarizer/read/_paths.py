"""Read: files, folders, globs and stdin → `Article`s; a bad file is reported, not fatal.

Plain text and Markdown go straight to `parse_article`; HTML pages through trafilatura
(`_html`); JSON and JSON Lines feeds item by item (`_feed`). Bytes become text in
`_decode`, whatever their encoding. A gzipped file (`page.html.gz`) is read as what it holds.
"""

from __future__ import annotations

import errno
import glob
import gzip
import hashlib
import io
import itertools
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .._article import Article, parse_article
from .._errors import InputError
from .._language import detect_language
from ._decode import decode_text
from ._feed import FEED_SUFFIXES, parse_feed
from ._html import HTML_SUFFIXES, parse_html

__all__ = ["ARTICLE_SUFFIXES", "MAX_FILE_BYTES", "load_articles", "read_articles"]

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
STDIN = "-"
MAX_FILE_BYTES = 10_000_000  # a long feature is 100 kB; a day's JSONL export a few MB


def _kind(source: str) -> str:
    """The suffix that says how to read `source`, looking through a final `.gz`."""
    suffixes = [s.lower() for s in Path(source).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _readable(path: Path) -> bool:
    return _kind(str(path)) in ARTICLE_SUFFIXES


def _folder_files(folder: Path) -> tuple[list[str], list[InputError]]:
    """Article files under `folder`, recursively, and a reason for each folder that could not be
    listed (its files are not read, and that is said). Hidden entries are skipped, symlinked
    folders not followed (a link loop cannot trap the walk)."""
    files = []
    unlisted: list[InputError] = []

    def not_listed(error: OSError) -> None:
        where = str(error.filename) if error.filename is not None else str(folder)
        reason = error.strerror or type(error).__name__
        unlisted.append(InputError(where, f"folder not read: {reason}"))

    for root, directories, names in os.walk(folder, onerror=not_listed, followlinks=False):
        directories[:] = sorted(d for d in directories if not d.startswith("."))
        for name in names:
            path = Path(root) / name
            if not name.startswith(".") and _readable(path):
                files.append(str(path))
    return sorted(files), sorted(unlisted, key=lambda error: error.source)


def _link_problem(path: Path) -> str | None:
    if not path.is_symlink():
        return None
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        return "broken symbolic link"
    return None


def _expand(paths: Iterable[str | Path]) -> tuple[list[str], list[InputError]]:
    """Files named, files in folders named (recursively), and glob matches, in a stable order;
    and the folders among them that could not be listed."""
    found: list[str] = []
    unlisted: list[InputError] = []
    for raw in paths:
        path = str(raw)
        try:
            files, problems = _expand_one(path)
        except OSError as error:  # a name too long, a folder on the way that cannot be entered
            raise InputError(path, error.strerror or type(error).__name__) from None
        except ValueError:  # os.stat refuses a NUL byte in a name
            raise InputError(path, "a path cannot hold a NUL byte") from None
        found.extend(files)
        unlisted.extend(problems)
    return list(dict.fromkeys(found)), unlisted


def _expand_one(path: str) -> tuple[list[str], list[InputError]]:
    if path == STDIN:
        return [STDIN], []
    candidate = Path(path)
    if (problem := _link_problem(candidate)) is not None:
        raise InputError(path, problem)
    if candidate.is_dir():
        files, unlisted = _folder_files(candidate)
        if not files and not unlisted:
            raise InputError(path, "no articles in this folder (.txt .md .html .json .jsonl)")
        return files, unlisted
    if candidate.exists():
        return [path], []
    if glob.has_magic(path):
        matches = sorted(m for m in glob.glob(path, recursive=True) if Path(m).is_file())
        if not matches:
            raise InputError(path, "the pattern matches no file")
        return matches, []
    raise InputError(path, "no such file or directory")


# Reading is spread over processes (their start-up costs ~0.1 s) once a day holds this many
# text files' worth of work: a text file is read in about 1 ms, an HTML page or a feed in about
# 50 (trafilatura; measured on 50 saved pages of public news sites), so 8 pages are enough.
PARALLEL_FROM = 256
PAGE_WEIGHT = 32
_PAGES = HTML_SUFFIXES | FEED_SUFFIXES
MAX_READERS = 8


def _too_large(size: int, limit: int) -> str:
    return f"larger than the {limit:,}-byte limit (SUMMARIZER_MAX_FILE_BYTES): {size:,} bytes"


def _read_bytes(source: str, limit: int) -> bytes:
    """The file's bytes, refused before reading when over `limit` (gzip: after decompressing)."""
    if source == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise InputError(
                source, f"larger than the {limit:,}-byte limit (SUMMARIZER_MAX_FILE_BYTES)"
            )
    else:
        path = Path(source)
        if (problem := _link_problem(path)) is not None:
            raise InputError(source, problem)
        if not path.is_file():
            raise InputError(source, "not a regular file")
        size = path.stat().st_size
        if size > limit:
            raise InputError(source, _too_large(size, limit))
        data = path.read_bytes()
    if source.lower().endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(limit + 1)
        except (OSError, EOFError, zlib.error):
            raise InputError(source, "not a valid gzip file") from None
        if len(data) > limit:
            raise InputError(source, f"larger than the {limit:,}-byte limit once decompressed")
    return data


def _parse(source: str, data: bytes) -> tuple[list[Article], list[InputError]]:
    kind = _kind(source)
    if kind in FEED_SUFFIXES:
        articles, problems = parse_feed(data, source)
    elif kind in HTML_SUFFIXES:
        articles, problems = [parse_html(data, source)], []
    else:
        articles, problems = [parse_article(decode_text(data, source), source)], []
    return [_with_language(article) for article in articles], problems


def _with_language(article: Article) -> Article:
    if article.language is not None:
        return article
    language = detect_language(article.headline + "\n" + article.body)
    return article.model_copy(update={"language": language})


def _read_one(source: str, limit: int) -> tuple[list[Article], list[InputError]]:
    """One file's articles and problems; never raises for a bad file. In a worker process too:
    what it returns is rebuilt in the parent (`InputError.__reduce__`), where an exception of
    another kind would stop the whole day."""
    try:
        return _parse(source, _read_bytes(source, limit))
    except InputError as error:
        return [], [error]
    except OSError as error:
        return [], [InputError(source, error.strerror or type(error).__name__)]
    except RecursionError:  # a page or a feed nested deeper than a reader's recursion goes
        return [], [InputError(source, "nested too deeply to read")]


def _read_all(sources: list[str], limit: int) -> Iterator[tuple[list[Article], list[InputError]]]:
    """Each source's articles, in order: in worker processes for a big day (HTML extraction is
    CPU-bound), one file at a time per worker, so raw bytes never pile up in memory."""
    workers = min(os.cpu_count() or 1, MAX_READERS)
    work = sum(PAGE_WEIGHT if _kind(s) in _PAGES else 1 for s in sources)
    if work < PARALLEL_FROM or workers < 2 or STDIN in sources:
        for source in sources:
            yield _read_one(source, limit)
        return
    # Chunks small enough that every worker gets a share of a small day of pages.
    chunk = max(1, min(32, len(sources) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_read_one, sources, itertools.repeat(limit), chunksize=chunk)


def read_articles(
    paths: Sequence[str | Path],
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    on_article: Callable[[Article], None] | None = None,
) -> tuple[list[Article], list[InputError]]:
    """Read every article under `paths`; a bad file or feed item is reported, never fatal.

    A path that does not exist at all raises: that is a mistake on the command line, not a bad
    article. Two inputs with the same text are both kept, with different ids. `on_article`, if
    given, sees each article as soon as it is read (what needs no grouping can start).
    """
    articles: dict[str, Article] = {}
    sources, failures = _expand(paths)
    for parsed, problems in _read_all(sources, max_file_bytes):
        failures.extend(problems)
        for article in parsed:
            if article.id in articles:
                # The same text from another source (a wire story republished word for word): a
                # duplicate for grouping to mark, with an id of its own.
                unique = hashlib.sha256(f"{article.id}\n{article.source}".encode()).hexdigest()[:8]
                article = article.model_copy(update={"id": unique})
            articles[article.id] = article
            if on_article is not None:
                on_article(article)
    return list(articles.values()), failures


def load_articles(paths: Sequence[str | Path] | str | Path) -> list[Article]:
    """Read articles from files, folders, globs or '-' (stdin); raise `InputError` on a bad one."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    articles, failures = read_articles(paths)
    if failures:
        raise failures[0]
    return articles
