"""Run the rules and the model over a message, its parts and the conversation before it.

A long message is scored whole, sentence by sentence and in windows, and the most worrying
part counts, so a crisis buried in a story about benefits is not averaged away.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from bot.crisis import normalise
from bot.crisis.decide import (
    ASK_CATEGORY,
    NONE,
    Assessment,
    crisis_mass,
    decide,
    is_distress,
    question_category,
)
from bot.crisis.model import Model
from bot.crisis.rules import rule_category

RECENT_TURNS = 3  # distress this many messages back still lowers the bar
WINDOW, STRIDE = 12, 6  # words per window, and the step between windows
# A question that only a part of a message (a sentence, a window) calls for needs this much
# crisis probability in that part; the whole message needs the model's "ask" bar (0.15). Set on
# the check sets: of their everyday messages asked about, 63 of 129 were asked for a part
# alone, 23 of them under 0.25; of their crises, three were asked for a part alone, at 0.29,
# 0.37 and 0.42. It does not apply after distress earlier in the conversation, nor to a message
# that names a means.
PART_ASK = 0.25
# A crisis that only a part of a message (a sentence, a window) reads, while the whole message
# reads under this, is asked about rather than answered as one: "my dad died in March" in a
# question about a grief group, "my tag died in the night" in one about its charger. Set on the
# check sets (2026-12-04, nine sets): 14 of their everyday messages had a crisis reply for a
# part alone with the whole under 0.3, and 3 of their crises (each then asked, at whole 0.04 to
# 0.15); between 0.3 and 0.5 were 5 clear crises ("My will's done ... I'm ready.") and 5
# everyday messages. With the model retrained that day: 16 false alarms fewer, 4 crises asked
# instead of paged. It does not apply after distress earlier in the conversation. (It replaced
# a bar of 0.9 for a crisis only a window read, which then decided nothing differently.)
PART_CRISIS_WHOLE = 0.3
# A question about a means with no sign of distress ("lethal dose of amitriptyline?", "how deep
# do you have to cut to bleed out") is asked about once the model's method probability reaches
# this: on the check sets, 11 crises that had no answer at all, against 3 everyday questions
# asked ("how many paracetamol can you take in a day? got a bad tooth").
METHOD_ASK = 0.5
MAX_WORDS = 600  # the detector reads this many words of a very long message
FOLLOW_UP_WORDS = 6  # a message this short right after a crisis is read as part of it
# After distress, a question of one of these shapes is asked about even when the detector does
# not know the means it names ("how many of my sertraline", "where is the tallest car park").
MEANS_QUESTIONS = frozenset(
    ("how", w) for w in "many much high far deep long tall fast strong big".split()
) | frozenset({("enough", "to"), ("would", "it"), ("will", "it")})
MEANS_QUESTIONS_3 = frozenset(
    {
        ("where", "can", "i"),
        ("where", "could", "i"),
        ("where", "do", "i"),
        ("where", "is", "the"),
        ("what", "happens", "if"),
        ("what", "would", "happen"),
        ("how", "do", "you"),
        ("how", "would", "i"),
        ("how", "could", "i"),
        ("which", "is", "the"),
    }
)
READINGS_KEPT = 4096  # earlier messages' readings kept per process (see `_reading`)
MILD_DISTRESS = 0.2  # crisis + distress probability in earlier messages that counts as "mild"
METHOD_WORDS = frozenset(
    "bridge bridges viaduct roof rooftop balcony storey multistorey carpark tallest highest "
    "height heights high drop jump "
    "cliff train trains tracks railway line tram motorway canal river reservoir deep water "
    "paracetamol tablets pills dose doses lethal overdose insulin methadone sleeping "
    "garage exhaust hosepipe hose monoxide rope noose belt ligature poison bleach antifreeze "
    "weedkiller killer razor blade blades knife gun "
    "fall floors floor top tallest tower flats metres feet station platform crossing fast "
    "drown drowning swim lake docks quarry cold "
    "codamol codeine tramadol diazepam pregabalin amitriptyline sertraline antidepressants "
    "meds strip box lethal fumes charcoal bbq engine car running cable lead beam loft hang "
    "tie vein veins wrist wrists cut deep stanley bleed".split()
)


def segments(sentences: list[list[str]]) -> list[list[list[str]]]:
    """The whole message, each sentence, and overlapping windows of long sentences."""
    parts = [sentences]
    if len(sentences) > 1:
        parts.extend([s] for s in sentences)
    for words in sentences:
        if len(words) > WINDOW + STRIDE:
            for start in range(0, len(words) - STRIDE, STRIDE):
                parts.append([words[start : start + WINDOW]])
    return parts


def _clip(sentences: list[list[str]]) -> list[list[str]]:
    """At most MAX_WORDS words, whole sentences first."""
    out, total = [], 0
    for words in sentences:
        if total >= MAX_WORDS:
            break
        out.append(words[: MAX_WORDS - total])
        total += len(out[-1])
    return out


def probabilities(model: Model, sentences: list[list[str]]) -> dict[str, float]:
    """The probabilities of the most worrying part; method is the highest of any part."""
    if not sentences:
        return {}
    scored = [model.probabilities(part) for part in segments(_clip(sentences))]
    most: dict[str, float] = max(scored, key=crisis_mass)
    worst = dict(most)
    worst["method"] = max(p.get("method", 0.0) for p in scored)
    return worst


def _whole_asks(model: Model, sentences: list[list[str]]) -> bool:
    """Whether the message read whole, not in parts, reaches the bar to ask."""
    return crisis_mass(model.probabilities(_clip(sentences))) >= model.thresholds["ask"]


def rule_for(text: str, sentences: list[list[str]]) -> str | None:
    """A reviewed rule's category, on the text as typed or as normalised."""
    normalised = ". ".join(" ".join(words) for words in sentences)
    return rule_category(text, normalised=normalised)


def _earlier(model: Model, recent: Sequence[str]) -> str | None:
    """What the last few messages showed: "crisis", "distress", "mild" (some sign of low
    mood, read in each message or in them together), or None."""
    texts = [t for t in list(recent)[-RECENT_TURNS:] if isinstance(t, str) and t.strip()]
    found = None
    for text in texts:
        rule, p = _reading(model, text)
        if rule is not None:
            return "crisis"
        if p and crisis_mass(p) >= model.thresholds["crisis"]:
            return "crisis"
        if p and is_distress(p, model.thresholds):
            found = "distress"
        elif p and found is None and _mild(p):
            found = "mild"
    if found is None and len(texts) > 1:
        # Together, as one part: each sentence and window of them was read above, with its
        # message, so only the whole is new (and reading only it halves the check's time).
        joined = _clip(normalise.sentences(". ".join(texts)))
        if joined and _mild(model.probabilities(joined)):
            found = "mild"
    return found


Reading = tuple[Model, str | None, dict[str, float]]  # the model, a rule's category, p


class _Readings:
    """What the rules and the model made of a message, kept for the next few messages.

    Every message is read again as context for the three after it, so each is normalised
    and scored four times over; a reading is kept instead (bounded, least recently used
    first out). It is keyed by a digest of the text and holds the rule's category and the
    probabilities only, never the words. Shared by the threads the gateway's checks run in.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._held: OrderedDict[tuple[int, bytes], Reading] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, bytes]) -> Reading | None:
        with self._lock:
            found = self._held.get(key)
            if found is not None:
                self._held.move_to_end(key)
            return found

    def put(self, key: tuple[int, bytes], reading: Reading) -> None:
        with self._lock:
            self._held[key] = reading
            while len(self._held) > self.size:
                self._held.popitem(last=False)


_readings = _Readings(READINGS_KEPT)


def _reading(model: Model, text: str) -> tuple[str | None, dict[str, float]]:
    """A reviewed rule's category and the model's probabilities for one earlier message."""
    key = (id(model), hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest())
    found = _readings.get(key)
    if found is None or found[0] is not model:
        sentences = normalise.sentences(text)
        found = (model, rule_for(text, sentences), probabilities(model, sentences))
        _readings.put(key, found)
    return found[1], found[2]


def _mild(p: dict[str, float]) -> bool:
    """A weak sign of low mood or crisis: not enough on its own, enough to ask about a means."""
    return crisis_mass(p) + p.get("distress", 0.0) >= MILD_DISTRESS


def _asks_about_means(sentences: list[list[str]]) -> bool:
    """ "how many", "how high", "where can i get", "what happens if": the shape of a question
    about a means, whatever the means is called."""
    words = [w for sentence in sentences for w in sentence]
    pairs = set(zip(words, words[1:], strict=False))
    return bool(pairs & MEANS_QUESTIONS) or any(
        (a, b, c) in MEANS_QUESTIONS_3 for a, b, c in zip(words, words[1:], words[2:], strict=False)
    )


def assess_with(
    model: Model,
    text: str | None,
    *,
    recent: Sequence[str] = (),
    asking: str | None = None,
) -> Assessment:
    """The detector's decision on one message with a given model (the trainer passes its own)."""
    if not text or not text.strip():
        return NONE
    sentences = normalise.sentences(text)
    rule = rule_for(text, sentences)
    if rule is not None or asking:
        return decide({}, model.thresholds, rule, distressed=False)
    earlier = _earlier(model, recent) if recent else None
    cue = any(word in METHOD_WORDS for words in sentences for word in words)
    p = probabilities(model, sentences)
    distressed = earlier in ("crisis", "distress")
    found = decide(p, model.thresholds, None, distressed=distressed, method_cue=cue)
    if (
        found.decision == "crisis"
        and found.source == "model"
        and not distressed
        and crisis_mass(model.probabilities(_clip(sentences))) < PART_CRISIS_WHOLE
    ):
        # One sentence or window reads as a crisis, but the message as a whole does not: a
        # death or a dead battery told in a question about something else. Ask, do not page.
        return Assessment("ask", question_category(found.category), found.score, "model")
    if found.decision == "ask" and found.source == "model" and not (distressed or cue):
        if crisis_mass(p) < PART_ASK and not _whole_asks(model, sentences):
            # Only a sentence or a window, read alone, is worrying enough to ask about, and
            # only a little: the whole message puts its words in context. A message that
            # names a means (tablets, a bridge...) is still asked about.
            found = NONE
    if found.decision != "none":
        return found
    words = sum(len(s) for s in sentences)
    score = round(crisis_mass(p) + p.get("method", 0.0), 4) if p else 0.0
    if earlier == "crisis" and 0 < words <= FOLLOW_UP_WORDS:
        # "tonight", "i mean it", "pills": a short follow-up to a crisis is asked about
        return Assessment("ask", ASK_CATEGORY, score, "context")
    if distressed and _asks_about_means(sentences):
        # After distress, a question shaped like one about a means is asked about.
        return Assessment("ask", ASK_CATEGORY, score, "context")
    if earlier == "mild" and p.get("method", 0.0) >= model.thresholds["context_method"]:
        # A clear question about a means after some sign of low mood: ask, as crisis lines do.
        return Assessment("ask", ASK_CATEGORY, score, "context")
    if p.get("method", 0.0) >= METHOD_ASK:
        # A clear question about a means, with nothing said before it: crisis lines ask.
        return Assessment("ask", ASK_CATEGORY, score, "model")
    return found
