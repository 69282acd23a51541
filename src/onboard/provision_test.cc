// Copyright iotsec authors.
// The provisioning exchange end to end in one process (no transport): a device with a software
// attestation key, an MNO and an SP with real KMSs whose KMS-parameters records are signed
// records in a log (a Merkle tree standing for the ledger), and a directory standing for the
// services' ledger view; then every attack of doc/protocol/onboarding.md §4 that this exchange
// must stop, and every way an answer's proof of the service's KMS record can be wrong.
#include "iotsec/onboard/provision.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/random.h"
#include "provision_test_util.h"

namespace iotsec::onboard {
namespace {

const ibc::KeyPeriod kNow{2026, 11};
const std::string kDevice = "urn:dev:acme:SN-0001";

using testing::FakeLedger;
using testing::KmsParamsOf;
using testing::LedgerProofSource;

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

// CountingLog is a MemoryIssuanceLog that counts the claims it granted and still holds.
class CountingLog final : public IssuanceLog {
 public:
  Status Claim(std::string_view device_id, const ibc::KeyPeriod& period) override {
    IOTSEC_RETURN_IF_ERROR(log_.Claim(device_id, period));
    ++held_;
    return Ok();
  }
  void Release(std::string_view device_id, const ibc::KeyPeriod& period) override {
    log_.Release(device_id, period);
    --held_;
  }
  int held() const { return held_; }

 private:
  MemoryIssuanceLog log_;
  std::atomic<int> held_{0};
};

// TamperedSource passes on the proofs of |inner| after |tamper| changed them: a service whose
// proof source lies (or an attacker who holds the service's keys but not the ledger).
class TamperedSource final : public KmsProofSource {
 public:
  TamperedSource(KmsProofSource* inner, std::function<void(KmsRecordProof&)> tamper)
      : inner_(inner), tamper_(std::move(tamper)) {}
  Result<KmsRecordProof> Prove(uint64_t tree_size) override {
    IOTSEC_TRY(p, inner_->Prove(tree_size));
    tamper_(p);
    return p;
  }

 private:
  KmsProofSource* inner_;
  std::function<void(KmsRecordProof&)> tamper_;
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

std::shared_ptr<const crypto::SecretBytes> NewCredentialKey() {
  auto k = std::make_shared<crypto::SecretBytes>(32);
  EXPECT_TRUE(crypto::SystemRng().Fill(k->mutable_span()).has_value());
  return k;
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
    Filler(37);  // the ledger's history before the services published their KMSs
    mno_ = Service(ServiceRole::kMno, "mno1", mno_kms_, kNow, mno_key_);
    mno_record_ = published_.back();
    sp_ = Service(ServiceRole::kSp, "sp1", sp_kms_, kNow);
    Filler(11);
  }

  void Filler(int n) {
    for (int i = 0; i < n; ++i) {
      ledger_.Append(AsBytes("another record " + std::to_string(ledger_.size())));
    }
  }

  // A published KMS-parameters record: its index and log entry.
  struct Published {
    uint64_t index = 0;
    Bytes entry;
  };

  // Publish appends |org|'s KMS-parameters record to the ledger.
  Published Publish(const std::string& org, const kms::Kms& kms, const X25519Public& key,
                    ibc::KeyPeriod period, std::string_view origin = testing::kTestOrigin) {
    auto entry = ledger_.SignEntry(org, KmsParamsOf(kms, key, period), origin);
    EXPECT_TRUE(entry.has_value()) << entry.error().ToString();
    Published p{ledger_.Append(*entry), *entry};
    published_.push_back(p);
    return p;
  }

  // SourceOf returns a proof source (owned by the test) of |p|.
  KmsProofSource* SourceOf(const Published& p) {
    sources_.push_back(std::make_unique<LedgerProofSource>(&ledger_, p.index, p.entry));
    return sources_.back().get();
  }

  // Tampered returns a proof source (owned by the test) that changes the proofs of |inner|.
  KmsProofSource* Tampered(KmsProofSource* inner, std::function<void(KmsRecordProof&)> tamper) {
    sources_.push_back(std::make_unique<TamperedSource>(inner, std::move(tamper)));
    return sources_.back().get();
  }

  // Service creates a service; without |source|, it first publishes its KMS record (with
  // |key|, a new onboarding key if null) and proves that.
  std::unique_ptr<ProvisioningService> Service(
      ServiceRole role, const std::string& org, std::shared_ptr<const kms::Kms> kms,
      ibc::KeyPeriod period, std::shared_ptr<const crypto::X25519PrivateKey> key = nullptr,
      KmsProofSource* source = nullptr) {
    ProvisioningServiceOptions o;
    o.role = role;
    o.org_id = org;
    o.period = period;
    o.kms = std::move(kms);
    o.onboarding_key = key ? std::move(key) : NewX25519();
    if (source == nullptr) {
      source = SourceOf(Publish(org, *o.kms, o.onboarding_key->PublicKey(), period));
    }
    o.kms_proof = source;
    o.credential_key = credential_key_;
    o.directory = &directory_;
    // Each organization keeps its own issuance log.
    logs_.push_back(std::make_unique<CountingLog>());
    o.issuance = logs_.back().get();
    auto s = ProvisioningService::Create(std::move(o));
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return std::move(*s);
  }

  // Mno1With is mno1 (its KMS and onboarding key) answering with the proofs of |source|.
  std::unique_ptr<ProvisioningService> Mno1With(KmsProofSource* source) {
    return Service(ServiceRole::kMno, "mno1", mno_kms_, kNow, mno_key_, source);
  }

  PendingProvision Start(ProvisioningService& s, device::AttestationKey& ak,
                         const std::string& id = kDevice) {
    auto p = StartProvision(id, ak, s.info(), kNow, ledger_.Anchor());
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return std::move(*p);
  }

  // Exchange runs one exchange with |s| and returns what the device concludes.
  Result<Credentials> Exchange(ProvisioningService& s) {
    PendingProvision p = Start(s, *ak_);
    auto answer = s.Handle(p.message);
    if (!answer) {
      ADD_FAILURE() << "the service refused: " << answer.error().ToString();
      return Unexpected(answer.error());
    }
    return FinishProvision(p, *answer);
  }

  template <typename T>
  static void ExpectRefused(const Result<T>& r, ErrorCode code, const std::string& needle) {
    ASSERT_FALSE(r.has_value()) << "accepted; expected " << ErrorCodeName(code);
    EXPECT_EQ(r.error().code(), code) << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  }

  FakeLedger ledger_;
  Directory directory_;
  std::vector<std::unique_ptr<CountingLog>> logs_;
  std::vector<std::unique_ptr<KmsProofSource>> sources_;
  std::vector<Published> published_;
  std::shared_ptr<const kms::Kms> mno_kms_ = NewKms();
  std::shared_ptr<const kms::Kms> sp_kms_ = NewKms();
  std::shared_ptr<const crypto::X25519PrivateKey> mno_key_ = NewX25519();
  std::shared_ptr<const crypto::SecretBytes> credential_key_ = NewCredentialKey();
  std::unique_ptr<device::AttestationKey> ak_;
  std::unique_ptr<ProvisioningService> mno_;
  Published mno_record_;
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
  // Request and answer (with the record's proof in a tree of 50) stay within the budget.
  EXPECT_LT(p.message.size() + answer->size(), 1100u);
}

TEST_F(ProvisionTest, SpIssuesAServiceCredentialWithAPseudonym) {
  PendingProvision p = Start(*sp_, *ak_);
  auto answer = sp_->Handle(p.message);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto c = FinishProvision(p, *answer);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->psk.size(), kPskSize);
  EXPECT_EQ(c->psk_identity.size(), 2 * kPseudonymSize);
  EXPECT_EQ(c->psk_identity.find("SN-0001"), std::string::npos);
  EXPECT_EQ(c->ssk.size(), 0u);
}

TEST_F(ProvisionTest, TheDataEndpointDerivesTheIssuedPskFromThePseudonym) {
  std::vector<std::pair<std::string, std::string>> issued;  // device, pseudonym
  ProvisioningServiceOptions o;
  o.role = ServiceRole::kSp;
  o.org_id = "sp1";
  o.period = kNow;
  o.kms = sp_kms_;
  o.onboarding_key = NewX25519();
  o.kms_proof = SourceOf(Publish("sp1", *sp_kms_, o.onboarding_key->PublicKey(), kNow));
  o.credential_key = credential_key_;
  o.directory = &directory_;
  MemoryIssuanceLog log;
  o.issuance = &log;
  o.on_issued = [&](std::string_view device, const Credentials& c) {
    issued.emplace_back(std::string(device), c.psk_identity);
  };
  auto sp = ProvisioningService::Create(o);
  ASSERT_TRUE(sp.has_value()) << sp.error().ToString();
  PendingProvision p = Start(**sp, *ak_);
  auto answer = (*sp)->Handle(p.message);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto c = FinishProvision(p, *answer);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  ASSERT_EQ(issued.size(), 1u);
  EXPECT_EQ(issued[0].first, kDevice);
  EXPECT_EQ(issued[0].second, c->psk_identity);
  // The data endpoint, holding the credential key only, finds the same PSK.
  auto psk = ServicePskFor(*credential_key_, c->psk_identity);
  ASSERT_TRUE(psk.has_value()) << psk.error().ToString();
  EXPECT_TRUE(crypto::CtEqual(*psk, c->psk));
  // Another key, or another pseudonym, gives another PSK.
  auto other = ServicePskFor(*NewCredentialKey(), c->psk_identity);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(crypto::CtEqual(*other, c->psk));
  std::string near = c->psk_identity;
  near[0] = near[0] == '0' ? '1' : '0';
  auto near_psk = ServicePskFor(*credential_key_, near);
  ASSERT_TRUE(near_psk.has_value());
  EXPECT_FALSE(crypto::CtEqual(*near_psk, c->psk));
  // A refusal issues nothing and reports nothing.
  ExpectRefused((*sp)->Handle(p.message), ErrorCode::kAlreadyExists, "already provisioned");
  EXPECT_EQ(issued.size(), 1u);

  // Malformed identities and keys are refused.
  std::string upper = c->psk_identity;
  for (char& ch : upper) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  if (upper == c->psk_identity) {
    upper[0] = 'A';  // all digits: make one uppercase hex letter
  }
  for (const std::string& bad :
       {std::string(), c->psk_identity.substr(1), c->psk_identity + "0", upper,
        "g" + c->psk_identity.substr(1), " " + c->psk_identity.substr(1),
        c->psk_identity.substr(0, 31) + std::string(1, '\0')}) {
    ExpectRefused(ServicePskFor(*credential_key_, bad), ErrorCode::kInvalidArgument,
                  "PSK identity");
  }
  ExpectRefused(ServicePskFor(crypto::SecretBytes(16), c->psk_identity),
                ErrorCode::kInvalidArgument, "32 octets");
}

TEST_F(ProvisionTest, CreateNeedsAProofSourceAndAnSpCredentialKey) {
  ProvisioningServiceOptions o;
  o.role = ServiceRole::kSp;
  o.org_id = "sp1";
  o.period = kNow;
  o.kms = sp_kms_;
  o.onboarding_key = NewX25519();
  o.directory = &directory_;
  MemoryIssuanceLog log;
  o.issuance = &log;
  o.credential_key = credential_key_;
  ExpectRefused(ProvisioningService::Create(o), ErrorCode::kInvalidArgument, "proof source");
  o.kms_proof = SourceOf(mno_record_);
  o.credential_key = nullptr;
  ExpectRefused(ProvisioningService::Create(o), ErrorCode::kInvalidArgument, "credential key");
  o.credential_key = std::make_shared<const crypto::SecretBytes>(16);
  ExpectRefused(ProvisioningService::Create(o), ErrorCode::kInvalidArgument, "credential key");
  o.role = ServiceRole::kMno;  // an MNO's network credentials are random: no key needed
  EXPECT_TRUE(ProvisioningService::Create(o).has_value());
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
  // An impostor that stole mno1's onboarding key but not its KMS: it proves mno1's genuine
  // record, whose KPAK its ECCSI signature does not verify under.
  auto thief = Service(ServiceRole::kMno, "mno1", NewKms(), kNow, mno_key_, SourceOf(mno_record_));
  ExpectRefused(Exchange(*thief), ErrorCode::kUnauthenticated, "ECCSI signature");
  // An impostor with a key of its own, to which a lying discovery sent the device: the record
  // it can prove (mno1's) names another onboarding key...
  auto impostor =
      Service(ServiceRole::kMno, "mno1", NewKms(), kNow, NewX25519(), SourceOf(mno_record_));
  ExpectRefused(Exchange(*impostor), ErrorCode::kDataLoss, "another onboarding key");
  // ...and the record of its own organization, on the ledger with its key, is not mno1's.
  auto own_kms = NewKms();
  auto own_key = NewX25519();
  auto evil = Service(ServiceRole::kMno, "mno1", own_kms, kNow, own_key,
                      SourceOf(Publish("evil", *own_kms, own_key->PublicKey(), kNow)));
  ExpectRefused(Exchange(*evil), ErrorCode::kDataLoss, "signed by evil, not mno1");
}

TEST_F(ProvisionTest, AnswersWhoseKmsRecordProofDoesNotVerifyAreRefused) {
  KmsProofSource* genuine = SourceOf(mno_record_);
  // The genuine source works: mno1 with it provisions.
  EXPECT_TRUE(Exchange(*Mno1With(genuine)).has_value());
  // The right record and path, claimed at a neighbouring index.
  auto wrong_index = Mno1With(Tampered(genuine, [](KmsRecordProof& p) { p.index ^= 1; }));
  ExpectRefused(Exchange(*wrong_index), ErrorCode::kDataLoss, "is not proven at index");
  // An index beyond the tree: the service does not even send it.
  auto beyond = Mno1With(Tampered(genuine, [&](KmsRecordProof& p) { p.index = ledger_.size(); }));
  PendingProvision p = Start(*beyond, *ak_);
  ExpectRefused(beyond->Handle(p.message), ErrorCode::kInternal, "malformed proof");
  // One flipped bit in any hash of the path, or a hash missing or added.
  auto path = genuine->Prove(ledger_.size());
  ASSERT_TRUE(path.has_value());
  ASSERT_GE(path->proof.size(), 5u);  // the record is leaf 37 of a tree of 50
  for (size_t i = 0; i < path->proof.size(); ++i) {
    auto flipped = Mno1With(Tampered(genuine, [i](KmsRecordProof& p) {
      if (i < p.proof.size()) {
        p.proof[i][i * 5] ^= 0x04;
      }
    }));
    ExpectRefused(Exchange(*flipped), ErrorCode::kDataLoss, "is not proven");
  }
  auto shorter = Mno1With(Tampered(genuine, [](KmsRecordProof& p) { p.proof.pop_back(); }));
  ExpectRefused(Exchange(*shorter), ErrorCode::kDataLoss, "is not proven");
  auto longer = Mno1With(Tampered(genuine, [](KmsRecordProof& p) { p.proof.push_back({}); }));
  ExpectRefused(Exchange(*longer), ErrorCode::kDataLoss, "is not proven");
  // A changed entry (one bit of its signature) with the genuine path.
  auto changed = Mno1With(Tampered(genuine, [](KmsRecordProof& p) { p.entry.back() ^= 0x01; }));
  ExpectRefused(Exchange(*changed), ErrorCode::kDataLoss, "is not proven");
  // An entry that is no signed record at all is malformed, whatever its proof.
  auto junk = Mno1With(Tampered(genuine, [](KmsRecordProof& p) { p.entry.assign(40, 0xd2); }));
  ExpectRefused(Exchange(*junk), ErrorCode::kInvalidArgument, "the KMS record entry");
}

TEST_F(ProvisionTest, ProvenRecordsThatSaySomethingElseAreRefused) {
  const X25519Public key = mno_key_->PublicKey();
  // Another organization's KMS record (even one naming mno1's onboarding key).
  auto other_org = Mno1With(SourceOf(Publish("mno2", *mno_kms_, key, kNow)));
  ExpectRefused(Exchange(*other_org), ErrorCode::kDataLoss, "signed by mno2, not mno1");
  // mno1's record with another onboarding key.
  auto other_key = Mno1With(SourceOf(Publish("mno1", *mno_kms_, NewX25519()->PublicKey(), kNow)));
  ExpectRefused(Exchange(*other_key), ErrorCode::kDataLoss, "another onboarding key");
  // mno1's record of a later key period than the device's.
  auto later = Mno1With(SourceOf(Publish("mno1", *mno_kms_, key, {2026, 12})));
  ExpectRefused(Exchange(*later), ErrorCode::kDataLoss, "later than 2026-11");
  // mno1's record on another ledger.
  auto elsewhere =
      Mno1With(SourceOf(Publish("mno1", *mno_kms_, key, kNow, "ledger.example/elsewhere")));
  ExpectRefused(Exchange(*elsewhere), ErrorCode::kDataLoss,
                "names ledger ledger.example/elsewhere");
  // A record of another type signed by mno1.
  auto revocation = ledger_.SignEntry(
      "mno1", ledger::Revocation{ledger::RevocationTarget::kDevice, "urn:dev:acme:SN-0002"});
  ASSERT_TRUE(revocation.has_value()) << revocation.error().ToString();
  const uint64_t at = ledger_.Append(*revocation);
  auto not_kms = Mno1With(SourceOf({at, *revocation}));
  ExpectRefused(Exchange(*not_kms), ErrorCode::kDataLoss, "not kms_params");
  // Still in force: mno1's record of an earlier period (it holds until a later one replaces it).
  auto earlier = Mno1With(SourceOf(Publish("mno1", *mno_kms_, key, {2026, 1})));
  auto c = Exchange(*earlier);
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
}

TEST_F(ProvisionTest, ATreeSizeTheServiceCannotProveIsRefusedAndClaimsNothing) {
  auto* log = logs_.front().get();  // mno_'s
  // A device anchored in a tree the service's log does not have (yet).
  LogAnchor ahead = ledger_.Anchor();
  ahead.tree_size += 3;
  auto p = StartProvision(kDevice, *ak_, mno_->info(), kNow, ahead);
  ASSERT_TRUE(p.has_value());
  ExpectRefused(mno_->Handle(p->message), ErrorCode::kFailedPrecondition, "beyond this log");
  // A device anchored in a tree from before the service published its record.
  LogAnchor before = ledger_.Anchor();
  before.tree_size = mno_record_.index;
  p = StartProvision(kDevice, *ak_, mno_->info(), kNow, before);
  ASSERT_TRUE(p.has_value());
  ExpectRefused(mno_->Handle(p->message), ErrorCode::kFailedPrecondition, "predates");
  EXPECT_EQ(log->held(), 0);
  // The device, once it has caught up, is provisioned.
  auto c = Exchange(*mno_);
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(log->held(), 1);
}

TEST_F(ProvisionTest, ExchangeSizesInALedgerOf400Entries) {
  Filler(static_cast<int>(400 - ledger_.size()));
  ASSERT_EQ(ledger_.size(), 400u);
  for (ProvisioningService* s : {mno_.get(), sp_.get()}) {
    PendingProvision p = Start(*s, *ak_);
    auto answer = s->Handle(p.message);
    ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
    ASSERT_TRUE(FinishProvision(p, *answer).has_value());
    auto body = OpenAnswer(*p.answer_key, *answer);
    ASSERT_TRUE(body.has_value());
    const bool mno = s == mno_.get();
    std::cout << (mno ? "MNO" : "SP") << " exchange, tree of 400: request " << p.message.size()
              << " octets, answer " << answer->size() << " (body " << body->size() << ", KMS entry "
              << mno_record_.entry.size() << ")\n";
    // The answer is the sealing (< 70 octets), the nonce (18), the signature (132), the
    // credentials (< 140), the KMS entry and a path of at most ceil(log2(400)) = 9 hashes, with
    // their heads (< 10).
    EXPECT_LT(p.message.size(), 256u);
    EXPECT_LT(answer->size(), 70 + 18 + 132 + 140 + 10 + mno_record_.entry.size() + 9 * 32);
  }
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
