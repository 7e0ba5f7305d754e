"""What reviewers do: list conversations, read a transcript with the engine's reading of each
message, mark reviewed, tag, flag misunderstood messages and export them for training.

Opening a transcript and exporting are audited, as are marks, tags and flags (ids and short
codes only: never message or tag text).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.console import review_export
from bot.console.auth import SignedIn
from bot.console.reports_service import UK
from bot.console.review_turns import PersonMessage, match_turns
from bot.store import audit, handover, review
from bot.store import conversations as store
from bot.store.session import in_unit
from bot.store.staff import aware
from bot.store.tracker_turns import user_turns
from bot.vocabulary import Sender

TAG_MAX = 40


class NotFound(Exception):
    """No such conversation or message."""


class Refused(ValueError):
    """The change makes no sense (a flag on the assistant's words, an unusable intent)."""


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def conversations(filters: review.ReviewFilters, page: int, per_page: int) -> dict[str, Any]:
    """A page of the review list (no message text)."""
    found = review.list_conversations(filters, (page - 1) * per_page, per_page)
    items = []
    for row in found.items:
        item = asdict(row)
        item.update(created_at=_iso(row.created_at), reviewed_at=_iso(row.reviewed_at))
        items.append(item)
    return {"total": found.total, "page": page, "per_page": per_page, "items": items}


def choices() -> dict[str, Any]:
    """What the filters and the flag form offer."""
    intents = [i for i in review_export.domain_intents() if i not in review_export.NOT_TRAINED]
    return review.filter_choices() | {"intents": intents}


def transcript(who: SignedIn, conversation_id: str, client: str) -> dict[str, Any]:
    """The whole conversation for review: every message with who sent it and when, and for a
    person's message the intent the assistant chose, its confidence and the actions it ran;
    the referral summary, notes, and what reviewers recorded. Audited as review_view."""
    info = handover.info(conversation_id)
    if info is None:
        raise NotFound(conversation_id)
    audit.record("review_view", who.staff.id, conversation_id, client=client)
    messages = in_unit(store.transcript, conversation_id)
    person = [
        PersonMessage(m.id, m.text, aware(datetime.fromisoformat(m.at)))
        for m in messages
        if m.sender == Sender.PERSON
    ]
    turns = match_turns(person, user_turns(conversation_id))
    authors = review.reply_authors(conversation_id)
    marks = review.state(conversation_id)
    body = asdict(info)
    known = body.pop("circumstances")
    body.update(district=known["district"], provider=known["provider"], needs=known["needs"])
    body.update(created_at=_iso(info.created_at), waiting_since=_iso(info.waiting_since))
    body["messages"] = [
        {
            "id": m.id,
            "from": m.sender,
            "advisor": authors.get(m.id),
            "text": m.text,
            "at": _iso(datetime.fromisoformat(m.at)),
            "intent": turns[m.id].intent if m.id in turns else None,
            "confidence": turns[m.id].confidence if m.id in turns else None,
            "actions": turns[m.id].actions if m.id in turns else [],
            "flag": marks.flags.get(m.id),
        }
        for m in messages
    ]
    body["review"] = {
        "reviewed": marks.reviewed_at is not None,
        "reviewed_at": _iso(marks.reviewed_at),
        "reviewed_by": marks.reviewed_by,
        "tags": marks.tags,
    }
    return body


def mark(who: SignedIn, conversation_id: str, reviewed: bool, client: str) -> dict[str, Any]:
    """Mark a conversation reviewed, or not any more."""
    if not review.mark_reviewed(conversation_id, who.staff.id, reviewed):
        raise NotFound(conversation_id)
    detail = "reviewed" if reviewed else "unreviewed"
    audit.record("review_mark", who.staff.id, conversation_id, detail=detail, client=client)
    marks = review.state(conversation_id)
    return {
        "reviewed": marks.reviewed_at is not None,
        "reviewed_at": _iso(marks.reviewed_at),
        "reviewed_by": marks.reviewed_by,
    }


def tag(who: SignedIn, conversation_id: str, text: str, client: str) -> list[str]:
    """Add a short tag; returns the conversation's tags."""
    if not review.normalise_tag(text) or len(review.normalise_tag(text)) > TAG_MAX:
        raise Refused(f"a tag is 1 to {TAG_MAX} characters")
    if not review.add_tag(conversation_id, who.staff.id, text):
        raise NotFound(conversation_id)
    audit.record("review_tag", who.staff.id, conversation_id, detail="added", client=client)
    return review.state(conversation_id).tags


def untag(who: SignedIn, conversation_id: str, text: str, client: str) -> list[str]:
    """Take a tag off; returns the conversation's tags."""
    if review.remove_tag(conversation_id, text):
        audit.record("review_tag", who.staff.id, conversation_id, detail="removed", client=client)
    return review.state(conversation_id).tags


def usable_intent(intent: str) -> str:
    """An intent of domain.yml, or a new name Rasa accepts (lower case, digits, _)."""
    intent = intent.strip()
    if not review_export.INTENT_NAME.match(intent) or intent in review_export.NOT_TRAINED:
        raise Refused("the intent is an existing one from domain.yml, or a new name in a-z, 0-9, _")
    return intent


def flag(who: SignedIn, message_id: int, intent: str, client: str) -> dict[str, Any]:
    """Flag a person's message as misunderstood, with the intent it should have been."""
    intent = usable_intent(intent)
    try:
        conversation_id = review.flag_message(message_id, who.staff.id, intent)
    except review.NotFlaggable as refused:
        raise Refused(str(refused)) from None
    if conversation_id is None:
        raise NotFound(str(message_id))
    new = intent not in review_export.domain_intents()
    audit.record(
        "review_flag",
        who.staff.id,
        conversation_id,
        detail=f"message={message_id} intent={intent}",
        client=client,
    )
    return {"message_id": message_id, "intent": intent, "new_intent": new}


def unflag(who: SignedIn, message_id: int, client: str) -> None:
    """Take the flag off a message."""
    conversation_id = review.unflag_message(message_id)
    if conversation_id is None:
        raise NotFound(str(message_id))
    audit.record(
        "review_flag",
        who.staff.id,
        conversation_id,
        detail=f"message={message_id} removed",
        client=client,
    )


def export(
    who: SignedIn, since: datetime | None, until: datetime | None, client: str
) -> review_export.NluExport:
    """The flagged messages as NLU training data: the one way message text leaves, audited."""
    flagged = review.flagged_examples(since, until)
    result = review_export.build(flagged, datetime.now(UK).date())
    audit.record(
        "review_export",
        who.staff.id,
        detail=f"examples={result.examples} new_intents={len(result.new_intents)}",
        client=client,
    )
    return result
