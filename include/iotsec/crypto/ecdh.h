// Copyright iotsec authors.
// Key agreement: X25519 (RFC 7748) and ECDH over P-256 (NIST SP 800-56A, RFC 5903 encoding of
// the shared secret as the x-coordinate).
#ifndef IOTSEC_CRYPTO_ECDH_H_
#define IOTSEC_CRYPTO_ECDH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"

// OpenSSL's key object, kept opaque here.
struct evp_pkey_st;

namespace iotsec::crypto {

// kX25519KeySize is the size of an X25519 private key, public key and shared secret.
inline constexpr size_t kX25519KeySize = 32;

// X25519PrivateKey is an X25519 private key held inside OpenSSL. Copies share one immutable
// OpenSSL key.
class X25519PrivateKey {
 public:
  // Generate returns a key with 32 random octets from SystemRng(). Fails with kUnavailable if
  // the generator fails, kInternal if OpenSSL fails.
  static Result<X25519PrivateKey> Generate();
  // Generate(rng) takes the 32 octets from |rng|. Fails with the error of |rng|, or kInternal.
  static Result<X25519PrivateKey> Generate(Rng& rng);
  // FromBytes builds the key from 32 octets k (clamped when used, RFC 7748 §5). Fails with
  // kInvalidArgument on another length, kInternal if OpenSSL fails.
  static Result<X25519PrivateKey> FromBytes(ByteSpan private32);

  // PublicKey returns X25519(k, 9) (RFC 7748 §6.1).
  std::array<uint8_t, kX25519KeySize> PublicKey() const { return public_key_; }

  // Agree returns the shared secret X25519(k, |peer32|). Fails with kInvalidArgument when
  // |peer32| is not 32 octets or the result is all zero (a low-order peer point, RFC 7748 §6.1),
  // kInternal if OpenSSL fails otherwise.
  Result<SecretBytes> Agree(ByteSpan peer32) const;

  // PrivateBytes exports the 32 private octets, for storing the key. Fails with kInternal if
  // OpenSSL fails.
  Result<SecretBytes> PrivateBytes() const;

 private:
  X25519PrivateKey(std::shared_ptr<evp_pkey_st> pkey,
                   const std::array<uint8_t, kX25519KeySize>& public_key);

  std::shared_ptr<evp_pkey_st> pkey_;
  std::array<uint8_t, kX25519KeySize> public_key_;
};

// EcdhP256PrivateKey is a P-256 key-agreement key held inside OpenSSL. Copies share one
// immutable OpenSSL key.
class EcdhP256PrivateKey {
 public:
  // Generate returns a new random key drawn from SystemRng(). Fails with kUnavailable if the
  // generator fails, kInternal if OpenSSL fails.
  static Result<EcdhP256PrivateKey> Generate();
  // Generate(rng) draws the scalar from |rng| (uniform in [1, n-1] by rejection sampling).
  static Result<EcdhP256PrivateKey> Generate(Rng& rng);
  // FromScalar builds the key with private scalar |d32| (32 octets, big-endian). Fails with
  // kInvalidArgument when the length is not 32, or d is 0 or >= n.
  static Result<EcdhP256PrivateKey> FromScalar(ByteSpan d32);

  // PublicKey returns the public point as 0x04 || x || y.
  std::array<uint8_t, kP256UncompressedSize> PublicKey() const { return public_key_; }

  // Agree returns the 32-octet x-coordinate of d * Q for the peer point Q (SP 800-56A
  // §5.7.1.2; RFC 5903 §9). Q is validated first (SP 800-56A §5.6.2.3.4 partial validation;
  // P-256 has cofactor 1). Fails with kInvalidArgument when |peer_uncompressed65| is not a valid
  // uncompressed point on the curve (as EcdsaP256PublicKey::FromUncompressed), kInternal if
  // OpenSSL fails.
  Result<SecretBytes> Agree(ByteSpan peer_uncompressed65) const;

  // Scalar exports the private scalar d (32 octets, big-endian). Fails with kInternal if
  // OpenSSL fails.
  Result<SecretBytes> Scalar() const;

 private:
  EcdhP256PrivateKey(std::shared_ptr<evp_pkey_st> pkey,
                     const std::array<uint8_t, kP256UncompressedSize>& public_key);

  std::shared_ptr<evp_pkey_st> pkey_;
  std::array<uint8_t, kP256UncompressedSize> public_key_;
};

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_ECDH_H_
