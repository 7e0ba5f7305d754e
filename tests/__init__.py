"""The project's tests as a regular package, so `tests.support` is always this folder.

Some libraries (textstat among them) install a top-level `tests` package into site-packages;
without this file that package would hide ours.
"""
