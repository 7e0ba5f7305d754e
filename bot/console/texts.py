"""What the person is told when an advisor hands them back, passes them on or closes.

Plain English, honest about waiting, and the crisis numbers wherever a wait begins.
"""

from __future__ import annotations

from bot.gateway.texts import SAFETY_LINE as SAFETY

HANDBACK = (
    "You're back with the assistant now. Ask it anything, or ask for a person again if you "
    "need one."
)
REQUEUED = (
    "Your advisor has passed this conversation on to a colleague. Your messages are saved and "
    "someone will reply here as soon as they can.\n\n" + SAFETY
)
CLOSED = (
    "Your advisor has ended this conversation. Thank you for getting in touch. If you need "
    "anything else, just send a message here."
)
