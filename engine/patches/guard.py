"""Refuse to patch a library that is not the one a patch was written against.

A patch replaces a function of a pinned release. On any other release the replaced code may
have changed, and the patch would then silently change what the engine does. So before
anything is patched, each library's installed version and the source of each replaced (or
relied-on) function are compared with what was recorded when the patch was written; any
difference is named in one error. Pure standard library: the action server (Python 3.11)
uses it too.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from importlib import metadata
from typing import Any, Dict, List, Mapping


class PatchRefused(RuntimeError):
    """A library or a replaced function is not the one the patches were written against."""


def source_hash(obj: Any) -> str:
    """The sha256 of a function's source text, the fingerprint recorded for each patch."""
    return hashlib.sha256(inspect.getsource(obj).encode("utf-8")).hexdigest()


def resolve(dotted: str) -> Any:
    """'package.module:Class.attribute' -> the object (unwrapping static/class methods)."""
    module_name, _, attribute_path = dotted.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attribute_path.split("."):
        holder = obj
        obj = getattr(obj, part)
        raw = inspect.getattr_static(holder, part, None)
        if isinstance(raw, (staticmethod, classmethod)):
            obj = raw.__func__
    return obj


def differences(
    versions: Mapping[str, str], sources: Mapping[str, str], originals: Mapping[str, Any]
) -> List[str]:
    """What differs from the record: wrong versions, then functions whose source changed.

    `originals` holds the functions as they were before any patch (by the same dotted
    names), so a second switch-on compares Rasa's code, not ours.
    """
    found: List[str] = []
    for package, pinned in versions.items():
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            found.append(f"{package} is {installed}, the patches were written for {pinned}")
    if found:
        return found  # on another release, every source check would only repeat this
    for dotted, recorded in sources.items():
        try:
            current = source_hash(originals.get(dotted) or resolve(dotted))
        except (AttributeError, ImportError, OSError, TypeError) as error:
            found.append(f"{dotted} cannot be read ({type(error).__name__})")
            continue
        if current != recorded:
            found.append(
                f"{dotted} has changed (source sha256 {current[:12]}, recorded {recorded[:12]})"
            )
    return found


def check(
    what: str,
    versions: Mapping[str, str],
    sources: Mapping[str, str],
    originals: Dict[str, Any] | None = None,
) -> None:
    """Raise PatchRefused naming every difference, or return quietly."""
    found = differences(versions, sources, originals or {})
    if found:
        raise PatchRefused(
            f"{what}: refusing to patch. " + "; ".join(found) + ". Check each patch against the "
            "new code (docs/engine-patches.md, 'Upgrading Rasa'), then record the new versions "
            "and hashes; or set ENGINE_PATCHES=off to run without them."
        )
