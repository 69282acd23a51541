// Copyright iotsec authors.
// The SAKKE curve E: y^2 = x^3 - 3x over F_p (RFC 6508 §2.1, RFC 6509 parameter set 1): point
// encoding, group law and fixed-base scalar multiplication. Private to ibc/.
//
// Constant time: every function here runs in time independent of coordinates and scalars
// (STYLE.md rule 14); table lookups scan the whole window with masks. Building a table is
// meant for public points (P, Z, [b]P + Z) and is not claimed to be constant time.
//
// Points use Jacobian coordinates (X:Y:Z), x = X/Z^2, y = Y/Z^3, Z = 0 for the point at
// infinity; formulas are those of the Explicit-Formulas Database for a = -3 (dbl-2001-b,
// madd-2007-bl, add-2007-bl), with exceptional cases handled by masks where they can occur.
//
// Fixed-base multiplication ("comb" with one table per window, no doublings): a scalar k is
// made odd (k or k + q) and written as sum_i d_i 2^(6i) with odd digits |d_i| <= 63 (all nonzero,
// so the accumulator never is the point at infinity); table i holds the odd multiples
// [1, 3, ..., 63] * 2^(6i) * B in affine form, and [k]B = sum_i [d_i]T_i costs 170 mixed
// additions and 171 scans of 32 entries.
#ifndef IOTSEC_IBC_SAKKE_CURVE_H_
#define IOTSEC_IBC_SAKKE_CURVE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sakke_fp.h"

namespace iotsec::ibc::sakke {

inline constexpr size_t kPointBytes = 1 + 2 * kFpBytes;  // 0x04 || x || y (RFC 6508 §4)

// Affine is (x, y) in Montgomery form. It is never the point at infinity.
struct Affine {
  Fp x, y;
};
// Jac is (X:Y:Z) in Jacobian coordinates.
struct Jac {
  Fp x, y, z;
};

// GeneratorP returns P of RFC 6509 Appendix A.
const Affine& GeneratorP();

// IsOnCurve returns an all-ones mask if y^2 = x^3 - 3x.
Limb IsOnCurve(const Affine& a);
// DecodePoint parses 0x04 || x || y (RFC 6508 §4) and returns an all-ones mask when the prefix
// is 0x04, both coordinates are below p, the point is on E and y != 0 (y = 0 is the point of
// order 2, which also stands in for encodings of the point at infinity); otherwise 0 and |out|
// is unspecified. Constant time, so it may parse a secret point (an RSK).
Limb DecodePoint(Affine& out, std::span<const uint8_t, kPointBytes> in);
// EncodePoint writes 0x04 || x || y.
void EncodePoint(std::span<uint8_t, kPointBytes> out, const Affine& a);

// ToJac sets r = (x : y : 1).
void ToJac(Jac& r, const Affine& a);
// JacDouble sets r = [2]a (also correct for infinity and for y = 0).
void JacDouble(Jac& r, const Jac& a);
// JacAddMixed sets r = a + b when a != O and a != +-b (the caller rules these out).
void JacAddMixed(Jac& r, const Jac& a, const Affine& b);
// AddMixedCore sets r = a + b by madd-2007-bl (r may alias a), without handling the exceptional
// cases a = O, a = +-b; it returns H = x_b Z^2 - X and rr = 2 (y_b Z^3 - Y), from which callers
// detect those cases or, in the Miller loop, take the line through a and b.
void AddMixedCore(Jac& r, const Jac& a, const Affine& b, Fp& h, Fp& rr);
// JacAddMixedNonZero sets r = a + b for any a != O (a = b and a = -b included).
void JacAddMixedNonZero(Jac& r, const Jac& a, const Affine& b);
// JacAdd sets r = a + b for any a, b (complete).
void JacAdd(Jac& r, const Jac& a, const Jac& b);
// JacIsInfinity returns an all-ones mask if a = O.
Limb JacIsInfinity(const Jac& a);
// JacToAffine sets r to the affine form of a and returns an all-ones mask if a = O (r is then
// (0, 0)).
Limb JacToAffine(Affine& r, const Jac& a);
// JacEqualsAffine returns an all-ones mask if a (Jacobian) is the point b.
Limb JacEqualsAffine(const Jac& a, const Affine& b);
// BatchToAffine converts many points with one inversion (Montgomery's trick). No input may be
// the point at infinity.
void BatchToAffine(std::span<const Jac> in, std::span<Affine> out);

// SignedWindows recodes a secret scalar 0 <= k < q for tables of odd multiples (used for [k]B
// and for g^k): k' = k, or k + q when k is even (the same multiple, as B and g have order q),
// is written as k' = sum_i d_i 2^(6i) with odd digits d_i in [-63, 63]. With
// s = (k' + 2^(6m) - 1) / 2, window i of s gives d_i = 2 s_i - 63. Constant time.
class SignedWindows {
 public:
  static constexpr int kWindow = 6;
  static constexpr int kEntries = 1 << (kWindow - 1);              // odd multiples 1..63
  static constexpr int kWindows = (1023 + kWindow - 1) / kWindow;  // odd k' < 2q < 2^1023

  explicit SignedWindows(const Num& k);
  ~SignedWindows();
  SignedWindows(const SignedWindows&) = delete;
  SignedWindows& operator=(const SignedWindows&) = delete;

  // Digit returns digit i as |d_i| = 2 idx + 1 and neg (all ones when d_i < 0).
  void Digit(int i, Limb& neg, Limb& idx) const;

 private:
  static constexpr size_t kBits = static_cast<size_t>(kWindow) * kWindows;
  static constexpr size_t kSLimbs = kBits / 64 + 1;
  mp::Num<kSLimbs> s_{};
};

// FixedBaseTable multiplies one base point B (of order q) by secret scalars.
class FixedBaseTable {
 public:
  static constexpr int kWindow = SignedWindows::kWindow;
  static constexpr int kEntries = SignedWindows::kEntries;
  static constexpr int kWindows = SignedWindows::kWindows;

  // Build precomputes the table for |base| (a public point).
  static std::unique_ptr<FixedBaseTable> Build(const Affine& base);

  // Mul sets out = [k]B for a scalar 0 <= k < q (k = 0 gives the point at infinity).
  void Mul(Jac& out, const Num& k) const;

  const Affine& base() const { return entries_[0]; }

 private:
  FixedBaseTable() = default;
  std::vector<Affine> entries_;  // window i, entry j: [(2j + 1) 2^(6i)]B
};

// PTable returns the table for P, built on first use (thread-safe).
const FixedBaseTable& PTable();

// CachedTable returns a table for a public point identified by its encoding |key|, building it
// on first use; a few recent tables are kept (thread-safe). It returns nullptr (and caches
// nothing) when [q]base != O.
std::shared_ptr<const FixedBaseTable> CachedTable(std::span<const uint8_t, kPointBytes> key,
                                                  const Affine& base);

}  // namespace iotsec::ibc::sakke

#endif  // IOTSEC_IBC_SAKKE_CURVE_H_
