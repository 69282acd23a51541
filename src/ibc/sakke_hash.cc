// Copyright iotsec authors.
#include "sakke_hash.h"

#include <algorithm>
#include <array>

#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/hash.h"

namespace iotsec::ibc::sakke {

const mp::Field<kLimbs>& QField() {
  static const mp::Field<kLimbs> f(kQ);
  return f;
}

void MulModQ(Num& r, const Num& a, const Num& b) {
  const auto& f = QField();
  Num am, bm, t;
  f.ToMont(am, a);
  f.ToMont(bm, b);
  f.Mul(t, am, bm);
  f.FromMont(r, t);
  crypto::SecureZero(&am, sizeof(am));
  crypto::SecureZero(&t, sizeof(t));
}

void HashToIntegerRangeRaw(std::span<uint8_t> vprime, ByteSpan s1, ByteSpan s2) {
  crypto::Sha256Hasher hasher;
  // 1) A = hashfn(s)
  hasher.Update(s1);
  hasher.Update(s2);
  crypto::Sha256Digest a = hasher.Final();
  // 2) h_0 = 00...0, a string of hashlen null bits
  crypto::Sha256Digest h{};
  // 4) for i in [1, l]: h_i = hashfn(h_(i-1)); v_i = hashfn(h_i || A)
  // 5) v' = v_1 || ... || v_l
  for (size_t i = 0; i * crypto::kSha256Size < vprime.size(); ++i) {
    h = crypto::Sha256(h);
    hasher.Update(h);
    hasher.Update(a);
    crypto::Sha256Digest v = hasher.Final();
    std::copy(v.begin(), v.end(), vprime.begin() + static_cast<std::ptrdiff_t>(i * v.size()));
    crypto::SecureZero(v.data(), v.size());
  }
  crypto::SecureZero(a.data(), a.size());
  crypto::SecureZero(h.data(), h.size());
}

void HashToQ(Num& r, ByteSpan s1, ByteSpan s2) {
  // 3) l = Ceiling(lg(q) / hashlen) = Ceiling(1021.3 / 256) = 4.
  std::array<uint8_t, 4 * crypto::kSha256Size> vprime;
  HashToIntegerRangeRaw(vprime, s1, s2);
  // 6) v = v' mod q: v' < 2^1024 = R, which QField().Reduce accepts.
  Num v;
  mp::FromBytes(v, vprime);
  QField().Reduce(r, v);
  crypto::SecureZero(vprime.data(), vprime.size());
  crypto::SecureZero(&v, sizeof(v));
}

void HashToMask(std::span<uint8_t, kSsvBytes> out, const Fp& w) {
  std::array<uint8_t, kFpBytes> wb;
  FpToBytes(wb, w);
  // l = Ceiling(lg(2^128) / 256) = 1; v = v_1 mod 2^128.
  std::array<uint8_t, crypto::kSha256Size> v1;
  HashToIntegerRangeRaw(v1, wb, {});
  std::copy(v1.end() - kSsvBytes, v1.end(), out.begin());
  crypto::SecureZero(wb.data(), wb.size());
  crypto::SecureZero(v1.data(), v1.size());
}

}  // namespace iotsec::ibc::sakke
