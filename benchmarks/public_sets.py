"""Grouping on labelled news nobody here wrote: ECB+ (Cybulska & Vossen, LREC 2014) and BASIL
(Fan et al., EMNLP 2019).

ECB+ holds 982 news articles in 43 topics; each topic holds two events of the same kind (two
actresses entering rehab, two earthquakes), one from the original ECB corpus (`*ecb.xml`), one
added for ECB+ (`*ecbplus.xml`): 86 events. Topics 36–45 are the test split the literature
reports on (Barhom et al., ACL 2019; Cattan et al., 2021); the others are for tuning.

Each article is written out as a text file — its first sentence (the title) as the headline, its
other sentences one to a paragraph — read as any day's files are, grouped by `group_articles`,
and scored against the events with BCubed precision, recall and F (the measure the
news-clustering and cross-document coreference literature uses) and pairwise F1; then again with
each article cut to its title and its first sentence of prose (eight words or more), as a feed
item gives. An article that is a title and a date line and nothing else cannot be read as one,
and is left out (counted as unread). Beside each ECB+ row, the reference the literature quotes:
K-Means told the true number of events, on the same vectors, over five seeds (when
scikit-learn is installed).

ECB+ is CC-BY 3.0 and is not shipped here: point ECBPLUS at its `ECB+` folder (in the public
repository tommasoc80/EventStoryLine, `ECB+_LREC2014/ECB+/`), or at a git checkout of that
repository, which is read without a work tree.

BASIL holds 300 articles on 100 events, 2010–2019, each told by the New York Times, Fox News and
the Huffington Post (`triplet-uuid`): read from a checkout of launchnlp/BASIL (`articles/`), with
each article's title and date, whole and as a feed item; then again with the dates withheld,
to show what the words alone do (its events are years apart, and the dates tell them apart
more than anything); set BASIL.

OG2021 (Novak et al., 2025, arXiv 2502.06648; E3-JSI/dataset-OG2021, CC BY-NC-ND 4.0, not
shipped) holds 10,940 news articles on the 2021 Olympics in 1,350 events, in English,
Portuguese, Spanish, French, Russian, German, Slovenian, Arabic and Chinese, an event often
told in several. Its repository holds the titles, dates, languages and events as the listing its
notebook printed, with the manual corrections it applied beside it: read from a checkout
(OG2021), titles only — what a sparse feed gives — and scored over all pairs and over the pairs
within each language. It defines no test split and was not tuned on: a held-out set.

    ECBPLUS=/path/to/EventStoryLine BASIL=/path/to/BASIL OG2021=/path/to/dataset-OG2021 \
        python benchmarks/public_sets.py
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from summarizer import Article, InputError, group_articles, parse_article  # noqa: E402
from summarizer.read._paths import read_articles  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from _checkout import checkout_files  # noqa: E402

TEST_TOPICS = range(36, 46)
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}'’”]|n't|'s)")
_NO_SPACE_AFTER = re.compile(r"([(\[{“‘$]) ")


def _documents(root: Path) -> dict[str, bytes]:
    """Each ECB+ document's XML by its file name, from its `ECB+` folder or a checkout of the
    repository (a work tree or a bare mirror)."""
    if not (root / "ECB+_LREC2014").exists() and any(root.glob("*/*.xml")):
        return {path.name: path.read_bytes() for path in root.glob("*/*.xml")}
    files = checkout_files(root, "ECB+_LREC2014/ECB+", lambda p: p.endswith(".xml"))
    return {Path(name).name: data for name, data in files.items()}


def _sentences(xml: bytes) -> list[str]:
    by_sentence: dict[int, list[str]] = defaultdict(list)
    for token in ET.fromstring(xml).iter("token"):
        by_sentence[int(token.get("sentence", "0"))].append(token.text or "")
    sentences = []
    for number in sorted(by_sentence):
        text = " ".join(by_sentence[number])
        text = _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", text))
        sentences.append(text.strip())
    # Some ECB+ articles open with the page's address: not a sentence of the article.
    return [s for s in sentences if s and not s.startswith(("http:", "https:", "www."))]


def _event(name: str) -> str:
    topic, rest = name.split("_", 1)
    return f"{topic}{'+' if 'ecbplus' in rest else ''}"


def bcubed(clusters: list[list[str]], gold: dict[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F of `clusters` against the `gold` label of each item."""
    cluster_of = {item: index for index, cluster in enumerate(clusters) for item in cluster}
    by_gold: dict[str, list[str]] = defaultdict(list)
    for item, label in gold.items():
        by_gold[label].append(item)
    precision = recall = 0.0
    for item, label in gold.items():
        mine = clusters[cluster_of[item]]
        same = sum(1 for other in mine if gold[other] == label)
        precision += same / len(mine)
        recall += same / len(by_gold[label])
    precision, recall = precision / len(gold), recall / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


def pairwise_f1(clusters: list[list[str]], gold: dict[str, str]) -> float:
    predicted = {frozenset(p) for c in clusters for p in itertools.combinations(c, 2)}
    by_gold: dict[str, list[str]] = defaultdict(list)
    for item, label in gold.items():
        by_gold[label].append(item)
    expected = {frozenset(p) for c in by_gold.values() for p in itertools.combinations(c, 2)}
    true = len(predicted & expected)
    precision = true / len(predicted) if predicted else 1.0
    recall = true / len(expected) if expected else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _grouped(
    documents: dict[str, list[str]], short: bool
) -> tuple[list[list[str]], float, list[str], list[Article]]:
    """The stories `documents` group into, the seconds grouping took, the documents that
    could not be read as articles (a title and a date line, nothing else), and the articles."""
    with tempfile.TemporaryDirectory(prefix="ecbplus-") as folder:
        for name, sentences in documents.items():
            # A feed item's snippet: the first sentence of prose (a dateline or a time stamp, the
            # first "sentence" of some, is not one).
            prose = [x for x in sentences[1:] if len(x.split()) >= 8] or sentences[1:]
            body = prose[:1] if short else sentences[1:]
            text = "\n\n".join([sentences[0], *(body or [sentences[0]])])
            Path(folder, name.replace(".xml", ".txt")).write_text(text, encoding="utf-8")
        articles, failures = read_articles([folder])
        unread = [Path(f.source).name.replace(".txt", ".xml") for f in failures]
        started = time.perf_counter()
        groups = group_articles(articles)
        seconds = time.perf_counter() - started
        clusters = [
            [Path(a.source).name.replace(".txt", ".xml") for a in g.articles] for g in groups
        ]
    return clusters, seconds, unread, articles


def _given_the_number(articles: list[Article], gold: dict[str, str]) -> str:
    """BCubed F of K-Means on the vectors grouping compares, told the true number of events
    (the reference the literature quotes for ECB+), over five seeds; scikit-learn if present."""
    try:
        from scipy.sparse import csr_matrix
        from sklearn.cluster import KMeans
    except ImportError:
        return "(pip install scikit-learn for K-Means given the number of events)"
    from summarizer.group._stories import _vectors

    vectors = _vectors(articles)
    columns: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, vector in enumerate(vectors):
        for term, weight in vector.items():
            rows.append(row)
            cols.append(columns.setdefault(term, len(columns)))
            values.append(weight)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(vectors), len(columns)))
    names = [Path(a.source).name.replace(".txt", ".xml") for a in articles]
    scores = []
    for seed in range(5):
        labels = KMeans(len(set(gold.values())), n_init=10, random_state=seed).fit_predict(matrix)
        clusters: dict[int, list[str]] = defaultdict(list)
        for name, label in zip(names, labels, strict=True):
            clusters[int(label)].append(name)
        scores.append(bcubed(list(clusters.values()), gold)[2])
    return (
        f"K-Means told the number of events, same vectors: BCubed F {sum(scores) / 5:.3f} "
        f"(5 seeds, {min(scores):.3f}-{max(scores):.3f})"
    )


def _basil(root: Path) -> None:
    records = [
        json.loads(data)
        for data in checkout_files(root, "articles", lambda p: p.endswith(".json")).values()
    ]
    for short, dated in ((False, True), (True, True), (False, False), (True, False)):
        articles: list[Article] = []
        gold: dict[str, str] = {}
        for number, record in enumerate(records):
            sentences = [s for paragraph in record["body-paragraphs"] for s in paragraph]
            paragraphs = [" ".join(p) for p in record["body-paragraphs"] if p]
            prose = [x for x in sentences if len(x.split()) >= 8] or sentences
            body = prose[:1] if short else paragraphs
            source = f"basil-{number}-{record['source']}.txt"
            try:
                article = parse_article(
                    "\n\n".join(body),
                    source=source,
                    headline=record["title"],
                    published=dt.date.fromisoformat(record["date"][:10]) if dated else None,
                )
            except InputError:
                continue  # an article of a title alone
            articles.append(article)
            gold[source] = record["triplet-uuid"]
        started = time.perf_counter()
        clusters = [[a.source for a in g.articles] for g in group_articles(articles)]
        seconds = time.perf_counter() - started
        precision, recall, f = bcubed(clusters, gold)
        shown = "BASIL" + (", title and first sentence" if short else "")
        shown += "" if dated else ", dates withheld"
        print(
            f"{shown:64} {len(gold):8} {len(set(gold.values())):6} {len(clusters):7}  "
            f"{precision:.3f} / {recall:.3f} / {f:.3f}  {pairwise_f1(clusters, gold):.3f}"
            f"   ({seconds:.1f} s)"
        )


_OG2021_LINE = re.compile(
    r"^\s*\d+\s*:\s+(?P<cluster>\S+)\s+\S+\s*:\s*(?P<uri>\d+)\s+(?P<lang>[a-z]{3})\s+"
    r"(?P<date>\d{4}-\d{2}-\d{2}) [\d:]+ - (?P<title>.*)$"
)


def og2021_items(root: Path) -> list[tuple[str, str, str, dt.date, str]]:
    """OG2021's articles as (uri, event, language, date, title): the listing its notebook
    printed (notebooks/02-group-manual-evaluation.ipynb, `print_events`), with the notebook's
    own manual corrections applied in its order (`do_manual_corrections`): clusters merged,
    articles moved, clusters and articles removed."""
    import ast

    name = "notebooks/02-group-manual-evaluation.ipynb"
    notebook = json.loads(checkout_files(root, "notebooks", lambda p: p == name)[name])
    listing, corrections = "", {}
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if source.strip() == "print_events(events)":
            listing = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
        if "manual_corr = {" in source:
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
                    "manual_corr"
                ):
                    corrections = ast.literal_eval(node.value)
    rows = {}
    for line in listing.splitlines():
        if match := _OG2021_LINE.match(line):
            rows[match["uri"]] = match.groupdict()
    for source_cluster, target in corrections.get("cls_to_cls", {}).items():
        for row in rows.values():
            if row["cluster"] == source_cluster:
                row["cluster"] = target
    for uri, target in corrections.get("art_to_cls", {}).items():
        if uri in rows:
            rows[uri]["cluster"] = target
    removed = set(corrections.get("remove_cls", []))
    gone = set(corrections.get("remove_art", []))
    return [
        (uri, r["cluster"], r["lang"], dt.date.fromisoformat(r["date"]), r["title"].strip())
        for uri, r in rows.items()
        if r["cluster"] not in removed and uri not in gone
    ]


def _og2021(root: Path) -> None:
    items = og2021_items(root)
    for dated in (True, False):
        articles: list[Article] = []
        gold: dict[str, str] = {}
        language: dict[str, str] = {}
        for uri, event, lang, day, title in items:
            source = f"og2021-{uri}.txt"
            try:
                article = parse_article(title, source=source, published=day if dated else None)
            except InputError:
                continue
            articles.append(article)
            gold[source], language[source] = event, lang
        started = time.perf_counter()
        clusters = [[a.source for a in g.articles] for g in group_articles(articles)]
        seconds = time.perf_counter() - started
        precision, recall, f = bcubed(clusters, gold)
        shown = "OG2021 titles, 9 languages" + ("" if dated else ", dates withheld")
        print(
            f"{shown:64} {len(gold):8} {len(set(gold.values())):6} {len(clusters):7}  "
            f"{precision:.3f} / {recall:.3f} / {f:.3f}  {pairwise_f1(clusters, gold):.3f}"
            f"   ({seconds:.1f} s)"
        )
        if not dated:
            continue
        for lang in sorted(set(language.values()), key=lambda x: -list(language.values()).count(x)):
            mine = {s: e for s, e in gold.items() if language[s] == lang}
            within = [[s for s in c if s in mine] for c in clusters]
            within = [c for c in within if c]
            p, r, f = bcubed(within, mine)
            shown = f"  {lang}, the pairs within it"
            print(
                f"{shown:64} {len(mine):8} {len(set(mine.values())):6} {len(within):7}  "
                f"{p:.3f} / {r:.3f} / {f:.3f}  {pairwise_f1(within, mine):.3f}"
            )


def main() -> int:
    root = os.environ.get("ECBPLUS")
    basil = os.environ.get("BASIL")
    og2021 = os.environ.get("OG2021")
    if not root and not basil and not og2021:
        print("usage:", __doc__.rsplit("\n\n", 1)[-1].strip(), file=sys.stderr)
        return 2
    header = f"{'set':64} {'articles':>8} {'events':>6} {'stories':>7}"
    print(f"{header}  BCubed P / R / F     pairwise F1")
    if basil:
        _basil(Path(basil))
    if og2021:
        _og2021(Path(og2021))
    if not root:
        return 0
    documents = {name: _sentences(xml) for name, xml in _documents(Path(root)).items()}
    documents = {name: s for name, s in documents.items() if s}
    splits = {
        "ECB+ tuning topics (1-35)": {
            n: s for n, s in documents.items() if int(n.split("_")[0]) not in TEST_TOPICS
        },
        "ECB+ test split (36-45)": {
            n: s for n, s in documents.items() if int(n.split("_")[0]) in TEST_TOPICS
        },
    }
    for label, chosen in splits.items():
        for short in (False, True):
            clusters, seconds, unread, articles = _grouped(chosen, short)
            gold = {name: _event(name) for name in chosen if name not in unread}
            precision, recall, f = bcubed(clusters, gold)
            shown = label + (", title and first sentence" if short else "")
            shown += f" ({len(unread)} unread)" if unread else ""
            print(
                f"{shown:64} {len(gold):8} {len(set(gold.values())):6} {len(clusters):7}  "
                f"{precision:.3f} / {recall:.3f} / {f:.3f}  {pairwise_f1(clusters, gold):.3f}"
                f"   ({seconds:.1f} s)"
            )
            print(f"  {_given_the_number(articles, gold)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
