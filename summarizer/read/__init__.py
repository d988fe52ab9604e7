"""Read: files, folders, globs and standard input into articles.

In: paths (text, Markdown, HTML, JSON and JSON Lines feeds, gzipped or not, in any encoding).
Out: `Article`s (text, headline, outlet, date, language) and, for each input that could not be
read, the reason, one line naming the file. A big day is read in worker processes.

    _paths   which files a path names, and reading them (in parallel from `PARALLEL_FROM`)
    _decode  bytes to text, whatever the encoding
    _html    an HTML page's article, through trafilatura
    _feed    the items of a JSON or JSON Lines feed
"""

from ._paths import ARTICLE_SUFFIXES, MAX_FILE_BYTES, load_articles, read_articles

__all__ = ["ARTICLE_SUFFIXES", "MAX_FILE_BYTES", "load_articles", "read_articles"]
