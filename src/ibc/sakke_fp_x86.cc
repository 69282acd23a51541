// Copyright iotsec authors.
#include "sakke_fp_x86.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <cpuid.h>
#include <immintrin.h>

#include <cstring>

namespace iotsec::ibc::sakke::x86 {
namespace {

using mp::MaskFromBit;

// Scratch layout, in limbs, addressed from one base register %[s]:
//   A 0..15, B 16..31: copies of the operands
//   T 32..64: the 2048-bit product or the value being reduced, plus a carry limb (T[32])
//   M 65..72: multipliers of one reduction round
//   TMP 73..88, TMP2 89..104: block products waiting to be added into T
//   N0 105: -p^-1 mod 2^64
//   U 106..138: a second product (MulSum), plus a carry limb
struct Scratch {
  Limb w[139];
};
#define SK_A "0"
#define SK_AH "64"
#define SK_B "128"
#define SK_BH "192"
#define SK_T "256"
#define SK_T8 "320"
#define SK_T16 "384"
#define SK_M "520"
#define SK_TMP "584"
#define SK_TMP2 "712"
#define SK_N0 "840"
#define SK_U "848"
#define SK_U8 "912"
#define SK_U16 "976"
constexpr size_t kT = 32, kN0 = 105;

constexpr Limb kZero = 0;

// clang-format off
// The nine window registers; a row uses them in the order given by one of the rotations.
#define SK_R0 "%%r8"
#define SK_R1 "%%r9"
#define SK_R2 "%%r10"
#define SK_R3 "%%r11"
#define SK_R4 "%%r12"
#define SK_R5 "%%r13"
#define SK_R6 "%%r14"
#define SK_R7 "%%r15"
#define SK_R8 "%%rbx"
#define SK_ROT0 SK_R0, SK_R1, SK_R2, SK_R3, SK_R4, SK_R5, SK_R6, SK_R7, SK_R8
#define SK_ROT1 SK_R1, SK_R2, SK_R3, SK_R4, SK_R5, SK_R6, SK_R7, SK_R8, SK_R0
#define SK_ROT2 SK_R2, SK_R3, SK_R4, SK_R5, SK_R6, SK_R7, SK_R8, SK_R0, SK_R1
#define SK_ROT3 SK_R3, SK_R4, SK_R5, SK_R6, SK_R7, SK_R8, SK_R0, SK_R1, SK_R2
#define SK_ROT4 SK_R4, SK_R5, SK_R6, SK_R7, SK_R8, SK_R0, SK_R1, SK_R2, SK_R3
#define SK_ROT5 SK_R5, SK_R6, SK_R7, SK_R8, SK_R0, SK_R1, SK_R2, SK_R3, SK_R4
#define SK_ROT6 SK_R6, SK_R7, SK_R8, SK_R0, SK_R1, SK_R2, SK_R3, SK_R4, SK_R5
#define SK_ROT7 SK_R7, SK_R8, SK_R0, SK_R1, SK_R2, SK_R3, SK_R4, SK_R5, SK_R6

// One product x_j * rdx: low half into window slot a (carry flag chain), high half into slot b
// (overflow flag chain). x_j is at displacement d + 8j from base.
#define SK_PROD(d, j, base, a, b)                  \
  "mulxq " d "+8*" #j base ", %%rax, %%rcx\n\t"    \
  "adcxq %%rax, " a "\n\t"                         \
  "adoxq %%rcx, " b "\n\t"

// One row: window r0..r8 (r8 fresh, zero) += x[0..7] * rdx. The flags must be clear.
#define SK_ROW(d, base, r0, r1, r2, r3, r4, r5, r6, r7, r8)  \
  SK_PROD(d, 0, base, r0, r1)                                \
  SK_PROD(d, 1, base, r1, r2)                                \
  SK_PROD(d, 2, base, r2, r3)                                \
  SK_PROD(d, 3, base, r3, r4)                                \
  SK_PROD(d, 4, base, r4, r5)                                \
  SK_PROD(d, 5, base, r5, r6)                                \
  SK_PROD(d, 6, base, r6, r7)                                \
  SK_PROD(d, 7, base, r7, r8)                                \
  "adcxq %[zero], " r8 "\n\t"
#define SK_ROW_(...) SK_ROW(__VA_ARGS__)

// Row i of a block product: load y_i, clear the fresh slot (and the flags), multiply, store the
// finished low limb.
#define SK_MROW(i, xd, xb, yd, yb, od, fresh, rot, low)  \
  "movq " yd "+8*" #i yb ", %%rdx\n\t"                   \
  "xorq " fresh ", " fresh "\n\t"                        \
  SK_ROW_(xd, xb, rot)                                   \
  "movq " low ", " od "+8*" #i "(%[s])\n\t"

// The window holds limbs 8..15 of a block in slots R8, R0, ..., R6: store them at od + 64.
#define SK_STORE_HIGH(od)                \
  "movq " SK_R8 ", " od "+64(%[s])\n\t"  \
  "movq " SK_R0 ", " od "+72(%[s])\n\t"  \
  "movq " SK_R1 ", " od "+80(%[s])\n\t"  \
  "movq " SK_R2 ", " od "+88(%[s])\n\t"  \
  "movq " SK_R3 ", " od "+96(%[s])\n\t"  \
  "movq " SK_R4 ", " od "+104(%[s])\n\t" \
  "movq " SK_R5 ", " od "+112(%[s])\n\t" \
  "movq " SK_R6 ", " od "+120(%[s])\n\t"

// out[0..15] (in the scratch, at od) = x[0..7] * y[0..7].
#define SK_BLOCK(xd, xb, yd, yb, od)                          \
  "xorq %%r8, %%r8\n\t"                                       \
  "xorq %%r9, %%r9\n\t"                                       \
  "xorq %%r10, %%r10\n\t"                                     \
  "xorq %%r11, %%r11\n\t"                                     \
  "xorq %%r12, %%r12\n\t"                                     \
  "xorq %%r13, %%r13\n\t"                                     \
  "xorq %%r14, %%r14\n\t"                                     \
  "xorq %%r15, %%r15\n\t"                                     \
  SK_MROW(0, xd, xb, yd, yb, od, SK_R8, SK_ROT0, SK_R0)       \
  SK_MROW(1, xd, xb, yd, yb, od, SK_R0, SK_ROT1, SK_R1)       \
  SK_MROW(2, xd, xb, yd, yb, od, SK_R1, SK_ROT2, SK_R2)       \
  SK_MROW(3, xd, xb, yd, yb, od, SK_R2, SK_ROT3, SK_R3)       \
  SK_MROW(4, xd, xb, yd, yb, od, SK_R3, SK_ROT4, SK_R4)       \
  SK_MROW(5, xd, xb, yd, yb, od, SK_R4, SK_ROT5, SK_R5)       \
  SK_MROW(6, xd, xb, yd, yb, od, SK_R5, SK_ROT6, SK_R6)       \
  SK_MROW(7, xd, xb, yd, yb, od, SK_R6, SK_ROT7, SK_R7)       \
  SK_STORE_HIGH(od)

// Row i of a reduction block: m_i = (low limb) * n0, stored at M; then a row with x = p_low.
// imul changes the flags, so the clearing xor comes after it.
#define SK_RROW(i, fresh, rot, low)                \
  "movq " low ", %%rdx\n\t"                        \
  "imulq " SK_N0 "(%[s]), %%rdx\n\t"               \
  "movq %%rdx, " SK_M "+8*" #i "(%[s])\n\t"        \
  "xorq " fresh ", " fresh "\n\t"                  \
  SK_ROW_("0", "(%[p])", rot)

// Reduction round on the value v[0..7] at vd: chooses m[0..7] so that v + m * p_low is 0 in its
// low 8 limbs, and stores the 8 high limbs of v + m * p_low at od.
#define SK_REDC_BLOCK(vd, od)               \
  "movq " vd "+0(%[s]), %%r8\n\t"           \
  "movq " vd "+8(%[s]), %%r9\n\t"           \
  "movq " vd "+16(%[s]), %%r10\n\t"         \
  "movq " vd "+24(%[s]), %%r11\n\t"         \
  "movq " vd "+32(%[s]), %%r12\n\t"         \
  "movq " vd "+40(%[s]), %%r13\n\t"         \
  "movq " vd "+48(%[s]), %%r14\n\t"         \
  "movq " vd "+56(%[s]), %%r15\n\t"         \
  SK_RROW(0, SK_R8, SK_ROT0, SK_R0)         \
  SK_RROW(1, SK_R0, SK_ROT1, SK_R1)         \
  SK_RROW(2, SK_R1, SK_ROT2, SK_R2)         \
  SK_RROW(3, SK_R2, SK_ROT3, SK_R3)         \
  SK_RROW(4, SK_R3, SK_ROT4, SK_R4)         \
  SK_RROW(5, SK_R4, SK_ROT5, SK_R5)         \
  SK_RROW(6, SK_R5, SK_ROT6, SK_R6)         \
  SK_RROW(7, SK_R6, SK_ROT7, SK_R7)         \
  "movq " SK_R8 ", " od "+0(%[s])\n\t"      \
  "movq " SK_R0 ", " od "+8(%[s])\n\t"      \
  "movq " SK_R1 ", " od "+16(%[s])\n\t"     \
  "movq " SK_R2 ", " od "+24(%[s])\n\t"     \
  "movq " SK_R3 ", " od "+32(%[s])\n\t"     \
  "movq " SK_R4 ", " od "+40(%[s])\n\t"     \
  "movq " SK_R5 ", " od "+48(%[s])\n\t"     \
  "movq " SK_R6 ", " od "+56(%[s])\n\t"

// Additions into T: dst[k] += a[k] + b[k], a on the carry flag chain and b on the overflow flag
// chain, in one pass (a or b is zero past its length). The first one clears the flags.
#define SK_ADD2(dst, a, b, k)                        \
  "movq " dst "+8*" #k "(%[s]), %%rax\n\t"           \
  "adcxq " a "+8*" #k "(%[s]), %%rax\n\t"            \
  "adoxq " b "+8*" #k "(%[s]), %%rax\n\t"            \
  "movq %%rax, " dst "+8*" #k "(%[s])\n\t"
#define SK_ADD1(dst, b, k)                           \
  "movq " dst "+8*" #k "(%[s]), %%rax\n\t"           \
  "adcxq %[zero], %%rax\n\t"                         \
  "adoxq " b "+8*" #k "(%[s]), %%rax\n\t"            \
  "movq %%rax, " dst "+8*" #k "(%[s])\n\t"
#define SK_ADD0(dst, k)                              \
  "movq " dst "+8*" #k "(%[s]), %%rax\n\t"           \
  "adcxq %[zero], %%rax\n\t"                         \
  "adoxq %[zero], %%rax\n\t"                         \
  "movq %%rax, " dst "+8*" #k "(%[s])\n\t"
#define SK_ADD2_0_7(dst, a, b)                                                   \
  "xorl %%ecx, %%ecx\n\t"                                                        \
  SK_ADD2(dst, a, b, 0) SK_ADD2(dst, a, b, 1) SK_ADD2(dst, a, b, 2)             \
  SK_ADD2(dst, a, b, 3) SK_ADD2(dst, a, b, 4) SK_ADD2(dst, a, b, 5)             \
  SK_ADD2(dst, a, b, 6) SK_ADD2(dst, a, b, 7)
#define SK_ADD2_8_15(dst, a, b)                                                  \
  SK_ADD2(dst, a, b, 8) SK_ADD2(dst, a, b, 9) SK_ADD2(dst, a, b, 10)            \
  SK_ADD2(dst, a, b, 11) SK_ADD2(dst, a, b, 12) SK_ADD2(dst, a, b, 13)          \
  SK_ADD2(dst, a, b, 14) SK_ADD2(dst, a, b, 15)
#define SK_ADD1_8_15(dst, b)                                                     \
  SK_ADD1(dst, b, 8) SK_ADD1(dst, b, 9) SK_ADD1(dst, b, 10) SK_ADD1(dst, b, 11) \
  SK_ADD1(dst, b, 12) SK_ADD1(dst, b, 13) SK_ADD1(dst, b, 14) SK_ADD1(dst, b, 15)
#define SK_ADD0_16_24(dst)                                                       \
  SK_ADD0(dst, 16) SK_ADD0(dst, 17) SK_ADD0(dst, 18) SK_ADD0(dst, 19)           \
  SK_ADD0(dst, 20) SK_ADD0(dst, 21) SK_ADD0(dst, 22) SK_ADD0(dst, 23)           \
  SK_ADD0(dst, 24)
// dst[0..24] += a[0..15] + b[0..15];  dst[0..24] += a[0..7] + b[0..15];
// dst[0..16] += a[0..7] + b[0..15].
#define SK_ADD_16_16_25(dst, a, b) \
  SK_ADD2_0_7(dst, a, b) SK_ADD2_8_15(dst, a, b) SK_ADD0_16_24(dst)
#define SK_ADD_8_16_25(dst, a, b) \
  SK_ADD2_0_7(dst, a, b) SK_ADD1_8_15(dst, b) SK_ADD0_16_24(dst)
#define SK_ADD_8_16_17(dst, a, b) \
  SK_ADD2_0_7(dst, a, b) SK_ADD1_8_15(dst, b) SK_ADD0(dst, 16)

// The Montgomery reduction of T (33 limbs, T[32] = 0 on entry): two rounds of eight limbs; the
// result is T[16..31] + T[32] 2^1024.
#define SK_REDC                                            \
  SK_REDC_BLOCK(SK_T, SK_TMP)                              \
  SK_BLOCK("64", "(%[p])", SK_M, "(%[s])", SK_TMP2)        \
  SK_ADD_8_16_25(SK_T8, SK_TMP, SK_TMP2)                   \
  SK_REDC_BLOCK(SK_T8, SK_TMP)                             \
  SK_BLOCK("64", "(%[p])", SK_M, "(%[s])", SK_TMP2)        \
  SK_ADD_8_16_17(SK_T16, SK_TMP, SK_TMP2)

// t[0..31] = A * B, t[32] = 0, for t = T (t8 = T + 8 limbs, t16 = T + 16) or U.
#define SK_PRODUCT_TO(t, t8, t16)                          \
  SK_BLOCK(SK_A, "(%[s])", SK_B, "(%[s])", t)              \
  SK_BLOCK(SK_AH, "(%[s])", SK_BH, "(%[s])", t16)          \
  "movq $0, " t "+256(%[s])\n\t"                           \
  SK_BLOCK(SK_A, "(%[s])", SK_BH, "(%[s])", SK_TMP)        \
  SK_BLOCK(SK_AH, "(%[s])", SK_B, "(%[s])", SK_TMP2)       \
  SK_ADD_16_16_25(t8, SK_TMP, SK_TMP2)
#define SK_PRODUCT SK_PRODUCT_TO(SK_T, SK_T8, SK_T16)

// T[0..32] += U[0..32].
#define SK_ADD_U_TO_T                                                               \
  "xorl %%ecx, %%ecx\n\t"                                                           \
  SK_ADD1(SK_T, SK_U, 0) SK_ADD1(SK_T, SK_U, 1) SK_ADD1(SK_T, SK_U, 2)             \
  SK_ADD1(SK_T, SK_U, 3) SK_ADD1(SK_T, SK_U, 4) SK_ADD1(SK_T, SK_U, 5)             \
  SK_ADD1(SK_T, SK_U, 6) SK_ADD1(SK_T, SK_U, 7) SK_ADD1(SK_T, SK_U, 8)             \
  SK_ADD1(SK_T, SK_U, 9) SK_ADD1(SK_T, SK_U, 10) SK_ADD1(SK_T, SK_U, 11)           \
  SK_ADD1(SK_T, SK_U, 12) SK_ADD1(SK_T, SK_U, 13) SK_ADD1(SK_T, SK_U, 14)          \
  SK_ADD1(SK_T, SK_U, 15) SK_ADD1(SK_T, SK_U, 16) SK_ADD1(SK_T, SK_U, 17)          \
  SK_ADD1(SK_T, SK_U, 18) SK_ADD1(SK_T, SK_U, 19) SK_ADD1(SK_T, SK_U, 20)          \
  SK_ADD1(SK_T, SK_U, 21) SK_ADD1(SK_T, SK_U, 22) SK_ADD1(SK_T, SK_U, 23)          \
  SK_ADD1(SK_T, SK_U, 24) SK_ADD1(SK_T, SK_U, 25) SK_ADD1(SK_T, SK_U, 26)          \
  SK_ADD1(SK_T, SK_U, 27) SK_ADD1(SK_T, SK_U, 28) SK_ADD1(SK_T, SK_U, 29)          \
  SK_ADD1(SK_T, SK_U, 30) SK_ADD1(SK_T, SK_U, 31) SK_ADD1(SK_T, SK_U, 32)

// T[0..31] = A^2, T[32] = 0 (the cross product once, added twice).
#define SK_SQUARE                                          \
  SK_BLOCK(SK_A, "(%[s])", SK_A, "(%[s])", SK_T)           \
  SK_BLOCK(SK_AH, "(%[s])", SK_AH, "(%[s])", SK_T16)       \
  "movq $0, " SK_T "+256(%[s])\n\t"                        \
  SK_BLOCK(SK_A, "(%[s])", SK_AH, "(%[s])", SK_TMP)        \
  SK_ADD_16_16_25(SK_T8, SK_TMP, SK_TMP)

#define SK_CLOBBERS \
  "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory"
// clang-format on

constexpr Limb NegInv64(Limb x) {
  Limb inv = 1;
  for (int i = 0; i < 7; ++i) {
    inv *= 2 - x * inv;
  }
  return Limb{0} - inv;
}

// Final step: r = (T[16..31] + T[32] 2^1024) mod p by |rounds| masked subtractions of p (one
// when the value is below 2p, as after a product of reduced inputs; two below 3p).
void Finish(Fp& r, const Scratch& s, int rounds) {
  Limb v[kLimbs];
  std::memcpy(v, &s.w[kT + 16], sizeof(v));
  Limb hi = s.w[kT + 32];
  for (int round = 0; round < rounds; ++round) {
    Limb d[kLimbs];
    unsigned char borrow = 0;
#pragma GCC unroll 16
    for (size_t i = 0; i < kLimbs; ++i) {
      unsigned long long t;
      borrow = _subborrow_u64(borrow, v[i], kP.w[i], &t);
      d[i] = t;
    }
    const Limb take = MaskFromBit((hi & 1) | (borrow ^ 1));
#pragma GCC unroll 16
    for (size_t i = 0; i < kLimbs; ++i) {
      v[i] = (d[i] & take) | (v[i] & ~take);
    }
    hi -= borrow & take & 1;
  }
  std::memcpy(r.w, v, sizeof(v));
}

}  // namespace

bool Available() {
  // CPUID leaf 7, subleaf 0: EBX bit 8 is BMI2 (mulx), bit 19 is ADX (adcx, adox).
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    return false;
  }
  return (ebx & (1u << 8)) != 0 && (ebx & (1u << 19)) != 0;
}

void MontMul(Fp& r, const Fp& a, const Fp& b) {
  Scratch s;
  std::memcpy(&s.w[0], a.w, sizeof(a.w));
  std::memcpy(&s.w[16], b.w, sizeof(b.w));
  s.w[kN0] = NegInv64(kP.w[0]);
  asm volatile(SK_PRODUCT SK_REDC : : [s] "r"(s.w), [p] "r"(kP.w), [zero] "m"(kZero) : SK_CLOBBERS);
  Finish(r, s, 1);
}

void MontSqr(Fp& r, const Fp& a) {
  Scratch s;
  std::memcpy(&s.w[0], a.w, sizeof(a.w));
  s.w[kN0] = NegInv64(kP.w[0]);
  asm volatile(SK_SQUARE SK_REDC : : [s] "r"(s.w), [p] "r"(kP.w), [zero] "m"(kZero) : SK_CLOBBERS);
  Finish(r, s, 1);
}

void MulSum(Fp& r, const Fp& a, const Fp& b, const Fp& c, const Fp& d) {
  Scratch s;
  std::memcpy(&s.w[0], a.w, sizeof(a.w));
  std::memcpy(&s.w[16], b.w, sizeof(b.w));
  asm volatile(SK_PRODUCT : : [s] "r"(s.w), [zero] "m"(kZero) : SK_CLOBBERS);
  std::memcpy(&s.w[0], c.w, sizeof(c.w));
  std::memcpy(&s.w[16], d.w, sizeof(d.w));
  s.w[kN0] = NegInv64(kP.w[0]);
  asm volatile(SK_PRODUCT_TO(SK_U, SK_U8, SK_U16) SK_ADD_U_TO_T SK_REDC
               :
               : [s] "r"(s.w), [p] "r"(kP.w), [zero] "m"(kZero)
               : SK_CLOBBERS);
  Finish(r, s, 2);  // a b + c d < 2p^2 < 2^2048: the value is below 3p
}

void MulWide(FpWide& r, const Fp& a, const Fp& b) {
  Scratch s;
  std::memcpy(&s.w[0], a.w, sizeof(a.w));
  std::memcpy(&s.w[16], b.w, sizeof(b.w));
  asm volatile(SK_PRODUCT : : [s] "r"(s.w), [zero] "m"(kZero) : SK_CLOBBERS);
  std::memcpy(r.w, &s.w[kT], sizeof(r.w));
}

void Redc(Fp& r, const FpWide& t) {
  Scratch s;
  std::memcpy(&s.w[kT], t.w, sizeof(t.w));
  s.w[kT + 32] = 0;
  s.w[kN0] = NegInv64(kP.w[0]);
  asm volatile(SK_REDC : : [s] "r"(s.w), [p] "r"(kP.w), [zero] "m"(kZero) : SK_CLOBBERS);
  Finish(r, s, 2);  // t < 2^2048: the value is below R + p < 3p
}

}  // namespace iotsec::ibc::sakke::x86

#else  // not x86-64

namespace iotsec::ibc::sakke::x86 {
bool Available() { return false; }
void MontMul(Fp&, const Fp&, const Fp&) {}
void MontSqr(Fp&, const Fp&) {}
void MulWide(FpWide&, const Fp&, const Fp&) {}
void MulSum(Fp&, const Fp&, const Fp&, const Fp&, const Fp&) {}
void Redc(Fp&, const FpWide&) {}
}  // namespace iotsec::ibc::sakke::x86

#endif
