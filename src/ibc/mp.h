// Copyright iotsec authors.
// Constant-time multiprecision arithmetic modulo an odd prime, in Montgomery form.
//
// Private to ibc/. Every function here runs in time that depends only on the sizes (N) and on
// values documented as public (the modulus, the exponent of PowPublic): there is no branch and no
// memory index that depends on operand values, so these are safe for secret scalars and
// coordinates (STYLE.md rule 14). valgrind checks that claim in the known-answer tests that mark
// secrets undefined (crypto::CtPoison).
//
// Montgomery multiplication is the CIOS method of Koc, Acar and Kaliski, "Analyzing and
// comparing Montgomery multiplication algorithms" (IEEE Micro, 1996).
#ifndef IOTSEC_IBC_MP_H_
#define IOTSEC_IBC_MP_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace iotsec::ibc::mp {

using Limb = uint64_t;
using DLimb = unsigned __int128;

// Num is an unsigned integer of N 64-bit limbs, least significant limb first.
template <size_t N>
struct Num {
  Limb w[N];
};

// Masks are all-ones (true) or all-zeros (false). Bits are 0 or 1.
inline Limb MaskFromBit(Limb bit) { return Limb{0} - bit; }

// IsZeroBit returns 1 if a == 0, else 0.
template <size_t N>
Limb IsZeroBit(const Num<N>& a) {
  Limb acc = 0;
  for (size_t i = 0; i < N; ++i) {
    acc |= a.w[i];
  }
  return ((acc | (Limb{0} - acc)) >> 63) ^ 1;
}

// EqualBit returns 1 if a == b, else 0.
template <size_t N>
Limb EqualBit(const Num<N>& a, const Num<N>& b) {
  Limb acc = 0;
  for (size_t i = 0; i < N; ++i) {
    acc |= a.w[i] ^ b.w[i];
  }
  return ((acc | (Limb{0} - acc)) >> 63) ^ 1;
}

// Select sets r = mask ? a : b. r may alias a or b.
template <size_t N>
void Select(Num<N>& r, Limb mask, const Num<N>& a, const Num<N>& b) {
  for (size_t i = 0; i < N; ++i) {
    r.w[i] = (a.w[i] & mask) | (b.w[i] & ~mask);
  }
}

// AddRaw sets r = a + b mod 2^(64N) and returns the carry bit.
template <size_t N>
Limb AddRaw(Num<N>& r, const Num<N>& a, const Num<N>& b) {
  Limb carry = 0;
  for (size_t i = 0; i < N; ++i) {
    DLimb s = DLimb{a.w[i]} + b.w[i] + carry;
    r.w[i] = static_cast<Limb>(s);
    carry = static_cast<Limb>(s >> 64);
  }
  return carry;
}

// SubRaw sets r = a - b mod 2^(64N) and returns the borrow bit (1 if a < b).
template <size_t N>
Limb SubRaw(Num<N>& r, const Num<N>& a, const Num<N>& b) {
  Limb borrow = 0;
  for (size_t i = 0; i < N; ++i) {
    DLimb d = DLimb{a.w[i]} - b.w[i] - borrow;
    r.w[i] = static_cast<Limb>(d);
    borrow = static_cast<Limb>(d >> 64) & 1;
  }
  return borrow;
}

// LessBit returns 1 if a < b, else 0.
template <size_t N>
Limb LessBit(const Num<N>& a, const Num<N>& b) {
  Num<N> t;
  return SubRaw(t, a, b);
}

// FromBytes reads a big-endian integer of at most 8N octets (shorter input is zero-extended).
// Returns false only if |in| is longer than 8N octets; the time depends only on the length.
template <size_t N>
bool FromBytes(Num<N>& r, std::span<const uint8_t> in) {
  if (in.size() > 8 * N) {
    return false;
  }
  for (size_t i = 0; i < N; ++i) {
    r.w[i] = 0;
  }
  for (size_t k = 0; k < in.size(); ++k) {
    size_t bit = 8 * (in.size() - 1 - k);
    r.w[bit / 64] |= Limb{in[k]} << (bit % 64);
  }
  return true;
}

// ToBytes writes the low 8*out.size() bits of a as a big-endian integer (out.size() <= 8N).
template <size_t N>
void ToBytes(std::span<uint8_t> out, const Num<N>& a) {
  for (size_t k = 0; k < out.size(); ++k) {
    size_t bit = 8 * (out.size() - 1 - k);
    out[k] = static_cast<uint8_t>(a.w[bit / 64] >> (bit % 64));
  }
}

// Bit returns bit i of a (a public index).
template <size_t N>
Limb Bit(const Num<N>& a, size_t i) {
  return (a.w[i / 64] >> (i % 64)) & 1;
}

// Field is arithmetic modulo an odd modulus p >= 3 (public). Elements are kept in Montgomery
// form x*R mod p, R = 2^(64N), fully reduced (in [0, p)). Inputs to every operation must be fully reduced.
template <size_t N>
class Field {
 public:
  using Elem = Num<N>;

  explicit constexpr Field(const Num<N>& p) : p_(p) {
    // n0 = -p^-1 mod 2^64 by Newton iteration (each step doubles the correct bits).
    Limb inv = 1;
    for (int i = 0; i < 7; ++i) {
      inv *= 2 - p.w[0] * inv;
    }
    n0_ = Limb{0} - inv;
    // one_ = R mod p and rr_ = R^2 mod p, by repeated doubling from 1 (p is public).
    Num<N> x{};
    x.w[0] = 1;
    for (size_t i = 0; i < 64 * N; ++i) {
      Add(x, x, x);
    }
    one_ = x;
    for (size_t i = 0; i < 64 * N; ++i) {
      Add(x, x, x);
    }
    rr_ = x;
  }

  const Num<N>& modulus() const { return p_; }
  // One returns 1 in Montgomery form.
  const Elem& One() const { return one_; }
  static Elem Zero() { return Elem{}; }

  // Add sets r = a + b mod p.
  void Add(Elem& r, const Elem& a, const Elem& b) const {
    Limb carry = AddRaw(r, a, b);
    Num<N> t;
    Limb borrow = SubRaw(t, r, p_);
    // Subtract p when a + b >= p: the sum overflowed, or r - p did not borrow.
    Select(r, MaskFromBit(carry | (borrow ^ 1)), t, r);
  }

  // Sub sets r = a - b mod p.
  void Sub(Elem& r, const Elem& a, const Elem& b) const {
    Limb borrow = SubRaw(r, a, b);
    Num<N> t;
    AddRaw(t, r, p_);
    Select(r, MaskFromBit(borrow), t, r);
  }

  // Neg sets r = -a mod p.
  void Neg(Elem& r, const Elem& a) const { Sub(r, Elem{}, a); }

  // Mul sets r = a * b * R^-1 mod p (Montgomery product). Requires a * b < p * R, which holds
  // for reduced inputs and also when one input is any value < R and the other < p.
  void Mul(Elem& r, const Elem& a, const Elem& b) const {
    Limb t[N + 2] = {};
    for (size_t i = 0; i < N; ++i) {
      Limb c = 0;
      const Limb bi = b.w[i];
      for (size_t j = 0; j < N; ++j) {
        DLimb s = DLimb{a.w[j]} * bi + t[j] + c;
        t[j] = static_cast<Limb>(s);
        c = static_cast<Limb>(s >> 64);
      }
      DLimb s = DLimb{t[N]} + c;
      t[N] = static_cast<Limb>(s);
      t[N + 1] = static_cast<Limb>(s >> 64);

      const Limb m = t[0] * n0_;
      s = DLimb{m} * p_.w[0] + t[0];
      c = static_cast<Limb>(s >> 64);
      for (size_t j = 1; j < N; ++j) {
        s = DLimb{m} * p_.w[j] + t[j] + c;
        t[j - 1] = static_cast<Limb>(s);
        c = static_cast<Limb>(s >> 64);
      }
      s = DLimb{t[N]} + c;
      t[N - 1] = static_cast<Limb>(s);
      t[N] = t[N + 1] + static_cast<Limb>(s >> 64);
    }
    // t < 2p: subtract p once if t >= p.
    Num<N> lo;
    for (size_t i = 0; i < N; ++i) {
      lo.w[i] = t[i];
    }
    Num<N> d;
    Limb borrow = SubRaw(d, lo, p_);
    Select(r, MaskFromBit(t[N] | (borrow ^ 1)), d, lo);
  }

  // Sqr sets r = a^2 * R^-1 mod p.
  void Sqr(Elem& r, const Elem& a) const { Mul(r, a, a); }

  // ToMont converts any a < R (not only a < p) into Montgomery form, reduced mod p.
  void ToMont(Elem& r, const Num<N>& a) const { Mul(r, a, rr_); }

  // FromMont converts out of Montgomery form.
  void FromMont(Num<N>& r, const Elem& a) const {
    Num<N> one{};
    one.w[0] = 1;
    Mul(r, a, one);
  }

  // Reduce sets r = a mod p for any a < R.
  void Reduce(Num<N>& r, const Num<N>& a) const {
    Elem m;
    ToMont(m, a);
    FromMont(r, m);
  }

  // PowPublic sets r = a^e for an exponent e that is public (its bits decide the work done;
  // the base a may be secret). Fixed 4-bit windows; table indices come from e only.
  template <size_t M>
  void PowPublic(Elem& r, const Elem& a, const Num<M>& e) const {
    Elem table[16];
    table[0] = one_;
    table[1] = a;
    for (int i = 2; i < 16; ++i) {
      Mul(table[i], table[i - 1], a);
    }
    Elem acc = one_;
    for (size_t w = 16 * M; w-- > 0;) {
      for (int k = 0; k < 4; ++k) {
        Sqr(acc, acc);
      }
      Limb idx = (e.w[w / 16] >> (4 * (w % 16))) & 0xf;
      if (idx != 0) {  // public exponent bits only
        Mul(acc, acc, table[idx]);
      }
    }
    r = acc;
  }

  // Inv sets r = a^-1 mod p by Fermat (p prime): a^(p-2). Inv of 0 is 0.
  void Inv(Elem& r, const Elem& a) const {
    Num<N> e = p_;
    Num<N> two{};
    two.w[0] = 2;
    SubRaw(e, e, two);
    PowPublic(r, a, e);
  }

 private:
  Num<N> p_;
  Limb n0_ = 0;
  Num<N> one_{};
  Num<N> rr_{};
};

}  // namespace iotsec::ibc::mp

#endif  // IOTSEC_IBC_MP_H_
