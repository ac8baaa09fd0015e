"""A corpus of realistic speech-recogniser transcripts of names (``testing.replay`` replays it).

``PEOPLE`` is one caller's phonebook: Latin names with accents, hyphenated and compound names,
particles, nicknames (as account aliases), and Han names (their owners typed them in Han
characters; the caller says them in pinyin-ish English). ``CORPUS`` holds what a recogniser
like Twilio's ``phone_call`` model (en-US) returns when a caller says one of them, and who was
meant (None: nobody this caller may reach). Twilio capitalises and punctuates its
``SpeechResult``; the corpus keeps that mix on purpose.

It stands in for Twilio's recogniser in tests and ``bench/bench_matching.py``; nothing in the
running bridge imports it (a lint-imports contract says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CALLER_PHONE = "+12025550100"

# key -> (display name, aliases). Everyone here shares a callable mobile with the caller.
PEOPLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "john": ("John Smith", ("Johnny",)),
    "jane": ("Jane Smith", ()),
    "alice": ("Alice Johnson", ("Ali",)),
    "bob": ("Robert Miller", ("Bob", "Bobby")),
    "kate": ("Catherine O'Brien", ("Kate", "Cathy")),
    "mike": ("Michael Brown", ("Mike",)),
    "mchen": ("Michael Chen", ()),
    "liz": ("Elizabeth Taylor", ("Liz", "Beth")),
    "bill": ("William Anderson", ("Bill",)),
    "steve": ("Stephen Clarke", ("Steve",)),
    "sean": ("Sean Murphy", ()),
    "siobhan": ("Siobhan Kelly", ()),
    "niamh": ("Niamh O'Connor", ()),
    "chris": ("Christopher Lee", ("Chris",)),
    "matt": ("Matthew Reid", ("Matt",)),
    "tom": ("Thomas Wright", ("Tom",)),
    "zoe": ("Zoë Dubois", ()),
    "jurgen": ("Jürgen Müller", ()),
    "francois": ("François Lefèvre", ()),
    "jose": ("José García", ("Pepe",)),
    "mariajose": ("María José Hernández", ()),
    "renee": ("Renée Martin", ()),
    "soren": ("Søren Østergaard", ()),
    "annemarie": ("Anne-Marie Dupont", ()),
    "jeanpierre": ("Jean-Pierre Rousseau", ()),
    "analucia": ("Ana Lucía Pérez Gómez", ()),
    "pieter": ("Pieter van der Berg", ()),
    "ola": ("Aleksandra Kowalczyk", ("Ola",)),
    "wojciech": ("Wojciech Nowak", ()),
    "priya": ("Priya Sharma", ()),
    "mohammed": ("Mohammed Al-Rashid", ()),
    "grace": ("Grace Liu", ()),
    "zhangwei": ("张伟", ()),
    "wangfang": ("王芳", ()),
    "lina": ("李娜", ()),
    "liuyang": ("刘洋", ()),
    "chenjing": ("陈静", ()),
    "ouyang": ("欧阳娜娜", ()),
    "zhou": ("周晓明", ()),
    "xie": ("谢晓东", ()),
    "huangli": ("黄丽", ()),
    "wuqiang": ("吴强", ()),
    "zhaolei": ("赵磊", ()),
}
# registered, but sharing nothing with the caller: for them they do not exist
STRANGERS: dict[str, str] = {"karen": "Karen Walsh", "dkim": "Daniel Kim"}

Category = Literal[
    "homophone",
    "misspelling",
    "possessive_plural",
    "filler",
    "first_name",
    "last_name",
    "nickname",
    "dropped_merged",
    "accents",
    "han_english",
    "nobody",
]


@dataclass(frozen=True, slots=True)
class Case:
    heard: str  # the SpeechResult as the recogniser returned it
    meant: str | None  # a PEOPLE key, or None when nobody in the phonebook was meant
    category: Category


def _cases(category: Category, pairs: list[tuple[str, str | None]]) -> list[Case]:
    return [Case(heard, meant, category) for heard, meant in pairs]


CORPUS: list[Case] = [
    # names that sound the same, spelt the other way
    *_cases(
        "homophone",
        [
            ("Jon Smyth", "john"),
            ("John Smythe", "john"),
            ("Jayne Smith", "jane"),
            ("Allison Johnson", "alice"),
            ("Alice Jonson", "alice"),
            ("Kathryn O'Brien", "kate"),
            ("Katherine O'Bryan", "kate"),
            ("Michael Browne", "mike"),
            ("Mikael Chen", "mchen"),
            ("Elisabeth Tailor", "liz"),
            ("Steven Clark", "steve"),
            ("Stephen Clark", "steve"),
            ("Shawn Murphy", "sean"),
            ("Shaun Murphy", "sean"),
            ("Shevon Kelly", "siobhan"),
            ("Neve O'Connor", "niamh"),
            ("Christopher Leigh", "chris"),
            ("Mathew Reed", "matt"),
            ("Thomas Right", "tom"),
            ("Renee Martine", "renee"),
            ("Mohamed Al Rashid", "mohammed"),
            ("Priya Sharmah", "priya"),
        ],
    ),
    # the recogniser's own spelling mistakes
    *_cases(
        "misspelling",
        [
            ("Jhon Smith", "john"),
            ("Alise Johnson", "alice"),
            ("Robert Miler", "bob"),
            ("Micheal Brown", "mike"),
            ("Elizabeth Talyor", "liz"),
            ("William Andersen", "bill"),
            ("William Andersson", "bill"),
            ("Catherine Obrian", "kate"),
            ("Stephan Clarke", "steve"),
            ("Christopher Lea", "chris"),
            ("Matthew Read", "matt"),
            ("Alexandra Kowalczyk", "ola"),
            ("Aleksandra Kowalchik", "ola"),
            ("Voycheck Novak", "wojciech"),
            ("Wojciech Nowack", "wojciech"),
            ("Priya Sherma", "priya"),
            ("Grace Lew", "grace"),
        ],
    ),
    # "'s", "s'" and a plural -s the recogniser heard or added
    *_cases(
        "possessive_plural",
        [
            ("John Smith's", "john"),
            ("john smiths", "john"),
            ("Alice Johnson's", "alice"),
            ("Alice Johnsons", "alice"),
            ("Robert Miller's", "bob"),
            ("Bob's", "bob"),
            ("Michael Chen's", "mchen"),
            ("Elizabeth Taylor's", "liz"),
            ("Liz's", "liz"),
            ("Thomas Wright's", "tom"),
            ("Jane Smith's phone", "jane"),
            ("Priya Sharma's", "priya"),
            ("William Andersons", "bill"),
            ("Pieter van der Berg's", "pieter"),
            ("Grace Liu's", "grace"),
        ],
    ),
    # what people say around a name
    *_cases(
        "filler",
        [
            ("Call John Smith.", "john"),
            ("Call Bob, please.", "bob"),
            ("call bob please", "bob"),
            ("Uh, Alice Johnson.", "alice"),
            ("Um, Michael Brown please.", "mike"),
            ("Please call Jane Smith.", "jane"),
            ("I want to call Elizabeth Taylor.", "liz"),
            ("Can you call Sean Murphy?", "sean"),
            ("Call Matthew Reid please.", "matt"),
            ("Uh, Steve.", "steve"),
            ("Dial Thomas Wright.", "tom"),
            ("Hi, Priya Sharma please.", "priya"),
            ("Connect me to Christopher Lee.", "chris"),
            ("Call Zoë Dubois.", "zoe"),
            ("Phone José García.", "jose"),
            ("Um, call Siobhan Kelly please.", "siobhan"),
            ("I'd like to speak to Robert Miller.", "bob"),
            ("Call Zhang Wei.", "zhangwei"),
        ],
    ),
    # only the given name
    *_cases(
        "first_name",
        [
            ("Alice.", "alice"),
            ("Robert", "bob"),
            ("Catherine", "kate"),
            ("Elizabeth", "liz"),
            ("William", "bill"),
            ("Stephen", "steve"),
            ("Siobhan", "siobhan"),
            ("Niamh", "niamh"),
            ("Christopher", "chris"),
            ("Zoe", "zoe"),
            ("Jurgen", "jurgen"),
            ("Francois", "francois"),
            ("Priya", "priya"),
            ("Wojciech", "wojciech"),
            ("Grace.", "grace"),
            ("Renee", "renee"),
            ("John", "john"),
            ("Michael", "mike"),  # two Michaels: a menu is the right answer
        ],
    ),
    # only the family name
    *_cases(
        "last_name",
        [
            ("Johnson", "alice"),
            ("Miller", "bob"),
            ("O'Brien", "kate"),
            ("Taylor", "liz"),
            ("Anderson", "bill"),
            ("Clarke", "steve"),
            ("Murphy", "sean"),
            ("Kelly", "siobhan"),
            ("Reid", "matt"),
            ("Wright.", "tom"),
            ("Dubois", "zoe"),
            ("Mueller", "jurgen"),
            ("Rousseau", "jeanpierre"),
            ("Kowalczyk", "ola"),
            ("Sharma", "priya"),
            ("Smith", "john"),  # John and Jane Smith: a menu with John in it
        ],
    ),
    # nicknames the owners set as aliases, and a few they did not
    *_cases(
        "nickname",
        [
            ("Bob Miller", "bob"),
            ("Bob.", "bob"),
            ("Bobby", "bob"),
            ("Kate O'Brien", "kate"),
            ("Cathy", "kate"),
            ("Mike Brown", "mike"),
            ("Liz Taylor", "liz"),
            ("Beth", "liz"),
            ("Bill Anderson", "bill"),
            ("Steve Clarke", "steve"),
            ("Chris Lee", "chris"),
            ("Matt Reid", "matt"),
            ("Tom Wright", "tom"),
            ("Johnny", "john"),
            ("Ola", "ola"),
            ("Pepe", "jose"),
            ("Tommy Wright", "tom"),  # no such alias
            ("Willy Anderson", "bill"),  # no such alias
            ("Lizzie Taylor", "liz"),  # no such alias
        ],
    ),
    # words lost, split or run together
    *_cases(
        "dropped_merged",
        [
            ("Johnsmith", "john"),
            ("John Smith Smith", "john"),
            ("Anne Marie Dupont", "annemarie"),
            ("Annmarie Dupont", "annemarie"),
            ("Anne Dupont", "annemarie"),
            ("Jean Pierre Rousseau", "jeanpierre"),
            ("Jean Rousseau", "jeanpierre"),
            ("Maria Jose Hernandez", "mariajose"),
            ("Maria Hernandez", "mariajose"),
            ("Ana Lucia Perez", "analucia"),
            ("Ana Perez Gomez", "analucia"),
            ("Pieter Vandenberg", "pieter"),
            ("Peter van der Berg", "pieter"),
            ("Van der Berg", "pieter"),
            ("Mohammed Alrashid", "mohammed"),
            ("Catherine O Brien", "kate"),
            ("Niamh OConnor", "niamh"),
            ("Ouyang Nana", "ouyang"),
            ("Zhou Xiao Ming", "zhou"),
        ],
    ),
    # accented names said by an English recogniser
    *_cases(
        "accents",
        [
            ("Zoe Dubois", "zoe"),
            ("Zoey Dubois", "zoe"),
            ("Jurgen Muller", "jurgen"),
            ("Jurgen Mueller", "jurgen"),
            ("Yergen Miller", "jurgen"),
            ("Francois Lefevre", "francois"),
            ("Francis Lefevre", "francois"),
            ("Jose Garcia", "jose"),
            ("Hosay Garcia", "jose"),
            ("Renee Martin", "renee"),
            ("Soren Ostergaard", "soren"),
            ("Soren Oster Guard", "soren"),
            ("Ana Lucia Perez Gomez", "analucia"),
            ("Maria Jose Hernández", "mariajose"),
        ],
    ),
    # Han names: pinyin as an English recogniser writes it
    *_cases(
        "han_english",
        [
            ("Zhang Wei", "zhangwei"),
            ("Zhang Way", "zhangwei"),
            ("Jang Way", "zhangwei"),
            ("Chang Wei", "zhangwei"),
            ("Wang Fang", "wangfang"),
            ("Wong Fang", "wangfang"),
            ("Wang Fung", "wangfang"),
            ("Lee Na", "lina"),
            ("Li Na", "lina"),
            ("Lena", "lina"),
            ("Liu Yang", "liuyang"),
            ("Leo Yang", "liuyang"),
            ("Lew Young", "liuyang"),
            ("Chen Jing", "chenjing"),
            ("Chen Ching", "chenjing"),
            ("Oh Yang Nana", "ouyang"),
            ("Joe Shao Ming", "zhou"),
            ("Zhou Xiaoming", "zhou"),
            ("Shia Shao Dong", "xie"),
            ("Xie Xiaodong", "xie"),
            ("Huang Li", "huangli"),
            ("Hwang Lee", "huangli"),
            ("Wu Qiang", "wuqiang"),
            ("Woo Chiang", "wuqiang"),
            ("Zhao Lei", "zhaolei"),
            ("Jao Lay", "zhaolei"),
        ],
    ),
    # nobody this caller may reach: strangers, absent names, noise
    *_cases(
        "nobody",
        [
            ("Karen Walsh", None),
            ("Daniel Kim", None),
            ("Peter Parker", None),
            ("Mom", None),
            ("Operator.", None),
            ("Voicemail", None),
            ("Pizza Hut", None),
            ("Hello?", None),
            ("Yes.", None),
            ("No, cancel.", None),
            ("Sarah Connor", None),
            ("David Beckham", None),
            ("Emergency", None),
            ("Barack Obama", None),
            ("Xavier Nobody", None),
        ],
    ),
]
