// Copyright iotsec authors.
// Private P-256 key handling shared by ECDSA (ecdsa.cc) and ECDH (ecdh.cc): parsing and
// validating public points, building keys from scalars, generation and export.
#ifndef IOTSEC_CRYPTO_P256_H_
#define IOTSEC_CRYPTO_P256_H_

#include <array>
#include <cstdint>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"
#include "openssl_util.h"

namespace iotsec::crypto::internal {

// P256Key is an OpenSSL P-256 key (public only, or a key pair) with its public point encoded
// as 0x04 || x || y.
struct P256Key {
  PkeyPtr pkey;
  std::array<uint8_t, kP256UncompressedSize> uncompressed;
};

// ParseP256Public validates |sec1| as an uncompressed P-256 point and returns a public key.
// Fails with kInvalidArgument on a wrong length or prefix, a coordinate >= p, or a point that is
// not on the curve; kInternal if OpenSSL fails otherwise.
Result<P256Key> ParseP256Public(ByteSpan sec1);

// P256ScalarInRange returns 1 if the 32 big-endian octets |d32| encode an integer in [1, n-1]
// and 0 otherwise, in time independent of the value (it only depends on the length). The
// answer itself is public: callers declassify it (CtUnpoison) before branching on it.
uint32_t P256ScalarInRange(ByteSpan d32);

// P256FromScalar returns the key pair with private scalar |d32| (big-endian). Fails with
// kInvalidArgument on a length other than 32 or d outside [1, n-1]; kInternal if OpenSSL fails.
Result<P256Key> P256FromScalar(ByteSpan d32);

// P256Generate returns a key pair whose scalar is drawn from |rng| by rejection sampling
// (FIPS 186-4 B.4.2, "testing candidates"). Fails with the error of |rng|, or kInternal.
Result<P256Key> P256Generate(Rng& rng);

// P256ExportScalar returns the private scalar of |pkey| as 32 big-endian octets. Fails with
// kInternal if OpenSSL fails.
Result<SecretBytes> P256ExportScalar(EVP_PKEY* pkey);

}  // namespace iotsec::crypto::internal

#endif  // IOTSEC_CRYPTO_P256_H_
