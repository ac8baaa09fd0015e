"""English and Simplified Chinese. Messages live in ``locales/<lang>.json`` (flat keys,
``str.format`` fields); a key missing in one language is a test failure, not a fallback."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

from starlette.requests import Request

LANGUAGES = {"en": "English", "zh": "中文"}
HTML_LANG = {"en": "en", "zh": "zh-Hans"}
DEFAULT = "en"
LANG_COOKIE = "pb_lang"

Translate = Callable[..., str]


class Catalog:
    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self.messages = messages

    @classmethod
    def load(cls) -> Catalog:
        folder = resources.files("web") / "locales"
        return cls(
            {lang: json.loads((folder / f"{lang}.json").read_text("utf-8")) for lang in LANGUAGES}
        )

    def translator(self, lang: str) -> Translate:
        messages = self.messages[lang]

        def t(key: str, /, **fields: object) -> str:
            text = messages[key]
            return text.format(**fields) if fields else text

        return t

    def error(self, lang: str, code: str, message: str) -> str:
        """A domain error in the page's language: its stable code's words (which may quote
        the domain's own message), else the domain's message as it is."""
        text = self.messages[lang].get(f"error.{code}")
        return text.format(message=message) if text else message


def choose(request: Request) -> str:
    """The language the person picked (a cookie), else the browser's first supported one."""
    picked = request.cookies.get(LANG_COOKIE)
    if picked in LANGUAGES:
        return picked
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and q > 0:
            ranked.append((-q, i, base))
    return min(ranked)[2] if ranked else DEFAULT
