// Copyright iotsec authors.
// COSE_Sign1 (RFC 9052 §4.2): one signer, ES256 or EdDSA (Ed25519). Wire format and rules:
// doc/formats/cbor-cose.md.
#ifndef IOTSEC_COSE_SIGN1_H_
#define IOTSEC_COSE_SIGN1_H_

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/keys.h"

namespace iotsec::cose {

// Sign1 returns a COSE_Sign1 message over |payload| (carried in the message) with alg set from
// |signer| in the protected header, |headers| added, |external_aad| covered by the signature
// but not carried, tagged with tag 18 unless |tagging| is kUntagged. Fails with
// kInvalidArgument when |headers| are not acceptable (see Headers), kInternal if signing
// fails.
Result<Bytes> Sign1(const Sign1Signer& signer, ByteSpan payload, ByteSpan external_aad,
                    const Headers& headers = {}, Tagging tagging = Tagging::kTagged);

// VerifiedSign1 is a COSE_Sign1 whose signature verified.
struct VerifiedSign1 {
  MessageHeaders headers;
  Bytes payload;
};

// VerifySign1 parses |message| (tagged with 18, or untagged) and verifies its signature with
// |verifier| over the Sig_structure with |external_aad|. On success returns the headers and the
// payload. Fails with kInvalidArgument when the message is malformed (not deterministic CBOR,
// another tag, wrong shape, bad header parameters, alg missing from the protected header or
// not a signature algorithm that iotsec supports, a detached payload, a signature of the
// wrong length); kUnauthenticated when alg is not the verifier's algorithm or the signature
// does not verify.
Result<VerifiedSign1> VerifySign1(ByteSpan message, const Sign1Verifier& verifier,
                                  ByteSpan external_aad);

}  // namespace iotsec::cose

#endif  // IOTSEC_COSE_SIGN1_H_
