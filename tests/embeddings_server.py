"""A local `/v1/embeddings` server whose vectors are written by us, and say so.

No embedding model runs here. Each vector counts, per concept, how often the text names it in
any of the languages of tests/day-multilingual (Beijing is "Beijing", "北京", "Пекин", "베이징"):
a stand-in with the one property grouping relies on, that two texts about one event are alike
whatever their language. It answers in OpenAI's shape (platform.openai.com/docs/api-reference/
embeddings: `data[i].index`, `data[i].embedding`, `usage`), and refuses a model it does not
serve with a 404, as OpenAI does ("The model `...` does not exist").
"""

from __future__ import annotations

import json
import math
from typing import Any

from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

HEADERS = {AUTHORED_HEADER: "tests/embeddings_server.py"}
MODEL = "authored-concepts"

CONCEPTS: dict[str, tuple[str, ...]] = {
    "beijing": ("Beijing", "北京", "Пекин", "ПЕКИН", "베이징"),
    "japan": ("Japan", "日本", "日方", "Япони", "일본", "日中", "중일"),
    "china": ("China", "中国", "中方", "Кита", "КНР", "중국"),
    "retract": ("retract", "撤回", "отозвать", "철회"),
    "takaichi": ("Takaichi", "高市", "Такаити", "다카이치"),
    "kanai": ("Kanai", "金井", "Канаи", "가나이"),
    "liu": ("Liu Jinsong", "刘劲松", "劉勁松", "Лю Цзиньсун", "류진쑹"),
    "taiwan": ("Taiwan", "台湾", "Тайван", "대만"),
    "position": ("position", "立场", "立場", "позиция", "입장"),
    "cop30": ("COP30",),
    "belem": ("Belém", "بيليم"),
    "fossil": ("fossil", "fósseis", "fossiles", "الأحفوري"),
    "adaptation": ("adaptation", "adaptação", "التكيف"),
    "snow": ("snow", "снег", "雪", "눈이"),
    "moscow": ("Moscow", "Москв", "МОСКВ", "모스크바"),
    "metro": ("metro", "subway", "地铁", "метро", "지하철"),
    "shanghai": ("Shanghai", "上海", "Шанха", "상하이"),
    "fare": ("fare", "票价", "тариф", "요금"),
}


def concept_vector(text: str) -> list[float]:
    counts = [float(sum(text.count(form) for form in forms)) for forms in CONCEPTS.values()]
    counts.append(0.05)  # no text is the zero vector
    norm = math.sqrt(sum(c * c for c in counts))
    return [c / norm for c in counts]


def embeddings_answer(request: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's embeddings response for `request`, with concept vectors."""
    inputs = request["input"]
    inputs = [inputs] if isinstance(inputs, str) else inputs
    data = [
        {"object": "embedding", "index": i, "embedding": concept_vector(text)}
        for i, text in enumerate(inputs)
    ]
    tokens = sum(len(text) // 4 for text in inputs)
    return {"object": "list", "data": data, "model": request.get("model", MODEL),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}  # fmt: skip


class EmbeddingsServer(LoopbackServer):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                server.requests.append(request)
                if not self.path.endswith("/embeddings"):
                    send_json(self, 404, {"error": {"message": "no such path"}}, HEADERS)
                    return
                if request.get("model") != MODEL:
                    message = f"The model `{request.get('model')}` does not exist"
                    error = {"message": message, "type": "invalid_request_error",
                             "code": "model_not_found"}  # fmt: skip
                    send_json(self, 404, {"error": error}, HEADERS)
                    return
                send_json(self, 200, embeddings_answer(request), HEADERS)

        super().__init__(Handler)
