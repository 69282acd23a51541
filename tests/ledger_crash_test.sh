#!/usr/bin/env bash
# Crash test of a ledger node under load (ARCHITECTURE.md §7; doc/ledger-storage.md):
# `iotsec ledger load` submits records over HTTP and logs each acknowledgement; the node is
# killed with SIGKILL while the load runs; `iotsec ledger fsck --expect` must then find every
# acknowledged record at its index with its leaf hash, the restarted node must serve, and the
# same holds after a second kill in a second round.
# Usage: ledger_crash_test.sh PATH/TO/iotsec
set -u
. "$(dirname "$0")/../scripts/lib.sh"
IOTSEC=${1:?usage: ledger_crash_test.sh PATH/TO/iotsec}
WORK=$(mktemp -d)
SERVE_PID=""
LOAD_PID=""
cleanup() {
  [ -n "$LOAD_PID" ] && kill -9 "$LOAD_PID" 2>/dev/null
  [ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL $*"
  for f in "$WORK"/*.out "$WORK"/*.err; do
    [ -f "$f" ] && { echo "--- $f"; tail -5 "$f"; }
  done
  exit 1
}

# start_node: runs `iotsec serve` on an ephemeral port and sets SERVE_PID and URL.
start_node() {
  start_serve "$IOTSEC" "$WORK/data" "$WORK/serve.out" || fail "the node did not start"
  URL=$SERVE_URL
}

# crash_during_load ROUND: starts a long load, waits for MIN acknowledgements, kills the node.
crash_during_load() {
  local round=$1 min=$2 before
  before=$(wc -l <"$WORK/acks")
  "$IOTSEC" ledger load --server "$URL" --records 1000000 --concurrency 32 \
    --ack-log "$WORK/acks" --key "$WORK/data/node.key" >"$WORK/load$round.out" 2>"$WORK/load$round.err" &
  LOAD_PID=$!
  for _ in $(seq 1 600); do
    [ "$(wc -l <"$WORK/acks")" -ge $((before + min)) ] && break
    kill -0 "$LOAD_PID" 2>/dev/null || fail "round $round: load ended before the crash"
    sleep 0.05
  done
  kill -9 "$SERVE_PID"
  wait "$SERVE_PID" 2>/dev/null
  SERVE_PID=""
  wait "$LOAD_PID"
  local rc=$?
  LOAD_PID=""
  # The load cannot finish a million records: it must stop with exit 1 (the node went away).
  [ "$rc" -eq 1 ] || fail "round $round: load exit $rc after the node was killed, want 1"
  local acked
  acked=$(wc -l <"$WORK/acks")
  [ "$acked" -ge $((before + min)) ] || fail "round $round: only $acked acknowledgements"
  echo "round $round: node killed with $((acked - before)) new acknowledged records"
}

check_ledger() {
  local round=$1
  "$IOTSEC" --json ledger fsck --data "$WORK/data" --expect "$WORK/acks" >"$WORK/fsck$round.out" \
    2>"$WORK/fsck$round.err" || fail "round $round: fsck after the crash: $(cat "$WORK/fsck$round.out")"
  grep -q '"ok":true' "$WORK/fsck$round.out" || fail "round $round: fsck did not say ok"
  echo "round $round: fsck finds every acknowledged record: $(cat "$WORK/fsck$round.out")"
}

: >"$WORK/acks"
start_node
crash_during_load 1 300
check_ledger 1

# The node restarts on the crashed directory (state rebuilt from the log) and takes more.
start_node
crash_during_load 2 300
check_ledger 2

# A tampered acknowledgement (wrong leaf hash) must be caught: fsck --expect is not vacuous.
first=$(head -1 "$WORK/acks")
echo "${first%% *} $(printf '0%.0s' $(seq 1 64))" >"$WORK/bad-acks"
if "$IOTSEC" ledger fsck --data "$WORK/data" --expect "$WORK/bad-acks" >/dev/null 2>&1; then
  fail "fsck accepted an acknowledgement with a wrong leaf hash"
fi

# And the restarted node takes records again, after everything acknowledged before.
start_node
"$IOTSEC" --json ledger load --server "$URL" --records 10 --ack-log "$WORK/acks" \
  --key "$WORK/data/node.key" >"$WORK/load3.out" 2>"$WORK/load3.err" || fail "load after restart"
grep -q '"acknowledged":10' "$WORK/load3.out" || fail "load after restart: $(cat "$WORK/load3.out")"
stop_serve || fail "the node did not stop cleanly"
check_ledger 3
echo "PASS ledger crash test"
