# Shell helpers shared by scripts/demo.sh, bench/ledger.sh and the tests in tests/ (source it).

# start_serve IOTSEC DATA_DIR LOG: starts `IOTSEC serve --data DATA_DIR` on an ephemeral
# loopback port with its output in LOG and waits until it listens. Sets SERVE_PID, SERVE_URL
# (http://127.0.0.1:PORT) and SERVE_ANCHOR (its checkpoint verifier key). Returns 1 if the node
# exits (its status is then appended to LOG) or has not started after 10 s.
start_serve() {
  "$1" serve --data "$2" --listen 127.0.0.1:0 >"$3" 2>&1 &
  SERVE_PID=$!
  SERVE_URL=""
  SERVE_ANCHOR=""
  local _
  for _ in $(seq 1 200); do
    SERVE_ANCHOR=$(sed -n 's/^checkpoint verifier key: //p' "$3")
    if [ -n "$SERVE_ANCHOR" ]; then
      SERVE_URL=$(sed -n 's|^iotsec serve: .* listening on \(http://127\.0\.0\.1:[0-9]*\)$|\1|p' "$3")
      [ -n "$SERVE_URL" ]
      return
    fi
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then
      wait "$SERVE_PID"
      echo "start_serve: the node exited with status $? before it listened" >>"$3"
      SERVE_PID=""
      return 1
    fi
    sleep 0.05
  done
  return 1
}

# stop_serve: stops the node of start_serve with SIGTERM and waits for it; returns its exit
# status (0 after a clean stop). Does nothing when no node runs.
stop_serve() {
  [ -n "${SERVE_PID:-}" ] || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null
  wait "$SERVE_PID" 2>/dev/null
  local rc=$?
  SERVE_PID=""
  return $rc
}

# flip_bit FILE OFFSET MASK: XORs the octet at OFFSET with MASK, so the file always changes.
flip_bit() {
  local octet
  octet=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\$(printf '%03o' $((octet ^ $3)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
