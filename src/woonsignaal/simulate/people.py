"""Households and their (fake, deterministic) personal data."""

from __future__ import annotations

import numpy as np

VOORNAMEN = (
    "Jan",
    "Piet",
    "Kees",
    "Anna",
    "Maria",
    "Sanne",
    "Fatima",
    "Mohamed",
    "Emma",
    "Daan",
    "Lotte",
    "Sem",
    "Yusuf",
    "Ayse",
    "Tim",
    "Linda",
    "Henk",
    "Ingrid",
    "Noah",
    "Julia",
    "Ahmed",
    "Sara",
    "Bram",
    "Fleur",
    "Mehmet",
    "Priya",
    "Wouter",
    "Esther",
    "Kofi",
    "Mila",
    "Gerrit",
    "Tineke",
    "Rachid",
    "Nadia",
    "Luuk",
    "Iris",
    "Dewi",
    "Stefan",
    "Hanneke",
    "Bilal",
)
ACHTERNAMEN = (
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "El Amrani",
    "Kaya",
    "Boukhari",
    "Pinas",
    "Sedney",
    "Nguyen",
    "Kowalski",
    "van Dijk",
    "Koster",
    "Prins",
    "Huisman",
    "Willems",
    "Kramer",
    "van der Linden",
    "Postma",
    "'t Hart",
    "Öztürk",
    "Martens",
    "Verhoeven",
    "Çelik",
)
BANKEN = ("INGB", "RABO", "ABNA", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ")

HUISHOUDENS = ("ALL", "PZK", "PMK", "EOG", "OVR")
HUISHOUDEN_P = (0.45, 0.18, 0.17, 0.14, 0.06)


def _iban(bank: str, account: int) -> str:
    """A Dutch IBAN with correct mod-97 check digits (fake account number)."""
    bban = f"{bank}{account:010d}"
    digits = "".join(str(int(c, 36)) for c in bban + "NL00")
    check = 98 - int(digits) % 97
    return f"NL{check:02d}{bban}"


def _bsns(rng: np.random.Generator, n: int) -> list[str]:
    """Unique 9-digit numbers that pass the elfproef (fake BSNs)."""
    out: list[str] = []
    seen: set[str] = set()
    weights = np.array([9, 8, 7, 6, 5, 4, 3, 2])
    while len(out) < n:
        k = (n - len(out)) * 2 + 16
        first8 = rng.integers(0, 10, (k, 8))
        first8[:, 0] = rng.integers(1, 7, k)
        s = first8 @ weights
        last = s % 11
        ok = last <= 9
        for row, d in zip(first8[ok], last[ok], strict=True):
            text = "".join(map(str, row)) + str(int(d))
            if text not in seen:
                seen.add(text)
                out.append(text)
                if len(out) == n:
                    break
    return out


def personal_data(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """naam, email, telefoon, iban, bsn for ``n`` tenants. A few names hold ``;`` or quotes (real
    ERP data does), so the CSV dialect's quoting is exercised."""
    vi = rng.integers(0, len(VOORNAMEN), n)
    ai = rng.integers(0, len(ACHTERNAMEN), n)
    voornaam = np.array(VOORNAMEN, dtype=object)[vi]
    achternaam = np.array(ACHTERNAMEN, dtype=object)[ai]
    naam = voornaam + " " + achternaam
    odd = rng.random(n)
    partner = np.array(ACHTERNAMEN, dtype=object)[rng.integers(0, len(ACHTERNAMEN), n)]
    naam = np.where(odd < 0.02, achternaam + "; " + voornaam + " (en " + partner + ")", naam)
    naam = np.where((odd >= 0.02) & (odd < 0.03), voornaam + ' "' + voornaam.astype(str) + 'tje" ' + achternaam, naam)
    ids = np.arange(n)
    local = (
        np.char.lower(voornaam.astype(str))
        + "."
        + np.char.replace(np.char.replace(np.char.lower(achternaam.astype(str)), " ", ""), "'", "")
        + ids.astype(str)
    )
    domains = np.array(["voorbeeldmail.nl", "mail-voorbeeld.nl", "postbus-test.nl"])
    email = local + "@" + domains[rng.integers(0, 3, n)]
    telefoon = np.char.add("06-", rng.integers(10_000_000, 99_999_999, n).astype(str))
    bank = rng.integers(0, len(BANKEN), n)
    acct = rng.integers(10**8, 10**10 - 1, n)
    iban = np.array([_iban(BANKEN[b], int(a)) for b, a in zip(bank, acct, strict=True)], dtype=object)
    bsn = np.array(_bsns(rng, n), dtype=object)
    return {
        "naam": naam.astype(str),
        "email": email.astype(str),
        "telefoon": telefoon.astype(str),
        "iban": iban.astype(str),
        "bsn": bsn.astype(str),
    }


def households(
    rng: np.random.Generator, n: int, start_days: np.ndarray, initial: np.ndarray, brutohuur_c: np.ndarray
) -> dict[str, np.ndarray]:
    """Household attributes for ``n`` tenancies starting on ``start_days``; ``initial`` marks tenancies
    already running when the history begins (their tenants are older on average)."""
    # age at the start of the tenancy: starters, families, later movers, seniors
    comp = rng.choice(4, n, p=(0.42, 0.28, 0.18, 0.12))
    age = np.select(
        [comp == 0, comp == 1, comp == 2],
        [rng.uniform(19, 30, n), rng.uniform(30, 45, n), rng.uniform(45, 65, n)],
        rng.uniform(65, 85, n),
    )
    birth = start_days - np.round(age * 365.25).astype(np.int64)
    hh = rng.choice(len(HUISHOUDENS), n, p=HUISHOUDEN_P)
    personen = np.select(
        [hh == 0, hh == 1, hh == 2, hh == 3],
        [1, 2, rng.integers(3, 7, n), rng.integers(2, 5, n)],
        rng.integers(2, 5, n),
    )
    income = rng.lognormal(np.log(24_500), 0.42, n) * np.where(hh == 0, 0.85, 1.15)
    income = np.round(np.clip(income, 9_000, 120_000), 0)
    # huurtoeslag: below the income limits, rent below the liberalisatiegrens; ~25% does not claim it
    limit = np.where(personen == 1, 29_000, 37_500)
    eligible = (income < limit) & (brutohuur_c < 90_007)
    huurtoeslag = (eligible & (rng.random(n) < 0.75)).astype(np.int8)
    bw = np.where(rng.random(n) < 0.33, "OV", "AI").astype(object)
    bw[(huurtoeslag == 1) & (rng.random(n) < 0.18)] = "HT"
    return {
        "geboortedatum": birth,
        "huishoudsamenstelling": np.array(HUISHOUDENS, dtype=object)[hh].astype(str),
        "personen_aantal": personen.astype(np.int64),
        "bruto_jaarinkomen": (income * 100).astype(np.int64),
        "huurtoeslag": huurtoeslag,
        "betaalwijze": bw.astype(str),
    }
