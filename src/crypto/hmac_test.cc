// Copyright iotsec authors.
#include "iotsec/crypto/hmac.h"

#include <gtest/gtest.h>

#include <string>

#include "iotsec/crypto/ct.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;

TEST(HmacSha256Test, Rfc4231) {
  auto vectors = LoadVectors("hmac_sha256.txt");
  ASSERT_EQ(vectors.size(), 6u);
  for (const auto& v : vectors) {
    SCOPED_TRACE("RFC 4231 test case " + v.Text("Case"));
    Bytes key = v.Hex("Key");
    Sha256Digest mac = HmacSha256(key, v.Hex("Data"));
    EXPECT_EQ(HexEncode(mac), v.Text("Mac"));
  }
}

TEST(HmacSha256Test, KeyOfExactlyOneBlockIsNotHashed) {
  Bytes key(kSha256BlockSize, 0x61);
  Bytes longer = key;
  longer.push_back(0);
  // A 65-octet key is hashed first; a 64-octet key is used as is, so they differ, while a key
  // padded with zeros up to the block size is the same key (RFC 2104 §2).
  EXPECT_NE(HmacSha256(key, AsBytes("x")), HmacSha256(longer, AsBytes("x")));
  Bytes short_key(10, 0x61);
  Bytes padded = short_key;
  padded.resize(kSha256BlockSize, 0);
  EXPECT_EQ(HmacSha256(short_key, AsBytes("x")), HmacSha256(padded, AsBytes("x")));
}

TEST(HkdfSha256Test, Rfc5869) {
  auto vectors = LoadVectors("hkdf_sha256.txt");
  ASSERT_EQ(vectors.size(), 3u);
  for (const auto& v : vectors) {
    SCOPED_TRACE("RFC 5869 test case " + v.Text("Case"));
    Bytes ikm = v.Hex("Ikm");
    const size_t length = std::stoul(v.Text("L"));
    SecretBytes prk = HkdfSha256Extract(v.Hex("Salt"), ikm);
    auto okm_two_steps = HkdfSha256Expand(prk, v.Hex("Info"), length);
    auto okm = HkdfSha256(ikm, v.Hex("Salt"), v.Hex("Info"), length);
    ASSERT_TRUE(okm.has_value()) << okm.error().ToString();
    ASSERT_TRUE(okm_two_steps.has_value()) << okm_two_steps.error().ToString();
    EXPECT_EQ(HexEncode(prk), v.Text("Prk"));
    EXPECT_EQ(HexEncode(*okm), v.Text("Okm"));
    EXPECT_EQ(HexEncode(*okm_two_steps), v.Text("Okm"));
  }
}

TEST(HkdfSha256Test, EmptySaltEqualsHashLenZeros) {
  Bytes zeros(kSha256Size, 0);
  SecretBytes a = HkdfSha256Extract({}, AsBytes("ikm"));
  SecretBytes b = HkdfSha256Extract(zeros, AsBytes("ikm"));
  EXPECT_TRUE(CtEqual(a, b));
}

TEST(HkdfSha256Test, LengthLimits) {
  auto max = HkdfSha256(AsBytes("ikm"), {}, {}, kHkdfSha256MaxLength);
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(max->size(), 8160u);
  // Output is a prefix of a longer output with the same inputs (RFC 5869 §2.3).
  auto short_okm = HkdfSha256(AsBytes("ikm"), {}, {}, 33);
  ASSERT_TRUE(short_okm.has_value());
  EXPECT_TRUE(CtEqual(*short_okm, max->span().first(33)));

  auto too_long = HkdfSha256(AsBytes("ikm"), {}, {}, kHkdfSha256MaxLength + 1);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code(), ErrorCode::kInvalidArgument);

  auto empty = HkdfSha256(AsBytes("ikm"), {}, {}, 0);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(HkdfSha256Test, ExpandRefusals) {
  Bytes short_prk(31, 1);
  auto r = HkdfSha256Expand(short_prk, {}, 32);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  Bytes prk(32, 1);
  auto too_long = HkdfSha256Expand(prk, {}, kHkdfSha256MaxLength + 1);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace iotsec::crypto
