// Copyright iotsec authors.
// Constant-time check of SAKKE (STYLE.md rule 15): the RFC 6508 Appendix A known answers with
// every secret marked undefined for valgrind (crypto::CtPoison): the master secret z, the RSK,
// and the SSV that the fake random source returns; everything computed from them (r, b + z,
// its inverse, [r]Q, g^r, the pairing value, the line coefficients, ...) is then undefined
// too. Under `valgrind --error-exitcode=99` any branch or memory index that depends on them
// fails the test. Outputs are marked defined (crypto::CtUnpoison) only before comparing them.
// Natively the test is an ordinary known-answer test.
#include <gtest/gtest.h>

#include "iotsec/crypto/ct.h"
#include "iotsec/ibc/sakke.h"
#include "sakke_testutil.h"

namespace iotsec::ibc {
namespace {

using sakke_testing::LoadSakkeKat;
using sakke_testing::SakkeFakeRng;
using sakke_testing::SakkeKat;

crypto::SecretBytes Poisoned(const Bytes& b) {
  crypto::SecretBytes s{ByteSpan(b)};
  crypto::CtPoison(s.data(), s.size());
  return s;
}

std::string Revealed(ByteSpan b) {
  crypto::CtUnpoison(b.data(), b.size());
  return HexEncode(b);
}

TEST(SakkeCtTest, KmsOperationsWithPoisonedMasterSecret) {
  const SakkeKat kat = LoadSakkeKat();
  crypto::SecretBytes z = Poisoned(kat.z);
  auto z_pub = SakkeZFromMasterSecret(z);
  ASSERT_TRUE(z_pub.has_value());
  EXPECT_EQ(Revealed(*z_pub), HexEncode(kat.z_pub));
  auto rsk = SakkeIssueRsk(z, kat.id);
  ASSERT_TRUE(rsk.has_value());
  EXPECT_EQ(Revealed(rsk->span()), HexEncode(kat.rsk));
  // Master secret generation: poisoned candidates (the first one is rejected as 0).
  SakkeFakeRng rng({Bytes(128, 0), kat.z}, /*poison=*/true);
  auto gen = SakkeGenerateMasterSecret(rng);
  ASSERT_TRUE(gen.has_value());
  EXPECT_EQ(Revealed(gen->span()), HexEncode(kat.z));
}

TEST(SakkeCtTest, RskValidationWithPoisonedRsk) {
  const SakkeKat kat = LoadSakkeKat();
  EXPECT_TRUE(SakkeValidateRsk(kat.z_pub, kat.id, Poisoned(kat.rsk)).has_value());
}

TEST(SakkeCtTest, EncapsulationWithPoisonedSsv) {
  const SakkeKat kat = LoadSakkeKat();
  for (int i = 0; i < 3; ++i) {  // one-shot: direct, then with the kept precomputation
    SakkeFakeRng rng({kat.ssv}, /*poison=*/true);
    auto enc = SakkeEncapsulate(kat.z_pub, kat.id, rng);
    ASSERT_TRUE(enc.has_value());
    EXPECT_EQ(Revealed(enc->data), HexEncode(kat.encapsulated));
    EXPECT_EQ(Revealed(enc->ssv.span()), HexEncode(kat.ssv));
  }
  auto sender = SakkeSender::Create(kat.z_pub, kat.id);
  ASSERT_TRUE(sender.has_value());
  SakkeFakeRng rng({kat.ssv}, /*poison=*/true);
  auto enc = sender->Encapsulate(rng);
  ASSERT_TRUE(enc.has_value());
  EXPECT_EQ(Revealed(enc->data), HexEncode(kat.encapsulated));
  EXPECT_EQ(Revealed(enc->ssv.span()), HexEncode(kat.ssv));
}

TEST(SakkeCtTest, DecapsulationWithPoisonedRsk) {
  const SakkeKat kat = LoadSakkeKat();
  // Three one-shot calls: direct, then building and keeping the receiver's precomputation,
  // then using it.
  for (int i = 0; i < 3; ++i) {
    auto ssv = SakkeDecapsulate(kat.z_pub, kat.id, Poisoned(kat.rsk), kat.encapsulated);
    ASSERT_TRUE(ssv.has_value());
    EXPECT_EQ(Revealed(ssv->span()), HexEncode(kat.ssv));
  }

  auto receiver = SakkeReceiver::Create(kat.z_pub, kat.id, Poisoned(kat.rsk));
  ASSERT_TRUE(receiver.has_value());
  auto ssv2 = receiver->Decapsulate(kat.encapsulated);
  ASSERT_TRUE(ssv2.has_value());
  EXPECT_EQ(Revealed(ssv2->span()), HexEncode(kat.ssv));
  // A refused decapsulation reveals nothing but the refusal.
  Bytes bad = kat.encapsulated;
  bad[kSakkeEncapsulatedSize - 1] ^= 1;
  EXPECT_EQ(receiver->Decapsulate(bad).error().code(), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace iotsec::ibc
