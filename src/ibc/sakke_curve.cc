// Copyright iotsec authors.
#include "sakke_curve.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>

#include "iotsec/crypto/ct.h"

namespace iotsec::ibc::sakke {
namespace {

using mp::MaskFromBit;

// RFC 6509 Appendix A: the generator P = (P_x, P_y).
inline constexpr Num kPx = {{
    0x880DC8ABEAE63895ULL,
    0x80EC46C4967E0979ULL,
    0xEE9163A5B63F73ECULL,
    0xD5CFB4CC80728D87ULL,
    0xA7C1514DBA66910DULL,
    0xA702C3397A60DE74ULL,
    0x337C86548B72F2E1ULL,
    0x9760AF765DD5BCCBULL,
    0x718BD9E7406CE890ULL,
    0x43D5F22CDB9DFA55ULL,
    0xAB10DB9030B09E10ULL,
    0xB5EDB6C0F6CE2308ULL,
    0x98B2F204B6FF7CBFULL,
    0x2B1A2FD60AEC69C6ULL,
    0x0A7990053ED9B52AULL,
    0x53FC09EE332C29ADULL,
}};
inline constexpr Num kPy = {{
    0x75573FD71BEF16D7ULL,
    0xADB9B5706A67DCDEULL,
    0x80BDAD5AD5BB4636ULL,
    0x13515AD7E9CB99A9ULL,
    0x492D979FC5A4D5F2ULL,
    0xAC6F1E80164AA989ULL,
    0xCAD696B5B7652FE0ULL,
    0x70DAE117AD547C6CULL,
    0x416CFF0CA9E032B9ULL,
    0x6B598CCF9A140B2EULL,
    0xE7F7F5E5F0DE55F6ULL,
    0xF5EA69F4654EC2B9ULL,
    0x3D778D821E141178ULL,
    0xD3E8201602990696ULL,
    0xF9F1F0533634A135ULL,
    0x0A8249063F6009F1ULL,
}};

const Fp& Three() {
  static const Fp three = [] {
    Fp t;
    FpAdd(t, FpOne(), FpOne());
    FpAdd(t, t, FpOne());
    return t;
  }();
  return three;
}

}  // namespace

const Affine& GeneratorP() {
  static const Affine p = [] {
    Affine a;
    FpFromInt(a.x, kPx);
    FpFromInt(a.y, kPy);
    return a;
  }();
  return p;
}

Limb IsOnCurve(const Affine& a) {
  // RFC 6508 §2.1: y^2 = x^3 - 3x = x (x^2 - 3).
  Fp x2, rhs, lhs;
  FpSqr(x2, a.x);
  FpSub(x2, x2, Three());
  FpMul(rhs, x2, a.x);
  FpSqr(lhs, a.y);
  return FpEqual(lhs, rhs);
}

Limb DecodePoint(Affine& out, std::span<const uint8_t, kPointBytes> in) {
  const Limb prefix_ok = MaskFromBit(mp::IsZeroBit(mp::Num<1>{{Limb{in[0]} ^ 0x04}}));
  const Limb x_ok = FpFromBytes(out.x, in.subspan<1, kFpBytes>());
  const Limb y_ok = FpFromBytes(out.y, in.subspan<1 + kFpBytes, kFpBytes>());
  return prefix_ok & x_ok & y_ok & IsOnCurve(out) & ~FpIsZero(out.y);
}

void EncodePoint(std::span<uint8_t, kPointBytes> out, const Affine& a) {
  out[0] = 0x04;
  FpToBytes(out.subspan<1, kFpBytes>(), a.x);
  FpToBytes(out.subspan<1 + kFpBytes, kFpBytes>(), a.y);
}

void ToJac(Jac& r, const Affine& a) {
  r.x = a.x;
  r.y = a.y;
  r.z = FpOne();
}

void JacDouble(Jac& r, const Jac& a) {
  // dbl-2001-b (a = -3): 3M + 5S.
  Fp delta, gamma, beta, alpha, t, u;
  FpSqr(delta, a.z);
  FpSqr(gamma, a.y);
  FpMul(beta, a.x, gamma);
  FpSub(t, a.x, delta);
  FpAdd(u, a.x, delta);
  FpMul(alpha, t, u);
  FpAdd(t, alpha, alpha);
  FpAdd(alpha, t, alpha);  // alpha = 3 (X - delta)(X + delta)
  // Z3 = (Y + Z)^2 - gamma - delta (before X and Y are overwritten: r may alias a).
  Fp z3;
  FpAdd(t, a.y, a.z);
  FpSqr(t, t);
  FpSub(t, t, gamma);
  FpSub(z3, t, delta);
  // X3 = alpha^2 - 8 beta
  Fp beta4, beta8, x3;
  FpDbl(beta4, beta);
  FpDbl(beta4, beta4);
  FpDbl(beta8, beta4);
  FpSqr(x3, alpha);
  FpSub(x3, x3, beta8);
  // Y3 = alpha (4 beta - X3) - 8 gamma^2
  Fp y3;
  FpSub(t, beta4, x3);
  FpMul(y3, alpha, t);
  FpSqr(u, gamma);
  FpDbl(u, u);
  FpDbl(u, u);
  FpDbl(u, u);
  FpSub(r.y, y3, u);
  r.x = x3;
  r.z = z3;
}

void AddMixedCore(Jac& r, const Jac& a, const Affine& b, Fp& h, Fp& rr) {
  Fp z1z1, u2, s2, hh, i, j, v, t;
  FpSqr(z1z1, a.z);
  FpMul(u2, b.x, z1z1);
  FpMul(s2, b.y, a.z);
  FpMul(s2, s2, z1z1);
  FpSub(h, u2, a.x);
  FpSqr(hh, h);
  FpDbl(i, hh);
  FpDbl(i, i);
  FpMul(j, h, i);
  FpSub(rr, s2, a.y);
  FpDbl(rr, rr);
  FpMul(v, a.x, i);
  // X3 = r^2 - J - 2V
  Fp x3;
  FpSqr(x3, rr);
  FpSub(x3, x3, j);
  FpSub(x3, x3, v);
  FpSub(x3, x3, v);
  // Y3 = r (V - X3) - 2 Y1 J
  Fp y3;
  FpSub(t, v, x3);
  FpMul(y3, rr, t);
  FpMul(t, a.y, j);
  FpDbl(t, t);
  FpSub(y3, y3, t);
  // Z3 = (Z1 + H)^2 - Z1Z1 - HH
  Fp z3;
  FpAdd(t, a.z, h);
  FpSqr(t, t);
  FpSub(t, t, z1z1);
  FpSub(z3, t, hh);
  r.x = x3;
  r.y = y3;
  r.z = z3;
}


void JacAddMixed(Jac& r, const Jac& a, const Affine& b) {
  Fp h, rr;
  AddMixedCore(r, a, b, h, rr);
}

void JacAddMixedNonZero(Jac& r, const Jac& a, const Affine& b) {
  Jac sum, dbl;
  Fp h, rr;
  AddMixedCore(sum, a, b, h, rr);
  JacDouble(dbl, a);
  // H = 0 and r = 0: a = b, use the doubling. H = 0 and r != 0: a = -b, and Z3 = 2 Z1 H = 0
  // already stands for the point at infinity.
  const Limb use_dbl = FpIsZero(h) & FpIsZero(rr);
  FpSelect(r.x, use_dbl, dbl.x, sum.x);
  FpSelect(r.y, use_dbl, dbl.y, sum.y);
  FpSelect(r.z, use_dbl, dbl.z, sum.z);
}

Limb JacIsInfinity(const Jac& a) { return FpIsZero(a.z); }

void JacAdd(Jac& r, const Jac& a, const Jac& b) {
  // add-2007-bl, plus masks for a = O, b = O and a = b.
  Fp z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  FpSqr(z1z1, a.z);
  FpSqr(z2z2, b.z);
  FpMul(u1, a.x, z2z2);
  FpMul(u2, b.x, z1z1);
  FpMul(s1, a.y, b.z);
  FpMul(s1, s1, z2z2);
  FpMul(s2, b.y, a.z);
  FpMul(s2, s2, z1z1);
  FpSub(h, u2, u1);
  FpDbl(i, h);
  FpSqr(i, i);
  FpMul(j, h, i);
  FpSub(rr, s2, s1);
  FpDbl(rr, rr);
  FpMul(v, u1, i);
  Jac sum;
  FpSqr(sum.x, rr);
  FpSub(sum.x, sum.x, j);
  FpSub(sum.x, sum.x, v);
  FpSub(sum.x, sum.x, v);
  FpSub(t, v, sum.x);
  FpMul(sum.y, rr, t);
  FpMul(t, s1, j);
  FpDbl(t, t);
  FpSub(sum.y, sum.y, t);
  FpAdd(t, a.z, b.z);
  FpSqr(t, t);
  FpSub(t, t, z1z1);
  FpSub(t, t, z2z2);
  FpMul(sum.z, t, h);

  Jac dbl;
  JacDouble(dbl, a);
  const Limb a_inf = JacIsInfinity(a);
  const Limb b_inf = JacIsInfinity(b);
  const Limb use_dbl = FpIsZero(h) & FpIsZero(rr) & ~a_inf & ~b_inf;
  Jac out = sum;
  FpSelect(out.x, use_dbl, dbl.x, out.x);
  FpSelect(out.y, use_dbl, dbl.y, out.y);
  FpSelect(out.z, use_dbl, dbl.z, out.z);
  FpSelect(out.x, a_inf, b.x, out.x);
  FpSelect(out.y, a_inf, b.y, out.y);
  FpSelect(out.z, a_inf, b.z, out.z);
  FpSelect(out.x, b_inf, a.x, out.x);
  FpSelect(out.y, b_inf, a.y, out.y);
  FpSelect(out.z, b_inf, a.z, out.z);
  r = out;
}

Limb JacToAffine(Affine& r, const Jac& a) {
  Fp zi, zi2, zi3;
  FpInv(zi, a.z);
  FpSqr(zi2, zi);
  FpMul(zi3, zi2, zi);
  FpMul(r.x, a.x, zi2);
  FpMul(r.y, a.y, zi3);
  return JacIsInfinity(a);
}

Limb JacEqualsAffine(const Jac& a, const Affine& b) {
  Fp z2, z3, x, y;
  FpSqr(z2, a.z);
  FpMul(z3, z2, a.z);
  FpMul(x, b.x, z2);
  FpMul(y, b.y, z3);
  return FpEqual(x, a.x) & FpEqual(y, a.y) & ~JacIsInfinity(a);
}

void BatchToAffine(std::span<const Jac> in, std::span<Affine> out) {
  const size_t n = in.size();
  if (n == 0) {
    return;
  }
  std::vector<Fp> prefix(n);
  prefix[0] = in[0].z;
  for (size_t i = 1; i < n; ++i) {
    FpMul(prefix[i], prefix[i - 1], in[i].z);
  }
  Fp inv;
  FpInv(inv, prefix[n - 1]);
  for (size_t i = n; i-- > 0;) {
    Fp zi;
    if (i > 0) {
      FpMul(zi, inv, prefix[i - 1]);
      FpMul(inv, inv, in[i].z);
    } else {
      zi = inv;
    }
    Fp zi2, zi3;
    FpSqr(zi2, zi);
    FpMul(zi3, zi2, zi);
    FpMul(out[i].x, in[i].x, zi2);
    FpMul(out[i].y, in[i].y, zi3);
  }
}

// ---------------------------------------------------------------------------------------------
// Fixed-base tables.

std::unique_ptr<FixedBaseTable> FixedBaseTable::Build(const Affine& base) {
  std::unique_ptr<FixedBaseTable> t(new FixedBaseTable());
  // B_i = [2^(6i)]B and D_i = [2]B_i, all in affine form.
  std::vector<Jac> bj(kWindows), dj(kWindows);
  ToJac(bj[0], base);
  for (int i = 0; i < kWindows; ++i) {
    if (i > 0) {
      bj[i] = bj[i - 1];
      for (int k = 0; k < kWindow; ++k) {
        JacDouble(bj[i], bj[i]);
      }
    }
    JacDouble(dj[i], bj[i]);
  }
  std::vector<Affine> ba(kWindows), da(kWindows);
  BatchToAffine(bj, ba);
  BatchToAffine(dj, da);
  // Odd multiples (2j + 1) B_i = (2j - 1) B_i + D_i.
  std::vector<Jac> all(static_cast<size_t>(kWindows) * kEntries);
  for (int i = 0; i < kWindows; ++i) {
    Jac* row = &all[static_cast<size_t>(i) * kEntries];
    ToJac(row[0], ba[i]);
    for (int j = 1; j < kEntries; ++j) {
      JacAddMixed(row[j], row[j - 1], da[i]);
    }
  }
  t->entries_.resize(all.size());
  BatchToAffine(all, t->entries_);
  return t;
}

SignedWindows::SignedWindows(const Num& k) {
  Num kq;
  mp::AddRaw(kq, k, kQ);
  Num kodd;
  mp::Select(kodd, MaskFromBit((k.w[0] & 1) ^ 1), kq, k);
  static_assert(kBits >= 1023 && kBits < 64 * kSLimbs);
  mp::Num<kSLimbs> ones{};
  for (size_t i = 0; i < kLimbs; ++i) {
    s_.w[i] = kodd.w[i];
  }
  for (size_t bit = 0; bit < kBits; ++bit) {
    ones.w[bit / 64] |= Limb{1} << (bit % 64);
  }
  mp::AddRaw(s_, s_, ones);
  for (size_t i = 0; i + 1 < kSLimbs; ++i) {
    s_.w[i] = (s_.w[i] >> 1) | (s_.w[i + 1] << 63);
  }
  s_.w[kSLimbs - 1] >>= 1;
  crypto::SecureZero(&kq, sizeof kq);
  crypto::SecureZero(&kodd, sizeof kodd);
}

SignedWindows::~SignedWindows() { crypto::SecureZero(&s_, sizeof s_); }

void SignedWindows::Digit(int i, Limb& neg, Limb& idx) const {
  // Window i of s (public position, secret value).
  const size_t pos = static_cast<size_t>(i) * kWindow;
  Limb bits = s_.w[pos / 64] >> (pos % 64);
  if (pos % 64 + kWindow > 64 && pos / 64 + 1 < kSLimbs) {
    bits |= s_.w[pos / 64 + 1] << (64 - pos % 64);
  }
  bits &= (Limb{1} << kWindow) - 1;
  // d = 2 bits - 63: negative when the top bit of the window is 0; |d| = 2 idx + 1.
  neg = MaskFromBit(((bits >> (kWindow - 1)) & 1) ^ 1);
  idx = (bits ^ neg) & (kEntries - 1);
}

void FixedBaseTable::Mul(Jac& out, const Num& k) const {
  const SignedWindows digits(k);
  Jac acc;
  for (int i = 0; i < kWindows; ++i) {
    Limb neg, idx;
    digits.Digit(i, neg, idx);
    Affine e{};
    const Affine* row = &entries_[static_cast<size_t>(i) * kEntries];
    for (int j = 0; j < kEntries; ++j) {
      const Limb hit = MaskFromBit(mp::IsZeroBit(mp::Num<1>{{static_cast<Limb>(j) ^ idx}}));
      for (size_t l = 0; l < kLimbs; ++l) {
        e.x.w[l] |= row[j].x.w[l] & hit;
        e.y.w[l] |= row[j].y.w[l] & hit;
      }
    }
    Fp ny;
    FpNeg(ny, e.y);
    FpSelect(e.y, neg, ny, e.y);
    if (i == 0) {
      ToJac(acc, e);
    } else if (kWindow * (i + 1) < 1022) {
      // |sum of earlier digits| < 2^(6i) and 2^(6i) <= |d_i 2^(6i)|, and their sum or
      // difference is below 2^(6(i+1)) < q: the accumulator is never +-e here.
      JacAddMixed(acc, acc, e);
    } else {
      JacAddMixedNonZero(acc, acc, e);
    }
  }
  out = acc;
}

const FixedBaseTable& PTable() {
  static const std::unique_ptr<FixedBaseTable> table = FixedBaseTable::Build(GeneratorP());
  return *table;
}

std::shared_ptr<const FixedBaseTable> CachedTable(std::span<const uint8_t, kPointBytes> key,
                                                  const Affine& base) {
  struct Entry {
    std::array<uint8_t, kPointBytes> key;
    std::shared_ptr<const FixedBaseTable> table;
  };
  static std::mutex mu;
  static std::vector<Entry> cache;  // most recently used last
  constexpr size_t kCapacity = 4;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < cache.size(); ++i) {
      if (std::equal(key.begin(), key.end(), cache[i].key.begin())) {
        Entry e = cache[i];
        cache.erase(cache.begin() + static_cast<std::ptrdiff_t>(i));
        cache.push_back(e);
        return e.table;
      }
    }
  }
  // Build outside the lock (two threads may build the same table; both results are equal).
  std::shared_ptr<const FixedBaseTable> table = FixedBaseTable::Build(base);
  Jac t;
  table->Mul(t, kQ);
  if (!JacIsInfinity(t)) {  // public point: [q]B != O, B is not of order q
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mu);
  Entry e;
  std::copy(key.begin(), key.end(), e.key.begin());
  e.table = table;
  if (cache.size() >= kCapacity) {
    cache.erase(cache.begin());
  }
  cache.push_back(std::move(e));
  return table;
}

}  // namespace iotsec::ibc::sakke
