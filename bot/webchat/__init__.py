"""The web chat channel: its HTTP API (the page and live stream come next)."""
