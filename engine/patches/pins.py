"""What the engine's patches and extensions were written against, recorded for the guard.

Each entry is a function of Rasa (or a library it uses) that a patch replaces or that an
extension relies on, with the sha256 of its source as released. After an upgrade the guard
names each entry that differs: read the new code, adjust the patch, then record the new
hash here (docs/engine-patches.md, "Upgrading Rasa").
"""

from __future__ import annotations

from typing import Dict

VERSIONS: Dict[str, str] = {
    "rasa": "3.6.21",
    "rasa-sdk": "3.6.2",
    "structlog": "23.3.0",
    "jsonschema": "4.17.3",
    "aiohttp": "3.9.5",
}

# The patches of engine/patches/: replaced, or (marked) relied on by a replacement.
PATCHES: Dict[str, str] = {
    "rasa.shared.core.events:Event.resolve_by_type": "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968",
    "rasa.engine.runner.dask:DaskGraphRunner.run": "45f0f52f574f3aa9546a552bf671183e171092c18b66e97f5771a7fa295de37e",
    # relied on: the runner keeps its answer per target set
    "rasa.engine.graph:GraphSchema.minimal_graph_schema": "58dfb30335499fff7640e0d4ea6c0a715e23abc27e641b05636798db7bb4f9fe",
    "rasa.core.actions.action:RemoteAction._validate_action_result": "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
    # relied on: the check is done as jsonschema.validate does it
    "jsonschema.validators:validate": "dc1e7e6a0aee8a4e5f3fbf9ace69e843f0ee3732fa4ee270da51f731037b2a74",
    "rasa.utils.endpoints:EndpointConfig.request": "ccdb778aed8208e23cde3c3f47eac7fbbbb735dac8f7ef7254d54451c64ad608",
    # relied on: the processors whose exception rendering is changed
    "rasa.utils.log_utils:configure_structlog": "80c9dcfa47c776b56ce43da8d03bc56f6bf7b0116d0167617f33996f17e7b6cc",
    "rasa.core.actions.action:RemoteAction._action_call_format": "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492",
    # relied on: the tracker state sent is Rasa's, its events aside
    "rasa.shared.core.trackers:DialogueStateTracker.current_state": "a9f1526ceddf7a2871ca65f0f664bec9b06546942cdb37ff020e87747608244c",
    "rasa.shared.core.trackers:DialogueStateTracker.copy": "dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285",
    "rasa.shared.core.trackers:DialogueStateTracker.applied_events": "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
    # relied on: the copy is what the replay gives (the new tracker, its attributes, their reset)
    "rasa.shared.core.trackers:DialogueStateTracker.travel_back_in_time": "09d16f28f007492f653b504cf2b6064dc453444c524799378609a85b04efd632",
    "rasa.shared.core.trackers:DialogueStateTracker.init_copy": "429fcd2243b9e0e1a6e8ffc3057a4f2fb4ecbb677055c644129bc65b6cd32b75",
    "rasa.shared.core.trackers:DialogueStateTracker.__init__": "8f39eb22462aa62b140d9da1f6db986cbc76383d8f7cc4e3dc7664fa7d84cb2d",
    "rasa.shared.core.trackers:DialogueStateTracker._reset": "190858eaf560a0c0a86f45dca86498f8a9fada57ddb6c7dd1e68648c9779e103",
    # relied on: the steps of the applied events' loop, called as Rasa calls them
    "rasa.shared.core.trackers:DialogueStateTracker._undo_till_previous": "3a3710e5e73cb945e7a1f529851b5c858b46ba139d2f651428a93ada196df9ae",
    "rasa.shared.core.trackers:DialogueStateTracker._undo_till_previous_loop_execution": "7ecfe12cccb398143f46d61275ba7130d18b1aba3a85f8de47c22756dc81a73c",
    "rasa.shared.core.trackers:DialogueStateTracker._first_loop_execution_or_unhappy_path": "b67fe33e30d9b68cfde38e3de0027a26a599eb5bba14e4109830301285a06ce2",
}

# The policies of engine/policies.py: overridden, or (marked) relied on.
POLICIES: Dict[str, str] = {
    "rasa.core.policies.rule_policy:RulePolicy._get_possible_keys": "2915fd81711e194c6d667728e00bd0e51e9c1c2791a0be14c55f0ef9938f9936",
    "rasa.core.policies.policy:Policy._prediction_states": "ed9b82bed2f26ad7a0de61709e02339983912bece614191089c3adba60cf1452",
    # relied on: the featurizer asks the tracker for its states, and only that
    "rasa.core.featurizers.tracker_featurizers:TrackerFeaturizer._create_states": "2fed265eee3bfa38bef58c41b618f4bc7cb68219a91c7b2b2488603403c5e86a",
    "rasa.shared.core.trackers:DialogueStateTracker.past_states": "5463eefb5c69d27f82cdc7eca84e23b4b82851e9a5ff575bd02447d4d987103b",
    # mirrored, step by step and resumable: the states before each action, then the last
    "rasa.shared.core.domain:Domain.states_for_tracker_history": "035111ce73ac90ba50e143abf556f924af07d9f452893f5a96a62895d44df8b7",
    "rasa.shared.core.trackers:DialogueStateTracker.generate_all_prior_trackers": "a1f6954347b52649a7b1054741338997d2369197d91acb2eab7f6b11d3855ed1",
    "rasa.shared.core.trackers:DialogueStateTracker.applied_events": "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
    # relied on: called as Rasa calls them (the loop's own decision; the replay tracker)
    "rasa.shared.core.trackers:DialogueStateTracker._first_loop_execution_or_unhappy_path": "b67fe33e30d9b68cfde38e3de0027a26a599eb5bba14e4109830301285a06ce2",
    "rasa.shared.core.trackers:DialogueStateTracker.init_copy": "429fcd2243b9e0e1a6e8ffc3057a4f2fb4ecbb677055c644129bc65b6cd32b75",
    "rasa.shared.core.trackers:DialogueStateTracker.update": "b55e6b1c724fa6e916399f81ea51dd5600ad6702f0b172923a83ca84bc23c668",
    # relied on: a state reads only the replay tracker, whose one shared part is the user
    # message; a kept state is never edited by the states after it
    "rasa.shared.core.domain:Domain.get_active_state": "5a4a505743120441541f40f1fdf65ea109983e3f7274610e47ca340167309418",
    "rasa.shared.core.domain:Domain._get_user_sub_state": "d7c9322b9abf14278aa1ae93e6cd9eabe4a891e7ae1d8297428e17f56213c842",
    "rasa.shared.core.domain:Domain._substitute_rule_only_user_input": "22bb906662cf575de41a8f66a6a35e4d5e324041b25a2939ecbcc81726e5ad93",
    # relied on: what of a message its state uses, and the events that change it afterwards
    "rasa.shared.core.events:UserUttered.as_sub_state": "a9dc5d5c4cd002b7ec83369a3c0a6507a65a8dd3f20cee07841effe8505c1234",
    "rasa.shared.core.events:DefinePrevUserUtteredFeaturization.apply_to": "260e4a37a1056d9d2a40dd0b02a4117baddc23b1cf019a6a213c5e6b26bf8b67",
    "rasa.shared.core.events:EntitiesAdded.apply_to": "b4d7905cab82faad1182ec1321e64249f9955d197c5d250cbfa97cfc08ac9ace",
}

# The response generator of engine/nlg.py: overridden, or (marked) relied on.
NLG: Dict[str, str] = {
    "rasa.core.nlg.response:TemplatedNaturalLanguageGenerator._fill_response": "691ce3c781c7939a44d337d4607440ddffc2776e422799e94d0c5b0706e7e7df",
    # relied on: the interpolation applied to every other part of a response
    "rasa.core.nlg.interpolator:interpolate": "f797ae38ba541564a75605dea665addb471c621d2c72448f2638aaca063b64ed",
}
