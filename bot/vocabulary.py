"""The words every part uses for the same things, defined once.

States, channels, outcomes, senders and roles are stored in the database (each column
checked by a CHECK constraint built from these enums), sent over the APIs and compared in
the gateway, the console and the actions. They are `StrEnum`s, so a member is also its plain
string: JSON, logs and SQL see "waiting", and `ConversationState.WAITING == "waiting"`.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Where a person writes from; OTHER is the engine reached directly (a shell, the bench)."""

    TELEGRAM = "telegram"
    WEBCHAT = "webchat"
    OTHER = "other"


class ConversationState(StrEnum):
    """Who answers the person next."""

    ASSISTANT = "assistant"  # the assistant answers
    WAITING = "waiting"  # queued for an advisor
    ADVISOR = "advisor"  # an advisor holds it
    CLOSED = "closed"  # an advisor closed it; the next message starts afresh


# An advisor holds, or will hold, the conversation: nothing goes to the assistant.
WITH_ADVISORS = frozenset({ConversationState.WAITING, ConversationState.ADVISOR})


class Outcome(StrEnum):
    """How a contact ended, as staff count them per district service."""

    ANSWERED = "answered"
    SIGNPOSTED = "signposted"
    REFERRAL = "referral"
    HANDOVER = "handover"
    CRISIS = "crisis"


class Sender(StrEnum):
    """Who wrote a message in a transcript."""

    PERSON = "person"
    ASSISTANT = "assistant"
    ADVISOR = "advisor"


class StaffRole(StrEnum):
    """What a staff account may do: answer people, review conversations, or run the line."""

    ADVISOR = "advisor"
    REVIEWER = "reviewer"
    ADMIN = "admin"


# The roles that answer people (an admin can step in as an advisor).
ANSWERING_ROLES = (StaffRole.ADVISOR, StaffRole.ADMIN)


class ProbationStatus(StrEnum):
    """What a person said about probation in a referral (the offer is the same for all)."""

    YES = "yes"
    NO = "no"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


def values(enum: type[StrEnum]) -> list[str]:
    """The stored strings of an enum, in order (for CHECK constraints and choices)."""
    return [member.value for member in enum]


class UpdateState(StrEnum):
    """Where the handling of one Telegram update stands (telegram_updates.state)."""

    PROCESSING = "processing"  # claimed by a gateway process, under a lease
    DONE = "done"  # the person's message is stored


class Delivery(StrEnum):
    """Where sending a later message (an advisor's) to the person's Telegram chat stands
    (messages.delivery; NULL for messages that need no sending of their own)."""

    PENDING = "pending"  # not sent yet: being sent, or waiting for its next try
    SENT = "sent"  # Telegram accepted it
    FAILED = "failed"  # given up: Telegram refused it for good, or too many tries failed


class DeliveryProblem(StrEnum):
    """Why the latest try to send a message to Telegram failed (messages.delivery_error)."""

    BLOCKED = "blocked"  # 403: the person blocked the bot or closed their account
    CHAT_NOT_FOUND = "chat_not_found"  # 400 "chat not found"
    REFUSED = "refused"  # any other 400: Telegram will not take this message
    NO_CHAT = "no_chat"  # the conversation has no Telegram chat (any more)
    RATE_LIMITED = "rate_limited"  # 429: asked to wait (retry_after)
    UNREACHABLE = "unreachable"  # 5xx, a timeout, a network error
