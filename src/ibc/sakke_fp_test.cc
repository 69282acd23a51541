// Copyright iotsec authors.
// Checks the SAKKE field arithmetic (sakke_fp.h) against OpenSSL's BIGNUM on random and edge
// operands: F_p multiplication (fast and portable), squaring, addition, subtraction, wide
// products with one reduction, inversion modulo p and modulo q.
#include "sakke_fp.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <vector>

namespace iotsec::ibc::sakke {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
BnPtr NewBn() { return BnPtr(BN_new(), BN_free); }

Num FromBn(const BIGNUM* b) {
  std::vector<uint8_t> buf(kFpBytes);
  EXPECT_EQ(BN_bn2binpad(b, buf.data(), static_cast<int>(buf.size())), static_cast<int>(kFpBytes));
  Num r;
  EXPECT_TRUE(mp::FromBytes(r, buf));
  return r;
}

BnPtr ToBn(const Num& a) {
  std::vector<uint8_t> buf(kFpBytes);
  mp::ToBytes(buf, a);
  BnPtr b = NewBn();
  BN_bin2bn(buf.data(), static_cast<int>(buf.size()), b.get());
  return b;
}

class SakkeFpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = BN_CTX_new();
    p_ = ToBn(kP);
    q_ = ToBn(kQ);
  }
  void TearDown() override { BN_CTX_free(ctx_); }

  // Operands: edge values first, then random ones.
  BnPtr Operand(int i, const BIGNUM* m) {
    BnPtr x = NewBn();
    switch (i) {
      case 0:
        BN_zero(x.get());
        break;
      case 1:
        BN_one(x.get());
        break;
      case 2:
        BN_sub(x.get(), m, BN_value_one());
        break;
      case 3:
        BN_set_word(x.get(), 2);
        break;
      case 4:
        BN_rshift1(x.get(), m);
        break;
      case 5:
        BN_lshift(x.get(), BN_value_one(), 1000);
        break;
      default:
        EXPECT_EQ(BN_rand_range(x.get(), m), 1);
    }
    return x;
  }

  Fp Mont(const BIGNUM* x) {
    Fp r;
    FpFromInt(r, FromBn(x));
    return r;
  }
  BnPtr Plain(const Fp& x) {
    Num r;
    FpToInt(r, x);
    return ToBn(r);
  }

  BN_CTX* ctx_ = nullptr;
  BnPtr p_ = NewBn();
  BnPtr q_ = NewBn();
};

TEST_F(SakkeFpTest, MontgomeryConstants) {
  // 2p > 2^1024 > p and q = (p + 1) / 4.
  EXPECT_EQ(BN_num_bits(p_.get()), 1024);
  BnPtr t = NewBn();
  BN_add(t.get(), q_.get(), q_.get());
  BN_add(t.get(), t.get(), t.get());
  BN_sub(t.get(), t.get(), BN_value_one());
  EXPECT_EQ(BN_cmp(t.get(), p_.get()), 0);
  EXPECT_EQ(BN_is_one(Plain(FpOne()).get()), 1);
}

TEST_F(SakkeFpTest, FieldOperationsMatchBignum) {
  for (int i = 0; i < 300; ++i) {
    BnPtr a = Operand(i % 7 == 6 ? 6 : i, p_.get());
    BnPtr b = Operand(i < 7 ? (i * 3) % 7 : 6, p_.get());
    Fp am = Mont(a.get()), bm = Mont(b.get());
    BnPtr want = NewBn();
    Fp r;

    FpMul(r, am, bm);
    BN_mod_mul(want.get(), a.get(), b.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "mul " << i;
    Fp r2;
    internal::FpMulPortable(r2, am, bm);
    EXPECT_EQ(mp::EqualBit(r, r2), 1u) << "portable mul " << i;

    FpSqr(r, am);
    BN_mod_sqr(want.get(), a.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "sqr " << i;
    internal::FpSqrPortable(r2, am);
    EXPECT_EQ(mp::EqualBit(r, r2), 1u) << "portable sqr " << i;

    FpAdd(r, am, bm);
    BN_mod_add(want.get(), a.get(), b.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "add " << i;

    FpSub(r, am, bm);
    BN_mod_sub(want.get(), a.get(), b.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "sub " << i;

    // a*b + b*b with one reduction.
    FpWide w1, w2;
    FpMulWide(w1, am, bm);
    FpMulWide(w2, bm, bm);
    FpWideAdd(w1, w1, w2);
    FpRedc(r, w1);
    BnPtr t = NewBn();
    BN_mod_sqr(t.get(), b.get(), p_.get(), ctx_);
    BN_mod_mul(want.get(), a.get(), b.get(), p_.get(), ctx_);
    BN_mod_add(want.get(), want.get(), t.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "wide " << i;

    if (!BN_is_zero(a.get())) {
      FpInv(r, am);
      BN_mod_inverse(want.get(), a.get(), p_.get(), ctx_);
      EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "inv " << i;
    } else {
      FpInv(r, am);
      EXPECT_EQ(mp::IsZeroBit(r), 1u);
    }
  }
}

TEST_F(SakkeFpTest, RedcOfLargestInput) {
  // All-ones 2048-bit input: the reduction must still end fully reduced.
  FpWide w;
  for (auto& x : w.w) {
    x = ~Limb{0};
  }
  Fp r;
  FpRedc(r, w);
  EXPECT_EQ(mp::LessBit(r, kP), 1u);
  // Compare: (2^2048 - 1) * R^-1 mod p.
  BnPtr big = NewBn(), rinv = NewBn(), want = NewBn(), rr = NewBn();
  BN_lshift(big.get(), BN_value_one(), 2048);
  BN_sub(big.get(), big.get(), BN_value_one());
  BN_lshift(rr.get(), BN_value_one(), 1024);
  BN_mod_inverse(rinv.get(), rr.get(), p_.get(), ctx_);
  BN_mod_mul(want.get(), big.get(), rinv.get(), p_.get(), ctx_);
  Fp plain = r;
  EXPECT_EQ(BN_cmp(ToBn(plain).get(), want.get()), 0);
}

TEST_F(SakkeFpTest, InversionModuloBothPrimes) {
  for (const BIGNUM* m : {p_.get(), q_.get()}) {
    Num mn = FromBn(m);
    for (int i = 0; i < 200; ++i) {
      BnPtr a = Operand(i, m);
      if (i == 5) {
        BN_lshift(a.get(), BN_value_one(), 1017);  // a power of two below q
      }
      Num r;
      CtInvMod(r, FromBn(a.get()), mn);
      if (BN_is_zero(a.get())) {
        EXPECT_EQ(mp::IsZeroBit(r), 1u);
        continue;
      }
      BnPtr want = NewBn();
      BN_mod_inverse(want.get(), a.get(), m, ctx_);
      EXPECT_EQ(BN_cmp(ToBn(r).get(), want.get()), 0) << "inv " << i;
    }
  }
}

TEST_F(SakkeFpTest, FastCodeMatchesPortableOnManyOperands) {
  // Random operands, and operands with long runs of ones or zeros (carry chains).
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int i = 0; i < 20000; ++i) {
    Num a, b;
    for (size_t l = 0; l < kLimbs; ++l) {
      a.w[l] = next();
      b.w[l] = next();
      if (i % 4 == 1) {
        a.w[l] = (next() & 1) ? ~Limb{0} : 0;
      }
      if (i % 4 == 2) {
        b.w[l] = kP.w[l];
      }
    }
    Fp am, bm;
    FpFromInt(am, a);  // any value below 2^1024 reduces into [0, p)
    FpFromInt(bm, b);
    Fp r1, r2;
    FpMul(r1, am, bm);
    internal::FpMulPortable(r2, am, bm);
    ASSERT_EQ(mp::EqualBit(r1, r2), 1u) << i;
    FpSqr(r1, am);
    internal::FpSqrPortable(r2, am);
    ASSERT_EQ(mp::EqualBit(r1, r2), 1u) << i;
    FpWide w, w2;
    FpMulWide(w, am, bm);
    internal::FpMulWidePortable(w2, am, bm);
    ASSERT_TRUE(std::equal(std::begin(w.w), std::end(w.w), std::begin(w2.w))) << i;
    FpRedc(r1, w);
    internal::FpMulPortable(r2, am, bm);
    ASSERT_EQ(mp::EqualBit(r1, r2), 1u) << i;
    // a b + b a with one reduction.
    FpMulSum(r1, am, bm, bm, am);
    Fp ab;
    internal::FpMulPortable(ab, am, bm);
    FpAdd(r2, ab, ab);
    ASSERT_EQ(mp::EqualBit(r1, r2), 1u) << i;
    // Any 2048-bit value reduces the same way on both paths.
    for (size_t l = 0; l < 2 * kLimbs; ++l) {
      w.w[l] = (i % 3 == 0) ? ~Limb{0} - (next() & 3) : next();
    }
    FpRedc(r1, w);
    internal::FpRedcPortable(r2, w);
    ASSERT_EQ(mp::EqualBit(r1, r2), 1u) << i;
    ASSERT_EQ(mp::LessBit(r1, kP), 1u) << i;
  }
}

TEST_F(SakkeFpTest, InversionOfPowersOfTwoAndRandomModuli) {
  // Powers of two stress the binary GCD's length bookkeeping; random odd 1024-bit moduli check
  // that nothing depends on the shape of p or q.
  for (int k = 0; k < 1024; k += 7) {
    BnPtr a = NewBn(), want = NewBn();
    BN_lshift(a.get(), BN_value_one(), k);
    BN_mod(a.get(), a.get(), p_.get(), ctx_);
    Num r;
    CtInvMod(r, FromBn(a.get()), kP);
    BN_mod_inverse(want.get(), a.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(ToBn(r).get(), want.get()), 0) << "2^" << k;
  }
  for (int i = 0; i < 100; ++i) {
    BnPtr m = NewBn(), a = NewBn(), want = NewBn(), g = NewBn();
    ASSERT_EQ(BN_rand(m.get(), 1024, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD), 1);
    ASSERT_EQ(BN_rand_range(a.get(), m.get()), 1);
    Num r;
    CtInvMod(r, FromBn(a.get()), FromBn(m.get()));
    BN_gcd(g.get(), a.get(), m.get(), ctx_);
    if (!BN_is_one(g.get())) {
      EXPECT_EQ(mp::IsZeroBit(r), 1u);
      continue;
    }
    BN_mod_inverse(want.get(), a.get(), m.get(), ctx_);
    EXPECT_EQ(BN_cmp(ToBn(r).get(), want.get()), 0) << i;
  }
}

TEST_F(SakkeFpTest, Fp2Arithmetic) {
  for (int i = 0; i < 50; ++i) {
    BnPtr a0 = Operand(6, p_.get()), a1 = Operand(6, p_.get());
    BnPtr b0 = Operand(6, p_.get()), b1 = Operand(6, p_.get());
    Fp2 x{Mont(a0.get()), Mont(a1.get())}, y{Mont(b0.get()), Mont(b1.get())};
    Fp2 r;
    Fp2Mul(r, x, y);
    // (a0 + a1 i)(b0 + b1 i) = (a0 b0 - a1 b1) + (a0 b1 + a1 b0) i
    BnPtr t = NewBn(), u = NewBn(), re = NewBn(), im = NewBn();
    BN_mod_mul(t.get(), a0.get(), b0.get(), p_.get(), ctx_);
    BN_mod_mul(u.get(), a1.get(), b1.get(), p_.get(), ctx_);
    BN_mod_sub(re.get(), t.get(), u.get(), p_.get(), ctx_);
    BN_mod_mul(t.get(), a0.get(), b1.get(), p_.get(), ctx_);
    BN_mod_mul(u.get(), a1.get(), b0.get(), p_.get(), ctx_);
    BN_mod_add(im.get(), t.get(), u.get(), p_.get(), ctx_);
    EXPECT_EQ(BN_cmp(Plain(r.a).get(), re.get()), 0);
    EXPECT_EQ(BN_cmp(Plain(r.b).get(), im.get()), 0);

    Fp2 s1, s2;
    Fp2Sqr(s1, x);
    Fp2Mul(s2, x, x);
    EXPECT_EQ(mp::EqualBit(s1.a, s2.a) & mp::EqualBit(s1.b, s2.b), 1u);

    Fp2 c1, c2;
    Fp2MulC1(c1, x, y.a);
    Fp2Mul(c2, x, Fp2{y.a, FpOne()});
    EXPECT_EQ(mp::EqualBit(c1.a, c2.a) & mp::EqualBit(c1.b, c2.b), 1u);
    Fp2Mul1T(c1, x, y.b);
    Fp2Mul(c2, x, Fp2{FpOne(), y.b});
    EXPECT_EQ(mp::EqualBit(c1.a, c2.a) & mp::EqualBit(c1.b, c2.b), 1u);
  }
}

}  // namespace
}  // namespace iotsec::ibc::sakke
