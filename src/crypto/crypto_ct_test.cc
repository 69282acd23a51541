// Copyright iotsec authors.
// Constant-time known-answer tests (STYLE.md rule 15). Secrets are marked undefined with
// CtPoison; run under valgrind memcheck (ctest valgrind.crypto_ct_test) any branch or memory
// index that depends on them fails the test. Results are unpoisoned (declassified) before they
// are compared. Natively the tests are ordinary known-answer tests.
//
// Covered: HMAC-SHA-256 and HKDF (keys, IKM), AES-GCM sealing (key, plaintext), Ed25519 key
// derivation and signing (seed), X25519 public-key derivation (private key), the P-256 scalar
// range check, CtEqual.
//
// Not covered, because OpenSSL 3.0 itself reports there and the report is not about our code:
// - AES-GCM opening and X25519 agreement end in a branch on a value computed from the secret
//   (the tag comparison; the all-zero check) that is public by design. Their arithmetic is the
//   same code as sealing and as the covered X25519 scalar multiplication.
// - P-256 private-key import, ECDSA signing and P-256 ECDH: OpenSSL's BIGNUM conversions
//   (BN_bin2bn stripping leading zero octets, BN_num_bits, ...) branch on the scalar.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "iotsec/crypto/aead.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/ecdh.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/hmac.h"
#include "p256.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;

template <typename T>
void Poison(const T& secret) {
  CtPoison(std::data(secret), std::size(secret));
}

template <typename T>
void Declassify(const T& value) {
  CtUnpoison(std::data(value), std::size(value));
}

TEST(ConstantTimeTest, HmacSha256Rfc4231) {
  auto vectors = LoadVectors("hmac_sha256.txt");
  ASSERT_EQ(vectors.size(), 6u);
  for (const auto& v : vectors) {
    SCOPED_TRACE("RFC 4231 test case " + v.Text("Case"));
    Bytes key = v.Hex("Key");
    Poison(key);
    Sha256Digest mac = HmacSha256(key, v.Hex("Data"));
    Declassify(mac);
    EXPECT_EQ(HexEncode(mac), v.Text("Mac"));
  }
}

TEST(ConstantTimeTest, HkdfSha256Rfc5869) {
  for (const auto& v : LoadVectors("hkdf_sha256.txt")) {
    SCOPED_TRACE("RFC 5869 test case " + v.Text("Case"));
    Bytes ikm = v.Hex("Ikm");
    Poison(ikm);
    auto okm = HkdfSha256(ikm, v.Hex("Salt"), v.Hex("Info"), std::stoul(v.Text("L")));
    ASSERT_TRUE(okm.has_value());
    Declassify(okm->span());
    EXPECT_EQ(HexEncode(*okm), v.Text("Okm"));
  }
}

TEST(ConstantTimeTest, AesGcmSealMcGrewViega) {
  for (const auto& v : LoadVectors("aes_gcm.txt")) {
    SCOPED_TRACE("GCM test case " + v.Text("Case"));
    Bytes key = v.Hex("Key");
    Bytes pt = v.Hex("Pt");
    Poison(key);
    Poison(pt);
    auto sealed = AesGcmSeal(key, v.Hex("Iv"), v.Hex("Aad"), pt);
    ASSERT_TRUE(sealed.has_value());
    Declassify(*sealed);
    EXPECT_EQ(HexEncode(*sealed), v.Text("Ct") + v.Text("Tag"));
  }
}

TEST(ConstantTimeTest, Ed25519SignRfc8032) {
  for (const auto& v : LoadVectors("ed25519.txt")) {
    SCOPED_TRACE("RFC 8032 TEST " + v.Text("Case"));
    Bytes seed = v.Hex("Secret");
    Poison(seed);
    auto key = Ed25519PrivateKey::FromSeed(seed);
    ASSERT_TRUE(key.has_value());
    auto sig = key->Sign(v.Hex("Msg"));
    ASSERT_TRUE(sig.has_value());
    Declassify(*sig);
    auto pub = key->PublicKey().Bytes();
    Declassify(pub);
    EXPECT_EQ(HexEncode(pub), v.Text("Public"));
    EXPECT_EQ(HexEncode(*sig), v.Text("Sig"));
  }
}

TEST(ConstantTimeTest, X25519PublicKeyRfc7748) {
  int found = 0;
  for (const auto& v : LoadVectors("x25519.txt")) {
    if (!v.Has("AlicePriv")) {
      continue;
    }
    for (const char* who : {"Alice", "Bob"}) {
      ++found;
      Bytes k = v.Hex(std::string(who) + "Priv");
      Poison(k);
      auto key = X25519PrivateKey::FromBytes(k);
      ASSERT_TRUE(key.has_value());
      auto pub = key->PublicKey();
      Declassify(pub);
      EXPECT_EQ(HexEncode(pub), v.Text(std::string(who) + "Pub"));
    }
  }
  EXPECT_EQ(found, 2);
}

TEST(ConstantTimeTest, P256ScalarRangeCheck) {
  auto in_range = [](Bytes d) {
    Poison(d);
    uint32_t r = internal::P256ScalarInRange(d);
    CtUnpoison(&r, sizeof(r));
    return r;
  };
  Bytes n = *HexDecode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  Bytes n_minus_1 = n;
  n_minus_1[31] -= 1;
  Bytes one(32, 0);
  one[31] = 1;
  EXPECT_EQ(in_range(Bytes(32, 0)), 0u);
  EXPECT_EQ(in_range(one), 1u);
  EXPECT_EQ(in_range(n_minus_1), 1u);
  EXPECT_EQ(in_range(n), 0u);
  EXPECT_EQ(in_range(Bytes(32, 0xff)), 0u);
  EXPECT_EQ(in_range(Bytes(32, 0x42)), 1u);
  EXPECT_EQ(in_range(Bytes(31, 1)), 0u);  // wrong length
}

TEST(ConstantTimeTest, CtEqual) {
  Bytes a(32, 0x11);
  Bytes b = a;
  Poison(a);
  Poison(b);
  bool same = CtEqual(a, b);
  b[31] ^= 1;
  Poison(b);
  bool differ = CtEqual(a, b);
  CtUnpoison(&same, sizeof(same));
  CtUnpoison(&differ, sizeof(differ));
  EXPECT_TRUE(same);
  EXPECT_FALSE(differ);
}

}  // namespace
}  // namespace iotsec::crypto
