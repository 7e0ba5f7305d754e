"""Serving a page's own CSS and JavaScript from an allow-list (web chat and console alike)."""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException, status
from fastapi.responses import FileResponse

MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


def static_file(directory: Path, allowed: frozenset[str], name: str) -> FileResponse:
    """One of the allowed files with its own content type; anything else is a 404, so nothing
    outside the folder can be read."""
    if name not in allowed:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return FileResponse(
        directory / name,
        media_type=MEDIA_TYPES[Path(name).suffix],
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )
