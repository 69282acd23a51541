// Copyright iotsec authors.
// Key holders for COSE: each binds a key to the one COSE algorithm it may be used with, so that
// a message's alg can be checked against the key (RFC 9052 §3.1: alg; RFC 9053 §2, §3, §4:
// keys are for one algorithm). Formats: doc/formats/cbor-cose.md.
#ifndef IOTSEC_COSE_KEYS_H_
#define IOTSEC_COSE_KEYS_H_

#include <cstddef>
#include <utility>
#include <variant>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cose.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::cose {

// Sign1Verifier holds a public key for ES256 (P-256) or EdDSA (Ed25519). Copyable.
class Sign1Verifier {
 public:
  // Es256 returns a verifier for alg ES256 with |key|.
  static Sign1Verifier Es256(crypto::EcdsaP256PublicKey key);
  // EdDsa returns a verifier for alg EdDSA with the Ed25519 |key|.
  static Sign1Verifier EdDsa(crypto::Ed25519PublicKey key);

  // algorithm returns the one algorithm this key verifies.
  Algorithm algorithm() const;
  // Verify checks |signature| over |to_be_signed| (an encoded Sig_structure). Returns Ok() if
  // it is valid; kUnauthenticated if not; kInvalidArgument if the signature is not 64 octets.
  Status Verify(ByteSpan to_be_signed, ByteSpan signature) const;

 private:
  using Key = std::variant<crypto::EcdsaP256PublicKey, crypto::Ed25519PublicKey>;
  explicit Sign1Verifier(Key key) : key_(std::move(key)) {}
  Key key_;
};

// Sign1Signer holds a private key for ES256 (P-256) or EdDSA (Ed25519). Copyable (the OpenSSL
// key object is shared, not duplicated).
class Sign1Signer {
 public:
  // Es256 returns a signer for alg ES256 with |key|.
  static Sign1Signer Es256(crypto::EcdsaP256PrivateKey key);
  // EdDsa returns a signer for alg EdDSA with the Ed25519 |key|.
  static Sign1Signer EdDsa(crypto::Ed25519PrivateKey key);

  // algorithm returns the one algorithm this key signs with.
  Algorithm algorithm() const;
  // Sign returns the signature over |to_be_signed| (an encoded Sig_structure): r || s for
  // ES256 (RFC 9053 §2.1), the RFC 8032 signature for EdDSA. Fails with kInternal if OpenSSL
  // fails.
  Result<Bytes> Sign(ByteSpan to_be_signed) const;
  // Verifier returns the verifier for the matching public key.
  Sign1Verifier Verifier() const;

 private:
  using Key = std::variant<crypto::EcdsaP256PrivateKey, crypto::Ed25519PrivateKey>;
  explicit Sign1Signer(Key key) : key_(std::move(key)) {}
  Key key_;
};

// Encrypt0Key is a content-encryption key for A128GCM (16 octets) or A256GCM (32 octets).
// Move-only; Clone() copies.
class Encrypt0Key {
 public:
  // Create binds |key| to |alg|. Fails with kInvalidArgument when |alg| is not an AES-GCM
  // algorithm or the key length does not match it.
  static Result<Encrypt0Key> Create(Algorithm alg, crypto::SecretBytes key);

  // algorithm returns the algorithm the key is for.
  Algorithm algorithm() const { return alg_; }
  // key returns the key octets (secret: never log them).
  ByteSpan key() const { return key_.span(); }
  // Clone returns a copy.
  Encrypt0Key Clone() const { return Encrypt0Key(alg_, key_.Clone()); }

 private:
  Encrypt0Key(Algorithm alg, crypto::SecretBytes key) : alg_(alg), key_(std::move(key)) {}
  Algorithm alg_;
  crypto::SecretBytes key_;
};

// Mac0Key is a key for HMAC 256/256 or HMAC 256/64. Move-only; Clone() copies.
class Mac0Key {
 public:
  // kKeySize is the key length we require: the SHA-256 output length (RFC 9053 §3.1 leaves
  // it to the application; RFC 2104 §3 recommends no less than the hash output).
  static constexpr size_t kKeySize = 32;

  // Create binds |key| to |alg|. Fails with kInvalidArgument when |alg| is not an HMAC
  // algorithm or |key| is not kKeySize octets.
  static Result<Mac0Key> Create(Algorithm alg, crypto::SecretBytes key);

  // algorithm returns the algorithm the key is for.
  Algorithm algorithm() const { return alg_; }
  // tag_size returns the length of the tag: 32 octets for HMAC 256/256, 8 for HMAC 256/64.
  size_t tag_size() const;
  // ComputeTag returns the (truncated) HMAC-SHA-256 of |to_be_maced| (an encoded
  // MAC_structure).
  Bytes ComputeTag(ByteSpan to_be_maced) const;
  // VerifyTag returns Ok() when |tag| is the tag of |to_be_maced| (compared in constant time);
  // kInvalidArgument when |tag| has the wrong length, kUnauthenticated when it differs.
  Status VerifyTag(ByteSpan to_be_maced, ByteSpan tag) const;
  // Clone returns a copy.
  Mac0Key Clone() const { return Mac0Key(alg_, key_.Clone()); }

 private:
  Mac0Key(Algorithm alg, crypto::SecretBytes key) : alg_(alg), key_(std::move(key)) {}
  Algorithm alg_;
  crypto::SecretBytes key_;
};

}  // namespace iotsec::cose

#endif  // IOTSEC_COSE_KEYS_H_
