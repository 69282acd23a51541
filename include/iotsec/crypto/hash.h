// Copyright iotsec authors.
// SHA-256 (FIPS 180-4), one-shot and incremental.
#ifndef IOTSEC_CRYPTO_HASH_H_
#define IOTSEC_CRYPTO_HASH_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "iotsec/common/bytes.h"

// OpenSSL's digest context, kept opaque here.
struct evp_md_ctx_st;

namespace iotsec::crypto {

// kSha256Size is the digest size of SHA-256 in octets.
inline constexpr size_t kSha256Size = 32;
// kSha256BlockSize is the SHA-256 block size in octets (the HMAC block size, RFC 2104).
inline constexpr size_t kSha256BlockSize = 64;

// Sha256Digest is a SHA-256 digest.
using Sha256Digest = std::array<uint8_t, kSha256Size>;

// Sha256Hasher computes SHA-256 over data given in pieces. The digest implementation is fetched from
// OpenSSL once per process, so creating one is cheap. Move-only. Allocation or OpenSSL failures
// (memory exhaustion only) abort the process.
class Sha256Hasher {
 public:
  // Sha256Hasher starts an empty message.
  Sha256Hasher();
  // ~Sha256Hasher wipes the hash state.
  ~Sha256Hasher();
  // Sha256Hasher(Sha256Hasher&&) and operator= move the state; a moved-from object starts a
  // new message on its next use.
  Sha256Hasher(Sha256Hasher&& other) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&& other) noexcept;
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Update appends |data| to the message.
  void Update(ByteSpan data);
  // Final returns the digest of the message so far and resets the object to an empty message,
  // so that it can be reused.
  Sha256Digest Final();

 private:
  evp_md_ctx_st* ctx_;
};

// Sha256 returns the SHA-256 digest of |data|. It cannot fail: an OpenSSL failure here (only
// possible when memory is exhausted) aborts the process.
Sha256Digest Sha256(ByteSpan data);

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_HASH_H_
