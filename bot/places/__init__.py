"""Where someone lives, resolved to a Greater Manchester district (see resolver.py)."""

from .resolver import DISTRICTS, Gazetteer, Resolution, load_gazetteer, resolve

__all__ = ["DISTRICTS", "Gazetteer", "Resolution", "load_gazetteer", "resolve"]
