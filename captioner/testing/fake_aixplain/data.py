"""What the fake answers with: the model record and the protocol reference's JFK fixture."""

from __future__ import annotations

from typing import Any

DEFAULT_MODEL_ID = "66311fda6eb563279c574b71"
PRICE_PER_MINUTE = 0.0018 * 1.2  # USD (= credits) per audio minute, service fee included

# The doc's default fixture: Whisper base on the JFK clip, in Groq's verbose JSON shape.
JFK_TEXT = (
    " And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
)
JFK_WORDS = [
    ("And", 0.0, 0.52), ("so", 0.52, 0.82), ("my", 0.82, 1.18), ("fellow", 1.18, 1.56), ("Americans,", 1.56, 2.34),
    ("ask", 3.3, 3.72), ("not", 3.72, 4.26), ("what", 4.26, 5.22), ("your", 5.22, 5.58), ("country", 5.58, 6.0),
    ("can", 6.0, 6.36), ("do", 6.36, 6.62), ("for", 6.62, 6.84), ("you,", 6.84, 7.5), ("ask", 8.08, 8.48),
    ("what", 8.48, 8.72), ("you", 8.72, 8.96), ("can", 8.96, 9.2), ("do", 9.2, 9.36), ("for", 9.36, 9.56),
    ("your", 9.56, 9.78), ("country.", 9.78, 10.36),
]  # fmt: skip
JFK_RAW: dict[str, Any] = {
    "task": "transcribe",
    "language": "English",
    "duration": 11.0,
    "text": JFK_TEXT,
    "segments": [
        {
            "id": 0,
            "seek": 0,
            "start": 0.0,
            "end": 10.36,
            "text": JFK_TEXT,
            "tokens": [50364, 400, 370, 452, 7177, 6280, 11, 1029, 406, 437, 428, 1941, 393, 360, 337, 291, 11]
            + [1029, 437, 291, 393, 360, 337, 428, 1941, 13, 50914],
            "temperature": 0.0,
            "avg_logprob": -0.262977,
            "compression_ratio": 1.35443,
            "no_speech_prob": 0.052673,
        }
    ],
    "words": [{"word": w, "start": s, "end": e} for w, s, e in JFK_WORDS],
    "x_groq": {"id": "req_fake0000000000000000000000"},
}

MODEL_RECORD: dict[str, Any] = {
    "id": DEFAULT_MODEL_ID,
    "name": "Whisper Large",
    "path": "openai/whisper-large/groq",
    "status": "onboarded",
    "host": "Groq",
    "developer": "OpenAI",
    "vendor": {"id": 101, "name": "Groq", "code": "groq"},
    "function": {"id": "speech-recognition", "name": "Speech Recognition"},
    "connectionType": ["synchronous"],
    "pricing": {"price": 0.0018, "unitType": "MINUTE", "unitTypeScale": None},
    "supportsStreaming": False,
    "params": [
        {"name": "source_audio", "required": True, "isFixed": False, "dataType": "audio", "dataSubType": "audio",
         "multipleValues": False, "values": [], "defaultValues": [], "availableOptions": []},
        {"name": "sourcelanguage", "required": True, "isFixed": True, "dataType": "label", "dataSubType": "label",
         "multipleValues": False, "values": [], "defaultValues": [],
         "availableOptions": [{"value": "en", "label": "English"}, {"value": "ar", "label": "Arabic"}]},
    ],
}  # fmt: skip
