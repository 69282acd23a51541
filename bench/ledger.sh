#!/usr/bin/env bash
# bench/ledger.sh BUILD_DIR: measures the identity ledger with the product binary and prints
# markdown for BENCHMARKS.md:
#   1. `iotsec --json ledger bench --records N` (in process; N = IOTSEC_LEDGER_BENCH_RECORDS,
#      default 1000000): signed appends against this machine's Ed25519 verification rate on
#      every core and its fsync rate, batched births, inclusion proofs, lookups, restart, memory;
#   2. the same node behind HTTP: `iotsec serve` on a loopback port and `iotsec ledger load
#      --records M --concurrency 64` (M = IOTSEC_LEDGER_LOAD_RECORDS, default 50000), client and
#      node on the same two cores.
# The goals are those of the ledger's issue; IOTSEC_BENCH_STRICT=1 makes a missed goal exit 1.
# The raw JSON goes to BUILD_DIR/bench/results/ledger.json and ledger-load.json.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

build="${1:?usage: bench/ledger.sh BUILD_DIR}"
records="${IOTSEC_LEDGER_BENCH_RECORDS:-1000000}"
load_records="${IOTSEC_LEDGER_LOAD_RECORDS:-50000}"
strict="${IOTSEC_BENCH_STRICT:-0}"
iotsec="$build/tools/iotsec/iotsec"
out="$build/bench/results"
[ -x "$iotsec" ] || { echo "bench/ledger.sh: $iotsec not found; build first" >&2; exit 2; }
mkdir -p "$out"

echo "bench/ledger.sh: ledger bench --records $records" >&2
"$iotsec" --json ledger bench --records "$records" >"$out/ledger.json"

work="$(mktemp -d)"
trap 'stop_serve; rm -rf "$work"' EXIT
start_serve "$iotsec" "$work/node" "$work/serve.out" ||
  { echo "bench/ledger.sh: the node did not start" >&2; exit 2; }
url=$SERVE_URL
echo "bench/ledger.sh: ledger load --records $load_records --concurrency 64 over HTTP" >&2
"$iotsec" --json ledger load --server "$url" --records "$load_records" --concurrency 64 \
  --key "$work/node/node.key" >"$out/ledger-load.json" 2>/dev/null

# field NAME FILE: the number of key NAME in the one-line JSON object of FILE.
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" "$2"; }
j="$out/ledger.json"
l="$out/ledger-load.json"

awk -v date="$(date -u +%Y-%m-%d)" -v cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
  -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v records="$records" \
  -v appends="$(field appends_per_s "$j")" -v verify="$(field sig_verify_per_s "$j")" \
  -v fsync="$(field fsync_per_s "$j")" -v batch="$(field batch_devices_per_s "$j")" \
  -v proofs="$(field inclusion_proofs_per_s "$j")" -v p50="$(field lookup_p50_us "$j")" \
  -v p99="$(field lookup_p99_us "$j")" -v rss="$(field rss_mib "$j")" \
  -v reopen="$(field reopen_s "$j")" -v entries="$(field log_entries "$j")" \
  -v cores="$(field cores "$j")" -v http="$(field records_per_s "$l")" \
  -v http_n="$(field acknowledged "$l")" -v strict="$strict" '
function row(goal, measured, target, met) {
  printf "| %s | %s | %s | %s |\n", goal, measured, target, met ? "yes" : "**no**"
  if (!met) missed++
}
BEGIN {
  printf "Machine: %s, %s cores (load %s), %s. %d devices in the ledger, %d log entries.\n\n",
         cpu, cores, load, date, records, entries
  printf "| figure | measured |\n| --- | ---: |\n"
  printf "| Ed25519 verifications on all cores (same run) | %.0f /s |\n", verify
  printf "| fsync (4 KiB write + fdatasync, same disk, same run) | %.0f /s |\n", fsync
  printf "| signed, validated, durable appends (in process, 128 submitters) | %.0f /s |\n", appends
  printf "| the same over HTTP (`ledger load`, 64 connections, %d records) | %.0f /s |\n", http_n, http
  printf "| device births in signed batches of 1000 | %.0f /s |\n", batch
  printf "| inclusion proofs (one thread) | %.0f /s |\n", proofs
  printf "| device-state lookup with all its proofs, p50 / p99 | %.0f / %.0f µs |\n", p50, p99
  printf "| restart: state rebuilt from the log | %.1f s |\n", reopen
  printf "| resident memory of the node after the restart | %.0f MiB |\n\n", rss
  printf "| goal | measured | target | met |\n| --- | ---: | ---: | :---: |\n"
  row("appends / Ed25519 verifications on all cores", sprintf("%.2f", appends / verify), "≥ 0.5", appends / verify >= 0.5)
  row("births in batches", sprintf("%.0f /s", batch), "≥ 100000 /s", batch >= 100000)
  row("inclusion proofs at " records " devices", sprintf("%.0f /s", proofs), "≥ 100000 /s", proofs >= 100000)
  row("lookup p99 at " records " devices", sprintf("%.0f µs", p99), "≤ 1000 µs", p99 <= 1000)
  row("node memory at " records " devices", sprintf("%.0f MiB", rss), "≤ 1024 MiB", rss <= 1024)
  printf "\n%d goal(s) missed in this run.\n", missed
  if (strict && missed) exit 1
}'
