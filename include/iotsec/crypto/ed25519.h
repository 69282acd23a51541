// Copyright iotsec authors.
// Ed25519 signatures (RFC 8032 §5.1, pure Ed25519: no context, no prehash).
#ifndef IOTSEC_CRYPTO_ED25519_H_
#define IOTSEC_CRYPTO_ED25519_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"

// OpenSSL's key object, kept opaque here.
struct evp_pkey_st;

namespace iotsec::crypto {

// kEd25519KeySize is the size of a seed (private key) and of a public key.
inline constexpr size_t kEd25519KeySize = 32;
// kEd25519SignatureSize is the size of a signature R || S.
inline constexpr size_t kEd25519SignatureSize = 64;

// Ed25519Signature is a signature R || S (RFC 8032 §5.1.6).
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

// Ed25519PublicKey is an Ed25519 public key A. Copies share one immutable OpenSSL key.
class Ed25519PublicKey {
 public:
  // FromBytes takes the 32-octet encoding of A (RFC 8032 §5.1.2). Fails with kInvalidArgument
  // on another length. The encoding is decoded when verifying: a value that is not a point
  // makes every Verify fail with kUnauthenticated.
  static Result<Ed25519PublicKey> FromBytes(ByteSpan public32);

  // Bytes returns the 32-octet encoding of A.
  std::array<uint8_t, kEd25519KeySize> Bytes() const { return raw_; }
  // Raw is Bytes.
  std::array<uint8_t, kEd25519KeySize> Raw() const { return raw_; }

  // Verify checks |sig64| over |message| (RFC 8032 §5.1.7). Returns Ok() if it is valid.
  // Fails with kInvalidArgument when |sig64| is not 64 octets, kUnauthenticated when the
  // signature does not verify (including S >= L).
  Status Verify(ByteSpan message, ByteSpan sig64) const;

 private:
  friend class Ed25519PrivateKey;
  Ed25519PublicKey(std::shared_ptr<evp_pkey_st> pkey,
                   const std::array<uint8_t, kEd25519KeySize>& raw);

  std::shared_ptr<evp_pkey_st> pkey_;
  std::array<uint8_t, kEd25519KeySize> raw_;
};

// Ed25519PrivateKey is an Ed25519 signing key held inside OpenSSL. Copies share one immutable
// OpenSSL key.
class Ed25519PrivateKey {
 public:
  // Generate returns a key with a seed from SystemRng(). Fails with kUnavailable if the
  // generator fails, kInternal if OpenSSL fails.
  static Result<Ed25519PrivateKey> Generate();
  // Generate(rng) takes the seed from |rng|. Fails with the error of |rng|, or kInternal.
  static Result<Ed25519PrivateKey> Generate(Rng& rng);
  // FromSeed builds the key from its 32-octet seed (RFC 8032 §5.1.5). Fails with
  // kInvalidArgument on another length, kInternal if OpenSSL fails.
  static Result<Ed25519PrivateKey> FromSeed(ByteSpan seed32);
  // FromSeedFile reads a key file holding exactly the raw 32-octet seed (the format of the
  // ledger's organization keys and node.key) into zeroizing memory and builds the key. Fails
  // with the error of ReadFileInto (kNotFound, kUnavailable, ...) or kInvalidArgument naming
  // |path| when the file is not 32 octets.
  static Result<Ed25519PrivateKey> FromSeedFile(const std::string& path);

  // Sign returns the deterministic signature of |message| (RFC 8032 §5.1.6). Fails with
  // kInternal if OpenSSL fails.
  Result<Ed25519Signature> Sign(ByteSpan message) const;

  // PublicKey returns the matching public key.
  Ed25519PublicKey PublicKey() const { return public_key_; }

  // Seed exports the 32-octet seed, for storing the key. Fails with kInternal if OpenSSL fails.
  Result<SecretBytes> Seed() const;

 private:
  Ed25519PrivateKey(std::shared_ptr<evp_pkey_st> pkey, Ed25519PublicKey public_key);

  std::shared_ptr<evp_pkey_st> pkey_;
  Ed25519PublicKey public_key_;
};

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_ED25519_H_
