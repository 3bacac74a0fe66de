"""What the reader is told about an answer, by code, in the reader's language.

The pipeline records a code and, for logs and the API, the internal detail
(which number the check did not find, the server's error); readers get a plain
sentence in the language of their question, never the detail.
"""

from __future__ import annotations

from dataclasses import dataclass

# code -> {language: text}
TEXTS: dict[str, dict[str, str]] = {
    "question_cut": {
        "en": "Your question was very long; only its first part was used.",
        "ar": "السؤال طويل جداً، فاستُخدم جزؤه الأول فقط.",
    },
    "model_unavailable": {
        "en": "The language model is not available; the answer is the best supporting sentence from the articles.",
        "ar": "النموذج اللغوي غير متاح؛ الإجابة هي أفضل جملة داعمة من المقالات.",
    },
    "model_failed": {
        "en": "The language model did not answer; the answer is the best supporting sentence from the articles.",
        "ar": "لم يُجب النموذج اللغوي؛ الإجابة هي أفضل جملة داعمة من المقالات.",
    },
    "not_verified": {
        "en": "The model's answer could not be verified against the articles; the answer is the best supporting sentence instead.",
        "ar": "تعذّر التحقق من إجابة النموذج في المقالات؛ الإجابة هي أفضل جملة داعمة بدلاً منها.",
    },
    "machine_translation": {
        "en": "Machine translation of the cited Arabic sentence (highlighted in the sources); check it against the original.",
        "ar": "ترجمة آلية للجملة العربية المستشهد بها (مظللة في المصادر)؛ راجعها مع الأصل.",
    },
    "answer_span": {
        "en": "The number or date asked for, from the cited Arabic sentence (highlighted in the sources).",
        "ar": "الرقم أو التاريخ المطلوب، من الجملة العربية المستشهد بها (مظللة في المصادر).",
    },
    "filtered": {
        "en": "Only the articles matching your filter (outlet, dates) were searched.",
        "ar": "بُحث في المقالات المطابقة للتصفية (المصدر، التاريخ) فقط.",
    },
    "untranslated": {
        "en": "No reliable English translation could be made; this is the Arabic sentence that answers, from the cited article.",
        "ar": "تعذّرت ترجمة موثوقة إلى الإنجليزية؛ هذه الجملة العربية التي تجيب، من المقال المستشهد به.",
    },
}


@dataclass(frozen=True)
class Notice:
    code: str  # a key of TEXTS
    detail: str = ""  # for logs and the API; never shown to readers

    def __post_init__(self) -> None:
        if self.code not in TEXTS:
            raise ValueError(f"unknown notice code {self.code!r}")

    def text(self, language: str) -> str:
        texts = TEXTS[self.code]
        return texts.get(language, texts["en"])

    def to_dict(self) -> dict:
        return {"code": self.code, "detail": self.detail, "text": self.text("en")}
