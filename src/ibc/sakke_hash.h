// Copyright iotsec authors.
// HashToIntegerRange of RFC 6508 §5.1 with Hash = SHA-256 (RFC 6509 parameter set 1), and
// arithmetic modulo q = (p + 1) / 4. Private to ibc/.
//
// Constant time: the hashed strings and the results are secret (the SSV, r, g^r); SHA-256 has
// no data-dependent branch or table index, and the reduction modulo q uses mp.h.
#ifndef IOTSEC_IBC_SAKKE_HASH_H_
#define IOTSEC_IBC_SAKKE_HASH_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "iotsec/common/bytes.h"
#include "sakke_fp.h"

namespace iotsec::ibc::sakke {

inline constexpr size_t kSsvBytes = 16;  // n = 128 (RFC 6509 parameter set 1)

// QField returns arithmetic modulo q (Montgomery form, mp.h).
const mp::Field<kLimbs>& QField();

// MulModQ sets r = a * b mod q for a, b < q.
void MulModQ(Num& r, const Num& a, const Num& b);

// HashToIntegerRangeRaw computes steps 1 to 5 of RFC 6508 §5.1 for s = s1 || s2 and writes
// v' = v_1 || ... || v_l into |vprime|, l = vprime.size() / 32.
void HashToIntegerRangeRaw(std::span<uint8_t> vprime, ByteSpan s1, ByteSpan s2);

// HashToQ sets r = HashToIntegerRange(s1 || s2, q, SHA-256) (l = 4; step 6: v' mod q).
void HashToQ(Num& r, ByteSpan s1, ByteSpan s2);

// HashToMask sets out = HashToIntegerRange(w, 2^128, SHA-256), w an element of F_p written as
// 128 octets (RFC 6508 §4); l = 1 and the result is the last 16 octets of v_1.
void HashToMask(std::span<uint8_t, kSsvBytes> out, const Fp& w);

}  // namespace iotsec::ibc::sakke

#endif  // IOTSEC_IBC_SAKKE_HASH_H_
