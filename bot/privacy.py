"""The reviewed privacy sentences the assistant says, each written once.

PROBATION_SHARING is the one statement of what is shared with probation. Everywhere the
assistant says it, it says these words: the "What we share" answer
(content/answers/service_confidential.yml) and the referral consent question
(utter_ask_referral_consent in domain.yml). tests/content/test_answers_content.py checks that
every reply that speaks of sharing with probation uses it word for word. It must stay true of
what the product does: nothing a person writes here is sent to probation by the assistant.
"""

from __future__ import annotations

PROBATION_SHARING = (
    "We don't tell probation what you say here. We only share something if you agree, "
    "or if someone is at risk of serious harm."
)
