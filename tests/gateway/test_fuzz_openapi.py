"""The gateway's OpenAPI, fuzzed with Schemathesis against the gateway served on loopback.

Every JSON route gets a bounded number of generated requests (valid and broken bodies, odd
path values, huge and empty strings), once as a stranger and once with an admin's session and
CSRF token. No answer may be a 5xx, and none may break the schema the route publishes. The
live streams are left out: they answer by staying open.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from bot.app import create_app
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa
from tests.support.staff import PASSWORD, make_staff

EXAMPLES = 25

schema = schemathesis.openapi.from_dict(create_app().openapi()).exclude(path_regex=r"/stream$")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The gateway on a loopback port with its own database, and an admin's login headers."""
    from tests.support.databases import migrated_sqlite, using_database

    path = tmp_path_factory.mktemp("fuzz") / "welfare.db"
    with using_database(migrated_sqlite(path)):
        server = LiveServer(create_app(ScriptedRasa().client())).start()
        try:
            make_staff("fuzz-admin", "admin")
            login = httpx.post(
                f"{server.url}/api/staff/login",
                json={"username": "fuzz-admin", "password": PASSWORD},
            )
            login.raise_for_status()
            signed_in = {
                "Cookie": "; ".join(f"{k}={v}" for k, v in login.cookies.items()),
                "X-CSRF-Token": login.json()["csrf_token"],
            }
            yield server.url, signed_in
        finally:
            server.stop()


CHECKS = [not_a_server_error, response_schema_conformance]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_gets_a_server_error(case, served) -> None:
    base_url, signed_in = served
    case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=20)
    case.call_and_validate(base_url=base_url, headers=signed_in, checks=CHECKS, timeout=20)
