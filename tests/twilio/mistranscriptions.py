"""A corpus of realistic speech-recogniser transcripts of names, and how to replay it.

``PEOPLE`` is one caller's phonebook: Latin names with accents, hyphenated and compound names,
particles, nicknames (as account aliases), and Han names (their owners typed them in Han
characters; the caller says them in pinyin-ish English). ``CORPUS`` holds what a recogniser
like Twilio's ``phone_call`` model (en-US) returns when a caller says one of them, and who was
meant (None: nobody this caller may reach). Twilio capitalises and punctuates its
``SpeechResult``; the corpus keeps that mix on purpose.

``replay`` drives each transcript through the same ``CallFlow`` the Twilio gather step runs
(``bridge/twilio/voice.py``), so it measures exactly what a caller would get: put straight
through to a confirm prompt, offered a menu, or told nobody by that name shares a number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from bridge.flow import CallFlow, Heard, State
from phonebook.app import Phonebook

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

Outcome = Literal["right", "ambiguous_with", "ambiguous_without", "wrong", "not_found"]
OUTCOMES: tuple[Outcome, ...] = (
    "right",
    "ambiguous_with",
    "ambiguous_without",
    "wrong",
    "not_found",
)


@dataclass(frozen=True, slots=True)
class Result:
    case: Case
    outcome: Outcome
    names: tuple[str, ...]  # who the caller was offered (one name: put straight through)


async def seed(pb: Phonebook) -> dict[str, str]:
    """Register the caller, everyone in ``PEOPLE`` sharing a callable mobile with them, and
    the strangers; returns account id -> ``PEOPLE`` key."""
    caller = await pb.accounts.register("Carl Caller", CALLER_PHONE, None)
    keys = {caller.id: "caller"}
    for i, (key, (name, aliases)) in enumerate(PEOPLE.items()):
        owner = await pb.accounts.register(name, f"+1202555{1000 + i}", None)
        if aliases:
            await pb.accounts.update_profile(owner.id, aliases=list(aliases))
        friends = await pb.circles.create(owner.id, "friends")
        await pb.circles.add_member(owner.id, friends.id, CALLER_PHONE)
        mobile = f"+1202556{1000 + i}"
        await pb.cards.add(owner.id, "phone", "mobile", mobile, {friends.id: "callable"})
        keys[owner.id] = key
    for i, (key, name) in enumerate(STRANGERS.items()):
        stranger = await pb.accounts.register(name, f"+1202557{1000 + i}", None)
        await pb.cards.add(stranger.id, "phone", "mobile", f"+1202558{1000 + i}", {})
        keys[stranger.id] = key
    return keys


def classify(case: Case, offered: list[str]) -> Outcome:
    """``offered``: PEOPLE keys the flow put through (one) or listed in a menu (several)."""
    if not offered:
        return "not_found"
    if len(offered) == 1:
        return "right" if offered[0] == case.meant else "wrong"
    return "ambiguous_with" if case.meant in offered else "ambiguous_without"


async def replay(pb: Phonebook, keys: dict[str, str], corpus: list[Case]) -> list[Result]:
    """Each transcript as the SpeechResult of the first gather of a fresh Twilio call."""
    flow = CallFlow(pb, provider="twilio", speech=True, via="twilio")
    first = await flow.start(CALLER_PHONE, attested=True)
    assert first.state is not None, "the caller must be known"
    results = []
    for case in corpus:
        turn = await flow.step(first.state, Heard(speech=case.heard))
        offered = _offered(turn.state)
        outcome = classify(case, [keys[contact_id] for contact_id, _ in offered])
        results.append(Result(case, outcome, tuple(name for _, name in offered)))
    return results


def _offered(state: State | None) -> tuple[tuple[str, str], ...]:
    """(contact id, name) the flow went on with: a confirm (one), a menu (several), or none."""
    if state is None or state.phase == "name":
        return ()
    if state.phase == "menu":
        return state.candidates
    assert state.contact is not None  # "number" or "confirm": one person chosen
    return (state.contact,)


def shares(results: list[Result]) -> dict[Outcome, float]:
    counts = Counter(r.outcome for r in results)
    return {o: counts[o] / len(results) for o in OUTCOMES} if results else {}
