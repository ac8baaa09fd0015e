"""Name matching: what a caller typing, speaking or keying a name experiences."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonebook.names import (
    NameIndex,
    Ranking,
    decode_index,
    digits_prefixes,
    encode_index,
    has_han,
    index_name,
    keypad_digits,
    normalize,
    query_length,
    query_prefixes,
    rank_digits,
    rank_text,
    search_keys,
)

Book = list[tuple[str, NameIndex]]


def book(*names: str | tuple[str, Sequence[str]]) -> Book:
    """A phonebook whose items are the display names (or the given ids for aliases)."""
    entries: Book = []
    for name in names:
        display, aliases = (name, ()) if isinstance(name, str) else name
        entries.append((display, index_name(display, aliases)))
    return entries


def found(ranking: Ranking[str]) -> list[str]:
    return [scored.item for scored in ranking.matches]


def score_of(query: str, display: str) -> float:
    ranking = rank_text(query, book(display))
    assert ranking.matches, f"{query!r} should match {display!r}"
    return ranking.matches[0].score


PHONEBOOK = book("John Smith", "Zoë Müller", "张伟", ("Robert Jones", ["Bob"]), "Anna Lee")


# --- normalising -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jöhn   SMÍTH ", "john smith"),
        ("O'Brien", "o brien"),
        ("john smith's", "john smith"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("ＪＯＨＮ", "john"),  # full-width letters from an East Asian keyboard
        ("Straße", "strasse"),
        ("Łukasz Øberg", "lukasz oberg"),
        ("张伟", "张伟"),
        ("김민준", "김민준"),  # Hangul survives accent stripping
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "digits"),
    [("Zoë", "963"), ("John Smith", "564676484"), ("R2-D2", "7232"), ("张伟", ""), ("Ø", "6")],
)
def test_keypad_digits(text: str, digits: str) -> None:
    assert keypad_digits(text) == digits


# --- finding by text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "john smith",
        "John",
        "smith",
        "SMITH",
        "Jöhn Smíth",
        "smith john",
        "jon smyth",
        "john smith's",
    ],
)
def test_john_smith_is_found(query: str) -> None:
    ranking = rank_text(query, PHONEBOOK)
    assert ranking.kind == "unique"
    assert found(ranking) == ["John Smith"]


@pytest.mark.parametrize("query", ["zoe", "muller", "mueller", "Müller", "zoe mueller"])
def test_umlauts_are_found_with_and_without_e(query: str) -> None:
    ranking = rank_text(query, PHONEBOOK)
    assert found(ranking) == ["Zoë Müller"]
    assert ranking.matches[0].reason == "exact"  # a spelling, not merely a sound-alike


def test_umlaut_query_finds_name_written_with_e() -> None:
    ranking = rank_text("müller", book("Thomas Mueller"))
    assert (found(ranking), ranking.matches[0].reason) == (["Thomas Mueller"], "exact")


def test_alias_finds_the_account() -> None:
    ranking = rank_text("Bob", PHONEBOOK)
    assert ranking.kind == "unique"
    assert found(ranking) == ["Robert Jones"]
    assert ranking.matches[0].reason == "alias"


def test_alias_does_not_outrank_the_same_word_in_a_display_name() -> None:
    ranking = rank_text("bob", book(("Robert Jones", ["Bob"]), "Bob Marley"))
    assert ranking.kind == "ambiguous"
    assert set(found(ranking)) == {"Robert Jones", "Bob Marley"}
    ranking = rank_text("bob", book(("Adam Jones", ["Bob"]), "Bob"))
    assert (ranking.kind, found(ranking)) == ("ambiguous", ["Bob", "Adam Jones"])


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("zhang wei", "pinyin"),
        ("zhangwei", "pinyin"),
        ("wei zhang", "pinyin"),
        ("wei", "pinyin"),
        ("zw", "initials"),
        ("张伟", "exact"),
    ],
)
def test_han_name_is_found_by_pinyin(query: str, reason: str) -> None:
    ranking = rank_text(query, PHONEBOOK)
    assert ranking.kind == "unique"
    assert found(ranking) == ["张伟"]
    assert ranking.matches[0].reason == reason


@pytest.mark.parametrize("query", ["shan", "dan", "shan tianfang", "dan tian fang"])
def test_heteronym_surname_matches_every_reading(query: str) -> None:
    assert found(rank_text(query, book("单田芳", "John Smith"))) == ["单田芳"]


def test_zeng_surname_is_found() -> None:
    # pypinyin reads 曾 as "ceng" by default; as a surname it is "zeng"
    ranking = rank_text("zeng xiaoming", book("曾小明", "张伟"))
    assert ranking.kind == "unique"
    assert found(ranking) == ["曾小明"]


@pytest.mark.parametrize(
    ("query", "reason"), [("xiaoming", "pinyin"), ("li xiaoming", "pinyin"), ("lxm", "initials")]
)
def test_han_given_name_is_one_word_too(query: str, reason: str) -> None:
    ranking = rank_text(query, book("李小明", "张伟"))
    assert (ranking.kind, found(ranking)) == ("unique", ["李小明"])
    assert ranking.matches[0].reason == reason


def test_nothing_plausible_is_none() -> None:
    ranking = rank_text("xavier", book("John Smith", "Zoë Müller", "张伟"))
    assert ranking.kind == "none"
    assert ranking.matches == ()


def test_empty_query_is_none() -> None:
    assert rank_text(" - ", PHONEBOOK).kind == "none"
    assert rank_digits("", PHONEBOOK).kind == "none"


# --- finding by keypad -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits",
    ["76484", "5646", "764", "5646076484", "7648405646", "564676484", "764845646", "56407648"],
)
def test_keypad_finds_john_smith(digits: str) -> None:
    ranking = rank_digits(digits, PHONEBOOK)
    assert ranking.kind == "unique"
    assert found(ranking) == ["John Smith"]
    assert ranking.matches[0].reason == "keypad"


@pytest.mark.parametrize("digits", ["94264", "934", "942640934", "94264934", "9340942640"])
def test_keypad_finds_han_name_by_pinyin(digits: str) -> None:
    assert found(rank_digits(digits, PHONEBOOK)) == ["张伟"]


def test_whole_name_ranks_above_one_word_but_still_asks() -> None:
    # "5646" is John Smith's first word but the whole of Koho's name
    by_keys = rank_digits("5646", book("John Smith", "Koho"))
    assert (by_keys.kind, found(by_keys)) == ("ambiguous", ["Koho", "John Smith"])
    by_text = rank_text("john", book("John Smith", "John"))
    assert (by_text.kind, found(by_text)) == ("ambiguous", ["John", "John Smith"])


def test_keypad_name_in_order_beats_reversed() -> None:
    john_smith = book("John Smith")
    for in_order, reversed_order in [("564676484", "764845646"), ("5646076484", "7648405646")]:
        assert (
            rank_digits(in_order, john_smith).matches[0].score
            > rank_digits(reversed_order, john_smith).matches[0].score
        )


def test_keypad_collisions_are_ambiguous() -> None:
    # j-o-h-n and k-o-h-o are the same keys
    ranking = rank_digits("5646", book("John Smith", "Koho Lee"))
    assert ranking.kind == "ambiguous"
    assert found(ranking) == ["John Smith", "Koho Lee"]


def test_keypad_needs_every_word_to_match() -> None:
    assert rank_digits("5646099999", PHONEBOOK).kind == "none"


# --- ranking -----------------------------------------------------------------------------------


def test_exact_beats_prefix_beats_phonetic_beats_fuzzy() -> None:
    exact = score_of("smith", "Mark Smith")
    prefix = score_of("smith", "Mark Smithers")
    phonetic = score_of("smith", "Mark Smyth")
    fuzzy = score_of("smith", "Mark Smitt")
    assert exact > prefix > phonetic > fuzzy
    reasons = [
        rank_text("smith", book(n)).matches[0].reason for n in ("Mark Smithers", "Mark Smyth")
    ]
    assert reasons == ["prefix", "phonetic"]
    assert rank_text("smith", book("Mark Smitt")).matches[0].reason == "fuzzy"


def test_full_name_beats_first_word_only() -> None:
    assert score_of("john smith", "John Smith") > score_of("john", "John Smith")
    assert score_of("john smith", "John Smith") > score_of("smith john", "John Smith")


def test_clear_winner_is_unique() -> None:
    ranking = rank_text("john smith", book("John Smythe", "John Smith"))
    assert ranking.kind == "unique"
    assert found(ranking) == ["John Smith"]


def test_close_scores_are_ambiguous() -> None:
    ranking = rank_text("jon smyth", book("John Smythe", "John Smith"))
    assert ranking.kind == "ambiguous"
    assert set(found(ranking)) == {"John Smith", "John Smythe"}


def test_identical_names_are_never_guessed() -> None:
    phonebook = [("a", index_name("John Smith")), ("b", index_name("John Smith"))]
    ranking = rank_text("john smith", phonebook)
    assert ranking.kind == "ambiguous"
    assert [s.item for s in ranking.matches] == ["a", "b"]  # caller's order breaks full ties
    assert rank_digits("76484", phonebook).kind == "ambiguous"


def test_ties_are_ordered_by_display_name() -> None:
    ranking = rank_text("john", book("John Smith", "john adams", "Zoë Müller", "John Baker"))
    assert ranking.kind == "ambiguous"
    assert found(ranking) == ["john adams", "John Baker", "John Smith"]


def test_ambiguous_list_respects_limit() -> None:
    names = [f"Anna {surname}" for surname in ("Abel", "Berg", "Cole", "Dahl", "Eck")]
    ranking = rank_text("anna", book(*names), limit=3)
    assert ranking.kind == "ambiguous"
    assert found(ranking) == names[:3]


def test_fuzzy_only_match_is_offered_not_chosen() -> None:
    ranking = rank_text("smiht", book("Mark Smith"))
    assert ranking.kind == "ambiguous"
    assert ranking.matches[0].reason == "fuzzy"


def test_one_letter_is_never_unique() -> None:
    assert rank_text("j", PHONEBOOK).kind == "ambiguous"  # only John starts with j
    several = rank_text("j", book("John Smith", "Jane Doe", "Zoë Müller"))
    assert several.kind == "ambiguous"
    assert found(several) == ["Jane Doe", "John Smith"]
    assert rank_digits("5", PHONEBOOK).kind != "unique"


def test_short_queries_are_not_fuzzy_matched() -> None:
    # "jn" is close to "jon" (ratio 80, same Metaphone) but two letters are too few to guess from
    assert rank_text("jn", book("Jon Snow")).kind == "none"
    assert rank_text("jhn", book("John Snow")).matches[0].reason == "fuzzy"


# --- keys for the database ---------------------------------------------------------------------


def test_search_keys_of_a_latin_name() -> None:
    keys = search_keys(index_name("John Smith"))
    expected = {"t:john", "t:smith", "t:johnsmith", "i:js", "p:JN", "p:SM0"}
    expected |= {"k:5646", "k:76484", "k:564676484", "k:764845646"}
    expected |= {"k:5646076484", "k:7648405646"}
    assert expected <= keys


def test_search_keys_of_a_han_name() -> None:
    keys = search_keys(index_name("张伟"))
    assert {"t:zhang", "t:wei", "t:zhangwei", "i:zw", "k:94264", "k:934"} <= keys
    assert {"k:942640934", "k:94264934"} <= keys


def test_index_holds_every_surname_reading() -> None:
    readings = {spelling[0] for spelling in index_name("单田芳").spellings}
    assert {"shan", "dan"} <= readings


def test_digits_prefixes() -> None:
    assert digits_prefixes("5646076484") == ("k:5646076484", "k:5646")
    assert digits_prefixes("76484") == ("k:76484",)
    assert digits_prefixes("0056400") == ("k:564",)  # separators at the ends mean nothing


def test_query_prefixes_of_initials_and_phonetics() -> None:
    assert "i:zw" in query_prefixes("zw")
    assert "p:SM0" in query_prefixes("smyth")


@pytest.mark.parametrize(
    ("text", "han"),
    [
        ("张伟", True),
        ("Anna 李", True),
        ("𠮷田", True),  # Extension B, outside the Basic Multilingual Plane
        ("豈", True),  # a compatibility ideograph
        ("김민준", False),  # Hangul is not Han
        ("ひらがな", False),
        ("䷀", False),  # a Yijing hexagram sits between the Han blocks but is a symbol
        ("Zoë", False),
    ],
)
def test_what_a_han_character_is(text: str, han: bool) -> None:
    assert has_han(text) is han


def test_one_east_asian_syllable_is_as_long_as_two_letters() -> None:
    assert query_length("伟") == query_length("김") == query_length("wi") == 2
    assert query_length("w") == 1


TOKENS = ["john", "smith", "smyth", "jon", "zoë", "müller", "anna", "lee", "li", "o'brien"]
HAN = ["张", "伟", "单", "曾", "小", "明", "李"]
FINDABLE = {"exact", "prefix", "alias", "pinyin", "initials", "phonetic", "keypad"}

latin_names = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3).map(" ".join)
han_names = st.lists(st.sampled_from(HAN), min_size=1, max_size=3).map("".join)
names = st.one_of(latin_names, han_names)


@st.composite
def name_and_query(draw: st.DrawFn) -> tuple[NameIndex, str]:
    display = draw(names)
    aliases = draw(st.lists(names, max_size=1))
    index = index_name(display, aliases)
    words = [token for spelling in index.spellings for token in spelling]
    word = st.sampled_from(words)
    # whole words, typed beginnings of words, and unrelated or misspelt words
    piece = st.one_of(word, word.map(lambda w: w[: max(1, len(w) // 2)]), st.sampled_from(TOKENS))
    spelling = draw(st.sampled_from(index.spellings))
    joined = "".join(spelling)
    cut = draw(st.integers(1, len(joined)))
    respaced = f"{joined[:cut]} {joined[cut:]}"  # spaces in other places: "zhangw ei"
    initials = "".join(token[0] for token in spelling)
    pieces = st.lists(piece, min_size=1, max_size=3).map(" ".join)
    query = draw(st.one_of(names, pieces, pieces, st.sampled_from([respaced, initials])))
    return index, query


def reachable(prefixes: Sequence[str], keys: frozenset[str]) -> bool:
    return any(key.startswith(prefix) for prefix in prefixes for key in keys)


@settings(max_examples=300, deadline=None)
@given(name_and_query())
def test_every_text_match_is_reachable_by_prefix_scan(case: tuple[NameIndex, str]) -> None:
    index, query = case
    ranking = rank_text(query, [("x", index)])
    for scored in ranking.matches:
        if scored.reason in FINDABLE:
            assert reachable(query_prefixes(query), search_keys(index)), (query, scored)


@st.composite
def name_and_digits(draw: st.DrawFn) -> tuple[NameIndex, str]:
    index = index_name(draw(names))
    words = [keypad_digits(token) for spelling in index.spellings for token in spelling]
    word = st.sampled_from([w for w in words if w])
    typed = word.map(lambda w: w[: max(1, len(w) // 2)])
    piece = st.one_of(word, typed, st.from_regex(r"[2-9]{1,5}", fullmatch=True))
    separator = draw(st.sampled_from(["0", ""]))  # words with the keypad space, or run together
    digits = separator.join(draw(st.lists(piece, min_size=1, max_size=3)))
    return index, digits


@settings(max_examples=300, deadline=None)
@given(name_and_digits())
def test_every_keypad_match_is_reachable_by_prefix_scan(case: tuple[NameIndex, str]) -> None:
    index, digits = case
    ranking = rank_digits(digits, [("x", index)])
    for scored in ranking.matches:
        assert scored.reason == "keypad"
        assert reachable(digits_prefixes(digits), search_keys(index)), (digits, scored)


@pytest.mark.parametrize("name,aliases", [("Zoë Müller", ["Zo"]), ("张伟", []), ("O'Brien", [])])
def test_a_stored_name_index_reads_back_the_same(name: str, aliases: list[str]) -> None:
    index = index_name(name, aliases)
    assert decode_index(name, encode_index(index)) == index
