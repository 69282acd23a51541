// Copyright iotsec authors.
#include "iotsec/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstddef>

#include "openssl_util.h"

namespace iotsec::crypto {

Rng::~Rng() = default;

namespace {

// OpenSslRng draws from OpenSSL's default DRBG, which OpenSSL 3 keeps per thread, so Fill is
// thread-safe without locking here.
class OpenSslRng final : public Rng {
 public:
  Status Fill(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      // RAND_bytes takes an int length.
      const size_t chunk = std::min<size_t>(out.size() - done, size_t{1} << 30);
      if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
        return internal::OpenSslFail(ErrorCode::kUnavailable, "RAND_bytes failed");
      }
      done += chunk;
    }
    return Ok();
  }
};

}  // namespace

Rng& SystemRng() {
  static OpenSslRng* const rng = new OpenSslRng();  // never destroyed: usable during exit
  return *rng;
}

}  // namespace iotsec::crypto
