// Copyright iotsec authors.
// NIST P-256 field arithmetic modulo p (the portable C++ here; the x86-64 assembly is in
// p256_field_inl.h), scalar helpers modulo q, and the variable-time modular inverse for public
// (blinded) values; see p256.h for the design and the constant-time contract.
#include "p256.h"
#include "p256_field_inl.h"

namespace iotsec::ibc::p256 {
namespace {

using mp::DLimb;
using mp::MaskFromBit;

// R mod p and R^2 mod p for R = 2^256 (checked against mp::Field in p256_test.cc).
constexpr Fe kOneMont = {
    {0x0000000000000001ULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL, 0x00000000fffffffeULL}};
constexpr Fe kRR = {
    {0x0000000000000003ULL, 0xfffffffbffffffffULL, 0xfffffffffffffffeULL, 0x00000004fffffffdULL}};
constexpr Limb kP3 = 0xffffffff00000001ULL;

// Montgomery reduction of a 512-bit value t[0..7] (t < p * R): returns t * R^-1 mod p.
// Step i adds m * p * 2^(64 i) with m = t[i] (as -p^-1 = 1 mod 2^64), which clears limb i:
// t[i] + m (2^64 - 1) = m 2^64, so limb i becomes 0 and m carries into limb i+1, where
// m (2^32 - 1) + m = m 2^32 is added; limb i+2 gets nothing (p's limb 2 is 0); limb i+3 gets
// m * (2^64 - 2^32 + 1).
inline void MontReduce(Fe& r, Limb t[9]) {
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const Limb m = t[i];
    DLimb s = DLimb{t[i + 1]} + (DLimb{m} << 32);
    t[i + 1] = static_cast<Limb>(s);
    Limb c = static_cast<Limb>(s >> 64);
    s = DLimb{t[i + 2]} + c;
    t[i + 2] = static_cast<Limb>(s);
    c = static_cast<Limb>(s >> 64);
    s = DLimb{t[i + 3]} + DLimb{m} * kP3 + c;
    t[i + 3] = static_cast<Limb>(s);
    c = static_cast<Limb>(s >> 64);
#pragma GCC unroll 5
    for (int k = i + 4; k < 9; ++k) {
      s = DLimb{t[k]} + c;
      t[k] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
  }
  // The value t[4..8] is < 2p: subtract p once if it is >= p.
  Fe lo = {{t[4], t[5], t[6], t[7]}};
  Fe d;
  Limb borrow = mp::SubRaw(d, lo, kP);
  mp::Select(r, MaskFromBit(t[8] | (borrow ^ 1)), d, lo);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Field.

namespace internal {

void FeMulPortable(Fe& r, const Fe& a, const Fe& b) {
  Limb t[9] = {};
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    Limb c = 0;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      DLimb s = DLimb{a.w[i]} * b.w[j] + t[i + j] + c;
      t[i + j] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
    t[i + 4] = c;
  }
  MontReduce(r, t);
}

void FeSqrPortable(Fe& r, const Fe& a) {
  Limb t[9] = {};
  // Off-diagonal products a[i] a[j], i < j, once.
#pragma GCC unroll 3
  for (int i = 0; i < 3; ++i) {
    Limb c = 0;
#pragma GCC unroll 3
    for (int j = i + 1; j < 4; ++j) {
      DLimb s = DLimb{a.w[i]} * a.w[j] + t[i + j] + c;
      t[i + j] = static_cast<Limb>(s);
      c = static_cast<Limb>(s >> 64);
    }
    t[i + 4] = c;
  }
  // Double them.
  Limb top = 0;
#pragma GCC unroll 8
  for (int k = 1; k < 8; ++k) {
    Limb v = t[k];
    t[k] = (v << 1) | top;
    top = v >> 63;
  }
  // Add the squares a[i]^2 at limb 2i.
  Limb c = 0;
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    DLimb sq = DLimb{a.w[i]} * a.w[i];
    DLimb s = DLimb{t[2 * i]} + static_cast<Limb>(sq) + c;
    t[2 * i] = static_cast<Limb>(s);
    c = static_cast<Limb>(s >> 64);
    s = DLimb{t[2 * i + 1]} + static_cast<Limb>(sq >> 64) + c;
    t[2 * i + 1] = static_cast<Limb>(s);
    c = static_cast<Limb>(s >> 64);
  }
  t[8] = 0;
  MontReduce(r, t);
}

void FeAddPortable(Fe& r, const Fe& a, const Fe& b) {
  Limb carry = mp::AddRaw(r, a, b);
  Fe t;
  Limb borrow = mp::SubRaw(t, r, kP);
  mp::Select(r, MaskFromBit(carry | (borrow ^ 1)), t, r);
}

void FeSubPortable(Fe& r, const Fe& a, const Fe& b) {
  Limb borrow = mp::SubRaw(r, a, b);
  // Add p back if the subtraction borrowed: p & mask.
  const Limb mask = MaskFromBit(borrow);
  Fe pm = {{kP.w[0] & mask, kP.w[1] & mask, kP.w[2] & mask, kP.w[3] & mask}};
  mp::AddRaw(r, r, pm);
}

}  // namespace internal

void FeMul(Fe& r, const Fe& a, const Fe& b) { inl::Mul(r, a, b); }
void FeSqr(Fe& r, const Fe& a) { inl::Sqr(r, a); }
void FeAdd(Fe& r, const Fe& a, const Fe& b) { inl::Add(r, a, b); }
void FeSub(Fe& r, const Fe& a, const Fe& b) { inl::Sub(r, a, b); }
void FeNeg(Fe& r, const Fe& a) { FeSub(r, Fe{}, a); }

void FeToMont(Fe& r, const Fe& a) { FeMul(r, a, kRR); }

void FeFromMont(Fe& r, const Fe& a) {
  Limb t[9] = {a.w[0], a.w[1], a.w[2], a.w[3], 0, 0, 0, 0, 0};
  MontReduce(r, t);
}

const Fe& FeOne() { return kOneMont; }

namespace {
// SqrN sets r = a^(2^n).
inline void SqrN(Fe& r, const Fe& a, int n) {
  inl::Sqr(r, a);
  for (int i = 1; i < n; ++i) {
    inl::Sqr(r, r);
  }
}
}  // namespace

void FeInv(Fe& r, const Fe& a) {
  // a^(p-2), p - 2 = 2^256 - 2^224 + 2^192 + 2^96 - 3: in binary 32 ones, 31 zeros, a one,
  // 96 zeros, 94 ones, 0, 1. xk denotes a^(2^k - 1).
  Fe x2, x3, x6, x12, x15, x30, x32, t;
  inl::Sqr(x2, a);
  inl::Mul(x2, x2, a);
  inl::Sqr(x3, x2);
  inl::Mul(x3, x3, a);
  SqrN(x6, x3, 3);
  inl::Mul(x6, x6, x3);
  SqrN(x12, x6, 6);
  inl::Mul(x12, x12, x6);
  SqrN(x15, x12, 3);
  inl::Mul(x15, x15, x3);
  SqrN(x30, x15, 15);
  inl::Mul(x30, x30, x15);
  SqrN(x32, x30, 2);
  inl::Mul(x32, x32, x2);
  SqrN(t, x32, 32);  // 32 ones, 31 zeros, 1
  inl::Mul(t, t, a);
  SqrN(t, t, 128);  // 96 zeros then 32 ones
  inl::Mul(t, t, x32);
  SqrN(t, t, 32);  // 32 ones
  inl::Mul(t, t, x32);
  SqrN(t, t, 30);  // 30 ones
  inl::Mul(t, t, x30);
  SqrN(t, t, 2);  // 0, 1
  inl::Mul(r, t, a);
}

// ---------------------------------------------------------------------------------------------
// Scalars.

Scalar ScalarFromBytes(std::span<const uint8_t, kScalarBytes> in) {
  Scalar k;
  mp::FromBytes(k, in);
  return k;
}

void ScalarToBytes(std::span<uint8_t, kScalarBytes> out, const Scalar& k) { mp::ToBytes(out, k); }

Limb ScalarInRangeBit(const Scalar& k) { return mp::LessBit(k, kQ) & (mp::IsZeroBit(k) ^ 1); }

Scalar ScalarReduceOnce(const Scalar& k) {
  Scalar d;
  Limb borrow = mp::SubRaw(d, k, kQ);
  Scalar r;
  mp::Select(r, MaskFromBit(borrow), k, d);
  return r;
}

const mp::Field<4>& ScalarField() {
  static const mp::Field<4> f(kQ);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Variable-time modular inversion for public values (blinded secrets), by the batched "divsteps"
// of Bernstein and Yang, "Fast constant-time gcd computation and modular inversion" (TCHES
// 2019, §§8-11), in its variable-time form: each batch runs 62 divsteps on the low 64 bits of
// f and g, collecting a 2x2 matrix, then applies the matrix to the full numbers; it stops when
// g = 0. Numbers are held as five signed 62-bit limbs so that dividing by 2^62 drops a limb.

namespace {

constexpr int64_t kM62 = (int64_t{1} << 62) - 1;

struct S62 {
  int64_t v[5];  // value = sum v[i] 2^(62 i); v[0..3] in [0, 2^62), v[4] signed
};

S62 ToS62(const mp::Num<4>& a) {
  S62 r;
  r.v[0] = static_cast<int64_t>(a.w[0]) & kM62;
  r.v[1] = static_cast<int64_t>((a.w[0] >> 62) | (a.w[1] << 2)) & kM62;
  r.v[2] = static_cast<int64_t>((a.w[1] >> 60) | (a.w[2] << 4)) & kM62;
  r.v[3] = static_cast<int64_t>((a.w[2] >> 58) | (a.w[3] << 6)) & kM62;
  r.v[4] = static_cast<int64_t>(a.w[3] >> 56);
  return r;
}

// FromS62 converts a value in [0, 2^256).
mp::Num<4> FromS62(const S62& a) {
  const auto u = [&](int i) { return static_cast<Limb>(a.v[i]); };
  return mp::Num<4>{{u(0) | (u(1) << 62), (u(1) >> 2) | (u(2) << 60), (u(2) >> 4) | (u(3) << 58),
                     (u(3) >> 6) | (u(4) << 56)}};
}

bool IsZeroS62(const S62& a) { return (a.v[0] | a.v[1] | a.v[2] | a.v[3] | a.v[4]) == 0; }

// AddS62 sets a = a + k * m (k in {-1, 0, 1}), renormalizing the limbs.
void AddS62(S62& a, const S62& m, int64_t k) {
  int64_t c = 0;
  for (int i = 0; i < 4; ++i) {
    c += a.v[i] + k * m.v[i];
    a.v[i] = c & kM62;
    c >>= 62;  // arithmetic shift: floor division
  }
  a.v[4] += k * m.v[4] + c;
}

// LessS62 returns a < b for normalized values.
bool LessS62(const S62& a, const S62& b) {
  for (int i = 4; i >= 0; --i) {
    if (a.v[i] != b.v[i]) {
      return a.v[i] < b.v[i];
    }
  }
  return false;
}

struct Matrix {
  int64_t u, v, q, r;  // 2^62 (f', g') = (u f + v g, q f + r g)
};

// Divsteps62 runs 62 divsteps on the low words of f (odd) and g: with g odd and delta > 0,
// (f, g) <- (g, (g - f) / 2) and delta <- 1 - delta; with g odd otherwise, g <- (g + f) / 2 and
// delta <- 1 + delta; with g even, g <- g / 2 and delta <- 1 + delta. Each halving consumes one
// low bit, so 62 steps on 64-bit words decide exactly as on the full numbers. Returns delta and
// the matrix t of the 62 steps.
//
// Runs of steps are taken at once where their outcome is known: a run of z even values of g
// is z halvings; and while delta <= 0 the next 1 - delta steps cannot swap, so k of them
// (k <= 6 here) add w f to g for the w < 2^k with g + w f = 0 mod 2^k, then halve k times. A
// swapping step is done as a swap with negation, (f, g) <- (g, -f) and delta <- -delta,
// followed by such a run.
int64_t Divsteps62(int64_t delta, uint64_t f, uint64_t g, Matrix& t) {
  uint64_t u = 1, v = 0, q = 0, r = 1;  // rows of f and g, scaled by 2^steps; wrap mod 2^64
  int left = 62;
  for (;;) {
    const int z = __builtin_ctzll(g | (uint64_t{1} << left));
    g >>= z;
    u <<= z;
    v <<= z;
    delta += z;
    left -= z;
    if (left == 0) {
      break;
    }
    // g is odd.
    if (delta > 0) {
      const uint64_t nf = g, nu = q, nv = r;
      g = 0 - f;
      q = 0 - u;
      r = 0 - v;
      f = nf;
      u = nu;
      v = nv;
      delta = -delta;
    }
    // delta <= 0: the next 1 - delta steps do not swap.
    int k = static_cast<int>(1 - delta);
    k = k < left ? k : left;
    k = k < 6 ? k : 6;
    const uint64_t mask = (uint64_t{1} << k) - 1;
    const uint64_t f_inv = f * (2 - f * f);  // f^-1 mod 2^6 (f * f = 1 mod 8 for odd f)
    const uint64_t w = (0 - g * f_inv) & mask;
    g = (g + w * f) >> k;
    q += w * u;
    r += w * v;
    u <<= k;
    v <<= k;
    delta += k;
    left -= k;
    if (left == 0) {
      break;
    }
  }
  t = Matrix{static_cast<int64_t>(u), static_cast<int64_t>(v), static_cast<int64_t>(q),
             static_cast<int64_t>(r)};
  return delta;
}

// UpdateFG sets (f, g) = (u f + v g, q f + r g) / 2^62 (exact).
void UpdateFG(S62& f, S62& g, const Matrix& t) {
  __int128 cf = static_cast<__int128>(t.u) * f.v[0] + static_cast<__int128>(t.v) * g.v[0];
  __int128 cg = static_cast<__int128>(t.q) * f.v[0] + static_cast<__int128>(t.r) * g.v[0];
  cf >>= 62;
  cg >>= 62;
  for (int i = 1; i < 5; ++i) {
    cf += static_cast<__int128>(t.u) * f.v[i] + static_cast<__int128>(t.v) * g.v[i];
    cg += static_cast<__int128>(t.q) * f.v[i] + static_cast<__int128>(t.r) * g.v[i];
    f.v[i - 1] = static_cast<int64_t>(cf) & kM62;
    g.v[i - 1] = static_cast<int64_t>(cg) & kM62;
    cf >>= 62;
    cg >>= 62;
  }
  f.v[4] = static_cast<int64_t>(cf);
  g.v[4] = static_cast<int64_t>(cg);
}

// UpdateDE sets (d, e) = (u d + v e, q d + r e) / 2^62 mod m, for d, e in [0, m): a multiple of
// m is added first so that the division is exact; the results are brought back into [0, m).
void UpdateDE(S62& d, S62& e, const Matrix& t, const S62& m, uint64_t m_inv62) {
  const uint64_t d0 = static_cast<uint64_t>(d.v[0]), e0 = static_cast<uint64_t>(e.v[0]);
  const uint64_t lo_d = static_cast<uint64_t>(t.u) * d0 + static_cast<uint64_t>(t.v) * e0;
  const uint64_t lo_e = static_cast<uint64_t>(t.q) * d0 + static_cast<uint64_t>(t.r) * e0;
  const int64_t md = static_cast<int64_t>((0 - lo_d * m_inv62) & static_cast<uint64_t>(kM62));
  const int64_t me = static_cast<int64_t>((0 - lo_e * m_inv62) & static_cast<uint64_t>(kM62));
  __int128 cd = static_cast<__int128>(t.u) * d.v[0] + static_cast<__int128>(t.v) * e.v[0] +
                static_cast<__int128>(md) * m.v[0];
  __int128 ce = static_cast<__int128>(t.q) * d.v[0] + static_cast<__int128>(t.r) * e.v[0] +
                static_cast<__int128>(me) * m.v[0];
  cd >>= 62;
  ce >>= 62;
  for (int i = 1; i < 5; ++i) {
    cd += static_cast<__int128>(t.u) * d.v[i] + static_cast<__int128>(t.v) * e.v[i] +
          static_cast<__int128>(md) * m.v[i];
    ce += static_cast<__int128>(t.q) * d.v[i] + static_cast<__int128>(t.r) * e.v[i] +
          static_cast<__int128>(me) * m.v[i];
    d.v[i - 1] = static_cast<int64_t>(cd) & kM62;
    e.v[i - 1] = static_cast<int64_t>(ce) & kM62;
    cd >>= 62;
    ce >>= 62;
  }
  d.v[4] = static_cast<int64_t>(cd);
  e.v[4] = static_cast<int64_t>(ce);
  // |u| + |v| <= 2^62, so the results lie in (-m, 2m).
  for (S62* x : {&d, &e}) {
    if (x->v[4] < 0) {
      AddS62(*x, m, 1);
    } else if (!LessS62(*x, m)) {
      AddS62(*x, m, -1);
    }
  }
}

}  // namespace

bool ModInvVartime(mp::Num<4>& r, const mp::Num<4>& x, const mp::Num<4>& modulus) {
  if (mp::IsZeroBit(x) == 1 || mp::LessBit(x, modulus) == 0 || (modulus.w[0] & 1) == 0) {
    return false;
  }
  // m^-1 mod 2^64 by Newton's iteration (each step doubles the correct low bits).
  uint64_t inv = 1;
  for (int i = 0; i < 6; ++i) {
    inv *= 2 - modulus.w[0] * inv;
  }
  const uint64_t m_inv62 = inv & static_cast<uint64_t>(kM62);
  const S62 m = ToS62(modulus);
  S62 f = m, g = ToS62(x), d{}, e{};
  e.v[0] = 1;
  int64_t delta = 1;
  // Invariants: f = d x and g = e x (mod m), up to the same power of 2 on both sides. 12 batches
  // of 62 divsteps (744) exceed the bound of 742 for 256-bit inputs (Bernstein-Yang, Theorem
  // 11.2), so g reaches 0 within the loop for every invertible x.
  for (int batch = 0; batch < 12 && !IsZeroS62(g); ++batch) {
    Matrix t;
    delta = Divsteps62(delta, static_cast<uint64_t>(f.v[0]) | (static_cast<uint64_t>(f.v[1]) << 62),
                       static_cast<uint64_t>(g.v[0]) | (static_cast<uint64_t>(g.v[1]) << 62), t);
    UpdateFG(f, g, t);
    UpdateDE(d, e, t, m, m_inv62);
  }
  if (!IsZeroS62(g)) {
    return false;
  }
  // Now f = +-gcd(x, m) = +-1, and x^-1 = +-d.
  const bool negative = f.v[4] < 0;
  S62 abs_f = f;
  if (negative) {
    for (int i = 0; i < 5; ++i) {
      abs_f.v[i] = -abs_f.v[i];
    }
    AddS62(abs_f, S62{}, 0);  // renormalize the limbs
  }
  S62 one{};
  one.v[0] = 1;
  if (LessS62(abs_f, one) || LessS62(one, abs_f)) {
    return false;
  }
  if (negative && !IsZeroS62(d)) {
    S62 neg = m;
    AddS62(neg, d, -1);
    d = neg;
  }
  r = FromS62(d);
  return true;
}

bool ScalarInvVartime(Scalar& r, const Scalar& a) { return ModInvVartime(r, a, kQ); }

}  // namespace iotsec::ibc::p256
