// Copyright iotsec authors.
#include "iotsec/kms/kms.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "iotsec/common/file.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"

namespace iotsec::kms {
namespace {

const ibc::KeyPeriod kNow{2026, 11};

class KmsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("iotsec-kms-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(KmsTest, CreateOpenIssueValidate) {
  auto kms = Kms::Initialize(crypto::SystemRng());
  ASSERT_TRUE(kms.has_value()) << kms.error().ToString();
  ASSERT_TRUE(kms->Create(dir_).has_value());

  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/kms.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "the KMS directory must not be readable by others";

  auto reopened = Kms::Open(dir_);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
  EXPECT_EQ(reopened->public_params().kpak, kms->public_params().kpak);
  EXPECT_EQ(reopened->public_params().z, kms->public_params().z);

  Bytes id = ToBytes(AsBytes("2026-11|urn:dev:acme:0001"));
  auto key = reopened->Issue(id, kNow, crypto::SystemRng());
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_TRUE(ValidateUserKey(kms->public_params(), *key).has_value());

  // The key signs and receives under the public parameters alone.
  auto signer = ibc::EccsiSigner::Create(kms->public_params().kpak, id, key->ssk, key->pvt);
  ASSERT_TRUE(signer.has_value());
  auto sig = signer->Sign(AsBytes("hello"), crypto::SystemRng());
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(ibc::EccsiVerify(kms->public_params().kpak, id, AsBytes("hello"), *sig).has_value());
  auto enc = ibc::SakkeEncapsulate(kms->public_params().z, id, crypto::SystemRng());
  ASSERT_TRUE(enc.has_value());
  auto ssv = ibc::SakkeDecapsulate(kms->public_params().z, id, key->rsk, enc->data);
  ASSERT_TRUE(ssv.has_value());
  EXPECT_TRUE(crypto::CtEqual(ssv->span(), enc->ssv.span()));

  // A key is bound to its identity: it does not validate for another one.
  UserKey other = std::move(*key);
  other.id = ToBytes(AsBytes("2026-11|urn:dev:acme:0002"));
  auto bad = ValidateUserKey(kms->public_params(), other);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(KmsTest, CreateRefusesExistingKms) {
  auto kms = Kms::Initialize(crypto::SystemRng());
  ASSERT_TRUE(kms.has_value());
  ASSERT_TRUE(kms->Create(dir_).has_value());
  auto again = kms->Create(dir_);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(KmsTest, OpenDetectsMismatchedPublicFile) {
  auto a = Kms::Initialize(crypto::SystemRng());
  auto b = Kms::Initialize(crypto::SystemRng());
  ASSERT_TRUE(a.has_value() && b.has_value());
  ASSERT_TRUE(a->Create(dir_).has_value());
  std::string pub = EncodePublicParams(b->public_params());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/kms.pub", AsBytes(pub)).has_value());
  auto opened = Kms::Open(dir_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), ErrorCode::kDataLoss);
  auto missing = Kms::Open(dir_ + "/nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(KmsTest, IssueRefusals) {
  auto kms = Kms::Initialize(crypto::SystemRng());
  ASSERT_TRUE(kms.has_value());
  auto& rng = crypto::SystemRng();
  struct Case {
    const char* id;
    ErrorCode code;
  } cases[] = {
      {"urn:dev:acme:1", ErrorCode::kInvalidArgument},             // no key period
      {"2026-10|urn:dev:acme:1", ErrorCode::kFailedPrecondition},  // expired
      {"2027-01|urn:dev:acme:1", ErrorCode::kFailedPrecondition},  // too far ahead
  };
  for (const Case& c : cases) {
    auto r = kms->Issue(AsBytes(c.id), kNow, rng);
    ASSERT_FALSE(r.has_value()) << c.id;
    EXPECT_EQ(r.error().code(), c.code) << c.id << ": " << r.error().ToString();
    auto e = kms->IssueEccsi(AsBytes(c.id), kNow, rng);
    ASSERT_FALSE(e.has_value()) << c.id;
    EXPECT_EQ(e.error().code(), c.code) << c.id << ": " << e.error().ToString();
  }
  // The ECCSI-only issuance validates under the KPAK, for that identity only.
  const char* id = "2026-11|urn:dev:acme:7";
  auto eccsi = kms->IssueEccsi(AsBytes(id), kNow, rng);
  ASSERT_TRUE(eccsi.has_value()) << eccsi.error().ToString();
  EXPECT_TRUE(ibc::EccsiValidateUserKey(kms->public_params().kpak, AsBytes(id), eccsi->ssk,
                                        eccsi->pvt));
  EXPECT_FALSE(ibc::EccsiValidateUserKey(kms->public_params().kpak,
                                         AsBytes("2026-11|urn:dev:acme:8"), eccsi->ssk,
                                         eccsi->pvt));
  EXPECT_TRUE(kms->Issue(AsBytes("2026-12|urn:dev:acme:1"), kNow, rng).has_value())
      << "the next period may be provisioned ahead";
  auto empty = kms->Issue(ByteSpan(), kNow, rng);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(KmsTest, RevocationPersistsAndRefusesIssue) {
  auto kms = Kms::Initialize(crypto::SystemRng());
  ASSERT_TRUE(kms.has_value());
  ASSERT_TRUE(kms->Create(dir_).has_value());
  auto opened = Kms::Open(dir_);
  ASSERT_TRUE(opened.has_value());
  Bytes id = ToBytes(AsBytes("2026-11|urn:dev:acme:0007"));
  ASSERT_TRUE(opened->Revoke(dir_, id).has_value());
  auto twice = opened->Revoke(dir_, id);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code(), ErrorCode::kAlreadyExists);

  auto again = Kms::Open(dir_);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->revocations().Contains(id));
  auto r = again->Issue(id, kNow, crypto::SystemRng());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
}

TEST(RevocationListTest, StrictFormat) {
  RevocationList l;
  EXPECT_TRUE(l.Add(AsBytes("b")));
  EXPECT_TRUE(l.Add(AsBytes("a")));
  EXPECT_FALSE(l.Add(AsBytes("a")));
  std::string text = l.Encode();
  EXPECT_EQ(text, "iotsec-kms-revocations-v1\n61\n62\n");
  auto back = RevocationList::Parse(AsBytes(text));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->Contains(AsBytes("a")));
  EXPECT_FALSE(back->Contains(AsBytes("c")));
  for (const char* bad : {"", "iotsec-kms-revocations-v1", "x\n", "iotsec-kms-revocations-v1\n62\n61\n",
                          "iotsec-kms-revocations-v1\n61\n61\n", "iotsec-kms-revocations-v1\n6A\n",
                          "iotsec-kms-revocations-v1\n\n"}) {
    auto r = RevocationList::Parse(AsBytes(bad));
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace iotsec::kms
