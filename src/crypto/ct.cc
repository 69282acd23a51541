// Copyright iotsec authors.
#include "iotsec/crypto/ct.h"

#include <openssl/crypto.h>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define IOTSEC_HAVE_VALGRIND 1
#endif

namespace iotsec::crypto {

bool CtEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) {
    return false;  // sizes are public
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void SecureZero(void* p, size_t n) {
  if (n > 0) {
    OPENSSL_cleanse(p, n);
  }
}

void CtPoison(const void* p, size_t n) {
#if defined(IOTSEC_HAVE_VALGRIND)
  // Client requests are a few no-op instructions when not running under valgrind.
  (void)VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#else
  (void)p;
  (void)n;
#endif
}

void CtUnpoison(const void* p, size_t n) {
#if defined(IOTSEC_HAVE_VALGRIND)
  (void)VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
  (void)p;
  (void)n;
#endif
}

}  // namespace iotsec::crypto
