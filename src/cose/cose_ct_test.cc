// Copyright iotsec authors.
// Constant-time known-answer tests for the secret-key paths of COSE (STYLE.md rule 15): the
// keys (and the Encrypt0 plaintext) are marked undefined with CtPoison, so that under valgrind
// memcheck (ctest valgrind.cose_ct_test) any branch or memory index that depends on them fails
// the test. Outside valgrind the marks are no-ops and this is an ordinary known-answer test.
// Vectors: cose-wg/Examples hmac-examples/HMac-enc-01.json and aes-gcm-examples/
// aes-gcm-enc-01.json (see testdata/cose_wg_examples.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "iotsec/cose/encrypt0.h"
#include "iotsec/cose/mac0.h"
#include "iotsec/crypto/ct.h"

namespace iotsec::cose {
namespace {

constexpr char kPayloadHex[] = "546869732069732074686520636f6e74656e742e";

Bytes Hex(std::string_view h) { return HexDecode(h).value_or(Bytes{}); }

class FixedIv : public crypto::Rng {
 public:
  Status Fill(std::span<uint8_t> out) override {
    Bytes iv = Hex("02d1f7e6f26c43d4868d87ce");
    if (out.size() != iv.size()) {
      return Fail(ErrorCode::kInternal, "unexpected IV size");
    }
    std::copy(iv.begin(), iv.end(), out.begin());
    return Ok();
  }
};

TEST(CoseConstantTime, Mac0WithPoisonedKey) {
  crypto::SecretBytes k(Hex("849b57219dae48de646d07dbb533566e976686457c1491be3a76dcea6c427188"));
  crypto::CtPoison(k.data(), k.size());
  auto key = Mac0Key::Create(Algorithm::kHmac256_256, std::move(k));
  ASSERT_TRUE(key.has_value());
  auto msg = Mac0(*key, Hex(kPayloadHex), {});
  ASSERT_TRUE(msg.has_value());
  crypto::CtUnpoison(msg->data(), msg->size());
  EXPECT_EQ(HexEncode(*msg),
            "d18443a10105a054546869732069732074686520636f6e74656e742e5820a1a848d3471f9d61ee4901"
            "8d244c824772f223ad4f935293f1789fc3a08d8c58");
  auto ok = VerifyMac0(*msg, *key, {});
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  Bytes bad = *msg;
  bad.back() ^= 1;
  auto refused = VerifyMac0(bad, *key, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthenticated);
}

TEST(CoseConstantTime, Encrypt0SealWithPoisonedKeyAndPlaintext) {
  crypto::SecretBytes k(Hex("849b57219dae48de646d07dbb533566e"));
  crypto::CtPoison(k.data(), k.size());
  auto key = Encrypt0Key::Create(Algorithm::kA128Gcm, std::move(k));
  ASSERT_TRUE(key.has_value());
  Bytes plaintext = Hex(kPayloadHex);
  crypto::CtPoison(plaintext.data(), plaintext.size());
  FixedIv rng;
  auto msg = Encrypt0(*key, plaintext, {}, {}, Tagging::kTagged, rng);
  ASSERT_TRUE(msg.has_value());
  crypto::CtUnpoison(msg->data(), msg->size());
  EXPECT_EQ(HexEncode(*msg),
            "d08343a10101a1054c02d1f7e6f26c43d4868d87ce582460973a94bb2898009ee52ecfd9ab1dd258"
            "67374b162e2c03568b41f57c3cc16f9166250a");
  // DecryptEncrypt0 is not run on poisoned keys: OpenSSL's EVP_DecryptFinal_ex branches on the
  // (public) outcome of its tag comparison inside libcrypto, where it cannot be declassified,
  // so valgrind would report it. Sealing covers the same key schedule and GHASH.
}

}  // namespace
}  // namespace iotsec::cose
