// Copyright iotsec authors.
// COSE_Encrypt0 (RFC 9052 §5.2) with AES-GCM (RFC 9053 §4.1), key known to the recipient.
// Wire format and rules: doc/formats/cbor-cose.md.
#ifndef IOTSEC_COSE_ENCRYPT0_H_
#define IOTSEC_COSE_ENCRYPT0_H_

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/keys.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::cose {

// Encrypt0 returns a COSE_Encrypt0 message carrying |plaintext| encrypted with |key|: alg in
// the protected header, a fresh 12-octet IV drawn from |rng| in the unprotected header (label
// 5), |headers| added, the Enc_structure with |external_aad| as the AEAD's additional data,
// tagged with tag 16 unless |tagging| is kUntagged. An IV must never repeat under one key:
// |rng| is injectable for known-answer tests only. Fails with kInvalidArgument when |headers|
// are not acceptable (see Headers), the error of |rng| if it fails, kInternal if encryption
// fails.
Result<Bytes> Encrypt0(const Encrypt0Key& key, ByteSpan plaintext, ByteSpan external_aad,
                       const Headers& headers = {}, Tagging tagging = Tagging::kTagged,
                       crypto::Rng& rng = crypto::SystemRng());

// DecryptedEncrypt0 is a COSE_Encrypt0 whose tag verified, with its plaintext.
struct DecryptedEncrypt0 {
  MessageHeaders headers;
  crypto::SecretBytes plaintext;
};

// DecryptEncrypt0 parses |message| (tagged with 16, or untagged) and decrypts it with |key|
// and |external_aad|. On success returns the headers and the plaintext. Fails with
// kInvalidArgument when the message is malformed (as for VerifySign1; also: no IV, an IV that
// is not 12 octets, a Partial IV, a detached ciphertext, a ciphertext shorter than the tag);
// kUnauthenticated when alg is not the key's algorithm or the tag does not verify.
Result<DecryptedEncrypt0> DecryptEncrypt0(ByteSpan message, const Encrypt0Key& key,
                                          ByteSpan external_aad);

}  // namespace iotsec::cose

#endif  // IOTSEC_COSE_ENCRYPT0_H_
