// Copyright iotsec authors.
#include "sakke_pairing.h"

#include <cstdint>
#include <vector>

#include "iotsec/crypto/ct.h"

namespace iotsec::ibc::sakke {
namespace {

using mp::MaskFromBit;

// RFC 6509 Appendix A: g = <P, P>, an element of PF_p[q] written as an element of F_p.
inline constexpr Num kG = {{
    0xCDE0FAB36461EA46ULL,
    0x3C8CAE87B7A0042AULL,
    0xE3720F20B9B7B040ULL,
    0xD682C033A7942BCCULL,
    0xB4F1A32BCAFA1FFAULL,
    0x55DF0460B4A9FD74ULL,
    0xB99DFB0138C78433ULL,
    0xEE0FAED1828EAB90ULL,
    0x7072DA8F541721BEULL,
    0xCBFDA85D5D00EF57ULL,
    0x449AE9563F8BC446ULL,
    0x371E94744C96FEDAULL,
    0x27FABE658E015A87ULL,
    0xC6A87BD1FB94C41EULL,
    0x148F15867D623068ULL,
    0x66FC2A432B6EA392ULL,
}};

// The non-adjacent form of q - 1, least significant digit first (public). Its top digit is 1.
const std::vector<int8_t>& QMinus1Naf() {
  static const std::vector<int8_t> naf = [] {
    Num k = kQ;
    k.w[0] -= 1;  // q is odd
    std::vector<int8_t> d;
    while (!mp::IsZeroBit(k)) {
      int8_t digit = 0;
      if (k.w[0] & 1) {
        digit = (k.w[0] & 2) ? -1 : 1;  // 2 - (k mod 4)
        Num one{};
        one.w[0] = 1;
        if (digit == 1) {
          mp::SubRaw(k, k, one);
        } else {
          mp::AddRaw(k, k, one);
        }
      }
      d.push_back(digit);
      for (size_t i = 0; i + 1 < kLimbs; ++i) {
        k.w[i] = (k.w[i] >> 1) | (k.w[i + 1] << 63);
      }
      k.w[kLimbs - 1] >>= 1;
    }
    return d;
  }();
  return naf;
}

// DoubleStep sets c = [2]c (dbl-2001-b, a = -3) and returns the pieces of the tangent line at
// the old c: with alpha = 3(X^2 - Z^4), delta = Z^2, gamma = Y^2 and Z3 = 2YZ, the tangent has
// slope lambda = alpha / Z3 and lambda x - y = (alpha X - 2 gamma) / (Z3 delta).
struct DoubleParts {
  Fp alpha, delta, gamma, x, z3;
};
void DoubleStep(Jac& c, DoubleParts& d) {
  Fp beta, t, u;
  d.x = c.x;
  FpSqr(d.delta, c.z);
  FpSqr(d.gamma, c.y);
  FpMul(beta, c.x, d.gamma);
  FpSub(t, c.x, d.delta);
  FpAdd(u, c.x, d.delta);
  FpMul(d.alpha, t, u);
  FpAdd(t, d.alpha, d.alpha);
  FpAdd(d.alpha, t, d.alpha);
  FpAdd(t, c.y, c.z);
  FpSqr(t, t);
  FpSub(t, t, d.gamma);
  FpSub(d.z3, t, d.delta);
  Fp beta4, beta8;
  FpDbl(beta4, beta);
  FpDbl(beta4, beta4);
  FpDbl(beta8, beta4);
  FpSqr(c.x, d.alpha);
  FpSub(c.x, c.x, beta8);
  FpSub(t, beta4, c.x);
  FpMul(c.y, d.alpha, t);
  FpSqr(u, d.gamma);
  FpDbl(u, u);
  FpDbl(u, u);
  FpDbl(u, u);
  FpSub(c.y, c.y, u);
  c.z = d.z3;
}

// AddStep sets c = c + k (madd-2007-bl; c != +-k, c != O on the Miller loop of a point of order
// q) and returns rr = 2 (y_k Z^3 - Y) and Z3 = 2 Z H: the line through c and k has slope
// rr / Z3 and lambda x_k - y_k = (rr x_k - y_k Z3) / Z3.
void AddStep(Jac& c, const Affine& k, Fp& rr, Fp& z3) {
  Fp h;
  AddMixedCore(c, c, k, h, rr);
  z3 = c.z;  // madd-2007-bl: Z3 = (Z1 + H)^2 - Z1Z1 - HH = 2 Z1 H
}

// LineValue returns lambda * u + mu * w with one reduction (2 p^2 < 2^2048).
inline void LineValue(Fp& out, const Fp& lambda, const Fp& mu, const Fp& u, const Fp& w) {
  FpMulSum(out, lambda, u, mu, w);
}

}  // namespace

const Fp& GValue() {
  static const Fp g = [] {
    Fp v;
    FpFromInt(v, kG);
    return v;
  }();
  return g;
}

std::unique_ptr<MillerLines> MillerLines::Precompute(const Affine& k) {
  const std::vector<int8_t>& naf = QMinus1Naf();
  Affine kneg = k;
  FpNeg(kneg.y, k.y);
  // Numerators (lambda, mu) and a common denominator per step; one batch inversion at the end.
  std::vector<Fp> num;
  std::vector<Fp> den;
  num.reserve(2 * 2 * naf.size());
  den.reserve(2 * naf.size());
  Jac c;
  ToJac(c, k);
  for (size_t i = naf.size() - 1; i-- > 0;) {
    // RFC 6508 §3.2: tangent at C, then C = [2]C.
    DoubleParts d;
    DoubleStep(c, d);
    Fp lam, mu, dd, t;
    FpMul(lam, d.alpha, d.delta);  // lambda = alpha delta / (Z3 delta)
    FpMul(mu, d.alpha, d.x);
    FpDbl(t, d.gamma);
    FpSub(mu, mu, t);  // mu = (alpha X - 2 gamma) / (Z3 delta)
    FpMul(dd, d.z3, d.delta);
    num.push_back(lam);
    num.push_back(mu);
    den.push_back(dd);
    if (naf[i] != 0) {  // public digit of q - 1
      // Line through C and +-K, then C = C +- K.
      const Affine& kk = naf[i] > 0 ? k : kneg;
      Fp rr, z3;
      AddStep(c, kk, rr, z3);
      FpMul(mu, rr, kk.x);
      FpMul(t, kk.y, z3);
      FpSub(mu, mu, t);  // mu = (rr x_k - y_k Z3) / Z3
      num.push_back(rr);
      num.push_back(mu);
      den.push_back(z3);
    }
  }
  // Batch inversion of the denominators (Montgomery's trick).
  const size_t n = den.size();
  std::vector<Fp> prefix(n);
  prefix[0] = den[0];
  for (size_t s = 1; s < n; ++s) {
    FpMul(prefix[s], prefix[s - 1], den[s]);
  }
  Fp inv;
  FpInv(inv, prefix[n - 1]);
  std::unique_ptr<MillerLines> lines(new MillerLines());
  lines->coeffs_.resize(2 * n);
  for (size_t s = n; s-- > 0;) {
    Fp di;
    if (s > 0) {
      FpMul(di, inv, prefix[s - 1]);
      FpMul(inv, inv, den[s]);
    } else {
      di = inv;
    }
    FpMul(lines->coeffs_[2 * s], num[2 * s], di);
    FpMul(lines->coeffs_[2 * s + 1], num[2 * s + 1], di);
  }
  // The temporaries determine K too.
  crypto::SecureZero(num.data(), num.size() * sizeof(Fp));
  crypto::SecureZero(den.data(), den.size() * sizeof(Fp));
  crypto::SecureZero(prefix.data(), prefix.size() * sizeof(Fp));
  crypto::SecureZero(&c, sizeof(c));
  return lines;
}

MillerLines::~MillerLines() { crypto::SecureZero(coeffs_.data(), coeffs_.size() * sizeof(Fp)); }

void MillerLines::Evaluate(Fp2& f, const Affine& r) const {
  const std::vector<int8_t>& naf = QMinus1Naf();
  // A line at [i]r = (-r_x, i r_y) is (lambda r_x + mu) + r_y i; divided by r_y (a factor in
  // F_p*) it is (lambda u + mu w) + i with u = r_x / r_y and w = 1 / r_y.
  Fp w, u;
  FpInv(w, r.y);
  FpMul(u, r.x, w);
  f.a = FpOne();
  f.b = FpZero();
  size_t s = 0;
  for (size_t i = naf.size() - 1; i-- > 0;) {
    Fp l;
    Fp2Sqr(f, f);
    LineValue(l, coeffs_[2 * s], coeffs_[2 * s + 1], u, w);
    Fp2MulC1(f, f, l);
    ++s;
    if (naf[i] != 0) {
      LineValue(l, coeffs_[2 * s], coeffs_[2 * s + 1], u, w);
      Fp2MulC1(f, f, l);
      ++s;
    }
  }
}

void MillerDirect(Fp2& f, const Affine& k, const Affine& r) {
  const std::vector<int8_t>& naf = QMinus1Naf();
  Affine kneg = k;
  FpNeg(kneg.y, k.y);
  f.a = FpOne();
  f.b = FpZero();
  Jac c;
  ToJac(c, k);
  for (size_t i = naf.size() - 1; i-- > 0;) {
    // Tangent at C evaluated at [i]r, times Z3 delta:
    //   alpha (delta r_x + X) - 2 gamma + (Z3 delta r_y) i.
    DoubleParts d;
    DoubleStep(c, d);
    Fp2 l;
    Fp t;
    FpMul(t, d.delta, r.x);
    FpAdd(t, t, d.x);
    FpMul(l.a, d.alpha, t);
    FpDbl(t, d.gamma);
    FpSub(l.a, l.a, t);
    FpMul(t, d.z3, d.delta);
    FpMul(l.b, t, r.y);
    Fp2Sqr(f, f);
    Fp2Mul(f, f, l);
    if (naf[i] != 0) {  // public digit of q - 1
      // Line through C and +-K at [i]r, times Z3: rr (r_x + x_k) - y_k Z3 + (Z3 r_y) i.
      const Affine& kk = naf[i] > 0 ? k : kneg;
      Fp rr, z3;
      AddStep(c, kk, rr, z3);
      FpAdd(t, r.x, kk.x);
      FpMul(l.a, rr, t);
      FpMul(t, kk.y, z3);
      FpSub(l.a, l.a, t);
      FpMul(l.b, z3, r.y);
      Fp2Mul(f, f, l);
    }
  }
}

void PairingValue(Fp& w, const Fp2& f) {
  // RFC 6508 §3.2: v^c with c = (p + 1) / q = 4, then the PF_p representative b / a.
  Fp2 v;
  Fp2Sqr(v, f);
  Fp2Sqr(v, v);
  Fp ai;
  FpInv(ai, v.a);
  FpMul(w, v.b, ai);
}

// ---------------------------------------------------------------------------------------------
// g^r with fixed-base windows: table i holds t with (1 + t i) ~ g^((2j + 1) 2^(6i)).

namespace {

constexpr int kGWindow = FixedBaseTable::kWindow;
constexpr int kGEntries = FixedBaseTable::kEntries;
constexpr int kGWindows = FixedBaseTable::kWindows;

const std::vector<Fp>& GTable() {
  static const std::vector<Fp> table = [] {
    // Powers in F_p^2, starting from 1 + g i (the element of PF_p that g stands for).
    const size_t n = static_cast<size_t>(kGWindows) * kGEntries;
    std::vector<Fp2> all(n);
    Fp2 base{FpOne(), GValue()};
    for (int i = 0; i < kGWindows; ++i) {
      if (i > 0) {
        for (int k = 0; k < kGWindow; ++k) {
          Fp2Sqr(base, base);
        }
      }
      Fp2 sq;
      Fp2Sqr(sq, base);
      Fp2* row = &all[static_cast<size_t>(i) * kGEntries];
      row[0] = base;
      for (int j = 1; j < kGEntries; ++j) {
        Fp2Mul(row[j], row[j - 1], sq);
      }
    }
    // Normalize a + b i to 1 + (b/a) i with one batch inversion.
    std::vector<Fp> prefix(n);
    prefix[0] = all[0].a;
    for (size_t s = 1; s < n; ++s) {
      FpMul(prefix[s], prefix[s - 1], all[s].a);
    }
    Fp inv;
    FpInv(inv, prefix[n - 1]);
    std::vector<Fp> t(n);
    for (size_t s = n; s-- > 0;) {
      Fp ai;
      if (s > 0) {
        FpMul(ai, inv, prefix[s - 1]);
        FpMul(inv, inv, all[s].a);
      } else {
        ai = inv;
      }
      FpMul(t[s], all[s].b, ai);
    }
    return t;
  }();
  return table;
}

}  // namespace

void PowG(Fp& w, const Num& r) {
  const std::vector<Fp>& table = GTable();
  // r is recoded as in FixedBaseTable::Mul (g^q = 1); a negative digit uses the inverse, which
  // in PF_p is the conjugate 1 - t i.
  const SignedWindows digits(r);
  Fp2 acc{};
  for (int i = 0; i < kGWindows; ++i) {
    Limb neg, idx;
    digits.Digit(i, neg, idx);
    Fp t{};
    const Fp* row = &table[static_cast<size_t>(i) * kGEntries];
    for (int j = 0; j < kGEntries; ++j) {
      const Limb hit = MaskFromBit(mp::IsZeroBit(mp::Num<1>{{static_cast<Limb>(j) ^ idx}}));
      for (size_t l = 0; l < kLimbs; ++l) {
        t.w[l] |= row[j].w[l] & hit;
      }
    }
    Fp nt;
    FpNeg(nt, t);
    FpSelect(t, neg, nt, t);
    if (i == 0) {
      acc.a = FpOne();
      acc.b = t;
    } else {
      Fp2Mul1T(acc, acc, t);
    }
  }
  Fp ai;
  FpInv(ai, acc.a);
  FpMul(w, acc.b, ai);
}

}  // namespace iotsec::ibc::sakke
