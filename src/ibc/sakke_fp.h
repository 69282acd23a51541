// Copyright iotsec authors.
// Arithmetic modulo the 1024-bit prime p of RFC 6509 parameter set 1 (SAKKE, RFC 6508), in
// F_p^2 = F_p[i], i^2 = -1 (RFC 6508 §2.1), and a constant-time modular inversion for any odd
// 1024-bit modulus (used modulo p and modulo q). Private to ibc/.
//
// Constant time: every function here runs in time that depends only on public sizes; no branch
// and no memory index depends on an operand (STYLE.md rule 14), so all of them may be given
// secret values. valgrind checks this in sakke_ct_test.cc.
//
// Elements of F_p live in Montgomery form x * R mod p, R = 2^1024, fully reduced (in [0, p)).
// On x86-64 CPUs with BMI2 and ADX, multiplication, squaring and reduction use the assembly of
// sakke_fp_x86.h; elsewhere the portable CIOS code (Koc, Acar and Kaliski, "Analyzing and
// comparing Montgomery multiplication algorithms", IEEE Micro 1996).
#ifndef IOTSEC_IBC_SAKKE_FP_H_
#define IOTSEC_IBC_SAKKE_FP_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "mp.h"

namespace iotsec::ibc::sakke {

using mp::Limb;
inline constexpr size_t kLimbs = 16;
inline constexpr size_t kFpBytes = 128;  // RFC 6508 §4: elements of F_p are 128 octets

using Num = mp::Num<kLimbs>;  // a plain integer below 2^1024
using Fp = mp::Num<kLimbs>;   // an element of F_p in Montgomery form

// Fp2 is a + b*i in F_p^2 (both parts in Montgomery form).
struct Fp2 {
  Fp a, b;
};

// RFC 6509 Appendix A, parameter set 1: p, and q = (p + 1) / 4, as plain integers.
inline constexpr Num kP = {{
    0x666D807AFEA85FEBULL,
    0x80C5DF10AC7ACE87ULL,
    0xFCE3E82389857DB0ULL,
    0x9F94D6AF56971F1FULL,
    0xA7CF3C521C3C09AAULL,
    0xB6AFF4A831852A82ULL,
    0x512AC5CD65681CE1ULL,
    0xE26C6487326B4CD4ULL,
    0x356D27F4A666A6D0ULL,
    0xE791B39FF7C88A19ULL,
    0x228730D531A59CB0ULL,
    0xF40AAB27E2FC0F1BULL,
    0xBE9AE358B3E01A2EULL,
    0x416C0CE19CB48261ULL,
    0x65C61198DAD0657AULL,
    0x997ABB1F0A563FDAULL,
}};
inline constexpr Num kQ = {{
    0xD99B601EBFAA17FBULL,
    0x203177C42B1EB3A1ULL,
    0xFF38FA08E2615F6CULL,
    0xA7E535ABD5A5C7C7ULL,
    0xA9F3CF14870F026AULL,
    0x6DABFD2A0C614AA0ULL,
    0x144AB173595A0738ULL,
    0x389B1921CC9AD335ULL,
    0x4D5B49FD2999A9B4ULL,
    0x39E46CE7FDF22286ULL,
    0xC8A1CC354C69672CULL,
    0xBD02AAC9F8BF03C6ULL,
    0x6FA6B8D62CF8068BULL,
    0x905B0338672D2098ULL,
    0x9971846636B4195EULL,
    0x265EAEC7C2958FF6ULL,
}};

// ---------------------------------------------------------------------------------------------
// F_p.

// FpOne returns 1 (Montgomery form).
const Fp& FpOne();
// FpZero returns 0.
inline Fp FpZero() { return Fp{}; }

// FpMul sets r = a * b. r may alias a or b.
void FpMul(Fp& r, const Fp& a, const Fp& b);
// FpSqr sets r = a^2. r may alias a.
void FpSqr(Fp& r, const Fp& a);
// FpAdd, FpSub, FpNeg, FpDbl: r = a + b, a - b, -a, 2a.
void FpAdd(Fp& r, const Fp& a, const Fp& b);
void FpSub(Fp& r, const Fp& a, const Fp& b);
void FpNeg(Fp& r, const Fp& a);
inline void FpDbl(Fp& r, const Fp& a) { FpAdd(r, a, a); }
// FpInv sets r = a^-1; FpInv(0) = 0.
void FpInv(Fp& r, const Fp& a);
// FpSelect sets r = mask ? a : b (mask all ones or zero). r may alias a or b.
inline void FpSelect(Fp& r, Limb mask, const Fp& a, const Fp& b) { mp::Select(r, mask, a, b); }
// FpIsZero returns an all-ones mask if a == 0, else 0.
inline Limb FpIsZero(const Fp& a) { return mp::MaskFromBit(mp::IsZeroBit(a)); }
// FpEqual returns an all-ones mask if a == b, else 0.
inline Limb FpEqual(const Fp& a, const Fp& b) { return mp::MaskFromBit(mp::EqualBit(a, b)); }

// FpFromBytes reads 128 big-endian octets into Montgomery form and returns an all-ones mask if
// the integer is below p (the value is then valid), else 0 (r is then unspecified).
Limb FpFromBytes(Fp& r, std::span<const uint8_t, kFpBytes> in);
// FpToBytes writes a (Montgomery form) as 128 big-endian octets.
void FpToBytes(std::span<uint8_t, kFpBytes> out, const Fp& a);
// FpFromInt converts a plain integer below p into Montgomery form.
void FpFromInt(Fp& r, const Num& a);
// FpToInt converts out of Montgomery form.
void FpToInt(Num& r, const Fp& a);

// ---------------------------------------------------------------------------------------------
// Wide (unreduced) products, for sums of products that need only one reduction.

// FpWide is an integer below 2^2048, e.g. a product of two elements or the sum of two such
// products (2p^2 < 2^2048).
struct FpWide {
  Limb w[2 * kLimbs];
};
// FpMulWide sets r = a * b (no reduction).
void FpMulWide(FpWide& r, const Fp& a, const Fp& b);
// FpWideAdd sets r = a + b; the caller guarantees that the sum stays below 2^2048.
void FpWideAdd(FpWide& r, const FpWide& a, const FpWide& b);
// FpRedc sets r = a * R^-1 mod p, fully reduced, for any a below 2^2048.
void FpRedc(Fp& r, const FpWide& a);
// FpMulSum sets r = a * b + c * d with one reduction.
void FpMulSum(Fp& r, const Fp& a, const Fp& b, const Fp& c, const Fp& d);

// ---------------------------------------------------------------------------------------------
// F_p^2 (RFC 6508 §2.1).

// Fp2Mul sets r = x * y (Karatsuba, three multiplications). r may alias x or y.
void Fp2Mul(Fp2& r, const Fp2& x, const Fp2& y);
// Fp2Sqr sets r = x^2: (a + b)(a - b) + 2ab*i.
void Fp2Sqr(Fp2& r, const Fp2& x);
// Fp2MulC1 sets r = x * (c + i) (a line value scaled so that its i-part is 1; two
// multiplications). r may alias x.
void Fp2MulC1(Fp2& r, const Fp2& x, const Fp& c);
// Fp2Mul1T sets r = x * (1 + t*i) (an element of PF_p in its "1 + t i" form). r may alias x.
void Fp2Mul1T(Fp2& r, const Fp2& x, const Fp& t);
// Fp2Conj sets r = a - b*i.
void Fp2Conj(Fp2& r, const Fp2& x);
// Fp2Select sets r = mask ? x : y.
void Fp2Select(Fp2& r, Limb mask, const Fp2& x, const Fp2& y);

// ---------------------------------------------------------------------------------------------
// Inversion modulo any odd modulus.

// CtInvMod sets r = a^-1 mod m for an odd modulus m > 1 and a < m (plain integers, not
// Montgomery form); r = 0 when a = 0 (or, more generally, when gcd(a, m) != 1). It is Pornin's
// optimized binary GCD ("Optimized Binary GCD for Modular Inversion", IACR ePrint 2020/972,
// Algorithm 2, k = 32), constant time.
void CtInvMod(Num& r, const Num& a, const Num& m);

namespace internal {
// The portable multiplication, squaring, wide product and reduction, which FpMul, FpSqr,
// FpMulWide and FpRedc use where no assembly version exists (exposed so that tests cover them
// on every platform).
void FpMulPortable(Fp& r, const Fp& a, const Fp& b);
void FpSqrPortable(Fp& r, const Fp& a);
void FpMulWidePortable(FpWide& r, const Fp& a, const Fp& b);
void FpRedcPortable(Fp& r, const FpWide& a);
// HasFastMul reports whether the x86-64 (BMI2, ADX) code is in use.
bool HasFastMul();
}  // namespace internal

}  // namespace iotsec::ibc::sakke

#endif  // IOTSEC_IBC_SAKKE_FP_H_
