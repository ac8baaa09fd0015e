"""The page's words without a browser: the plain-words line under the grant matrix, name
order with Han names, and the two catalogues (every key the templates use, in both)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phonebook.model import PUBLIC, Entry, EntryKind, Level
from web.collate import sort_key
from web.i18n import Catalog
from web.summary import summary

CATALOG = Catalog.load()
en, zh = CATALOG.translator("en"), CATALOG.translator("zh")
CIRCLES = {"f": "Family", "w": "Work", "c": "Clients"}
ZH_CIRCLES = {"f": "家人", "w": "同事", "c": "客户"}


def mobile(**grants: Level) -> Entry:
    return Entry("e1", EntryKind.PHONE, "mobile", "+12025550151", 0, dict(grants))


@pytest.mark.parametrize(
    ("grants", "words"),
    [
        ({}, "Nobody but you sees your mobile."),
        ({"f": Level.CALLABLE}, "Family can call your mobile but not see the number."),
        ({"f": Level.VISIBLE, "w": Level.VISIBLE}, "Family and Work can see your mobile."),
        (
            {"f": Level.VISIBLE, "w": Level.CALLABLE, "c": Level.CALLABLE},
            "Family can see your mobile; Work and Clients can call it but not see the number.",
        ),
        (
            {"f": Level.CALLABLE, "w": Level.CALLABLE, "c": Level.CALLABLE},
            "Family, Work and Clients can call your mobile but not see the number.",
        ),
        ({PUBLIC: Level.VISIBLE, "f": Level.CALLABLE}, "Everyone can see your mobile."),
        ({PUBLIC: Level.CALLABLE}, "Everyone can call your mobile but not see the number."),
        (
            {PUBLIC: Level.CALLABLE, "f": Level.VISIBLE, "w": Level.CALLABLE},
            "Family can see your mobile; everyone else can call it but not see the number.",
        ),
    ],
)
def test_the_plain_words_line(grants: dict[str, Level], words: str) -> None:
    assert summary(mobile(**grants), CIRCLES, en) == words


def test_the_plain_words_line_in_chinese() -> None:
    both = mobile(f=Level.VISIBLE, w=Level.CALLABLE, c=Level.CALLABLE)
    assert summary(both, ZH_CIRCLES, zh) == "家人能看到您的mobile；同事和客户能拨打，但看不到号码。"
    three = mobile(f=Level.CALLABLE, w=Level.CALLABLE, c=Level.CALLABLE)
    assert summary(three, ZH_CIRCLES, zh) == "家人、同事和客户能拨打您的mobile，但看不到号码。"


def test_han_names_sort_by_their_pinyin_among_latin_names() -> None:
    people = ["Zoë Müller", "张伟", "alice", "Bob", "王芳", "Émile", "李娜"]
    assert sorted(people, key=sort_key) == [
        "alice",
        "Bob",
        "Émile",
        "李娜",  # li na
        "王芳",  # wang fang
        "张伟",  # zhang wei
        "Zoë Müller",
    ]


def test_both_catalogues_hold_the_same_words() -> None:
    english, chinese = CATALOG.messages["en"], CATALOG.messages["zh"]
    assert english.keys() == {k for k in chinese if not _is_error_code(k)}
    for key, text in english.items():  # the same fields to fill in
        assert re.findall(r"{(\w+)}", text) == re.findall(r"{(\w+)}", chinese[key]), key


def _is_error_code(key: str) -> bool:
    """zh words for the domain's stable error codes; English shows the domain's own message."""
    return key.startswith("error.") and key not in {"error.title", "error.back", "error.csrf"}


def test_every_key_the_templates_and_routes_use_exists() -> None:
    web = Path(__file__).resolve().parents[2] / "web"
    used: set[str] = set()
    for path in [*web.rglob("*.html"), *web.rglob("*.py")]:
        used.update(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.-]+)["']""", path.read_text()))
    assert len(used) > 100
    assert used - CATALOG.messages["en"].keys() == set()
    prefixes = {"kind.": ("phone", "email", "address"), "level.": ("hidden", "callable", "visible")}
    prefixes["status."] = (
        "queued",
        "ringing",
        "connected",
        "completed",
        "busy",
        "no-answer",
        "failed",
    )
    for prefix, values in prefixes.items():
        for value in values:
            assert prefix + value in CATALOG.messages["en"]
