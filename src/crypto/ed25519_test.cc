// Copyright iotsec authors.
#include "iotsec/crypto/ed25519.h"

#include <gtest/gtest.h>

#include "iotsec/crypto/ct.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;
using testing::QueueRng;

// L, the order of the base point (RFC 8032 §5.1), little-endian.
constexpr char kOrderLeHex[] = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

void ExpectCode(const Status& s, ErrorCode code) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), code) << s.error().ToString();
}

TEST(Ed25519Test, Rfc8032Section7_1) {
  auto vectors = LoadVectors("ed25519.txt");
  ASSERT_EQ(vectors.size(), 3u);
  for (const auto& v : vectors) {
    SCOPED_TRACE("RFC 8032 TEST " + v.Text("Case"));
    Bytes seed = v.Hex("Secret");
    Bytes msg = v.Hex("Msg");
    auto key = Ed25519PrivateKey::FromSeed(seed);
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    auto sig = key->Sign(msg);
    ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
    auto pub_bytes = key->PublicKey().Bytes();
    EXPECT_EQ(HexEncode(pub_bytes), v.Text("Public"));
    EXPECT_EQ(HexEncode(*sig), v.Text("Sig"));

    auto pub = Ed25519PublicKey::FromBytes(v.Hex("Public"));
    ASSERT_TRUE(pub.has_value());
    EXPECT_EQ(HexEncode(pub->Raw()), v.Text("Public"));
    EXPECT_TRUE(pub->Verify(msg, v.Hex("Sig")).has_value());

    auto exported = key->Seed();
    ASSERT_TRUE(exported.has_value());
    EXPECT_TRUE(CtEqual(*exported, seed));
  }
}

TEST(Ed25519Test, FlippedBitsAndNonCanonicalSFailUnauthenticated) {
  for (const auto& v : LoadVectors("ed25519.txt")) {
    auto pub = Ed25519PublicKey::FromBytes(v.Hex("Public"));
    ASSERT_TRUE(pub.has_value());
    Bytes msg = v.Hex("Msg");
    Bytes sig = v.Hex("Sig");
    for (size_t bit : {0, 100, 255, 256, 400, 500}) {
      Bytes bad = sig;
      bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
      ExpectCode(pub->Verify(msg, bad), ErrorCode::kUnauthenticated);
    }
    Bytes other_msg = msg;
    other_msg.push_back(0);
    ExpectCode(pub->Verify(other_msg, sig), ErrorCode::kUnauthenticated);
    // S + L verifies the same equation but is not canonical: RFC 8032 §5.1.7 rejects it.
    Bytes order = *HexDecode(kOrderLeHex);
    Bytes malleated = sig;
    unsigned carry = 0;
    for (size_t i = 0; i < 32; ++i) {
      unsigned sum = malleated[32 + i] + order[i] + carry;
      malleated[32 + i] = static_cast<uint8_t>(sum);
      carry = sum >> 8;
    }
    ASSERT_EQ(carry, 0u);
    ExpectCode(pub->Verify(msg, malleated), ErrorCode::kUnauthenticated);
  }
}

TEST(Ed25519Test, WrongLengthsAreInvalidArgument) {
  for (size_t n : {0, 31, 33, 64}) {
    auto k = Ed25519PrivateKey::FromSeed(Bytes(n, 1));
    ASSERT_FALSE(k.has_value()) << n;
    EXPECT_EQ(k.error().code(), ErrorCode::kInvalidArgument);
    auto p = Ed25519PublicKey::FromBytes(Bytes(n, 1));
    ASSERT_FALSE(p.has_value()) << n;
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
  }
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.has_value());
  for (size_t n : {0, 63, 65}) {
    ExpectCode(key->PublicKey().Verify(AsBytes("m"), Bytes(n, 0)), ErrorCode::kInvalidArgument);
  }
}

TEST(Ed25519Test, GeneratedKeysRoundTrip) {
  auto a = Ed25519PrivateKey::Generate();
  auto b = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->PublicKey().Bytes(), b->PublicKey().Bytes());
  auto sig = a->Sign(AsBytes("checkpoint"));
  ASSERT_TRUE(sig.has_value());
  auto pub = Ed25519PublicKey::FromBytes(a->PublicKey().Bytes());
  ASSERT_TRUE(pub.has_value());
  EXPECT_TRUE(pub->Verify(AsBytes("checkpoint"), *sig).has_value());
  ExpectCode(b->PublicKey().Verify(AsBytes("checkpoint"), *sig), ErrorCode::kUnauthenticated);
  // Signing is deterministic (RFC 8032 §5.1.6).
  auto again = a->Sign(AsBytes("checkpoint"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *sig);
}

TEST(Ed25519Test, GenerateWithInjectedRngUsesItsSeed) {
  auto vectors = LoadVectors("ed25519.txt");
  ASSERT_FALSE(vectors.empty());
  QueueRng rng;
  rng.Push(vectors[0].Hex("Secret"));
  auto key = Ed25519PrivateKey::Generate(rng);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(HexEncode(key->PublicKey().Bytes()), vectors[0].Text("Public"));
  auto failed = Ed25519PrivateKey::Generate(rng);  // queue now empty
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace iotsec::crypto
