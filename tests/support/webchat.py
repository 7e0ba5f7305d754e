"""A person on the web chat, through its HTTP API (a FastAPI test client or an httpx.Client)."""

from __future__ import annotations

from typing import Any

from bot.store import webchat


class WebChat:
    """One web chat session: its id, its bearer token, and the person's messages."""

    def __init__(self, client: Any) -> None:
        response = client.post("/api/webchat/sessions")
        assert response.status_code == 201, response.text
        body = response.json()
        self.client = client
        self.session_id: str = body["session_id"]
        self.token: str = body["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.url = f"/api/webchat/sessions/{self.session_id}/messages"

    @property
    def conversation_id(self) -> str:
        """The conversation behind the session, as the gateway stored it."""
        conversation_id = webchat.check_session(self.session_id, self.token)
        assert conversation_id is not None
        return conversation_id

    def say(self, **body: str) -> list[dict[str, Any]]:
        """Send `text=...` or `payload=...`; the replies to show."""
        response = self.client.post(self.url, json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def transcript(self) -> list[dict[str, Any]]:
        """The whole conversation, as a reloaded page reads it."""
        response = self.client.get(self.url, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]
