// Copyright iotsec authors.
// HMAC-SHA-256 (RFC 2104, FIPS 198-1) and HKDF-SHA-256 (RFC 5869).
#ifndef IOTSEC_CRYPTO_HMAC_H_
#define IOTSEC_CRYPTO_HMAC_H_

#include <cstddef>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::crypto {

// kHkdfSha256MaxLength is the largest output HKDF-SHA-256 can give (RFC 5869 §2.3: 255*HashLen).
inline constexpr size_t kHkdfSha256MaxLength = 255 * kSha256Size;

// HmacSha256 returns HMAC-SHA-256 of |data| under |key| (any length; keys longer than the
// 64-octet block are hashed first, RFC 2104 §2). It cannot fail. Compare the result with
// CtEqual, never with ==, when checking a MAC.
Sha256Digest HmacSha256(ByteSpan key, ByteSpan data);

// HkdfSha256 returns |length| octets of HKDF-SHA-256 output keying material (RFC 5869 §2):
// Expand(Extract(salt, ikm), info, length). An empty |salt| means HashLen zero octets (§2.2).
// Fails with kInvalidArgument when |length| > kHkdfSha256MaxLength. |length| 0 gives an empty
// result.
Result<SecretBytes> HkdfSha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, size_t length);

// HkdfSha256Extract returns the 32-octet pseudorandom key PRK = HMAC-Hash(salt, IKM)
// (RFC 5869 §2.2). It cannot fail.
SecretBytes HkdfSha256Extract(ByteSpan salt, ByteSpan ikm);

// HkdfSha256Expand returns |length| octets of output keying material from |prk| and |info|
// (RFC 5869 §2.3). Fails with kInvalidArgument when |prk| is shorter than 32 octets or
// |length| > kHkdfSha256MaxLength.
Result<SecretBytes> HkdfSha256Expand(ByteSpan prk, ByteSpan info, size_t length);

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_HMAC_H_
