// Copyright iotsec authors.
// x86-64 (BMI2 + ADX) Montgomery arithmetic modulo the SAKKE prime p, used by sakke_fp.cc when
// the CPU supports it. Private to ibc/.
//
// A 1024-bit operand is two 512-bit halves. Every 8x8-limb block product runs in registers: eight
// rows of mulx, with the low halves of the products added by adcx (carry flag) and the high
// halves by adox (overflow flag), so two carry chains run at once ("New Instructions Supporting
// Large Integer Arithmetic on Intel Architecture Processors", Intel, 2012), into a window of nine
// registers that rotates by one limb per row. A product is four blocks (three for a square); the
// Montgomery reduction is two rounds of a block that chooses its eight multipliers m_i = t_i n0
// row by row, followed by a block product m * p_high. No branch and no memory index depends on
// the operands.
#ifndef IOTSEC_IBC_SAKKE_FP_X86_H_
#define IOTSEC_IBC_SAKKE_FP_X86_H_

#include "sakke_fp.h"

namespace iotsec::ibc::sakke::x86 {

// Available reports whether the CPU has BMI2 and ADX (the functions below need both).
bool Available();

// MontMul sets r = a * b * R^-1 mod p (inputs reduced). r may alias a or b.
void MontMul(Fp& r, const Fp& a, const Fp& b);
// MontSqr sets r = a^2 * R^-1 mod p.
void MontSqr(Fp& r, const Fp& a);
// MulWide sets r = a * b (2048 bits).
void MulWide(FpWide& r, const Fp& a, const Fp& b);
// MulSum sets r = (a * b + c * d) * R^-1 mod p (inputs reduced), with one reduction.
void MulSum(Fp& r, const Fp& a, const Fp& b, const Fp& c, const Fp& d);
// Redc sets r = t * R^-1 mod p for any t below 2^2048, fully reduced.
void Redc(Fp& r, const FpWide& t);

}  // namespace iotsec::ibc::sakke::x86

#endif  // IOTSEC_IBC_SAKKE_FP_X86_H_
