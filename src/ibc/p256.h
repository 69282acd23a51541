// Copyright iotsec authors.
// NIST P-256 (FIPS 186-4 §D.1.2.3, the curve of RFC 6507 §2.1 and its Appendix A): a field,
// group and scalar implementation for secret scalars. Private to ibc/.
//
// Constant time: every function here whose name does not end in "Vartime" runs in time that
// depends only on public sizes: no branch and no memory index depends on a coordinate or a scalar
// (STYLE.md rule 14). Table lookups scan the whole table with masks. The *Vartime functions are
// for public data only (signature verification).
//
// Field elements live in Montgomery form modulo p with R = 2^256, fully reduced. The reduction
// uses the shape of p = 2^256 - 2^224 + 2^192 + 2^96 - 1: -p^-1 mod 2^64 = 1, and p's limbs are
// (2^64-1, 2^32-1, 0, 2^64-2^32+1), so a Montgomery step needs no multiplication by -p^-1 and
// (in the x86-64 assembly of p256_field_inl.h) none by p either, only shifts and additions.
// x86-64 uses that assembly (with MULX/ADX where the CPU has them); other targets the portable
// C++ of p256_field.cc.
//
// Points use homogeneous projective coordinates (X:Y:Z), x = X/Z, y = Y/Z, infinity = (0:1:0),
// with the complete addition and doubling formulas for a = -3 of Renes, Costello and Batina,
// "Complete addition formulas for prime order elliptic curves" (EUROCRYPT 2016), Algorithms 4, 5
// and 6: they have no exceptional case (doubling, inverse points, infinity), so no branch is
// needed to handle one.
#ifndef IOTSEC_IBC_P256_H_
#define IOTSEC_IBC_P256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "mp.h"

namespace iotsec::ibc::p256 {

using mp::Limb;
using Fe = mp::Num<4>;      // a field element, Montgomery form, in [0, p)
using Scalar = mp::Num<4>;  // an integer (not Montgomery form), usually in [0, q)

inline constexpr size_t kFieldBytes = 32;
inline constexpr size_t kScalarBytes = 32;
inline constexpr size_t kPointBytes = 65;  // SEC 1 §2.3.3 uncompressed: 0x04 || x || y

// p, q (the group order n of FIPS 186-4) and b, as plain integers (FIPS 186-4 §D.1.2.3).
inline constexpr Fe kP = {
    {0xffffffffffffffffULL, 0x00000000ffffffffULL, 0x0000000000000000ULL, 0xffffffff00000001ULL}};
inline constexpr Scalar kQ = {
    {0xf3b9cac2fc632551ULL, 0xbce6faada7179e84ULL, 0xffffffffffffffffULL, 0xffffffff00000000ULL}};
inline constexpr Fe kB = {
    {0x3bce3c3e27d2604bULL, 0x651d06b0cc53b0f6ULL, 0xb3ebbd55769886bcULL, 0x5ac635d8aa3a93e7ULL}};
// The generator G (FIPS 186-4 §D.1.2.3), plain integers.
inline constexpr Fe kGx = {
    {0xf4a13945d898c296ULL, 0x77037d812deb33a0ULL, 0xf8bce6e563a440f2ULL, 0x6b17d1f2e12c4247ULL}};
inline constexpr Fe kGy = {
    {0xcbb6406837bf51f5ULL, 0x2bce33576b315eceULL, 0x8ee7eb4a7c0f9e16ULL, 0x4fe342e2fe1a7f9bULL}};

// ---------------------------------------------------------------------------------------------
// Field arithmetic modulo p (constant time).

// FeMul sets r = a * b * R^-1 mod p. r may alias a or b.
void FeMul(Fe& r, const Fe& a, const Fe& b);
// FeSqr sets r = a^2 * R^-1 mod p.
void FeSqr(Fe& r, const Fe& a);
// FeAdd, FeSub, FeNeg: r = a + b, a - b, -a mod p.
void FeAdd(Fe& r, const Fe& a, const Fe& b);
void FeSub(Fe& r, const Fe& a, const Fe& b);
void FeNeg(Fe& r, const Fe& a);
// FeInv sets r = a^-1 (Fermat, a fixed addition chain for p - 2); FeInv(0) = 0.
void FeInv(Fe& r, const Fe& a);
// FeToMont converts an integer a < 2^256 into Montgomery form (reduced mod p).
void FeToMont(Fe& r, const Fe& a);
// FeFromMont converts out of Montgomery form.
void FeFromMont(Fe& r, const Fe& a);
// FeOne returns 1 in Montgomery form.
const Fe& FeOne();

namespace internal {
// The portable C++ field operations, which FeMul, FeSqr, FeAdd and FeSub use where no assembly
// version exists (exposed so that tests cover them on every platform).
void FeMulPortable(Fe& r, const Fe& a, const Fe& b);
void FeSqrPortable(Fe& r, const Fe& a);
void FeAddPortable(Fe& r, const Fe& a, const Fe& b);
void FeSubPortable(Fe& r, const Fe& a, const Fe& b);
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Points.

// Point is (X:Y:Z) in homogeneous projective coordinates (Montgomery form).
struct Point {
  Fe x, y, z;
};
// Affine is (x, y) in Montgomery form; never the point at infinity.
struct Affine {
  Fe x, y;
};

// Infinity returns (0:1:0).
Point Infinity();
// FromAffine returns (x:y:1).
Point FromAffine(const Affine& a);
// Generator returns G in affine form.
const Affine& Generator();
// CurveBMont returns the curve coefficient b in Montgomery form.
const Fe& CurveBMont();

// PointDouble sets r = 2a (RCB Algorithm 6). r may alias a.
void PointDouble(Point& r, const Point& a);
// PointAdd sets r = a + b (RCB Algorithm 4); complete. r may alias a or b.
void PointAdd(Point& r, const Point& a, const Point& b);
// PointAddAffine sets r = a + b for an affine b (RCB Algorithm 5); complete for every a. r may
// alias a.
void PointAddAffine(Point& r, const Point& a, const Affine& b);
// PointSelect sets r = mask ? a : b (mask all-ones or zero).
void PointSelect(Point& r, Limb mask, const Point& a, const Point& b);
// PointIsInfinityBit returns 1 if a is the point at infinity (Z = 0), else 0.
Limb PointIsInfinityBit(const Point& a);

// ToAffine converts |a| to affine form with one constant-time inversion. Returns 1 on success
// and 0 if |a| is the point at infinity (|out| is then (0, 0)). The return value is as secret
// as |a|; callers declassify it only when the point is public.
Limb ToAffine(Affine& out, const Point& a);

// EncodeAffine writes 0x04 || x || y (SEC 1 §2.3.3), 65 octets.
void EncodeAffine(std::span<uint8_t, kPointBytes> out, const Affine& a);
// DecodeAffine parses 0x04 || x || y and accepts it only if x, y < p and y^2 = x^3 - 3x + b
// (SEC 1 §3.2.2.1 public key validation; P-256 has cofactor 1 so every curve point other than
// infinity is in the group, and infinity has no 65-octet encoding). Returns false otherwise.
// The input is public: this function may branch on it.
bool DecodeAffine(Affine& out, std::span<const uint8_t> in);
// OnCurveVartime returns true if (x, y) satisfies the curve equation (public data).
bool OnCurveVartime(const Affine& a);

// ---------------------------------------------------------------------------------------------
// Scalars.

// ScalarFromBytes reads a 32-octet big-endian integer (no reduction).
Scalar ScalarFromBytes(std::span<const uint8_t, kScalarBytes> in);
// ScalarToBytes writes a scalar as 32 octets big-endian.
void ScalarToBytes(std::span<uint8_t, kScalarBytes> out, const Scalar& k);
// ScalarInRangeBit returns 1 if 1 <= k < q, else 0 (constant time).
Limb ScalarInRangeBit(const Scalar& k);
// ScalarReduceOnce returns k mod q for any k < 2^256 (< 2q, so one conditional subtraction).
Scalar ScalarReduceOnce(const Scalar& k);
// ScalarField is arithmetic modulo q (Montgomery form, constant time).
const mp::Field<4>& ScalarField();
// ModInvVartime sets r = x^-1 mod |modulus| (plain integers, an odd modulus, x in [1, modulus)
// and coprime to it) by batched Bernstein-Yang divsteps. Its time depends on x: use it only on
// public values, such as a secret multiplied by a secret random blinding factor. Returns false
// (r unchanged) if x is 0, not below the modulus, or not invertible.
bool ModInvVartime(mp::Num<4>& r, const mp::Num<4>& x, const mp::Num<4>& modulus);
// ScalarInvVartime is ModInvVartime modulo q.
bool ScalarInvVartime(Scalar& r, const Scalar& a);

// ---------------------------------------------------------------------------------------------
// Scalar multiplication.

// CombTable is a fixed-base table for one base point B: for every window i of kCombWindow bits,
// the affine multiples m * 2^(kCombWindow*i) * B for m = 1..2^(kCombWindow-1). With signed
// (Booth) digits k = sum d_i 2^(kCombWindow*i), |d_i| <= 2^(kCombWindow-1), [k]B is a sum of
// one table entry per window and needs no doubling (the "comb" layout of OpenSSL's
// ecp_nistz256 and of BoringSSL's p256 tables, built here at run time).
inline constexpr int kCombWindow = 6;
inline constexpr int kCombWindows = (256 + kCombWindow) / kCombWindow;  // ceil(257 / w)
inline constexpr int kCombEntries = 1 << (kCombWindow - 1);

class CombTable {
 public:
  // Build returns the table for |base| (public), or nullptr on allocation failure.
  static std::unique_ptr<CombTable> Build(const Affine& base);

  // Mul sets r = [k]B for a secret k < 2^256 in constant time (full table scans with masks).
  void Mul(Point& r, const Scalar& k) const;
  // MulVartime sets r = [k]B for a public k < 2^256 (direct table indices).
  void MulVartime(Point& r, const Scalar& k) const;
  // MulAddVartime sets r = r + [k]B (public k).
  void MulAddVartime(Point& r, const Scalar& k) const;

 private:
  CombTable() = default;
  std::array<std::array<Affine, kCombEntries>, kCombWindows> t_;
};

// BaseTable returns the table for the generator G (built once, thread-safe).
const CombTable& BaseTable();

// BaseMul sets r = [k]G in constant time.
void BaseMul(Point& r, const Scalar& k);
// ScalarMul sets r = [k]P in constant time for a point P and a secret k < 2^256 (signed 5-bit
// windows over a 16-entry table of P's multiples, scanned in full at each window).
void ScalarMul(Point& r, const Point& p, const Scalar& k);

}  // namespace iotsec::ibc::p256

#endif  // IOTSEC_IBC_P256_H_
