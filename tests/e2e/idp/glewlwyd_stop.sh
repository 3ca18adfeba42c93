#!/usr/bin/env bash
# glewlwyd_stop.sh DIR -- stops the glewlwyd started by glewlwyd_start.sh DIR
set -u
DIR=${1:?usage: $0 DIR}
PIDFILE="$DIR/glewlwyd.pid"
[ -f "$PIDFILE" ] || { echo "[glewlwyd_stop] no $PIDFILE" >&2; exit 0; }
PID=$(cat "$PIDFILE")
if kill -0 "$PID" 2>/dev/null; then
  kill -TERM "$PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$PID" 2>/dev/null; then
    echo "[glewlwyd_stop] pid $PID ignored SIGTERM, sending SIGKILL" >&2
    kill -KILL "$PID" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  fi
  echo "[glewlwyd_stop] stopped pid $PID" >&2
else
  echo "[glewlwyd_stop] pid $PID not running" >&2
fi
rm -f "$PIDFILE"
