"""Names: normalising, search keys and ranking, so that people can be reached by name.

A name is reached three ways: typed (API), spoken (speech recognition transcripts, often
misspelt) and spelled on a phone keypad (DTMF). Everything here is pure and cheap: a
`NameIndex` is built once per name change, `search_keys` gives the strings a database stores
so candidates can be found by prefix range scans, and `rank_text` / `rank_digits` rank the
candidates the database returned.

The parts, each a module; import from here (``from phonebook import names``):

- ``normalizing``: one plain spelling of any text, the filler callers say around a name, and
  what a Han character is (`has_han`, the one definition);
- ``pinyin``: Han names in Latin letters, every surname reading;
- ``spellings``: every way a name may be written, its phonetic codes, the `NameIndex`;
- ``keypad``: keypad digits of a name (2=ABC … 9=WXYZ, 0 between words);
- ``keys``: the search keys a database stores and the prefixes a query scans;
- ``ranking``: scores in non-overlapping tiers, and "unique" only with a clear gap.
"""

from phonebook.names.keypad import keypad_digits
from phonebook.names.keys import digits_prefixes, query_prefixes, search_keys
from phonebook.names.normalizing import has_han, normalize, query_length, strip_filler
from phonebook.names.ranking import Ranking, Scored, rank_digits, rank_text
from phonebook.names.spellings import NameIndex, decode_index, encode_index, index_name

__all__ = [
    "NameIndex",
    "Ranking",
    "Scored",
    "decode_index",
    "digits_prefixes",
    "encode_index",
    "has_han",
    "index_name",
    "keypad_digits",
    "normalize",
    "query_length",
    "query_prefixes",
    "rank_digits",
    "rank_text",
    "search_keys",
    "strip_filler",
]
