#!/usr/bin/env bash
# bench/run.sh BUILD_DIR: runs the IBC benchmarks of a build made with
# -DIOTSEC_BUILD_BENCHMARKS=ON (`make bench` does this) and prints markdown for BENCHMARKS.md:
# µs/op of iotsec, wolfSSL 5.5.4 and OpenSSL side by side, and the ratios of the project's goals.
#
# The machines are shared and noisy, so everything is measured in this one run: ibc_bench
# (iotsec and OpenSSL ECDSA in one process) and wolfssl_ibc_bench (wolfSSL, a program of its own
# because wolfSSL is GPL) alternate for ROUNDS rounds; each figure is the median CPU time over
# all rounds and repetitions. Environment: IOTSEC_BENCH_ROUNDS (3), IOTSEC_BENCH_REPETITIONS (3),
# IOTSEC_BENCH_MIN_TIME (seconds per repetition, 0.3), IOTSEC_BENCH_STRICT=1 (exit 1 when a goal
# is missed). The markdown is also written to BUILD_DIR/bench/results/ibc.md, the raw Google
# Benchmark JSON beside it.
set -euo pipefail

build="${1:?usage: bench/run.sh BUILD_DIR}"
rounds="${IOTSEC_BENCH_ROUNDS:-3}"
reps="${IOTSEC_BENCH_REPETITIONS:-3}"
min_time="${IOTSEC_BENCH_MIN_TIME:-0.3}"
strict="${IOTSEC_BENCH_STRICT:-0}"

ours="$build/bench/ibc_bench"
wolf="$build/bench/wolfssl_ibc_bench"
out="$build/bench/results"
if [ ! -x "$ours" ]; then
  echo "bench/run.sh: $ours not found; configure with -DIOTSEC_BUILD_BENCHMARKS=ON and build" >&2
  exit 2
fi
have_wolf=1
if [ ! -x "$wolf" ]; then
  echo "bench/run.sh: $wolf not found (libwolfssl-dev missing?): no wolfSSL column" >&2
  have_wolf=0
fi
rm -rf "$out"
mkdir -p "$out"

flags=(--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true
       --benchmark_min_time="$min_time" --benchmark_format=json)

run_one() {  # run_one PROGRAM NAME ROUND
  echo "bench/run.sh: round $3/$rounds: $2" >&2
  "$1" "${flags[@]}" >"$out/$2.$3.json"
}

for ((r = 1; r <= rounds; r++)); do
  # Alternate the order so that neither side always runs first.
  if ((r % 2 == 1)); then
    run_one "$ours" ibc_bench "$r"
    if ((have_wolf)); then run_one "$wolf" wolfssl_ibc_bench "$r"; fi
  else
    if ((have_wolf)); then run_one "$wolf" wolfssl_ibc_bench "$r"; fi
    run_one "$ours" ibc_bench "$r"
  fi
done

# OpenSSL's own figure for ECDSA P-256 (raw digests, no hashing), for reference.
speed_sign=""
speed_verify=""
if command -v openssl >/dev/null 2>&1; then
  echo "bench/run.sh: openssl speed ecdsap256" >&2
  line="$(openssl speed -seconds 2 ecdsap256 2>/dev/null | grep 'ecdsa (nistp256)' | tail -1 || true)"
  if [ -n "$line" ]; then
    speed_sign="$(echo "$line" | awk '{ printf "%.2f", 1e6 / $(NF-1) }')"
    speed_verify="$(echo "$line" | awk '{ printf "%.2f", 1e6 / $NF }')"
  fi
fi

# Google Benchmark's JSON puts one field per line: collect "<benchmark> <cpu µs>" of every
# median aggregate, then take the median over the rounds.
for f in "$out"/*.json; do
  awk '
    /"name":/ { n = $2; gsub(/[",]/, "", n) }
    /"cpu_time":/ { v = $2; gsub(/,/, "", v) }
    /"time_unit":/ {
      u = $2; gsub(/[",]/, "", u)
      if (n ~ /_median$/) {
        sub(/_median$/, "", n)
        s = (u == "ns") ? 1e-3 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : 1
        printf "%s %.6f\n", n, v * s
      }
    }' "$f"
done | sort -k1,1 -k2,2g | awk '
  { v[$1, ++n[$1]] = $2 }
  END {
    for (k in n) {
      m = n[k]
      med = (m % 2) ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
      print k, med
    }
  }' >"$out/medians.txt"

cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)"
wolf_version="$(grep -h -m1 '"wolfssl_version"' "$out"/wolfssl_ibc_bench.1.json 2>/dev/null |
  sed 's/.*: "\(.*\)".*/\1/' || true)"
openssl_version="$(openssl version 2>/dev/null | awk '{ print $2 }' || true)"
build_type="$(grep -m1 '^CMAKE_BUILD_TYPE:' "$build/CMakeCache.txt" 2>/dev/null | sed 's/.*=//' || true)"

awk -v date="$(date -u +%Y-%m-%d)" -v cpu="$cpu" -v cores="$(nproc)" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" -v wolfv="${wolf_version:-n/a}" \
    -v sslv="${openssl_version:-n/a}" -v btype="${build_type:-?}" -v rounds="$rounds" \
    -v reps="$reps" -v mt="$min_time" -v speed_sign="$speed_sign" \
    -v speed_verify="$speed_verify" -v strict="$strict" '
  { t[$1] = $2 }
  function fmt(name) {
    if (!(name in t)) { return "n/a" }
    return (t[name] >= 100) ? sprintf("%.0f", t[name]) : sprintf("%.1f", t[name])
  }
  function row(label, a, b, c) {
    printf "| %s | %s | %s | %s |\n", label, (a == "") ? "" : fmt(a), (b == "") ? "" : fmt(b),
           (c == "") ? "" : fmt(c)
  }
  # goal prints num/den against |limit| (met when <= limit, or < limit when shown starts "<").
  function goal(label, num, den, limit, shown) {
    if (!(num in t) || !(den in t) || t[den] == 0) {
      printf "| %s | n/a | %s | n/a |\n", label, shown
      return
    }
    q = t[num] / t[den]
    met = (substr(shown, 1, 1) == "<") ? (q < limit) : (q <= limit)
    ok = met ? "yes" : "**no**"
    if (!met) { missed++ }
    printf "| %s | %.3f (%.2f× %s) | %s | %s |\n", label, q, (q < 1) ? 1 / q : q,
           (q < 1) ? "faster" : "slower", shown, ok
  }
  END {
    printf "### ECCSI and SAKKE: iotsec beside wolfSSL and OpenSSL (%s)\n\n", date
    printf "Machine: %s, %d cores (load %s). iotsec built %s; wolfSSL %s (Debian, ", cpu, cores,
           load, btype, wolfv
    printf "generic ECC: no SP code for P-256 or the 1024-bit curve); OpenSSL %s. ", sslv
    printf "CPU time per operation in µs, median of %d rounds × %d repetitions ", rounds, reps
    printf "(≥ %s s each), both programs alternating in one run of `bench/run.sh`. ", mt
    printf "Identity `2026-11|urn:dev:acme:0001`, 64-octet message.\n\n"
    print "| operation | iotsec | wolfSSL | OpenSSL |"
    print "| --- | ---: | ---: | ---: |"
    row("ECCSI sign (HS cached: `EccsiSigner::Sign` / `wc_SignEccsiHash`)", "BM_EccsiSign", "BM_WolfEccsiSign", "")
    row("ECCSI verify, one-shot (`EccsiVerify` / PVT from the signature, `wc_HashEccsiId`, `wc_VerifyEccsiHash`)", "BM_EccsiVerify", "BM_WolfEccsiVerify", "")
    row("ECCSI verify, cached (`EccsiVerifier::Verify`: [HS]PVT + KPAK kept / wolfSSL: HS kept)", "BM_EccsiVerifierCached", "BM_WolfEccsiVerifyCachedHs", "")
    row("ECCSI issue (SSK, PVT) (`EccsiIssue` / `wc_MakeEccsiPair`)", "BM_EccsiIssue", "BM_WolfEccsiIssue", "")
    row("ECCSI validate (SSK, PVT) (`EccsiValidateUserKey`)", "BM_EccsiValidateUserKey", "", "")
    row("SAKKE encapsulate, one-shot (`SakkeEncapsulate` / new key, Z imported as trusted, encapsulate)", "BM_SakkeEncapsulate", "BM_WolfSakkeEncapsulateOneShot", "")
    row("SAKKE encapsulate, cached [b]P + Z (`SakkeSender::Encapsulate` / key object reused)", "BM_SakkeSenderEncapsulate", "BM_WolfSakkeEncapsulate", "")
    row("SAKKE decapsulate, one-shot (`SakkeDecapsulate` / new key, Z as trusted, RSK set, derive)", "BM_SakkeDecapsulate", "BM_WolfSakkeDecapsulateOneShot", "")
    row("SAKKE decapsulate, cached (`SakkeReceiver::Decapsulate` / `wc_DeriveSakkeSSV`, key object reused)", "BM_SakkeReceiverDecapsulate", "BM_WolfSakkeDecapsulate", "")
    row("SAKKE issue RSK (`SakkeIssueRsk` / `wc_MakeSakkeRsk`)", "BM_SakkeIssueRsk", "BM_WolfSakkeIssueRsk", "")
    row("SAKKE validate RSK (`SakkeValidateRsk` / `wc_ValidateSakkeRsk`)", "BM_SakkeValidateRsk", "BM_WolfSakkeValidateRsk", "")
    row("ECDSA P-256 sign (SHA-256 + `EVP_PKEY_sign`, context kept)", "", "", "BM_EcdsaP256Sign")
    row("ECDSA P-256 verify (SHA-256 + `EVP_PKEY_verify`, context kept)", "", "", "BM_EcdsaP256Verify")
    row("ECDSA P-256 sign (`EVP_DigestSignInit` + `EVP_DigestSign` per message)", "", "", "BM_EcdsaP256DigestSign")
    row("ECDSA P-256 verify (`EVP_DigestVerifyInit` + `EVP_DigestVerify` per message)", "", "", "BM_EcdsaP256DigestVerify")
    if (speed_sign != "") {
      printf "| `openssl speed ecdsap256` sign / verify (digest only) | | | %s / %s |\n",
             speed_sign, speed_verify
    }
    print ""
    print "Notes: the one-shot SAKKE rows of wolfSSL import Z as trusted, skipping the check of Z by"
    print "wolfSSL (an order check, about 3 ms): iotsec checks a Z once and caches its table, so neither"
    print "side pays for that per message. wolfSSL keeps nothing per identity for ECCSI verification"
    print "beyond HS, and the Debian build has no SP code, so its SAKKE RSK and point-I tables are empty."
    print ""
    print "| goal | measured | target | met |"
    print "| --- | ---: | ---: | :---: |"
    goal("ECCSI sign / ECDSA P-256 sign", "BM_EccsiSign", "BM_EcdsaP256Sign", 1.0, "≤ 1")
    goal("ECCSI verify / ECDSA P-256 verify", "BM_EccsiVerify", "BM_EcdsaP256Verify", 1.6, "≤ 1.6")
    goal("ECCSI cached verify / ECDSA P-256 verify", "BM_EccsiVerifierCached", "BM_EcdsaP256Verify", 1.0, "≤ 1.0")
    goal("ECCSI sign, iotsec / wolfSSL", "BM_EccsiSign", "BM_WolfEccsiSign", 1.0, "< 1")
    goal("ECCSI verify, iotsec / wolfSSL", "BM_EccsiVerify", "BM_WolfEccsiVerify", 1.0, "< 1")
    goal("ECCSI cached verify, iotsec / wolfSSL (HS kept)", "BM_EccsiVerifierCached", "BM_WolfEccsiVerifyCachedHs", 1.0, "< 1")
    goal("SAKKE encapsulate one-shot, iotsec / wolfSSL", "BM_SakkeEncapsulate", "BM_WolfSakkeEncapsulateOneShot", 1 / 3, "≤ 1/3")
    goal("SAKKE encapsulate cached, iotsec / wolfSSL", "BM_SakkeSenderEncapsulate", "BM_WolfSakkeEncapsulate", 1 / 3, "≤ 1/3")
    goal("SAKKE decapsulate one-shot, iotsec / wolfSSL", "BM_SakkeDecapsulate", "BM_WolfSakkeDecapsulateOneShot", 1 / 4, "≤ 1/4")
    goal("SAKKE decapsulate cached, iotsec / wolfSSL", "BM_SakkeReceiverDecapsulate", "BM_WolfSakkeDecapsulate", 1 / 4, "≤ 1/4")
    print ""
    if (missed > 0) {
      printf "%d goal(s) missed in this run.\n", missed
      if (strict == "1") { exit 1 }
    }
  }' "$out/medians.txt" | tee "$out/ibc.md"
