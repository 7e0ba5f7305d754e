"""Word classes the detector sees beside the words, so an unseen synonym still counts.

"necked all my mirtazapine" and "swallowed every one of my sertraline" share the classes
TAKE QUANT DRUG even when the model never saw those exact words together. Changing a class
changes the features: retrain with `make crisis-model` (the model records this table's digest).
"""

from __future__ import annotations

import hashlib
import json

CLASSES: dict[str, str] = {
    "DEATH": "die dying died dead death deaths kill killing killed suicide suicidal unalive "
    "unaliving overdose overdosed drown drowning drowned fatal lethal perish grave funeral kms",
    "GONE": "gone disappear vanish exist existing existence alive living live life",
    "INTENT": "going want wanted wanting wanna plan planning planned decided decide ready tempted "
    "intend thinking thought considering tonight tomorrow soon",
    "HOPELESS": "pointless worthless hopeless useless burden waste point nobody noone nothing "
    "nowhere trapped forever permanently",
    "FAREWELL": "goodbye goodbyes bye farewell last final sorry forgive letter letters note notes "
    "will affairs",
    "TOOL": "rope noose belt cord ligature blade blades razor razors knife knives hosepipe hose "
    "exhaust charcoal bleach poison antifreeze gun shotgun machete glass",
    "HEIGHT": "bridge viaduct roof rooftop ledge balcony cliff cliffs tower building buildings "
    "storey multistorey tallest highest carpark tracks railway train trains tram trams motorway "
    "platform river canal sea reservoir quarry crossing drop",
    "BODY": "wrist wrists arm arms leg legs thigh thighs neck throat skin stomach chest face",
    "HARM": "cut cuts cutting burn burnt burned burning scratch scratching scratched slice slicing "
    "slash slashed slashing carve carved carving bleed bleeding bled blood hurt hurting harm "
    "harming",
    "TAKE": "took taken take taking swallowed swallow necked neck downed popped injected "
    "smoked drank drunk had done",
    "QUANT": "all whole loads load lot handful box boxes packet packets pack packs bottle bottles "
    "strip strips dozens double every rest",
    "DRUG": "paracetamol codamol cocodamol codeine tramadol sertraline citalopram mirtazapine "
    "amitriptyline quetiapine pregabalin pregabs pregab gabapentin diazepam vallies valium "
    "zopiclone tablets tablet pills pill meds medication painkillers antidepressants methadone "
    "insulin ibuprofen lithium propranolol olanzapine fluoxetine dihydrocodeine nurofen benzos "
    "xanax morphine oxycodone gear heroin smack spice ket ketamine coke crack mamba fentanyl",
    "UNRESPONSIVE": "breathing breathe breath unconscious unresponsive wake waking blue grey "
    "fitting seizure collapsed floppy drowsy moving respond responding responsive cold",
    "VIOLENCE": "stab stabbed stabbing shoot shot attack attacked jumped threatened threat threats "
    "threatening batter battered beat beaten glassed chased followed shank shanked torch "
    "petrol weapon weapons",
    "PARTNER": "partner boyfriend girlfriend husband wife fella missus ex bf gf hubby",
    "OTHER": "mate mates friend brother sister son daughter mum mam dad flatmate cousin "
    "housemate roommate lad lass he she him her his they them someone somebody",
    "FEAR": "scared afraid frightened terrified petrified fear unsafe danger",
    "LAUGH": "lol lmao haha hahaha laughing laugh joke joking",
    "PAST": "ago years used was were when before",
    "RESOLVE": "nerve courage guts brave bottle through",
    "RESEARCH": "googling googled google searching searched researching researched looked "
    "looking reading",
    "READY": "counted lined laid ready sorted set prepared",
    "GRAVE": "six foot feet under coffin buried rip daisies box ground",
}

WORD_CLASS: dict[str, str] = {w: c for c, words in CLASSES.items() for w in words.split()}


def word_class(word: str) -> str | None:
    """The class of one normalised word; a number of ten or more counts as a quantity."""
    found = WORD_CLASS.get(word)
    if found is None and word.isdigit() and len(word) >= 2:
        return "QUANT"
    return found


def digest() -> str:
    """A digest of the table, stored with the model so a change is noticed."""
    canonical = json.dumps(
        {c: sorted(w.split()) for c, w in sorted(CLASSES.items())}, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
