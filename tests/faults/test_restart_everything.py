"""Every process restarted (action server, engine, both gateway workers) while conversations
are open, on PostgreSQL and Redis: a referral form goes on with its answers, a claimed
conversation stays with its advisor, and the advisor's next reply reaches the person."""

from __future__ import annotations

import pytest

from bot.store.models import Conversation, Referral
from tests.faults.stack import Advisor, Person, Stack, words
from tests.support.db import rows
from tests.support.sse import read_data

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture(scope="module")
def stack(start_stack) -> Stack:
    return start_stack(gateways=2)


def test_open_conversations_survive_a_restart_of_every_process(stack: Stack) -> None:
    first, second = stack.gateways
    # In the middle of a referral form, through the first worker.
    form = Person(first.url)
    assert "Is that OK?" in words(form.say("can i refer myself"))
    form.tap("Yes, that's OK")
    assert "area" in words(form.say("call me Jo"))
    assert "How should an advisor get back to you?" in words(form.say("Eccles"))
    assert "best number" in words(form.tap("Phone me"))
    # Asked for a person through the second worker; an advisor claims it and replies.
    held = Person(second.url)
    assert "advisor to pick up this conversation" in words(held.say("can i talk to a real person"))
    advisor = Advisor("restart-advisor", first.url)
    claimed = advisor.post(f"/conversations/{held.conversation_id}/claim")
    assert claimed == {"conversation_id": held.conversation_id, "state": "advisor"}
    advisor.post(f"/conversations/{held.conversation_id}/messages", {"text": "Hi, I'm Sam."})

    stack.stop()
    stack.start()

    # The form goes on where it was, through the other worker, with the earlier answers.
    form.use(second.url)
    assert "best time" in words(form.say("07700 900123"))
    form.tap("Evenings")
    form.tap("Money and benefits")
    assert "probation" in words(form.tap("That's all"))
    summary = words(form.tap("No"))
    assert "Jo" in summary and "Salford (Salford Foundation)" in summary
    assert "that's sent" in words(form.tap("Yes, send it"))
    [referral] = rows(Referral, conversation_id=form.conversation_id)
    assert (referral.preferred_name, referral.district, referral.phone, referral.needs) == (
        "Jo",
        "Salford",
        "07700900123",
        ["money"],
    )

    # The claim survived: the same advisor (signed in before the restart) still holds it,
    # nobody else can take it, and it is not back in the queue.
    [row] = rows(Conversation, id=held.conversation_id)
    assert (row.state, row.advisor_id) == ("advisor", advisor.id)
    advisor.base = second.url
    view = advisor.get(f"/conversations/{held.conversation_id}")
    assert (view["state"], view["advisor_id"]) == ("advisor", advisor.id)
    assert held.conversation_id not in advisor.queued()
    other = Advisor("restart-other-advisor", first.url)
    taken = other.client.post(
        f"{first.url}/api/staff/conversations/{held.conversation_id}/claim", headers=other.headers
    )
    assert taken.status_code == 409, taken.text

    # The person writes to the advisor (not the assistant), and the advisor's reply reaches
    # the person's live stream on the first worker, sent through the second.
    held.use(first.url)
    assert held.say("are you still there?") == []
    last = held.transcript()[-1]["id"]
    stream_url = f"{first.url}/api/webchat/sessions/{held.session_id}/stream?after={last}"
    stream = read_data(stream_url, held.headers)
    advisor.post(f"/conversations/{held.conversation_id}/messages", {"text": "Yes, still here."})
    event = stream.get(timeout=10)
    assert (event["from"], event["text"]) == ("advisor", "Yes, still here.")
    seen = [(m["from"], m["text"]) for m in held.transcript()]
    assert ("advisor", "Hi, I'm Sam.") in seen and seen[-1] == ("advisor", "Yes, still here.")
    assert ("person", "are you still there?") in seen
