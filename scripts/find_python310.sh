#!/usr/bin/env bash
# Print a Python 3.10 interpreter for the Rasa engine (Rasa 3.6 supports only 3.8-3.10).
# Order: $RASA_PYTHON, a python3.10 that runs, pyenv's 3.10, uv's 3.10.
set -u
works() { [ -n "$1" ] && "$1" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; }

if [ -n "${RASA_PYTHON:-}" ]; then
  if works "$RASA_PYTHON"; then echo "$RASA_PYTHON"; exit 0; fi
  echo "RASA_PYTHON=$RASA_PYTHON is not a working Python 3.10" >&2; exit 1
fi
if works "$(command -v python3.10 2>/dev/null)"; then command -v python3.10; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  prefix=$(pyenv prefix 3.10 2>/dev/null | head -n1)
  if [ -n "$prefix" ] && works "$prefix/bin/python3.10"; then echo "$prefix/bin/python3.10"; exit 0; fi
fi
if command -v uv >/dev/null 2>&1; then
  found=$(uv python find 3.10 2>/dev/null)
  if works "$found"; then echo "$found"; exit 0; fi
fi
cat >&2 <<'MSG'
No Python 3.10 found. The Rasa 3.6 engine needs Python 3.10 (3.8-3.10).
Install one of:
  - pyenv:  pyenv install 3.10.13
  - uv:     uv python install 3.10
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv
or point RASA_PYTHON at an existing python3.10 binary.
MSG
exit 1
