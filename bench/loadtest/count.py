"""What the database holds for the load's conversations once the run is over.

- `stored`: the person's messages stored in the conversations of the web chat sessions the
  load opened (messages: direction "in", sender "person").
- `answered`: those of them that the next message in the same conversation, by id, answers:
  a message going out (the assistant's reply, or the gateway's own while a conversation waits
  for an advisor). A person waits for the answer before writing again, and one request stores
  the message and then its replies, so ids in one conversation follow that order.
- `outage_replies`: replies that say the assistant could not answer (the engine was down,
  failed or slower than the gateway's 5 s): such a message counts as answered, but should
  not happen under load.
"""

from __future__ import annotations

import time

import psycopg

from bot.gateway import texts

COUNTS = """
WITH load AS (
    SELECT conversation_id FROM webchat_sessions WHERE id = ANY(%(sessions)s)
), ordered AS (
    SELECT m.direction, m.sender, m.text,
           LEAD(m.direction) OVER (PARTITION BY m.conversation_id ORDER BY m.id) AS next
    FROM messages m JOIN load USING (conversation_id)
)
SELECT
    (SELECT count(*) FROM load),
    count(*) FILTER (WHERE direction = 'in' AND sender = 'person'),
    count(*) FILTER (WHERE direction = 'in' AND sender = 'person' AND next = 'out'),
    count(*) FILTER (WHERE direction = 'out' AND text = %(outage)s)
FROM ordered
"""


def counts(database_url: str, sessions: list[str]) -> dict[str, int]:
    """conversations, stored, answered and outage_replies for these web chat sessions."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(COUNTS, {"sessions": sessions, "outage": texts.OUTAGE}).fetchone()
    conversations, stored, answered, outages = row or (0, 0, 0, 0)
    return {
        "conversations": int(conversations),
        "stored": int(stored),
        "answered": int(answered),
        "outage_replies": int(outages),
    }


def settled(database_url: str, sessions: list[str], timeout: float = 20.0) -> dict[str, int]:
    """The counts once two readings a second apart agree (anything still being written has
    landed), or the last reading after `timeout` seconds."""
    last = counts(database_url, sessions)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = counts(database_url, sessions)
        if now == last:
            return now
        last = now
    return last
