// Copyright iotsec authors.
// Inline field multiplication, squaring, addition and subtraction modulo the P-256 prime, for
// the hot loops of p256_field.cc and p256.cc (private to those two files). On x86-64 they are
// assembly; elsewhere they call the portable C++ of p256_field.cc.
#ifndef IOTSEC_IBC_P256_FIELD_INL_H_
#define IOTSEC_IBC_P256_FIELD_INL_H_

#include "p256.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace iotsec::ibc::p256::inl {
// Internal linkage: a translation unit built without optimization (a test at -O0) gets the
// portable definitions, and must not share symbols with the library's assembly ones.
namespace {

// The assembly needs up to 12 general registers, which unoptimized builds (-O0) cannot give
// (they keep every operand's address in a register of its own): those use the portable code.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__OPTIMIZE__) && \
    !defined(IOTSEC_P256_PORTABLE)
#define IOTSEC_P256_X86_64_ASM 1
// x86-64 versions of the same Montgomery multiplication and squaring (plain MUL/ADC, no BMI2 or
// ADX, so they run on every x86-64). The reduction step computes m * (2^64 - 2^32 + 1) with
// shifts and a subtraction instead of a multiplication: m * p3 = (m - (m >> 32) - borrow) 2^64
// + (m - (m << 32)). Operands are read from memory; results are written after the asm block,
// so |out| may alias an input. Constant time: no branch, and cmov only on carries.
alignas(16) inline constexpr Limb kAsmP1 = 0x00000000ffffffffULL;
alignas(16) inline constexpr Limb kAsmP3 = 0xffffffff00000001ULL;

// clang-format off (the assembly is laid out by hand)
inline void FeMulAsm(Fe& out, const Fe& x, const Fe& y) {
  const Limb* a = x.w;
  const Limb* b = y.w;
  Limb rax, rdx, A0, A1, A2, A3, A4, A5, bi, c;
  asm(
      // Round 0: A0..A4 = a * b0.
      "movq 0(%[b]), %[bi]\n\t"
      "movq 0(%[a]), %%rax\n\t"
      "mulq %[bi]\n\t"
      "movq %%rax, %[A0]\n\t"
      "movq %%rdx, %[A1]\n\t"
      "movq 8(%[a]), %%rax\n\t"
      "mulq %[bi]\n\t"
      "addq %%rax, %[A1]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[A2]\n\t"
      "movq 16(%[a]), %%rax\n\t"
      "mulq %[bi]\n\t"
      "addq %%rax, %[A2]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[A3]\n\t"
      "movq 24(%[a]), %%rax\n\t"
      "mulq %[bi]\n\t"
      "addq %%rax, %[A3]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[A4]\n\t"
      "xorq %[A5], %[A5]\n\t"
      // Reduction with m = A0.
      "movq %[A0], %[c]\n\t"
      "shlq $32, %[c]\n\t"
      "movq %[A0], %%rdx\n\t"
      "shrq $32, %%rdx\n\t"
      "movq %[A0], %%rax\n\t"
      "subq %[c], %%rax\n\t"
      "sbbq %%rdx, %[A0]\n\t"
      "addq %[c], %[A1]\n\t"
      "adcq %%rdx, %[A2]\n\t"
      "adcq %%rax, %[A3]\n\t"
      "adcq %[A0], %[A4]\n\t"
      "adcq $0, %[A5]\n\t"
#define IOTSEC_P256_ROUND(OFF, L0, L1, L2, L3, L4, L5) \
  "xorq %[" L5 "], %[" L5                              \
  "]\n\t"                                              \
  "movq " OFF                                          \
  "(%[b]), %[bi]\n\t"                                  \
  "movq 0(%[a]), %%rax\n\t"                            \
  "mulq %[bi]\n\t"                                     \
  "addq %%rax, %[" L0                                  \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "movq %%rdx, %[c]\n\t"                               \
  "movq 8(%[a]), %%rax\n\t"                            \
  "mulq %[bi]\n\t"                                     \
  "addq %[c], %[" L1                                   \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "addq %%rax, %[" L1                                  \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "movq %%rdx, %[c]\n\t"                               \
  "movq 16(%[a]), %%rax\n\t"                           \
  "mulq %[bi]\n\t"                                     \
  "addq %[c], %[" L2                                   \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "addq %%rax, %[" L2                                  \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "movq %%rdx, %[c]\n\t"                               \
  "movq 24(%[a]), %%rax\n\t"                           \
  "mulq %[bi]\n\t"                                     \
  "addq %[c], %[" L3                                   \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "addq %%rax, %[" L3                                  \
  "]\n\t"                                              \
  "adcq $0, %%rdx\n\t"                                 \
  "addq %%rdx, %[" L4                                  \
  "]\n\t"                                              \
  "adcq $0, %[" L5                                     \
  "]\n\t"                                              \
  "movq %[" L0                                         \
  "], %[c]\n\t"                                        \
  "shlq $32, %[c]\n\t"                                 \
  "movq %[" L0                                         \
  "], %%rdx\n\t"                                       \
  "shrq $32, %%rdx\n\t"                                \
  "movq %[" L0                                         \
  "], %%rax\n\t"                                       \
  "subq %[c], %%rax\n\t"                               \
  "sbbq %%rdx, %[" L0                                  \
  "]\n\t"                                              \
  "addq %[c], %[" L1                                   \
  "]\n\t"                                              \
  "adcq %%rdx, %[" L2                                  \
  "]\n\t"                                              \
  "adcq %%rax, %[" L3                                  \
  "]\n\t"                                              \
  "adcq %[" L0 "], %[" L4                              \
  "]\n\t"                                              \
  "adcq $0, %[" L5 "]\n\t"
      IOTSEC_P256_ROUND("8", "A1", "A2", "A3", "A4", "A5", "A0")
          IOTSEC_P256_ROUND("16", "A2", "A3", "A4", "A5", "A0", "A1")
              IOTSEC_P256_ROUND("24", "A3", "A4", "A5", "A0", "A1", "A2")
#undef IOTSEC_P256_ROUND
      // Result (A4, A5, A0, A1) + A2 * 2^256 < 2p: subtract p if that does not borrow.
      "movq %[A4], %%rax\n\t"
      "movq %[A5], %%rdx\n\t"
      "movq %[A0], %[bi]\n\t"
      "movq %[A1], %[c]\n\t"
      "subq $-1, %%rax\n\t"
      "sbbq %[p1], %%rdx\n\t"
      "sbbq $0, %[bi]\n\t"
      "sbbq %[p3], %[c]\n\t"
      "sbbq $0, %[A2]\n\t"
      "cmovcq %[A4], %%rax\n\t"
      "cmovcq %[A5], %%rdx\n\t"
      "cmovcq %[A0], %[bi]\n\t"
      "cmovcq %[A1], %[c]\n\t"
      : "=&a"(rax), "=&d"(rdx), [A0] "=&r"(A0), [A1] "=&r"(A1), [A2] "=&r"(A2), [A3] "=&r"(A3),
        [A4] "=&r"(A4), [A5] "=&r"(A5), [bi] "=&r"(bi), [c] "=&r"(c)
      : [a] "r"(a), [b] "r"(b), [p1] "m"(kAsmP1), [p3] "m"(kAsmP3),
        "m"(*reinterpret_cast<const Limb(*)[4]>(a)), "m"(*reinterpret_cast<const Limb(*)[4]>(b))
      : "cc");
  (void)A3;
  out.w[0] = rax;
  out.w[1] = rdx;
  out.w[2] = bi;
  out.w[3] = c;
}

inline void FeSqrAsm(Fe& out, const Fe& x) {
  const Limb* a = x.w;
  Limb rax, rdx, t0, t1, t2, t3, t4, t5, t6, t7, c;
  asm(
      // Off-diagonal products.
      "movq 8(%[a]), %%rax\n\t"
      "mulq 0(%[a])\n\t"
      "movq %%rax, %[t1]\n\t"
      "movq %%rdx, %[t2]\n\t"
      "movq 16(%[a]), %%rax\n\t"
      "mulq 0(%[a])\n\t"
      "addq %%rax, %[t2]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[t3]\n\t"
      "movq 24(%[a]), %%rax\n\t"
      "mulq 0(%[a])\n\t"
      "addq %%rax, %[t3]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[t4]\n\t"
      "movq 16(%[a]), %%rax\n\t"
      "mulq 8(%[a])\n\t"
      "addq %%rax, %[t3]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[c]\n\t"
      "movq 24(%[a]), %%rax\n\t"
      "mulq 8(%[a])\n\t"
      "addq %[c], %[t4]\n\t"
      "adcq $0, %%rdx\n\t"
      "addq %%rax, %[t4]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[t5]\n\t"
      "movq 24(%[a]), %%rax\n\t"
      "mulq 16(%[a])\n\t"
      "addq %%rax, %[t5]\n\t"
      "adcq $0, %%rdx\n\t"
      "movq %%rdx, %[t6]\n\t"
      // Double them.
      "xorq %[t7], %[t7]\n\t"
      "addq %[t1], %[t1]\n\t"
      "adcq %[t2], %[t2]\n\t"
      "adcq %[t3], %[t3]\n\t"
      "adcq %[t4], %[t4]\n\t"
      "adcq %[t5], %[t5]\n\t"
      "adcq %[t6], %[t6]\n\t"
      "adcq $0, %[t7]\n\t"
      // Squares on the diagonal.
      "movq 0(%[a]), %%rax\n\t"
      "mulq %%rax\n\t"
      "movq %%rax, %[t0]\n\t"
      "movq %%rdx, %[c]\n\t"
      "movq 8(%[a]), %%rax\n\t"
      "mulq %%rax\n\t"
      "addq %[c], %[t1]\n\t"
      "adcq %%rax, %[t2]\n\t"
      "adcq %%rdx, %[t3]\n\t"
      "movq $0, %[c]\n\t"
      "adcq $0, %[c]\n\t"
      "movq 16(%[a]), %%rax\n\t"
      "mulq %%rax\n\t"
      "addq %[c], %%rax\n\t"
      "adcq $0, %%rdx\n\t"
      "addq %%rax, %[t4]\n\t"
      "adcq %%rdx, %[t5]\n\t"
      "movq $0, %[c]\n\t"
      "adcq $0, %[c]\n\t"
      "movq 24(%[a]), %%rax\n\t"
      "mulq %%rax\n\t"
      "addq %[c], %%rax\n\t"
      "adcq $0, %%rdx\n\t"
      "addq %%rax, %[t6]\n\t"
      "adcq %%rdx, %[t7]\n\t"
  // Montgomery-reduce the low half (t0..t3), four rounds.
#define IOTSEC_P256_RED(X0, X1, X2, X3) \
  "movq %[" X0                          \
  "], %[c]\n\t"                         \
  "shlq $32, %[c]\n\t"                  \
  "movq %[" X0                          \
  "], %%rdx\n\t"                        \
  "shrq $32, %%rdx\n\t"                 \
  "movq %[" X0                          \
  "], %%rax\n\t"                        \
  "subq %[c], %%rax\n\t"                \
  "sbbq %%rdx, %[" X0                   \
  "]\n\t"                               \
  "addq %[c], %[" X1                    \
  "]\n\t"                               \
  "adcq %%rdx, %[" X2                   \
  "]\n\t"                               \
  "adcq %%rax, %[" X3                   \
  "]\n\t"                               \
  "adcq $0, %[" X0 "]\n\t"
      IOTSEC_P256_RED("t0", "t1", "t2", "t3") IOTSEC_P256_RED("t1", "t2", "t3", "t0")
          IOTSEC_P256_RED("t2", "t3", "t0", "t1") IOTSEC_P256_RED("t3", "t0", "t1", "t2")
#undef IOTSEC_P256_RED
      // Add the high half; the sum is < 2p.
      "addq %[t4], %[t0]\n\t"
      "adcq %[t5], %[t1]\n\t"
      "adcq %[t6], %[t2]\n\t"
      "adcq %[t7], %[t3]\n\t"
      "movq $0, %[c]\n\t"
      "adcq $0, %[c]\n\t"
      "movq %[t0], %%rax\n\t"
      "movq %[t1], %%rdx\n\t"
      "movq %[t2], %[t4]\n\t"
      "movq %[t3], %[t5]\n\t"
      "subq $-1, %%rax\n\t"
      "sbbq %[p1], %%rdx\n\t"
      "sbbq $0, %[t4]\n\t"
      "sbbq %[p3], %[t5]\n\t"
      "sbbq $0, %[c]\n\t"
      "cmovcq %[t0], %%rax\n\t"
      "cmovcq %[t1], %%rdx\n\t"
      "cmovcq %[t2], %[t4]\n\t"
      "cmovcq %[t3], %[t5]\n\t"
      : "=&a"(rax), "=&d"(rdx), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3),
        [t4] "=&r"(t4), [t5] "=&r"(t5), [t6] "=&r"(t6), [t7] "=&r"(t7), [c] "=&r"(c)
      : [a] "r"(a), [p1] "m"(kAsmP1), [p3] "m"(kAsmP3), "m"(*reinterpret_cast<const Limb(*)[4]>(a))
      : "cc");
  (void)t6;
  (void)t7;
  out.w[0] = rax;
  out.w[1] = rdx;
  out.w[2] = t4;
  out.w[3] = t5;
}

// FeMulAdxAsm is FeMulAsm with MULX (BMI2) and the two carry chains of ADCX/ADOX (ADX), which
// let the products of a row be added without waiting on each other; about a sixth faster. Only
// for CPUs that have both (HaveAdx); the assembler needs no -m flag for it.
inline void FeMulAdxAsm(Fe& out, const Fe& x, const Fe& y) {
  const Limb* a = x.w;
  const Limb* b = y.w;
  Limb A0, A1, A2, A3, A4, A5, lo, hi, zero, rdx;
  asm("xorl %k[zero], %k[zero]\n\t"
      // Round 0: A0..A4 = a * b0.
      "movq 0(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %[A0], %[A1]\n\t"
      "mulxq 8(%[a]), %[lo], %[A2]\n\t"
      "addq %[lo], %[A1]\n\t"
      "mulxq 16(%[a]), %[lo], %[A3]\n\t"
      "adcq %[lo], %[A2]\n\t"
      "mulxq 24(%[a]), %[lo], %[A4]\n\t"
      "adcq %[lo], %[A3]\n\t"
      "adcq $0, %[A4]\n\t"
      "xorl %k[A5], %k[A5]\n\t"
      // Reduction with m = A0: m p3 = (m - (m >> 32) - borrow) 2^64 + (m - (m << 32)).
      "movq %[A0], %[lo]\n\t"
      "shlq $32, %[lo]\n\t"
      "movq %[A0], %[hi]\n\t"
      "shrq $32, %[hi]\n\t"
      "movq %[A0], %%rdx\n\t"
      "subq %[lo], %%rdx\n\t"
      "sbbq %[hi], %[A0]\n\t"
      "addq %[lo], %[A1]\n\t"
      "adcq %[hi], %[A2]\n\t"
      "adcq %%rdx, %[A3]\n\t"
      "adcq %[A0], %[A4]\n\t"
      "adcq $0, %[A5]\n\t"
#define IOTSEC_P256_ADX_ROUND(OFF, L0, L1, L2, L3, L4, L5) \
  "movq " OFF                                              \
  "(%[b]), %%rdx\n\t"                                      \
  "xorl %k[" L5 "], %k[" L5                                \
  "]\n\t"                                                  \
  "mulxq 0(%[a]), %[lo], %[hi]\n\t"                        \
  "adcxq %[lo], %[" L0                                     \
  "]\n\t"                                                  \
  "adoxq %[hi], %[" L1                                     \
  "]\n\t"                                                  \
  "mulxq 8(%[a]), %[lo], %[hi]\n\t"                        \
  "adcxq %[lo], %[" L1                                     \
  "]\n\t"                                                  \
  "adoxq %[hi], %[" L2                                     \
  "]\n\t"                                                  \
  "mulxq 16(%[a]), %[lo], %[hi]\n\t"                       \
  "adcxq %[lo], %[" L2                                     \
  "]\n\t"                                                  \
  "adoxq %[hi], %[" L3                                     \
  "]\n\t"                                                  \
  "mulxq 24(%[a]), %[lo], %[hi]\n\t"                       \
  "adcxq %[lo], %[" L3                                     \
  "]\n\t"                                                  \
  "adoxq %[hi], %[" L4                                     \
  "]\n\t"                                                  \
  "adcxq %[zero], %[" L4                                   \
  "]\n\t"                                                  \
  "adoxq %[zero], %[" L5                                   \
  "]\n\t"                                                  \
  "adcxq %[zero], %[" L5                                   \
  "]\n\t"                                                  \
  "movq %[" L0                                             \
  "], %[lo]\n\t"                                           \
  "shlq $32, %[lo]\n\t"                                    \
  "movq %[" L0                                             \
  "], %[hi]\n\t"                                           \
  "shrq $32, %[hi]\n\t"                                    \
  "movq %[" L0                                             \
  "], %%rdx\n\t"                                           \
  "subq %[lo], %%rdx\n\t"                                  \
  "sbbq %[hi], %[" L0                                      \
  "]\n\t"                                                  \
  "addq %[lo], %[" L1                                      \
  "]\n\t"                                                  \
  "adcq %[hi], %[" L2                                      \
  "]\n\t"                                                  \
  "adcq %%rdx, %[" L3                                      \
  "]\n\t"                                                  \
  "adcq %[" L0 "], %[" L4                                  \
  "]\n\t"                                                  \
  "adcq $0, %[" L5 "]\n\t"
      IOTSEC_P256_ADX_ROUND("8", "A1", "A2", "A3", "A4", "A5", "A0")
          IOTSEC_P256_ADX_ROUND("16", "A2", "A3", "A4", "A5", "A0", "A1")
              IOTSEC_P256_ADX_ROUND("24", "A3", "A4", "A5", "A0", "A1", "A2")
#undef IOTSEC_P256_ADX_ROUND
      // Result (A4, A5, A0, A1) + A2 * 2^256 < 2p: subtract p unless that borrows.
      "movq %[A4], %[lo]\n\t"
      "movq %[A5], %[hi]\n\t"
      "movq %[A0], %%rdx\n\t"
      "movq %[A1], %[A3]\n\t"
      "subq $-1, %[lo]\n\t"
      "sbbq %[p1], %[hi]\n\t"
      "sbbq $0, %%rdx\n\t"
      "sbbq %[p3], %[A3]\n\t"
      "sbbq $0, %[A2]\n\t"
      "cmovcq %[A4], %[lo]\n\t"
      "cmovcq %[A5], %[hi]\n\t"
      "cmovcq %[A0], %%rdx\n\t"
      "cmovcq %[A1], %[A3]\n\t"
      : [A0] "=&r"(A0), [A1] "=&r"(A1), [A2] "=&r"(A2), [A3] "=&r"(A3), [A4] "=&r"(A4),
        [A5] "=&r"(A5), [lo] "=&r"(lo), [hi] "=&r"(hi), [zero] "=&r"(zero), "=&d"(rdx)
      : [a] "r"(a), [b] "r"(b), [p1] "m"(kAsmP1), [p3] "m"(kAsmP3),
        "m"(*reinterpret_cast<const Limb(*)[4]>(a)), "m"(*reinterpret_cast<const Limb(*)[4]>(b))
      : "cc");
  out.w[0] = lo;
  out.w[1] = hi;
  out.w[2] = rdx;
  out.w[3] = A3;
}

// clang-format on

// kHaveAdx is true on CPUs with BMI2 and ADX. It is set during static initialization; code that
// runs before that (another translation unit's static initializers) sees false and uses
// FeMulAsm, which gives the same results.
inline bool DetectAdx() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) {
    return false;
  }
  return (ebx & (1u << 8)) != 0 && (ebx & (1u << 19)) != 0;  // CPUID.7.0:EBX BMI2, ADX
}
inline const bool kHaveAdx = DetectAdx();

// clang-format off
// FeAddAsm sets out = x + y mod p: add, subtract p, keep the difference unless it borrowed.
inline void FeAddAsm(Fe& out, const Fe& x, const Fe& y) {
  Limb r0, r1, r2, r3, t0, t1, t2, t3, top;
  asm("movq 0(%[a]), %[r0]\n\t"
      "movq 8(%[a]), %[r1]\n\t"
      "movq 16(%[a]), %[r2]\n\t"
      "movq 24(%[a]), %[r3]\n\t"
      "xorq %[top], %[top]\n\t"
      "addq 0(%[b]), %[r0]\n\t"
      "adcq 8(%[b]), %[r1]\n\t"
      "adcq 16(%[b]), %[r2]\n\t"
      "adcq 24(%[b]), %[r3]\n\t"
      "adcq $0, %[top]\n\t"
      "movq %[r0], %[t0]\n\t"
      "movq %[r1], %[t1]\n\t"
      "movq %[r2], %[t2]\n\t"
      "movq %[r3], %[t3]\n\t"
      "subq $-1, %[t0]\n\t"
      "sbbq %[p1], %[t1]\n\t"
      "sbbq $0, %[t2]\n\t"
      "sbbq %[p3], %[t3]\n\t"
      "sbbq $0, %[top]\n\t"
      "cmovcq %[r0], %[t0]\n\t"
      "cmovcq %[r1], %[t1]\n\t"
      "cmovcq %[r2], %[t2]\n\t"
      "cmovcq %[r3], %[t3]\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [t0] "=&r"(t0),
        [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [top] "=&r"(top)
      : [a] "r"(x.w), [b] "r"(y.w), [p1] "m"(kAsmP1), [p3] "m"(kAsmP3), "m"(x.w[0]), "m"(x.w[1]),
        "m"(x.w[2]), "m"(x.w[3]), "m"(y.w[0]), "m"(y.w[1]), "m"(y.w[2]), "m"(y.w[3])
      : "cc");
  out.w[0] = t0;
  out.w[1] = t1;
  out.w[2] = t2;
  out.w[3] = t3;
}

// FeSubAsm sets out = x - y mod p: subtract, then add p masked by the borrow.
inline void FeSubAsm(Fe& out, const Fe& x, const Fe& y) {
  Limb r0, r1, r2, r3, m, m1, m3;
  asm("movq 0(%[a]), %[r0]\n\t"
      "movq 8(%[a]), %[r1]\n\t"
      "movq 16(%[a]), %[r2]\n\t"
      "movq 24(%[a]), %[r3]\n\t"
      "subq 0(%[b]), %[r0]\n\t"
      "sbbq 8(%[b]), %[r1]\n\t"
      "sbbq 16(%[b]), %[r2]\n\t"
      "sbbq 24(%[b]), %[r3]\n\t"
      "sbbq %[m], %[m]\n\t"
      "movq %[m], %[m1]\n\t"
      "shrq $32, %[m1]\n\t"
      "movq %[m], %[m3]\n\t"
      "andq %[p3], %[m3]\n\t"
      "addq %[m], %[r0]\n\t"
      "adcq %[m1], %[r1]\n\t"
      "adcq $0, %[r2]\n\t"
      "adcq %[m3], %[r3]\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [m] "=&r"(m),
        [m1] "=&r"(m1), [m3] "=&r"(m3)
      : [a] "r"(x.w), [b] "r"(y.w), [p3] "m"(kAsmP3), "m"(x.w[0]), "m"(x.w[1]), "m"(x.w[2]),
        "m"(x.w[3]), "m"(y.w[0]), "m"(y.w[1]), "m"(y.w[2]), "m"(y.w[3])
      : "cc");
  out.w[0] = r0;
  out.w[1] = r1;
  out.w[2] = r2;
  out.w[3] = r3;
}
// clang-format on
#endif  // x86-64

#ifdef IOTSEC_P256_X86_64_ASM
inline void Mul(Fe& r, const Fe& a, const Fe& b) {
  if (kHaveAdx) {  // the same for every call: a public, perfectly predicted branch
    FeMulAdxAsm(r, a, b);
  } else {
    FeMulAsm(r, a, b);
  }
}
inline void Sqr(Fe& r, const Fe& a) { FeSqrAsm(r, a); }
inline void Add(Fe& r, const Fe& a, const Fe& b) { FeAddAsm(r, a, b); }
inline void Sub(Fe& r, const Fe& a, const Fe& b) { FeSubAsm(r, a, b); }
#else
inline void Mul(Fe& r, const Fe& a, const Fe& b) { internal::FeMulPortable(r, a, b); }
inline void Sqr(Fe& r, const Fe& a) { internal::FeSqrPortable(r, a); }
inline void Add(Fe& r, const Fe& a, const Fe& b) { internal::FeAddPortable(r, a, b); }
inline void Sub(Fe& r, const Fe& a, const Fe& b) { internal::FeSubPortable(r, a, b); }
#endif

}  // namespace
}  // namespace iotsec::ibc::p256::inl

#endif  // IOTSEC_IBC_P256_FIELD_INL_H_
