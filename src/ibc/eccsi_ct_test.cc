// Copyright iotsec authors.
// The RFC 6507 Appendix A known-answer test with every secret marked undefined for valgrind
// (crypto::CtPoison): the KSAK, the SSK, and the v and j that the fake generator returns. Only
// the outputs are marked defined again before they are compared. Also the P-256 building blocks
// on a secret scalar. Run under `valgrind --error-exitcode=99`, any branch or memory index that
// depends on a secret fails the test (STYLE.md rule 15); natively these are ordinary tests.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

#include "eccsi_test_util.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/ibc/eccsi.h"
#include "p256.h"

namespace iotsec::ibc {
namespace {

using eccsi_testing::FakeRng;

class EccsiCtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v_ = eccsi_testing::LoadVectors("eccsi_rfc6507.txt");
    ASSERT_EQ(v_.size(), 15u) << "src/ibc/testdata/eccsi_rfc6507.txt missing or malformed";
  }
  const Bytes& V(const std::string& name) { return v_.at(name); }
  // PoisonedSecret returns a copy of a vector marked undefined.
  crypto::SecretBytes PoisonedSecret(const std::string& name) {
    crypto::SecretBytes s{ByteSpan(V(name))};
    crypto::CtPoison(s.data(), s.size());
    return s;
  }
  static Bytes Public(ByteSpan b) {
    crypto::CtUnpoison(b.data(), b.size());
    return Bytes(b.begin(), b.end());
  }

  std::map<std::string, Bytes> v_;
};

TEST_F(EccsiCtTest, GenerateKsak) {
  FakeRng rng(V("ksak"), /*poison=*/true);
  Result<crypto::SecretBytes> ksak = EccsiGenerateKsak(rng);
  ASSERT_TRUE(ksak.has_value());
  EXPECT_EQ(Public(*ksak), V("ksak"));
}

TEST_F(EccsiCtTest, KpakFromKsak) {
  Result<EccsiPoint> kpak = EccsiKpakFromKsak(PoisonedSecret("ksak"));
  ASSERT_TRUE(kpak.has_value());
  EXPECT_EQ(Public(*kpak), V("kpak"));
}

TEST_F(EccsiCtTest, Issue) {
  FakeRng rng(V("v"), /*poison=*/true);
  Result<EccsiUserKey> key = EccsiIssue(PoisonedSecret("ksak"), V("kpak"), V("id"), rng);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(Public(key->pvt), V("pvt"));
  EXPECT_EQ(Public(key->ssk), V("ssk"));
}

TEST_F(EccsiCtTest, ValidateUserKey) {
  Status st = EccsiValidateUserKey(V("kpak"), V("id"), PoisonedSecret("ssk"), V("pvt"));
  EXPECT_TRUE(st.has_value());
}

TEST_F(EccsiCtTest, Sign) {
  Result<EccsiSigner> signer =
      EccsiSigner::Create(V("kpak"), V("id"), PoisonedSecret("ssk"), V("pvt"));
  ASSERT_TRUE(signer.has_value());
  FakeRng rng(V("j"), /*poison=*/true);
  Result<EccsiSignature> sig = signer->Sign(V("m"), rng);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(Public(*sig), V("signature"));
}

// The P-256 building blocks on a secret scalar, including the ones ECCSI does not use (the
// variable-base multiplication and the constant-time inversion); each result is compared with
// the variable-time computation on the same (public) scalar.
TEST(P256CtTest, SecretScalarMultiplications) {
  const p256::Scalar k = {
      {0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x0f1e2d3c4b5a6978ULL, 0x7badc0ffee15600dULL}};
  p256::Point want_p;
  p256::BaseTable().MulVartime(want_p, k);
  p256::Affine want;
  ASSERT_EQ(p256::ToAffine(want, want_p), 1u);
  std::array<uint8_t, p256::kPointBytes> want_enc;
  p256::EncodeAffine(want_enc, want);

  const auto check = [&](const p256::Point& p) {
    p256::Affine a;
    mp::Limb ok = p256::ToAffine(a, p);  // constant-time inversion of a secret Z
    std::array<uint8_t, p256::kPointBytes> enc;
    p256::EncodeAffine(enc, a);
    crypto::CtUnpoison(&ok, sizeof(ok));
    crypto::CtUnpoison(enc.data(), enc.size());
    EXPECT_EQ(ok, 1u);
    EXPECT_EQ(enc, want_enc);
  };
  p256::Scalar secret = k;
  crypto::CtPoison(&secret, sizeof(secret));
  p256::Point p;
  p256::BaseMul(p, secret);
  check(p);
  p256::ScalarMul(p, p256::FromAffine(p256::Generator()), secret);
  check(p);
  mp::Limb in_range = p256::ScalarInRangeBit(secret);
  crypto::CtUnpoison(&in_range, sizeof(in_range));
  EXPECT_EQ(in_range, 1u);
}

}  // namespace
}  // namespace iotsec::ibc
