// Copyright iotsec authors.
// The provisioning exchange end to end in one process (no transport): a device with a software
// attestation key, an MNO and an SP with real KMSs, and a directory standing for their ledger
// view; then every attack of doc/protocol/onboarding.md §4 that this exchange must stop.
#include "iotsec/onboard/provision.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "iotsec/crypto/random.h"

namespace iotsec::onboard {
namespace {

const ibc::KeyPeriod kNow{2026, 11};
const std::string kDevice = "urn:dev:acme:SN-0001";

// Directory is a ledger view held in a map (the services' lookups).
class Directory final : public DeviceDirectory {
 public:
  Result<DeviceFacts> Lookup(std::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = facts_.find(std::string(id));
    if (it == facts_.end()) {
      return Fail(ErrorCode::kNotFound, std::string(id) + " was never born");
    }
    return it->second;
  }
  void Put(const std::string& id, DeviceFacts f) {
    std::lock_guard<std::mutex> lock(mu_);
    facts_[id] = std::move(f);
  }

 private:
  std::mutex mu_;
  std::map<std::string, DeviceFacts> facts_;
};

std::shared_ptr<const kms::Kms> NewKms() {
  auto k = kms::Kms::Initialize(crypto::SystemRng());
  EXPECT_TRUE(k.has_value());
  return std::make_shared<const kms::Kms>(std::move(*k));
}

std::shared_ptr<const crypto::X25519PrivateKey> NewX25519() {
  auto k = crypto::X25519PrivateKey::Generate();
  EXPECT_TRUE(k.has_value());
  return std::make_shared<const crypto::X25519PrivateKey>(std::move(*k));
}

std::unique_ptr<device::AttestationKey> NewAk() {
  auto k = device::GenerateSoftwareAttestationKey();
  EXPECT_TRUE(k.has_value());
  return std::move(*k);
}

class ProvisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ak_ = NewAk();
    DeviceFacts f;
    f.attestation_key = ak_->PublicKey();
    f.mno = "mno1";
    f.sps = {"sp1"};
    directory_.Put(kDevice, f);
    mno_ = Service(ServiceRole::kMno, "mno1", mno_kms_, kNow);
    sp_ = Service(ServiceRole::kSp, "sp1", sp_kms_, kNow);
  }

  std::unique_ptr<ProvisioningService> Service(ServiceRole role, const std::string& org,
                                               std::shared_ptr<const kms::Kms> kms,
                                               ibc::KeyPeriod period) {
    ProvisioningServiceOptions o;
    o.role = role;
    o.org_id = org;
    o.period = period;
    o.kms = std::move(kms);
    o.onboarding_key = NewX25519();
    o.directory = &directory_;
    // Each organization keeps its own issuance log.
    logs_.push_back(std::make_unique<MemoryIssuanceLog>());
    o.issuance = logs_.back().get();
    auto s = ProvisioningService::Create(std::move(o));
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return std::move(*s);
  }

  PendingProvision Start(ProvisioningService& s, device::AttestationKey& ak,
                         const std::string& id = kDevice) {
    auto p = StartProvision(id, ak, s.info(), kNow, 42);
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return std::move(*p);
  }

  static void ExpectRefused(const Result<Bytes>& r, ErrorCode code, const std::string& needle) {
    ASSERT_FALSE(r.has_value()) << "accepted; expected " << ErrorCodeName(code);
    EXPECT_EQ(r.error().code(), code) << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  }

  Directory directory_;
  std::vector<std::unique_ptr<MemoryIssuanceLog>> logs_;
  std::shared_ptr<const kms::Kms> mno_kms_ = NewKms();
  std::shared_ptr<const kms::Kms> sp_kms_ = NewKms();
  std::unique_ptr<device::AttestationKey> ak_;
  std::unique_ptr<ProvisioningService> mno_;
  std::unique_ptr<ProvisioningService> sp_;
};

TEST_F(ProvisionTest, MnoIssuesAnX1365KeyPairAndANetworkCredential) {
  PendingProvision p = Start(*mno_, *ak_);
  auto answer = mno_->Handle(p.message);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto c = FinishProvision(p, *answer);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->period, kNow);
  EXPECT_EQ(c->psk.size(), kPskSize);
  EXPECT_TRUE(c->psk_identity.empty());
  // The device can now sign as "2026-11|urn:dev:acme:SN-0001", verifiable under the MNO's KPAK.
  const std::string id = "2026-11|" + kDevice;
  auto signer =
      ibc::EccsiSigner::Create(mno_kms_->public_params().kpak, AsBytes(id), c->ssk, c->pvt);
  ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
  auto sig = signer->Sign(AsBytes(std::string("first reading")), crypto::SystemRng());
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(ibc::EccsiVerify(mno_kms_->public_params().kpak, AsBytes(id),
                               AsBytes(std::string("first reading")), *sig));
  // Request and answer stay far within the budget of one exchange.
  EXPECT_LT(p.message.size() + answer->size(), 600u);
}

TEST_F(ProvisionTest, SpIssuesAServiceCredentialWithAPseudonym) {
  PendingProvision p = Start(*sp_, *ak_);
  auto answer = sp_->Handle(p.message);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto c = FinishProvision(p, *answer);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->psk.size(), kPskSize);
  EXPECT_EQ(c->psk_identity.size(), 16u);
  EXPECT_EQ(c->psk_identity.find("SN-0001"), std::string::npos);
  EXPECT_EQ(c->ssk.size(), 0u);
}

TEST_F(ProvisionTest, ReplayedRequestIsRefused) {
  PendingProvision p = Start(*mno_, *ak_);
  ASSERT_TRUE(mno_->Handle(p.message).has_value());
  ExpectRefused(mno_->Handle(p.message), ErrorCode::kAlreadyExists, "already provisioned");
}

TEST_F(ProvisionTest, SecondDeviceWithTheSameIdentityIsRefused) {
  ASSERT_TRUE(mno_->Handle(Start(*mno_, *ak_).message).has_value());
  // Even the genuine key cannot get a second set of credentials for the period.
  ExpectRefused(mno_->Handle(Start(*mno_, *ak_).message), ErrorCode::kAlreadyExists,
                "already provisioned");
}

TEST_F(ProvisionTest, CloneWithoutTheAttestationKeyIsRefusedAndConsumesNothing) {
  auto clone = NewAk();
  ExpectRefused(mno_->Handle(Start(*mno_, *clone).message), ErrorCode::kUnauthenticated,
                "birth record");
  // The genuine device still onboards afterwards.
  PendingProvision p = Start(*mno_, *ak_);
  auto answer = mno_->Handle(p.message);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(FinishProvision(p, *answer).has_value());
}

TEST_F(ProvisionTest, ServicesTheOwnerDidNotChooseRefuse) {
  auto other_mno = Service(ServiceRole::kMno, "mno2", NewKms(), kNow);
  ExpectRefused(other_mno->Handle(Start(*other_mno, *ak_).message), ErrorCode::kPermissionDenied,
                "not bound to mno2");
  auto other_sp = Service(ServiceRole::kSp, "sp2", NewKms(), kNow);
  ExpectRefused(other_sp->Handle(Start(*other_sp, *ak_).message), ErrorCode::kPermissionDenied,
                "not bound to sp2");
}

TEST_F(ProvisionTest, RevokedAndUnknownDevicesAreRefused) {
  DeviceFacts f = *directory_.Lookup(kDevice);
  f.revoked = true;
  directory_.Put(kDevice, f);
  ExpectRefused(mno_->Handle(Start(*mno_, *ak_).message), ErrorCode::kPermissionDenied, "revoked");
  ExpectRefused(mno_->Handle(Start(*mno_, *ak_, "urn:dev:acme:SN-9999").message),
                ErrorCode::kNotFound, "never born");
}

TEST_F(ProvisionTest, AnImpostorServiceCannotProvision) {
  // An impostor with its own KMS and onboarding key, claiming to be mno1: the device seals to
  // the key it was given, but checks the answer with mno1's KPAK from the ledger.
  auto impostor = Service(ServiceRole::kMno, "mno1", NewKms(), kNow);
  ServiceInfo fooled = impostor->info();
  fooled.kpak = mno_kms_->public_params().kpak;  // what the ledger says mno1's KPAK is
  auto p = StartProvision(kDevice, *ak_, fooled, kNow, 42);
  ASSERT_TRUE(p.has_value());
  auto answer = impostor->Handle(p->message);
  ASSERT_TRUE(answer.has_value());
  auto c = FinishProvision(*p, *answer);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), ErrorCode::kUnauthenticated) << c.error().ToString();
}

TEST_F(ProvisionTest, AServiceOfAnExpiredPeriodIsRefused) {
  auto old = Service(ServiceRole::kMno, "mno1", mno_kms_, {2026, 10});
  // The device speaks to "2026-11|urn:mno:mno1"; a service still on 2026-10 cannot match the
  // transcript, and the device would not accept its 2026-10 signature either.
  ExpectRefused(old->Handle(Start(*old, *ak_).message), ErrorCode::kUnauthenticated,
                "attestation signature");
}

TEST_F(ProvisionTest, ChangedMessagesAreRefused) {
  PendingProvision p = Start(*mno_, *ak_);
  Bytes changed = p.message;
  changed[changed.size() - 3] ^= 0x10;
  auto r = mno_->Handle(changed);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  // The untouched request still goes through (the refusal claimed nothing).
  auto answer = mno_->Handle(p.message);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  for (size_t i : {size_t{0}, answer->size() / 2, answer->size() - 1}) {
    Bytes a = *answer;
    a[i] ^= 0x01;
    auto c = FinishProvision(p, a);
    ASSERT_FALSE(c.has_value()) << i;
    EXPECT_TRUE(c.error().code() == ErrorCode::kUnauthenticated ||
                c.error().code() == ErrorCode::kInvalidArgument)
        << c.error().ToString();
  }
  EXPECT_TRUE(FinishProvision(p, *answer).has_value());
}

TEST_F(ProvisionTest, AnInterceptedAnswerIsUselessToAnyoneElse) {
  PendingProvision device = Start(*sp_, *ak_);
  auto answer = sp_->Handle(device.message);
  ASSERT_TRUE(answer.has_value());
  // Someone else with a request of their own (and so an answer key of their own) cannot open
  // the device's answer.
  auto thief_ak = NewAk();
  DeviceFacts f;
  f.attestation_key = thief_ak->PublicKey();
  f.sps = {"sp1"};
  directory_.Put("urn:dev:acme:SN-0666", f);
  PendingProvision thief = Start(*sp_, *thief_ak, "urn:dev:acme:SN-0666");
  auto stolen = FinishProvision(thief, *answer);
  ASSERT_FALSE(stolen.has_value());
  EXPECT_EQ(stolen.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(ProvisionTest, MalformedRequestsAreRefusedWithoutStateChange) {
  for (const Bytes& junk : {Bytes{}, Bytes(3, 0xff), Bytes(100, 0x00), Bytes(9000, 0xa5)}) {
    auto r = mno_->Handle(junk);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  }
  // A well-sealed request whose body is not a provisioning request.
  auto sealed = SealRequest(mno_->info().onboarding_key, "mno1", kProvisionExchange,
                            AsBytes(std::string("not cbor")));
  ASSERT_TRUE(sealed.has_value());
  auto r = mno_->Handle(sealed->message);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  PendingProvision p = Start(*mno_, *ak_);
  EXPECT_TRUE(mno_->Handle(p.message).has_value());
}

// Writes the seed corpus of fuzz/onboard_answer.cc when IOTSEC_WRITE_ONBOARD_ANSWER_CORPUS
// names a directory: the opened answer bodies (plaintext) of an MNO and an SP.
TEST_F(ProvisionTest, AnswerBodiesForTheFuzzer) {
  for (ProvisioningService* s : {mno_.get(), sp_.get()}) {
    PendingProvision p = Start(*s, *ak_);
    auto answer = s->Handle(p.message);
    ASSERT_TRUE(answer.has_value());
    auto body = OpenAnswer(*p.answer_key, *answer);
    ASSERT_TRUE(body.has_value());
    EXPECT_TRUE(FinishProvision(p, *answer).has_value());
    if (const char* dir = std::getenv("IOTSEC_WRITE_ONBOARD_ANSWER_CORPUS")) {
      const std::string name = s == mno_.get() ? "/answer_mno" : "/answer_sp";
      std::ofstream(std::string(dir) + name, std::ios::binary)
          .write(reinterpret_cast<const char*>(body->data()),
                 static_cast<std::streamsize>(body->size()));
    }
  }
}

}  // namespace
}  // namespace iotsec::onboard
