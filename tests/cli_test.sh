#!/usr/bin/env bash
# The command-line contract of doc/cli.md, checked through the real binary: exit statuses, one
# line on stderr, no partial output, file modes, raw file sizes, --json, --id/--id-hex.
# Usage: tests/cli_test.sh PATH/TO/iotsec
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
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
  flip_bit "$work/bad.sig" "$off" 1
  check "verify flipped octet $off" 1 "$IOTSEC" ibc verify --kms-pub "$pub" --id "$dev" --in "$work/msg" --sig "$work/bad.sig"
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
  flip_bit "$work/bad.enc" "$off" 2
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

# ledger records through a running node (doc/cli.md "ledger"): serve on an ephemeral port, then
# keygen, admit, birth, transfer, bind, revoke and a device verifying its own state.
lw="$work/ledger"
mkdir -p "$lw"
trap 'stop_serve; rm -rf "$work"' EXIT
start_serve "$IOTSEC" "$lw/node" "$lw/serve.out"
url=$SERVE_URL
anchor=$SERVE_ANCHOR
assert "serve prints its URL" [ -n "$url" ]
assert "serve prints its verifier key" [ -n "$anchor" ]
nodekey="$lw/node/node.key"
# as ORG KEY: the common options of the writing commands.
as() { echo --server "$url" --as "$1" --key "$2"; }

for org in acme bob mno1 sp1 mallory; do
  check "ledger keygen $org" 0 "$IOTSEC" ledger keygen --out "$lw/$org.key" --json
  assert "keygen $org json has a public key" grep -Eq '"public_key":"[0-9a-f]{64}"' "$work/stdout"
  sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/' "$work/stdout" >"$lw/$org.pub"
done
assert "org key is 0600" [ "$(mode "$lw/acme.key")" = 600 ]
assert "org key is a 32-octet seed" [ "$(size "$lw/acme.key")" = 32 ]
cp "$lw/acme.key" "$lw/acme.key.orig"
check "ledger keygen refuses to overwrite" 2 "$IOTSEC" ledger keygen --out "$lw/acme.key"
assert "keygen left the key unchanged" cmp -s "$lw/acme.key" "$lw/acme.key.orig"

check "ledger admit acme" 0 "$IOTSEC" ledger admit $(as node "$nodekey") --org acme \
  --role manufacturer --public-key "$(cat "$lw/acme.pub")" --name "Acme Sensors" --json
assert "admit json" grep -Eq '^\{.*"index":0,.*"leaf_hash":"[0-9a-f]{64}".*"record_type":"org_admission"' "$work/stdout"
check "ledger admit bob" 0 "$IOTSEC" ledger admit $(as node "$nodekey") --org bob --role owner \
  --public-key "$(cat "$lw/bob.pub")"
assert "admit text names the index" grep -q "committed at index 1" "$work/stdout"
check "ledger admit mno1" 0 "$IOTSEC" ledger admit $(as node "$nodekey") --org mno1 --role mno \
  --public-key "$(cat "$lw/mno1.pub")"
check "ledger admit sp1" 0 "$IOTSEC" ledger admit $(as node "$nodekey") --org sp1 --role sp \
  --public-key "$(cat "$lw/sp1.pub")"
check "ledger admit mallory" 0 "$IOTSEC" ledger admit $(as node "$nodekey") --org mallory \
  --role owner,manufacturer --public-key "$(cat "$lw/mallory.pub")"
check "ledger admit twice (refused)" 1 "$IOTSEC" ledger admit $(as node "$nodekey") --org bob \
  --role owner --public-key "$(cat "$lw/bob.pub")" --json
assert "refusal json" grep -q '"error":"failed_precondition",.*"ok":false' "$work/stdout"
check "ledger admit by a non-admitter (refused)" 1 "$IOTSEC" ledger admit $(as acme "$lw/acme.key") \
  --org eve --role owner --public-key "$(cat "$lw/bob.pub")"
check "ledger admit bad role" 2 "$IOTSEC" ledger admit $(as node "$nodekey") --org eve \
  --role owner,boss --public-key "$(cat "$lw/bob.pub")"
check "ledger admit bad key hex" 2 "$IOTSEC" ledger admit $(as node "$nodekey") --org eve \
  --role owner --public-key abcd
check "ledger admit no server" 2 "$IOTSEC" ledger admit --server http://127.0.0.1:1 --as node \
  --key "$nodekey" --org eve --role owner --public-key "$(cat "$lw/bob.pub")"
check "ledger admit https refused" 2 "$IOTSEC" ledger admit --server "https://127.0.0.1:1" \
  --as node --key "$nodekey" --org eve --role owner --public-key "$(cat "$lw/bob.pub")"
check "ledger admit with a wrong key (refused)" 1 "$IOTSEC" ledger admit $(as node "$lw/bob.key") \
  --org eve --role owner --public-key "$(cat "$lw/bob.pub")"

check "ledger birth --generate" 0 "$IOTSEC" ledger birth $(as acme "$lw/acme.key") --generate 3 \
  --prefix SN --model sensor-1 --keys-out "$lw/devkeys" --json
assert "birth json" grep -q '"devices":3,.*"record_type":"device_birth"' "$work/stdout"
assert "device key is 0600" [ "$(mode "$lw/devkeys/SN0002.key")" = 600 ]
assert "device key is a 32-octet scalar" [ "$(size "$lw/devkeys/SN0003.key")" = 32 ]
assert "devices.txt lists 3 devices" [ "$(grep -c '^SN000[123] 04[0-9a-f]\{128\} sensor-1$' "$lw/devkeys/devices.txt")" = 3 ]
check "ledger birth again (refused)" 1 "$IOTSEC" ledger birth $(as acme "$lw/acme.key") \
  --devices "$lw/devkeys/devices.txt"
sed 's/^SN/FX/' "$lw/devkeys/devices.txt" >"$lw/more.txt"
check "ledger birth --devices" 0 "$IOTSEC" ledger birth $(as acme "$lw/acme.key") --devices "$lw/more.txt"
printf 'BAD1 0400 m\n' >"$lw/bad.txt"
check "ledger birth bad devices file" 2 "$IOTSEC" ledger birth $(as acme "$lw/acme.key") --devices "$lw/bad.txt"
check "ledger birth both sources" 2 "$IOTSEC" ledger birth $(as acme "$lw/acme.key") \
  --devices "$lw/more.txt" --generate 1 --prefix Q --model m --keys-out "$lw/q"
check "ledger birth by a non-manufacturer (refused)" 1 "$IOTSEC" ledger birth $(as bob "$lw/bob.key") \
  --generate 1 --prefix Q --model m --keys-out "$lw/qkeys"
assert "refused birth leaves no key files" [ ! -e "$lw/qkeys" ]

d1=urn:dev:acme:SN0001
d2=urn:dev:acme:SN0002
check "ledger transfer" 0 "$IOTSEC" ledger transfer $(as acme "$lw/acme.key") --device "$d1,$d2" --to bob --json
assert "transfer json" grep -q '"record_type":"ownership_transfer"' "$work/stdout"
check "ledger transfer by a former owner (refused)" 1 "$IOTSEC" ledger transfer $(as acme "$lw/acme.key") \
  --device "$d1" --to mallory
check "ledger transfer to its own signer (refused)" 1 "$IOTSEC" ledger transfer $(as bob "$lw/bob.key") \
  --device "$d2" --to bob
check "ledger transfer by a non-owner (refused)" 1 "$IOTSEC" ledger transfer $(as mallory "$lw/mallory.key") \
  --device "$d2" --to acme --json
assert "non-owner refusal json" grep -q '"error":"permission_denied"' "$work/stdout"
check "ledger transfer bad device id" 2 "$IOTSEC" ledger transfer $(as bob "$lw/bob.key") \
  --device "urn:dev:acme:SN/1" --to mallory
# The MNO publishes its KMS public parameters (X.1365 lookup from the ledger).
check "kms init for mno1" 0 "$IOTSEC" kms init --out "$lw/mno1-kms"
check "ledger publish-kms" 0 "$IOTSEC" ledger publish-kms $(as mno1 "$lw/mno1.key") \
  --kms-pub "$lw/mno1-kms/kms.pub" --onboarding-key "$lw/mno1-kms/onboard.key" --period 2026-11 --json
assert "publish-kms json" grep -q '"record_type":"kms_params"' "$work/stdout"
assert "publish-kms created the onboarding key" test "$(stat -c %a "$lw/mno1-kms/onboard.key")" = 600
assert "publish-kms onboarding key is 32 octets" test "$(stat -c %s "$lw/mno1-kms/onboard.key")" = 32
check "ledger publish-kms without an onboarding key" 2 "$IOTSEC" ledger publish-kms \
  $(as mno1 "$lw/mno1.key") --kms-pub "$lw/mno1-kms/kms.pub" --period 2026-12
check "ledger publish-kms twice for a period (refused)" 1 "$IOTSEC" ledger publish-kms \
  $(as mno1 "$lw/mno1.key") --kms-pub "$lw/mno1-kms/kms.pub" \
  --onboarding-key "$lw/mno1-kms/onboard.key" --period 2026-11
check "ledger publish-kms by a manufacturer (refused)" 1 "$IOTSEC" ledger publish-kms \
  $(as acme "$lw/acme.key") --kms-pub "$lw/mno1-kms/kms.pub" --onboarding-key "$lw/mno1-kms/onboard.key"
check "ledger publish-kms bad period" 2 "$IOTSEC" ledger publish-kms $(as mno1 "$lw/mno1.key") \
  --kms-pub "$lw/mno1-kms/kms.pub" --onboarding-key "$lw/mno1-kms/onboard.key" --period 2026-13
check "ledger publish-kms not a kms.pub" 2 "$IOTSEC" ledger publish-kms $(as mno1 "$lw/mno1.key") \
  --kms-pub "$lw/mno1.key" --onboarding-key "$lw/mno1-kms/onboard.key"
check "ledger publish-kms onboarding key of the wrong size" 2 "$IOTSEC" ledger publish-kms \
  $(as mno1 "$lw/mno1.key") --kms-pub "$lw/mno1-kms/kms.pub" --onboarding-key "$lw/mno1-kms/kms.pub" \
  --period 2026-12
check "ledger bind" 0 "$IOTSEC" ledger bind $(as bob "$lw/bob.key") --device "$d1,$d2" --mno mno1 --sp sp1
check "ledger bind to a non-MNO (refused)" 1 "$IOTSEC" ledger bind $(as bob "$lw/bob.key") --device "$d1" --mno sp1

check "ledger device" 0 "$IOTSEC" ledger device --server "$url" --device "$d1" --anchor "$anchor" --json
assert "device json" grep -q '"mno":"mno1",.*"owner":"bob",.*"sps":\["sp1"\],.*"verified":true' "$work/stdout"
check "ledger device text" 0 "$IOTSEC" ledger device --server "$url" --device "$d2" --anchor "$anchor"
assert "device text names owner, mno and sp" grep -q "owner bob, mno mno1, sps sp1" "$work/stdout"
check "ledger device, a newborn device" 0 "$IOTSEC" ledger device --server "$url" \
  --device urn:dev:acme:SN0003 --anchor "$anchor" --json
assert "newborn device owned by its manufacturer" grep -q '"owner":"acme"' "$work/stdout"
# vkey NAME PUBHEX: the note verifier key (c2sp.org/signed-note) of Ed25519 key PUBHEX: key ID =
# the first 4 octets of SHA-256(NAME || "\n" || 0x01 || key).
vkey() {
  local bin id
  bin=$(printf '01%s' "$2" | sed 's/../\\x&/g')
  id=$({ printf '%s\n' "$1"; printf "$bin"; } | sha256sum | cut -c1-8)
  echo "$1+$id+$(printf "$bin" | base64 -w0)"
}
wrong_anchor=$(vkey "${anchor%%+*}" "$(cat "$lw/mallory.pub")")
check "ledger device with a wrong anchor" 1 "$IOTSEC" ledger device --server "$url" --device "$d1" \
  --anchor "$wrong_anchor" --json
assert "wrong anchor json" grep -q '"verified":false' "$work/stdout"
check "ledger device with a wrong origin" 1 "$IOTSEC" ledger device --server "$url" --device "$d1" \
  --anchor "$anchor" --origin example.org/other
check "ledger device unknown device" 1 "$IOTSEC" ledger device --server "$url" --device urn:dev:acme:NOPE \
  --anchor "$anchor"
check "ledger device malformed anchor" 2 "$IOTSEC" ledger device --server "$url" --device "$d1" --anchor nope
check "ledger device threshold above anchors" 2 "$IOTSEC" ledger device --server "$url" --device "$d1" \
  --anchor "$anchor" --threshold 2
check "ledger revoke" 0 "$IOTSEC" ledger revoke $(as bob "$lw/bob.key") --device "$d2"
check "ledger device revoked" 0 "$IOTSEC" ledger device --server "$url" --device "$d2" --anchor "$anchor" --json
assert "revoked device json" grep -q '"revoked":true' "$work/stdout"
check "ledger revoke both targets" 2 "$IOTSEC" ledger revoke $(as bob "$lw/bob.key") --device "$d1" --org acme

# ledger load (doc/cli.md "Load and benchmark"): the acknowledgements are exactly what fsck finds.
check "ledger load" 0 "$IOTSEC" ledger load --server "$url" --records 40 --concurrency 4 \
  --ack-log "$lw/acks" --key "$nodekey" --json
assert "load json counts" grep -q '"acknowledged":40,"admissions":4' "$work/stdout"
assert "load ack log: 4 admissions + 40 births" [ "$(wc -l <"$lw/acks")" -eq 44 ]
assert "ack lines are INDEX LEAFHASH" [ -z "$(grep -Ev '^[0-9]+ [0-9a-f]{64}$' "$lw/acks")" ]
IOTSEC_LEDGER_KEY="$nodekey" check "ledger load with the key from the environment" 0 \
  "$IOTSEC" ledger load --server "$url" --records 3 --ack-log "$lw/acks"
check "ledger load without a key" 2 env -u IOTSEC_LEDGER_KEY "$IOTSEC" ledger load --server "$url" --records 3
check "ledger load with a key that is no admitter" 1 "$IOTSEC" ledger load --server "$url" --records 3 \
  --key "$lw/mallory.key" --as mallory
check "ledger load zero records" 2 "$IOTSEC" ledger load --server "$url" --records 0 --key "$nodekey"
stop_serve
check "ledger fsck --expect the load's acks" 0 "$IOTSEC" ledger fsck --data "$lw/node" --expect "$lw/acks"
check "ledger load without a node" 2 "$IOTSEC" ledger load --server "$url" --records 3 --key "$nodekey"

# serve --json: one object when listening, one when stopped.
"$IOTSEC" --json serve --data "$lw/node2" --listen 127.0.0.1:0 >"$lw/serve2.out" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 100); do
  grep -q '"event":"listening"' "$lw/serve2.out" 2>/dev/null && break
  sleep 0.1
done
assert "serve --json listening object" grep -q '"url":"http://127.0.0.1:[0-9]*".*"verifier_key":"' "$lw/serve2.out"
stop_serve
assert "serve --json stopped object" grep -q '^{"event":"stopped","ok":true,"signal":"SIGTERM"}$' "$lw/serve2.out"
assert "serve --json prints only JSON" [ "$(grep -vc '^{' "$lw/serve2.out")" -eq 0 ]

# serve --coap: the onboarding roles of the node, for the services whose keys match what they
# published on the ledger.
"$IOTSEC" --json serve --data "$lw/node" --listen 127.0.0.1:0 --coap 127.0.0.1:0 --dtls-port 0 \
  --service "mno:mno1:$lw/mno1-kms" >"$lw/serve3.out" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 100); do
  grep -q '"event":"listening"' "$lw/serve3.out" 2>/dev/null && break
  sleep 0.1
done
assert "serve --coap listening object" \
  grep -Eq '"onboarding":\{"coap":"127.0.0.1:[0-9]+","discovery_key":"[0-9a-f]{64}","dtls_port":[0-9]+' \
  "$lw/serve3.out"
assert "serve --coap created the discovery key" test "$(stat -c %a "$lw/node/discovery.key")" = 600
assert "serve --coap created the issuance log" test -s "$lw/mno1-kms/issuance.db"
stop_serve
assert "serve --coap stopped cleanly" grep -q '"event":"stopped"' "$lw/serve3.out"
check "serve --coap, a service that published nothing" 2 "$IOTSEC" serve --data "$lw/node" \
  --listen 127.0.0.1:0 --coap 127.0.0.1:0 --dtls-port 0 --service "sp:sp1:$lw/mno1-kms"
assert "serve --coap says what to publish" grep -q "published no KMS parameters" "$work/stderr"
check "serve --coap, a bad service spec" 2 "$IOTSEC" serve --data "$lw/node" --listen 127.0.0.1:0 \
  --coap 127.0.0.1:0 --service "isp:x:$lw"
check "serve --service without --coap" 2 "$IOTSEC" serve --data "$lw/node" --listen 127.0.0.1:0 \
  --service "mno:mno1:$lw/mno1-kms"

# ledger bench: every field of the contract, as numbers.
check "ledger bench" 0 "$IOTSEC" ledger bench --records 600 --json
for f in records appends_per_s batch_devices_per_s inclusion_proofs_per_s lookup_p99_us fsync_per_s \
  sig_verify_per_s rss_mib reopen_s; do
  assert "bench json has $f" grep -q "\"$f\":[0-9]" "$work/stdout"
done
assert "bench json records" grep -q '"records":600' "$work/stdout"
check "ledger bench too few records" 2 "$IOTSEC" ledger bench --records 10
check "ledger device without a node" 2 "$IOTSEC" ledger device --server "$url" --device "$d1" --anchor "$anchor"

# fleet onboard: the simulator's contract, as numbers, and every device onboarded and read.
check "fleet onboard" 0 "$IOTSEC" --json fleet onboard --devices 40 --concurrency 8
for f in devices onboarded failed rate_per_s p50_ms p99_ms bytes_per_device round_trips_per_device \
  exchanges_per_device readings reading_rate_per_s reading_p99_ms end_to_end_rate_per_s; do
  assert "fleet json has $f" grep -q "\"$f\":[0-9]" "$work/stdout"
done
assert "fleet onboarded all" grep -q '"onboarded":40,' "$work/stdout"
assert "fleet read all" grep -q '"readings":40,' "$work/stdout"
assert "fleet no failure" grep -q '"failed":0,' "$work/stdout"
assert "fleet progress on stderr" grep -q "100% (40 of 40 devices done)" "$work/stderr"
check "fleet onboard --concurrency 0" 2 "$IOTSEC" fleet onboard --devices 4 --concurrency 0
check "fleet onboard --devices 0" 2 "$IOTSEC" fleet onboard --devices 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
