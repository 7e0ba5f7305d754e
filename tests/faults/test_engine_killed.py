"""Engine workers killed (SIGKILL) under scripts/run_prod.sh itself: two Sanic workers, Rasa's
Redis lock store, the tracker store on PostgreSQL (endpoints.prod.yml), two gateway workers.

What Rasa 3.6's Sanic (21.12) does: `app.run(workers=2)` forks two workers that accept on one
listening socket held by the main process, which only waits for them (`serve_multiple`). A
killed worker is never replaced: the other takes every connection from then on, and carries on
any conversation, its state being in PostgreSQL. When the last worker is gone the main process
exits as well, so the engine is down until something starts it again: run_prod.sh does, while
the gateway keeps answering, with the crisis numbers, and queues the conversations.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import psutil
import pytest

from bot.gateway import texts
from bot.store.models import Conversation
from tests.faults.stack import CHATS_PER_HOUR, Advisor, Person, words
from tests.support.db import rows
from tests.support.processes import MODEL, ProductionRun

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture(scope="module")
def prod(
    fault_database: str, redis_namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProductionRun]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    settings = {
        "DATABASE_URL": fault_database,
        "REDIS_NAMESPACE": redis_namespace,
        "COOKIE_SECURE": "0",  # plain http on loopback; SECRET_KEY comes from tests/conftest
        "WEBCHAT_SESSIONS_PER_HOUR": CHATS_PER_HOUR,
    }
    run = ProductionRun(settings, tmp_path_factory.mktemp("run_prod") / "run_prod.log")
    run.start()
    try:
        yield run
    finally:
        run.stop()


def kill(pid: int) -> None:
    """SIGKILL, as the out-of-memory killer would, and wait until it is gone."""
    process = psutil.Process(pid)
    process.kill()
    process.wait(timeout=10)


def warm_up(gateway_url: str, timeout: float = 120) -> None:
    """Each engine worker loads the model itself, after the engine first answers: until both
    have, a message can meet one still loading. Wait until several answers in a row come from
    the assistant (new conversations, spread over the workers)."""
    deadline, in_a_row = time.monotonic() + timeout, 0
    while in_a_row < 4:
        assert time.monotonic() < deadline, "the engine workers never all answered"
        answered = texts.OUTAGE not in words(Person(gateway_url).say("hello"))
        in_a_row = in_a_row + 1 if answered else 0
        if not answered:
            time.sleep(1)


def test_the_other_worker_answers_once_one_is_killed(prod: ProductionRun) -> None:
    report = httpx.get(f"{prod.engine_url}/webhooks/health/", timeout=10).json()
    assert report["lock_store"] == {"type": "RedisLockStore", "ok": True}
    assert report["tracker_store"]["type"] == "ProjectTrackerStore"
    main = prod.engine()
    assert main is not None
    doomed, survivor = prod.serving()
    warm_up(prod.gateway_url)

    person = Person(prod.gateway_url)
    assert "Is that OK?" in words(person.say("can i refer myself"))
    assert "call you" in words(person.tap("Yes, that's OK"))
    assert "area" in words(person.say("call me Jo"))

    kill(doomed)
    # Answered by the assistant (not the outage reply), the form where it was.
    assert "How should an advisor get back to you?" in words(person.say("Eccles"))
    assert "best number" in words(person.tap("Phone me"))
    other = Person(prod.gateway_url)
    assert "Universal Credit" in words(other.say("how do i claim universal credit"))
    # Nothing started another worker: the main process and the survivor carry on alone.
    assert main.is_running() and prod.serving() == [survivor]


def test_with_the_engine_down_a_crisis_is_answered_and_the_engine_comes_back(
    prod: ProductionRun,
) -> None:
    main = prod.engine()
    assert main is not None
    for worker in prod.serving():
        kill(worker)
    main.wait(timeout=30)  # its last worker gone, Sanic's main process ends by itself
    assert prod.engine() is None  # every engine process is down (until run_prod.sh restarts it)
    assert prod.process is not None and prod.process.poll() is None, "run_prod.sh stopped"
    health = httpx.get(f"{prod.gateway_url}/healthz", timeout=10).json()
    assert health["engine"] == "down" and health["database"] == "ok"

    in_crisis = Person(prod.gateway_url)
    reply = words(in_crisis.say("i want to kill myself"))
    assert "999" in reply and "116 123" in reply
    asking = Person(prod.gateway_url)
    outage = asking.say("how do i claim universal credit")
    assert outage[0]["text"] == texts.OUTAGE
    assert "999" in outage[0]["text"] and "116 123" in outage[0]["text"]

    [crisis_row] = rows(Conversation, id=in_crisis.conversation_id)
    assert (crisis_row.state, crisis_row.handover_reason, crisis_row.urgent) == (
        "waiting",
        "crisis",
        True,
    )
    [outage_row] = rows(Conversation, id=asking.conversation_id)
    assert (outage_row.state, outage_row.handover_reason, outage_row.urgent) == (
        "assistant",
        "outage",
        False,
    )
    advisor = Advisor("engine-down-advisor", prod.gateway_url)
    queue = advisor.queued()
    order = list(queue)
    assert order.index(in_crisis.conversation_id) < order.index(asking.conversation_id)
    crisis_item, outage_item = queue[in_crisis.conversation_id], queue[asking.conversation_id]
    assert (crisis_item["reason"], crisis_item["urgent"]) == ("crisis", True)
    assert (outage_item["reason"], outage_item["urgent"]) == ("outage", False)

    # run_prod.sh starts the engine again; the person's next message gets the assistant.
    prod.wait_for_engine(timeout=240)
    warm_up(prod.gateway_url)
    assert "Universal Credit" in words(asking.say("how do i claim universal credit"))
