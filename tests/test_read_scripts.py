"""Reading in every script (issue #18): an article laid out one sentence to a paragraph, as
Chinese, Japanese and Thai news usually is, keeps every paragraph — a paragraph is not taken for
a subheading because `str.split()` finds one "word" in it, or because its sentence ends in `。`
rather than `.` — and a dateline lead in Arabic gives its agency and leaves the headline.

The texts are ours, written in the layouts the issue measured on real reports.
"""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer import parse_article

ARTICLES = {
    "zh": (
        "上海地铁票价明年起下调",
        [
            "新华社上海11月18日电　上海市交通委员会18日宣布，自明年1月1日起，上海地铁基础票价将由3元下调至2元。",
            "这一调整将惠及每天乘坐地铁的约1000万名乘客。",
            "市交通委表示，票价下调所需资金将由市财政补贴。",
            "部分市民对此表示欢迎，也有人关心地铁服务质量能否同步提升。",
        ],
    ),
    "ja": (
        "東京都、新たな防災計画を発表",
        [
            "東京都は18日、首都直下地震に備えた新たな防災計画を発表した。",
            "計画では、木造住宅が密集する地域の耐震化を2030年までに完了させる。",
            "小池百合子知事は記者会見で「都民の命を守ることが最優先だ」と述べた。",
            "都は来年度予算に関連費用として約500億円を計上する方針だ。",
        ],
    ),
    "th": (
        "กรุงเทพฯ ประกาศแผนรับมือน้ำท่วม",
        [
            "กรุงเทพมหานครประกาศแผนรับมือน้ำท่วมฉบับใหม่เมื่อวันอังคารที่ผ่านมา โดยจะขุดลอกคลองสายหลักทั้งหมด",
            "ผู้ว่าราชการกรุงเทพมหานครกล่าวว่าแผนนี้จะช่วยลดพื้นที่น้ำท่วมขังได้มากกว่าครึ่งหนึ่ง",
            "โครงการดังกล่าวใช้งบประมาณราวสามพันล้านบาทและจะแล้วเสร็จภายในสองปี",
            "ชาวบ้านในย่านที่น้ำท่วมบ่อยต่างแสดงความหวังว่าจะได้เห็นผลจริงในฤดูฝนหน้า",
        ],
    ),
    "hi": (
        "दिल्ली में नई मेट्रो लाइन शुरू",
        [
            "दिल्ली मेट्रो ने मंगलवार को अपनी नई लाइन पर सेवा शुरू की।",
            "इस लाइन से रोज़ लगभग दो लाख यात्रियों को लाभ मिलेगा।",
            "मुख्यमंत्री ने कहा कि शहर में प्रदूषण कम करने में यह मदद करेगी।",
            "नई लाइन पर पहले दिन हज़ारों लोगों ने यात्रा की।",
        ],
    ),
    "ru": (
        "В Москве открыли новую станцию метро",
        [
            "В Москве во вторник открылась новая станция метро.",
            "Мэр города заявил, что станция разгрузит соседние линии.",
            "Строительство заняло три года.",
            "Первые пассажиры прошли через турникеты в шесть утра.",
        ],
    ),
    "ar": (
        "افتتاح مستشفى جديد في عمّان",
        [
            "افتتحت وزارة الصحة الأردنية يوم الثلاثاء مستشفى جديداً في العاصمة عمّان.",
            "وقال الوزير إن المستشفى يضم ثلاثمئة سرير.",
            "هل يكفي ذلك لتخفيف الضغط على المستشفيات الأخرى؟",
            "ويتوقع أن يبدأ استقبال المرضى الشهر المقبل.",
        ],
    ),
}


@pytest.mark.parametrize("language", sorted(ARTICLES))
def test_one_sentence_to_a_paragraph_keeps_every_paragraph(language: str) -> None:
    headline, paragraphs = ARTICLES[language]
    article = parse_article("\n\n".join([headline, *paragraphs]), source=f"{language}.txt")
    assert article.headline == headline
    assert article.body.split("\n\n") == [" ".join(p.split()) for p in paragraphs]


def test_an_arabic_dateline_lead_gives_its_agency_and_its_date_on_the_next_line() -> None:
    lead = (
        "دمشق، سوريا (CNN) -- قالت الحكومة السورية يوم الأحد إن قواتها استعادت السيطرة على عدة "
        "أحياء في مدينة حمص بعد أسابيع من القتال، وفقاً لما نقلته وكالة الأنباء الرسمية."
    )
    text = "\n\n".join([lead, "الأحد، 04 آذار/مارس 2012", "وقال ناشطون إن القصف استمر طوال الليل."])
    article = parse_article(text, source="ar.txt")
    assert article.agency == "CNN"
    assert article.published == dt.date(2012, 3, 4)
    assert article.body.startswith("قالت الحكومة السورية")  # the dateline is not text
    assert "04 آذار" not in article.body
    assert article.headline_from_lead and len(article.headline) <= 111
    assert article.headline.startswith("قالت الحكومة السورية")


def test_a_short_line_in_a_script_without_spaces_is_still_a_subheading() -> None:
    text = "\n\n".join(["大标题", "小标题", "正文第一段写的是一件事情的经过和结果。"])
    article = parse_article(text, source="zh.txt")
    assert article.headline == "大标题"
    assert article.body == "正文第一段写的是一件事情的经过和结果。"
