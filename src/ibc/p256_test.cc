// Copyright iotsec authors.
// Checks the P-256 field, group and scalar code against OpenSSL (BIGNUM and EC_POINT) on random
// and edge-case operands.
#include "p256.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <array>
#include <memory>
#include <vector>

#include "p256_field_inl.h"

namespace iotsec::ibc::p256 {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using PointPtr = std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)>;

BnPtr NewBn() { return BnPtr(BN_new(), BN_free); }

class P256Test : public ::testing::Test {
 protected:
  P256Test()
      : group_(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free),
        ctx_(BN_CTX_new(), BN_CTX_free),
        p_(NewBn()) {
    BN_bin2bn(Bytes(kP).data(), 32, p_.get());
  }

  static std::array<uint8_t, 32> Bytes(const mp::Num<4>& a) {
    std::array<uint8_t, 32> out;
    mp::ToBytes(out, a);
    return out;
  }
  static BnPtr ToBn(const mp::Num<4>& a) {
    BnPtr b = NewBn();
    BN_bin2bn(Bytes(a).data(), 32, b.get());
    return b;
  }
  static mp::Num<4> FromBn(const BIGNUM* b) {
    std::array<uint8_t, 32> buf;
    EXPECT_EQ(BN_bn2binpad(b, buf.data(), 32), 32);
    mp::Num<4> r;
    mp::FromBytes(r, buf);
    return r;
  }
  BnPtr RandBelow(const BIGNUM* bound) {
    BnPtr r = NewBn();
    EXPECT_EQ(BN_rand_range(r.get(), bound), 1);
    return r;
  }
  Fe Mont(const BIGNUM* a) {
    Fe r;
    FeToMont(r, FromBn(a));
    return r;
  }
  BnPtr Plain(const Fe& a) {
    Fe r;
    FeFromMont(r, a);
    return ToBn(r);
  }
  const BIGNUM* order() const { return EC_GROUP_get0_order(group_.get()); }

  // Encode returns the 65-octet encoding of |p| (which must not be infinity).
  std::vector<uint8_t> Encode(const Point& p) {
    Affine a;
    EXPECT_EQ(ToAffine(a, p), 1u);
    std::array<uint8_t, kPointBytes> out;
    EncodeAffine(out, a);
    return std::vector<uint8_t>(out.begin(), out.end());
  }
  // OsslMul returns OpenSSL's encoding of [k]G, or empty for infinity.
  std::vector<uint8_t> OsslEncode(const EC_POINT* pt) {
    if (EC_POINT_is_at_infinity(group_.get(), pt) == 1) {
      return {};
    }
    std::vector<uint8_t> out(kPointBytes);
    EXPECT_EQ(EC_POINT_point2oct(group_.get(), pt, POINT_CONVERSION_UNCOMPRESSED, out.data(),
                                 out.size(), ctx_.get()),
              kPointBytes);
    return out;
  }
  std::vector<uint8_t> OsslMul(const BIGNUM* k, const EC_POINT* base) {
    PointPtr r(EC_POINT_new(group_.get()), EC_POINT_free);
    if (base == nullptr) {
      EXPECT_EQ(EC_POINT_mul(group_.get(), r.get(), k, nullptr, nullptr, ctx_.get()), 1);
    } else {
      EXPECT_EQ(EC_POINT_mul(group_.get(), r.get(), nullptr, base, k, ctx_.get()), 1);
    }
    return OsslEncode(r.get());
  }
  std::vector<uint8_t> EncodeOrEmpty(const Point& p) {
    if (PointIsInfinityBit(p) == 1) {
      return {};
    }
    return Encode(p);
  }
  // Edge scalars: 0, 1, 2, q-1, q-2, 2^255, 2^256-1 (for the raw multipliers), digits at the
  // window boundaries.
  std::vector<BnPtr> EdgeScalars() {
    std::vector<BnPtr> v;
    for (int small : {0, 1, 2, 3, 31, 32, 33, 63, 64, 65}) {
      BnPtr b = NewBn();
      BN_set_word(b.get(), small);
      v.push_back(std::move(b));
    }
    for (int sub : {1, 2, 3}) {
      BnPtr b = NewBn();
      BN_copy(b.get(), order());
      BN_sub_word(b.get(), sub);
      v.push_back(std::move(b));
    }
    BnPtr top = NewBn();
    BN_set_bit(top.get(), 255);
    v.push_back(std::move(top));
    // Every 6-bit window equal to 100000b (digit -32 then carry) and to 011111b.
    BnPtr pat1 = NewBn(), pat2 = NewBn();
    for (int i = 0; i < 256; ++i) {
      if (i % 6 == 5) {
        BN_set_bit(pat1.get(), i);
      } else {
        BN_set_bit(pat2.get(), i);
      }
    }
    BN_mod(pat1.get(), pat1.get(), order(), ctx_.get());
    BN_mod(pat2.get(), pat2.get(), order(), ctx_.get());
    v.push_back(std::move(pat1));
    v.push_back(std::move(pat2));
    return v;
  }

  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group_;
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx_;
  BnPtr p_;
};

TEST_F(P256Test, MontgomeryConstantsMatchGenericField) {
  mp::Field<4> generic(kP);
  EXPECT_TRUE(mp::EqualBit(FeOne(), generic.One()));
  Fe one{};
  one.w[0] = 1;
  Fe m;
  FeToMont(m, one);
  EXPECT_TRUE(mp::EqualBit(m, generic.One()));
}

TEST_F(P256Test, CurveConstantsInMontgomeryForm) {
  Fe m;
  FeToMont(m, kB);
  EXPECT_TRUE(mp::EqualBit(m, CurveBMont()));
  FeToMont(m, kGx);
  EXPECT_TRUE(mp::EqualBit(m, Generator().x));
  FeToMont(m, kGy);
  EXPECT_TRUE(mp::EqualBit(m, Generator().y));
  EXPECT_TRUE(OnCurveVartime(Generator()));
}

TEST_F(P256Test, PortableFieldOpsMatchBignum) {
  for (int i = 0; i < 2000; ++i) {
    BnPtr a = RandBelow(p_.get()), b = RandBelow(p_.get()), want = NewBn();
    if (i == 0) {
      BN_sub(a.get(), p_.get(), BN_value_one());
      BN_sub(b.get(), p_.get(), BN_value_one());
    }
    Fe am = Mont(a.get()), bm = Mont(b.get()), r;
    internal::FeMulPortable(r, am, bm);
    BN_mod_mul(want.get(), a.get(), b.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "mul " << i;
    internal::FeSqrPortable(r, am);
    BN_mod_sqr(want.get(), a.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "sqr " << i;
    internal::FeAddPortable(r, am, bm);
    BN_mod_add(want.get(), a.get(), b.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "add " << i;
    internal::FeSubPortable(r, am, bm);
    BN_mod_sub(want.get(), a.get(), b.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "sub " << i;
  }
}

#ifdef IOTSEC_P256_X86_64_ASM
// FeMul uses one of two assembly multiplications depending on the CPU (and valgrind's virtual
// CPU has no ADX), so both are checked here against the portable code, whatever this CPU is.
TEST_F(P256Test, EveryAssemblyPathMatchesPortableCode) {
  for (int i = 0; i < 5000; ++i) {
    BnPtr a = RandBelow(p_.get()), b = RandBelow(p_.get());
    if (i == 0) {
      BN_sub(a.get(), p_.get(), BN_value_one());
      BN_sub(b.get(), p_.get(), BN_value_one());
    } else if (i == 1) {
      BN_zero(a.get());
    }
    const Fe am = Mont(a.get()), bm = Mont(b.get());
    Fe want, got;
    internal::FeMulPortable(want, am, bm);
    inl::FeMulAsm(got, am, bm);
    EXPECT_TRUE(mp::EqualBit(got, want)) << i;
    if (inl::kHaveAdx) {
      inl::FeMulAdxAsm(got, am, bm);
      EXPECT_TRUE(mp::EqualBit(got, want)) << i;
    }
    internal::FeSqrPortable(want, am);
    inl::FeSqrAsm(got, am);
    EXPECT_TRUE(mp::EqualBit(got, want)) << i;
    internal::FeAddPortable(want, am, bm);
    inl::FeAddAsm(got, am, bm);
    EXPECT_TRUE(mp::EqualBit(got, want)) << i;
    internal::FeSubPortable(want, am, bm);
    inl::FeSubAsm(got, am, bm);
    EXPECT_TRUE(mp::EqualBit(got, want)) << i;
  }
}
#endif

TEST_F(P256Test, FieldOpsMatchBignum) {
  for (int i = 0; i < 2000; ++i) {
    BnPtr a = RandBelow(p_.get()), b = RandBelow(p_.get()), want = NewBn();
    if (i == 0) {
      BN_sub(a.get(), p_.get(), BN_value_one());
      BN_sub(b.get(), p_.get(), BN_value_one());
    } else if (i == 1) {
      BN_zero(a.get());
    } else if (i == 2) {
      BN_one(b.get());
    }
    Fe am = Mont(a.get()), bm = Mont(b.get()), r;
    FeMul(r, am, bm);
    BN_mod_mul(want.get(), a.get(), b.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "mul " << i;
    FeSqr(r, am);
    BN_mod_sqr(want.get(), a.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "sqr " << i;
    FeAdd(r, am, bm);
    BN_mod_add(want.get(), a.get(), b.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "add " << i;
    FeSub(r, am, bm);
    BN_mod_sub(want.get(), a.get(), b.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "sub " << i;
    FeNeg(r, am);
    BN_mod_sub(want.get(), p_.get(), a.get(), p_.get(), ctx_.get());
    EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "neg " << i;
    if (i < 200) {
      FeInv(r, am);
      if (BN_is_zero(a.get())) {
        EXPECT_TRUE(mp::IsZeroBit(r));
      } else {
        ASSERT_NE(BN_mod_inverse(want.get(), a.get(), p_.get(), ctx_.get()), nullptr);
        EXPECT_EQ(BN_cmp(Plain(r).get(), want.get()), 0) << "inv " << i;
      }
    }
  }
}

TEST_F(P256Test, ToMontReducesInputsAboveP) {
  // 2^256 - 1 >= p: ToMont must reduce it.
  Fe all{{~0ULL, ~0ULL, ~0ULL, ~0ULL}};
  Fe m;
  FeToMont(m, all);
  BnPtr a = ToBn(all), want = NewBn();
  BN_mod(want.get(), a.get(), p_.get(), ctx_.get());
  EXPECT_EQ(BN_cmp(Plain(m).get(), want.get()), 0);
}

TEST_F(P256Test, BaseMulMatchesOpenSsl) {
  std::vector<BnPtr> scalars = EdgeScalars();
  for (int i = 0; i < 200; ++i) {
    scalars.push_back(RandBelow(order()));
  }
  for (const BnPtr& k : scalars) {
    Point r;
    BaseMul(r, FromBn(k.get()));
    std::vector<uint8_t> want = OsslMul(k.get(), nullptr);
    EXPECT_EQ(EncodeOrEmpty(r), want) << BN_bn2hex(k.get());
    Point v;
    BaseTable().MulVartime(v, FromBn(k.get()));
    EXPECT_EQ(EncodeOrEmpty(v), want);
  }
}

TEST_F(P256Test, BaseMulAcceptsScalarsUpTo2To256) {
  // The comb handles any 256-bit k (digits up to bit 256): [2^256 - 1]G = [(2^256 - 1) mod q]G.
  Scalar all{{~0ULL, ~0ULL, ~0ULL, ~0ULL}};
  BnPtr k = ToBn(all);
  BN_mod(k.get(), k.get(), order(), ctx_.get());
  Point r;
  BaseMul(r, all);
  EXPECT_EQ(EncodeOrEmpty(r), OsslMul(k.get(), nullptr));
}

TEST_F(P256Test, ScalarMulAndCombTableMatchOpenSsl) {
  for (int i = 0; i < 20; ++i) {
    BnPtr d = RandBelow(order());
    PointPtr base(EC_POINT_new(group_.get()), EC_POINT_free);
    ASSERT_EQ(EC_POINT_mul(group_.get(), base.get(), d.get(), nullptr, nullptr, ctx_.get()), 1);
    std::vector<uint8_t> enc = OsslEncode(base.get());
    Affine a;
    ASSERT_TRUE(DecodeAffine(a, enc));
    std::unique_ptr<CombTable> table = CombTable::Build(a);
    ASSERT_NE(table, nullptr);
    std::vector<BnPtr> scalars = EdgeScalars();
    scalars.push_back(RandBelow(order()));
    scalars.push_back(RandBelow(order()));
    for (const BnPtr& k : scalars) {
      std::vector<uint8_t> want = OsslMul(k.get(), base.get());
      Point r;
      ScalarMul(r, FromAffine(a), FromBn(k.get()));
      EXPECT_EQ(EncodeOrEmpty(r), want);
      table->Mul(r, FromBn(k.get()));
      EXPECT_EQ(EncodeOrEmpty(r), want);
      table->MulVartime(r, FromBn(k.get()));
      EXPECT_EQ(EncodeOrEmpty(r), want);
    }
  }
}

TEST_F(P256Test, AdditionIsCompleteOnExceptionalInputs) {
  BnPtr k = RandBelow(order());
  Point p;
  BaseMul(p, FromBn(k.get()));
  Affine pa;
  ASSERT_EQ(ToAffine(pa, p), 1u);
  Point neg = p;
  FeNeg(neg.y, neg.y);
  Affine nega = pa;
  FeNeg(nega.y, nega.y);
  BnPtr k2 = NewBn();
  BN_mod_add(k2.get(), k.get(), k.get(), order(), ctx_.get());
  std::vector<uint8_t> twice = OsslMul(k2.get(), nullptr);

  Point r;
  PointAdd(r, p, p);  // doubling through the addition formula
  EXPECT_EQ(EncodeOrEmpty(r), twice);
  PointAddAffine(r, p, pa);
  EXPECT_EQ(EncodeOrEmpty(r), twice);
  PointDouble(r, p);
  EXPECT_EQ(EncodeOrEmpty(r), twice);
  PointAdd(r, p, neg);  // P + (-P)
  EXPECT_EQ(PointIsInfinityBit(r), 1u);
  PointAddAffine(r, p, nega);
  EXPECT_EQ(PointIsInfinityBit(r), 1u);
  PointAdd(r, Infinity(), p);
  EXPECT_EQ(EncodeOrEmpty(r), Encode(p));
  PointAdd(r, p, Infinity());
  EXPECT_EQ(EncodeOrEmpty(r), Encode(p));
  PointAddAffine(r, Infinity(), pa);
  EXPECT_EQ(EncodeOrEmpty(r), Encode(p));
  PointAdd(r, Infinity(), Infinity());
  EXPECT_EQ(PointIsInfinityBit(r), 1u);
  PointDouble(r, Infinity());
  EXPECT_EQ(PointIsInfinityBit(r), 1u);
  Affine dummy;
  EXPECT_EQ(ToAffine(dummy, Infinity()), 0u);
}

TEST_F(P256Test, DecodeAcceptsOnlyCanonicalCurvePoints) {
  std::array<uint8_t, kPointBytes> g;
  EncodeAffine(g, Generator());
  Affine a;
  EXPECT_TRUE(DecodeAffine(a, g));
  // Wrong prefix (compressed, hybrid, infinity), wrong length.
  for (uint8_t prefix : {0x00, 0x02, 0x03, 0x06, 0x07, 0x05}) {
    auto bad = g;
    bad[0] = prefix;
    EXPECT_FALSE(DecodeAffine(a, bad));
  }
  EXPECT_FALSE(DecodeAffine(a, std::span<const uint8_t>(g.data(), 64)));
  std::vector<uint8_t> longer(g.begin(), g.end());
  longer.push_back(0);
  EXPECT_FALSE(DecodeAffine(a, longer));
  EXPECT_FALSE(DecodeAffine(a, std::span<const uint8_t>()));
  // Off the curve: y + 1.
  auto off = g;
  off[64] ^= 1;
  EXPECT_FALSE(DecodeAffine(a, off));
  // All-zero coordinates (not on the curve since b != 0).
  std::array<uint8_t, kPointBytes> zero{};
  zero[0] = 0x04;
  EXPECT_FALSE(DecodeAffine(a, zero));
  // x replaced by x + p (same residue, non-canonical): x + p overflows 2^256 for G, so use a
  // coordinate >= p directly: x = p itself.
  auto big = g;
  std::array<uint8_t, 32> pb = Bytes(kP);
  std::copy(pb.begin(), pb.end(), big.begin() + 1);
  EXPECT_FALSE(DecodeAffine(a, big));
  // y >= p: y + p for a point with y < 2^256 - p.
  for (int i = 1; i < 200; ++i) {
    BnPtr k = NewBn();
    BN_set_word(k.get(), i);
    std::vector<uint8_t> enc = OsslMul(k.get(), nullptr);
    BnPtr y = NewBn();
    BN_bin2bn(enc.data() + 33, 32, y.get());
    BN_add(y.get(), y.get(), p_.get());
    if (BN_num_bits(y.get()) <= 256) {
      ASSERT_TRUE(DecodeAffine(a, enc));
      ASSERT_EQ(BN_bn2binpad(y.get(), enc.data() + 33, 32), 32);
      EXPECT_FALSE(DecodeAffine(a, enc));
      break;
    }
  }
}

TEST_F(P256Test, ModInvVartimeMatchesBignumModPAndQ) {
  for (const BIGNUM* m : {static_cast<const BIGNUM*>(p_.get()), order()}) {
    const mp::Num<4> mod = FromBn(m);
    std::vector<BnPtr> xs;
    for (int small : {1, 2, 3, 4, 1 << 20}) {
      BnPtr b = NewBn();
      BN_set_word(b.get(), small);
      xs.push_back(std::move(b));
    }
    for (int sub : {1, 2}) {
      BnPtr b = NewBn();
      BN_copy(b.get(), m);
      BN_sub_word(b.get(), sub);
      xs.push_back(std::move(b));
    }
    for (int bit : {62, 63, 64, 124, 200, 255}) {
      BnPtr b = NewBn();
      BN_set_bit(b.get(), bit);
      BN_mod(b.get(), b.get(), m, ctx_.get());
      xs.push_back(std::move(b));
    }
    for (int i = 0; i < 2000; ++i) {
      xs.push_back(RandBelow(m));
    }
    for (const BnPtr& x : xs) {
      if (BN_is_zero(x.get())) {
        continue;
      }
      mp::Num<4> r;
      ASSERT_TRUE(ModInvVartime(r, FromBn(x.get()), mod)) << BN_bn2hex(x.get());
      BnPtr w = NewBn();
      ASSERT_NE(BN_mod_inverse(w.get(), x.get(), m, ctx_.get()), nullptr);
      EXPECT_EQ(BN_cmp(ToBn(r).get(), w.get()), 0) << BN_bn2hex(x.get());
    }
    mp::Num<4> r{};
    EXPECT_FALSE(ModInvVartime(r, mp::Num<4>{}, mod));
    EXPECT_FALSE(ModInvVartime(r, mod, mod));
  }
}

TEST_F(P256Test, ScalarHelpers) {
  Scalar zero{};
  EXPECT_EQ(ScalarInRangeBit(zero), 0u);
  Scalar one{{1, 0, 0, 0}};
  EXPECT_EQ(ScalarInRangeBit(one), 1u);
  EXPECT_EQ(ScalarInRangeBit(kQ), 0u);
  Scalar qm1 = kQ;
  qm1.w[0] -= 1;
  EXPECT_EQ(ScalarInRangeBit(qm1), 1u);
  Scalar all{{~0ULL, ~0ULL, ~0ULL, ~0ULL}};
  EXPECT_EQ(ScalarInRangeBit(all), 0u);
  BnPtr want = ToBn(all);
  BN_mod(want.get(), want.get(), order(), ctx_.get());
  EXPECT_EQ(BN_cmp(ToBn(ScalarReduceOnce(all)).get(), want.get()), 0);
  EXPECT_TRUE(mp::EqualBit(ScalarReduceOnce(kQ), zero));
  EXPECT_TRUE(mp::EqualBit(ScalarReduceOnce(qm1), qm1));

  Scalar inv;
  EXPECT_FALSE(ScalarInvVartime(inv, zero));
  EXPECT_FALSE(ScalarInvVartime(inv, kQ));
  for (int i = 0; i < 300; ++i) {
    BnPtr a = RandBelow(order());
    if (i == 0) {
      BN_one(a.get());
    } else if (i == 1) {
      BN_copy(a.get(), order());
      BN_sub_word(a.get(), 1);
    }
    if (BN_is_zero(a.get())) {
      continue;
    }
    ASSERT_TRUE(ScalarInvVartime(inv, FromBn(a.get())));
    BnPtr w = NewBn();
    ASSERT_NE(BN_mod_inverse(w.get(), a.get(), order(), ctx_.get()), nullptr);
    EXPECT_EQ(BN_cmp(ToBn(inv).get(), w.get()), 0) << i;
  }
}

}  // namespace
}  // namespace iotsec::ibc::p256
