// Copyright iotsec authors.
// Checks the SAKKE curve arithmetic (sakke_curve.h) against OpenSSL's EC over the same curve,
// including the exceptional cases that the masks handle, and the pairing (sakke_pairing.h)
// for bilinearity, symmetry and agreement of its three ways of computing.
#include "sakke_curve.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

#include <memory>
#include <vector>

#include "sakke_hash.h"
#include "sakke_pairing.h"

namespace iotsec::ibc::sakke {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
BnPtr NewBn() { return BnPtr(BN_new(), BN_free); }

BnPtr ToBn(const Num& a) {
  std::vector<uint8_t> buf(kFpBytes);
  mp::ToBytes(buf, a);
  BnPtr b = NewBn();
  BN_bin2bn(buf.data(), static_cast<int>(buf.size()), b.get());
  return b;
}

Num FromBn(const BIGNUM* b) {
  std::vector<uint8_t> buf(kFpBytes);
  EXPECT_EQ(BN_bn2binpad(b, buf.data(), static_cast<int>(buf.size())), 128);
  Num r;
  mp::FromBytes(r, buf);
  return r;
}

std::vector<uint8_t> Encode(const Jac& j) {
  Affine a;
  std::vector<uint8_t> out(kPointBytes, 0);
  if (!JacToAffine(a, j)) {
    EncodePoint(std::span<uint8_t, kPointBytes>(out.data(), kPointBytes), a);
  }
  return out;  // all zero for the point at infinity
}

class SakkeCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = BN_CTX_new();
    BnPtr p = ToBn(kP), a = NewBn(), b = NewBn();
    BN_sub(a.get(), p.get(), BN_value_one());
    BN_sub_word(a.get(), 2);  // a = -3
    BN_zero(b.get());
    group_ = EC_GROUP_new_curve_GFp(p.get(), a.get(), b.get(), ctx_);
    ASSERT_NE(group_, nullptr);
    gen_ = EC_POINT_new(group_);
    std::vector<uint8_t> enc(kPointBytes);
    EncodePoint(std::span<uint8_t, kPointBytes>(enc.data(), kPointBytes), GeneratorP());
    ASSERT_EQ(EC_POINT_oct2point(group_, gen_, enc.data(), enc.size(), ctx_), 1);
  }
  void TearDown() override {
    EC_POINT_free(gen_);
    EC_GROUP_free(group_);
    BN_CTX_free(ctx_);
  }

  // [k]base with OpenSSL, encoded (all zero for infinity).
  std::vector<uint8_t> OpenSslMul(const EC_POINT* base, const Num& k) {
    EC_POINT* r = EC_POINT_new(group_);
    BnPtr kb = ToBn(k);
    EXPECT_EQ(EC_POINT_mul(group_, r, nullptr, base, kb.get(), ctx_), 1);
    std::vector<uint8_t> out(kPointBytes, 0);
    if (!EC_POINT_is_at_infinity(group_, r)) {
      EXPECT_EQ(EC_POINT_point2oct(group_, r, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                                   ctx_),
                kPointBytes);
    }
    EC_POINT_free(r);
    return out;
  }

  Num RandomScalar() {
    BnPtr q = ToBn(kQ), k = NewBn();
    EXPECT_EQ(BN_rand_range(k.get(), q.get()), 1);
    return FromBn(k.get());
  }

  BN_CTX* ctx_ = nullptr;
  EC_GROUP* group_ = nullptr;
  EC_POINT* gen_ = nullptr;
};

TEST_F(SakkeCurveTest, GeneratorIsOnCurveWithOrderQ) {
  EXPECT_NE(IsOnCurve(GeneratorP()), 0u);
  Jac j;
  PTable().Mul(j, kQ);
  EXPECT_NE(JacIsInfinity(j), 0u);
}

TEST_F(SakkeCurveTest, FixedBaseMulMatchesOpenSsl) {
  std::vector<Num> scalars;
  Num k{};
  scalars.push_back(k);  // 0: the point at infinity
  k.w[0] = 1;
  scalars.push_back(k);
  k.w[0] = 2;
  scalars.push_back(k);
  Num qm1 = kQ;
  qm1.w[0] -= 1;
  scalars.push_back(qm1);
  qm1.w[0] -= 1;
  scalars.push_back(qm1);
  // k = 6 * 2^1020 - 2q: the last window adds a point equal to the accumulator (the doubling
  // case of JacAddMixedNonZero).
  {
    BnPtr t = NewBn(), q2 = ToBn(kQ);
    BN_set_word(t.get(), 6);
    BN_lshift(t.get(), t.get(), 1020);
    BN_lshift1(q2.get(), q2.get());
    BN_sub(t.get(), t.get(), q2.get());
    scalars.push_back(FromBn(t.get()));
  }
  for (int i = 0; i < 20; ++i) {
    scalars.push_back(RandomScalar());
  }
  for (const Num& s : scalars) {
    Jac j;
    PTable().Mul(j, s);
    EXPECT_EQ(Encode(j), OpenSslMul(gen_, s));
  }
  // A table for another base.
  Num z = RandomScalar();
  Jac zj;
  PTable().Mul(zj, z);
  Affine za;
  JacToAffine(za, zj);
  auto table = FixedBaseTable::Build(za);
  EC_POINT* zp = EC_POINT_new(group_);
  std::vector<uint8_t> enc = Encode(zj);
  ASSERT_EQ(EC_POINT_oct2point(group_, zp, enc.data(), enc.size(), ctx_), 1);
  for (int i = 0; i < 5; ++i) {
    Num s = RandomScalar();
    Jac j;
    table->Mul(j, s);
    EXPECT_EQ(Encode(j), OpenSslMul(zp, s));
  }
  EC_POINT_free(zp);
}

TEST_F(SakkeCurveTest, AdditionExceptionalCases) {
  Num a = RandomScalar();
  Jac pa, pa2, neg, inf{}, r;
  PTable().Mul(pa, a);
  Affine aff;
  JacToAffine(aff, pa);
  // a + a = [2]a, a + (-a) = O, O + a = a, a + O = a.
  JacDouble(pa2, pa);
  JacAdd(r, pa, pa);
  EXPECT_EQ(Encode(r), Encode(pa2));
  neg = pa;
  FpNeg(neg.y, pa.y);
  JacAdd(r, pa, neg);
  EXPECT_NE(JacIsInfinity(r), 0u);
  JacAdd(r, inf, pa);
  EXPECT_EQ(Encode(r), Encode(pa));
  JacAdd(r, pa, inf);
  EXPECT_EQ(Encode(r), Encode(pa));
  // Mixed: a + a and a + (-a) with a != O.
  JacAddMixedNonZero(r, pa, aff);
  EXPECT_EQ(Encode(r), Encode(pa2));
  Affine naff = aff;
  FpNeg(naff.y, aff.y);
  JacAddMixedNonZero(r, pa, naff);
  EXPECT_NE(JacIsInfinity(r), 0u);
  // Batch conversion agrees with single conversion.
  std::vector<Jac> many = {pa, pa2, neg};
  std::vector<Affine> out(many.size());
  BatchToAffine(many, out);
  for (size_t i = 0; i < many.size(); ++i) {
    Affine one;
    JacToAffine(one, many[i]);
    EXPECT_NE(FpEqual(one.x, out[i].x) & FpEqual(one.y, out[i].y), 0u);
  }
}

TEST_F(SakkeCurveTest, PairingIsBilinearAndSymmetric) {
  // <[a]P, [b]P> = g^(ab), computed by the three methods and both orientations.
  const Num a = RandomScalar(), b = RandomScalar();
  Jac ja, jb;
  PTable().Mul(ja, a);
  PTable().Mul(jb, b);
  Affine pa, pb;
  JacToAffine(pa, ja);
  JacToAffine(pb, jb);
  Num ab;
  MulModQ(ab, a, b);
  Fp want;
  PowG(want, ab);
  Fp2 f;
  Fp w;
  MillerDirect(f, pa, pb);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, want), 0u);
  MillerDirect(f, pb, pa);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, want), 0u);
  auto lines = MillerLines::Precompute(pa);
  lines->Evaluate(f, pb);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, want), 0u);
  // <P, P> = g.
  MillerDirect(f, GeneratorP(), GeneratorP());
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, GValue()), 0u);
  // g^0 = 1 (written as 0 in PF_p) and g^1 = g.
  Num zero{}, one{};
  one.w[0] = 1;
  PowG(w, zero);
  EXPECT_NE(FpIsZero(w), 0u);
  PowG(w, one);
  EXPECT_NE(FpEqual(w, GValue()), 0u);
}

TEST_F(SakkeCurveTest, DecodeRefusesMalformedPoints) {
  std::vector<uint8_t> enc(kPointBytes);
  EncodePoint(std::span<uint8_t, kPointBytes>(enc.data(), kPointBytes), GeneratorP());
  Affine a;
  EXPECT_NE(DecodePoint(a, std::span<const uint8_t, kPointBytes>(enc.data(), kPointBytes)), 0u);
  auto bad = enc;
  bad[0] = 0x03;
  EXPECT_EQ(DecodePoint(a, std::span<const uint8_t, kPointBytes>(bad.data(), kPointBytes)), 0u);
  bad = enc;
  bad[kPointBytes - 1] ^= 1;
  EXPECT_EQ(DecodePoint(a, std::span<const uint8_t, kPointBytes>(bad.data(), kPointBytes)), 0u);
  // (0, 0) is on the curve but has order 2.
  std::vector<uint8_t> zero(kPointBytes, 0);
  zero[0] = 0x04;
  EXPECT_EQ(DecodePoint(a, std::span<const uint8_t, kPointBytes>(zero.data(), kPointBytes)), 0u);
  // x = p (not reduced).
  bad = enc;
  mp::ToBytes(std::span<uint8_t>(bad.data() + 1, kFpBytes), kP);
  EXPECT_EQ(DecodePoint(a, std::span<const uint8_t, kPointBytes>(bad.data(), kPointBytes)), 0u);
}

}  // namespace
}  // namespace iotsec::ibc::sakke
