// Copyright iotsec authors.
// ECDSA over P-256 with SHA-256 (FIPS 186-4), signatures in the raw 64-octet r || s form of
// COSE ES256 (RFC 9053 §2.1).
#ifndef IOTSEC_CRYPTO_ECDSA_H_
#define IOTSEC_CRYPTO_ECDSA_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"

// OpenSSL's key object, kept opaque here.
struct evp_pkey_st;

namespace iotsec::crypto {

// kP256ScalarSize is the size of a P-256 private scalar and of one coordinate.
inline constexpr size_t kP256ScalarSize = 32;
// kP256UncompressedSize is the size of an uncompressed SEC 1 point: 0x04 || x || y.
inline constexpr size_t kP256UncompressedSize = 65;
// kEcdsaP256SignatureSize is the size of a raw r || s signature.
inline constexpr size_t kEcdsaP256SignatureSize = 64;

// EcdsaP256Signature is a raw r || s signature (each 32 octets, big-endian).
using EcdsaP256Signature = std::array<uint8_t, kEcdsaP256SignatureSize>;

// EcdsaP256PublicKey is a validated P-256 public key. Copies share one immutable OpenSSL key;
// it is safe to use from several threads.
class EcdsaP256PublicKey {
 public:
  // FromUncompressed parses an uncompressed SEC 1 point (SEC 1 v2 §2.3.4: 0x04 || x || y).
  // Fails with kInvalidArgument on a length other than 65, another first octet (compressed or
  // infinity encodings), a coordinate >= p, or a point not on the curve.
  static Result<EcdsaP256PublicKey> FromUncompressed(ByteSpan sec1_65);

  // Uncompressed returns the key as 0x04 || x || y.
  std::array<uint8_t, kP256UncompressedSize> Uncompressed() const { return uncompressed_; }

  // Verify checks |sig64| (r || s) over SHA-256(|message|). Returns Ok() if it is valid.
  // Fails with kInvalidArgument when |sig64| is not 64 octets, kUnauthenticated when the
  // signature does not verify (including r or s outside [1, n-1]).
  Status Verify(ByteSpan message, ByteSpan sig64) const;

  // VerifyDigest is Verify for a message whose SHA-256 digest the caller already computed.
  Status VerifyDigest(const Sha256Digest& digest, ByteSpan sig64) const;

 private:
  friend class EcdsaP256PrivateKey;
  EcdsaP256PublicKey(std::shared_ptr<evp_pkey_st> pkey,
                     const std::array<uint8_t, kP256UncompressedSize>& uncompressed);

  std::shared_ptr<evp_pkey_st> pkey_;
  std::array<uint8_t, kP256UncompressedSize> uncompressed_;
};

// EcdsaP256PrivateKey is a P-256 signing key held inside OpenSSL. Copies share one immutable
// OpenSSL key; it is safe to use from several threads.
class EcdsaP256PrivateKey {
 public:
  // Generate returns a new random key drawn from SystemRng(). Fails with kUnavailable if the
  // generator fails, kInternal if OpenSSL fails.
  static Result<EcdsaP256PrivateKey> Generate();
  // Generate(rng) draws the scalar from |rng| (uniform in [1, n-1] by rejection sampling).
  // Fails with the error of |rng|, or kInternal if OpenSSL fails.
  static Result<EcdsaP256PrivateKey> Generate(Rng& rng);
  // FromScalar builds the key with private scalar |d32| (32 octets, big-endian). Fails with
  // kInvalidArgument when the length is not 32, or d is 0 or >= n (the group order).
  static Result<EcdsaP256PrivateKey> FromScalar(ByteSpan d32);

  // Sign returns an r || s signature over SHA-256(|message|) with a fresh random nonce from
  // OpenSSL's generator. Fails with kInternal if OpenSSL fails.
  Result<EcdsaP256Signature> Sign(ByteSpan message) const;
  // SignDigest is Sign for a message whose SHA-256 digest the caller already computed.
  Result<EcdsaP256Signature> SignDigest(const Sha256Digest& digest) const;

  // PublicKey returns the matching public key.
  EcdsaP256PublicKey PublicKey() const { return public_key_; }

  // Scalar exports the private scalar d (32 octets, big-endian), for storing the key. Fails
  // with kInternal if OpenSSL fails.
  Result<SecretBytes> Scalar() const;

 private:
  EcdsaP256PrivateKey(std::shared_ptr<evp_pkey_st> pkey, EcdsaP256PublicKey public_key);

  std::shared_ptr<evp_pkey_st> pkey_;
  EcdsaP256PublicKey public_key_;
};

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_ECDSA_H_
