// Copyright iotsec authors.
// NIST P-256 points: complete formulas, encoding, fixed-base comb tables and scalar
// multiplication; see p256.h for the design and the constant-time contract.
#include "p256.h"

#include <new>

#include "p256_field_inl.h"

namespace iotsec::ibc::p256 {
namespace {

using mp::MaskFromBit;

// b and G in Montgomery form (b R mod p, Gx R mod p, Gy R mod p); p256_test.cc checks them
// against FeToMont of the plain constants of p256.h.
constexpr Fe kBMont = {
    {0xd89cdf6229c4bddfULL, 0xacf005cd78843090ULL, 0xe5a220abf7212ed6ULL, 0xdc30061d04874834ULL}};
constexpr Affine kGMont = {
    {{0x79e730d418a9143cULL, 0x75ba95fc5fedb601ULL, 0x79fb732b77622510ULL, 0x18905f76a53755c6ULL}},
    {{0xddf25357ce95560aULL, 0x8b4ab8e4ba19e45cULL, 0xd2e88688dd21f325ULL, 0x8571ff1825885d85ULL}}};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Points.

Point Infinity() { return Point{Fe{}, FeOne(), Fe{}}; }

Point FromAffine(const Affine& a) { return Point{a.x, a.y, FeOne()}; }

const Affine& Generator() { return kGMont; }

const Fe& CurveBMont() { return kBMont; }

void PointDouble(Point& r, const Point& a) {
  // RCB Algorithm 6 (a = -3); the step numbers of the paper in the comments.
  const Fe& b = kBMont;
  Fe t0, t1, t2, t3, x3, y3, z3;
  // clang-format off
  inl::Sqr(t0, a.x);          // 1
  inl::Sqr(t1, a.y);          // 2
  inl::Sqr(t2, a.z);          // 3
  inl::Mul(t3, a.x, a.y);     // 4
  inl::Add(t3, t3, t3);       // 5
  inl::Mul(z3, a.x, a.z);     // 6
  inl::Add(z3, z3, z3);       // 7
  inl::Mul(y3, b, t2);        // 8
  inl::Sub(y3, y3, z3);       // 9
  inl::Add(x3, y3, y3);       // 10
  inl::Add(y3, x3, y3);       // 11
  inl::Sub(x3, t1, y3);       // 12
  inl::Add(y3, t1, y3);       // 13
  inl::Mul(y3, x3, y3);       // 14
  inl::Mul(x3, x3, t3);       // 15
  inl::Add(t3, t2, t2);       // 16
  inl::Add(t2, t2, t3);       // 17
  inl::Mul(z3, b, z3);        // 18
  inl::Sub(z3, z3, t2);       // 19
  inl::Sub(z3, z3, t0);       // 20
  inl::Add(t3, z3, z3);       // 21
  inl::Add(z3, z3, t3);       // 22
  inl::Add(t3, t0, t0);       // 23
  inl::Add(t0, t3, t0);       // 24
  inl::Sub(t0, t0, t2);       // 25
  inl::Mul(t0, t0, z3);       // 26
  inl::Add(y3, y3, t0);       // 27
  inl::Mul(t0, a.y, a.z);     // 28
  inl::Add(t0, t0, t0);       // 29
  inl::Mul(z3, t0, z3);       // 30
  inl::Sub(x3, x3, z3);       // 31
  inl::Mul(z3, t0, t1);       // 32
  inl::Add(z3, z3, z3);       // 33
  inl::Add(z3, z3, z3);       // 34
  // clang-format on
  r.x = x3;
  r.y = y3;
  r.z = z3;
}

void PointAdd(Point& r, const Point& p, const Point& q) {
  // RCB Algorithm 4 (a = -3).
  const Fe& b = kBMont;
  Fe t0, t1, t2, t3, t4, x3, y3, z3;
  // clang-format off
  inl::Mul(t0, p.x, q.x);     // 1
  inl::Mul(t1, p.y, q.y);     // 2
  inl::Mul(t2, p.z, q.z);     // 3
  inl::Add(t3, p.x, p.y);     // 4
  inl::Add(t4, q.x, q.y);     // 5
  inl::Mul(t3, t3, t4);       // 6
  inl::Add(t4, t0, t1);       // 7
  inl::Sub(t3, t3, t4);       // 8
  inl::Add(t4, p.y, p.z);     // 9
  inl::Add(x3, q.y, q.z);     // 10
  inl::Mul(t4, t4, x3);       // 11
  inl::Add(x3, t1, t2);       // 12
  inl::Sub(t4, t4, x3);       // 13
  inl::Add(x3, p.x, p.z);     // 14
  inl::Add(y3, q.x, q.z);     // 15
  inl::Mul(x3, x3, y3);       // 16
  inl::Add(y3, t0, t2);       // 17
  inl::Sub(y3, x3, y3);       // 18
  inl::Mul(z3, b, t2);        // 19
  inl::Sub(x3, y3, z3);       // 20
  inl::Add(z3, x3, x3);       // 21
  inl::Add(x3, x3, z3);       // 22
  inl::Sub(z3, t1, x3);       // 23
  inl::Add(x3, t1, x3);       // 24
  inl::Mul(y3, b, y3);        // 25
  inl::Add(t1, t2, t2);       // 26
  inl::Add(t2, t1, t2);       // 27
  inl::Sub(y3, y3, t2);       // 28
  inl::Sub(y3, y3, t0);       // 29
  inl::Add(t1, y3, y3);       // 30
  inl::Add(y3, t1, y3);       // 31
  inl::Add(t1, t0, t0);       // 32
  inl::Add(t0, t1, t0);       // 33
  inl::Sub(t0, t0, t2);       // 34
  inl::Mul(t1, t4, y3);       // 35
  inl::Mul(t2, t0, y3);       // 36
  inl::Mul(y3, x3, z3);       // 37
  inl::Add(y3, y3, t2);       // 38
  inl::Mul(x3, t3, x3);       // 39
  inl::Sub(x3, x3, t1);       // 40
  inl::Mul(z3, t4, z3);       // 41
  inl::Mul(t1, t3, t0);       // 42
  inl::Add(z3, z3, t1);       // 43
  // clang-format on
  r.x = x3;
  r.y = y3;
  r.z = z3;
}

void PointAddAffine(Point& r, const Point& p, const Affine& q) {
  // RCB Algorithm 5 (a = -3, Z2 = 1).
  const Fe& b = kBMont;
  Fe t0, t1, t2, t3, t4, x3, y3, z3;
  // clang-format off
  inl::Mul(t0, p.x, q.x);     // 1
  inl::Mul(t1, p.y, q.y);     // 2
  inl::Add(t3, q.x, q.y);     // 3
  inl::Add(t4, p.x, p.y);     // 4
  inl::Mul(t3, t3, t4);       // 5
  inl::Add(t4, t0, t1);       // 6
  inl::Sub(t3, t3, t4);       // 7
  inl::Mul(t4, q.y, p.z);     // 8
  inl::Add(t4, t4, p.y);      // 9
  inl::Mul(y3, q.x, p.z);     // 10
  inl::Add(y3, y3, p.x);      // 11
  inl::Mul(z3, b, p.z);       // 12
  inl::Sub(x3, y3, z3);       // 13
  inl::Add(z3, x3, x3);       // 14
  inl::Add(x3, x3, z3);       // 15
  inl::Sub(z3, t1, x3);       // 16
  inl::Add(x3, t1, x3);       // 17
  inl::Mul(y3, b, y3);        // 18
  inl::Add(t1, p.z, p.z);     // 19
  inl::Add(t2, t1, p.z);      // 20
  inl::Sub(y3, y3, t2);       // 21
  inl::Sub(y3, y3, t0);       // 22
  inl::Add(t1, y3, y3);       // 23
  inl::Add(y3, t1, y3);       // 24
  inl::Add(t1, t0, t0);       // 25
  inl::Add(t0, t1, t0);       // 26
  inl::Sub(t0, t0, t2);       // 27
  inl::Mul(t1, t4, y3);       // 28
  inl::Mul(t2, t0, y3);       // 29
  inl::Mul(y3, x3, z3);       // 30
  inl::Add(y3, y3, t2);       // 31
  inl::Mul(x3, t3, x3);       // 32
  inl::Sub(x3, x3, t1);       // 33
  inl::Mul(z3, t4, z3);       // 34
  inl::Mul(t1, t3, t0);       // 35
  inl::Add(z3, z3, t1);       // 36
  // clang-format on
  r.x = x3;
  r.y = y3;
  r.z = z3;
}

void PointSelect(Point& r, Limb mask, const Point& a, const Point& b) {
  mp::Select(r.x, mask, a.x, b.x);
  mp::Select(r.y, mask, a.y, b.y);
  mp::Select(r.z, mask, a.z, b.z);
}

Limb PointIsInfinityBit(const Point& a) { return mp::IsZeroBit(a.z); }

Limb ToAffine(Affine& out, const Point& a) {
  Fe zinv;
  FeInv(zinv, a.z);  // 0 for infinity, which then maps to (0, 0)
  FeMul(out.x, a.x, zinv);
  FeMul(out.y, a.y, zinv);
  return PointIsInfinityBit(a) ^ 1;
}

void EncodeAffine(std::span<uint8_t, kPointBytes> out, const Affine& a) {
  Fe x, y;
  FeFromMont(x, a.x);
  FeFromMont(y, a.y);
  out[0] = 0x04;
  mp::ToBytes(out.subspan(1, kFieldBytes), x);
  mp::ToBytes(out.subspan(1 + kFieldBytes, kFieldBytes), y);
}

bool OnCurveVartime(const Affine& a) {
  // y^2 = x^3 - 3x + b.
  Fe lhs, rhs, t;
  FeSqr(lhs, a.y);
  FeSqr(rhs, a.x);
  FeMul(rhs, rhs, a.x);
  FeAdd(t, a.x, a.x);
  FeAdd(t, t, a.x);
  FeSub(rhs, rhs, t);
  FeAdd(rhs, rhs, kBMont);
  return mp::EqualBit(lhs, rhs) == 1;
}

bool DecodeAffine(Affine& out, std::span<const uint8_t> in) {
  if (in.size() != kPointBytes || in[0] != 0x04) {
    return false;
  }
  Fe x, y;
  mp::FromBytes(x, in.subspan(1, kFieldBytes));
  mp::FromBytes(y, in.subspan(1 + kFieldBytes, kFieldBytes));
  if (mp::LessBit(x, kP) == 0 || mp::LessBit(y, kP) == 0) {
    return false;
  }
  Affine a;
  FeToMont(a.x, x);
  FeToMont(a.y, y);
  if (!OnCurveVartime(a)) {
    return false;
  }
  out = a;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scalar multiplication.

namespace {

// Window returns the (w+1)-bit window of k whose lowest bit is bit (pos - 1) (bit -1 is 0):
// bits pos-1 .. pos+w-1. Positions are public; the bits may be secret.
template <int W>
inline Limb Window(const Scalar& k, int pos) {
  Limb v = 0;
  for (int j = 0; j <= W; ++j) {
    const int bit = pos - 1 + j;
    if (bit >= 0 && bit < 256) {  // public positions only
      v |= ((k.w[bit / 64] >> (bit % 64)) & 1) << j;
    }
  }
  return v;
}

// BoothDigit turns a (w+1)-bit window v into the signed digit
// d = v_0 + sum_{j=1}^{w-1} 2^(j-1) v_j - 2^(w-1) v_w, returned as a magnitude |d| <= 2^(w-1)
// and a sign bit (1 if d < 0), without a branch: u = (v + 1) >> 1 is the window value plus the
// incoming bit, and d = u - 2^w * v_w.
template <int W>
inline void BoothDigit(Limb v, Limb& mag, Limb& neg) {
  const Limb top = (v >> W) & 1;
  const Limb u = (v + 1) >> 1;
  const Limb mask = MaskFromBit(top);
  mag = (((Limb{1} << W) - u) & mask) | (u & ~mask);
  neg = top;
}

// EqMask returns all-ones if a == b, else 0 (constant time).
inline Limb EqMask(Limb a, Limb b) {
  Limb x = a ^ b;
  return MaskFromBit(((x | (Limb{0} - x)) >> 63) ^ 1);
}

// ScanSelect sets out = table[idx - 1], or (0, 0) if idx == 0, reading every entry of the table
// (a full scan with masks, so the memory access pattern does not depend on idx). Written with
// GCC vector extensions (SSE2 on x86-64): the mask of entry m is the lane-wise comparison of a
// counter with idx, so no scalar work is done per entry.
typedef uint32_t V4 __attribute__((vector_size(16)));
typedef uint32_t V4Load __attribute__((vector_size(16), may_alias, aligned(8)));
static_assert(sizeof(Affine) == 4 * sizeof(V4));

inline void ScanSelect(Affine& out, const Affine* table, int n, Limb idx) {
  const uint32_t i32 = static_cast<uint32_t>(idx);  // idx <= 2^(w-1): the low word is all of it
  const V4 want = {i32, i32, i32, i32};
  const V4 one = {1, 1, 1, 1};
  V4 counter = one;
  V4 acc0 = {0, 0, 0, 0}, acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (int m = 0; m < n; ++m) {
    const V4 mask = reinterpret_cast<V4>(counter == want);  // all ones where counter == idx
    const V4Load* e = reinterpret_cast<const V4Load*>(&table[m]);
    acc0 |= e[0] & mask;
    acc1 |= e[1] & mask;
    acc2 |= e[2] & mask;
    acc3 |= e[3] & mask;
    counter += one;
  }
  const V4 acc[4] = {acc0, acc1, acc2, acc3};
  __builtin_memcpy(&out, acc, sizeof(out));
}

inline void AffineCondNeg(Affine& a, Limb neg) {
  Fe ny;
  FeNeg(ny, a.y);
  mp::Select(a.y, MaskFromBit(neg), ny, a.y);
}

}  // namespace

std::unique_ptr<CombTable> CombTable::Build(const Affine& base) {
  std::unique_ptr<CombTable> t(new (std::nothrow) CombTable);
  if (!t) {
    return nullptr;
  }
  // Row i holds m * B_i for B_i = 2^(w i) B. Compute in projective coordinates, then convert
  // all to affine with one inversion (Montgomery's simultaneous inversion trick).
  constexpr int kTotal = kCombWindows * kCombEntries;
  std::unique_ptr<Point[]> pts(new (std::nothrow) Point[kTotal]);
  std::unique_ptr<Fe[]> prefix(new (std::nothrow) Fe[kTotal]);
  if (!pts || !prefix) {
    return nullptr;
  }
  Point bi = FromAffine(base);
  for (int i = 0; i < kCombWindows; ++i) {
    Point* row = &pts[i * kCombEntries];
    row[0] = bi;
    for (int m = 1; m < kCombEntries; ++m) {
      PointAdd(row[m], row[m - 1], bi);
    }
    // B_{i+1} = 2^w B_i = 2 * (2^(w-1) B_i) = 2 * row[last].
    PointDouble(bi, row[kCombEntries - 1]);
  }
  // No entry is infinity, so every Z is invertible: B has the prime order q (P-256 has cofactor
  // 1), and m 2^(w i) B = O only if the odd prime q divides m 2^(w i), with m <= 2^(w-1) < q.
  prefix[0] = pts[0].z;
  for (int k = 1; k < kTotal; ++k) {
    FeMul(prefix[k], prefix[k - 1], pts[k].z);
  }
  Fe inv;
  FeInv(inv, prefix[kTotal - 1]);
  for (int k = kTotal - 1; k >= 0; --k) {
    Fe zinv;
    if (k > 0) {
      FeMul(zinv, inv, prefix[k - 1]);
      FeMul(inv, inv, pts[k].z);
    } else {
      zinv = inv;
    }
    Affine& e = t->t_[k / kCombEntries][k % kCombEntries];
    FeMul(e.x, pts[k].x, zinv);
    FeMul(e.y, pts[k].y, zinv);
  }
  return t;
}

void CombTable::Mul(Point& r, const Scalar& k) const {
  Point acc = Infinity();
  for (int i = 0; i < kCombWindows; ++i) {
    Limb mag, neg;
    BoothDigit<kCombWindow>(Window<kCombWindow>(k, kCombWindow * i), mag, neg);
    Affine sel;
    ScanSelect(sel, t_[i].data(), kCombEntries, mag);
    AffineCondNeg(sel, neg);
    Point sum;
    PointAddAffine(sum, acc, sel);
    // A zero digit adds nothing: keep acc (sel is then (0, 0), and sum is discarded).
    PointSelect(acc, EqMask(mag, 0), acc, sum);
  }
  r = acc;
}

void CombTable::MulAddVartime(Point& r, const Scalar& k) const {
  for (int i = 0; i < kCombWindows; ++i) {
    Limb mag, neg;
    BoothDigit<kCombWindow>(Window<kCombWindow>(k, kCombWindow * i), mag, neg);
    if (mag == 0) {  // public scalar
      continue;
    }
    Affine e = t_[i][mag - 1];
    if (neg != 0) {
      FeNeg(e.y, e.y);
    }
    PointAddAffine(r, r, e);
  }
}

void CombTable::MulVartime(Point& r, const Scalar& k) const {
  r = Infinity();
  MulAddVartime(r, k);
}

const CombTable& BaseTable() {
  // Built on first use (about a millisecond), then shared read-only between threads.
  static const CombTable* const table = CombTable::Build(Generator()).release();
  return *table;
}

void BaseMul(Point& r, const Scalar& k) { BaseTable().Mul(r, k); }

void ScalarMul(Point& r, const Point& p, const Scalar& k) {
  constexpr int kW = 5;
  constexpr int kEntries = 1 << (kW - 1);  // multiples 1..16
  Point table[kEntries];
  table[0] = p;
  for (int m = 1; m < kEntries; ++m) {
    PointAdd(table[m], table[m - 1], p);
  }
  // Windows from the top: bits 255..0 plus one: digits at positions 5*i, i = 0..51.
  constexpr int kWindows = (256 + kW) / kW;
  Point acc = Infinity();
  for (int i = kWindows - 1; i >= 0; --i) {
    for (int d = 0; d < kW; ++d) {
      PointDouble(acc, acc);
    }
    Limb mag, neg;
    BoothDigit<kW>(Window<kW>(k, kW * i), mag, neg);
    Point sel = Infinity();
    for (int m = 0; m < kEntries; ++m) {
      PointSelect(sel, EqMask(mag, static_cast<Limb>(m + 1)), table[m], sel);
    }
    Fe ny;
    FeNeg(ny, sel.y);
    mp::Select(sel.y, MaskFromBit(neg), ny, sel.y);
    // Complete addition: sel may be infinity (digit 0), which adds nothing.
    PointAdd(acc, acc, sel);
  }
  r = acc;
}

}  // namespace iotsec::ibc::p256
