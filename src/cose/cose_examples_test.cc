// Copyright iotsec authors.
// Known-answer tests against published COSE examples (testdata/cose_wg_examples.txt): RFC 9052
// Appendix C.2.1 and the cose-wg/Examples repository. Published ES256 signatures verify with
// the published key; deterministic outputs (EdDSA, AES-GCM with the published IV, HMAC) are
// reproduced byte for byte; the published failure cases fail with the expected code.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "iotsec/cose/cose.h"
#include "iotsec/cose/encrypt0.h"
#include "iotsec/cose/keys.h"
#include "iotsec/cose/mac0.h"
#include "iotsec/cose/sign1.h"
#include "iotsec/crypto/random.h"

namespace iotsec::cose {
namespace {

using Record = std::map<std::string, std::string>;

std::vector<Record> LoadRecords() {
  std::ifstream f(std::string(IOTSEC_SOURCE_DIR) + "/src/cose/testdata/cose_wg_examples.txt");
  EXPECT_TRUE(f.is_open());
  std::vector<Record> out;
  Record cur;
  std::string line;
  auto flush = [&] {
    if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  };
  while (std::getline(f, line)) {
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') {
      continue;
    }
    size_t eq = line.find(" = ");
    EXPECT_NE(eq, std::string::npos) << line;
    if (eq != std::string::npos) {
      cur[line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  flush();
  return out;
}

std::string Get(const Record& r, const std::string& field) {
  auto it = r.find(field);
  return it == r.end() ? std::string() : it->second;
}

Bytes HexField(const Record& r, const std::string& field) {
  auto b = HexDecode(Get(r, field));
  EXPECT_TRUE(b.has_value()) << field;
  return b.value_or(Bytes{});
}

// FixedRng returns preset octets, to reproduce a published IV.
class FixedRng : public crypto::Rng {
 public:
  explicit FixedRng(Bytes b) : b_(std::move(b)) {}
  Status Fill(std::span<uint8_t> out) override {
    if (out.size() > b_.size() - used_) {
      return Fail(ErrorCode::kUnavailable, "FixedRng exhausted");
    }
    std::memcpy(out.data(), b_.data() + used_, out.size());
    used_ += out.size();
    return Ok();
  }

 private:
  Bytes b_;
  size_t used_ = 0;
};

Algorithm KeyAlg(const std::string& name) {
  if (name == "ES256") {
    return Algorithm::kEs256;
  }
  if (name == "EdDSA") {
    return Algorithm::kEdDsa;
  }
  if (name == "A128GCM") {
    return Algorithm::kA128Gcm;
  }
  if (name == "A256GCM") {
    return Algorithm::kA256Gcm;
  }
  if (name == "HMAC256/64") {
    return Algorithm::kHmac256_64;
  }
  EXPECT_EQ(name, "HMAC256/256");
  return Algorithm::kHmac256_256;
}

std::optional<ErrorCode> ExpectedCode(const Record& r) {
  std::string e = Get(r, "expect");
  if (e == "ok") {
    return std::nullopt;
  }
  if (e == "unauthenticated") {
    return ErrorCode::kUnauthenticated;
  }
  EXPECT_EQ(e, "invalid_argument");
  return ErrorCode::kInvalidArgument;
}

Headers ReproductionHeaders(const Record& r) {
  Headers h;
  if (!Get(r, "kid").empty()) {
    h.SetKid(HexField(r, "kid"));
  }
  if (!Get(r, "content_type").empty()) {
    h.SetContentType(std::stoull(Get(r, "content_type")));
  }
  return h;
}

Sign1Verifier VerifierFor(const Record& r) {
  if (KeyAlg(Get(r, "key_alg")) == Algorithm::kEs256) {
    Bytes point = {0x04};
    Append(point, HexField(r, "ec_x"));
    Append(point, HexField(r, "ec_y"));
    auto pub = crypto::EcdsaP256PublicKey::FromUncompressed(point);
    EXPECT_TRUE(pub.has_value()) << pub.error().ToString();
    return Sign1Verifier::Es256(*pub);
  }
  auto pub = crypto::Ed25519PublicKey::FromBytes(HexField(r, "ed_pub"));
  EXPECT_TRUE(pub.has_value());
  return Sign1Verifier::EdDsa(*pub);
}

void RunSign1(const Record& r) {
  const Bytes message = HexField(r, "message");
  const Bytes external = HexField(r, "external");
  Sign1Verifier verifier = VerifierFor(r);
  auto verified = VerifySign1(message, verifier, external);
  if (auto code = ExpectedCode(r)) {
    ASSERT_FALSE(verified.has_value());
    EXPECT_EQ(verified.error().code(), *code) << verified.error().ToString();
    return;
  }
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(HexEncode(verified->payload), HexEncode(HexField(r, "payload")));
  EXPECT_EQ(
      HexEncode(SigStructure1(verified->headers.protected_octets, external, verified->payload)),
      HexEncode(HexField(r, "structure")));
  EXPECT_EQ(HexEncode(*verified->headers.kid()), "3131");
  // The same message must fail with another external_aad.
  Bytes other = external;
  other.push_back(0);
  auto wrong = VerifySign1(message, verifier, other);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);

  // Sign with the published private key and verify with the published public key.
  std::optional<Sign1Signer> signer;
  if (!Get(r, "ec_d").empty()) {
    auto priv = crypto::EcdsaP256PrivateKey::FromScalar(HexField(r, "ec_d"));
    ASSERT_TRUE(priv.has_value());
    signer = Sign1Signer::Es256(*priv);
  } else if (!Get(r, "ed_seed").empty()) {
    auto priv = crypto::Ed25519PrivateKey::FromSeed(HexField(r, "ed_seed"));
    ASSERT_TRUE(priv.has_value());
    signer = Sign1Signer::EdDsa(*priv);
  }
  if (!signer) {
    return;
  }
  auto mine = Sign1(*signer, HexField(r, "payload"), external, ReproductionHeaders(r));
  ASSERT_TRUE(mine.has_value()) << mine.error().ToString();
  auto again = VerifySign1(*mine, verifier, external);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->payload, HexField(r, "payload"));
  if (Get(r, "reproduce") == "yes") {
    EXPECT_EQ(HexEncode(*mine), HexEncode(message));
  }
}

void RunEncrypt0(const Record& r) {
  const Bytes message = HexField(r, "message");
  const Bytes external = HexField(r, "external");
  auto key = Encrypt0Key::Create(KeyAlg(Get(r, "key_alg")), crypto::SecretBytes(HexField(r, "k")));
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  auto decrypted = DecryptEncrypt0(message, *key, external);
  if (auto code = ExpectedCode(r)) {
    ASSERT_FALSE(decrypted.has_value());
    EXPECT_EQ(decrypted.error().code(), *code) << decrypted.error().ToString();
    return;
  }
  ASSERT_TRUE(decrypted.has_value()) << decrypted.error().ToString();
  EXPECT_EQ(HexEncode(decrypted->plaintext.span()), HexEncode(HexField(r, "payload")));
  EXPECT_EQ(HexEncode(EncStructure0(decrypted->headers.protected_octets, external)),
            HexEncode(HexField(r, "structure")));
  Bytes other = external;
  other.push_back(0);
  auto wrong = DecryptEncrypt0(message, *key, other);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
  if (Get(r, "reproduce") == "yes") {
    FixedRng rng(HexField(r, "iv"));
    auto mine = Encrypt0(*key, HexField(r, "payload"), external, ReproductionHeaders(r),
                         Tagging::kTagged, rng);
    ASSERT_TRUE(mine.has_value()) << mine.error().ToString();
    EXPECT_EQ(HexEncode(*mine), HexEncode(message));
  }
}

void RunMac0(const Record& r) {
  const Bytes message = HexField(r, "message");
  const Bytes external = HexField(r, "external");
  auto key = Mac0Key::Create(KeyAlg(Get(r, "key_alg")), crypto::SecretBytes(HexField(r, "k")));
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  auto verified = VerifyMac0(message, *key, external);
  if (auto code = ExpectedCode(r)) {
    ASSERT_FALSE(verified.has_value());
    EXPECT_EQ(verified.error().code(), *code) << verified.error().ToString();
    return;
  }
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(HexEncode(verified->payload), HexEncode(HexField(r, "payload")));
  EXPECT_EQ(
      HexEncode(MacStructure0(verified->headers.protected_octets, external, verified->payload)),
      HexEncode(HexField(r, "structure")));
  Bytes other = external;
  other.push_back(0);
  auto wrong = VerifyMac0(message, *key, other);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
  if (Get(r, "reproduce") == "yes") {
    auto mine = Mac0(*key, HexField(r, "payload"), external, ReproductionHeaders(r));
    ASSERT_TRUE(mine.has_value()) << mine.error().ToString();
    EXPECT_EQ(HexEncode(*mine), HexEncode(message));
  }
}

TEST(CoseExamples, PublishedExamples) {
  std::vector<Record> records = LoadRecords();
  ASSERT_EQ(records.size(), 22u);
  int reproduced = 0;
  for (const Record& r : records) {
    SCOPED_TRACE(Get(r, "name") + " (" + Get(r, "source") + ")");
    ASSERT_FALSE(Get(r, "source").empty());
    const std::string type = Get(r, "type");
    if (type == "sign1") {
      RunSign1(r);
    } else if (type == "encrypt0") {
      RunEncrypt0(r);
    } else {
      ASSERT_EQ(type, "mac0");
      RunMac0(r);
    }
    reproduced += Get(r, "reproduce") == "yes" ? 1 : 0;
  }
  EXPECT_EQ(reproduced, 5);
}

TEST(CoseExamples, AlgMismatchWithTheKeyIsRefused) {
  // RFC 9052 C.2.1 (ES256) presented to an EdDSA verifier.
  auto records = LoadRecords();
  const Record& c21 = records[0];
  ASSERT_EQ(Get(c21, "name"), "rfc9052-c.2.1");
  auto ed = crypto::Ed25519PublicKey::FromBytes(
      *HexDecode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  ASSERT_TRUE(ed.has_value());
  auto v = VerifySign1(HexField(c21, "message"), Sign1Verifier::EdDsa(*ed), {});
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(v.error().message().find("ES256"), std::string::npos) << v.error().message();

  // HMAC 256/64 message checked with an HMAC 256/256 key, and the reverse.
  const Record* h64 = nullptr;
  for (const Record& r : records) {
    if (Get(r, "name") == "hmac-enc-05") {
      h64 = &r;
    }
  }
  ASSERT_NE(h64, nullptr);
  auto k256 = Mac0Key::Create(Algorithm::kHmac256_256, crypto::SecretBytes(HexField(*h64, "k")));
  ASSERT_TRUE(k256.has_value());
  auto m = VerifyMac0(HexField(*h64, "message"), *k256, {});
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), ErrorCode::kUnauthenticated);

  // A128GCM message with an A256GCM key.
  auto k = Encrypt0Key::Create(Algorithm::kA256Gcm, crypto::SecretBytes(Bytes(32, 1)));
  ASSERT_TRUE(k.has_value());
  auto d = DecryptEncrypt0(
      *HexDecode("D08343A10101A1054C02D1F7E6F26C43D4868D87CE582460973A94BB2898009EE52ECFD9AB1DD258"
                 "67374BE487C603CD8A7104140831FB78F9738E"),
      *k, {});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace iotsec::cose
