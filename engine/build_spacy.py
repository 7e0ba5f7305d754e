"""Build the spaCy pipeline the engine loads: a blank English model with an EntityRuler.

The patterns come from the shipped gazetteer (bot/places/gazetteer.yml), so no model is ever
downloaded. Run with the engine's Python: `python -m engine.build_spacy OUT_DIR`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List

import spacy
import yaml

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "bot" / "places" / "gazetteer.yml"
LABEL = "place"

# Place names that are also everyday words: matched only when written with a capital.
EVERYDAY_WORDS = {"bury", "sale", "hale", "shaw", "lees", "ince", "heath", "wardle", "deane",
                  "moss", "tonge", "hollins", "hindley green", "park", "city centre", "town centre",
                  "heaton", "astley", "clayton"}
INWARD = r"\d[a-z]{2}"


def _name_patterns(nlp: Any, name: str) -> List[Dict[str, Any]]:
    """Token patterns for a place name, with and without hyphens."""
    patterns = []
    for variant in {name, name.replace("-", " ")}:
        tokens = [t.text for t in nlp.make_doc(variant)]
        if variant.lower() in EVERYDAY_WORDS:
            for form in {variant, variant.title(), variant.upper()}:
                words = [t.text for t in nlp.make_doc(form)]
                patterns.append({"label": LABEL, "pattern": [{"ORTH": w} for w in words]})
        else:
            patterns.append({"label": LABEL, "pattern": [{"LOWER": t.lower()} for t in tokens]})
    return patterns


def _postcode_patterns(outward: str) -> List[Dict[str, Any]]:
    """'M22', 'm22 5rt' and 'M225RT' all match one postcode district."""
    code = outward.lower()
    return [
        {"label": LABEL, "pattern": [{"LOWER": code}, {"LOWER": {"REGEX": f"^{INWARD}$"}}]},
        {"label": LABEL, "pattern": [{"LOWER": {"REGEX": f"^{code}({INWARD})?$"}}]},
    ]


def gazetteer_patterns(nlp: Any, gazetteer: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every district, town, neighbourhood, misspelling and postcode district as patterns."""
    patterns: List[Dict[str, Any]] = []
    for district, entry in gazetteer["districts"].items():
        names = [district, *entry.get("places", []), *entry.get("misspellings", [])]
        for name in names:
            patterns += _name_patterns(nlp, str(name))
        for outward in entry.get("postcodes", []):
            patterns += _postcode_patterns(str(outward))
    for name in (gazetteer.get("outside") or {}).get("places", []):
        patterns += _name_patterns(nlp, str(name))
    unique = {repr(p): p for p in patterns}
    return list(unique.values())


def build(out_dir: Path) -> int:
    """Write the pipeline to out_dir and return the number of patterns."""
    gazetteer = yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    patterns = gazetteer_patterns(nlp, gazetteer)
    ruler.add_patterns(patterns)
    nlp.meta["name"] = "gm_places"
    nlp.meta["description"] = "Blank English tokenizer + Greater Manchester place EntityRuler"
    nlp.to_disk(out_dir)
    return len(patterns)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "models" / "spacy-gm")
    count = build(target)
    print(f"spaCy place pipeline: {count} patterns -> {target}")
    sample = spacy.load(target)("i live in cheadle hulme, M22 5RT or wythenshawe")
    print("check:", [(e.text, e.label_) for e in sample.ents])
