// Copyright iotsec authors.
// COSE_Mac0 (RFC 9052 §6.2) with HMAC-SHA-256 (RFC 9053 §3.1), key known to the recipient.
// Wire format and rules: doc/formats/cbor-cose.md.
#ifndef IOTSEC_COSE_MAC0_H_
#define IOTSEC_COSE_MAC0_H_

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/keys.h"

namespace iotsec::cose {

// Mac0 returns a COSE_Mac0 message over |payload| (carried in the message) with alg from |key|
// in the protected header, |headers| added, |external_aad| covered by the tag but not carried,
// tagged with tag 17 unless |tagging| is kUntagged. Fails with kInvalidArgument when |headers|
// are not acceptable (see Headers).
Result<Bytes> Mac0(const Mac0Key& key, ByteSpan payload, ByteSpan external_aad,
                   const Headers& headers = {}, Tagging tagging = Tagging::kTagged);

// VerifiedMac0 is a COSE_Mac0 whose tag verified.
struct VerifiedMac0 {
  MessageHeaders headers;
  Bytes payload;
};

// VerifyMac0 parses |message| (tagged with 17, or untagged) and checks its tag with |key| and
// |external_aad| (constant-time comparison). On success returns the headers and the payload.
// Fails with kInvalidArgument when the message is malformed (as for VerifySign1; also: a tag
// of the wrong length for alg); kUnauthenticated when alg is not the key's algorithm or the
// tag does not verify.
Result<VerifiedMac0> VerifyMac0(ByteSpan message, const Mac0Key& key, ByteSpan external_aad);

}  // namespace iotsec::cose

#endif  // IOTSEC_COSE_MAC0_H_
