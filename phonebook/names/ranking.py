"""Ranking: scoring the candidates the database returned for a query, and deciding.

Scores run 0..100 in tiers that do not overlap, so exact > prefix > phonetic > fuzzy always.
Ambiguity is never resolved by guessing: a result is "unique" only with a clear score gap.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Literal, NamedTuple, TypeVar

from rapidfuzz import fuzz

from phonebook.names.keypad import clean_digits, joined_digits, token_digits
from phonebook.names.normalizing import normalize, strip_filler
from phonebook.names.pinyin import Spelling
from phonebook.names.spellings import (
    MAX_TOKENS,
    MIN_FUZZY_LETTERS,
    NameIndex,
    Source,
    initials,
    initials_query,
    phonetic_code,
    query_spellings,
    spellings_of,
)

T = TypeVar("T")

# --- scores (0..100). Tiers do not overlap, so exact > prefix > phonetic > fuzzy always. ---
EXACT_FULL = 100.0  # every token, in order
EXACT_REORDERED = 97.0  # every token, other order ("smith john")
EXACT_JOINED = 96.0  # same letters, other spacing ("zhangwei", "obrien")
# every query token is a whole token of the name ("john"); less than UNIQUE_GAP below a full
# match, so "john" with both "John" and "John Smith" in the book asks instead of guessing
EXACT_PARTIAL = 92.0
ALIAS_MAX = 92.0  # an alias never beats the same word in someone's display name
INITIALS = 80.0  # "js", "zw": as strong as a good prefix, weaker than a whole word
PREFIX_BASE, PREFIX_SPAN = 70.0, 15.0  # 70..85 by how much of the word was typed
PHONETIC_BASE, PHONETIC_SPAN = 55.0, 10.0  # 55..65 by spelling similarity
FUZZY_WEIGHT = 0.5  # fuzzy scores 37.5..50: always below every other tier
FUZZY_MIN_RATIO = 75.0  # rapidfuzz ratio; "jhon"/"john" is 75, "xavier"/"zhangwei" 29

# --- deciding ---
UNIQUE_GAP = 10.0  # about a tier: a whole word clearly beats a prefix (<=85), not another word
UNIQUE_MIN_SCORE = PHONETIC_BASE  # a fuzzy-only match is offered ("did you mean"), not dialled
MIN_UNIQUE_QUERY_LEN = 2  # one letter or key press never identifies a person
LIST_WINDOW = 30.0  # an ambiguous list shows only matches this close to the best one

Reason = Literal["exact", "prefix", "alias", "pinyin", "initials", "keypad", "phonetic", "fuzzy"]


class _Hit(NamedTuple):
    score: float
    reason: Reason


_TokenMatcher = Callable[[str, str], "_Hit | None"]


@dataclass(frozen=True, slots=True)
class Scored(Generic[T]):
    item: T
    score: float  # 0..100, higher is better
    reason: str  # "exact", "prefix", "alias", "pinyin", "initials", "keypad", "phonetic", "fuzzy"


@dataclass(frozen=True, slots=True)
class Ranking(Generic[T]):
    kind: Literal["unique", "ambiguous", "none"]
    matches: tuple[Scored[T], ...]  # best first; empty for "none", exactly one for "unique"


def rank_text(
    query: str, candidates: Iterable[tuple[T, NameIndex]], *, limit: int = 9
) -> Ranking[T]:
    """Rank candidates for a typed or spoken name."""
    norm_query = strip_filler(query)
    queries = query_spellings(query)
    if not queries:
        return Ranking("none", ())
    # many people share a name (and, read from the store, its NameIndex object): score each
    # index once per query
    seen: dict[int, _Hit | None] = {}
    found = [
        (Scored(item, hit.score, hit.reason), index.display)
        for item, index in candidates
        if (hit := _once(seen, index, lambda i: _text_hit(norm_query, queries, i))) is not None
    ]
    return _decide(found, len("".join(queries[0])), limit)


def rank_digits(
    digits: str, candidates: Iterable[tuple[T, NameIndex]], *, limit: int = 9
) -> Ranking[T]:
    """Rank candidates for a name spelled on the keypad (0 between words)."""
    cleaned = clean_digits(digits)
    if not cleaned:
        return Ranking("none", ())
    seen: dict[int, _Hit | None] = {}
    found = [
        (Scored(item, hit.score, hit.reason), index.display)
        for item, index in candidates
        if (hit := _once(seen, index, lambda i: _digits_hit(cleaned, i))) is not None
    ]
    return _decide(found, len(cleaned.replace("0", "")), limit)


def _once(
    seen: dict[int, _Hit | None], index: NameIndex, score: Callable[[NameIndex], _Hit | None]
) -> _Hit | None:
    # keyed by identity: the candidates (and so every index) live until the ranking returns
    key = id(index)
    if key not in seen:
        seen[key] = score(index)
    return seen[key]


def _decide(found: list[tuple[Scored[T], str]], query_len: int, limit: int) -> Ranking[T]:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not found:
        return Ranking("none", ())
    # deterministic: score, then display name; equal names keep the caller's order
    found.sort(key=lambda pair: (-pair[0].score, pair[1].casefold(), pair[1]))
    ranked = [scored for scored, _ in found]
    best = ranked[0]
    clear = len(ranked) == 1 or best.score - ranked[1].score >= UNIQUE_GAP
    if clear and best.score >= UNIQUE_MIN_SCORE and query_len >= MIN_UNIQUE_QUERY_LEN:
        return Ranking("unique", (best,))
    close = [scored for scored in ranked if scored.score >= best.score - LIST_WINDOW]
    return Ranking("ambiguous", tuple(close[:limit]))


# ---------------------------------------------------------------------------------------------
# typed and spoken names


def _text_hit(norm_query: str, queries: list[Spelling], index: NameIndex) -> _Hit | None:
    if norm_query == _normalized_display(index.display):
        return _Hit(EXACT_FULL, "exact")  # also for a Han query against a Han name
    sources = _display_sources(index.display)
    hits: list[_Hit | None] = []
    for tokens in index.spellings:
        for query in queries:
            hit = _best(
                (
                    _tokens_hit(query, tokens, _text_token_hit),
                    _joined_text_hit(query, tokens),
                    _initials_hit(query, tokens),
                )
            )
            hits.append(None if hit is None else _attribute(hit, sources.get(tokens, "alias")))
    return _best(hits)


@lru_cache(maxsize=65536)
def _normalized_display(display: str) -> str:
    return normalize(display)


@lru_cache(maxsize=4096)
def _display_sources(display: str) -> dict[Spelling, Source]:
    return dict(spellings_of(display))


def _attribute(hit: _Hit, source: Source) -> _Hit:
    """Say that a word-level match came through an alias or a pinyin reading."""
    if hit.reason not in ("exact", "prefix") or source == "name":
        return hit
    if source == "alias":
        return _Hit(min(hit.score, ALIAS_MAX), "alias")
    return _Hit(hit.score, "pinyin")


@lru_cache(maxsize=65536)
def _text_token_hit(query: str, token: str) -> _Hit | None:
    if query == token:
        return _Hit(EXACT_FULL, "exact")
    if token.startswith(query):
        return _Hit(_prefix_score(query, token), "prefix")
    if len(query) < MIN_FUZZY_LETTERS:
        return None
    ratio = fuzz.ratio(query, token)
    code = phonetic_code(query)
    if code and code == phonetic_code(token):
        return _Hit(PHONETIC_BASE + PHONETIC_SPAN * ratio / 100, "phonetic")
    if ratio >= FUZZY_MIN_RATIO:
        return _Hit(FUZZY_WEIGHT * ratio, "fuzzy")
    return None


def _joined_text_hit(query: Spelling, tokens: Spelling) -> _Hit | None:
    """The query and name compared without spaces: "zhangwei", "obrien", "johnsmi"."""
    typed, whole = "".join(query), "".join(tokens)
    if typed == whole:
        return _Hit(EXACT_JOINED, "exact")
    if whole.startswith(typed):
        return _Hit(_prefix_score(typed, whole), "prefix")
    if len(typed) >= MIN_FUZZY_LETTERS:
        ratio = fuzz.ratio(typed, whole)
        if ratio >= FUZZY_MIN_RATIO:
            return _Hit(FUZZY_WEIGHT * ratio, "fuzzy")
    return None


def _initials_hit(query: Spelling, tokens: Spelling) -> _Hit | None:
    typed = initials_query(query)
    if typed is None or len(tokens) < 2 or typed != initials(tokens):
        return None
    return _Hit(INITIALS, "initials")


# ---------------------------------------------------------------------------------------------
# keypad


def _digits_hit(digits: str, index: NameIndex) -> _Hit | None:
    words = tuple(digits.split("0"))
    hits: list[_Hit | None] = []
    for spelling in index.spellings:
        keys = token_digits(spelling)
        hits.append(_tokens_hit(words, tuple(keys), _digits_token_hit))
        if len(words) == 1:
            hits.extend(_joined_digits_hit(digits, keys))
    return _best(hits)


def _digits_token_hit(query: str, token: str) -> _Hit | None:
    if query == token:
        return _Hit(EXACT_FULL, "keypad")
    if token.startswith(query):
        return _Hit(_prefix_score(query, token), "keypad")
    return None


def _joined_digits_hit(digits: str, keys: list[str]) -> list[_Hit | None]:
    if len(keys) < 2:
        return []  # one word: the token match already covers it
    reversed_order = keys[-1] + keys[0]
    hits: list[_Hit | None] = []
    for whole in joined_digits(keys):
        if digits == whole:
            exact = EXACT_REORDERED if whole == reversed_order else EXACT_FULL
            hits.append(_Hit(exact, "keypad"))
        elif whole.startswith(digits):
            hits.append(_Hit(_prefix_score(digits, whole), "keypad"))
    return hits


# ---------------------------------------------------------------------------------------------
# shared by both


def _prefix_score(typed: str, whole: str) -> float:
    return PREFIX_BASE + PREFIX_SPAN * len(typed) / len(whole)


def _tokens_hit(query: Spelling, tokens: Spelling, match: _TokenMatcher) -> _Hit | None:
    """Every query word matched to a different word of the name, in any order."""
    assigned = _best_assignment(query, tokens[:MAX_TOKENS], match)
    if assigned is None:
        return None
    hits, in_order = assigned
    if any(hit.score < EXACT_FULL for hit in hits):
        return min(hits, key=lambda hit: hit.score)  # as good as its weakest word
    if len(query) < len(tokens):
        return _Hit(EXACT_PARTIAL, hits[0].reason)
    return _Hit(EXACT_FULL if in_order else EXACT_REORDERED, hits[0].reason)


def _best_assignment(
    query: Spelling, tokens: Spelling, match: _TokenMatcher
) -> tuple[list[_Hit], bool] | None:
    """Hits of the best one-to-one pairing (weakest word first, then total), and if in order."""
    if not query or len(query) > len(tokens):
        return None
    grid = [[match(q, t) for t in tokens] for q in query]
    best: tuple[float, float, bool] | None = None
    best_hits: list[_Hit] = []
    for order in itertools.permutations(range(len(tokens)), len(query)):
        maybe = [grid[qi][ti] for qi, ti in enumerate(order)]
        hits = [hit for hit in maybe if hit is not None]
        if len(hits) < len(maybe):
            continue
        scores = [hit.score for hit in hits]
        rank = (min(scores), sum(scores), list(order) == sorted(order))
        if best is None or rank > best:
            best, best_hits = rank, hits
    return None if best is None else (best_hits, best[2])


def _best(hits: Iterable[_Hit | None]) -> _Hit | None:
    found = [hit for hit in hits if hit is not None]
    return max(found, key=lambda hit: hit.score, default=None)  # first wins a tie
