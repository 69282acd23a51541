// Copyright iotsec authors.
// COSE (RFC 9052, algorithms RFC 9053): what COSE_Sign1, COSE_Encrypt0 and COSE_Mac0 share:
// algorithm identifiers, header parameters, the tags, the to-be-signed / to-be-MACed /
// additional-data structures, and the decoded headers of a received message. The messages
// themselves are in sign1.h, encrypt0.h and mac0.h; the keys in keys.h. The wire format, what
// we accept and what we refuse is in doc/formats/cbor-cose.md.
#ifndef IOTSEC_COSE_COSE_H_
#define IOTSEC_COSE_COSE_H_

#include <cstdint>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cbor.h"

namespace iotsec::cose {

// kHeaderAlg .. kHeaderPartialIv are the header parameter labels of RFC 9052 §3.1, Table 3.
inline constexpr int64_t kHeaderAlg = 1;
inline constexpr int64_t kHeaderCrit = 2;
inline constexpr int64_t kHeaderContentType = 3;
inline constexpr int64_t kHeaderKid = 4;
inline constexpr int64_t kHeaderIv = 5;
inline constexpr int64_t kHeaderPartialIv = 6;

// kTagEncrypt0, kTagMac0 and kTagSign1 are the CBOR tags of the messages (RFC 9052 §2,
// Table 1).
inline constexpr uint64_t kTagEncrypt0 = 16;
inline constexpr uint64_t kTagMac0 = 17;
inline constexpr uint64_t kTagSign1 = 18;

// Algorithm is a COSE algorithm that iotsec implements; the value is its identifier in the
// IANA "COSE Algorithms" registry (RFC 9053).
enum class Algorithm : int64_t {
  kEs256 = -7,       // ECDSA P-256 with SHA-256, signature r || s (RFC 9053 §2.1)
  kEdDsa = -8,       // EdDSA; iotsec supports the Ed25519 curve only (RFC 9053 §2.2)
  kA128Gcm = 1,      // AES-GCM, 128-bit key, 128-bit tag (RFC 9053 §4.1)
  kA256Gcm = 3,      // AES-GCM, 256-bit key, 128-bit tag (RFC 9053 §4.1)
  kHmac256_64 = 4,   // HMAC-SHA-256 truncated to 64 bits (RFC 9053 §3.1)
  kHmac256_256 = 5,  // HMAC-SHA-256 (RFC 9053 §3.1)
};

// AlgorithmName returns the registry name of |alg| ("ES256", "A128GCM", "HMAC 256/64", ...).
std::string_view AlgorithmName(Algorithm alg);

// MessageType names the three COSE message structures that iotsec implements.
enum class MessageType { kSign1, kEncrypt0, kMac0 };

// MessageTypeName returns "COSE_Sign1", "COSE_Encrypt0" or "COSE_Mac0".
std::string_view MessageTypeName(MessageType type);

// Tagging says whether a message that we build starts with its CBOR tag (RFC 9052 §2: the
// tagged form is self-describing; the untagged form is for protocols that already know the
// type). Received messages are accepted in either form.
enum class Tagging { kTagged, kUntagged };

// Headers are the header parameters that a caller adds to a message it builds, in the
// protected bucket (covered by the signature, MAC or AEAD tag) or the unprotected one. The
// library itself sets alg (protected, from the key) and, for COSE_Encrypt0, IV (unprotected);
// building fails if the caller sets those, sets crit, or puts a label in both buckets.
class Headers {
 public:
  // SetProtected puts |label| -> |value| into the protected bucket (replacing an equal label).
  // |label| must be an integer or a text string, else building the message fails.
  Headers& SetProtected(cbor::Value label, cbor::Value value);
  Headers& SetProtected(int64_t label, cbor::Value value);
  // SetUnprotected puts |label| -> |value| into the unprotected bucket.
  Headers& SetUnprotected(cbor::Value label, cbor::Value value);
  Headers& SetUnprotected(int64_t label, cbor::Value value);
  // SetKid sets the key identifier (label 4) in the unprotected bucket.
  Headers& SetKid(ByteSpan kid);
  // SetContentType sets the CoAP content format (label 3) in the protected bucket.
  Headers& SetContentType(uint64_t content_format);

  // protected_map and unprotected_map return the buckets as CBOR maps.
  const cbor::Value& protected_map() const { return protected_; }
  const cbor::Value& unprotected_map() const { return unprotected_; }

 private:
  cbor::Value protected_ = cbor::Value::Map();
  cbor::Value unprotected_ = cbor::Value::Map();
};

// MessageHeaders are the headers of a received message after its structure has been checked.
// Before a successful Verify/Decrypt call nothing in them is authenticated.
struct MessageHeaders {
  // protected_octets is the protected header exactly as received (the contents of the bstr);
  // it is what the signature, MAC or AEAD tag covers.
  Bytes protected_octets;
  // protected_map is protected_octets decoded (an empty map if they are empty).
  cbor::Value protected_map = cbor::Value::Map();
  // unprotected_map is the unprotected header map.
  cbor::Value unprotected_map = cbor::Value::Map();
  // alg is the algorithm from the protected header.
  Algorithm alg = Algorithm::kEs256;

  // Find returns the value of |label| from the protected or the unprotected bucket (a label is
  // never in both); kNotFound if it is in neither.
  Result<const cbor::Value*> Find(int64_t label) const;
  // kid returns the key identifier (label 4); kNotFound if absent.
  Result<ByteSpan> kid() const;
};

// PeekHeaders checks the structure of |message| (a COSE message of |type|, tagged or not) and
// returns its headers without verifying anything, so that a receiver can pick a key by kid.
// Fails with kInvalidArgument as the Verify/Decrypt functions do for a malformed message.
Result<MessageHeaders> PeekHeaders(ByteSpan message, MessageType type);

// SigStructure1 returns the encoded Sig_structure of a COSE_Sign1 (RFC 9052 §4.4):
// ["Signature1", body_protected, external_aad, payload], all byte strings. |body_protected| is
// the protected header as carried in the message (empty when there is none).
Bytes SigStructure1(ByteSpan body_protected, ByteSpan external_aad, ByteSpan payload);

// EncStructure0 returns the encoded Enc_structure of a COSE_Encrypt0 (RFC 9052 §5.3):
// ["Encrypt0", protected, external_aad]; it is the AEAD's additional data.
Bytes EncStructure0(ByteSpan body_protected, ByteSpan external_aad);

// MacStructure0 returns the encoded MAC_structure of a COSE_Mac0 (RFC 9052 §6.3):
// ["MAC0", protected, external_aad, payload].
Bytes MacStructure0(ByteSpan body_protected, ByteSpan external_aad, ByteSpan payload);

}  // namespace iotsec::cose

#endif  // IOTSEC_COSE_COSE_H_
