"""Names: normalising, search keys and ranking, so that people can be reached by name.

A name is reached three ways: typed (API), spoken (speech recognition transcripts, often
misspelt) and spelled on a phone keypad (DTMF). Everything here is pure and cheap: a
`NameIndex` is built once per name change, `search_keys` gives the strings a database stores
so candidates can be found by prefix range scans, and `rank_text` / `rank_digits` rank the
candidates the database returned.

Choices worth knowing:
- `normalize` turns apostrophes, hyphens and other punctuation into word breaks
  ("O'Brien" -> "o brien"; the joined key "obrien" still finds it), drops a possessive "'s"
  ("john smith's" -> "john smith") and strips accents ("Müller" -> "muller").
- A spoken query loses what people say around a name ("uh, call bob please" -> "bob"): fixed
  phrases at the ends and hesitations anywhere, never the whole query, so someone really
  named "Ring" is still found by "ring".
- German umlauts get a second spelling with ä/ö/ü -> ae/oe/ue, so "Müller" is found by both
  "muller" and "mueller" (and a query "müller" finds a "Mueller").
- Han names are read with pypinyin (no tones, ü -> u). Only the first Han character (the
  surname) gets every heteronym reading (单 -> dan/chan/shan), which keeps the product small.
  A name of three or more characters also gets the usual two-word form ("zhang xiaoming").
- Phonetic codes are jellyfish Metaphone: unlike NYSIIS it gives "smith" and "smyth" the same
  code, and unlike Soundex it does not pin the first letter, which suits speech transcripts.
- Ambiguity is never resolved by guessing: a result is "unique" only with a clear score gap.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Literal, NamedTuple, TypeVar

import jellyfish
from rapidfuzz import fuzz

__all__ = [
    "NameIndex",
    "Ranking",
    "Scored",
    "digits_prefixes",
    "index_name",
    "keypad_digits",
    "normalize",
    "query_prefixes",
    "rank_digits",
    "rank_text",
    "search_keys",
    "strip_filler",
]

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
MIN_FUZZY_LETTERS = 3  # two letters say too little to guess a spelling mistake from

# --- deciding ---
UNIQUE_GAP = 10.0  # about a tier: a whole word clearly beats a prefix (<=85), not another word
UNIQUE_MIN_SCORE = PHONETIC_BASE  # a fuzzy-only match is offered ("did you mean"), not dialled
MIN_UNIQUE_QUERY_LEN = 2  # one letter or key press never identifies a person
LIST_WINDOW = 30.0  # an ambiguous list shows only matches this close to the best one
MAX_TOKENS = 6  # query/name words compared pairwise; 6! = 720 assignments at most
MAX_INITIALS = 6

Reason = Literal["exact", "prefix", "alias", "pinyin", "initials", "keypad", "phonetic", "fuzzy"]
_Source = Literal["name", "pinyin", "alias"]
_Spelling = tuple[str, ...]

_KEYPAD = str.maketrans(
    {
        **dict.fromkeys("abc", "2"),
        **dict.fromkeys("def", "3"),
        **dict.fromkeys("ghi", "4"),
        **dict.fromkeys("jkl", "5"),
        **dict.fromkeys("mno", "6"),
        **dict.fromkeys("pqrs", "7"),
        **dict.fromkeys("tuv", "8"),
        **dict.fromkeys("wxyz", "9"),
    }
)
_DIGITS = frozenset("0123456789")
_APOSTROPHES = "'’‘ʼ`´"
# "smith's" -> "smith": a possessive in a typed or transcribed query is not part of the name
_POSSESSIVE = re.compile(r"(?<=\w)['’ʼ]s\b")
_TO_SPACE = str.maketrans(dict.fromkeys(_APOSTROPHES, " "))
# what callers say around a name, on normalised text (apostrophes are spaces: "i d like to").
# Phrases, not single words: "to", "me" or "oh" alone may be part of a name (Korean "Oh").
_HESITATIONS = frozenset({"uh", "um", "umm", "er", "erm", "hmm", "uhm"})
_LEADING_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|ok|okay)\s+)*"
    r"(?:(?:please|can you|could you|would you|i want to|i wanna|i would like to|i d like to"
    r"|i need to)\s+)?"
    r"(?:please\s+)?"
    r"(?:(?:call|dial|phone|ring|get me|connect me to|connect me with|connect to"
    r"|put me through to|speak to|speak with|talk to|talk with)\s+)?"
)
_TRAILING_FILLER = re.compile(r"\s+(?:please|thanks|thank you|now)$")
# letters that NFKD does not decompose but every user types without the stroke
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(f"[{_HAN_CLASS}]")
_HAN_ONLY = re.compile(f"[{_HAN_CLASS}]+")
_HAN_RUNS = re.compile(f"[{_HAN_CLASS}]+|[^{_HAN_CLASS}]+")
_ASCII_WORD = re.compile(r"[a-z]+")
# two-character surnames, so "欧阳娜娜" also reads as "ouyang nana"
_COMPOUND_SURNAMES = frozenset(
    {
        *("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容"),
        *("夏侯", "尉迟", "长孙", "宇文", "司徒", "公孙", "端木", "南宫"),
    }
)


# ---------------------------------------------------------------------------------------------
# normalising


def normalize(text: str) -> str:
    """NFKC, case-fold, strip accents, punctuation to spaces, collapse whitespace."""
    return _normalize(text, german=False)


def _normalize(text: str, *, german: bool) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _POSSESSIVE.sub("", folded).translate(_TO_SPACE)
    if german:
        folded = folded.translate(_GERMAN)
    decomposed = unicodedata.normalize("NFKD", folded.translate(_LETTER_FOLDS))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # recompose so scripts that NFKD splits into letters (Hangul jamo) come back whole
    spaced = "".join(ch if ch.isalnum() else " " for ch in unicodedata.normalize("NFC", bare))
    return " ".join(spaced.split())


def keypad_digits(text: str) -> str:
    """ITU E.161 keypad digits of `text`; digits pass through, everything else is dropped."""
    mapped = normalize(text).translate(_KEYPAD)
    return "".join(ch for ch in mapped if ch in _DIGITS)


@lru_cache(maxsize=16384)
def _phonetic_code(token: str) -> str:
    # Metaphone is defined for English letters only; other scripts get no code
    if not _ASCII_WORD.fullmatch(token):
        return ""
    return str(jellyfish.metaphone(token))


# ---------------------------------------------------------------------------------------------
# spellings


@lru_cache(maxsize=4096)
def _spellings(text: str) -> tuple[tuple[_Spelling, _Source], ...]:
    """Every latin token sequence `text` may be written as, with where it came from."""
    norm = normalize(text)
    if not norm:
        return ()
    if _HAN.search(norm):
        return tuple((spelling, "pinyin") for spelling in _pinyin_spellings(norm))
    found: list[_Spelling] = [tuple(norm.split())]
    german = _normalize(text, german=True)
    if german != norm:
        found.append(tuple(german.split()))
    return tuple((spelling, "name") for spelling in _unique(found))


class _Word(NamedTuple):
    pieces: tuple[str, ...]  # one per Han syllable, one per latin run
    all_han: bool


def _pinyin_spellings(norm: str) -> list[_Spelling]:
    # imported here: pypinyin loads its dictionaries on import (~0.2 s), not needed for latin
    from pypinyin import Style, lazy_pinyin, pinyin

    def read(run: str) -> list[str]:
        syllables = lazy_pinyin(run, style=Style.NORMAL, v_to_u=True)
        return [p for p in (normalize(str(s)) for s in syllables) if p]

    def heteronyms(char: str) -> list[str]:
        readings = pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=True)
        return [normalize(str(r)) for r in readings[0]] if readings else []

    tokens = norm.split()
    words = [_word(token, read) for token in tokens]
    found: list[_Spelling] = []
    for variant in _with_surname_readings(words, tokens, heteronyms):
        found.append(tuple(piece for word in variant for piece in word.pieces))
        found.append(_grouped(variant, tokens))
    return _unique(s for s in found if s)


def _word(token: str, read: Callable[[str], list[str]]) -> _Word:
    pieces: list[str] = []
    for run in _HAN_RUNS.findall(token):
        pieces.extend(read(run) if _HAN.match(run) else [run])
    return _Word(tuple(pieces), _HAN_ONLY.fullmatch(token) is not None)


def _with_surname_readings(
    words: list[_Word], tokens: list[str], heteronyms: Callable[[str], list[str]]
) -> list[list[_Word]]:
    """One copy of `words` per reading of the first Han character (the surname)."""
    at = _first_han_piece(tokens)
    if at is None:
        return [words]
    word_index, piece_index = at
    pieces = words[word_index].pieces
    if piece_index >= len(pieces):
        return [words]  # pypinyin gave no syllable for it
    han = _HAN.search(tokens[word_index])
    readings = heteronyms(han.group()) if han else []
    variants: list[list[_Word]] = []
    for reading in dict.fromkeys([pieces[piece_index], *readings]):  # default reading first
        changed = (*pieces[:piece_index], reading, *pieces[piece_index + 1 :])
        word = words[word_index]._replace(pieces=changed)
        variants.append([*words[:word_index], word, *words[word_index + 1 :]])
    return variants


def _first_han_piece(tokens: list[str]) -> tuple[int, int] | None:
    """Word and piece position of the first Han character (latin runs are one piece each)."""
    for word_index, token in enumerate(tokens):
        for run_index, run in enumerate(_HAN_RUNS.findall(token)):
            if _HAN.match(run):
                return word_index, run_index
    return None


def _grouped(words: list[_Word], tokens: list[str]) -> _Spelling:
    """The usual pinyin form: surname, then the given name as one word ("zhang xiaoming")."""
    first_han = next((i for i, word in enumerate(words) if word.all_han), None)
    out: list[str] = []
    for index, word in enumerate(words):
        if not word.all_han:
            out.extend(word.pieces)
        elif index == first_han:
            size = 2 if tokens[index][:2] in _COMPOUND_SURNAMES else 1
            surname, given = "".join(word.pieces[:size]), "".join(word.pieces[size:])
            out.extend(part for part in (surname, given) if part)
        else:
            out.append("".join(word.pieces))
    return tuple(out)


def _unique(spellings: Iterable[_Spelling]) -> list[_Spelling]:
    return list(dict.fromkeys(spellings))


# ---------------------------------------------------------------------------------------------
# the index and its keys


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Everything needed to match one person; built once per name change."""

    display: str
    spellings: tuple[tuple[str, ...], ...]  # display first, then pinyin readings, then aliases
    phonetic: frozenset[str]  # Metaphone code of every token


def index_name(display_name: str, aliases: Sequence[str] = ()) -> NameIndex:
    own = _spellings(display_name)
    found = [spelling for spelling, _ in own]
    for alias in aliases:
        found.extend(spelling for spelling, _ in _spellings(alias))
        found.extend(_nickname_with_surname(alias, own))
    spellings = tuple(_unique(found))
    codes = {_phonetic_code(token) for spelling in spellings for token in spelling}
    return NameIndex(display_name, spellings, frozenset(codes - {""}))


def _nickname_with_surname(
    alias: str, own: tuple[tuple[_Spelling, _Source], ...]
) -> list[_Spelling]:
    """A one-word alias in place of the first name: "Kate" + "Catherine O'Brien" is also
    "kate o brien", which is how people say a nickname."""
    words = normalize(alias).split()
    if len(words) != 1 or _HAN.search(words[0]):
        return []
    return [
        (words[0], *spelling[1:])
        for spelling, source in own[:1]
        if source == "name" and len(spelling) >= 2
    ]


def search_keys(index: NameIndex) -> frozenset[str]:
    """Strings to store so that `query_prefixes`/`digits_prefixes` find this name by prefix."""
    keys: set[str] = set()
    for spelling in index.spellings:
        keys.update(f"t:{token}" for token in spelling)
        keys.add(f"t:{''.join(spelling)}")
        if len(spelling) >= 2:
            keys.add(f"i:{_initials(spelling)}")
        digits = _token_digits(spelling)
        keys.update(f"k:{d}" for d in digits)
        keys.update(f"k:{d}" for d in _joined_digits(digits))
        keys.update(f"k:{d}" for d in _spaced_digits(digits))
    keys.update(f"p:{code}" for code in index.phonetic)
    return frozenset(keys)


def _initials(spelling: _Spelling) -> str:
    return "".join(token[0] for token in spelling)


def _token_digits(spelling: _Spelling) -> list[str]:
    # tokens in scripts without keypad letters have no digits and cannot be dialled
    return [d for d in (keypad_digits(token) for token in spelling) if d]


def _joined_digits(digits: list[str]) -> list[str]:
    """Whole-name keypad strings without separators: full, first+last, last+first."""
    if len(digits) < 2:
        return list(digits)
    return list(dict.fromkeys(["".join(digits), digits[0] + digits[-1], digits[-1] + digits[0]]))


def _spaced_digits(digits: list[str]) -> list[str]:
    # 0 is the keypad's space, as in Teams/Asterisk dial-by-name
    if len(digits) < 2:
        return []
    return list(
        dict.fromkeys(["0".join(digits), f"{digits[0]}0{digits[-1]}", f"{digits[-1]}0{digits[0]}"])
    )


def strip_filler(text: str) -> str:
    """``text`` normalised, without the hesitations and fixed phrases callers say around a
    name ("uh, call bob please" -> "bob"); unchanged when nothing would be left."""
    return " ".join(_without_filler(tuple(normalize(text).split())))


def _without_filler(spelling: _Spelling) -> _Spelling:
    kept = " ".join(word for word in spelling if word not in _HESITATIONS)
    for filler in (_LEADING_FILLER, _TRAILING_FILLER, _LEADING_FILLER):
        kept = filler.sub("", kept)  # leading again: "please call bob please" -> "bob"
    return tuple(kept.split()) or spelling


def _query_spellings(query: str) -> list[_Spelling]:
    # per spelling, so "call müller" keeps its German reading "mueller"
    spellings = (_without_filler(spelling) for spelling, _ in _spellings(query))
    return _unique(spelling[:MAX_TOKENS] for spelling in spellings)


def _initials_query(spelling: _Spelling) -> str | None:
    """The query as initials ("js"), if it can be: one short word of plain letters."""
    if len(spelling) != 1:
        return None
    word = spelling[0]
    ok = 2 <= len(word) <= MAX_INITIALS and _ASCII_WORD.fullmatch(word) is not None
    return word if ok else None


def query_prefixes(query: str) -> tuple[str, ...]:
    """Key prefixes of which every non-fuzzy candidate for `query` has at least one."""
    prefixes: list[str] = []
    for spelling in _query_spellings(query):
        prefixes.append(f"t:{spelling[0]}")
        prefixes.append(f"t:{''.join(spelling)}")
        codes = (_phonetic_code(t) for t in spelling if len(t) >= MIN_FUZZY_LETTERS)
        prefixes.extend(f"p:{code}" for code in codes if code)
        initials = _initials_query(spelling)
        if initials is not None:
            prefixes.append(f"i:{initials}")
    return tuple(dict.fromkeys(prefixes))


def _clean_digits(digits: str) -> str:
    """Keep 0-9, one 0 between words, none at the ends (a leading 0 is no word break)."""
    kept = "".join(ch for ch in digits if ch in _DIGITS)
    return "0".join(part for part in kept.split("0") if part)


def digits_prefixes(digits: str) -> tuple[str, ...]:
    """Key prefixes for a keypad query; with 0 separators also its first word."""
    cleaned = _clean_digits(digits)
    if not cleaned:
        return ()
    first_word = cleaned.split("0", 1)[0]
    return tuple(dict.fromkeys([f"k:{cleaned}", f"k:{first_word}"]))


# ---------------------------------------------------------------------------------------------
# scoring


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


def _prefix_score(typed: str, whole: str) -> float:
    return PREFIX_BASE + PREFIX_SPAN * len(typed) / len(whole)


@lru_cache(maxsize=65536)
def _text_token_hit(query: str, token: str) -> _Hit | None:
    if query == token:
        return _Hit(EXACT_FULL, "exact")
    if token.startswith(query):
        return _Hit(_prefix_score(query, token), "prefix")
    if len(query) < MIN_FUZZY_LETTERS:
        return None
    ratio = fuzz.ratio(query, token)
    code = _phonetic_code(query)
    if code and code == _phonetic_code(token):
        return _Hit(PHONETIC_BASE + PHONETIC_SPAN * ratio / 100, "phonetic")
    if ratio >= FUZZY_MIN_RATIO:
        return _Hit(FUZZY_WEIGHT * ratio, "fuzzy")
    return None


def _digits_token_hit(query: str, token: str) -> _Hit | None:
    if query == token:
        return _Hit(EXACT_FULL, "keypad")
    if token.startswith(query):
        return _Hit(_prefix_score(query, token), "keypad")
    return None


def _tokens_hit(query: _Spelling, tokens: _Spelling, match: _TokenMatcher) -> _Hit | None:
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
    query: _Spelling, tokens: _Spelling, match: _TokenMatcher
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


def _joined_text_hit(query: _Spelling, tokens: _Spelling) -> _Hit | None:
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


def _initials_hit(query: _Spelling, tokens: _Spelling) -> _Hit | None:
    initials = _initials_query(query)
    if initials is None or len(tokens) < 2 or initials != _initials(tokens):
        return None
    return _Hit(INITIALS, "initials")


def _best(hits: Iterable[_Hit | None]) -> _Hit | None:
    found = [hit for hit in hits if hit is not None]
    return max(found, key=lambda hit: hit.score, default=None)  # first wins a tie


@lru_cache(maxsize=4096)
def _display_sources(display: str) -> dict[_Spelling, _Source]:
    return dict(_spellings(display))


def _attribute(hit: _Hit, source: _Source) -> _Hit:
    """Say that a word-level match came through an alias or a pinyin reading."""
    if hit.reason not in ("exact", "prefix") or source == "name":
        return hit
    if source == "alias":
        return _Hit(min(hit.score, ALIAS_MAX), "alias")
    return _Hit(hit.score, "pinyin")


@lru_cache(maxsize=65536)
def _normalized_display(display: str) -> str:
    return normalize(display)


def _text_hit(norm_query: str, queries: list[_Spelling], index: NameIndex) -> _Hit | None:
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


def _digits_hit(digits: str, index: NameIndex) -> _Hit | None:
    words = tuple(digits.split("0"))
    hits: list[_Hit | None] = []
    for spelling in index.spellings:
        token_digits = _token_digits(spelling)
        hits.append(_tokens_hit(words, tuple(token_digits), _digits_token_hit))
        if len(words) == 1:
            hits.extend(_joined_digits_hit(digits, token_digits))
    return _best(hits)


def _joined_digits_hit(digits: str, token_digits: list[str]) -> list[_Hit | None]:
    if len(token_digits) < 2:
        return []  # one word: the token match already covers it
    reversed_order = token_digits[-1] + token_digits[0]
    hits: list[_Hit | None] = []
    for whole in _joined_digits(token_digits):
        if digits == whole:
            exact = EXACT_REORDERED if whole == reversed_order else EXACT_FULL
            hits.append(_Hit(exact, "keypad"))
        elif whole.startswith(digits):
            hits.append(_Hit(_prefix_score(digits, whole), "keypad"))
    return hits


# ---------------------------------------------------------------------------------------------
# ranking


def rank_text(
    query: str, candidates: Iterable[tuple[T, NameIndex]], *, limit: int = 9
) -> Ranking[T]:
    """Rank candidates for a typed or spoken name."""
    norm_query = strip_filler(query)
    queries = _query_spellings(query)
    if not queries:
        return Ranking("none", ())
    found = [
        (Scored(item, hit.score, hit.reason), index.display)
        for item, index in candidates
        if (hit := _text_hit(norm_query, queries, index)) is not None
    ]
    return _decide(found, len("".join(queries[0])), limit)


def rank_digits(
    digits: str, candidates: Iterable[tuple[T, NameIndex]], *, limit: int = 9
) -> Ranking[T]:
    """Rank candidates for a name spelled on the keypad (0 between words)."""
    cleaned = _clean_digits(digits)
    if not cleaned:
        return Ranking("none", ())
    found = [
        (Scored(item, hit.score, hit.reason), index.display)
        for item, index in candidates
        if (hit := _digits_hit(cleaned, index)) is not None
    ]
    return _decide(found, len(cleaned.replace("0", "")), limit)


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
