"""Names for bench/bench_speech.py's test set, kept apart from the development set's
(bench/seed.py's lists): none of these words is in those lists, and nothing was tuned on them.
An English / Irish / Polish / Indian / Hispanic / Chinese mix, as a city phonebook has."""

from __future__ import annotations

import random

FIRST = [
    # English
    "Oliver", "Harriet", "Graham", "Beatrice", "Rupert", "Eleanor", "Nigel", "Fiona", "Trevor",
    "Gwendolyn", "Clive", "Rosalind", "Duncan", "Imogen", "Spencer", "Josephine", "Wesley",
    "Audrey", "Bernard", "Phoebe",
    # Irish
    "Siobhan", "Niall", "Aoife", "Ciaran", "Saoirse", "Padraig", "Orla", "Declan", "Roisin",
    "Eoin", "Grainne", "Cormac", "Sinead", "Fergal",
    # Polish
    "Wojciech", "Agnieszka", "Krzysztof", "Malgorzata", "Grzegorz", "Katarzyna", "Tomasz",
    "Zofia", "Piotr", "Jadwiga", "Lukasz", "Ewa", "Marek", "Beata",
    # Indian
    "Priya", "Arjun", "Lakshmi", "Rajesh", "Ananya", "Vikram", "Deepika", "Sanjay", "Kavita",
    "Rohan", "Meera", "Anil", "Sunita", "Aditya",
    # Hispanic
    "Alejandro", "Guadalupe", "Santiago", "Ximena", "Rodrigo", "Catalina", "Esteban",
    "Valentina", "Joaquin", "Paloma", "Ignacio", "Rocio", "Mateo", "Lucia",
]  # fmt: skip
LAST = [
    "Whitfield", "Ashworth", "Pemberton", "Fairbanks", "Holloway", "Kingsley", "Thornton",
    "Blackwood", "Radcliffe", "Sutherland", "Gallagher", "Byrne", "Doherty", "Kavanagh",
    "Brennan", "Fitzgerald", "Donnelly", "Quinlan", "Mulligan", "Regan", "Nowak",
    "Wisniewski", "Wozniak", "Kaminski", "Lewandowski", "Zielinski", "Szymanski", "Dabrowski",
    "Mazur", "Krawczyk", "Patel", "Sharma", "Reddy", "Iyer", "Banerjee", "Chatterjee", "Menon",
    "Kapoor", "Malhotra", "Desai", "Mendoza", "Castillo", "Vargas", "Guerrero", "Ortega",
    "Delgado", "Morales", "Herrera", "Medina", "Aguilar", "Salazar", "Cabrera",
]  # fmt: skip
# surnames and given-name characters outside bench/seed.py's
HAN_SURNAMES = "郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢"
HAN_GIVEN = "晓东建国志华海燕文博嘉怡子轩雨萱浩宇思远梦瑶"


def heldout_name(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return rng.choice(HAN_SURNAMES) + "".join(
            rng.choice(HAN_GIVEN) for _ in range(rng.randint(1, 2))
        )
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
