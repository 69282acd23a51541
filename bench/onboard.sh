#!/usr/bin/env bash
# bench/onboard.sh BUILD_DIR: measures zero-touch onboarding with the product binary and prints
# markdown for BENCHMARKS.md:
#   1. the crypto-bound limit: the public-key operations of one onboarding (a device with one
#      MNO and one SP; doc/protocol/onboarding.md §5) timed in the same run, X25519, Ed25519 and
#      ECDSA P-256 with `openssl speed`, ECCSI with `iotsec ibc bench`; their sum on one core,
#      and the rate that two cores could reach if they did nothing else;
#   2. `iotsec fleet onboard --devices N --json` (N = IOTSEC_FLEET_DEVICES, default 100000;
#      concurrency IOTSEC_FLEET_CONCURRENCY, default 64; IOTSEC_FLEET_THREADS CoAP io threads,
#      default 4): devices and platform on the same cores, over CoAP and DTLS on loopback.
# The goals are those of the onboarding issue; IOTSEC_BENCH_STRICT=1 makes a missed goal exit 1.
# The raw outputs go to BUILD_DIR/bench/results/onboard-*.
set -euo pipefail

build="${1:?usage: bench/onboard.sh BUILD_DIR}"
devices="${IOTSEC_FLEET_DEVICES:-100000}"
concurrency="${IOTSEC_FLEET_CONCURRENCY:-64}"
threads="${IOTSEC_FLEET_THREADS:-4}"
strict="${IOTSEC_BENCH_STRICT:-0}"
iotsec="$build/tools/iotsec/iotsec"
out="$build/bench/results"
[ -x "$iotsec" ] || { echo "bench/onboard.sh: $iotsec not found; build first" >&2; exit 2; }
command -v openssl >/dev/null || { echo "bench/onboard.sh: openssl not found" >&2; exit 2; }
mkdir -p "$out"

echo "bench/onboard.sh: openssl speed (X25519, Ed25519, ECDSA P-256)" >&2
openssl speed -seconds 2 -mr ecdhx25519 ed25519 ecdsap256 >"$out/onboard-openssl.txt" 2>/dev/null
echo "bench/onboard.sh: iotsec ibc bench (ECCSI)" >&2
"$iotsec" --json ibc bench >"$out/onboard-ibc.json"
echo "bench/onboard.sh: iotsec fleet onboard --devices $devices" >&2
"$iotsec" --json fleet onboard --devices "$devices" --concurrency "$concurrency" \
  --threads "$threads" >"$out/onboard-fleet.json"

# field NAME FILE: the number of key NAME in the one-line JSON object of FILE.
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" "$2"; }
# openssl speed -mr: "+F4:i:256:<sign/s>:<verify/s>" (ECDSA P-256), "+F5:i:253:<ops/s>" (X25519
# derive), "+F6:i:253:Ed25519:<sign/s>:<verify/s>".
o="$out/onboard-openssl.txt"
x25519=$(awk -F: '/^\+F5:/ && $3 == 253 {print $4}' "$o")
ed_verify=$(awk -F: '/^\+F6:/ && $4 == "Ed25519" {print $6}' "$o")
ecdsa_sign=$(awk -F: '/^\+F4:/ && $3 == 256 {print $4}' "$o")
ecdsa_verify=$(awk -F: '/^\+F4:/ && $3 == 256 {print $5}' "$o")
i="$out/onboard-ibc.json"
f="$out/onboard-fleet.json"
awk -v date="$(date -u +%Y-%m-%d)" -v cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
  -v cores="$(nproc)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
  -v x25519="$x25519" -v ed_verify="$ed_verify" -v ecdsa_sign="$ecdsa_sign" \
  -v ecdsa_verify="$ecdsa_verify" -v eccsi_sign="$(field eccsi_sign_us "$i")" \
  -v eccsi_verify="$(field eccsi_verify_us "$i")" -v eccsi_validate="$(field eccsi_validate_us "$i")" \
  -v eccsi_issue="$(field eccsi_issue_us "$i")" -v devices="$(field devices "$f")" \
  -v onboarded="$(field onboarded "$f")" -v failed="$(field failed "$f")" \
  -v rate="$(field rate_per_s "$f")" -v p50="$(field p50_ms "$f")" -v p99="$(field p99_ms "$f")" \
  -v bytes="$(field bytes_per_device "$f")" -v rt="$(field round_trips_per_device "$f")" \
  -v exchanges="$(field exchanges_per_device "$f")" -v concurrency="$concurrency" \
  -v readings="$(field readings "$f")" -v reading_rate="$(field reading_rate_per_s "$f")" \
  -v reading_p50="$(field reading_p50_ms "$f")" -v reading_p99="$(field reading_p99_ms "$f")" \
  -v e2e_rate="$(field end_to_end_rate_per_s "$f")" \
  -v threads="$threads" -v strict="$strict" '
function row(goal, measured, target, met) {
  printf "| %s | %s | %s | %s |\n", goal, measured, target, met ? "yes" : "**no**"
  if (!met) missed++
}
BEGIN {
  # One onboarding, device and platform (doc/protocol/onboarding.md §5): 7 X25519 scalar
  # multiplications (one ephemeral key of the device per onboarding, 3 device and 3 service
  # agreements), 1 Ed25519
  # verification (a checkpoint of one anchor), 2 ECDSA signatures and 2 verifications (the
  # attestation), 2 ECCSI signatures and 2 verifications (the services), 1 ECCSI key
  # validation and 1 issue (the device key pair).
  us_x = 7 * 1e6 / x25519
  us_ed = 1e6 / ed_verify
  us_ecdsa = 2 * 1e6 / ecdsa_sign + 2 * 1e6 / ecdsa_verify
  us_eccsi = 2 * eccsi_sign + 2 * eccsi_verify + eccsi_validate + eccsi_issue
  total = us_x + us_ed + us_ecdsa + us_eccsi
  bound = cores * 1e6 / total
  printf "Machine: %s, %s cores (load %s), %s.\n\n", cpu, cores, load, date
  printf "| public-key work of one onboarding (one core, same run) | µs |\n| --- | ---: |\n"
  printf "| 7 × X25519 (`openssl speed ecdhx25519`: %.0f /s) | %.0f |\n", x25519, us_x
  printf "| 1 × Ed25519 verify (`openssl speed ed25519`: %.0f /s) | %.0f |\n", ed_verify, us_ed
  printf "| 2 × ECDSA P-256 sign + 2 × verify (`openssl speed ecdsap256`) | %.0f |\n", us_ecdsa
  printf "| 2 × ECCSI sign + 2 × verify + validate + issue (`iotsec ibc bench`) | %.0f |\n", us_eccsi
  printf "| **sum** | **%.0f** |\n\n", total
  printf "Crypto-bound limit on %d cores: %.0f onboardings/s.\n\n", cores, bound
  printf "| fleet (`fleet onboard`, %d devices, concurrency %d, %d CoAP threads) | measured |\n", devices, concurrency, threads
  printf "| --- | ---: |\n"
  printf "| onboarded / first readings accepted / failed | %d / %d / %d |\n", onboarded, readings, failed
  printf "| onboarding rate (devices and platform on the same cores) | %.0f /s (%.0f%% of the crypto bound) |\n", rate, 100 * rate / bound
  printf "| onboarding latency p50 / p99 (discovery request to last credential) | %.0f / %.0f ms |\n", p50, p99
  printf "| bytes on the wire per device, both ways (onboarding) | %.0f |\n", bytes
  printf "| round trips per device (max) / CoAP exchanges (mean) | %d / %.1f |\n", rt, exchanges
  printf "| first readings over DTLS (handshake and reading), rate; p50 / p99 | %.0f /s; %.0f / %.0f ms |\n", reading_rate, reading_p50, reading_p99
  printf "| both phases, end to end | %.0f devices/s |\n\n", e2e_rate
  printf "| goal | measured | target | met |\n| --- | ---: | ---: | :---: |\n"
  row("onboardings per second", sprintf("%.0f /s", rate), "≥ 1000 /s", rate >= 1000)
  row("bytes per device", sprintf("%.0f", bytes), "≤ 4096", bytes <= 4096)
  row("round trips per device", sprintf("%d", rt), "≤ 3", rt <= 3)
  row("devices onboarded", sprintf("%d of %d", onboarded, devices), "all", failed == 0 && onboarded == devices)
  printf "\n%d goal(s) missed in this run.\n", missed
  if (strict && missed) exit 1
}'
