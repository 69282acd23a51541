// Copyright iotsec authors.
// ECCSI (RFC 6507): the Appendix A known-answer test, value by value; refusals with their exact
// error codes; round trips with random keys.
#include "iotsec/ibc/eccsi.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eccsi_internal.h"
#include "eccsi_test_util.h"
#include "iotsec/crypto/random.h"
#include "p256.h"

namespace iotsec::ibc {
namespace {

using eccsi_testing::FakeRng;

constexpr std::array<uint8_t, 32> kQBytes = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

Bytes Concat(ByteSpan a, ByteSpan b) {
  Bytes out(a.begin(), a.end());
  Append(out, b);
  return out;
}

class EccsiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v_ = eccsi_testing::LoadVectors("eccsi_rfc6507.txt");
    ASSERT_EQ(v_.size(), 15u) << "src/ibc/testdata/eccsi_rfc6507.txt missing or malformed";
  }
  const Bytes& V(const std::string& name) { return v_.at(name); }
  crypto::SecretBytes Secret(const std::string& name) { return crypto::SecretBytes(V(name)); }

  // RfcSigner is the signer of Appendix A (SSK, PVT for ID under KPAK).
  EccsiSigner RfcSigner() {
    Result<EccsiSigner> s = EccsiSigner::Create(V("kpak"), V("id"), Secret("ssk"), V("pvt"));
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return std::move(*s);
  }

  std::map<std::string, Bytes> v_;
};

// ---------------------------------------------------------------------------------------------
// RFC 6507 Appendix A, every value.

TEST_F(EccsiTest, Rfc6507KsakAndKpak) {
  // The KSAK comes out of the generator as drawn (it is in range).
  FakeRng rng(V("ksak"));
  Result<crypto::SecretBytes> ksak = EccsiGenerateKsak(rng);
  ASSERT_TRUE(ksak.has_value());
  EXPECT_EQ(Bytes(ksak->span().begin(), ksak->span().end()), V("ksak"));
  EXPECT_EQ(rng.remaining(), 0u);
  // KPAK = [KSAK]G.
  Result<EccsiPoint> kpak = EccsiKpakFromKsak(*ksak);
  ASSERT_TRUE(kpak.has_value());
  EXPECT_EQ(Bytes(kpak->begin(), kpak->end()), V("kpak"));
}

TEST_F(EccsiTest, Rfc6507IssueGivesPvtHsAndSsk) {
  // ID and v are the appendix's; v is injected through the generator.
  FakeRng rng(V("v"));
  Result<EccsiUserKey> key = EccsiIssue(Secret("ksak"), V("kpak"), V("id"), rng);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(rng.remaining(), 0u);
  EXPECT_EQ(Bytes(key->pvt.begin(), key->pvt.end()), V("pvt"));
  EXPECT_EQ(Bytes(key->ssk.span().begin(), key->ssk.span().end()), V("ssk"));
  const crypto::Sha256Digest hs = internal::EccsiHashHs(V("kpak"), V("id"), key->pvt);
  EXPECT_EQ(Bytes(hs.begin(), hs.end()), V("hs"));
  // §5.1.2: the receiver accepts it.
  Status ok = EccsiValidateUserKey(V("kpak"), V("id"), key->ssk, key->pvt);
  EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
}

TEST_F(EccsiTest, Rfc6507JIsJTimesG) {
  p256::Point j;
  p256::BaseMul(j, p256::ScalarFromBytes(std::span<const uint8_t, 32>(V("j").data(), 32)));
  p256::Affine a;
  ASSERT_EQ(p256::ToAffine(a, j), 1u);
  std::array<uint8_t, 65> enc;
  p256::EncodeAffine(enc, a);
  EXPECT_EQ(Bytes(enc.begin() + 1, enc.begin() + 33), V("j_x"));
  EXPECT_EQ(Bytes(enc.begin() + 33, enc.end()), V("j_y"));
  // The same J from OpenSSL, an independent check of j_y.
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free);
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> p(EC_POINT_new(group.get()), EC_POINT_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> k(BN_bin2bn(V("j").data(), 32, nullptr), BN_free);
  ASSERT_EQ(EC_POINT_mul(group.get(), p.get(), k.get(), nullptr, nullptr, nullptr), 1);
  std::array<uint8_t, 65> want;
  ASSERT_EQ(EC_POINT_point2oct(group.get(), p.get(), POINT_CONVERSION_UNCOMPRESSED, want.data(),
                               want.size(), nullptr),
            want.size());
  EXPECT_EQ(enc, want);
  // r = Jx (RFC 6507 §5.2.1 step 2).
  EXPECT_EQ(V("r"), V("j_x"));
}

TEST_F(EccsiTest, Rfc6507SignGivesHeRSAndTheSignature) {
  EccsiSigner signer = RfcSigner();
  FakeRng rng(V("j"));
  Result<EccsiSignature> sig = signer.Sign(V("m"), rng);
  ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
  EXPECT_EQ(rng.remaining(), 0u);
  EXPECT_EQ(Bytes(sig->begin(), sig->begin() + 32), V("r"));
  EXPECT_EQ(Bytes(sig->begin() + 32, sig->begin() + 64), V("s"));
  EXPECT_EQ(Bytes(sig->begin() + 64, sig->end()), V("pvt"));
  EXPECT_EQ(Bytes(sig->begin(), sig->end()), V("signature"));
  crypto::Sha256Digest hs;
  std::copy(V("hs").begin(), V("hs").end(), hs.begin());
  const crypto::Sha256Digest he = internal::EccsiHashHe(hs, V("r"), V("m"));
  EXPECT_EQ(Bytes(he.begin(), he.end()), V("he"));
}

TEST_F(EccsiTest, Rfc6507SignatureVerifies) {
  Status st = EccsiVerify(V("kpak"), V("id"), V("m"), V("signature"));
  EXPECT_TRUE(st.has_value()) << st.error().ToString();
  Result<EccsiVerifier> verifier = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
  ASSERT_TRUE(verifier.has_value()) << verifier.error().ToString();
  st = verifier->Verify(V("m"), V("signature"));
  EXPECT_TRUE(st.has_value()) << st.error().ToString();
}

// ---------------------------------------------------------------------------------------------
// Refusals.

TEST_F(EccsiTest, WrongIdentityOrMessageIsRefused) {
  Bytes other_id = V("id");
  other_id[5] ^= 1;
  EXPECT_EQ(EccsiVerify(V("kpak"), other_id, V("m"), V("signature")).error().code(),
            ErrorCode::kUnauthenticated);
  Result<EccsiVerifier> wrong = EccsiVerifier::Create(V("kpak"), other_id, V("pvt"));
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->Verify(V("m"), V("signature")).error().code(), ErrorCode::kUnauthenticated);

  Bytes other_m = V("m");
  other_m.push_back(0);
  EXPECT_EQ(EccsiVerify(V("kpak"), V("id"), other_m, V("signature")).error().code(),
            ErrorCode::kUnauthenticated);
  Result<EccsiVerifier> verifier = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
  ASSERT_TRUE(verifier.has_value());
  EXPECT_EQ(verifier->Verify(other_m, V("signature")).error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(EccsiTest, EveryFlippedSignatureBitIsRefused) {
  Result<EccsiVerifier> verifier = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
  ASSERT_TRUE(verifier.has_value());
  for (size_t bit = 0; bit < 8 * kEccsiSignatureSize; ++bit) {
    Bytes sig = V("signature");
    sig[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    Status st = EccsiVerify(V("kpak"), V("id"), V("m"), sig);
    ASSERT_FALSE(st.has_value()) << "bit " << bit;
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated) << "bit " << bit;
    st = verifier->Verify(V("m"), sig);
    ASSERT_FALSE(st.has_value()) << "bit " << bit;
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated) << "bit " << bit;
  }
}

TEST_F(EccsiTest, ROrSOutOfRangeIsRefused) {
  Bytes zero(32, 0), all_ones(32, 0xFF), q(kQBytes.begin(), kQBytes.end());
  Bytes q_plus_1 = q;
  q_plus_1[31] += 1;
  for (const Bytes& bad : {zero, q, q_plus_1, all_ones}) {
    Bytes with_r = Concat(Concat(bad, V("s")), V("pvt"));
    Bytes with_s = Concat(Concat(V("r"), bad), V("pvt"));
    for (const Bytes& sig : {with_r, with_s}) {
      Status st = EccsiVerify(V("kpak"), V("id"), V("m"), sig);
      ASSERT_FALSE(st.has_value());
      EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated) << st.error().message();
      Result<EccsiVerifier> verifier = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
      ASSERT_TRUE(verifier.has_value());
      EXPECT_EQ(verifier->Verify(V("m"), sig).error().code(), ErrorCode::kUnauthenticated);
    }
  }
}

TEST_F(EccsiTest, WrongLengthsAreRefused) {
  EccsiSigner signer = RfcSigner();
  Result<EccsiVerifier> verifier = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
  ASSERT_TRUE(verifier.has_value());
  const Bytes& sig = V("signature");
  for (size_t len : {size_t{0}, size_t{64}, kEccsiSignatureSize - 1, kEccsiSignatureSize + 1}) {
    Bytes s(sig.begin(), sig.begin() + std::min(len, sig.size()));
    s.resize(len, 0);
    EXPECT_EQ(EccsiVerify(V("kpak"), V("id"), V("m"), s).error().code(),
              ErrorCode::kInvalidArgument)
        << len;
    EXPECT_EQ(verifier->Verify(V("m"), s).error().code(), ErrorCode::kInvalidArgument) << len;
  }
  Bytes short_kpak(V("kpak").begin(), V("kpak").end() - 1);
  EXPECT_EQ(EccsiVerify(short_kpak, V("id"), V("m"), sig).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(EccsiVerifier::Create(short_kpak, V("id"), V("pvt")).error().code(),
            ErrorCode::kInvalidArgument);
  Bytes short_pvt(V("pvt").begin(), V("pvt").end() - 1);
  EXPECT_EQ(EccsiVerifier::Create(V("kpak"), V("id"), short_pvt).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(EccsiValidateUserKey(V("kpak"), V("id"), Secret("ssk"), short_pvt).error().code(),
            ErrorCode::kInvalidArgument);
  for (size_t len : {size_t{0}, size_t{31}, size_t{33}}) {
    crypto::SecretBytes bad(len);
    EXPECT_EQ(EccsiKpakFromKsak(bad).error().code(), ErrorCode::kInvalidArgument);
    FakeRng rng(V("v"));
    EXPECT_EQ(EccsiIssue(bad, V("kpak"), V("id"), rng).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(EccsiValidateUserKey(V("kpak"), V("id"), bad, V("pvt")).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(EccsiSigner::Create(V("kpak"), V("id"), bad, V("pvt")).error().code(),
              ErrorCode::kInvalidArgument);
  }
}

TEST_F(EccsiTest, OffCurveOrInfinityPointsAreRefused) {
  Bytes off_pvt = V("pvt");
  off_pvt[64] ^= 1;  // y + 1: not on the curve
  Bytes off_kpak = V("kpak");
  off_kpak[40] ^= 0x10;
  Bytes infinity(kEccsiPointSize, 0);  // (0, 0): the "infinity" of some encodings
  Bytes infinity_04 = infinity;
  infinity_04[0] = 0x04;
  Bytes compressed = V("pvt");
  compressed[0] = 0x02;
  Bytes x_is_p(V("pvt"));
  const std::array<uint8_t, 32> p = {
      0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01, 0,    0,    0,    0,    0,    0,    0,   0, 0,
      0,    0,    0,    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  std::copy(p.begin(), p.end(), x_is_p.begin() + 1);

  for (const Bytes& bad : {off_pvt, infinity, infinity_04, compressed, x_is_p}) {
    // As a PVT inside a signature: the signature is invalid.
    Bytes sig = Concat(Concat(V("r"), V("s")), bad);
    EXPECT_EQ(EccsiVerify(V("kpak"), V("id"), V("m"), sig).error().code(),
              ErrorCode::kUnauthenticated);
    // As an input to validation or to a verifier: malformed.
    EXPECT_EQ(EccsiVerifier::Create(V("kpak"), V("id"), bad).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(EccsiValidateUserKey(V("kpak"), V("id"), Secret("ssk"), bad).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(EccsiSigner::Create(V("kpak"), V("id"), Secret("ssk"), bad).error().code(),
              ErrorCode::kInvalidArgument);
  }
  for (const Bytes& bad : {off_kpak, infinity, infinity_04, compressed, x_is_p}) {
    EXPECT_EQ(EccsiVerify(bad, V("id"), V("m"), V("signature")).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(EccsiVerifier::Create(bad, V("id"), V("pvt")).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(EccsiValidateUserKey(bad, V("id"), Secret("ssk"), V("pvt")).error().code(),
              ErrorCode::kInvalidArgument);
    FakeRng rng(V("v"));
    EXPECT_EQ(EccsiIssue(Secret("ksak"), bad, V("id"), rng).error().code(),
              ErrorCode::kInvalidArgument);
  }
}

TEST_F(EccsiTest, KsakZeroOrNotBelowQIsRefused) {
  Bytes q(kQBytes.begin(), kQBytes.end());
  Bytes q_minus_1 = q;
  q_minus_1[31] -= 1;
  for (const Bytes& bad : {Bytes(32, 0), q, Bytes(32, 0xFF)}) {
    crypto::SecretBytes ksak{ByteSpan(bad)};
    EXPECT_EQ(EccsiKpakFromKsak(ksak).error().code(), ErrorCode::kInvalidArgument);
    FakeRng rng(V("v"));
    EXPECT_EQ(EccsiIssue(ksak, V("kpak"), V("id"), rng).error().code(),
              ErrorCode::kInvalidArgument);
    // The same values as an SSK.
    EXPECT_EQ(EccsiValidateUserKey(V("kpak"), V("id"), ksak, V("pvt")).error().code(),
              ErrorCode::kInvalidArgument);
  }
  // q - 1 is the largest valid KSAK.
  EXPECT_TRUE(EccsiKpakFromKsak(crypto::SecretBytes{ByteSpan(q_minus_1)}).has_value());
}

TEST_F(EccsiTest, IssueRefusesAKpakOfAnotherKsak) {
  Bytes other = V("ksak");
  other[31] ^= 1;
  FakeRng rng(V("v"));
  EXPECT_EQ(
      EccsiIssue(crypto::SecretBytes{ByteSpan(other)}, V("kpak"), V("id"), rng).error().code(),
      ErrorCode::kInvalidArgument);
}

TEST_F(EccsiTest, AKeyIssuedForAnotherIdentityFailsValidation) {
  FakeRng rng(V("v"));
  Result<EccsiUserKey> key =
      EccsiIssue(Secret("ksak"), V("kpak"), AsBytes("2011-02|tel:+447700900999"), rng);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(EccsiValidateUserKey(V("kpak"), V("id"), key->ssk, key->pvt).error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(EccsiSigner::Create(V("kpak"), V("id"), key->ssk, key->pvt).error().code(),
            ErrorCode::kUnauthenticated);
  // A wrong SSK for the right PVT, and the right key under another KMS's KPAK.
  Bytes ssk = V("ssk");
  ssk[31] ^= 1;
  EXPECT_EQ(EccsiValidateUserKey(V("kpak"), V("id"), crypto::SecretBytes{ByteSpan(ssk)}, V("pvt"))
                .error()
                .code(),
            ErrorCode::kUnauthenticated);
  Result<EccsiPoint> other_kpak = EccsiKpakFromKsak(crypto::SecretBytes{ByteSpan(ssk)});
  ASSERT_TRUE(other_kpak.has_value());
  EXPECT_EQ(EccsiValidateUserKey(*other_kpak, V("id"), Secret("ssk"), V("pvt")).error().code(),
            ErrorCode::kUnauthenticated);
}

TEST_F(EccsiTest, VerifierRefusesASignatureWithAnotherPvt) {
  // A valid signature by another identity's key, presented to the RFC identity's verifier.
  FakeRng rng(Concat(V("v"), V("j")));
  Bytes id2 = Concat(V("id"), AsBytes("x"));
  Result<EccsiUserKey> key = EccsiIssue(Secret("ksak"), V("kpak"), id2, rng);
  ASSERT_TRUE(key.has_value());
  Result<EccsiSigner> signer = EccsiSigner::Create(V("kpak"), id2, key->ssk, key->pvt);
  ASSERT_TRUE(signer.has_value());
  Result<EccsiSignature> sig = signer->Sign(V("m"), rng);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(EccsiVerify(V("kpak"), id2, V("m"), *sig).has_value());
  Result<EccsiVerifier> verifier = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
  ASSERT_TRUE(verifier.has_value());
  EXPECT_EQ(verifier->Verify(V("m"), *sig).error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(EccsiTest, RandomnessIsRejectionSampledAndFailuresPropagate) {
  // 0 and q are out of range and skipped; the third draw is used.
  Bytes q(kQBytes.begin(), kQBytes.end());
  FakeRng rng(Concat(Concat(Bytes(32, 0), q), V("ksak")));
  Result<crypto::SecretBytes> ksak = EccsiGenerateKsak(rng);
  ASSERT_TRUE(ksak.has_value());
  EXPECT_EQ(Bytes(ksak->span().begin(), ksak->span().end()), V("ksak"));
  // The same for j: the RFC signature comes out after two rejected draws.
  EccsiSigner signer = RfcSigner();
  FakeRng rng2(Concat(Concat(Bytes(32, 0xFF), Bytes(32, 0)), V("j")));
  Result<EccsiSignature> sig = signer.Sign(V("m"), rng2);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(Bytes(sig->begin(), sig->end()), V("signature"));
  // A failing generator's error is returned as it is.
  FakeRng empty(Bytes{});
  EXPECT_EQ(EccsiGenerateKsak(empty).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(signer.Sign(V("m"), empty).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(EccsiIssue(Secret("ksak"), V("kpak"), V("id"), empty).error().code(),
            ErrorCode::kUnavailable);
  // A generator stuck on an out-of-range value is reported, not looped on forever.
  FakeRng stuck(Bytes(32 * 100, 0xFF));
  EXPECT_EQ(EccsiGenerateKsak(stuck).error().code(), ErrorCode::kUnavailable);
}

// ---------------------------------------------------------------------------------------------
// Round trips with random keys.

TEST_F(EccsiTest, RandomKeysRoundTrip) {
  crypto::Rng& rng = crypto::SystemRng();
  for (int k = 0; k < 4; ++k) {
    Result<crypto::SecretBytes> ksak = EccsiGenerateKsak(rng);
    ASSERT_TRUE(ksak.has_value());
    Result<EccsiPoint> kpak = EccsiKpakFromKsak(*ksak);
    ASSERT_TRUE(kpak.has_value());
    const std::string ids[] = {"2026-01|urn:dev:acme:" + std::to_string(k), "", "x"};
    for (const std::string& id : ids) {
      Result<EccsiUserKey> key = EccsiIssue(*ksak, *kpak, AsBytes(id), rng);
      ASSERT_TRUE(key.has_value());
      ASSERT_TRUE(EccsiValidateUserKey(*kpak, AsBytes(id), key->ssk, key->pvt).has_value());
      Result<EccsiSigner> signer = EccsiSigner::Create(*kpak, AsBytes(id), key->ssk, key->pvt);
      ASSERT_TRUE(signer.has_value());
      Result<EccsiVerifier> verifier = EccsiVerifier::Create(*kpak, AsBytes(id), key->pvt);
      ASSERT_TRUE(verifier.has_value());
      for (size_t len : {size_t{0}, size_t{1}, size_t{55}, size_t{64}, size_t{1000}}) {
        Bytes msg(len);
        ASSERT_TRUE(rng.Fill(msg).has_value());
        Result<EccsiSignature> sig = signer->Sign(msg, rng);
        ASSERT_TRUE(sig.has_value());
        Status st = EccsiVerify(*kpak, AsBytes(id), msg, *sig);
        EXPECT_TRUE(st.has_value()) << st.error().ToString();
        st = verifier->Verify(msg, *sig);
        EXPECT_TRUE(st.has_value()) << st.error().ToString();
        // The same signature under another identity, another message, another KMS.
        EXPECT_EQ(EccsiVerify(*kpak, AsBytes(id + "?"), msg, *sig).error().code(),
                  ErrorCode::kUnauthenticated);
        Bytes other = msg;
        other.push_back(1);
        EXPECT_EQ(verifier->Verify(other, *sig).error().code(), ErrorCode::kUnauthenticated);
        EXPECT_EQ(EccsiVerify(V("kpak"), AsBytes(id), msg, *sig).error().code(),
                  ErrorCode::kUnauthenticated);
      }
    }
  }
}

TEST_F(EccsiTest, SignerAndVerifierAreMovable) {
  EccsiSigner a = RfcSigner();
  EccsiSigner b = std::move(a);
  FakeRng rng(V("j"));
  Result<EccsiSignature> sig = b.Sign(V("m"), rng);
  ASSERT_TRUE(sig.has_value());
  Result<EccsiVerifier> v = EccsiVerifier::Create(V("kpak"), V("id"), V("pvt"));
  ASSERT_TRUE(v.has_value());
  EccsiVerifier w = std::move(*v);
  EXPECT_TRUE(w.Verify(V("m"), *sig).has_value());
}

}  // namespace
}  // namespace iotsec::ibc
