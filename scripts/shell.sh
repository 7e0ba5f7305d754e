#!/usr/bin/env bash
# Talk to the assistant in this terminal: the action server runs in the background meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:5055/webhook}"
mkdir -p var/log
SANIC_HOST=127.0.0.1 .venv/bin/python -m actions.server --port 5055 \
  > var/log/actions.log 2>&1 &
actions_pid=$!
trap 'kill -TERM $actions_pid 2>/dev/null || true' EXIT INT TERM
.venv-rasa/bin/rasa shell --model models/welfare.tar.gz --endpoints endpoints.yml
