"""Whisper's languages: ISO 639-1 codes (Whisper's own spelling) and their English names.

Hosted Whisper services report the detected language either as a code (``en``) or as a
name (``English``, ``english``); :func:`to_code` turns either into the code.
"""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {
    "en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian",
    "ko": "korean", "fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish",
    "pl": "polish", "ca": "catalan", "nl": "dutch", "ar": "arabic", "sv": "swedish",
    "it": "italian", "id": "indonesian", "hi": "hindi", "fi": "finnish", "vi": "vietnamese",
    "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay", "cs": "czech",
    "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
    "th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian",
    "la": "latin", "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak",
    "te": "telugu", "fa": "persian", "lv": "latvian", "bn": "bengali", "sr": "serbian",
    "az": "azerbaijani", "sl": "slovenian", "kn": "kannada", "et": "estonian", "mk": "macedonian",
    "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian", "ne": "nepali",
    "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
    "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer",
    "sn": "shona", "yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan",
    "ka": "georgian", "be": "belarusian", "tg": "tajik", "sd": "sindhi", "gu": "gujarati",
    "am": "amharic", "yi": "yiddish", "lo": "lao", "uz": "uzbek", "fo": "faroese",
    "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk", "mt": "maltese",
    "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan", "tl": "tagalog",
    "mg": "malagasy", "as": "assamese", "tt": "tatar", "haw": "hawaiian", "ln": "lingala",
    "ha": "hausa", "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
}  # fmt: skip

_ALIASES: dict[str, str] = {
    "burmese": "my", "valencian": "ca", "flemish": "nl", "haitian": "ht", "letzeburgesch": "lb",
    "pushto": "ps", "panjabi": "pa", "moldavian": "ro", "moldovan": "ro", "sinhalese": "si",
    "castilian": "es", "mandarin": "zh", "norwegian bokmal": "no", "jv": "jw", "iw": "he",
}  # fmt: skip

_BY_NAME: dict[str, str] = {name: code for code, name in LANGUAGE_NAMES.items()} | _ALIASES


def to_code(language: str | None) -> str | None:
    """``"English"``, ``"english"``, ``"en"``, ``"en-US"`` -> ``"en"``; unknown or empty -> None."""
    if not language:
        return None
    text = language.strip().lower().replace("_", "-")
    if text in LANGUAGE_NAMES:
        return text
    if text in _BY_NAME:
        return _BY_NAME[text]
    base = text.split("-")[0]
    if base in LANGUAGE_NAMES:
        return base
    return _ALIASES.get(base)


def parse_language(value: str) -> str | None:
    """A language a user gave (``-l``, ``captioner.toml``): its code, or None for ``auto`` (detect).

    Codes, names and tags Whisper knows are accepted (``de``, ``German``, ``de-AT``); anything else
    is a ValueError naming the value, before any file is read."""
    text = value.strip()
    if text.lower() == "auto":
        return None
    code = to_code(text)
    if code is None:
        raise ValueError(
            f"{value!r} is not a language Whisper knows; use a code such as en or de, a name such as German, or auto"
        )
    return code


def to_name(code: str) -> str:
    """``"en"`` -> ``"English"`` (the form Groq's verbose JSON uses); unknown codes are returned as given."""
    name = LANGUAGE_NAMES.get(code)
    return name.title() if name else code
