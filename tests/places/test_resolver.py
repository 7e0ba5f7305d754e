"""Tests for bot.places.resolver: districts, towns, postcodes, typos, outside GM, and noise."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
import yaml

from bot.places import DISTRICTS, Resolution, load_gazetteer, resolve
from bot.places.resolver import DEFAULT_PATH, MAX_CHARS

RAW = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
NOTHING = Resolution(None, False, None)


def district_of(text: str | None) -> str | None:
    return resolve(text).district


def is_outside(text: str) -> bool:
    result = resolve(text)
    return result.outside and result.district is None


# --- district names --------------------------------------------------------------------------


def test_ten_canonical_districts() -> None:
    assert DISTRICTS == (
        "Bolton",
        "Bury",
        "Manchester",
        "Oldham",
        "Rochdale",
        "Salford",
        "Stockport",
        "Tameside",
        "Trafford",
        "Wigan",
    )
    assert set(RAW["districts"]) == set(DISTRICTS)


@pytest.mark.parametrize("district", DISTRICTS)
@pytest.mark.parametrize(
    "form",
    [
        "{}",
        "{lower}",
        "{upper}",
        "i live in {lower}",
        "I'm from {}.",
        "near {lower}!!",
        "  {lower}  ",
        "I live in the {} area",
    ],
)
def test_district_names_in_any_case(district: str, form: str) -> None:
    text = form.format(district, lower=district.lower(), upper=district.upper())
    result = resolve(text)
    assert result == Resolution(district, False, result.matched)
    assert result.matched is not None and result.matched.lower() == district.lower()


# --- towns and neighbourhoods ----------------------------------------------------------------

TOWNS = [
    # Bolton
    ("Farnworth", "Bolton"),
    ("Horwich", "Bolton"),
    ("Westhoughton", "Bolton"),
    ("Little Lever", "Bolton"),
    ("Kearsley", "Bolton"),
    ("Blackrod", "Bolton"),
    ("Breightmet", "Bolton"),
    ("Astley Bridge", "Bolton"),
    ("Tonge Moor", "Bolton"),
    ("Bromley Cross", "Bolton"),
    ("Heaton", "Bolton"),
    ("Lostock", "Bolton"),
    ("hall i' th' wood", "Bolton"),
    # Bury
    ("Radcliffe", "Bury"),
    ("Prestwich", "Bury"),
    ("Whitefield", "Bury"),
    ("Ramsbottom", "Bury"),
    ("Tottington", "Bury"),
    ("Unsworth", "Bury"),
    ("Chesham", "Bury"),
    ("Ainsworth", "Bury"),
    ("Besses o' th' Barn", "Bury"),
    # Manchester
    ("Wythenshawe", "Manchester"),
    ("Moss Side", "Manchester"),
    ("Hulme", "Manchester"),
    ("Gorton", "Manchester"),
    ("Levenshulme", "Manchester"),
    ("Longsight", "Manchester"),
    ("Rusholme", "Manchester"),
    ("Fallowfield", "Manchester"),
    ("Withington", "Manchester"),
    ("Didsbury", "Manchester"),
    ("Chorlton", "Manchester"),
    ("chorlton-cum-hardy", "Manchester"),
    ("Ancoats", "Manchester"),
    ("Ardwick", "Manchester"),
    ("Beswick", "Manchester"),
    ("Clayton", "Manchester"),
    ("Openshaw", "Manchester"),
    ("Harpurhey", "Manchester"),
    ("Moston", "Manchester"),
    ("Blackley", "Manchester"),
    ("Crumpsall", "Manchester"),
    ("Cheetham Hill", "Manchester"),
    ("Collyhurst", "Manchester"),
    ("Newton Heath", "Manchester"),
    ("Miles Platting", "Manchester"),
    ("Burnage", "Manchester"),
    ("Northenden", "Manchester"),
    ("Baguley", "Manchester"),
    ("Benchill", "Manchester"),
    ("Sharston", "Manchester"),
    ("Whalley Range", "Manchester"),
    ("Northern Quarter", "Manchester"),
    ("city centre", "Manchester"),
    ("Heaton Park", "Manchester"),
    # Oldham
    ("Chadderton", "Oldham"),
    ("Failsworth", "Oldham"),
    ("Royton", "Oldham"),
    ("Shaw", "Oldham"),
    ("Lees", "Oldham"),
    ("Saddleworth", "Oldham"),
    ("Uppermill", "Oldham"),
    ("Hollinwood", "Oldham"),
    ("Werneth", "Oldham"),
    ("Glodwick", "Oldham"),
    ("Delph", "Oldham"),
    # Rochdale
    ("Heywood", "Rochdale"),
    ("Middleton", "Rochdale"),
    ("Littleborough", "Rochdale"),
    ("Milnrow", "Rochdale"),
    ("Wardle", "Rochdale"),
    ("Smallbridge", "Rochdale"),
    ("Castleton", "Rochdale"),
    ("Kirkholt", "Rochdale"),
    ("Langley", "Rochdale"),
    # Salford
    ("Eccles", "Salford"),
    ("Swinton", "Salford"),
    ("Walkden", "Salford"),
    ("Irlam", "Salford"),
    ("Cadishead", "Salford"),
    ("Pendleton", "Salford"),
    ("Broughton", "Salford"),
    ("Ordsall", "Salford"),
    ("Little Hulton", "Salford"),
    ("Worsley", "Salford"),
    ("Pendlebury", "Salford"),
    ("Kersal", "Salford"),
    ("Weaste", "Salford"),
    ("Langworthy", "Salford"),
    ("Salford Quays", "Salford"),
    ("irlams o th height", "Salford"),
    # Stockport
    ("Cheadle", "Stockport"),
    ("Cheadle Hulme", "Stockport"),
    ("Bramhall", "Stockport"),
    ("Hazel Grove", "Stockport"),
    ("Marple", "Stockport"),
    ("Reddish", "Stockport"),
    ("Edgeley", "Stockport"),
    ("Heaton Moor", "Stockport"),
    ("Heaton Chapel", "Stockport"),
    ("the Heatons", "Stockport"),
    ("Brinnington", "Stockport"),
    ("Romiley", "Stockport"),
    ("Bredbury", "Stockport"),
    ("Offerton", "Stockport"),
    # Tameside
    ("Ashton-under-Lyne", "Tameside"),
    ("ashton under lyne", "Tameside"),
    ("Ashton", "Tameside"),
    ("Hyde", "Tameside"),
    ("Denton", "Tameside"),
    ("Droylsden", "Tameside"),
    ("Dukinfield", "Tameside"),
    ("Stalybridge", "Tameside"),
    ("Mossley", "Tameside"),
    ("Audenshaw", "Tameside"),
    ("Hattersley", "Tameside"),
    # Trafford
    ("Stretford", "Trafford"),
    ("Sale", "Trafford"),
    ("Altrincham", "Trafford"),
    ("Urmston", "Trafford"),
    ("Partington", "Trafford"),
    ("Old Trafford", "Trafford"),
    ("Timperley", "Trafford"),
    ("Hale", "Trafford"),
    ("Flixton", "Trafford"),
    ("Davyhulme", "Trafford"),
    ("Ashton upon Mersey", "Trafford"),
    # Wigan
    ("Leigh", "Wigan"),
    ("Hindley", "Wigan"),
    ("Ince", "Wigan"),
    ("Atherton", "Wigan"),
    ("Tyldesley", "Wigan"),
    ("Ashton-in-Makerfield", "Wigan"),
    ("ashton in makerfield", "Wigan"),
    ("Golborne", "Wigan"),
    ("Standish", "Wigan"),
    ("Orrell", "Wigan"),
    ("Pemberton", "Wigan"),
    ("Abram", "Wigan"),
    ("Aspull", "Wigan"),
    ("Astley", "Wigan"),
    ("Shevington", "Wigan"),
    ("Lowton", "Wigan"),
]


def test_towns_cover_all_ten_districts() -> None:
    assert len(TOWNS) >= 60
    assert {district for _, district in TOWNS} == set(DISTRICTS)


@pytest.mark.parametrize(("text", "district"), TOWNS)
def test_town_alone(text: str, district: str) -> None:
    assert district_of(text) == district


@pytest.mark.parametrize(("text", "district"), TOWNS[::3])
def test_town_in_a_sentence(text: str, district: str) -> None:
    assert district_of(f"hi, I live in {text} now") == district
    assert district_of(f"im from {text.upper()}") == district


# --- postcodes -------------------------------------------------------------------------------

POSTCODES = [
    ("BL1", "4AB", "Bolton"),
    ("BL9", "0EY", "Bury"),
    ("M6", "5JA", "Salford"),
    ("M22", "5RT", "Manchester"),
    ("M32", "0XX", "Trafford"),
    ("OL8", "1QQ", "Oldham"),
    ("OL11", "1AB", "Rochdale"),
    ("SK1", "3XE", "Stockport"),
    ("SK14", "4AB", "Tameside"),
    ("WN1", "1AA", "Wigan"),
]


@pytest.mark.parametrize(("outward", "inward", "district"), POSTCODES)
def test_postcodes(outward: str, inward: str, district: str) -> None:
    for text in (
        f"{outward} {inward}",
        f"{outward}{inward}",
        f"{outward} {inward}".lower(),
        f"{outward}{inward}".lower(),
        outward,
        outward.lower(),
        f"my postcode is {outward.lower()} {inward.lower()}",
        f"I live in {outward}",
    ):
        result = resolve(text)
        assert result == Resolution(district, False, outward), text


def test_full_postcode_is_not_logged_whole() -> None:
    assert resolve("M22 5RT").matched == "M22"
    assert resolve("flat 3, 10 some street, m225rt").matched == "M22"


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("Eccles, Manchester M30 0AB", "Salford"),  # "Manchester" is only the postal town
        ("Middleton, Manchester", "Rochdale"),
        ("Manchester M33 7XX", "Trafford"),  # M33 is Sale
        ("Whalley Range M16 8AB", "Manchester"),  # split postcode: the place name wins
        ("Ashton, Wigan", "Wigan"),  # "Ashton" is generic: Ashton-in-Makerfield here
        ("Ashton WN4 9AA", "Wigan"),
        ("Heaton, Stockport", "Stockport"),
        ("Golborne WA3", "Wigan"),
    ],
)
def test_most_specific_wins(text: str, district: str) -> None:
    assert district_of(text) == district


def test_all_listed_gm_postcodes_resolve() -> None:
    count = 0
    for district, spec in RAW["districts"].items():
        for code in spec["postcodes"]:
            count += 1
            assert district_of(code) == district, code
            assert district_of(f"{code} 1AB") == district, code
    assert count >= 85


# --- misspellings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("Manchestor", "Manchester"),
        ("Mancester", "Manchester"),
        ("Stockpot", "Stockport"),
        ("Wiggan", "Wigan"),
        ("Oldam", "Oldham"),
        ("Rochdle", "Rochdale"),
        ("Saldord", "Salford"),
        ("Tamside", "Tameside"),
        ("Traford", "Trafford"),
        ("Burry", "Bury"),
        ("Boltan", "Bolton"),
        ("Farnsworth", "Bolton"),
        ("Altringham", "Trafford"),
        ("Golbourne", "Wigan"),
        ("Staleybridge", "Tameside"),
        ("Droylesden", "Tameside"),
        ("Didsberry", "Manchester"),
        ("Harperhey", "Manchester"),
        ("i live in tyldsley", "Wigan"),
    ],
)
def test_listed_misspellings(text: str, district: str) -> None:
    assert district_of(text) == district


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("Stockprt", "Stockport"),
        ("Wythenshaw", "Manchester"),
        ("i live in wythenshaw", "Manchester"),
        ("im from stockprt", "Stockport"),
        ("Farnwoth", "Bolton"),
        ("Stalybrdge", "Tameside"),
        ("Levenshlme", "Manchester"),
        ("near prestwhch", "Bury"),
        ("Chaddertn", "Oldham"),
    ],
)
def test_fuzzy_typos(text: str, district: str) -> None:
    assert district_of(text) == district


@pytest.mark.parametrize(
    "text",
    [
        "sister",
        "my sister",
        "I work in schools",
        "I work in waste management",
        "it was sinister",
        "paroled",
    ],
)
def test_fuzzy_does_not_turn_words_into_places(text: str) -> None:
    assert resolve(text) == NOTHING


# --- sentences -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("i live in farnworth", "Bolton"),
        ("im near the arndale in manchester", "Manchester"),
        ("I'm from Cheadle Hulme", "Stockport"),
        ("we're in the Heatons", "Stockport"),
        ("living in Old Trafford now", "Trafford"),
        ("I live on Stockport Road in Longsight", "Manchester"),  # street names are not places
        ("14 Bury New Road, Prestwich", "Bury"),
        ("Ashton Old Road, Openshaw", "Manchester"),
        ("I moved from Liverpool to Wigan", "Wigan"),
        ("I'm from Leeds but I live in Bolton now", "Bolton"),
        ("Manchester United fan from Wigan", "Wigan"),
        ("I live in Sale", "Trafford"),
        ("im from bury", "Bury"),
        ("Bury", "Bury"),
        ("bury", "Bury"),
        ("Salford city centre", "Salford"),
        ("i'm in hyde, tameside", "Tameside"),
    ],
)
def test_sentences(text: str, district: str) -> None:
    result = resolve(text)
    assert result.district == district and not result.outside
    assert result.matched and result.matched != text.strip() or len(text.split()) == 1


# --- outside Greater Manchester --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Liverpool",
        "Leeds",
        "LS1 4AP",
        "ls14ap",
        "L1",
        "SK9",
        "CH1",
        "I live in Glossop",
        "Wilmslow",
        "St Helens",
        "st. helens",
        "Culcheth WA3",
        "Poynton, Stockport",
        "Whitworth, Rochdale",
        "Newton-le-Willows",
        "Bury St Edmunds",
        "my postcode is L1",
        "SK13 8AB",
        "WN8 6AB",
        "OL14 5AA",
        "Liverpol",
        "London",
        "i'm from Skelmersdale",
    ],
)
def test_outside(text: str) -> None:
    assert is_outside(text)


def test_every_listed_outside_place_is_outside() -> None:
    for name in RAW["outside"]["places"]:
        assert is_outside(name), name


# --- nothing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "asdfgh",
        "",
        "   ",
        "😀",
        "😀😀 🙏",
        None,
        "I want to bury the past",
        "car boot sale",
        "a reddish rash",
        "Greater Manchester",
        "vitamin B12",
        "stuck on the M60",
        "M62",
        "P45",
        "hello",
        "yes",
        "12345",
        "none",
        "n/a",
        "x" * 20_000,
        "Bolton " * 3_000,
    ],
)
def test_nothing(text: str | None) -> None:
    assert resolve(text) == NOTHING


def test_huge_and_long_inputs_are_quick() -> None:
    start = time.perf_counter()
    resolve("x" * 20_000)
    resolve("Bolton " * 3_000)
    words = " ".join(f"in zq{i}xyzw" for i in range(MAX_CHARS // 10))[:MAX_CHARS]
    resolve(words)  # worst case that is still read: many unmatched words, fuzzy pass included
    assert time.perf_counter() - start < 0.5


def test_resolution_is_frozen() -> None:
    result = resolve("Bolton")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.district = "Bury"  # type: ignore[misc]


# --- the gazetteer itself --------------------------------------------------------------------


def test_every_alias_resolves_to_its_own_district() -> None:
    """A name typed on its own must give the district it is listed under."""
    for district, spec in RAW["districts"].items():
        assert 25 <= len(spec["places"]) <= 70, district
        for name in spec["places"] + spec["misspellings"]:
            assert resolve(str(name)) == Resolution(district, False, str(name)), name


def test_not_places_resolve_to_nothing() -> None:
    for name in RAW["not_places"]:
        assert resolve(name) == NOTHING, name


def test_gazetteer_is_cached() -> None:
    assert load_gazetteer() is load_gazetteer()


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "gazetteer.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_alias_in_two_districts_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["districts"]["Bury"]["places"].append("farnworth")
    with pytest.raises(ValueError, match="farnworth"):
        load_gazetteer(_write(tmp_path, raw))


def test_missing_district_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    del raw["districts"]["Wigan"]
    with pytest.raises(ValueError, match="districts"):
        load_gazetteer(_write(tmp_path, raw))


def test_custom_gazetteer_is_used(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["districts"]["Oldham"]["places"].append("Lydgate Village")
    gaz = load_gazetteer(_write(tmp_path, raw))
    assert resolve("Lydgate Village", gaz).district == "Oldham"
