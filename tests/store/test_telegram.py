"""Telegram in the store: a chat maps to one conversation, and each update is claimed once."""

from __future__ import annotations

import secrets

from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.session import in_unit


def test_store_maps_a_chat_to_one_conversation_and_claims_once(database_url: str) -> None:
    chat_id, update_id = -(10**12) - secrets.randbelow(10**9), 10**10 + secrets.randbelow(10**9)
    conversation_id = telegram_store.conversation_for_chat(chat_id)
    assert telegram_store.conversation_for_chat(chat_id) == conversation_id
    assert in_unit(conversations.get_state, conversation_id) == "assistant"
    assert telegram_store.claim_update(update_id) == telegram_store.Claim.NEW
    assert telegram_store.claim_update(update_id) == telegram_store.Claim.BUSY
    telegram_store.finish_update(update_id)
    assert telegram_store.claim_update(update_id) == telegram_store.Claim.DONE


def test_a_claim_whose_process_died_is_taken_over_once(database_url: str) -> None:
    from datetime import timedelta

    update_id = 10**10 + secrets.randbelow(10**9)
    assert telegram_store.claim_update(update_id, lease=timedelta(seconds=-1)) == "new"
    # The lease has run out: one process takes it over, and the next finds it busy again.
    assert telegram_store.claim_update(update_id) == telegram_store.Claim.TAKEN_OVER
    assert telegram_store.claim_update(update_id) == telegram_store.Claim.BUSY
    telegram_store.release_update(update_id)  # handling failed: the redelivery is handled
    assert telegram_store.claim_update(update_id) == telegram_store.Claim.NEW
