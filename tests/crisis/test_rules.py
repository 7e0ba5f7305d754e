"""Each reviewed crisis rule catches its phrasing and leaves its figure of speech alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.crisis.normalise import sentences
from bot.crisis.rules import Rule, light, load_patterns, matching_rule, rule_category

# rule id -> (messages it must catch, figures of speech or benign uses it must not)
EXAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "kill-myself": (
        ["i want to kill myself", "gonna top meself tonight", "thinking of doing myself in"],
        ["i nearly killed myself laughing", "do myself a favour and ring them", "top myself up"],
    ),
    "suicide-word": (
        ["i feel suicidal", "sucidal thoughts again", "been thinking about suicide"],
        [
            "i went to a suicide prevention talk",
            "i'm not suicidal, just skint",
            "it's five years since my brother's suicide and we're doing ok",
            "my mate said he'd had thoughts of suicide but he's getting help now",
            "does the council pay for a funeral if someone dies by suicide",
            "phoning hmrc on a monday is suicide lol",
            "i was suicidal when i got out, the meds and my key worker sorted me",
            "what do i say if a friend tells me they're thinking about suicide",
            "it's suicide driving through bolton at half five, can i ring instead",
            "paying that catalogue off early would be suicide for my budget",
            "it's a suicide mission getting through to the doctors at 8am",
            "City's back four, honestly, suicidal defending every single week",
            "another suicide ball across the box from our centre half",
            "is there a suicide first aid session i can go on as a volunteer",
        ],
    ),
    "kms": (["i wanna kms", "thinking of unaliving myself"], ["kms lol this queue"]),
    "end-my-life": (
        ["i'm going to end my life", "thinking of taking me own life"],
        ["i tried to end my life years ago but i'm in a better place now"],
    ),
    "want-to-die": (
        ["i just want to die", "honestly i wanna die", "i deserve to die"],
        [
            "i want to die of embarrassment",
            "i'm dying for a brew",
            "i don't feel like i want to die any more, now i want a job",
        ],
    ),
    "wish-dead": (
        [
            "i wish i was dead",
            "they'd be better off without me",
            "i'd be better off dead",
            "visa refused again. better i am dead",
        ],
        ["i wish i was here when you rang", "the team is better off without me on nights lol"],
    ),
    "dont-want-to-live": (
        ["i dont want to live anymore", "i don't want to be alive", "i dont wanna exist"],
        [
            "i dont want to live in bolton",
            "i don't want to wake up early for my appointment",
            "that song i don't want to live forever is stuck in my head",
        ],
    ),
    "no-point-living": (
        ["whats the point in living", "no point going on"],
        ["no point going to the jobcentre today"],
    ),
    "not-worth-living": (
        ["life is not worth living", "life's not worth it"],
        ["the flat's not worth it for the rent they want"],
    ),
    "goodbye-note": (
        ["i've written a suicide note", "left a goodbye letter on the table"],
        ["i watched a film about a suicide note years ago"],
    ),
    "noose": (["i've tied a noose", "rope round my neck"], ["is the hostel ligature free"]),
    "jump-from-height": (
        ["i'm going to jump off the bridge", "thinking about stepping in front of a train"],
        [
            "i'll jump on the tram to town",
            "step on the bus at piccadilly",
            "i used to think about jumping off that bridge, today i walked over it proud",
        ],
    ),
    "never-wake-up": (
        ["i hope i dont wake up", "i want to go to sleep and never wake up"],
        ["i hope i dont wake up early tomorrow"],
    ),
    "end-it-all": (
        ["im going to end it all", "gonna end it tonight"],
        ["i want to end everything with my ex"],
    ),
    "saving-tablets": (
        ["i've been saving up my tablets", "stockpiling my meds"],
        ["saving my tablets for my holiday"],
    ),
    "voices-tell-me": (["the voices keep telling me to kill"], ["my head keeps telling me to eat"]),
    "wont-need-it": (
        ["i gave my phone to my brother cos i wont need it"],
        ["i gave my old phone to my brother cos i wont need it now ive got a new one"],
    ),
    "not-their-fault": (
        ["wrote letters to my girls so they know it wasnt their fault"],
        ["the letter from the council said it wasnt my fault"],
    ),
    "garage-engine": (
        ["sat in the garage with the engine running", "got a hosepipe to the exhaust"],
        ["my car is in the garage for its mot"],
    ),
    "self-harm-word": (
        ["i've been self harming again", "selfharm is all that helps"],
        [
            "i used to self harm as a teenager",
            "my daughter self harms, how do i help her",
            "how should i talk to my son about self harm before he starts secondary",
            "the mental health first aid day at work covers self harm, what's it like",
            "asking for our lad, he self harmed when he was 13, will the army medical count it",
        ],
    ),
    "cut-myself": (
        ["i cut myself last night", "been burning meself"],
        [
            "i cut myself shaving",
            "i burnt myself on the oven",
            "the nurse asked if i'd been hurting myself and i said no, it's just my sleep",
        ],
    ),
    "cut-body": (["i cut my arms again", "been slashing my wrists"], ["i cut my legs shaving"]),
    "urge-to-cut": (["the urge to cut is really bad"], ["i get the urge to eat at night"]),
    "took-too-many": (
        ["ive taken 30 paracetamol", "swallowed all my mirtazapine an hour ago"],
        ["i took 2 paracetamol for my headache", "i take 12 tablets a day"],
    ),
    "took-all-of-drug": (
        [
            "i took my sertraline, the whole box, about an hour ago",
            "necked me mams tablets all of them",
        ],
        [
            "i took my tablets every one of the days the gp said",
            "i took my meds the whole week like they said",
        ],
    ),
    "overdosed": (
        ["i think i've overdosed", "i've taken an overdose", "od'd need help", "i think i od'd"],
        [
            "i overdosed years ago",
            "i overdosed twice when i was using, clean four years now",
            "i've overdosed on coffee this morning, what time is my appointment",
            "i od'd on coffee this morning",
            "i overdosed on mince pies at my nan's, anyway when's the drop in",
            "i overdosed on greggs, two sausage rolls and a steak bake, when's my appointment",
            "odd question but can i get a bus pass",
        ],
    ),
    "too-much-drugs": (["i've had way too much gear"], ["i've taken too many days off work"]),
    "not-breathing": (
        ["my mate isn't breathing", "he's not breathing please help"],
        ["my mate is doing breathing exercises for his anxiety"],
    ),
    "wont-wake": (
        ["my mate took pills and won't wake up", "i cant wake him up"],
        ["my son won't wake up for school, lazy"],
    ),
    "gone-blue": (["his lips have gone blue"], ["my hair's gone blue lol"]),
    "other-overdosed": (
        [
            "my friend has overdosed",
            "my brother took loads of tablets",
            "my mate has overdosed and hes not ok, he wont wake up",
            "my mate's overdosed, is he going to be ok?",
        ],
        [
            "my brother overdosed years ago and he's doing well now",
            "my mate overdosed last night and hes in hospital now, hes ok",
            "my sister took an overdose on friday, she is home now",
            "when i read about someone overdosing on spice it keeps me clean",
            "in eastenders last night someone took an overdose",
        ],
    ),
    "other-about-to-jump": (
        ["my mate's about to jump", "my brother is going to jump off the viaduct, help"],
        [
            "my son's about to jump at the chance of an apprenticeship",
            "my mate's going to jump on the bus and meet me there",
        ],
    ),
    "other-cut-bleeding": (
        ["my daughter's cut her arm badly and it's pouring with blood"],
        ["my son cut his arm at work and it's bleeding, can he get sick pay"],
    ),
    "weapon": (
        ["someone's got a knife and is waiting outside", "he's got a machete at my door"],
        ["i need a kitchen knife set for my new flat"],
    ),
    "pulled-knife": (["he pulled a knife on me"], ["i pulled a knife out of the drawer to cook"]),
    "stabbed": (["i've just been stabbed", "i got glassed"], ["i was stabbed years ago"]),
    "threat-to-kill-me": (
        ["they're coming to kill me", "some lads said they'll stab me"],
        [
            "my mam is going to kill me when she sees my tattoo",
            "they're gonna kill me lol",
            "the lads will kill me for skipping footy again",
            "im gonna be late for probation, they'll kill me",
            "if i miss my jobcentre appointment again they'll kill me",
        ],
    ),
    "at-my-door": (
        ["there's people outside my door saying they'll kill me"],
        ["the bailiffs are outside my door and i'm scared"],
    ),
    "door-kicked-in": (["they're trying to kick my door in"], ["the police kicked my door in"]),
    "in-danger": (["i'm in danger", "my kids are in danger"], ["i'm in danger of losing my flat"]),
    "not-safe": (
        ["i'm not safe", "i don't feel safe at home"],
        ["i'm not safe to drive on my meds", "i don't feel safe telling my PO"],
    ),
    "want-me-dead": (
        ["they want me dead"],
        ["lol they want me dead for eating the last biscuit", "i swear this printer wants me dead"],
    ),
    "arson": (
        [
            "someone put petrol through my letterbox",
            "front door on fire, im upstairs with the kids",
            "the hallway's alight and i cant get out",
        ],
        [
            "my flat was set on fire in 2019",
            "nearly set the kitchen on fire doing chips lol",
            "the kitchen was on fire last year and the landlord never fixed the wall",
        ],
    ),
    "partner-hits-me": (
        [
            "my partner hits me",
            "he punched me last night",
            "the missus batters me",
            "my stepdad gets violent with me when he drinks",
            "her brother threatened to stab me over the money",
        ],
        [
            "my brother beat me at fifa",
            "my mate hit me up about a job",
            "it hurts me that he left",
            "my mam threatened to kill me if i forgot her birthday again",
        ],
    ),
    "broke-my-bones": (["he broke my nose"], ["my ex broke my phone years ago"]),
    "scared-of-partner": (
        ["i'm scared of my partner", "terrified of him"],
        ["i'm scared of him finding out i relapsed", "i'm scared of losing her"],
    ),
    "scared-to-go-home": (
        ["i'm scared to go home", "i daren't go home"],
        ["i'm scared of home visits"],
    ),
    "domestic-abuse": (
        ["i'm being abused", "my partner is abusive", "domestic violence"],
        [
            "i'm doing a domestic abuse course for my probation",
            "my conviction was domestic abuse",
            "is there a domestic abuse number for the hostel noticeboard",
        ],
    ),
    "kill-me-if-i-leave": (["he'll kill me if i leave"], ["they'll sanction me if i leave my job"]),
    "if-i-leave-threat": (
        ["he said if i leave he will make sure i lose the kids"],
        ["my ex said if i leave the hostel i'll lose my place"],
    ),
    "strangled-me": (
        ["he strangled me", "grabbed me by the throat"],
        ["that film was choking me up", "the damp in this flat is choking me"],
    ),
    "raped": (
        ["he raped me", "she forced me to have sex"],
        ["i was raped years ago and get help now"],
    ),
    "locks-me-in": (["he locks me in the flat"], ["the hostel locks the doors at 11"]),
    "controls-me": (
        ["he takes all my money", "she won't let me see my friends", "he checks my phone"],
        ["my mam keeps my bank card for safe keeping", "he won't let me see the kids"],
    ),
    "stalking": (
        [
            "my ex is stalking me",
            "my ex keeps turning up",
            "my husband keeps turning up at my mum's",
        ],
        [
            "i was stalked years ago",
            "my father-in-law keeps turning up on a sunday and criticising the kids' tea",
            "my dad keeps turning up late to contact and the kids get upset",
        ],
    ),
}


def forms(text: str) -> tuple[str, str]:
    """The message as typed and as normalised: the two texts a rule is tried on."""
    return light(text), ". ".join(" ".join(words) for words in sentences(text))


def rules_by_id() -> dict[str, Rule]:
    """Every loaded rule by id."""
    return {rule.id: rule for rule in load_patterns()}


def test_every_rule_has_examples_and_every_example_names_a_rule() -> None:
    assert sorted(rules_by_id()) == sorted(EXAMPLES)
    assert all(caught and spared for caught, spared in EXAMPLES.values())


@pytest.mark.parametrize(
    ("rule_id", "text"), [(i, t) for i, (caught, _) in EXAMPLES.items() for t in caught]
)
def test_rule_catches_its_phrasing(rule_id: str, text: str) -> None:
    assert rules_by_id()[rule_id].fires(forms(text))


@pytest.mark.parametrize(
    ("rule_id", "text"), [(i, t) for i, (_, spared) in EXAMPLES.items() for t in spared]
)
def test_rule_leaves_its_figure_of_speech_alone(rule_id: str, text: str) -> None:
    assert not rules_by_id()[rule_id].fires(forms(text))


@pytest.mark.parametrize(
    "text",
    [
        "this form is killing me",
        "i could kill for a brew",
        "my ex won't let me see the kids",
        "my mate wants me out by the weekend",
        "the bailiffs are banging on the door",
        "Hope",
        "",
    ],
)
def test_no_rule_fires_on_everyday_messages(text: str) -> None:
    assert matching_rule(text, forms(text)[1]) is None


def test_abuse_wins_over_danger_when_both_match() -> None:
    assert (
        rule_category("he said he'll kill me if i leave, he's got a knife at the door") == "abuse"
    )


def test_third_party_wins_over_overdose() -> None:
    assert rule_category("my mate took loads of pills and won't wake up") == "third_party"


def test_a_rule_with_an_unknown_category_fails_at_load(tmp_path: Path) -> None:
    broken = tmp_path / "patterns.yml"
    broken.write_text(
        "version: 2\npriority: [suicide]\nrules:\n  - {id: x, category: nonsense, pattern: 'x'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError):
        load_patterns(str(broken))


def test_a_pattern_with_a_capital_letter_fails_at_load(tmp_path: Path) -> None:
    """Rules match the lower-cased message case-sensitively: a capital would never match."""
    broken = tmp_path / "patterns.yml"
    broken.write_text(
        "version: 2\npriority: [suicide]\n"
        "rules:\n  - {id: x, category: suicide, pattern: '\\bEnd it\\b'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="lower case"):
        load_patterns(str(broken))


@pytest.mark.parametrize(
    "text",
    [
        "I WANT TO KILL MYSELF",
        "I Want To End It All Tonight",
        "MY MATE TOOK LOADS OF PILLS AND WON'T WAKE UP",
    ],
)
def test_rules_catch_a_message_in_capitals(text: str) -> None:
    assert matching_rule(text, forms(text)[1]) is not None
