// Copyright iotsec authors.
#include "iotsec/kms/files.h"

#include <gtest/gtest.h>

#include <string>

#include "iotsec/crypto/ct.h"

namespace iotsec::kms {
namespace {

std::string Text(const crypto::SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

UserKey SampleKey() {
  UserKey k;
  k.id = ToBytes(AsBytes("2026-11|urn:dev:acme:0001"));
  k.ssk = crypto::SecretBytes(32);
  k.ssk.mutable_span()[0] = 0xab;
  k.pvt.fill(0x11);
  k.pvt[0] = 0x04;
  k.rsk = crypto::SecretBytes(257);
  k.rsk.mutable_span()[0] = 0x04;
  k.rsk.mutable_span()[256] = 0xcd;
  return k;
}

TEST(FilesTest, PublicParamsRoundTrip) {
  PublicParams p;
  p.kpak.fill(0x22);
  p.kpak[0] = 0x04;
  p.z.fill(0x33);
  p.z[0] = 0x04;
  std::string text = EncodePublicParams(p);
  EXPECT_EQ(text.rfind("{\"format\": \"iotsec-kms-public-v1\", \"eccsi_kpak\": \"04", 0), 0u);
  EXPECT_EQ(text.back(), '\n');
  auto back = ParsePublicParams(AsBytes(text));
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->kpak, p.kpak);
  EXPECT_EQ(back->z, p.z);
}

TEST(FilesTest, KeyFileRoundTrip) {
  UserKey k = SampleKey();
  crypto::SecretBytes text = EncodeKeyFile(k);
  auto back = ParseKeyFile(text.span());
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->id, k.id);
  EXPECT_TRUE(crypto::CtEqual(back->ssk.span(), k.ssk.span()));
  EXPECT_EQ(back->pvt, k.pvt);
  EXPECT_TRUE(crypto::CtEqual(back->rsk.span(), k.rsk.span()));
}

TEST(FilesTest, MasterSecretsRoundTrip) {
  MasterSecrets s{crypto::SecretBytes(32), crypto::SecretBytes(128)};
  s.ksak.mutable_span()[31] = 7;
  s.z.mutable_span()[0] = 9;
  auto back = ParseMasterSecrets(EncodeMasterSecrets(s).span());
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(crypto::CtEqual(back->ksak.span(), s.ksak.span()));
  EXPECT_TRUE(crypto::CtEqual(back->z.span(), s.z.span()));
}

TEST(FilesTest, KeyFileRefusals) {
  std::string good = Text(EncodeKeyFile(SampleKey()));
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::string bad[] = {
      replace("iotsec-ibc-key-v1", "iotsec-ibc-key-v2"),          // wrong format
      replace("\"eccsi_ssk\": \"ab", "\"eccsi_ssk\": \"abab"),   // SSK one octet too long
      replace("\"eccsi_ssk\": \"ab", "\"eccsi_ssk\": \"zz"),     // not hex
      replace("\"eccsi_pvt\": \"04", "\"eccsi_pvt\": \"02"),     // compressed prefix
      replace("\"id\": \"", "\"extra\": \"\", \"id\": \""),      // unknown field
      replace("\"sakke_rsk\"", "\"sakke_rsk2\""),                // missing field
      replace("\"id\": \"32", "\"id\": \"3"),                    // odd hex
  };
  for (const std::string& b : bad) {
    auto r = ParseKeyFile(AsBytes(b));
    ASSERT_FALSE(r.has_value()) << b;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << b;
  }
}

TEST(FilesTest, SecretDigitsNeverInErrors) {
  MasterSecrets s{crypto::SecretBytes(32), crypto::SecretBytes(128)};
  for (auto& b : s.ksak.mutable_span()) {
    b = 0x5a;
  }
  std::string text = Text(EncodeMasterSecrets(s));
  text.replace(text.find("5a5a"), 2, "5g");  // one bad digit inside the secret
  auto r = ParseMasterSecrets(AsBytes(text));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message().find("5a"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace iotsec::kms
