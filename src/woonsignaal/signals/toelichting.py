"""One plain Dutch sentence per signal, with Dutch number format (``2,4``, ``1.234``)."""

from __future__ import annotations

import math

from woonsignaal.contract import EIGEN_LIJSTEN


def nl_number(value: float, decimals: int = 0) -> str:
    """``1234.5`` -> ``1.234,5`` (decimals=1); ``2.44`` -> ``2,4``."""
    if value is None or not math.isfinite(value):
        return "onbekend"
    text = f"{abs(value):,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return ("-" if value < 0 and text.strip("0,.") else "") + text


def nl_auto(value: float) -> str:
    """A readable number of significant digits: 61 / 2,4 / 0,35."""
    if value is None or not math.isfinite(value):
        return "onbekend"
    a = abs(value)
    return nl_number(value, 0 if a >= 20 else 1 if a >= 1 else 2)


_HUISHOUDEN = {
    "ALL": "alleenstaanden",
    "PZK": "paren zonder kinderen",
    "PMK": "paren met kinderen",
    "EOG": "eenoudergezinnen",
    "OVR": "overige huishoudens",
}


#: How the open end of a range reads, per ordered dimension (low to high in ranges.ORDERED_DIMENSIONS):
#: (words for ">=v", words for "<=v").
_RANGE_WORDS = {
    "energielabel": ("{v} of slechter", "{v} of beter"),
    "bouwjaar_klasse": ("{v} of later", "t/m {v}"),
    "kamers_aantal": ("{v} of meer", "{v} of minder"),
}


def _range_words(part: str) -> tuple[str, str]:
    """``(dimension, value words)`` of one segment part: ``energielabel>=F`` -> ``("energielabel",
    "F of slechter")``, ``leeftijdsklasse<=23-29`` -> ``("leeftijdsklasse", "t/m 23-29")``,
    ``energielabel=[D..F]`` -> ``("energielabel", "D t/m F")``, ``wijk=Noord`` -> ``("wijk", "Noord")``."""
    for op, index in ((">=", 0), ("<=", 1)):
        if op in part:
            dim, _, v = part.partition(op)
            return dim, _RANGE_WORDS.get(dim, ("{v} of hoger", "t/m {v}"))[index].format(v=v)
    dim, _, v = part.partition("=")
    if v.startswith("[") and v.endswith("]") and ".." in v:
        lo, _, hi = v[1:-1].partition("..")
        return dim, f"{lo} t/m {hi}"
    return dim, v


def describe_segment(segment: str) -> str:
    """Dutch words for a segment: ``eenheid_detailsoort=BOV;lift=N`` -> ``detailsoort BOV, zonder lift``."""
    parts = []
    for part in filter(None, (segment or "").split(";")):
        dim, v = _range_words(part)
        if dim == "wijk":
            parts.append(f"in wijk {v}")
        elif dim == "complex_id":
            parts.append(f"in complex {v}")
        elif dim == "eenheid_detailsoort":
            parts.append(f"detailsoort {v}")
        elif dim == "huurklasse":
            parts.append(f"huurklasse {v}")
        elif dim == "kamers_aantal":
            parts.append(f"{v} kamers")
        elif dim == "lift":
            parts.append("met lift" if v == "J" else "zonder lift" if v == "N" else f"lift {v}")
        elif dim == "energielabel":
            parts.append(f"energielabel {v}")
        elif dim == "etage_klasse":
            parts.append("op de begane grond" if v == "0" else f"op etage {v}")
        elif dim == "bouwjaar_klasse":
            parts.append(f"bouwjaar {v}")
        elif dim == "zaaktype_detailsoort":
            parts.append(f"type {v}")
        elif dim == "partner":
            parts.append(f"partner {EIGEN_LIJSTEN['ZAAKPARTNER'].get(v, v)}")
        elif dim == "leeftijdsklasse":
            parts.append(f"leeftijd {v}")
        elif dim == "huishoudsamenstelling":
            parts.append(_HUISHOUDEN.get(v, f"huishouden {v}"))
        elif dim == "huurtoeslag":
            parts.append("met huurtoeslag" if v == "J" else "zonder huurtoeslag" if v == "N" else f"huurtoeslag {v}")
        elif dim == "betaalwijze":
            parts.append(f"betaalwijze {EIGEN_LIJSTEN['BETAALWIJZE'].get(v, v)}")
        elif dim == "inkomensklasse":
            parts.append(f"inkomen {v}")
        elif dim == "contractduur_klasse":
            parts.append(f"contractduur {v} jaar")
        else:
            parts.append(f"{dim} {v}")
    return ", ".join(parts)


def _times(r: float, more: str, less: str) -> str:
    """``2,4 keer zo lang`` for r >= 1, ``35% korter`` for r < 1."""
    if r >= 1:
        return f"{nl_number(r, 1)} keer zo {more}"
    return f"{nl_number((1 - r) * 100, 0)}% {less}"


#: indicator -> (subject noun, sentence template, unit, "more" word, "less" word)
#: Templates receive: wie, waarde, referentie, verschil, unit, extra.
_TEMPLATES: dict[str, tuple[str, str, str, str, str]] = {
    "leegstandsduur": ("Eenheden", "staan gemiddeld {waarde} dagen leeg", "dagen", "lang", "korter"),
    "weigeringen_per_toewijzing": ("Eenheden", "krijgen {waarde} weigeringen per verhuring", "", "veel", "minder"),
    "reacties_per_publicatie": ("Eenheden", "krijgen gemiddeld {waarde} reacties per publicatie", "", "veel", "minder"),
    "doorlooptijd": ("Overlastzaken", "lopen gemiddeld {waarde} dagen", "dagen", "lang", "korter"),
    "aandeel_langlopend": (
        "Overlastzaken",
        "staan in {waarde}% van de gevallen langer dan 90 dagen open",
        "%",
        "vaak",
        "minder vaak",
    ),
    "meldingen_per_eenheid": (
        "Eenheden",
        "krijgen {waarde} nieuwe overlastzaken per 100 woningen per jaar",
        "",
        "veel",
        "minder",
    ),
    "doorlooptijd_partner_binnen_30_dagen": (
        "Overlastzaken",
        "lopen na dag 30 nog gemiddeld {waarde} dagen als de partner binnen 30 dagen aansloot",
        "dagen",
        "lang",
        "korter",
    ),
    "instroom_achterstand": (
        "Huurders",
        "raken {waarde} keer per 100 per jaar in achterstand",
        "",
        "vaak",
        "minder vaak",
    ),
    "achterstand_pct_jaarhuur": (
        "Huurders",
        "hebben een achterstand van gemiddeld {waarde}% van de jaarhuur",
        "%",
        "hoog",
        "lager",
    ),
    "escalatie_deurwaarder": (
        "Huurders",
        "met achterstand gaan in {waarde}% van de gevallen naar de deurwaarder",
        "%",
        "vaak",
        "minder vaak",
    ),
}


def base_indicator(indicator: str) -> str:
    return indicator.removesuffix("_trend")


def toelichting(
    indicator: str,
    segment: str,
    waarde: float,
    referentie: float,
    verhouding: float,
    n: int,
    extra: str | None = None,
    maanden: int | None = None,
) -> str:
    """One Dutch sentence with the numbers of a signal.

    ``indicator`` ending in ``_trend`` compares the segment with its own previous 12 months; any other
    indicator compares it with the rest of the portfolio (for the partner indicator: with cases where
    that partner joined later or never). ``maanden``: the window in months, named when it is not 12."""
    base = base_indicator(indicator)
    subject, template, unit, more, less = _TEMPLATES.get(
        base, ("De groep", f"heeft voor {base} de waarde {{waarde}}", "", "hoog", "lager")
    )
    wie = describe_segment(segment)
    body = template.format(waarde=nl_auto(waarde))
    unit_txt = f" {unit}" if unit and unit != "%" else ("%" if unit == "%" else "")
    ref = f"{nl_auto(referentie)}{unit_txt}"
    if indicator.endswith("_trend"):
        sentence = (
            f"{subject} ({wie}) {body}, {_times(verhouding, more, less)} als een jaar eerder ({ref}); "
            f"dat is meer veranderd dan in de rest van de portefeuille"
        )
    elif base == "doorlooptijd_partner_binnen_30_dagen":
        sentence = (
            f"{subject} met {wie.removeprefix('partner ')} binnen 30 dagen lopen na dag 30 nog gemiddeld "
            f"{nl_auto(waarde)} dagen, {_times(verhouding, more, less)} dan wanneer die partner later of "
            f"nooit aansloot ({ref})"
        )
    else:
        sentence = f"{subject} ({wie}) {body}, {_times(verhouding, more, less)} als de rest ({ref})"
    sentence = (
        sentence.replace("korter als", "korter dan")
        .replace("minder als", "minder dan")
        .replace("minder vaak als", "minder vaak dan")
        .replace("lager als", "lager dan")
    )
    sentence += f" (n = {nl_number(n)}"
    if maanden and maanden != 12:
        # a longer window than the usual 12 months (few cases or a small corporation): say so
        sentence += f"; gemeten over {maanden} maanden"
    if extra:
        sentence += f"; {extra}"
    return sentence + ")."
