"""The recipe computes the transcript cache key and the lock file's settings hash exactly as
captioner always did: the values below were computed on main before the Recipe existed (#26), so
existing caches and lock files stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from captioner.api import _backend, _recipe
from captioner.ci.config import load_config
from captioner.cli.caption import backend_spec_from
from captioner.run.recipe import BackendSpec, Recipe
from captioner.transcription.prompting import VocabularyFile

MEDIA = "0" * 63 + "1"

CLI = {
    "default": ({}, "cf65e186d2d356fdf3bb57ed5ce60896d906a0a61f67d390ee9548ba2a00c140"),
    "german, vocabulary in English": (
        {
            "language": "de",
            "vad": True,
            "prompt": "Ein Vortrag.",
            "vocabulary": VocabularyFile(("Dask", "CTranslate2"), "en"),
            "audio_stream": 1,
            "speakers": "channels",
            "model": "small",
        },
        "3f79e8493890cd134249dcb6c1992e8265ab2b400050982aa0389255f9229f86",
    ),
    "vocabulary in English, translated": (
        {"vocabulary": VocabularyFile(("Dask", "CTranslate2"), "en"), "beam_size": 3, "task": "translate"},
        "e4d567e032d3328ef81ede5e6093bf8d7e0f76bd92e3e9ab6018ec4812c20887",
    ),
    "--vocabulary-language said": (
        {"vocabulary": VocabularyFile(("Dask",), None), "vocabulary_language": "de", "language": "de"},
        "52026206ffa7f6cf4ff78735143eae96c66a49f1d5f1e4b0e90cc1e292aabfbe",
    ),
    "aiXplain drops the prompt": (
        {"backend": "aixplain", "prompt": "A talk.", "vocabulary": VocabularyFile(("Dask",), None)},
        "34de0f83d8872fc8b5f52dcea2fc0b724dfdaee8d1a14590fe77d41947e57e57",
    ),
    "aiXplain model": (
        {"backend": "aixplain", "aixplain_model": "abc123", "language": "en"},
        "58d7ff8a6ab7d2d465d1c390116bc802d293eb01fa9b5630407beccb981fbd1c",
    ),
    "a cluster": (
        {"scheduler": "local:2", "language": "en"},
        "1d811da6feebce2e267d96fb46dc48a0a2c3c9da671155bbabd6dc7a58910b51",
    ),
}

# (tree, file): (cache key of sync's transcript, the lock's settings hash).  The lock hashes are
# those of the cue-start rule of #28 (Style's max_lead 0.08 s, max_lag 0: the captions changed, so
# every lock made before marks its captions out of date); the cache keys are those of before #26.
TREES = {
    ("plain", "talk.mp3"): ("cf65e186d2d356fdf3bb57ed5ce60896d906a0a61f67d390ee9548ba2a00c140", "b7a34066b77a1537"),
    ("plain", "de/vortrag.mp3"): (
        "cf65e186d2d356fdf3bb57ed5ce60896d906a0a61f67d390ee9548ba2a00c140",
        "b7a34066b77a1537",
    ),
    ("aixplain", "talk.mp3"): ("686e9c77733e2c15a4e3bd56383208a5a4454605cdafc6e62fe6a2bdf137dbe1", "67a4e997c54c7370"),
    ("aixplain", "de/vortrag.mp3"): (
        "04e98d5f12abfaf823df98719c9cc8f7c596d27bd8b4968e211617e1ac427dc3",
        "e2e496be9a51fa4c",
    ),
    ("local", "talk.mp3"): ("4054b1076e01ebbb8d29386208224934f22b3caf6b6645cd296549b323c96305", "3164a955e5c708b5"),
    ("local", "de/vortrag.mp3"): (
        "118ed8fe229d9157cba3c0b800d1d15d85a59e385b1a9acb51d625183e6822f3",
        "61b21289c7f5733d",
    ),
    ("local", "print/a.mp3"): ("444832086b835ff5245c32fc604cbe897cf1a9e58123f741eefe0fb8439379e8", "4934eaeb32b6bc30"),
}

TREE_FILES = {
    "plain": {"captioner.toml": ""},
    "aixplain": {
        "names.txt": "# language: en\nDask\nCTranslate2\n",
        "captioner.toml": 'backend = "aixplain"\nprompt = "A talk on Dask."\nvocabulary = "names.txt"\n'
        'languages = { "de/**" = "de" }\nspeakers = "channels"\nspeaker_names = ["Ann", "Bob"]\n',
    },
    "local": {
        "printing.txt": "Gutenberg\nmovable type\n",
        "names.txt": "Dask\n",
        "captioner.toml": 'model = "small"\nlanguage = "fr"\nprompt = "Un exposé."\nvocabulary = "names.txt"\n'
        'vocabulary_language = "fr"\nvocabularies = { "print/**" = "printing.txt" }\nlanguages = { "de/**" = "de" }\n',
    },
}


@pytest.fixture(autouse=True)
def _default_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELS_RUN_URL", raising=False)  # aiXplain's identity names its endpoint


def _cli_options(**given: object) -> dict[str, object]:
    opts: dict[str, object] = dict(
        language="auto", task="transcribe", beam_size=5, vad=False, prompt=None, vocabulary=None,
        vocabulary_language=None, model="base", backend="local", aixplain_model=None, audio_stream=0,
        speakers="mix", scheduler=None,
    )  # fmt: skip
    opts.update(given)
    return opts


@pytest.mark.parametrize("case", CLI)
def test_cache_keys_of_the_command_line_are_those_of_before(case: str) -> None:
    given, key = CLI[case]
    opts = _cli_options(**given)
    assert Recipe.from_cli(opts, backend_spec_from(opts)).cache_key(MEDIA) == key


def test_cache_keys_of_the_api_are_those_of_before() -> None:
    local = _recipe(_backend("local", "tiny"), "fr", "transcribe", audio_stream=2)
    assert local.cache_key(MEDIA) == "f7b8654be09aa76bb55d44dd6e78ee478cb7c9a36ea6f1bbd3b3686fdab4de3e"
    hosted = _recipe(_backend("aixplain", "base"), None, "transcribe", prompt="A talk.", vocabulary=["Dask"],
                     vocabulary_language="en")  # fmt: skip
    assert hosted.cache_key(MEDIA) == CLI["aiXplain drops the prompt"][1]


@pytest.mark.parametrize(("tree", "rel"), TREES)
def test_keys_and_lock_hashes_of_a_tree_are_those_of_before(tmp_path: Path, tree: str, rel: str) -> None:
    for name, text in TREE_FILES[tree].items():
        (tmp_path / name).write_text(text, "utf-8")
    config = load_config(tmp_path)
    key, settings = TREES[(tree, rel)]
    assert config.recipe(rel).cache_key(MEDIA) == key
    assert config.settings_hash(rel) == settings


def test_base_means_aixplains_default_model_in_a_tree() -> None:
    assert BackendSpec.named("aixplain", "base") == BackendSpec.aixplain(None)
    assert BackendSpec.named("aixplain", "abc123").identity["model"] == "abc123"
    assert BackendSpec.named("aixplain", "base").lock_names() == ("aixplain", "base")


def test_the_voice_counts_key_their_own_transcripts_alike_everywhere(tmp_path: Path) -> None:
    """--speakers voices --num-speakers 2: one cache key from the command line, the API and a tree;
    another count, none, or another mode: another key; the lock records the count."""
    opts = _cli_options(speakers="voices", num_speakers=2)
    cli = Recipe.from_cli(opts, backend_spec_from(opts)).cache_key(MEDIA)
    api = _recipe(_backend("local", "base"), None, "transcribe", speakers="voices", counts=(2, None))
    (tmp_path / "captioner.toml").write_text('speakers = "voices"\nnum_speakers = 2\n', "utf-8")
    config = load_config(tmp_path)
    assert cli == api.cache_key(MEDIA) == config.recipe("a.mp3").cache_key(MEDIA)
    others = [
        Recipe(speakers=speakers, num_speakers=num, max_speakers=most).cache_key(MEDIA)
        for speakers, num, most in [("voices", None, None), ("voices", 3, None), ("voices", None, 2), ("auto", 2, None),
                                    ("channels", None, None), ("mix", None, None)]
    ]  # fmt: skip
    assert len({cli, *others}) == 7
    assert others[-1] == CLI["default"][1]
    settings = config.settings_for("a.mp3")
    assert settings["speakers"] == "voices" and settings["num_speakers"] == 2 and "max_speakers" not in settings
