"""The language model unpacked once into the cache, and read from there as py3langid reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from summarizer import _language
from summarizer._language import _from_cache, _unpacked, cache_dir

MODEL = Path(MODEL_DIR) / MODEL_FILE
SAMPLES = [
    "The council approved the harbour plan on Tuesday, the mayor said.",
    "O conselho aprovou o plano do porto na terça-feira, disse o prefeito.",
    "Совет одобрил план порта во вторник, сообщил мэр.",
    "وافق المجلس على خطة الميناء يوم الثلاثاء، بحسب رئيس البلدية.",
    "市议会周二批准了港口计划，市长说。",
    "市議会は火曜日、港の計画を承認したと市長が述べた。",
    "시의회는 화요일 항구 계획을 승인했다고 시장이 말했다.",
    "Der Rat hat den Hafenplan am Dienstag gebilligt, sagte der Bürgermeister.",
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_cached_model_answers_as_py3langids_own_loader(cache: Path) -> None:
    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    cached = _from_cache(MODEL)
    for text in SAMPLES:
        assert cached.classify(text) == own.classify(text)
    assert [c.classify(SAMPLES[4])[0] for c in (own, cached)] == ["zh", "zh"]
    # Unpacked once, whole: the arrays and the mark that they are complete, nothing partial.
    (folder,) = cache.iterdir()
    assert (folder / "complete").exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f"{name}.npy" for name in _language._ARRAYS), "complete"]
    )


def test_a_second_process_reads_the_cache_without_unpacking_again(cache: Path) -> None:
    folder = _unpacked(MODEL)
    written = (folder / "ptc.npy").stat().st_mtime_ns
    assert _unpacked(MODEL) == folder
    assert (folder / "ptc.npy").stat().st_mtime_ns == written


def test_a_damaged_cache_is_unpacked_again(cache: Path) -> None:
    folder = _unpacked(MODEL)
    (folder / "complete").unlink()
    (folder / "ptc.npy").write_bytes(b"cut off")
    assert _from_cache(MODEL).classify(SAMPLES[0])[0] == "en"
    assert (folder / "complete").exists()


def test_a_cache_folder_that_cannot_be_written_falls_back_to_unpacking_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(blocked / "cache"))
    assert cache_dir() == blocked / "cache"
    with pytest.raises(OSError):
        _from_cache(MODEL)
    _language._identifier.cache_clear()
    try:
        assert _language.detect_language(SAMPLES[1]) == "pt"
    finally:
        _language._identifier.cache_clear()
