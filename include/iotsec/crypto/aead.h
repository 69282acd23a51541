// Copyright iotsec authors.
// AES-GCM authenticated encryption (RFC 5116 AEAD_AES_128_GCM / AEAD_AES_256_GCM; NIST
// SP 800-38D) with 12-octet nonces and 16-octet tags.
#ifndef IOTSEC_CRYPTO_AEAD_H_
#define IOTSEC_CRYPTO_AEAD_H_

#include <cstddef>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::crypto {

// kAesGcmNonceSize is the only nonce length accepted (RFC 5116 §5.1: N_MIN = N_MAX = 12).
inline constexpr size_t kAesGcmNonceSize = 12;
// kAesGcmTagSize is the length of the authentication tag appended to the ciphertext.
inline constexpr size_t kAesGcmTagSize = 16;

// AesGcmSeal encrypts |plaintext| and authenticates it together with |aad| under |key| (16
// octets: AES-128, 32 octets: AES-256) and |nonce| (12 octets; it must never repeat under one
// key). Returns ciphertext || tag (plaintext size + 16 octets). Fails with kInvalidArgument on a
// wrong key or nonce length, kInternal if OpenSSL fails.
Result<Bytes> AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext);

// AesGcmOpen checks and decrypts |ciphertext_and_tag| (as AesGcmSeal returns it) with |aad|.
// Returns the plaintext only if the tag verifies. Fails with kUnauthenticated when the tag does
// not verify (no plaintext is released), kInvalidArgument on a wrong key or nonce length or an
// input shorter than the tag, kInternal if OpenSSL fails.
Result<SecretBytes> AesGcmOpen(ByteSpan key, ByteSpan nonce, ByteSpan aad,
                               ByteSpan ciphertext_and_tag);

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_AEAD_H_
