// Copyright iotsec authors.
// Constant-time helpers (STYLE.md rules 14, 15; modelled on Botan's ct_utils.h and BoringSSL's
// constant-time validation with valgrind).
#ifndef IOTSEC_CRYPTO_CT_H_
#define IOTSEC_CRYPTO_CT_H_

#include <cstddef>

#include "iotsec/common/bytes.h"

namespace iotsec::crypto {

// CtEqual returns true when |a| and |b| hold the same octets. Sizes are treated as public: if
// they differ it returns false at once; otherwise the comparison takes time independent of the
// contents (CRYPTO_memcmp). Use it for MACs, tags and tokens.
bool CtEqual(ByteSpan a, ByteSpan b);

// SecureZero overwrites |n| octets at |p| with zeros in a way the compiler cannot elide
// (OPENSSL_cleanse). |p| may be nullptr when |n| is 0.
void SecureZero(void* p, size_t n);

// CtPoison marks |n| octets at |p| as undefined for valgrind memcheck, so that any branch or
// memory index that depends on them is reported when a test runs under valgrind. It does not
// change the octets and is a no-op when not running under valgrind or when the valgrind
// headers were not available at build time.
void CtPoison(const void* p, size_t n);

// CtUnpoison marks |n| octets at |p| as defined again (for example a result that may be
// revealed, before a test compares it). Same no-op rules as CtPoison.
void CtUnpoison(const void* p, size_t n);

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_CT_H_
