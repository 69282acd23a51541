// Copyright iotsec authors.
// Checks the constant-time Montgomery arithmetic against OpenSSL's BIGNUM on random operands.
#include "mp.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <memory>
#include <vector>

namespace iotsec::ibc::mp {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
BnPtr NewBn() { return BnPtr(BN_new(), BN_free); }

template <size_t N>
Num<N> FromBn(const BIGNUM* b) {
  std::vector<uint8_t> buf(8 * N);
  EXPECT_EQ(BN_bn2binpad(b, buf.data(), static_cast<int>(buf.size())), static_cast<int>(8 * N));
  Num<N> r;
  EXPECT_TRUE(FromBytes(r, buf));
  return r;
}

template <size_t N>
BnPtr ToBn(const Num<N>& a) {
  std::vector<uint8_t> buf(8 * N);
  ToBytes(buf, a);
  BnPtr b = NewBn();
  BN_bin2bn(buf.data(), static_cast<int>(buf.size()), b.get());
  return b;
}

template <size_t N>
void CheckField(const BIGNUM* p, int rounds) {
  Field<N> f(FromBn<N>(p));
  BN_CTX* ctx = BN_CTX_new();
  for (int i = 0; i < rounds; ++i) {
    BnPtr a = NewBn(), b = NewBn(), want = NewBn();
    ASSERT_EQ(BN_rand_range(a.get(), p), 1);
    ASSERT_EQ(BN_rand_range(b.get(), p), 1);
    if (i == 0) {
      BN_sub(a.get(), p, BN_value_one());  // p - 1, an edge value
      BN_zero(b.get());
    }
    Num<N> am, bm, r, plain;
    f.ToMont(am, FromBn<N>(a.get()));
    f.ToMont(bm, FromBn<N>(b.get()));

    f.Mul(r, am, bm);
    f.FromMont(plain, r);
    BN_mod_mul(want.get(), a.get(), b.get(), p, ctx);
    EXPECT_EQ(BN_cmp(ToBn(plain).get(), want.get()), 0) << "mul round " << i;

    f.Add(r, am, bm);
    f.FromMont(plain, r);
    BN_mod_add(want.get(), a.get(), b.get(), p, ctx);
    EXPECT_EQ(BN_cmp(ToBn(plain).get(), want.get()), 0) << "add round " << i;

    f.Sub(r, am, bm);
    f.FromMont(plain, r);
    BN_mod_sub(want.get(), a.get(), b.get(), p, ctx);
    EXPECT_EQ(BN_cmp(ToBn(plain).get(), want.get()), 0) << "sub round " << i;

    if (!BN_is_zero(a.get())) {
      f.Inv(r, am);
      f.FromMont(plain, r);
      BN_mod_inverse(want.get(), a.get(), p, ctx);
      EXPECT_EQ(BN_cmp(ToBn(plain).get(), want.get()), 0) << "inv round " << i;
    }
  }
  // Reduce accepts any value below R.
  Num<N> all_ones;
  for (size_t i = 0; i < N; ++i) {
    all_ones.w[i] = ~Limb{0};
  }
  Num<N> red;
  f.Reduce(red, all_ones);
  BnPtr want = NewBn();
  BN_mod(want.get(), ToBn(all_ones).get(), p, ctx);
  EXPECT_EQ(BN_cmp(ToBn(red).get(), want.get()), 0);
  BN_CTX_free(ctx);
}

TEST(MpTest, MatchesBignumModP256) {
  BnPtr p = NewBn();
  BIGNUM* raw = p.get();
  ASSERT_GT(BN_hex2bn(&raw, "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF"), 0);
  CheckField<4>(p.get(), 200);
}

TEST(MpTest, MatchesBignumModRandom1024BitPrime) {
  BnPtr p = NewBn();
  ASSERT_EQ(BN_generate_prime_ex(p.get(), 1024, 0, nullptr, nullptr, nullptr), 1);
  CheckField<16>(p.get(), 50);
}

TEST(MpTest, MaskHelpers) {
  Num<2> a{{1, 2}}, b{{1, 2}}, c{{0, 0}};
  EXPECT_EQ(EqualBit(a, b), 1u);
  EXPECT_EQ(IsZeroBit(c), 1u);
  EXPECT_EQ(IsZeroBit(a), 0u);
  EXPECT_EQ(LessBit(c, a), 1u);
  EXPECT_EQ(LessBit(a, c), 0u);
  Num<2> r;
  Select(r, MaskFromBit(0), a, c);
  EXPECT_EQ(IsZeroBit(r), 1u);
}

}  // namespace
}  // namespace iotsec::ibc::mp
