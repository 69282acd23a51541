// Copyright iotsec authors.
#include "iotsec/crypto/aead.h"

#include <gtest/gtest.h>

#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/random.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;

TEST(AesGcmTest, McGrewViegaVectors) {
  auto vectors = LoadVectors("aes_gcm.txt");
  ASSERT_EQ(vectors.size(), 6u);
  for (const auto& v : vectors) {
    SCOPED_TRACE("GCM test case " + v.Text("Case"));
    Bytes key = v.Hex("Key");
    Bytes pt = v.Hex("Pt");
    Bytes expected = v.Hex("Ct");
    Append(expected, v.Hex("Tag"));

    auto sealed = AesGcmSeal(key, v.Hex("Iv"), v.Hex("Aad"), pt);
    ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
    EXPECT_EQ(HexEncode(*sealed), HexEncode(expected));

    auto opened = AesGcmOpen(key, v.Hex("Iv"), v.Hex("Aad"), expected);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    EXPECT_EQ(HexEncode(*opened), HexEncode(pt));
  }
}

TEST(AesGcmTest, RefusesAnyFlippedBitAndWrongAad) {
  for (const auto& v : LoadVectors("aes_gcm.txt")) {
    SCOPED_TRACE("GCM test case " + v.Text("Case"));
    Bytes key = v.Hex("Key");
    Bytes iv = v.Hex("Iv");
    Bytes aad = v.Hex("Aad");
    Bytes sealed = v.Hex("Ct");
    Append(sealed, v.Hex("Tag"));
    // A flipped bit in the tag, and in the first and last ciphertext octets.
    for (size_t pos : {sealed.size() - 1, sealed.size() - kAesGcmTagSize, size_t{0}}) {
      Bytes bad = sealed;
      bad[pos] ^= 0x01;
      auto r = AesGcmOpen(key, iv, aad, bad);
      ASSERT_FALSE(r.has_value()) << "position " << pos;
      EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
    }
    Bytes other_aad = aad;
    other_aad.push_back(0);
    auto r = AesGcmOpen(key, iv, other_aad, sealed);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
    Bytes other_iv = iv;
    other_iv[11] ^= 0x80;
    r = AesGcmOpen(key, other_iv, aad, sealed);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  }
}

TEST(AesGcmTest, RefusesWrongLengths) {
  const Bytes nonce(kAesGcmNonceSize, 0);
  for (size_t key_size : {0, 15, 17, 24, 31, 33}) {
    Bytes key(key_size, 1);
    auto s = AesGcmSeal(key, nonce, {}, AsBytes("x"));
    ASSERT_FALSE(s.has_value()) << key_size;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    auto o = AesGcmOpen(key, nonce, {}, Bytes(32, 0));
    ASSERT_FALSE(o.has_value()) << key_size;
    EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  }
  const Bytes key(16, 1);
  for (size_t nonce_size : {0, 8, 11, 13, 16}) {
    Bytes bad_nonce(nonce_size, 0);
    auto s = AesGcmSeal(key, bad_nonce, {}, AsBytes("x"));
    ASSERT_FALSE(s.has_value()) << nonce_size;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    auto o = AesGcmOpen(key, bad_nonce, {}, Bytes(32, 0));
    ASSERT_FALSE(o.has_value()) << nonce_size;
    EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  }
  for (size_t n : {0, 1, 15}) {
    auto o = AesGcmOpen(key, nonce, {}, Bytes(n, 0));
    ASSERT_FALSE(o.has_value()) << n;
    EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(AesGcmTest, EmptyPlaintextIsJustATag) {
  const Bytes key(32, 7);
  const Bytes nonce(kAesGcmNonceSize, 9);
  auto sealed = AesGcmSeal(key, nonce, AsBytes("header"), {});
  ASSERT_TRUE(sealed.has_value());
  ASSERT_EQ(sealed->size(), kAesGcmTagSize);
  auto opened = AesGcmOpen(key, nonce, AsBytes("header"), *sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->empty());
  auto wrong = AesGcmOpen(key, nonce, AsBytes("Header"), *sealed);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
}

TEST(AesGcmTest, LargeRoundTripWithRandomKey) {
  Bytes key(16);
  Bytes nonce(kAesGcmNonceSize);
  Bytes pt(1 << 20);
  ASSERT_TRUE(SystemRng().Fill(key).has_value());
  ASSERT_TRUE(SystemRng().Fill(nonce).has_value());
  ASSERT_TRUE(SystemRng().Fill(pt).has_value());
  auto sealed = AesGcmSeal(key, nonce, AsBytes("aad"), pt);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->size(), pt.size() + kAesGcmTagSize);
  auto opened = AesGcmOpen(key, nonce, AsBytes("aad"), *sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(CtEqual(*opened, pt));
}

}  // namespace
}  // namespace iotsec::crypto
