// Copyright iotsec authors.
// SAKKE (RFC 6508 with RFC 6509 parameter set 1): every value of RFC 6508 Appendix A (through
// the public API and the internal steps), round trips, and refusals with their exact codes.
#include "iotsec/ibc/sakke.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "iotsec/crypto/random.h"
#include "sakke_curve.h"
#include "sakke_hash.h"
#include "sakke_pairing.h"
#include "sakke_testutil.h"

namespace iotsec::ibc {
namespace {

using sakke_testing::LoadSakkeKat;
using sakke_testing::SakkeFakeRng;
using sakke_testing::SakkeKat;

crypto::SecretBytes Secret(const Bytes& b) { return crypto::SecretBytes(ByteSpan(b)); }
Bytes ToBytes(ByteSpan s) { return Bytes(s.begin(), s.end()); }
template <size_t N>
Bytes ToBytes(const std::array<uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

class SakkeTest : public ::testing::Test {
 protected:
  SakkeKat kat_ = LoadSakkeKat();
};

// ---------------------------------------------------------------------------------------------
// RFC 6508 Appendix A.

TEST_F(SakkeTest, AppendixAKmsValues) {
  // Z = [z]P.
  auto z_pub = SakkeZFromMasterSecret(Secret(kat_.z));
  ASSERT_TRUE(z_pub.has_value()) << z_pub.error().ToString();
  EXPECT_EQ(HexEncode(*z_pub), HexEncode(kat_.z_pub));
  // K_(b,S) = [(b + z)^-1]P.
  auto rsk = SakkeIssueRsk(Secret(kat_.z), kat_.id);
  ASSERT_TRUE(rsk.has_value()) << rsk.error().ToString();
  EXPECT_EQ(HexEncode(rsk->span()), HexEncode(kat_.rsk));
  // RFC 6508 §6.1.2: <[b]P + Z, K_(b,S)> = g.
  auto ok = SakkeValidateRsk(kat_.z_pub, kat_.id, Secret(kat_.rsk));
  EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
}

TEST_F(SakkeTest, AppendixAIntermediateValues) {
  using namespace sakke;
  // r = HashToIntegerRange(SSV || b, q, SHA-256).
  Num r;
  HashToQ(r, kat_.ssv, kat_.id);
  std::array<uint8_t, 128> rb;
  mp::ToBytes(rb, r);
  EXPECT_EQ(HexEncode(rb), HexEncode(kat_.r));
  // g^r.
  Fp gr;
  PowG(gr, r);
  std::array<uint8_t, 128> grb;
  FpToBytes(grb, gr);
  EXPECT_EQ(HexEncode(grb), HexEncode(kat_.gr));
  // HashToIntegerRange(g^r, 2^n, SHA-256) and H = SSV XOR it.
  std::array<uint8_t, 16> mask;
  HashToMask(mask, gr);
  EXPECT_EQ(HexEncode(mask), HexEncode(kat_.mask));
  Bytes h(16);
  for (size_t i = 0; i < 16; ++i) {
    h[i] = kat_.ssv[i] ^ mask[i];
  }
  EXPECT_EQ(HexEncode(h), HexEncode(kat_.h));
  // R_(b,S) = [r]([b]P + Z): with the tables of P and Z, and with a table of [b]P + Z.
  Affine z, k, rp;
  ASSERT_NE(DecodePoint(z, std::span<const uint8_t, kPointBytes>(kat_.z_pub.data(), 257)), 0u);
  ASSERT_NE(DecodePoint(k, std::span<const uint8_t, kPointBytes>(kat_.rsk.data(), 257)), 0u);
  ASSERT_NE(DecodePoint(rp, std::span<const uint8_t, kPointBytes>(kat_.r_point.data(), 257)), 0u);
  Num b;
  mp::FromBytes(b, kat_.id);
  QField().Reduce(b, b);
  Jac bp, zj, qb, rj;
  PTable().Mul(bp, b);
  ToJac(zj, z);
  JacAdd(qb, bp, zj);
  Affine qba;
  JacToAffine(qba, qb);
  auto qtable = FixedBaseTable::Build(qba);
  qtable->Mul(rj, r);
  EXPECT_NE(JacEqualsAffine(rj, rp), 0u);
  // <R_(b,S), K_(b,S)> = g^r, as <K, R> both directly and from K's precomputed lines, and
  // <[b]P + Z, K> = g.
  Fp2 f;
  Fp w;
  MillerDirect(f, k, rp);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, gr), 0u);
  auto lines = MillerLines::Precompute(k);
  lines->Evaluate(f, rp);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, gr), 0u);
  lines->Evaluate(f, qba);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, GValue()), 0u);
  // The RFC's own orientation, <R, K> with R doubled, gives the same value (symmetry).
  MillerDirect(f, rp, k);
  PairingValue(w, f);
  EXPECT_NE(FpEqual(w, gr), 0u);
}

TEST_F(SakkeTest, AppendixAEncapsulation) {
  SakkeFakeRng rng({kat_.ssv});
  auto enc = SakkeEncapsulate(kat_.z_pub, kat_.id, rng);
  ASSERT_TRUE(enc.has_value()) << enc.error().ToString();
  EXPECT_EQ(HexEncode(enc->data), HexEncode(kat_.encapsulated));
  EXPECT_EQ(HexEncode(enc->ssv.span()), HexEncode(kat_.ssv));

  auto sender = SakkeSender::Create(kat_.z_pub, kat_.id);
  ASSERT_TRUE(sender.has_value()) << sender.error().ToString();
  SakkeFakeRng rng2({kat_.ssv});
  auto enc2 = sender->Encapsulate(rng2);
  ASSERT_TRUE(enc2.has_value()) << enc2.error().ToString();
  EXPECT_EQ(HexEncode(enc2->data), HexEncode(kat_.encapsulated));
  EXPECT_EQ(HexEncode(enc2->ssv.span()), HexEncode(kat_.ssv));
}

TEST_F(SakkeTest, AppendixADecapsulation) {
  auto ssv = SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(kat_.rsk), kat_.encapsulated);
  ASSERT_TRUE(ssv.has_value()) << ssv.error().ToString();
  EXPECT_EQ(HexEncode(ssv->span()), HexEncode(kat_.ssv));

  auto receiver = SakkeReceiver::Create(kat_.z_pub, kat_.id, Secret(kat_.rsk));
  ASSERT_TRUE(receiver.has_value()) << receiver.error().ToString();
  auto ssv2 = receiver->Decapsulate(kat_.encapsulated);
  ASSERT_TRUE(ssv2.has_value()) << ssv2.error().ToString();
  EXPECT_EQ(HexEncode(ssv2->span()), HexEncode(kat_.ssv));
}

TEST_F(SakkeTest, RepeatedOneShotCallsGiveTheSameResults) {
  // The first one-shot call with a key computes directly, the second builds and keeps the
  // SakkeSender / SakkeReceiver precomputation, later ones use it: all must agree.
  for (int i = 0; i < 4; ++i) {
    SakkeFakeRng rng({kat_.ssv});
    auto enc = SakkeEncapsulate(kat_.z_pub, kat_.id, rng);
    ASSERT_TRUE(enc.has_value()) << i;
    EXPECT_EQ(HexEncode(enc->data), HexEncode(kat_.encapsulated)) << i;
    auto ssv = SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(kat_.rsk), kat_.encapsulated);
    ASSERT_TRUE(ssv.has_value()) << i;
    EXPECT_EQ(HexEncode(ssv->span()), HexEncode(kat_.ssv)) << i;
    Bytes bad = kat_.encapsulated;
    bad[kSakkeEncapsulatedSize - 1] ^= 0x40;
    EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(kat_.rsk), bad).error().code(),
              ErrorCode::kUnauthenticated)
        << i;
    // Another key for the same Z and identity is not confused with the kept one.
    Bytes other_rsk = kat_.rsk;
    {
      using namespace sakke;
      Affine k;
      ASSERT_NE(DecodePoint(k, std::span<const uint8_t, kPointBytes>(other_rsk.data(), 257)), 0u);
      FpNeg(k.y, k.y);  // -K: on the curve, of order q, but not the RSK of b
      EncodePoint(std::span<uint8_t, kPointBytes>(other_rsk.data(), 257), k);
    }
    EXPECT_EQ(
        SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(other_rsk), kat_.encapsulated).error().code(),
        ErrorCode::kUnauthenticated)
        << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Round trips with fresh keys.

TEST_F(SakkeTest, RoundTripWithFreshKeys) {
  auto z = SakkeGenerateMasterSecret(crypto::SystemRng());
  ASSERT_TRUE(z.has_value());
  ASSERT_EQ(z->size(), kSakkeScalarSize);
  auto z_pub = SakkeZFromMasterSecret(*z);
  ASSERT_TRUE(z_pub.has_value());
  const Bytes id = ToBytes(AsBytes("2026-11|urn:dev:acme-sensors:SN-000042"));
  auto rsk = SakkeIssueRsk(*z, id);
  ASSERT_TRUE(rsk.has_value());
  EXPECT_TRUE(SakkeValidateRsk(*z_pub, id, *rsk).has_value());

  auto sender = SakkeSender::Create(*z_pub, id);
  ASSERT_TRUE(sender.has_value());
  auto receiver = SakkeReceiver::Create(*z_pub, id, *rsk);
  ASSERT_TRUE(receiver.has_value());
  for (int i = 0; i < 3; ++i) {
    auto enc = (i == 0) ? SakkeEncapsulate(*z_pub, id, crypto::SystemRng())
                        : sender->Encapsulate(crypto::SystemRng());
    ASSERT_TRUE(enc.has_value());
    auto a = receiver->Decapsulate(enc->data);
    ASSERT_TRUE(a.has_value()) << a.error().ToString();
    EXPECT_EQ(HexEncode(a->span()), HexEncode(enc->ssv.span()));
    auto b = SakkeDecapsulate(*z_pub, id, *rsk, enc->data);
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    EXPECT_EQ(HexEncode(b->span()), HexEncode(enc->ssv.span()));
  }
  // Moved-from and moved-to objects keep working.
  SakkeReceiver moved = std::move(*receiver);
  auto enc = sender->Encapsulate(crypto::SystemRng());
  ASSERT_TRUE(enc.has_value());
  EXPECT_TRUE(moved.Decapsulate(enc->data).has_value());
}

TEST_F(SakkeTest, RandomSourceFailureIsPropagated) {
  SakkeFakeRng empty({});
  EXPECT_EQ(SakkeEncapsulate(kat_.z_pub, kat_.id, empty).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(SakkeGenerateMasterSecret(empty).error().code(), ErrorCode::kUnavailable);
}

TEST_F(SakkeTest, GenerateMasterSecretRejectsOutOfRangeCandidates) {
  // q > 2^1021: the generator keeps 1022 bits; 0, 1 and values >= q are rejected.
  Bytes zero(128, 0), one(128, 0), big(128, 0xff);
  one[127] = 1;
  SakkeFakeRng rng({zero, one, big, kat_.z});
  auto z = SakkeGenerateMasterSecret(rng);
  ASSERT_TRUE(z.has_value());
  EXPECT_EQ(HexEncode(z->span()), HexEncode(kat_.z));
}

// ---------------------------------------------------------------------------------------------
// Refusals.

TEST_F(SakkeTest, RefusesMasterSecretOutOfRange) {
  Bytes q = sakke_testing::LeftPad(
      *HexDecode("265EAEC7C2958FF699718466"
                 "36B4195E905B0338672D20986FA6B8D62CF8068BBD02AAC9F8BF03C6C8A1CC354C69672C39E46CE7F"
                 "DF222864D5B49FD2999A9B4389B1921CC9AD335144AB173595A07386DABFD2A0C614AA0A9F3CF1487"
                 "0F026AA7E535ABD5A5C7C7FF38FA08E2615F6C203177C42B1EB3A1D99B601EBFAA17FB"),
      128);
  Bytes q_minus_1 = q;
  q_minus_1[127] -= 1;
  Bytes zero(128, 0), one(128, 0), ones(128, 0xff);
  one[127] = 1;
  for (const Bytes& z : {zero, one, q, ones}) {
    EXPECT_EQ(SakkeZFromMasterSecret(Secret(z)).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeIssueRsk(Secret(z), kat_.id).error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(SakkeZFromMasterSecret(Secret(q_minus_1)).has_value());
  // Wrong lengths.
  for (size_t n : {0, 127, 129}) {
    EXPECT_EQ(SakkeZFromMasterSecret(Secret(Bytes(n, 1))).error().code(),
              ErrorCode::kInvalidArgument);
  }
}

TEST_F(SakkeTest, RefusesBadIdentities) {
  Bytes empty;
  Bytes zero_id(5, 0);
  Bytes long_id(129, 'a');
  for (const Bytes& id : {empty, zero_id, long_id}) {
    EXPECT_EQ(SakkeIssueRsk(Secret(kat_.z), id).error().code(), ErrorCode::kInvalidArgument);
    SakkeFakeRng rng({kat_.ssv});
    EXPECT_EQ(SakkeEncapsulate(kat_.z_pub, id, rng).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeSender::Create(kat_.z_pub, id).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeValidateRsk(kat_.z_pub, id, Secret(kat_.rsk)).error().code(),
              ErrorCode::kInvalidArgument);
  }
  // b = -z mod q: no RSK exists and [b]P + Z is the point at infinity.
  Bytes q = *HexDecode(
      "265EAEC7C2958FF69971846636B4195E905B0338672D20986FA6B8D62CF8068BBD02AAC9F8BF03C6C8A1CC354C69"
      "672C39E46CE7FDF222864D5B49FD2999A9B4389B1921CC9AD335144AB173595A07386DABFD2A0C614AA0A9F3CF14"
      "870F026AA7E535ABD5A5C7C7FF38FA08E2615F6C203177C42B1EB3A1D99B601EBFAA17FB");
  // q - z computed bytewise (z is 20 octets, right-aligned).
  Bytes bad = q;
  int borrow = 0;
  for (size_t i = 0; i < 128; ++i) {
    int d = bad[127 - i] - kat_.z[127 - i] - borrow;
    borrow = d < 0;
    bad[127 - i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  EXPECT_EQ(SakkeIssueRsk(Secret(kat_.z), bad).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SakkeSender::Create(kat_.z_pub, bad).error().code(), ErrorCode::kInvalidArgument);
  for (int i = 0; i < 3; ++i) {  // direct, then the (failing) precomputation, then direct again
    SakkeFakeRng rng({kat_.ssv});
    EXPECT_EQ(SakkeEncapsulate(kat_.z_pub, bad, rng).error().code(), ErrorCode::kInvalidArgument);
  }
}

// Points: wrong length, wrong prefix, coordinate >= p, off the curve, (0, 0) (the point of
// order 2, also the usual encoding of infinity), and a curve point not of order q.
std::vector<Bytes> BadPoints(const Bytes& good) {
  std::vector<Bytes> out;
  out.push_back(Bytes(good.begin(), good.end() - 1));
  Bytes longer = good;
  longer.push_back(0);
  out.push_back(longer);
  out.push_back(Bytes{0x00});
  Bytes prefix = good;
  prefix[0] = 0x02;
  out.push_back(prefix);
  Bytes off = good;
  off[200] ^= 1;
  out.push_back(off);
  Bytes big = good;
  std::fill(big.begin() + 1, big.begin() + 129, 0xff);
  out.push_back(big);
  Bytes zero(257, 0);
  zero[0] = 0x04;
  out.push_back(zero);
  return out;
}

TEST_F(SakkeTest, RefusesBadZ) {
  for (const Bytes& z : BadPoints(kat_.z_pub)) {
    SakkeFakeRng rng({kat_.ssv});
    EXPECT_EQ(SakkeEncapsulate(z, kat_.id, rng).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeSender::Create(z, kat_.id).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeReceiver::Create(z, kat_.id, Secret(kat_.rsk)).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeValidateRsk(z, kat_.id, Secret(kat_.rsk)).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeDecapsulate(z, kat_.id, Secret(kat_.rsk), kat_.encapsulated).error().code(),
              ErrorCode::kInvalidArgument);
  }
}

TEST_F(SakkeTest, RefusesZOfWrongOrder) {
  // A point of E(F_p) outside E[q]: Z + T for T of order 4 has order 4q. T is found from the
  // curve: the points with [2]T = (0, 0) have x^2 = -3 (x = sqrt(-3), y^2 = x^3 - 3x).
  using namespace sakke;
  Affine z;
  ASSERT_NE(DecodePoint(z, std::span<const uint8_t, kPointBytes>(kat_.z_pub.data(), 257)), 0u);
  // sqrt(a) = a^((p+1)/4) since p = 3 mod 4.
  auto fp_sqrt = [](Fp& r, const Fp& a) {
    Num e = kQ;  // (p + 1) / 4 = q
    mp::Field<kLimbs> f(kP);
    f.PowPublic(r, a, e);
  };
  Fp three, minus3, x, y2, y;
  FpAdd(three, FpOne(), FpOne());
  FpAdd(three, three, FpOne());
  FpNeg(minus3, three);
  fp_sqrt(x, minus3);
  Fp x2;
  FpSqr(x2, x);
  ASSERT_NE(FpEqual(x2, minus3), 0u) << "-3 must be a square mod p";
  FpSub(y2, x2, three);
  FpMul(y2, y2, x);
  fp_sqrt(y, y2);
  Fp yy;
  FpSqr(yy, y);
  if (!FpEqual(yy, y2)) {
    // Then -x gives the square: x^3 - 3x changes sign.
    FpNeg(x, x);
    FpNeg(y2, y2);
    fp_sqrt(y, y2);
  }
  Affine t{x, y};
  ASSERT_NE(IsOnCurve(t), 0u);
  Jac zj, tj, sum;
  ToJac(zj, z);
  ToJac(tj, t);
  JacAdd(sum, zj, tj);
  Affine bad;
  JacToAffine(bad, sum);
  Bytes enc(257);
  EncodePoint(std::span<uint8_t, kPointBytes>(enc.data(), 257), bad);
  SakkeFakeRng rng({kat_.ssv});
  EXPECT_EQ(SakkeEncapsulate(enc, kat_.id, rng).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SakkeSender::Create(enc, kat_.id).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SakkeReceiver::Create(enc, kat_.id, Secret(kat_.rsk)).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(SakkeTest, RefusesBadRsk) {
  for (const Bytes& rsk : BadPoints(kat_.rsk)) {
    EXPECT_EQ(SakkeValidateRsk(kat_.z_pub, kat_.id, Secret(rsk)).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeReceiver::Create(kat_.z_pub, kat_.id, Secret(rsk)).error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(rsk), kat_.encapsulated).error().code(),
              ErrorCode::kInvalidArgument);
  }
}

TEST_F(SakkeTest, RskForAnotherIdentityFailsValidation) {
  const Bytes other = ToBytes(AsBytes(std::string_view("2011-02\0tel:+447700900124", 26)));
  auto rsk_other = SakkeIssueRsk(Secret(kat_.z), other);
  ASSERT_TRUE(rsk_other.has_value());
  EXPECT_TRUE(SakkeValidateRsk(kat_.z_pub, other, *rsk_other).has_value());
  EXPECT_EQ(SakkeValidateRsk(kat_.z_pub, kat_.id, *rsk_other).error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(SakkeReceiver::Create(kat_.z_pub, kat_.id, *rsk_other).error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(SakkeValidateRsk(kat_.z_pub, other, Secret(kat_.rsk)).error().code(),
            ErrorCode::kUnauthenticated);
  // Under another KMS key.
  Bytes z2 = kat_.z;
  z2[127] ^= 1;
  auto z2_pub = SakkeZFromMasterSecret(Secret(z2));
  ASSERT_TRUE(z2_pub.has_value());
  EXPECT_EQ(SakkeValidateRsk(*z2_pub, kat_.id, Secret(kat_.rsk)).error().code(),
            ErrorCode::kUnauthenticated);
}

TEST_F(SakkeTest, RefusesWrongIdentityOnDecapsulation) {
  const Bytes other = ToBytes(AsBytes(std::string_view("2011-02\0tel:+447700900124", 26)));
  auto rsk_other = SakkeIssueRsk(Secret(kat_.z), other);
  ASSERT_TRUE(rsk_other.has_value());
  // The receiver of another identity, with its own valid key, cannot open b's data.
  EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, other, *rsk_other, kat_.encapsulated).error().code(),
            ErrorCode::kUnauthenticated);
  auto receiver = SakkeReceiver::Create(kat_.z_pub, other, *rsk_other);
  ASSERT_TRUE(receiver.has_value());
  EXPECT_EQ(receiver->Decapsulate(kat_.encapsulated).error().code(), ErrorCode::kUnauthenticated);
  // b's key with the wrong identity claimed.
  EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, other, Secret(kat_.rsk), kat_.encapsulated).error().code(),
            ErrorCode::kUnauthenticated);
}

TEST_F(SakkeTest, RefusesEveryFlippedBitOfTheEncapsulatedData) {
  auto receiver = SakkeReceiver::Create(kat_.z_pub, kat_.id, Secret(kat_.rsk));
  ASSERT_TRUE(receiver.has_value());
  Bytes data = kat_.encapsulated;
  for (size_t bit = 0; bit < 8 * data.size(); ++bit) {
    data[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    auto ssv = receiver->Decapsulate(data);
    ASSERT_FALSE(ssv.has_value()) << "bit " << bit;
    ASSERT_EQ(ssv.error().code(), ErrorCode::kUnauthenticated) << "bit " << bit;
    data[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
  }
  EXPECT_TRUE(receiver->Decapsulate(data).has_value());
}

TEST_F(SakkeTest, RefusesBadEncapsulatedData) {
  auto receiver = SakkeReceiver::Create(kat_.z_pub, kat_.id, Secret(kat_.rsk));
  ASSERT_TRUE(receiver.has_value());
  // Wrong lengths.
  for (size_t n : {0, 16, 257, 272, 274}) {
    Bytes data = kat_.encapsulated;
    data.resize(n);
    EXPECT_EQ(receiver->Decapsulate(data).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(kat_.rsk), data).error().code(),
              ErrorCode::kInvalidArgument);
  }
  // R not on the curve, R = (0, 0), R with a coordinate >= p, R = -R_(b,S), R = P.
  for (const Bytes& r : BadPoints(kat_.r_point)) {
    if (r.size() != 257) {
      continue;
    }
    Bytes data = r;
    Append(data, kat_.h);
    EXPECT_EQ(receiver->Decapsulate(data).error().code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(kat_.rsk), data).error().code(),
              ErrorCode::kUnauthenticated);
  }
  Bytes neg = kat_.encapsulated;
  {
    using namespace sakke;
    Affine r;
    ASSERT_NE(DecodePoint(r, std::span<const uint8_t, kPointBytes>(neg.data(), 257)), 0u);
    FpNeg(r.y, r.y);
    EncodePoint(std::span<uint8_t, kPointBytes>(neg.data(), 257), r);
  }
  EXPECT_EQ(receiver->Decapsulate(neg).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(SakkeDecapsulate(kat_.z_pub, kat_.id, Secret(kat_.rsk), neg).error().code(),
            ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace iotsec::ibc
