#!/usr/bin/env bash
# The production profile in the foreground (docs/deploy.md): the app database and the engine's
# tracker store on PostgreSQL, Rasa's Redis lock store with several engine workers, two gateway
# worker processes sharing live events and limits through Redis, and the action server.
# Ctrl-C stops everything. A part that exits (a crash, the out-of-memory killer) is started again
# while the others keep running: the gateway answers with the crisis numbers and the outage
# reply while the engine is down, so the engine going down never takes the gateway with it.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${ACTION_PORT:=5055}"
: "${RASA_PORT:=5005}"
: "${GATEWAY_HOST:=127.0.0.1}"
: "${GATEWAY_PORT:=8000}"
: "${GATEWAY_WORKERS:=2}"
: "${ENGINE_WORKERS:=2}"
: "${ACTION_WORKERS:=1}"
: "${REDIS_URL:=redis://127.0.0.1:6379/0}"
: "${REDIS_NAMESPACE:=welfare}"
: "${REDIS_LOCK_DB:=1}"

die() { echo "run-prod: $*" >&2; exit 1; }
[[ "${DATABASE_URL:-}" == postgres* ]] || die "set DATABASE_URL to the PostgreSQL database"
[[ -n "${SECRET_KEY:-}" ]] || die "set SECRET_KEY (the gateway processes must share it)"

# Rasa's lock store is configured by host and port (endpoints.prod.yml).
hostport="${REDIS_URL#redis://}"; hostport="${hostport%%/*}"; hostport="${hostport##*@}"
export REDIS_HOST="${REDIS_HOST:-${hostport%%:*}}"
export REDIS_PORT="${REDIS_PORT:-${hostport##*:}}"
[[ "$REDIS_PORT" =~ ^[0-9]+$ ]] || REDIS_PORT=6379
export REDIS_URL REDIS_NAMESPACE REDIS_LOCK_DB
export RASA_URL="${RASA_URL:-http://127.0.0.1:${RASA_PORT}}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

# keep_running NAME COMMAND...: run COMMAND in a process group of its own, and whenever it exits
# end what is left of that group and start it again 2 s later. Left over would be the workers of
# an engine whose main process was killed: Sanic (Rasa 3.6) never replaces a worker, and they
# would hold the port. A TERM (from `stop`) ends the part, then its group, then the loop.
keep_running() {
  local name=$1
  shift
  (
    child=""
    end() {
      if [[ -n "$child" ]]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
        kill -KILL -- "-$child" 2>/dev/null || true
      fi
      exit 0
    }
    trap end TERM
    while true; do
      setsid "$@" &
      child=$!
      status=0
      wait "$child" || status=$?
      kill -KILL -- "-$child" 2>/dev/null || true
      echo "run-prod: the $name exited (status $status); starting it again in 2 s" >&2
      child=""
      sleep 2 &
      wait $! || true
    done
  ) &
  pids+=($!)
}

keep_running "action server" env ACTION_SERVER_SANIC_WORKERS="$ACTION_WORKERS" \
  .venv/bin/python -m actions.server --port "$ACTION_PORT"
keep_running engine env SANIC_WORKERS="$ENGINE_WORKERS" .venv-rasa/bin/rasa run \
  --interface 127.0.0.1 --port "$RASA_PORT" --model models/welfare.tar.gz \
  --endpoints endpoints.prod.yml --credentials credentials.yml
keep_running gateway .venv/bin/uvicorn bot.app:app --host "$GATEWAY_HOST" \
  --port "$GATEWAY_PORT" --workers "$GATEWAY_WORKERS" --no-server-header --proxy-headers \
  --timeout-graceful-shutdown 5

echo "Gateway:       http://${GATEWAY_HOST}:${GATEWAY_PORT} (${GATEWAY_WORKERS} workers; put TLS in front)"
echo "Engine:        ${RASA_URL} (${ENGINE_WORKERS} workers, Redis lock store)"
echo "Action server: http://127.0.0.1:${ACTION_PORT} (${ACTION_WORKERS} worker(s))"
echo "Press Ctrl-C to stop."
wait
