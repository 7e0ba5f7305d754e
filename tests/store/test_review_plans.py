"""The review list on 100,000 conversations in PostgreSQL: after ANALYZE, the planner serves
each filter from the index migration 0007 made for it, never by reading a whole big table,
and a filtered page holds the district's conversations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ClauseElement, Executable, select, text
from sqlalchemy.ext.compiler import compiles

from bot.store import review
from bot.store.models import Conversation
from bot.store.review import ReviewFilters, page_query
from bot.store.session import get_engine
from tests.store.review_data import at

CONVERSATIONS = 100_000
DISTRICTS = (
    "ARRAY['Bolton','Bury','Manchester','Oldham','Rochdale','Salford','Stockport','Trafford',"
    "'Wigan']"
)


class Explain(Executable, ClauseElement):
    """EXPLAIN of a statement, with its parameters bound as the app binds them."""

    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN " + compiler.process(element.statement, **kw)


SEED = [
    f"""
    INSERT INTO conversations (id, channel, state, urgent, created_at, updated_at,
                               handover_reason)
    SELECT md5(g::text), (ARRAY['webchat','telegram'])[1 + g % 2], 'assistant', false,
           timestamptz '2025-01-01 00:00+00' + g * interval '5 minutes',
           timestamptz '2025-01-01 00:00+00' + g * interval '5 minutes',
           CASE WHEN g % 50 = 0 THEN 'asked' END
    FROM generate_series(1, {CONVERSATIONS}) AS g
    """,
    # Every conversation has a contact; Tameside, "Nacro" and the "id_bank" topic are rare.
    f"""
    INSERT INTO contacts (conversation_id, channel, at, district, provider, topics, outcome)
    SELECT md5(g::text), 'webchat',
           timestamptz '2025-01-01 00:00+00' + g * interval '5 minutes',
           CASE WHEN g % 1000 = 0 THEN 'Tameside' ELSE ({DISTRICTS})[1 + g % 9] END,
           CASE WHEN g % 1000 = 1 THEN 'Nacro' ELSE 'The Big Life Company' END,
           CASE WHEN g % 1000 = 2 THEN '["id_bank"]'::json
                ELSE json_build_array((ARRAY['money','housing','debt','food'])[1 + g % 4]) END,
           (ARRAY['answered','signposted','referral','handover','crisis'])[1 + g % 5]
    FROM generate_series(1, {CONVERSATIONS}) AS g
    """,
    # A tag on every tenth conversation, one of a hundred; "needs training" on a hundred.
    f"""
    INSERT INTO conversation_tags (conversation_id, tag, created_at)
    SELECT md5(g::text),
           CASE WHEN g % 1000 = 0 THEN 'needs training' ELSE 'tag ' || (g % 100) END, now()
    FROM generate_series(10, {CONVERSATIONS}, 10) AS g
    """,
    "ANALYZE",
]


@pytest.fixture
def many(postgres_url: str) -> None:
    with get_engine().begin() as connection:
        for statement in SEED:
            connection.execute(text(statement))
        count = connection.scalar(select(Conversation.id).limit(1))
    assert count is not None


def plan(filters: ReviewFilters) -> str:
    with get_engine().connect() as connection:
        lines = connection.execute(Explain(page_query(filters, "postgresql", 0, 50))).scalars()
        return "\n".join(lines)


CASES = {
    "newest": (ReviewFilters(), "ix_conversations_created_at"),
    "dates": (
        ReviewFilters(since=at("2025-03-01 00:00"), until=at("2025-03-02 00:00")),
        "ix_conversations_created_at",
    ),
    "district": (ReviewFilters(district="Tameside"), "ix_contacts_district"),
    "provider": (ReviewFilters(provider="Nacro"), "ix_contacts_provider"),
    "topic": (ReviewFilters(topic="id_bank"), "ix_contacts_topics"),
    "tag": (ReviewFilters(tag="needs training"), "ix_conversation_tags_tag"),
}


def test_each_filter_reads_its_index(many: None) -> None:
    for name, (filters, index) in CASES.items():
        found = plan(filters)
        assert index in found, f"{name}:\n{found}"
        assert "Seq Scan on conversations" not in found, f"{name}:\n{found}"
        assert "Seq Scan on contacts" not in found, f"{name}:\n{found}"


def test_a_filtered_page_of_many_conversations_is_the_districts(many: None) -> None:
    """How quick it is rests on the plans above (indexes, no full scans), not on a clock: a
    timed assertion fails on a busy machine and proves nothing on an idle one."""
    page = review.list_conversations(ReviewFilters(district="Tameside"), 0, 50)
    assert page.total == CONVERSATIONS // 1000 and len(page.items) == 50
    assert all(row.districts == ["Tameside"] for row in page.items)
