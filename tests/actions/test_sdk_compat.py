"""The rasa-sdk shim: calls without a domain go through, and only on the pinned rasa-sdk."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionMissingDomainException

from actions import sdk_compat
from engine.patches import guard

DOMAIN = {"slots": {"district": {"type": "text"}}, "responses": {}}


def test_the_shim_is_installed_by_the_actions_package() -> None:
    assert ActionExecutor.update_and_return_domain is sdk_compat.domain_or_last


def test_a_call_without_a_domain_gets_the_last_one_sent() -> None:
    executor = ActionExecutor()
    assert sdk_compat.domain_or_last(executor, {}, "action_answer") == {}
    assert sdk_compat.domain_or_last(executor, {"domain": DOMAIN}, "validate_x") == DOMAIN
    assert sdk_compat.domain_or_last(executor, {}, "action_answer") == DOMAIN


def test_rasa_sdks_own_method_refuses_such_a_call() -> None:
    """Why the shim exists: the 3.6 engine sends no digest, and rasa-sdk 3.21 refuses."""
    with pytest.raises(ActionMissingDomainException):
        sdk_compat._rasa_sdk_update_and_return_domain(ActionExecutor(), {}, "action_answer")


def test_another_rasa_sdk_release_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sdk_compat.VERSIONS, "rasa-sdk", "3.21.0")
    with pytest.raises(guard.PatchRefused, match="rasa-sdk is 3.21.1"):
        sdk_compat.install()


def test_a_changed_method_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    name = next(iter(sdk_compat.SOURCES))
    monkeypatch.setitem(sdk_compat.SOURCES, name, "f" * 64)
    with pytest.raises(guard.PatchRefused, match="update_and_return_domain has changed"):
        sdk_compat.install()
