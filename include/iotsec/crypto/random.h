// Copyright iotsec authors.
// Randomness as an injectable interface (STYLE.md rule 18).
#ifndef IOTSEC_CRYPTO_RANDOM_H_
#define IOTSEC_CRYPTO_RANDOM_H_

#include <cstdint>
#include <span>

#include "iotsec/common/result.h"

namespace iotsec::crypto {

// Rng fills buffers with random octets. Production code uses SystemRng(); tests subclass it to
// inject chosen values or failures.
class Rng {
 public:
  virtual ~Rng();
  // Fill writes random octets over all of |out| and returns Ok(). On failure it returns an
  // error (SystemRng: kUnavailable) and the contents of |out| must not be used.
  virtual Status Fill(std::span<uint8_t> out) = 0;
};

// SystemRng returns the process-wide generator backed by OpenSSL's RAND_bytes (a DRBG seeded
// from the operating system). It is thread-safe and lives for the whole process.
Rng& SystemRng();

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_RANDOM_H_
