"""Reading the engine's turns from Rasa's tracker store: the same database as the engine's own
module works out, events written by Rasa's SQLTrackerStore itself (run in the engine's
environment) read back per message, and no events (not an error, not a new file) while the
tracker store does not exist yet."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.session import get_engine
from bot.store.tracker_turns import tracker_url, user_turns
from tests.support import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

DERIVE = """
import json, sys
from engine.tracker_store import tracker_database_url
print(json.dumps([tracker_database_url(u) for u in json.loads(sys.argv[1])]))
"""

WRITE = """
import asyncio, json, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from engine.tracker_store import ProjectTrackerStore

spec = json.loads(sys.argv[1])
events = []
for e in spec["events"]:
    if e["type"] == "user":
        intent = {"name": e["intent"], "confidence": e["confidence"]}
        parse = {"text": e["text"], "intent": intent, "entities": []}
        events.append(UserUttered(e["text"], intent, [], parse, timestamp=e["at"]))
    else:
        events.append(ActionExecuted(e["name"], timestamp=e["at"]))
store = ProjectTrackerStore(domain=Domain.empty())
asyncio.run(store.save(DialogueStateTracker.from_events(spec["sender"], events)))
"""


def engine_python(script: str, argument: object, database_url: str | None = None) -> str:
    """Run a script with the engine's Python and modules (Rasa 3.6, SQLAlchemy 1.4)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script, json.dumps(argument)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_same_tracker_database_as_the_engine_uses(tmp_path: Path) -> None:
    urls = [
        f"sqlite:///{tmp_path / 'app.db'}",
        f"sqlite:///{tmp_path / 'welfare'}",
        "postgresql://welfare:secret@db.internal:5433/welfare",
        "postgresql+psycopg://welfare@127.0.0.1/welfare",
        "postgresql+psycopg2://welfare@127.0.0.1/welfare",
        None,
    ]
    theirs = json.loads(engine_python(DERIVE, urls))
    for url, engine_url in zip(urls, theirs, strict=True):
        ours = tracker_url(url)
        if engine_url.startswith("sqlite"):
            assert ours == engine_url
        else:  # the same server and database; each side with its own driver
            assert make_url(ours).drivername == "postgresql+psycopg"
            assert make_url(ours).set(drivername="x") == make_url(engine_url).set(drivername="x")


def test_turns_written_by_rasa_are_read_back(database_url: str) -> None:
    spec = {
        "sender": "conv-1",
        "events": [
            {"type": "action", "name": "action_session_start", "at": 1000.0},
            {"type": "action", "name": "action_listen", "at": 1000.1},
            {
                "type": "user",
                "text": "how do i claim uc",
                "intent": "uc_claim",
                "confidence": 0.91,
                "at": 1001.0,
            },
            {"type": "action", "name": "action_answer", "at": 1001.1},
            {"type": "action", "name": "action_listen", "at": 1001.2},
            {
                "type": "user",
                "text": "wen do i get paid",
                "intent": "nlu_fallback",
                "confidence": 0.31,
                "at": 1002.0,
            },
            {"type": "action", "name": "utter_default", "at": 1002.1},
            {"type": "action", "name": "action_listen", "at": 1002.2},
        ],
    }
    engine_python(WRITE, spec, database_url)
    engine_python(WRITE, spec | {"sender": "someone-else"}, database_url)
    turns = user_turns("conv-1")
    assert [(t.text, t.intent, t.confidence, t.actions, t.at) for t in turns] == [
        ("how do i claim uc", "uc_claim", 0.91, ["action_answer"], 1001.0),
        ("wen do i get paid", "nlu_fallback", 0.31, ["utter_default"], 1002.0),
    ]
    assert user_turns("nobody") == []


def test_no_tracker_store_yet_means_no_turns(database_url: str) -> None:
    url = tracker_url(database_url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        assert not path.exists()
        assert user_turns("conv-1") == []
        assert not path.exists()  # reading never creates it
    else:
        with get_engine().begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS events"))
        assert user_turns("conv-1") == []
