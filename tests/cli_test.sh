#!/usr/bin/env bash
# The command-line contract of doc/cli.md, checked through the real binary: exit statuses, one
# line on stderr, no partial output, file modes, raw file sizes, --json, --id/--id-hex.
# Usage: tests/cli_test.sh PATH/TO/iotsec
set -uo pipefail
IOTSEC=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/iotsec-cli-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
now=$(date -u +%Y-%m)
dev="$now|urn:dev:test:1"

# check NAME WANT_EXIT CMD...: runs CMD, checks its exit status, and for failures that stderr is
# exactly one line.
check() {
  local name=$1 want=$2
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"
  local got=$?
  local lines
  lines=$(wc -l <"$work/stderr")
  if [ "$got" -ne "$want" ]; then
    echo "FAIL $name: exit $got, wanted $want; stderr: $(cat "$work/stderr")"
    failed=$((failed + 1))
  elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
    echo "FAIL $name: stderr has $lines lines, wanted 1: $(cat "$work/stderr")"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}
# assert NAME CONDITION...: a test(1) condition.
assert() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
mode() { stat -c %a "$1"; }
size() { stat -c %s "$1"; }

check "help" 0 "$IOTSEC" --help
assert "help lists kms and ibc" grep -q "kms" "$work/stdout"
check "ibc verify help" 0 "$IOTSEC" ibc verify --help
assert "verify help names --id-hex" grep -q -- "--id-hex" "$work/stdout"
check "no command" 2 "$IOTSEC"
check "unknown option" 2 "$IOTSEC" kms init --out "$work/k" --bogus

check "kms init" 0 "$IOTSEC" kms init --out "$work/kms"
assert "kms.secret is 0600" [ "$(mode "$work/kms/kms.secret")" = 600 ]
assert "kms.pub exists" [ -s "$work/kms/kms.pub" ]
assert "kms.pub format" grep -q '"format": "iotsec-kms-public-v1"' "$work/kms/kms.pub"
check "kms init twice" 2 "$IOTSEC" kms init --out "$work/kms"
check "kms init --json" 0 "$IOTSEC" kms init --out "$work/kms2" --json
assert "init json has kpak" grep -q '"eccsi_kpak":"04' "$work/stdout"

pub="$work/kms/kms.pub"
check "issue" 0 "$IOTSEC" kms issue --kms "$work/kms" --id "$dev" --out "$work/dev.key"
assert "key file is 0600" [ "$(mode "$work/dev.key")" = 600 ]
assert "key file has five fields" [ "$(grep -o '": "' "$work/dev.key" | wc -l)" = 5 ]
hexid=$(printf '%s' "$dev" | od -An -tx1 | tr -d ' \n')
check "issue --id-hex" 0 "$IOTSEC" kms issue --kms "$work/kms" --id-hex "$hexid" --out "$work/dev2.key"
check "issue both ids" 2 "$IOTSEC" kms issue --kms "$work/kms" --id "$dev" --id-hex "$hexid" --out "$work/x.key"
check "issue no id" 2 "$IOTSEC" kms issue --kms "$work/kms" --out "$work/x.key"
check "issue bad hex" 2 "$IOTSEC" kms issue --kms "$work/kms" --id-hex "zz" --out "$work/x.key"
check "issue no period" 2 "$IOTSEC" kms issue --kms "$work/kms" --id "urn:dev:test:1" --out "$work/x.key"
check "issue missing kms" 2 "$IOTSEC" kms issue --kms "$work/nokms" --id "$dev" --out "$work/x.key"
check "issue bad --at" 2 "$IOTSEC" kms issue --kms "$work/kms" --id "$dev" --at 2026-13 --out "$work/x.key"
assert "no partial key file" [ ! -e "$work/x.key" ]

printf 'hello device\n' >"$work/msg"
check "sign" 0 "$IOTSEC" ibc sign --key "$work/dev.key" --kms-pub "$pub" --in "$work/msg" --out "$work/sig"
assert "signature is 129 octets" [ "$(size "$work/sig")" = 129 ]
check "verify" 0 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/sig"
check "verify --id-hex" 0 "$IOTSEC" ibc verify --kms-pub "$pub" --id-hex "$hexid" --in "$work/msg" --sig "$work/sig"
check "verify --json" 0 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/sig" --json
assert "verify json valid" grep -q '"valid":true' "$work/stdout"
check "verify wrong id" 1 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$now|urn:dev:test:2" --in "$work/msg" --sig "$work/sig"
check "verify wrong id --json" 1 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$now|urn:dev:test:2" --in "$work/msg" --sig "$work/sig" --json
assert "verify json invalid" grep -q '"valid":false' "$work/stdout"
for off in 0 31 32 63 64 100 128; do
  cp "$work/sig" "$work/bad.sig"
  printf '\x01' | dd of="$work/bad.sig" bs=1 seek=$off conv=notrunc status=none 2>/dev/null
  cmp -s "$work/sig" "$work/bad.sig" || check "verify flipped octet $off" 1 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/bad.sig"
done
head -c 128 "$work/sig" >"$work/short.sig"
check "verify short signature" 2 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/short.sig"
check "verify missing message" 2 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/nomsg" --sig "$work/sig"
check "verify expired period" 1 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/sig" --at 2099-01
echo '{"format": "iotsec-kms-public-v1"}' >"$work/bad.pub"
check "verify malformed kms.pub" 2 "$IOTSEC" ibc verify --kms-pub "$work/bad.pub" --id "$dev" --in "$work/msg" --sig "$work/sig"
check "sign with another KMS's kms.pub" 2 "$IOTSEC" ibc sign --key "$work/dev.key" --kms-pub "$work/kms2/kms.pub" --in "$work/msg" --out "$work/x.sig"
assert "no partial signature" [ ! -e "$work/x.sig" ]

check "encapsulate" 0 "$IOTSEC" ibc encapsulate --kms-pub "$pub" --id "$dev" --out "$work/enc" --ssv-out "$work/ssv"
assert "encapsulated data is 273 octets" [ "$(size "$work/enc")" = 273 ]
assert "ssv is 16 octets" [ "$(size "$work/ssv")" = 16 ]
assert "ssv is 0600" [ "$(mode "$work/ssv")" = 600 ]
check "decapsulate" 0 "$IOTSEC" ibc decapsulate --key "$work/dev.key" --kms-pub "$pub" --in "$work/enc" --ssv-out "$work/ssv2"
assert "same ssv" cmp -s "$work/ssv" "$work/ssv2"
"$IOTSEC" ibc encapsulate --kms-pub "$pub" --id "$now|urn:dev:test:9" --out "$work/enc9" --ssv-out "$work/ssv9" >/dev/null 2>&1
check "decapsulate data for another identity" 1 "$IOTSEC" ibc decapsulate --key "$work/dev.key" --kms-pub "$pub" --in "$work/enc9" --ssv-out "$work/ssv4"
assert "no ssv written on failure" [ ! -e "$work/ssv4" ]
for off in 0 1 128 256 257 272; do
  cp "$work/enc" "$work/bad.enc"
  printf '\x02' | dd of="$work/bad.enc" bs=1 seek=$off conv=notrunc status=none 2>/dev/null
  check "decapsulate flipped octet $off" 1 "$IOTSEC" ibc decapsulate --key "$work/dev.key" --kms-pub "$pub" --in "$work/bad.enc" --ssv-out "$work/ssv5"
done
assert "no ssv written on tamper" [ ! -e "$work/ssv5" ]
head -c 272 "$work/enc" >"$work/short.enc"
check "decapsulate short data" 2 "$IOTSEC" ibc decapsulate --key "$work/dev.key" --kms-pub "$pub" --in "$work/short.enc" --ssv-out "$work/ssv6"
check "encapsulate same outputs" 2 "$IOTSEC" ibc encapsulate --kms-pub "$pub" --id "$dev" --out "$work/same" --ssv-out "$work/same"
check "encapsulate into missing dir" 2 "$IOTSEC" ibc encapsulate --kms-pub "$pub" --id "$dev" --out "$work/enc7" --ssv-out "$work/nodir/ssv7"
assert "no partial encapsulation" [ ! -e "$work/enc7" ]

check "revoke" 0 "$IOTSEC" kms revoke --kms "$work/kms" --id "$dev"
check "revoke twice" 2 "$IOTSEC" kms revoke --kms "$work/kms" --id "$dev"
check "issue revoked" 2 "$IOTSEC" kms issue --kms "$work/kms" --id "$dev" --out "$work/x.key"
check "verify revoked" 1 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/sig" --revocations "$work/kms/revocations"
check "encapsulate to revoked" 2 "$IOTSEC" ibc encapsulate --kms-pub "$pub" --id "$dev" --out "$work/e8" --ssv-out "$work/s8" --revocations "$work/kms/revocations"

# ledger proofs against the RFC 6962 test tree (8 leaves; root of size 8 published there).
printf '\n00\n10\n2021\n3031\n40414243\n5051525354555657\n606162636465666768696a6b6c6d6e6f\n' >"$work/leaves"
root8=5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
check "ledger proof" 0 "$IOTSEC" ledger proof --leaves "$work/leaves" --index 5 --json
assert "ledger proof root" grep -q "\"root\":\"$root8\"" "$work/stdout"
proof=$(sed 's/.*"proof":\[\([^]]*\)\].*/\1/; s/"//g' "$work/stdout")
leaf5=$(printf '\x00\x40\x41\x42\x43' | sha256sum | cut -c1-64)
check "verify-inclusion" 0 "$IOTSEC" ledger verify-inclusion --leaf-hash "$leaf5" --index 5 --size 8 --root "$root8" --proof "$proof"
check "verify-inclusion uppercase" 0 "$IOTSEC" ledger verify-inclusion --leaf-hash "${leaf5^^}" --index 5 --size 8 --root "${root8^^}" --proof "${proof^^}"
check "verify-inclusion wrong index" 1 "$IOTSEC" ledger verify-inclusion --leaf-hash "$leaf5" --index 4 --size 8 --root "$root8" --proof "$proof"
check "verify-inclusion empty proof" 1 "$IOTSEC" ledger verify-inclusion --leaf-hash "$leaf5" --index 5 --size 8 --root "$root8" --proof ""
check "verify-inclusion bad hex" 2 "$IOTSEC" ledger verify-inclusion --leaf-hash "zz" --index 5 --size 8 --root "$root8" --proof "$proof"
check "verify-inclusion index beyond size" 2 "$IOTSEC" ledger verify-inclusion --leaf-hash "$leaf5" --index 8 --size 8 --root "$root8"
check "ledger proof --from" 0 "$IOTSEC" ledger proof --leaves "$work/leaves" --from 3 --json
cproof=$(sed 's/.*"proof":\[\([^]]*\)\].*/\1/; s/"//g' "$work/stdout")
"$IOTSEC" ledger proof --leaves "$work/leaves" --size 3 --index 0 --json >"$work/p3"
root3=$(sed 's/.*"root":"\([0-9a-f]*\)".*/\1/' "$work/p3")
check "verify-consistency" 0 "$IOTSEC" ledger verify-consistency --size1 3 --size2 8 --root1 "$root3" --root2 "$root8" --proof "$cproof"
check "verify-consistency swapped roots" 1 "$IOTSEC" ledger verify-consistency --size1 3 --size2 8 --root1 "$root8" --root2 "$root3" --proof "$cproof"
check "verify-consistency size1 > size2" 2 "$IOTSEC" ledger verify-consistency --size1 9 --size2 8 --root1 "$root3" --root2 "$root8"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
