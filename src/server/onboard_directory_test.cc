// Copyright iotsec authors.
// A provisioning service deciding from a real ledger node (doc/protocol/onboarding.md §3.3):
// the device is born with an attestation key, sold, bound; the MNO it is bound to provisions
// it, a provider it is not bound to refuses, and after its revocation nobody provisions it.
#include "iotsec/server/onboard_directory.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "iotsec/common/file.h"
#include "iotsec/crypto/random.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::TempDir;
using testing::Writer;

const ibc::KeyPeriod kNow{2026, 11};
const std::string kDevice = "urn:dev:acme:SN1";

class LedgerDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = LedgerNode::Open(dir_.path());
    ASSERT_TRUE(node.has_value()) << node.error().ToString();
    node_ = std::move(*node);
    directory_ = std::make_unique<LedgerDirectory>(*node_);
    writer_ = std::make_unique<Writer>(dir_.path(), node_->origin());
    using ledger::Role;
    Submit(writer_->Admission("acme", ledger::RoleSet{Role::kManufacturer}));
    Submit(writer_->Admission("bob", ledger::RoleSet{Role::kOwner}));
    Submit(writer_->Admission("mno1", ledger::RoleSet{Role::kMno}));
    Submit(writer_->Admission("sp1", ledger::RoleSet{Role::kSp}));
    Submit(writer_->Admission("sp2", ledger::RoleSet{Role::kSp}));
    // The birth record carries AttestationKeyFor(3): the P-256 key with scalar 4, which the
    // device holds as a software key file.
    Submit(writer_->Birth("acme", "SN1", 3));
    Submit(writer_->Sign("acme", ledger::OwnershipTransfer{{kDevice}, "bob"}));
    Submit(writer_->Sign("bob", ledger::Binding{{kDevice}, std::string("mno1"), {"sp1"}}));
    Bytes scalar(32, 0);
    scalar[31] = 4;
    const std::string key_file = dir_.path() + "/device.key";
    ASSERT_TRUE(WriteFileAtomic(key_file, scalar, 0600));
    auto ak = device::LoadSoftwareAttestationKey(key_file);
    ASSERT_TRUE(ak.has_value()) << ak.error().ToString();
    ak_ = std::move(*ak);
    ASSERT_EQ(ak_->PublicKey(), ledger::testing::AttestationKeyFor(3));
  }

  void Submit(Bytes record) {
    auto r = node_->Submit(std::move(record));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }

  std::unique_ptr<onboard::ProvisioningService> Service(onboard::ServiceRole role,
                                                        const std::string& org) {
    auto kms = kms::Kms::Initialize(crypto::SystemRng());
    auto key = crypto::X25519PrivateKey::Generate();
    EXPECT_TRUE(kms.has_value() && key.has_value());
    onboard::ProvisioningServiceOptions o;
    o.role = role;
    o.org_id = org;
    o.period = kNow;
    o.kms = std::make_shared<const kms::Kms>(std::move(*kms));
    o.onboarding_key = std::make_shared<const crypto::X25519PrivateKey>(std::move(*key));
    o.directory = directory_.get();
    logs_.push_back(std::make_unique<onboard::MemoryIssuanceLog>());
    o.issuance = logs_.back().get();
    auto s = onboard::ProvisioningService::Create(std::move(o));
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return std::move(*s);
  }

  Result<Bytes> Ask(onboard::ProvisioningService& s) {
    auto p = onboard::StartProvision(kDevice, *ak_, s.info(), kNow, 8);
    EXPECT_TRUE(p.has_value());
    pending_ = std::move(*p);
    return s.Handle(pending_.message);
  }

  TempDir dir_;
  std::unique_ptr<LedgerNode> node_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<LedgerDirectory> directory_;
  std::vector<std::unique_ptr<onboard::MemoryIssuanceLog>> logs_;
  std::unique_ptr<device::AttestationKey> ak_;
  onboard::PendingProvision pending_;
};

TEST_F(LedgerDirectoryTest, FactsComeFromTheLedger) {
  auto f = directory_->Lookup(kDevice);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->attestation_key, ledger::testing::AttestationKeyFor(3));
  EXPECT_EQ(f->mno, "mno1");
  EXPECT_EQ(f->sps, std::vector<std::string>{"sp1"});
  EXPECT_FALSE(f->revoked);
  EXPECT_EQ(directory_->Lookup("urn:dev:acme:SN2").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(directory_->Lookup("not a device").error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LedgerDirectoryTest, TheBoundServicesProvisionTheOthersRefuse) {
  auto mno = Service(onboard::ServiceRole::kMno, "mno1");
  auto answer = Ask(*mno);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(onboard::FinishProvision(pending_, *answer).has_value());
  auto sp = Service(onboard::ServiceRole::kSp, "sp1");
  answer = Ask(*sp);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(onboard::FinishProvision(pending_, *answer).has_value());

  auto other = Service(onboard::ServiceRole::kSp, "sp2");
  auto refused = Ask(*other);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied) << refused.error().ToString();

  // The owner rebinds the device to sp2: now sp2 provisions it and sp1 would not.
  Submit(writer_->Sign("bob", ledger::Binding{{kDevice}, std::string("mno1"), {"sp2"}}));
  answer = Ask(*other);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto sp1_again = Service(onboard::ServiceRole::kSp, "sp1");
  EXPECT_EQ(Ask(*sp1_again).error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(LedgerDirectoryTest, ARevokedDeviceIsProvisionedByNobody) {
  Submit(writer_->Sign("bob", ledger::Revocation{ledger::RevocationTarget::kDevice, kDevice}));
  auto mno = Service(onboard::ServiceRole::kMno, "mno1");
  auto refused = Ask(*mno);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("revoked"), std::string::npos);
}

}  // namespace
}  // namespace iotsec::server
