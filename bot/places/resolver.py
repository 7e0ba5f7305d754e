"""Resolve where someone says they live to one of the ten Greater Manchester districts.

Why: services are per district, and people answer "where do you live?" with a district, town,
neighbourhood, postcode or a typo of one. Place data is in gazetteer.yml so staff can add names.
Stdlib + PyYAML only and Python 3.10-compatible: the Rasa action server imports it too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

DISTRICTS: tuple[str, ...] = (
    "Bolton", "Bury", "Manchester", "Oldham", "Rochdale",
    "Salford", "Stockport", "Tameside", "Trafford", "Wigan",
)  # fmt: skip
DEFAULT_PATH = Path(__file__).with_name("gazetteer.yml")
MAX_CHARS = 2000  # longer text is not an answer to "where do you live"; also bounds the work

# Typo fallback, only when nothing matched exactly. On a word list, matching any word against any
# name made real words resolve ("sister" -> Simister, "schools" -> Scholes). So it tries only a
# word that is the whole message or follows in/from/near/live..., only against district names,
# names with a listed misspelling and names of 8+ letters, same first letter, length +-1.
# 0.85 allows one missing/extra letter in 5-6 letter names and one edit from 7 letters up.
FUZZY_CUTOFF = 0.85
FUZZY_MIN_LETTERS = 5  # shorter words are too often real words ("hale", "lees", "hyde")
FUZZY_ANY_LETTERS = 8  # names this long are fuzzy targets even with no listed misspelling

# How specific a match is. When one message names several places the most specific wins, so
# "Eccles, Manchester M30" is Salford: "Manchester" there is only the postal town.
PLACE, POSTCODE, BROAD, GENERIC, IGNORE = 4, 3, 2, 1, 0

UK_AREAS = frozenset(  # every UK postcode area: anything else ("P45", "UC50") is no postcode
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E"
    " EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL"
    " LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM"
    " SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split()
)
# "Bury New Road" or "Manchester Rd" is a street, and such streets run all over GM.
_STREET = frozenset("road rd street st lane ln avenue ave way drive close crescent terrace".split())
# Words after which an everyday word ("bury", "sale") or a bare outward code means a place.
_CUES = frozenset("in from near nr live lives living lived around outside moved".split())
_CODE_CUES = _CUES | {"is", "postcode", "code", "at"}
_WORD = re.compile(r"[^\W_]+")
_FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_OUTWARD = re.compile(r"\b([A-Z]{1,2})\d[A-Z\d]?\b", re.I)


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolve(). `matched` holds only the place text or outward code, for logs."""

    district: str | None  # canonical district name, e.g. "Stockport", or None
    outside: bool  # True when the text names a place/postcode outside Greater Manchester
    matched: str | None  # the place text that matched (never log the full message)


NO_MATCH = Resolution(None, False, None)


class _Entry(NamedTuple):
    district: str | None  # None and not outside: a not_places phrase
    outside: bool
    rank: int
    context_only: bool


# (rank, in GM, length of the name, -position, result): the highest wins, so at equal rank a GM
# name beats an outside one, then the longer name, then the earlier one.
_Candidate = tuple[int, bool, int, int, Resolution]


@dataclass(frozen=True)
class Gazetteer:
    """gazetteer.yml turned into lookup tables keyed by normalised word tuples."""

    phrases: dict[tuple[str, ...], _Entry]
    postcodes: dict[str, str | None]  # outward code -> district; None = outside GM
    gm_areas: frozenset[str]  # postcode areas that have GM districts (M, BL, OL, ...)
    fuzzy: dict[str, dict[str, _Entry]]  # first letter -> name without spaces -> entry
    longest: int  # most words in one name


def _norm(name: object) -> tuple[str, ...]:
    """Words of a name, case-folded; punctuation and hyphens only separate words."""
    return tuple(w.casefold() for w in _WORD.findall(str(name)))


def _build(raw: Any) -> Gazetteer:
    """Validate the YAML and index it; raise ValueError naming the bad entry (staff edit it)."""
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise ValueError("gazetteer: expected a mapping with 'version: 1'")
    districts = raw.get("districts") or {}
    if set(districts) != set(DISTRICTS):
        raise ValueError(f"gazetteer: 'districts' must be exactly {', '.join(DISTRICTS)}")
    context, generic, broad = (
        {_norm(n) for n in raw.get(k) or []} for k in ("context_only", "generic", "broad")
    )
    phrases: dict[tuple[str, ...], _Entry] = {}
    postcodes: dict[str, str | None] = {}
    typo_prone = {_norm(d) for d in DISTRICTS}  # names staff saw misspelt: fuzzy targets
    misspelt: set[tuple[str, ...]] = set()  # the misspellings themselves are exact-only

    def add(name: object, district: str | None, outside: bool, rank: int) -> None:
        key = _norm(name)
        if not key:
            raise ValueError(f"gazetteer: {name!r} has no letters or digits")
        rank = min(rank, GENERIC if key in generic else BROAD if key in broad else rank)
        old = phrases.setdefault(key, _Entry(district, outside, rank, key in context))
        if (old.district, old.outside) != (district, outside):
            raise ValueError(f"gazetteer: {name!r} is listed twice, for different districts")

    def add_code(code: object, district: str | None) -> None:
        code = str(code).strip().upper()
        if not _OUTWARD.fullmatch(code):
            raise ValueError(f"gazetteer: {code!r} is not an outward postcode like 'M22'")
        if postcodes.setdefault(code, district) != district:
            raise ValueError(f"gazetteer: postcode {code} is listed twice")

    for district, spec in districts.items():
        names = (spec or {}).get("places") or []
        for name in names:
            add(name, district, False, BROAD if _norm(name) == _norm(district) else PLACE)
        for code in (spec or {}).get("postcodes") or []:
            add_code(code, district)
        # A misspelling weighs what the name it misspells weighs ("Altringham" is a town).
        canon = {" ".join(_norm(n)): phrases[_norm(n)].rank for n in names}
        for name in (spec or {}).get("misspellings") or []:
            close = difflib.get_close_matches(" ".join(_norm(name)), canon, 1, 0.6)
            add(name, district, False, canon[close[0]] if close else BROAD)
            typo_prone.update(tuple(c.split()) for c in close)
            misspelt.add(_norm(name))
    outside = raw.get("outside") or {}
    for name in outside.get("places") or []:
        add(name, None, True, PLACE)
    for code in outside.get("postcodes") or []:
        add_code(code, None)
    for name in raw.get("not_places") or []:
        add(name, None, False, IGNORE)
    unknown = (context | generic | broad) - phrases.keys()
    if unknown:
        raise ValueError(f"gazetteer: context_only/generic/broad not listed: {sorted(unknown)}")
    fuzzy: dict[str, dict[str, _Entry]] = {}
    for key, entry in phrases.items():
        compact = "".join(key)
        wanted = len(compact) >= (FUZZY_MIN_LETTERS if key in typo_prone else FUZZY_ANY_LETTERS)
        if wanted and compact.isalpha() and entry.rank > GENERIC and key not in misspelt:
            if not entry.context_only:
                fuzzy.setdefault(compact[0], {}).setdefault(compact, entry)
    gm_areas = frozenset(re.sub(r"\d.*", "", c) for c, d in postcodes.items() if d)
    return Gazetteer(phrases, postcodes, gm_areas, fuzzy, max(map(len, phrases)))


@lru_cache(maxsize=4)
def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load and index gazetteer.yml once per process (restart to pick up staff edits)."""
    with Path(path or DEFAULT_PATH).open(encoding="utf-8") as f:
        return _build(yaml.safe_load(f))


def resolve(text: str | None, gazetteer: Gazetteer | None = None) -> Resolution:
    """Name the GM district (or outside=True) that `text` says someone lives in.

    Postcodes and listed names first, the most specific one winning; only when nothing matched
    exactly, a fuzzy look at single words catches typos like "Stockprt" (see FUZZY_CUTOFF).
    """
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        return NO_MATCH
    scan = _Scan(text, gazetteer or load_gazetteer())
    if not scan.words:
        return NO_MATCH
    found = scan.postcodes() + scan.names()
    return max(found, key=lambda c: c[:4])[4] if found else scan.fuzzy()


class _Scan:
    """One message split into words; `used` marks words already claimed by a match."""

    def __init__(self, text: str, gaz: Gazetteer) -> None:
        self.text, self.gaz = text, gaz
        self.tokens = list(_WORD.finditer(text))
        self.words = [t.group().casefold() for t in self.tokens]
        self.used = [False] * len(self.words)

    def _word(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""

    def _code(self, outward: str) -> Resolution | None:
        """District for an outward code; None when it is no postcode district (e.g. M62)."""
        outward = outward.upper()
        if outward in self.gaz.postcodes:
            district = self.gaz.postcodes[outward]
            return Resolution(district, district is None, outward)
        area = re.sub(r"\d.*", "", outward)
        if area in self.gaz.gm_areas or area not in UK_AREAS:
            return None
        return Resolution(None, True, outward)

    def postcodes(self) -> list[_Candidate]:
        """Full postcodes ("M22 5RT", "m225rt") and bare outward codes ("OL11", "m6")."""
        found: list[_Candidate] = []
        index = {t.start(): i for i, t in enumerate(self.tokens)}
        for m in _FULL_POSTCODE.finditer(self.text):
            i, result = index.get(m.start()), self._code(m.group(1))
            if i is None or result is None:
                continue
            size = 1 if self.tokens[i].end() == m.end() else 2
            self.used[i : i + size] = [True] * size
            found.append((POSTCODE, not result.outside, 0, -i, result))
        for m in _OUTWARD.finditer(self.text):
            i = index.get(m.start())
            if i is None or self.used[i]:
                continue
            result, before = self._code(m.group()), self._word(i - 1)
            if result is None or before == "the" or self._word(i + 1) in ("motorway", "junction"):
                continue  # "the M60", "M6 motorway"
            if result.outside and len(self.words) > 1 and before not in _CODE_CUES:
                continue  # "vitamin B12" is not Birmingham
            self.used[i] = True
            found.append((POSTCODE, not result.outside, 0, -i, result))
        return found

    def names(self) -> list[_Candidate]:
        """Listed names, longest first at each position ("Cheadle Hulme" before "Cheadle")."""
        found: list[_Candidate] = []
        i, n, words = 0, len(self.words), self.words
        while i < n:
            entry, size = None, 0
            for size in range(min(self.gaz.longest, n - i), 0, -1):
                if not any(self.used[i : i + size]):
                    entry = self.gaz.phrases.get(tuple(words[i : i + size]))
                    if entry:
                        break
            if entry is None:
                i += 1
                continue
            j = i + size
            self.used[i:j] = [True] * size
            nxt, nxt2 = self._word(j), self._word(j + 1)
            street = nxt in _STREET or (nxt in ("new", "old") and nxt2 in _STREET)
            loose = entry.context_only and not (
                size == n or self._word(i - 1) in _CUES or self.tokens[i].group()[0].isupper()
            )
            if entry.rank != IGNORE and not street and not loose:
                span = self.text[self.tokens[i].start() : self.tokens[j - 1].end()]
                found.append(
                    (
                        entry.rank,
                        not entry.outside,
                        len(" ".join(words[i:j])),
                        -i,
                        Resolution(entry.district, entry.outside, span),
                    )
                )
            i = j
        return found

    def fuzzy(self) -> Resolution:
        """Closest fuzzy target to an unclaimed word in a place slot (see FUZZY_CUTOFF)."""
        best: tuple[float, int, _Entry] | None = None
        for i, word in enumerate(self.words):
            if self.used[i] or not word.isalpha() or not FUZZY_MIN_LETTERS <= len(word) <= 40:
                continue
            if len(self.words) > 1 and self._word(i - 1) not in _CUES:
                continue
            bucket = self.gaz.fuzzy.get(word[0], {})
            near = [name for name in bucket if abs(len(name) - len(word)) <= 1]
            for name in difflib.get_close_matches(word, near, 1, FUZZY_CUTOFF):
                score = difflib.SequenceMatcher(None, word, name).ratio()
                if best is None or score > best[0]:
                    best = (score, i, bucket[name])
        if best is None:
            return NO_MATCH
        _, i, entry = best
        return Resolution(entry.district, entry.outside, self.tokens[i].group())
