"""Turn a typed message into plain lower-case words the detector and its rules were built on.

Case, punctuation, curly quotes, stretched letters ("soooo"), text-speak ("u", "wiv", "2nite")
and misspellings (symspellpy with its shipped English word frequencies). Words in the project
list (content/crisis/keep_words.txt) and the place names in bot/places/gazetteer.yml are never
"corrected", and win when a typo is equally close to them and to another word.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
KEEP_WORDS = ROOT / "content" / "crisis" / "keep_words.txt"
GAZETTEER = ROOT / "bot" / "places" / "gazetteer.yml"
DICTIONARY = "frequency_dictionary_en_82_765.txt"
MIN_COUNT = 100_000  # rarer dictionary words are mostly names and junk that typos land on
# A word this common in the dictionary is a real word typed right, not a typo of a commoner
# one: "tidied" is not "died", "stubbing" not "stabbing", "texted" not "tested". Rarer
# entries are mostly junk that a typo happens to match ("overdoes" is still corrected).
REAL_COUNT = 20_000
KEEP_COUNT = 10**12  # project words win a tie with any dictionary word
MAX_CHARS = 5000  # longer text is cut: bounds the work on a pasted wall of text
MAX_EDIT = 2
PREFIX = 6  # symspellpy prefix length: 6 keeps start-up near 2 s and memory near 50 MB
SEGMENT_MAX = 80  # a longer unbroken token (a pasted link, a wall of letters) stays as it is
SEGMENT_MEAN = 2.5  # letters per word found, at least: "a s d f" is not a sentence

# Text-speak and common forms, read before spelling correction. Values may be several words.
SPEAK = {
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "urs": "yours", "r": "are",
    "y": "why", "n": "and", "nd": "and", "b": "be", "c": "see", "k": "ok", "kk": "ok",
    "im": "im", "ive": "ive", "id": "id", "ill": "ill", "dont": "dont", "wont": "wont",
    "dnt": "dont", "didnt": "didnt", "doesnt": "doesnt", "cnt": "cant", "carnt": "cant",
    "cud": "could", "cld": "could", "wud": "would", "wld": "would", "shud": "should",
    "av": "have", "ave": "have", "hav": "have", "gt": "got", "gettin": "getting",
    "wiv": "with", "wit": "with", "wid": "with", "w": "with", "wiy": "with", "wi": "with",
    "abt": "about", "bout": "about", "cos": "because", "coz": "because", "cuz": "because",
    "bc": "because", "bcos": "because", "becos": "because", "cause": "because",
    "pls": "please", "plz": "please", "plss": "please", "ppl": "people", "tho": "though",
    "thru": "through", "txt": "text", "msg": "message", "thx": "thanks", "ty": "thanks",
    "2day": "today", "2dy": "today", "tday": "today", "2nite": "tonight", "2night": "tonight",
    "tonite": "tonight", "2moro": "tomorrow", "2morrow": "tomorrow", "tmrw": "tomorrow",
    "tmw": "tomorrow", "tomoz": "tomorrow", "2mrw": "tomorrow", "b4": "before", "gr8": "great",
    "l8": "late", "l8r": "later", "m8": "mate", "m8s": "mates", "w8": "wait", "h8": "hate",
    "any1": "anyone", "some1": "someone", "no1": "no one", "every1": "everyone",
    "sum1": "someone", "wanna": "want to", "wana": "want to", "wanan": "want to",
    "gonna": "going to", "gunna": "going to", "gna": "going to", "gona": "going to",
    "gotta": "got to", "tryna": "trying to", "finna": "going to", "dunno": "dont know",
    "donno": "dont know", "idk": "i dont know", "lemme": "let me", "gimme": "give me",
    "cba": "cba", "kms": "kms", "kys": "kys", "rn": "right now", "atm": "at the moment",
    "bf": "boyfriend", "gf": "girlfriend", "bae": "partner", "hubby": "husband",
    "mum": "mum", "mom": "mum", "ma": "mum", "da": "dad", "bro": "brother", "sis": "sister",
    "soz": "sorry", "sry": "sorry", "srry": "sorry", "ok": "ok", "okay": "ok", "okey": "ok",
    "nite": "night", "luv": "love", "hosp": "hospital", "hozzy": "hospital", "docs": "doctor",
    "doc": "doctor", "od": "overdose", "ods": "overdoses", "oding": "overdosing",
    "odin": "overdosing", "oded": "overdosed", "dieing": "dying", "dyin": "dying",
    "kil": "kill", "kiled": "killed", "myslef": "myself", "myslf": "myself",
    "meself": "myself", "mesen": "myself", "misen": "myself", "meslef": "myself",
    "endit": "end it", "enditall": "end it all", "unalive": "unalive", "selfharm": "self harm",
    "selfharming": "self harming", "sewerslide": "suicide",
    "nowt": "nothing", "owt": "anything", "summat": "something", "sommat": "something",
    "aint": "aint", "innit": "innit", "yeh": "yeah", "ye": "yeah", "yep": "yes", "yup": "yes",
    "nah": "no", "naa": "no", "nope": "no", "wat": "what", "wot": "what", "wht": "what",
    "whn": "when", "whr": "where", "hw": "how", "tht": "that", "dat": "that", "dis": "this",
    "jus": "just", "jst": "just", "juss": "just", "anymore": "any more", "nomore": "no more",
    "alot": "a lot", "infront": "in front", "aswell": "as well", "incase": "in case",
    "itd": "it would", "thatd": "that would", "youd": "you would", "theyd": "they would",
    "wouldve": "would have", "couldve": "could have", "shouldve": "should have",
    "cus": "because", "bcuz": "because", "prolly": "probably", "probs": "probably",
    "multistory": "multistorey", "wnt": "want", "wnted": "wanted", "lyf": "life",
    "lyfe": "life", "lfe": "life",
}  # fmt: skip
# Contractions typed without the apostrophe: kept as they are rather than "corrected".
CONTRACTIONS = frozenset(
    (
        "thats whats wheres theres hes shes lets heres whos hows theyre youre wasnt isnt arent "
        "werent hasnt havent hadnt couldnt wouldnt shouldnt youve weve theyve youll theyll "
        "didnt doesnt dont cant wont im ive"
    ).split()
)
CONTRACTION_COUNT = 100_000_000  # as common as "people" when cutting a run of letters into words
CORPUS_WORDS = 1_024_908_267_229  # the words the shipped frequencies were counted over
SPEAK.update((w, w) for w in CONTRACTIONS)

# Two words people write apart or together, made one so the detector sees one thing.
PHRASES = {
    ("car", "park"): "carpark",
    ("multi", "storey"): "multistorey",
    ("multi", "story"): "multistorey",
    ("multi", "storie"): "multistorey",
}

# A bare "2" is "to" before a verb ("want 2 die", "going 2 see"); elsewhere it stays a number.
TWO_BEFORE = frozenset(
    "die be go do kill end get see have make take talk speak live sleep work pay stay leave come "
    "eat find tell ring call meet sign apply claim know help start stop use wait move hurt cut "
    "jump hang sort keep give".split()
)
# A few emoji carry meaning: laughter marks a joke, some name a method or a feeling.
EMOJI = {
    "\U0001f602": " lol ", "\U0001f923": " lol ", "\U0001f606": " lol ", "\U0001f605": " lol ",
    "\U0001f62d": " crying ", "\U0001f622": " crying ", "\U0001f494": " heartbroken ",
    "\U0001f52a": " knife ", "\U0001f48a": " pills ", "\U0001faa2": " rope ",
    "\U0001f480": " dead ", "\u2620": " dead ", "\U0001f641": " sad ", "\U0001f61e": " sad ",
}  # fmt: skip

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SENTENCE = re.compile(r"[.!?;\n]+(?=\s|$)|[!?;\n]+")
_OD = re.compile(r"\bo\.?d(?:['’]d|['’]ed|['’]s)\b")
_OD_BARE = re.compile(r"\bo\.d\.?(?=\s|$)")
_TOKEN = re.compile(r"[a-z0-9&]+")
_RUN = re.compile(r"([a-z])\1{2,}")
_DIGIT_UNIT = re.compile(r"^(\d+)(mg|ml|g|x|s|mcg|kg)$")
_VOWEL = re.compile(r"[aeiouy]")


def digest() -> str:
    """A digest of the normaliser's tables and settings, stored with the model."""
    table = {
        "speak": sorted(SPEAK.items()),
        "two": sorted(TWO_BEFORE),
        "phrases": sorted(" ".join(k) + "=" + v for k, v in PHRASES.items()),
        "emoji": sorted(EMOJI.items()),
        "settings": [DICTIONARY, MIN_COUNT, REAL_COUNT, MAX_EDIT, PREFIX],
        "segment": [SEGMENT_MAX, SEGMENT_MEAN, CONTRACTION_COUNT],
    }
    canonical = json.dumps(table, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """The digest the trained model records, so a stale model is noticed."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_keep_words(path: Path) -> set[str]:
    """The project word list, comments and blanks left out."""
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        words.update(_TOKEN.findall(line))
    return words


def _place_words(path: Path) -> set[str]:
    """Every word of every place name and listed misspelling, so places stay as typed."""
    if not path.exists():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = list((data.get("districts") or {}).values()) + [data.get("outside") or {}]
    words: set[str] = set()
    for group in groups:
        for key in ("places", "misspellings"):
            for name in group.get(key) or []:
                words.update(_TOKEN.findall(str(name).lower().replace("'", "")))
    return words


@lru_cache(maxsize=1)
def keep_words() -> frozenset[str]:
    """Project words and place words: left alone by the speller."""
    return frozenset(_read_keep_words(KEEP_WORDS) | _place_words(GAZETTEER))


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, int], frozenset[str]]:
    """The shipped English frequencies: the words typos are corrected to (at least
    MIN_COUNT), and the rarer real words left as typed (at least REAL_COUNT)."""
    targets: dict[str, int] = {}
    real: set[str] = set()
    source = importlib.resources.files("symspellpy").joinpath(DICTIONARY)
    with source.open("r", encoding="utf-8") as rows:
        for row in rows:
            parts = row.split()
            if len(parts) != 2:
                continue
            count = int(parts[1])
            if count >= MIN_COUNT:
                targets[parts[0]] = count
            elif count >= REAL_COUNT:
                real.add(parts[0])
    return targets, frozenset(real)


@lru_cache(maxsize=1)
def _speller():  # -> symspellpy.SymSpell; imported late so a failed import is not fatal at load
    """The spelling corrector with the shipped English frequencies and our words on top."""
    from symspellpy import SymSpell

    speller = SymSpell(max_dictionary_edit_distance=MAX_EDIT, prefix_length=PREFIX)
    for word, count in _dictionary()[0].items():
        speller.create_dictionary_entry(word, count)
    for word in keep_words():
        speller.create_dictionary_entry(word, KEEP_COUNT)
    return speller


def _known(word: str) -> bool:
    """A word the speller would leave as it is: ours, a correction target or a real word."""
    return word in keep_words() or word in _speller().words or word in _dictionary()[1]


def _unstretch(word: str) -> str:
    """'soooo' -> 'so', 'feeeel' -> 'feel': runs of three or more letters to a known form."""
    if not _RUN.search(word):
        return word
    double = _RUN.sub(r"\1\1", word)
    single = _RUN.sub(r"\1", word)
    for candidate in (double, single):
        if _known(candidate):
            return candidate
    return double


def _split(word: str) -> str | None:
    """'killmyself' -> 'kill myself': two common words typed without a space."""
    words = _speller().words
    best, best_score = None, 0
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        if left in words and right in words:
            score = min(words[left], words[right])
            if score > best_score:
                best, best_score = f"{left} {right}", score
    return best if best_score >= 1_000_000 else None


def _segment(word: str) -> str | None:
    """'iwanttodieicantdothisanymore' -> 'i want to die i cant do this anymore': a message
    typed with no spaces at all. The most likely words (by the English frequencies at their
    own counts, plus the contractions people type without an apostrophe), and only when every
    letter falls in a word found, so a name or a string of junk is left as typed.

    Written here rather than with symspellpy's word_segmentation: that needs a second index of
    the dictionary (about 30 MB in every process that reads messages), where this reads the
    counts already held. The speller's own index will not do: it gives project words a huge
    count so that they win a tie, which cuts "nomoney" into "nom on ey"."""
    if len(word) > SEGMENT_MAX:
        return None
    # best[i]: (log probability, words) of the best cut of word[:i] into known words
    best: list[tuple[float, list[str]] | None] = [(0.0, [])] + [None] * len(word)
    longest = _longest_word()
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - longest), end):
            before, piece = best[start], word[start:end]
            share = None if before is None else _log_share(piece)
            if before is None or share is None:
                continue
            score, current = before[0] + share, best[end]
            if current is None or score > current[0]:
                best[end] = (score, [*before[1], piece])
    found = best[-1]
    if found is None or len(found[1]) < 3 or len(word) / len(found[1]) < SEGMENT_MEAN:
        return None
    return " ".join(found[1])


def _log_share(word: str) -> float | None:
    """log10 of the word's share of the words counted, or None for a word not counted."""
    count = CONTRACTION_COUNT if word in CONTRACTIONS else _dictionary()[0].get(word)
    return math.log10(count / CORPUS_WORDS) if count else None


@lru_cache(maxsize=1)
def _longest_word() -> int:
    return max(map(len, _dictionary()[0]))


@lru_cache(maxsize=50_000)
def correct(word: str) -> str:
    """One token as the detector should see it: expanded, unstretched, or spelt right."""
    if word in SPEAK:
        return SPEAK[word]
    if word.isdigit():
        return word
    unit = _DIGIT_UNIT.match(word)
    if unit:
        return f"{unit.group(1)} {unit.group(2)}"
    word = _unstretch(word)
    if word in SPEAK:
        return SPEAK[word]
    if _known(word) or not word.isalpha():
        return word
    if word.endswith("in") and _known(word + "g"):
        return word + "g"
    if len(word) <= 3 or not _VOWEL.search(word):
        return word
    from symspellpy import Verbosity

    distance = 1 if len(word) <= 5 else MAX_EDIT
    found = _speller().lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
    if found:
        return max(found, key=lambda s: (s.count >= KEEP_COUNT, s.count)).term
    return _split(word) or _segment(word) or word


def _clean(text: str) -> str:
    """Unicode, case, quotes, emoji and 'od'd' before the text is cut into words."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_QUOTES).lower()
    for symbol, words in EMOJI.items():
        text = text.replace(symbol, words)
    text = text.replace("\u200b", "").replace("\u200d", "")
    text = _OD.sub(" overdosed ", text)
    text = _OD_BARE.sub(" overdose ", text)
    return text.replace("'", "").replace("-", " ")


def _join_phrases(words: list[str]) -> list[str]:
    """'car park' -> 'carpark', 'multi storey' -> 'multistorey': one word, as places are named."""
    out: list[str] = []
    for word in words:
        if out and (out[-1], word) in PHRASES:
            out[-1] = PHRASES[(out[-1], word)]
        else:
            out.append(word)
    return out


def _words(chunk: str) -> list[str]:
    """The corrected words of one sentence."""
    raw = _TOKEN.findall(chunk)
    out: list[str] = []
    for i, token in enumerate(raw):
        if token == "&":
            out.append("and")
        elif token == "2" and i + 1 < len(raw) and raw[i + 1] in TWO_BEFORE:
            out.append("to")
        else:
            out.extend(correct(token).split())
    return _join_phrases(out)


def sentences(text: str | None) -> list[list[str]]:
    """The message as sentences of normalised words; empty sentences left out."""
    if not text:
        return []
    chunks = _SENTENCE.split(_clean(text))
    return [words for words in (_words(c) for c in chunks) if words]


def normalise(text: str | None) -> str:
    """The message as one line of normalised words, for the detector and the intent classifier."""
    return " ".join(word for sentence in sentences(text) for word in sentence)


def warm() -> None:
    """Build the spelling index now rather than on the first message."""
    _speller()
    _longest_word()
