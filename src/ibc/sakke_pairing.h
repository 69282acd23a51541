// Copyright iotsec authors.
// The Tate-Lichtenbaum pairing of RFC 6508 §3.2 and exponentiation in PF_p[q] (RFC 6508 §2.1,
// §6.2.1 step 4a), for parameter set 1 of RFC 6509. Private to ibc/.
//
// RFC 6508 §3.2 computes <R, Q> with a Miller loop over the bits of q - 1 that doubles R and
// evaluates lines at the distortion image [i]Q = (-Q_x, i Q_y), raises the result v to the power
// c = (p + 1)/q = 4 and returns the element of PF_p = F_p^2* / F_p* that v stands for, written
// as the F_p value b/a of v = a + b i. Factors in F_p* vanish in PF_p, so lines may be scaled
// by any nonzero element of F_p (vertical lines drop out), and the loop may use the non-adjacent
// form of q - 1 (a subtraction step differs from an addition step by a vertical line).
//
// The value is a power of the reduced Tate pairing restricted to the cyclic group E[q], so it
// is symmetric: <R, Q> = <Q, R>. The receiver's side uses this to double its fixed key point
// K instead of the variable R: the lines of K's Miller loop (two F_p elements per step,
// normalized so that a line at [i]R is lambda R_x + mu + R_y i) are computed once, and each
// pairing only evaluates them. The encapsulation KAT of RFC 6508 Appendix A checks this against
// the RFC's own orientation.
//
// Constant time: the loop structure depends only on q (public); every function here is branch
// free in K, in the line coefficients, in the exponent of PowG and in the accumulated values.
// The evaluation point R is public (the encapsulated data or [b]P + Z).
#ifndef IOTSEC_IBC_SAKKE_PAIRING_H_
#define IOTSEC_IBC_SAKKE_PAIRING_H_

#include <memory>
#include <vector>

#include "sakke_curve.h"
#include "sakke_fp.h"

namespace iotsec::ibc::sakke {

// MillerLines holds the line coefficients of the Miller loop of one point K (secret).
class MillerLines {
 public:
  // Precompute runs K's Miller loop once and keeps its affine line coefficients.
  static std::unique_ptr<MillerLines> Precompute(const Affine& k);
  // Evaluate sets f to the Miller function of K at [i]r (up to a factor in F_p*). r.y != 0.
  void Evaluate(Fp2& f, const Affine& r) const;

  // The destructor wipes the coefficients (they determine K).
  ~MillerLines();
  MillerLines(const MillerLines&) = delete;
  MillerLines& operator=(const MillerLines&) = delete;

 private:
  MillerLines() = default;
  std::vector<Fp> coeffs_;  // lambda, mu for each step, in loop order
};

// MillerDirect sets f to the Miller function of k at [i]r (the same value as
// MillerLines::Precompute(k)->Evaluate(f, r), without keeping the lines). r.y != 0.
void MillerDirect(Fp2& f, const Affine& k, const Affine& r);

// PairingValue sets w to the F_p representative of f^((p+1)/q) in PF_p: with
// f^4 = a + b i, w = b / a (RFC 6508 §3.2). w = 0 if a = 0 (never for a pairing value).
void PairingValue(Fp& w, const Fp2& f);

// PowG sets w to the F_p representative of g^r in PF_p[q] (RFC 6508 §6.2.1, step 4a) for a
// secret 0 <= r < q, g of RFC 6509 Appendix A; fixed-base windows as in FixedBaseTable.
void PowG(Fp& w, const Num& r);

// GValue returns g (RFC 6509 Appendix A) in Montgomery form.
const Fp& GValue();

}  // namespace iotsec::ibc::sakke

#endif  // IOTSEC_IBC_SAKKE_PAIRING_H_
