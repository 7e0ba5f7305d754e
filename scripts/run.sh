#!/usr/bin/env bash
# Start the action server and the Rasa engine in the foreground; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${ACTION_PORT:=5055}"
: "${RASA_PORT:=5005}"
: "${GATEWAY_HOST:=127.0.0.1}"
: "${GATEWAY_PORT:=8000}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:${RASA_PORT}}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# A local run on this machine shows the API pages at /docs; production leaves them off.
export API_DOCS="${API_DOCS:-1}"
# The console's signing key: kept in var/ for a local run, so logins survive a restart.
if [[ -z "${SECRET_KEY:-}" ]]; then
  mkdir -p var
  [[ -s var/secret_key ]] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/secret_key)
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
mkdir -p var/log

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

SANIC_HOST=127.0.0.1 .venv/bin/python -m actions.server --port "$ACTION_PORT" &
pids+=($!)
.venv-rasa/bin/rasa run --interface 127.0.0.1 --port "$RASA_PORT" \
  --model models/welfare.tar.gz --endpoints endpoints.yml --credentials credentials.yml &
pids+=($!)
# Open live streams (web chat, console) must not hold up a stop.
.venv/bin/uvicorn bot.app:app --host "$GATEWAY_HOST" --port "$GATEWAY_PORT" --no-server-header \
  --timeout-graceful-shutdown 5 &
pids+=($!)

echo "Gateway:       http://${GATEWAY_HOST}:${GATEWAY_PORT} (web chat API /api/webchat, docs /docs, /healthz)"
echo "Engine:        http://127.0.0.1:${RASA_PORT} (REST channel /webhooks/rest/webhook)"
echo "Action server: http://127.0.0.1:${ACTION_PORT}"
if [[ -n "${TELEGRAM_BOT_TOKEN:-}" ]]; then
  echo "Telegram:      on ($([[ -n "${TELEGRAM_WEBHOOK_URL:-}" ]] && echo webhook || echo "long polling"))"
fi
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
