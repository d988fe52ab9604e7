"""Scripts without spaces, dates in more languages, grouping beyond the Latin alphabet.

The sentences are ours, written in each language about the seeds' event (or a decoy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from summarizer import Settings, group_articles, parse_article, quote_in_text, summarize
from summarizer._article import parse_date
from summarizer._language import detect_language
from summarizer.verify._verify import _long_enough, find_quote

from .fault_server import FaultServer

CHINESE = (
    "中日外交官员在北京磋商\n\n2025年11月18日\n\n"
    "中日外交官员11月18日在北京举行磋商。中方要求日方撤回错误言论。"
    "日本外务省亚洲大洋洲局局长金井正彰表示，日本的立场没有改变。"
)
CHINESE_OTHER_OUTLET = (
    "金井正彰与刘劲松在北京会谈\n\n2025年11月18日\n\n"
    "日本外务省亚洲大洋洲局局长金井正彰18日在北京与中国外交部亚洲司司长刘劲松会谈。"
    "刘劲松要求日方撤回高市早苗的涉台错误言论。"
)
CHINESE_DECOY = (
    "上海地铁票价明年下调\n\n2025年11月18日\n\n"
    "上海市政府宣布，明年起地铁票价将下调百分之十。市民对这一决定表示欢迎。"
)
JAPANESE = (
    "日中局長級協議、北京で\n\n2025年11月18日（火）\n\n"
    "金井正彰アジア大洋州局長は18日、北京で中国外務省の劉勁松アジア局長と会談した。"
    "中国側は高市首相の答弁の撤回を求めた。"
)
KOREAN = (
    "중일 국장급 협의 베이징서 열려\n\n2025년 11월 18일\n\n"
    "일본 외무성 국장은 18일 베이징에서 중국 외교부 국장과 협의했다. "
    "중국 측은 다카이치 총리의 발언 철회를 요구했다."
)


@pytest.mark.parametrize(
    "sentence",
    [
        "中方要求日方撤回错误言论。",
        "中国側は高市首相の答弁の撤回を求めた。",
        "중국 측은 다카이치 총리의 발언 철회를 요구했다.",
    ],
)
def test_a_whole_sentence_in_any_script_is_long_enough_to_quote(sentence: str) -> None:
    assert _long_enough(sentence)
    assert not _long_enough("撤回。")  # two characters are not a claim's evidence


def test_quote_marks_and_punctuation_of_east_asian_type_are_forgiven_and_restored() -> None:
    text = "林报道：「中方要求日方撤回错误言论」，日方表示拒绝。"
    slipped = '"中方要求日方撤回错误言论",日方表示拒绝'  # ASCII quote marks and comma
    assert quote_in_text(slipped, text)
    assert find_quote(slipped, text) == "中方要求日方撤回错误言论」，日方表示拒绝"
    assert not quote_in_text("中方要求日方收回错误言论", text)  # a changed character is a miss


@pytest.mark.parametrize(
    "line",
    [
        "2025年11月18日",
        "２０２５年１１月１８日",
        "2025年11月18日（火）",
        "2025년 11월 18일",
        "18 ноября 2025 года",
        "18 листопада 2025 року",
        "18 de novembro de 2025",
        "18 نوفمبر 2025",
    ],
)
def test_dates_in_chinese_japanese_korean_russian_ukrainian_portuguese_arabic(line: str) -> None:
    assert parse_date(line) == dt.date(2025, 11, 18)


def test_a_paragraph_that_begins_with_a_date_is_not_taken_for_a_date_line() -> None:
    assert parse_date("2025年11月18日，中日官员在北京举行磋商。") is None


def test_reports_of_one_event_in_chinese_group_and_a_decoy_stays_apart() -> None:
    articles = [
        parse_article(text, name)
        for text, name in (
            (CHINESE, "a.txt"),
            (CHINESE_OTHER_OUTLET, "b.txt"),
            (CHINESE_DECOY, "c.txt"),
        )
    ]
    assert [a.published for a in articles] == [dt.date(2025, 11, 18)] * 3
    assert sorted([a.source for a in g.articles] for g in group_articles(articles)) == [
        ["a.txt", "b.txt"],
        ["c.txt"],
    ]


def test_chinese_japanese_and_korean_articles_are_briefed_with_no_reask(tmp_path: Path) -> None:
    for name, text in (("zh.txt", CHINESE), ("ja.txt", JAPANESE), ("ko.txt", KOREAN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    with FaultServer() as server:  # it answers with the article's own first sentence
        briefing = summarize([tmp_path], settings=Settings(api_key="k", base_url=server.base_url))
    assert len(briefing.stories) == 3 and briefing.failed_stories == []
    assert [s.reasks for s in briefing.stories] == [0, 0, 0]
    assert all(s.dropped == [] for s in briefing.stories)


@pytest.mark.parametrize(
    "text",
    [
        "Mixed 混合 script 文本 in one 句子 that goes on 很长 for a while.",
        'تقرير من بيروت: the minister said "no comment" ثم غادر القاعة بسرعة.',
        "Zero\u200dwidth jo\u200diners in the mi\u200bddle of words of this line.",
        "Prices rose by １２％ to ３４５ yen, the ministry said on Tuesday.",
    ],
)
def test_awkward_text_reads_groups_and_verifies(text: str) -> None:
    article = parse_article("A headline\n\n" + text, "x.txt")
    assert group_articles([article])[0].articles == (article,)
    visible = "".join(c for c in article.body if c not in "\u200b\u200d")
    sentence = visible.split(".")[0]
    assert quote_in_text(sentence, article.body)
    assert find_quote(sentence, article.body) is not None


def test_each_article_read_from_a_file_carries_its_language(tmp_path: Path) -> None:
    from summarizer import load_articles

    texts = {
        "zh.txt": CHINESE,
        "ja.txt": JAPANESE,
        "ko.txt": KOREAN,
        "ru.txt": "Переговоры в Пекине\n\nЯпонские и китайские дипломаты провели переговоры "
        "в Пекине 18 ноября, но не смогли урегулировать спор.",
        "ar.txt": "محادثات في بكين\n\nأجرى دبلوماسيون يابانيون وصينيون محادثات في بكين يوم 18 "
        "نوفمبر دون التوصل إلى اتفاق.",
        "en.txt": "Talks in Beijing\n\nSenior officials from China and Japan on Tuesday held "
        "talks to calm tensions after remarks on Taiwan.",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    languages = {Path(a.source).stem: a.language for a in load_articles(tmp_path)}
    assert languages == {"zh": "zh", "ja": "ja", "ko": "ko", "ru": "ru", "ar": "ar", "en": "en"}


# --- the labelled multilingual day ---------------------------------------------------------------

MULTILINGUAL = Path(__file__).parent / "day-multilingual"


def _day_groups(embeddings_model: str | None = None) -> list[list[str]]:
    from summarizer import embed_articles, load_articles

    articles = load_articles(MULTILINGUAL)
    vectors = None
    if embeddings_model is not None:
        from .embeddings_server import EmbeddingsServer

        with EmbeddingsServer() as server:
            settings = Settings(api_key="k", base_url=server.base_url, embeddings_model="x")
            settings = settings.model_copy(update={"embeddings_model": embeddings_model})
            vectors = embed_articles(articles, settings)
    return sorted(
        sorted(Path(a.source).stem for a in g.articles)
        for g in group_articles(articles, embeddings=vectors)
    )


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("BEIJING, November 18, 2025", 18),
        ("北京 2025年11月18日", 18),
        ("新华社北京2025年11月18日电", 18),
        ("베이징 2025년 11월 18일", 18),
        ("ПЕКИН, 18 ноября 2025", 18),
        ("BELÉM, Brazil, November 22, 2025", 22),
        ("BELÉM, 22 de novembro de 2025", 22),
        ("Belém, 22/11/2025", 22),
        ("بيليم، 22 نوفمبر 2025", 22),
    ],
)
def test_datelines_with_a_place_before_the_date_in_any_script(line: str, day: int) -> None:
    article = parse_article(f"A headline\n\n{line}\n\nThe first paragraph of the story.", "x.txt")
    assert article.published == dt.date(2025, 11, day)
    assert article.body == "The first paragraph of the story."


def test_an_ambiguous_numeric_date_is_not_guessed() -> None:
    assert parse_date("11/12/2025") is None  # 11 December or November 12: the text does not say
    assert parse_date("22/11/2025") == dt.date(2025, 11, 22)


def test_the_multilingual_day_groups_within_languages_and_across_where_names_link() -> None:
    assert _day_groups() == [
        # COP30, Belém and André Corrêa do Lago are written the same in every language.
        ["ar-cop30", "en-cop30", "fr-cop30", "pt-cop30-1", "pt-cop30-2"],
        ["en-talks"],
        # Chinese and Japanese share the characters of the names: 金井正彰, 北京, 高市.
        ["ja-talks-1", "ja-talks-2", "zh-talks-1", "zh-talks-2"],
        ["ko-talks"],  # Hangul, Cyrillic and English share no name with them, offline
        ["ru-moscow-snow"],
        ["ru-talks"],
        ["zh-shanghai-metro"],
    ]


def test_embeddings_link_the_same_event_across_every_language() -> None:
    from .embeddings_server import MODEL

    assert _day_groups(MODEL) == [
        ["ar-cop30", "en-cop30", "fr-cop30", "pt-cop30-1", "pt-cop30-2"],
        [
            "en-talks",
            "ja-talks-1",
            "ja-talks-2",
            "ko-talks",
            "ru-talks",
            "zh-talks-1",
            "zh-talks-2",
        ],
        ["ru-moscow-snow"],
        ["zh-shanghai-metro"],
    ]


def test_an_embeddings_endpoint_that_refuses_is_one_line_and_costs_only_the_links(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from click.testing import CliRunner

    from summarizer import EmbeddingError, embed_articles, load_articles
    from summarizer.cli import cli

    from .embeddings_server import EmbeddingsServer

    articles = load_articles(MULTILINGUAL)
    with EmbeddingsServer() as server:
        settings = Settings(api_key="sk-secret", base_url=server.base_url, embeddings_model="nope")
        with pytest.raises(EmbeddingError) as raised:
            embed_articles(articles, settings)
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-secret"}
        result = CliRunner().invoke(
            cli, ["stories", str(MULTILINGUAL), "--embeddings-model", "nope"], env=env
        )
    assert str(raised.value) == (
        "embeddings from 'nope' failed (HTTP 404): The model `nope` does not exist"
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: {raised.value}"]
    assert "sk-secret" not in result.output + result.stderr


@pytest.mark.parametrize(
    "line",
    ["18 listopada 2025", "18 Kasım 2025", "18 Νοεμβρίου 2025", "Ngày 18 tháng 11 năm 2025"],
)
def test_a_date_in_a_language_the_table_lacks_is_read_by_dateparser(line: str) -> None:
    assert parse_date(line) == dt.date(2025, 11, 18)


def test_prose_never_reaches_dateparser_and_is_no_date() -> None:
    for line in ("Officials met on Tuesday", "Top 10 films of 2025", "Warszawa 2025 listopad"):
        assert parse_date(line) is None


def test_only_two_languages_news_is_written_in_weigh_a_pair_up() -> None:
    from summarizer.group._stories import CROSS_LANGUAGE_WEIGHT, _across_languages

    articles = [
        parse_article(f"Headline {n}\n\nSome text about the port of Rotterdam.", f"{n}.txt")
        for n in range(4)
    ]
    languages = ["en", "fr", "pcm", None]
    articles = [
        a.model_copy(update={"language": code}) for a, code in zip(articles, languages, strict=True)
    ]
    pairs = {(0, 1): 0.1, (0, 2): 0.1, (0, 3): 0.1, (1, 2): 0.1}
    weighted = _across_languages(articles, pairs, None)
    # English and French: weighed up. A rare answer of the detector (Nigerian Pidgin for odd
    # English), or none: left as it was.
    assert weighted == {(0, 1): 0.1 * CROSS_LANGUAGE_WEIGHT, (0, 2): 0.1, (0, 3): 0.1, (1, 2): 0.1}
    assert detect_language("Renhumin fikasu reporters measures zenmasar new the the prices") in (
        None, "en"
    )  # fmt: skip


def test_embeddings_go_out_while_the_day_is_read_once_a_second_language_appears() -> None:
    from summarizer import load_articles
    from summarizer.group._embed import EmbeddingStream

    from .embeddings_server import MODEL, EmbeddingsServer

    articles = sorted(load_articles(MULTILINGUAL), key=lambda a: a.source)
    english = [a for a in articles if a.language == "en"]
    with EmbeddingsServer() as server:
        settings = Settings(api_key="k", base_url=server.base_url, embeddings_model=MODEL)
        stream = EmbeddingStream(settings, only_if_multilingual=True, chunk=2)
        for article in english:
            stream.add(article)
        assert stream.requests_sent == 0 and not stream.needed()  # one language: nothing yet
        others = [a for a in articles if a.language != "en"]
        stream.add(others[0])
        assert stream.needed() and stream.requests_sent == 1  # sent before the reading ends
        for article in others[1:]:
            stream.add(article)
        sent_while_reading = stream.requests_sent
        ordered = english + others
        vectors = stream.vectors(ordered)
    assert sent_while_reading == len(articles) // 2 == len(server.requests)
    assert len(vectors) == len(ordered)
    # Each vector is its own article's, whatever the order the requests finished in.
    from summarizer.group._embed import _text

    from .embeddings_server import concept_vector

    assert vectors == [concept_vector(_text(a)) for a in ordered]


def test_a_run_embeds_only_a_day_in_two_languages(tmp_path: Path) -> None:
    from .embeddings_server import MODEL

    (tmp_path / "en").mkdir()
    for name in ("en-talks.txt", "en-cop30.txt"):
        (tmp_path / "en" / name).write_text((MULTILINGUAL / name).read_text("utf-8"), "utf-8")
    with FaultServer() as server:
        settings = Settings(api_key="k", base_url=server.base_url, embeddings_model=MODEL)
        one_language = summarize([tmp_path / "en"], settings=settings)
        assert server.embedding_requests == []
        day = summarize([MULTILINGUAL], settings=settings)
        assert len(server.embedding_requests) == 1
    assert len(one_language.stories) == 2 and day.failed_stories == []
    # The talks in seven articles and five languages are one story; COP30 another.
    sizes = sorted(len(story.sources) for story in day.stories)
    assert sizes == [1, 1, 5, 7]
