#!/usr/bin/env bash
# The iotsec demo (what `make demo` runs): an X.1365 scenario through the iotsec binary.
# An MNO's KMS is initialized; keys are issued to a device and to the MNO; the MNO signs a
# message that the device verifies knowing only KPAK and the MNO's identity; the MNO sends a
# secret to the device by its identity alone (SAKKE); a tampered signature, a wrong identity, an
# identity of an expired key period and a revoked identity are refused.
# Then the identity ledger: a node, four organizations, three devices born, two sold and bound,
# a device verifying its own state against the node's checkpoint key, and a double transfer
# refused.
# Exits 0 only if every step held.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

IOTSEC=${1:-build/tools/iotsec/iotsec}
if [ ! -x "$IOTSEC" ]; then
  echo "demo: $IOTSEC is not built (run make demo)" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/iotsec-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

now=$(date -u +%Y-%m)
last=$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)
device="$now|urn:dev:acme-sensors:SN-000042"
mno="$now|urn:mno:example-mobile:kms-01"
failures=0

step() { printf "%-72s" "$1"; }
ok() { echo "ok"; }
# refused: the step's last command was refused as it must be; show why.
refused() { echo "refused"; printf '      %s\n' "$(head -n 1 "$work/err" | sed 's/^iotsec: //')"; }
bad() { echo "FAILED: $1"; failures=$((failures + 1)); }
# expect CODE CMD...: runs CMD and checks its exit status.
expect() {
  local want=$1
  shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then
    return 0
  fi
  echo "(exit $got, wanted $want: $(head -c 300 "$work/err"))"
  return 1
}

echo "iotsec demo: identity-based cryptography for IoT (ITU-T X.1365; RFC 6507, RFC 6508)"
echo "  key period $now; device $device"
echo "  MNO $mno"
echo

step "1. the MNO initializes its KMS (KSAK, z -> KPAK, Z)"
expect 0 "$IOTSEC" kms init --out "$work/mno-kms" && ok || bad "kms init"

step "2. the KMS issues keys to the device and to the MNO"
expect 0 "$IOTSEC" kms issue --kms "$work/mno-kms" --id "$device" --out "$work/device.key" &&
  expect 0 "$IOTSEC" kms issue --kms "$work/mno-kms" --id "$mno" --out "$work/mno.key" &&
  ok || bad "kms issue"

step "3. the MNO signs a configuration message (ECCSI)"
printf 'apn=iot.example; server=coap://sp.example; interval=900\n' >"$work/msg"
expect 0 "$IOTSEC" ibc sign --key "$work/mno.key" --kms-pub "$work/mno-kms/kms.pub" \
  --in "$work/msg" --out "$work/msg.sig" && ok || bad "ibc sign"

step "4. the device verifies it with KPAK and the MNO's identity alone"
expect 0 "$IOTSEC" ibc verify --kms-pub "$work/mno-kms/kms.pub" --id "$mno" \
  --in "$work/msg" --sig "$work/msg.sig" && ok || bad "ibc verify"

step "5. the MNO sends a secret to the device by its identity (SAKKE)"
expect 0 "$IOTSEC" ibc encapsulate --kms-pub "$work/mno-kms/kms.pub" --id "$device" \
  --out "$work/ssv.enc" --ssv-out "$work/ssv.sent" && ok || bad "ibc encapsulate"

step "6. the device recovers the same secret with its key"
expect 0 "$IOTSEC" ibc decapsulate --key "$work/device.key" --kms-pub "$work/mno-kms/kms.pub" \
  --in "$work/ssv.enc" --ssv-out "$work/ssv.received" &&
  cmp -s "$work/ssv.sent" "$work/ssv.received" && ok || bad "ibc decapsulate"

echo
echo "Attacks and misuse, each must be refused:"
step "7. a tampered signature"
cp "$work/msg.sig" "$work/bad.sig"
flip_bit "$work/bad.sig" 40 1
expect 1 "$IOTSEC" ibc verify --kms-pub "$work/mno-kms/kms.pub" --id "$mno" \
  --in "$work/msg" --sig "$work/bad.sig" && refused || bad "tampered signature accepted"

step "8. a tampered message"
printf 'apn=evil.example\n' >"$work/evil"
expect 1 "$IOTSEC" ibc verify --kms-pub "$work/mno-kms/kms.pub" --id "$mno" \
  --in "$work/evil" --sig "$work/msg.sig" && refused || bad "tampered message accepted"

step "9. the right signature claimed for a wrong identity"
expect 1 "$IOTSEC" ibc verify --kms-pub "$work/mno-kms/kms.pub" \
  --id "$now|urn:mno:rogue-operator" --in "$work/msg" --sig "$work/msg.sig" &&
  refused || bad "wrong identity accepted"

step "10. tampered encapsulated data"
cp "$work/ssv.enc" "$work/bad.enc"
flip_bit "$work/bad.enc" 270 128
expect 1 "$IOTSEC" ibc decapsulate --key "$work/device.key" \
  --kms-pub "$work/mno-kms/kms.pub" --in "$work/bad.enc" --ssv-out "$work/bad.ssv" &&
  [ ! -e "$work/bad.ssv" ] && refused || bad "tampered encapsulation accepted"

step "11. a signature by an identity of an expired key period ($last)"
expect 0 "$IOTSEC" kms issue --kms "$work/mno-kms" --id "$last|urn:mno:example-mobile:kms-01" \
  --at "$last" --out "$work/old.key" &&
  expect 0 "$IOTSEC" ibc sign --key "$work/old.key" --kms-pub "$work/mno-kms/kms.pub" \
    --in "$work/msg" --out "$work/old.sig" --at "$last" &&
  expect 1 "$IOTSEC" ibc verify --kms-pub "$work/mno-kms/kms.pub" \
    --id "$last|urn:mno:example-mobile:kms-01" --in "$work/msg" --sig "$work/old.sig" &&
  refused || bad "expired key period accepted"

step "12. the KMS issuing a key for an expired key period"
expect 2 "$IOTSEC" kms issue --kms "$work/mno-kms" --id "$last|urn:dev:acme-sensors:SN-000042" \
  --out "$work/x.key" && [ ! -e "$work/x.key" ] && refused || bad "expired key issued"

step "13. a revoked device: no new key, and its signatures refused"
expect 0 "$IOTSEC" ibc sign --key "$work/device.key" --kms-pub "$work/mno-kms/kms.pub" \
  --in "$work/msg" --out "$work/dev.sig" &&
  expect 0 "$IOTSEC" kms revoke --kms "$work/mno-kms" --id "$device" &&
  expect 2 "$IOTSEC" kms issue --kms "$work/mno-kms" --id "$device" --out "$work/y.key" &&
  expect 1 "$IOTSEC" ibc verify --kms-pub "$work/mno-kms/kms.pub" --id "$device" \
    --revocations "$work/mno-kms/revocations" --in "$work/msg" --sig "$work/dev.sig" &&
  refused || bad "revoked identity accepted"

echo
echo "The identity ledger (X.ztd-iot): organizations write signed records; a device checks its"
echo "own state with inclusion proofs against the ledger's checkpoint key alone."
lw="$work/ledger"
mkdir -p "$lw"
trap 'stop_serve; rm -rf "$work"' EXIT
start_serve "$IOTSEC" "$lw/node" "$lw/serve.out"
url=$SERVE_URL
anchor=$SERVE_ANCHOR
# as ORG: the signer options of the writing commands (ORG's key is $lw/ORG.key).
as() { echo --server "$url" --as "$1" --key "$lw/$1.key"; }

step "14. a ledger node starts (its checkpoint key: the devices' anchor)"
[ -n "$url" ] && [ -n "$anchor" ] && cp "$lw/node/node.key" "$lw/node.key" && ok ||
  bad "serve did not start: $(head -c 300 "$lw/serve.out")"

step "15. the root admits a manufacturer, an owner, an MNO and an SP"
admitted=0
for org in acme-sensors:manufacturer city-water:owner example-mobile:mno metering-cloud:sp; do
  expect 0 "$IOTSEC" ledger keygen --out "$lw/${org%%:*}.key" --json &&
    pub=$(sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/' "$work/out") &&
    expect 0 "$IOTSEC" ledger admit $(as node) --org "${org%%:*}" --role "${org##*:}" \
      --public-key "$pub" && admitted=$((admitted + 1))
done
[ "$admitted" -eq 4 ] && ok || bad "ledger admit"

step "16. the MNO publishes its X.1365 KMS parameters (KPAK, Z) on the ledger"
expect 0 "$IOTSEC" ledger publish-kms $(as example-mobile) --kms-pub "$work/mno-kms/kms.pub" \
  --onboarding-key "$work/mno-kms/onboard.key" &&
  ok || bad "ledger publish-kms"

step "17. the manufacturer records the birth of 3 devices"
expect 0 "$IOTSEC" ledger birth $(as acme-sensors) --generate 3 --prefix SN- --model meter-1 \
  --keys-out "$lw/device-keys" && ok || bad "ledger birth"
d1=urn:dev:acme-sensors:SN-0001
d2=urn:dev:acme-sensors:SN-0002

step "18. it sells 2 of them to the owner"
expect 0 "$IOTSEC" ledger transfer $(as acme-sensors) --device "$d1,$d2" --to city-water &&
  ok || bad "ledger transfer"

step "19. the owner binds them to the MNO and the SP"
expect 0 "$IOTSEC" ledger bind $(as city-water) --device "$d1,$d2" --mno example-mobile \
  --sp metering-cloud && ok || bad "ledger bind"

step "20. device SN-0001 verifies its own state (proofs, checkpoint key)"
facts='s/^verified [^ ]* (\(tree size [0-9]*\)): .*\(owner .*\), not revoked$/\2 (\1)/'
expect 0 "$IOTSEC" ledger device --server "$url" --device "$d1" --anchor "$anchor" &&
  grep -q "owner city-water, mno example-mobile, sps metering-cloud" "$work/out" && ok &&
  printf '      %s\n' "$(sed "$facts" "$work/out")" || bad "ledger device"

echo
echo "An attack on the ledger, which must be refused:"
step "21. the manufacturer sells a device it no longer owns (double transfer)"
expect 1 "$IOTSEC" ledger transfer $(as acme-sensors) --device "$d1" --to city-water &&
  refused || bad "double transfer accepted"

stop_serve

echo
if [ "$failures" -eq 0 ]; then
  echo "demo: all 21 steps held."
  exit 0
fi
echo "demo: $failures step(s) failed."
exit 1
