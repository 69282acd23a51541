// Copyright iotsec authors.
#include "sakke_fp.h"

#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "sakke_fp_x86.h"

namespace iotsec::ibc::sakke {
namespace {

using mp::DLimb;
using mp::MaskFromBit;
using SDLimb = __int128;

// ---------------------------------------------------------------------------------------------
// Montgomery constants for p, computed at compile time.

constexpr Limb NegInv64(Limb x) {
  // Newton iteration: each step doubles the number of correct low bits of x^-1 mod 2^64.
  Limb inv = 1;
  for (int i = 0; i < 7; ++i) {
    inv *= 2 - x * inv;
  }
  return Limb{0} - inv;
}
constexpr Limb kN0 = NegInv64(kP.w[0]);

constexpr Num ConstAddMod(const Num& a, const Num& b) {
  Num s{};
  Limb carry = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    DLimb t = DLimb{a.w[i]} + b.w[i] + carry;
    s.w[i] = static_cast<Limb>(t);
    carry = static_cast<Limb>(t >> 64);
  }
  Num d{};
  Limb borrow = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    DLimb t = DLimb{s.w[i]} - kP.w[i] - borrow;
    d.w[i] = static_cast<Limb>(t);
    borrow = static_cast<Limb>(t >> 64) & 1;
  }
  return (carry != 0 || borrow == 0) ? d : s;
}

// The portable CIOS Montgomery product (also used at compile time).
constexpr Num CiosMul(const Num& a, const Num& b) {
  Limb t[kLimbs + 2] = {};
  for (size_t i = 0; i < kLimbs; ++i) {
    Limb c = 0;
    for (size_t j = 0; j < kLimbs; ++j) {
      DLimb s = DLimb{a.w[j]} * b.w[i] + t[j] + c;
      t[j] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
    DLimb s = DLimb{t[kLimbs]} + c;
    t[kLimbs] = static_cast<Limb>(s);
    t[kLimbs + 1] = static_cast<Limb>(s >> 64);
    const Limb m = t[0] * kN0;
    s = DLimb{m} * kP.w[0] + t[0];
    c = static_cast<Limb>(s >> 64);
    for (size_t j = 1; j < kLimbs; ++j) {
      s = DLimb{m} * kP.w[j] + t[j] + c;
      t[j - 1] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
    s = DLimb{t[kLimbs]} + c;
    t[kLimbs - 1] = static_cast<Limb>(s);
    t[kLimbs] = t[kLimbs + 1] + static_cast<Limb>(s >> 64);
  }
  Num lo{};
  for (size_t i = 0; i < kLimbs; ++i) {
    lo.w[i] = t[i];
  }
  Num d{};
  Limb borrow = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    DLimb x = DLimb{lo.w[i]} - kP.w[i] - borrow;
    d.w[i] = static_cast<Limb>(x);
    borrow = static_cast<Limb>(x >> 64) & 1;
  }
  // Constant time: the selection mask, not a branch (this also runs on secrets).
  const Limb mask = Limb{0} - (t[kLimbs] | (borrow ^ 1));
  for (size_t i = 0; i < kLimbs; ++i) {
    d.w[i] = (d.w[i] & mask) | (lo.w[i] & ~mask);
  }
  return d;
}

constexpr Num ComputeOne() {
  // R mod p = 2^1024 - p, since 2^1023 < p < 2^1024.
  Num r{};
  Limb borrow = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    DLimb x = DLimb{0} - kP.w[i] - borrow;
    r.w[i] = static_cast<Limb>(x);
    borrow = static_cast<Limb>(x >> 64) & 1;
  }
  return r;
}
constexpr Num kOne = ComputeOne();

constexpr Num ComputeRR() {
  Num x = kOne;
  for (size_t i = 0; i < 64 * kLimbs; ++i) {
    x = ConstAddMod(x, x);
  }
  return x;
}
constexpr Num kRR = ComputeRR();        // R^2 mod p
constexpr Num kR3 = CiosMul(kRR, kRR);  // R^3 mod p
static_assert(kP.w[0] * NegInv64(kP.w[0]) == ~Limb{0}, "n0 must be -p^-1 mod 2^64");

// Final reduction: r = (hi:lo) mod p for a value below 3p given as 16 limbs plus a carry limb
// hi in {0, 1}.
inline void ReduceBelow3p(Fp& r, const Limb* lo, Limb hi) {
  Num v;
  for (size_t i = 0; i < kLimbs; ++i) {
    v.w[i] = lo[i];
  }
  for (int round = 0; round < 2; ++round) {
    Num d;
    Limb borrow = mp::SubRaw(d, v, kP);
    // hi:v >= p when the carry limb is set or the subtraction did not borrow; after the
    // subtraction the carry limb loses the borrow out of the low limbs.
    const Limb take = MaskFromBit((hi & 1) | (borrow ^ 1));
    mp::Select(v, take, d, v);
    hi -= borrow & take & 1;
  }
  r = v;
}

// Whether the x86-64 code may run (a public property of the machine, fixed for the process).
inline bool UseFast() {
  static const bool fast = x86::Available();
  return fast;
}

void MulWidePortable(FpWide& out, const Fp& a, const Fp& b) {
  for (auto& w : out.w) {
    w = 0;
  }
  for (size_t i = 0; i < kLimbs; ++i) {
    Limb c = 0;
    for (size_t j = 0; j < kLimbs; ++j) {
      DLimb s = DLimb{a.w[j]} * b.w[i] + out.w[i + j] + c;
      out.w[i + j] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
    out.w[i + kLimbs] = c;
  }
}

void RedcPortable(Fp& out, const FpWide& in) {
  Limb t[2 * kLimbs + 1];
  for (size_t i = 0; i < 2 * kLimbs; ++i) {
    t[i] = in.w[i];
  }
  t[2 * kLimbs] = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    const Limb m = t[i] * kN0;
    Limb c = 0;
    for (size_t j = 0; j < kLimbs; ++j) {
      DLimb s = DLimb{m} * kP.w[j] + t[i + j] + c;
      t[i + j] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
    for (size_t j = i + kLimbs; j <= 2 * kLimbs; ++j) {
      DLimb s = DLimb{t[j]} + c;
      t[j] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
  }
  ReduceBelow3p(out, t + kLimbs, t[2 * kLimbs]);
}

}  // namespace

namespace internal {
void FpMulPortable(Fp& r, const Fp& a, const Fp& b) { r = CiosMul(a, b); }
void FpSqrPortable(Fp& r, const Fp& a) { r = CiosMul(a, a); }
void FpMulWidePortable(FpWide& r, const Fp& a, const Fp& b) { MulWidePortable(r, a, b); }
void FpRedcPortable(Fp& r, const FpWide& a) { RedcPortable(r, a); }
bool HasFastMul() { return UseFast(); }
}  // namespace internal

const Fp& FpOne() { return kOne; }

void FpMul(Fp& r, const Fp& a, const Fp& b) {
  if (UseFast()) {
    x86::MontMul(r, a, b);
    return;
  }
  r = CiosMul(a, b);
}

void FpSqr(Fp& r, const Fp& a) {
  if (UseFast()) {
    x86::MontSqr(r, a);
    return;
  }
  r = CiosMul(a, a);
}

void FpMulWide(FpWide& r, const Fp& a, const Fp& b) {
  if (UseFast()) {
    x86::MulWide(r, a, b);
    return;
  }
  MulWidePortable(r, a, b);
}

void FpWideAdd(FpWide& r, const FpWide& a, const FpWide& b) {
  Limb carry = 0;
  for (size_t i = 0; i < 2 * kLimbs; ++i) {
    DLimb s = DLimb{a.w[i]} + b.w[i] + carry;
    r.w[i] = static_cast<Limb>(s);
    carry = static_cast<Limb>(s >> 64);
  }
}

void FpRedc(Fp& r, const FpWide& a) {
  if (UseFast()) {
    x86::Redc(r, a);
    return;
  }
  RedcPortable(r, a);
}

void FpMulSum(Fp& r, const Fp& a, const Fp& b, const Fp& c, const Fp& d) {
  if (UseFast()) {
    x86::MulSum(r, a, b, c, d);
    return;
  }
  FpWide t1, t2;
  MulWidePortable(t1, a, b);
  MulWidePortable(t2, c, d);
  FpWideAdd(t1, t1, t2);
  RedcPortable(r, t1);
}

namespace {

// Unrolled carry chains (add-with-carry instructions on x86-64).
inline Limb AddN(Num& r, const Num& a, const Num& b) {
#if defined(__x86_64__)
  unsigned char c = 0;
#pragma GCC unroll 16
  for (size_t i = 0; i < kLimbs; ++i) {
    unsigned long long t;
    c = _addcarry_u64(c, a.w[i], b.w[i], &t);
    r.w[i] = t;
  }
  return c;
#else
  return mp::AddRaw(r, a, b);
#endif
}

inline Limb SubN(Num& r, const Num& a, const Num& b) {
#if defined(__x86_64__)
  unsigned char c = 0;
#pragma GCC unroll 16
  for (size_t i = 0; i < kLimbs; ++i) {
    unsigned long long t;
    c = _subborrow_u64(c, a.w[i], b.w[i], &t);
    r.w[i] = t;
  }
  return c;
#else
  return mp::SubRaw(r, a, b);
#endif
}

inline void SelectN(Num& r, Limb mask, const Num& a, const Num& b) {
#pragma GCC unroll 16
  for (size_t i = 0; i < kLimbs; ++i) {
    r.w[i] = (a.w[i] & mask) | (b.w[i] & ~mask);
  }
}

}  // namespace

void FpAdd(Fp& r, const Fp& a, const Fp& b) {
  Num s, t;
  const Limb carry = AddN(s, a, b);
  const Limb borrow = SubN(t, s, kP);
  SelectN(r, MaskFromBit(carry | (borrow ^ 1)), t, s);
}

void FpSub(Fp& r, const Fp& a, const Fp& b) {
  Num d, t;
  const Limb borrow = SubN(d, a, b);
  AddN(t, d, kP);
  SelectN(r, MaskFromBit(borrow), t, d);
}

void FpNeg(Fp& r, const Fp& a) { FpSub(r, Fp{}, a); }

void FpFromInt(Fp& r, const Num& a) { FpMul(r, a, kRR); }

void FpToInt(Num& r, const Fp& a) {
  Num one{};
  one.w[0] = 1;
  FpMul(r, a, one);
}

Limb FpFromBytes(Fp& r, std::span<const uint8_t, kFpBytes> in) {
  Num x;
  mp::FromBytes(x, in);
  const Limb ok = MaskFromBit(mp::LessBit(x, kP));
  FpFromInt(r, x);
  return ok;
}

void FpToBytes(std::span<uint8_t, kFpBytes> out, const Fp& a) {
  Num x;
  FpToInt(x, a);
  mp::ToBytes(out, x);
}

void FpInv(Fp& r, const Fp& a) {
  // CtInvMod(a) = (x R)^-1 for a = x R; multiplying by R^3 in Montgomery form gives x^-1 R.
  Num inv;
  CtInvMod(inv, a, kP);
  FpMul(r, inv, kR3);
}

// ---------------------------------------------------------------------------------------------
// F_p^2.

void Fp2Mul(Fp2& r, const Fp2& x, const Fp2& y) {
  Fp t0, t1, sx, sy, t2;
  FpMul(t0, x.a, y.a);
  FpMul(t1, x.b, y.b);
  FpAdd(sx, x.a, x.b);
  FpAdd(sy, y.a, y.b);
  FpMul(t2, sx, sy);
  FpSub(r.a, t0, t1);
  FpSub(t2, t2, t0);
  FpSub(r.b, t2, t1);
}

void Fp2Sqr(Fp2& r, const Fp2& x) {
  Fp s, d, ab;
  FpAdd(s, x.a, x.b);
  FpSub(d, x.a, x.b);
  FpMul(ab, x.a, x.b);
  FpMul(r.a, s, d);
  FpDbl(r.b, ab);
}

void Fp2MulC1(Fp2& r, const Fp2& x, const Fp& c) {
  // (a + b i)(c + i) = (a c - b) + (b c + a) i
  Fp ac, bc;
  FpMul(ac, x.a, c);
  FpMul(bc, x.b, c);
  Fp na;
  FpSub(na, ac, x.b);
  FpAdd(r.b, bc, x.a);
  r.a = na;
}

void Fp2Mul1T(Fp2& r, const Fp2& x, const Fp& t) {
  // (a + b i)(1 + t i) = (a - b t) + (b + a t) i
  Fp bt, at;
  FpMul(bt, x.b, t);
  FpMul(at, x.a, t);
  Fp na;
  FpSub(na, x.a, bt);
  FpAdd(r.b, x.b, at);
  r.a = na;
}

void Fp2Conj(Fp2& r, const Fp2& x) {
  r.a = x.a;
  FpNeg(r.b, x.b);
}

void Fp2Select(Fp2& r, Limb mask, const Fp2& x, const Fp2& y) {
  FpSelect(r.a, mask, x.a, y.a);
  FpSelect(r.b, mask, x.b, y.b);
}

// ---------------------------------------------------------------------------------------------
// Constant-time inversion (Pornin's optimized binary GCD).

namespace {

constexpr int kInner = 31;  // k - 1 inner iterations with k = 32 (64-bit approximations)
// The exact algorithm needs at most 2 len(m) - 1 = 2047 iterations; each outer iteration with
// approximations shrinks len(a) + len(b) by at least k - 1 bits (ePrint 2020/972, §3). Two
// extra rounds are a margin: once a = 0 the rounds change nothing.
constexpr int kOuter = (2 * 64 * kLimbs - 1 + kInner - 1) / kInner + 2;

// LimbIsZero returns an all-ones mask if x == 0, else 0.
inline Limb LimbIsZero(Limb x) { return MaskFromBit(((x | (Limb{0} - x)) >> 63) ^ 1); }

// SelectLimb returns the limb of x at the (secret) index idx, scanning every limb.
inline Limb SelectLimb(const Num& x, Limb idx) {
  Limb r = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    r |= x.w[i] & LimbIsZero(i ^ idx);
  }
  return r;
}

// LinComb sets out = (x * f + y * g) >> 31 as a signed value (17 limbs, two's complement);
// returns an all-ones mask if the result is negative (out then holds its absolute value).
inline Limb LinCombShift(Num& out, const Num& x, const Num& y, int64_t f, int64_t g) {
  Limb t[kLimbs + 1];
  SDLimb acc = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    acc += static_cast<SDLimb>(static_cast<DLimb>(x.w[i])) * f +
           static_cast<SDLimb>(static_cast<DLimb>(y.w[i])) * g;
    t[i] = static_cast<Limb>(acc);
    acc >>= 64;
  }
  t[kLimbs] = static_cast<Limb>(acc);
  const Limb neg = MaskFromBit(t[kLimbs] >> 63);
  // Shift right by 31 (the low 31 bits are zero), then take the absolute value.
  Limb borrow_in = neg & 1;  // two's complement negation: invert and add one
  DLimb carry = borrow_in;
  for (size_t i = 0; i < kLimbs; ++i) {
    Limb w = (t[i] >> 31) | (t[i + 1] << 33);
    w ^= neg;
    DLimb s = DLimb{w} + carry;
    out.w[i] = static_cast<Limb>(s);
    carry = s >> 64;
  }
  return neg;
}

// LinCombMod sets out = (x * f + y * g) / 2^31 mod m for x, y < m and |f| + |g| <= 2^31.
inline void LinCombMod(Num& out, const Num& x, const Num& y, int64_t f, int64_t g, const Num& m,
                       Limb m0neginv) {
  Limb t[kLimbs + 1];
  SDLimb acc = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    acc += static_cast<SDLimb>(static_cast<DLimb>(x.w[i])) * f +
           static_cast<SDLimb>(static_cast<DLimb>(y.w[i])) * g;
    t[i] = static_cast<Limb>(acc);
    acc >>= 64;
  }
  t[kLimbs] = static_cast<Limb>(acc);
  // Add k * m with k = (-t / m) mod 2^31 so that the sum is divisible by 2^31.
  const Limb k = (t[0] * m0neginv) & 0x7fffffff;
  SDLimb acc2 = 0;
  for (size_t i = 0; i < kLimbs; ++i) {
    acc2 += static_cast<SDLimb>(static_cast<DLimb>(t[i])) +
            static_cast<SDLimb>(static_cast<DLimb>(m.w[i]) * k);
    t[i] = static_cast<Limb>(acc2);
    acc2 >>= 64;
  }
  acc2 += static_cast<SDLimb>(static_cast<int64_t>(t[kLimbs]));
  t[kLimbs] = static_cast<Limb>(acc2);
  // Now t / 2^31 is in (-m, 2m): shift, add m if negative, subtract m if >= m.
  Num v;
  for (size_t i = 0; i < kLimbs; ++i) {
    v.w[i] = (t[i] >> 31) | (t[i + 1] << 33);
  }
  const Limb neg = MaskFromBit(t[kLimbs] >> 63);
  Limb top = static_cast<Limb>(static_cast<int64_t>(t[kLimbs]) >> 31);  // 0, 1 or all ones
  Num madd;
  mp::AddRaw(madd, v, m);
  mp::Select(v, neg, madd, v);
  top &= ~neg;  // after adding m to a negative value the result is in [0, m)
  Num d;
  Limb borrow = mp::SubRaw(d, v, m);
  mp::Select(out, MaskFromBit((top & 1) | (borrow ^ 1)), d, v);
}

}  // namespace

void CtInvMod(Num& r, const Num& y, const Num& m) {
  const Limb m0neginv = NegInv64(m.w[0]);
  Num a = y;
  Num b = m;
  Num u{};
  u.w[0] = 1;
  Num v{};
  for (int outer = 0; outer < kOuter; ++outer) {
    // Approximations of a and b: their low 31 bits and their top 33 bits relative to the
    // length n = max(len(a), len(b), 64); exact when both fit in 64 bits.
    Limb top = 0;
    for (size_t i = 1; i < kLimbs; ++i) {
      const Limb nz = ~LimbIsZero(a.w[i] | b.w[i]);
      top = (top & ~nz) | (i & nz);
    }
    const Limb small = LimbIsZero(top);
    const Limb a_hi = SelectLimb(a, top);
    const Limb b_hi = SelectLimb(b, top);
    const Limb a_lo = SelectLimb(a, top - 1) & ~small;
    const Limb b_lo = SelectLimb(b, top - 1) & ~small;
    const int lz = __builtin_clzll(a_hi | b_hi | 1);
    const Limb a_win = (a_hi << lz) | ((a_lo >> 1) >> (63 - lz));
    const Limb b_win = (b_hi << lz) | ((b_lo >> 1) >> (63 - lz));
    constexpr Limb kLow31 = 0x7fffffff;
    Limb ab = (a.w[0] & kLow31) | (a_win & ~kLow31);
    Limb bb = (b.w[0] & kLow31) | (b_win & ~kLow31);
    ab = (a.w[0] & small) | (ab & ~small);
    bb = (b.w[0] & small) | (bb & ~small);

    int64_t f0 = 1, g0 = 0, f1 = 0, g1 = 1;
    for (int j = 0; j < kInner; ++j) {
      const Limb odd = MaskFromBit(ab & 1);
      const Limb diff = ab - bb;
      const Limb lt = ((~ab & bb) | (~(ab ^ bb) & diff)) >> 63;
      const Limb swap = odd & MaskFromBit(lt);
      Limb t = (ab ^ bb) & swap;
      ab ^= t;
      bb ^= t;
      Limb tf = (static_cast<Limb>(f0) ^ static_cast<Limb>(f1)) & swap;
      f0 = static_cast<int64_t>(static_cast<Limb>(f0) ^ tf);
      f1 = static_cast<int64_t>(static_cast<Limb>(f1) ^ tf);
      Limb tg = (static_cast<Limb>(g0) ^ static_cast<Limb>(g1)) & swap;
      g0 = static_cast<int64_t>(static_cast<Limb>(g0) ^ tg);
      g1 = static_cast<int64_t>(static_cast<Limb>(g1) ^ tg);
      ab -= bb & odd;
      f0 -= static_cast<int64_t>(static_cast<Limb>(f1) & odd);
      g0 -= static_cast<int64_t>(static_cast<Limb>(g1) & odd);
      ab >>= 1;
      f1 = static_cast<int64_t>(static_cast<Limb>(f1) << 1);
      g1 = static_cast<int64_t>(static_cast<Limb>(g1) << 1);
    }

    Num na, nb;
    const Limb neg_a = LinCombShift(na, a, b, f0, g0);
    const Limb neg_b = LinCombShift(nb, a, b, f1, g1);
    f0 = static_cast<int64_t>((static_cast<Limb>(f0) ^ neg_a) - neg_a);
    g0 = static_cast<int64_t>((static_cast<Limb>(g0) ^ neg_a) - neg_a);
    f1 = static_cast<int64_t>((static_cast<Limb>(f1) ^ neg_b) - neg_b);
    g1 = static_cast<int64_t>((static_cast<Limb>(g1) ^ neg_b) - neg_b);
    a = na;
    b = nb;
    Num nu, nv;
    LinCombMod(nu, u, v, f0, g0, m, m0neginv);
    LinCombMod(nv, u, v, f1, g1, m, m0neginv);
    u = nu;
    v = nv;
  }
  // b = gcd(y, m); v * y = b mod m. Return 0 unless b = 1.
  Num one{};
  one.w[0] = 1;
  const Limb ok = MaskFromBit(mp::EqualBit(b, one));
  mp::Select(r, ok, v, Num{});
}

}  // namespace iotsec::ibc::sakke
