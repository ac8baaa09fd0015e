"""The held-out part of the spoken-name corpus: transcripts written separately from the
matcher (phonebook/names.py) and never used to tune it, for the same ``PEOPLE`` as
``mistranscriptions.CORPUS``. ``bench/bench_matching.py --held-out`` and the Twilio tests
report it on its own, so the main corpus's figures can be compared with numbers nothing was
fitted to. Like the main corpus, nothing in the running bridge imports it.
"""

from __future__ import annotations

from bridge.twilio.mistranscriptions import Case, Category


def _cases(category: Category, pairs: list[tuple[str, str | None]]) -> list[Case]:
    return [Case(heard, meant, category) for heard, meant in pairs]


HELD_OUT: list[Case] = [
    *_cases(
        "homophone",
        [
            ("Jon Smith", "john"),
            ("Alyce Johnson", "alice"),
            ("Robert Millar", "bob"),
            ("Cathrine O'Brian", "kate"),
            ("Micheal Chen", "mchen"),
            ("Shavaun Kelly", "siobhan"),
            ("Neev O'Connor", "niamh"),
            ("Mathieu Reid", "matt"),
            ("Tomas Wright", "tom"),
            ("Preeya Sharma", "priya"),
        ],
    ),
    *_cases(
        "misspelling",
        [
            ("Jane Smtih", "jane"),
            ("Elizabth Taylor", "liz"),
            ("Wiliam Anderson", "bill"),
            ("Stehpen Clarke", "steve"),
            ("Cristopher Lee", "chris"),
            ("Sean Murphey", "sean"),
        ],
    ),
    *_cases(
        "filler",
        [
            ("Uh, call Jane Smith please.", "jane"),
            ("Could you call Michael Chen?", "mchen"),
            ("Call Grace Liu now.", "grace"),
            ("Er, Niamh O'Connor.", "niamh"),
            ("Please dial Priya Sharma.", "priya"),
        ],
    ),
    *_cases(
        "first_name",
        [("Jane.", "jane"), ("Matthew", "matt"), ("Aleksandra", "ola"), ("Mohammed", "mohammed")],
    ),
    *_cases(
        "last_name",
        [
            ("Murphy.", "sean"),
            ("Lefevre", "francois"),
            ("Al Rashid", "mohammed"),
            ("Reid.", "matt"),
        ],
    ),
    *_cases(
        "nickname",
        [("Johnny Smith", "john"), ("Ali Johnson", "alice"), ("Bobby Miller", "bob")],
    ),
    *_cases(
        "accents",
        [
            ("Zoe Duboys", "zoe"),
            ("Soeren Ostergard", "soren"),
            ("Renée Martin.", "renee"),
            ("Jose Garsia", "jose"),
        ],
    ),
    *_cases(
        "han_english",
        [
            ("Jang Wei", "zhangwei"),
            ("Wang Fong", "wangfang"),
            ("Lee Yang", "liuyang"),
            ("Chen Jeeng", "chenjing"),
            ("Wu Chang", "wuqiang"),
            ("Jow Lay", "zhaolei"),
            ("Hwang Li", "huangli"),
        ],
    ),
    *_cases(
        "nobody",
        [
            ("Bruce Wayne", None),
            ("Reception", None),
            ("Doctor's office", None),
            ("Nobody", None),
            ("Theodora Quintrell", None),
        ],
    ),
]
