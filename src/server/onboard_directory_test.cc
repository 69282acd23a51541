// Copyright iotsec authors.
// Zero-touch onboarding against a real ledger node (doc/protocol/onboarding.md §3): the device
// is born with an attestation key, sold, bound; its services published their KMS records with
// their onboarding keys. The device discovers its services from the node and checks the
// answer, then the MNO and the SP it is bound to provision it, each proving its KMS record in
// the device's tree; a provider it is not bound to refuses, a stale discovery answer only leads
// to a refusal, and after its revocation nobody serves it.
#include "iotsec/server/onboard_directory.h"
#include "iotsec/server/onboard_platform.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "iotsec/common/file.h"
#include "iotsec/crypto/random.h"
#include "iotsec/device/swtpm.h"
#include "iotsec/net/coap.h"
#include "iotsec/onboard/coap_device.h"
#include "../net/udp_relay_test_util.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::TempDir;
using testing::Writer;

const ibc::KeyPeriod kNow{2026, 11};
const std::string kDevice = "urn:dev:acme:SN1";

// A service's secrets: its KMS, onboarding key and (SP) credential key.
struct ServiceKeys {
  std::shared_ptr<const kms::Kms> kms;
  std::shared_ptr<const crypto::X25519PrivateKey> onboarding;
  std::shared_ptr<const crypto::SecretBytes> credential;
};

class OnboardLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = LedgerNode::Open(dir_.path());
    ASSERT_TRUE(node.has_value()) << node.error().ToString();
    node_ = std::move(*node);
    directory_ = std::make_unique<LedgerDirectory>(*node_);
    discovery_source_ =
        std::make_unique<LedgerDiscoverySource>(*node_, [] { return kNow; });
    writer_ = std::make_unique<Writer>(dir_.path(), node_->origin());
    using ledger::Role;
    Submit(writer_->Admission("acme", ledger::RoleSet{Role::kManufacturer}));
    Submit(writer_->Admission("bob", ledger::RoleSet{Role::kOwner}));
    Submit(writer_->Admission("mno1", ledger::RoleSet{Role::kMno}));
    Submit(writer_->Admission("sp1", ledger::RoleSet{Role::kSp}));
    Submit(writer_->Admission("sp2", ledger::RoleSet{Role::kSp}));
    for (const char* org : {"mno1", "sp1", "sp2"}) {
      Publish(org);
    }
    // The birth record carries AttestationKeyFor(3): the P-256 key with scalar 4, which the
    // device holds as a software key file.
    Submit(writer_->Birth("acme", "SN1", 3));
    Submit(writer_->Birth("acme", "SN2", 4));
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

    auto node_key = crypto::X25519PrivateKey::Generate();
    ASSERT_TRUE(node_key.has_value());
    node_key_ = std::make_shared<const crypto::X25519PrivateKey>(std::move(*node_key));
    trust_.origin = node_->origin();
    trust_.anchors.push_back(node_->verifier());
    trust_.discovery_id = "node";
    trust_.discovery_key = node_key_->PublicKey();
  }

  void Submit(Bytes record) {
    auto r = node_->Submit(std::move(record));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }

  // Publish makes |org|'s keys and publishes its KMS parameters with its onboarding key.
  void Publish(const std::string& org) {
    auto kms = kms::Kms::Initialize(crypto::SystemRng());
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_TRUE(kms.has_value() && key.has_value());
    ServiceKeys& k = keys_[org];
    k.kms = std::make_shared<const kms::Kms>(std::move(*kms));
    k.onboarding = std::make_shared<const crypto::X25519PrivateKey>(std::move(*key));
    crypto::SecretBytes credential(32);
    ASSERT_TRUE(crypto::SystemRng().Fill(std::span<uint8_t>(credential.data(), 32)));
    k.credential = std::make_shared<const crypto::SecretBytes>(std::move(credential));
    ledger::KmsParams p;
    p.period = kNow;
    p.kpak = k.kms->public_params().kpak;
    p.z = k.kms->public_params().z;
    p.onboarding_key = k.onboarding->PublicKey();
    Submit(writer_->Sign(org, p));
  }

  std::unique_ptr<onboard::ProvisioningService> Service(onboard::ServiceRole role,
                                                        const std::string& org) {
    const ServiceKeys& k = keys_.at(org);
    onboard::ProvisioningServiceOptions o;
    o.role = role;
    o.org_id = org;
    o.period = kNow;
    o.kms = k.kms;
    o.onboarding_key = k.onboarding;
    o.credential_key = k.credential;
    o.directory = directory_.get();
    logs_.push_back(std::make_unique<onboard::MemoryIssuanceLog>());
    o.issuance = logs_.back().get();
    proofs_.push_back(std::make_unique<LedgerKmsProofSource>(*node_, org, kNow));
    o.kms_proof = proofs_.back().get();
    auto s = onboard::ProvisioningService::Create(std::move(o));
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return std::move(*s);
  }

  Result<onboard::Discovered> Discover(const std::string& device = kDevice) {
    onboard::DiscoveryService node(node_key_, discovery_source_.get());
    auto pending = onboard::StartDiscovery(device, trust_);
    EXPECT_TRUE(pending.has_value());
    IOTSEC_TRY(answer, node.Handle(pending->message));
    return onboard::FinishDiscovery(*pending, answer, trust_);
  }

  // Ask sends a provisioning request to |s| as the device that discovered |d|.
  Result<Bytes> Ask(onboard::ProvisioningService& s, const onboard::Discovered& d) {
    onboard::LogAnchor anchor{d.tree_size, d.root, node_->origin()};
    auto p = onboard::StartProvision(kDevice, *ak_, s.info(), kNow, anchor);
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    pending_ = std::move(*p);
    return s.Handle(pending_.message);
  }

  TempDir dir_;
  std::unique_ptr<LedgerNode> node_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<LedgerDirectory> directory_;
  std::unique_ptr<LedgerDiscoverySource> discovery_source_;
  std::shared_ptr<const crypto::X25519PrivateKey> node_key_;
  onboard::DiscoveryTrust trust_;
  std::map<std::string, ServiceKeys> keys_;
  std::vector<std::unique_ptr<onboard::MemoryIssuanceLog>> logs_;
  std::vector<std::unique_ptr<LedgerKmsProofSource>> proofs_;
  std::unique_ptr<device::AttestationKey> ak_;
  onboard::PendingProvision pending_;
};

TEST_F(OnboardLedgerTest, FactsComeFromTheLedger) {
  auto f = directory_->Lookup(kDevice);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->attestation_key, ledger::testing::AttestationKeyFor(3));
  EXPECT_EQ(f->mno, "mno1");
  EXPECT_EQ(f->sps, std::vector<std::string>{"sp1"});
  EXPECT_FALSE(f->revoked);
  EXPECT_EQ(directory_->Lookup("urn:dev:acme:SN9").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(directory_->Lookup("not a device").error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(OnboardLedgerTest, ADeviceOnboardsZeroTouch) {
  auto d = Discover();
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_EQ(d->services.size(), 2u);
  EXPECT_EQ(d->services[0].org_id, "mno1");
  EXPECT_EQ(d->services[0].onboarding_key, keys_.at("mno1").onboarding->PublicKey());
  EXPECT_EQ(d->services[1].org_id, "sp1");
  auto size = node_->store().Size();
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(d->tree_size, *size);

  auto mno = Service(onboard::ServiceRole::kMno, "mno1");
  auto answer = Ask(*mno, *d);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto network = onboard::FinishProvision(pending_, *answer);
  ASSERT_TRUE(network.has_value()) << network.error().ToString();
  EXPECT_EQ(network->ssk.size(), 32u);

  auto sp = Service(onboard::ServiceRole::kSp, "sp1");
  answer = Ask(*sp, *d);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  auto service = onboard::FinishProvision(pending_, *answer);
  ASSERT_TRUE(service.has_value()) << service.error().ToString();
  // The SP's data endpoint derives the same PSK from the pseudonym alone.
  auto psk = onboard::ServicePskFor(*keys_.at("sp1").credential, service->psk_identity);
  ASSERT_TRUE(psk.has_value());
  EXPECT_TRUE(std::equal(psk->span().begin(), psk->span().end(), service->psk.span().begin(),
                         service->psk.span().end()));
}

TEST_F(OnboardLedgerTest, TheBoundServicesProvisionTheOthersRefuse) {
  auto d = Discover();
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  auto other = Service(onboard::ServiceRole::kSp, "sp2");
  auto refused = Ask(*other, *d);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied) << refused.error().ToString();

  // The owner rebinds the device to sp2. A device holding the stale answer still asks sp1,
  // which refuses from its own view of the ledger; a fresh discovery names sp2, which serves.
  Submit(writer_->Sign("bob", ledger::Binding{{kDevice}, std::string("mno1"), {"sp2"}}));
  auto sp1 = Service(onboard::ServiceRole::kSp, "sp1");
  auto stale = Ask(*sp1, *d);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code(), ErrorCode::kPermissionDenied);
  auto fresh = Discover();
  ASSERT_TRUE(fresh.has_value()) << fresh.error().ToString();
  ASSERT_EQ(fresh->services.size(), 2u);
  EXPECT_EQ(fresh->services[1].org_id, "sp2");
  auto answer = Ask(*other, *fresh);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(onboard::FinishProvision(pending_, *answer).has_value());
}

TEST_F(OnboardLedgerTest, UnboundAndRevokedDevicesAreServedByNobody) {
  // SN2 is born but not bound: discovery has nothing to tell it.
  auto unbound = Discover("urn:dev:acme:SN2");
  ASSERT_FALSE(unbound.has_value());
  EXPECT_EQ(unbound.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Discover("urn:dev:acme:SN9").error().code(), ErrorCode::kNotFound);

  auto d = Discover();
  ASSERT_TRUE(d.has_value());
  Submit(writer_->Sign("bob", ledger::Revocation{ledger::RevocationTarget::kDevice, kDevice}));
  auto revoked = Discover();
  ASSERT_FALSE(revoked.has_value());
  EXPECT_EQ(revoked.error().code(), ErrorCode::kPermissionDenied);
  auto mno = Service(onboard::ServiceRole::kMno, "mno1");
  auto refused = Ask(*mno, *d);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("revoked"), std::string::npos);
}

TEST_F(OnboardLedgerTest, ATreeTheServiceDoesNotHaveYetIsRefusedWithoutClaiming) {
  auto d = Discover();
  ASSERT_TRUE(d.has_value());
  onboard::Discovered ahead = *d;
  ahead.tree_size += 5;  // the device claims a larger ledger than the service's
  auto mno = Service(onboard::ServiceRole::kMno, "mno1");
  auto refused = Ask(*mno, ahead);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition) << refused.error().ToString();
  // Nothing was claimed: the honest request goes through.
  auto answer = Ask(*mno, *d);
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(onboard::FinishProvision(pending_, *answer).has_value());
}

// --- over CoAP ------------------------------------------------------------------------------

class OnboardPlatformTest : public OnboardLedgerTest {
 protected:
  void SetUp() override {
    OnboardLedgerTest::SetUp();
    OnboardPlatformOptions o;
    o.discovery_key = node_key_;
    o.period = kNow;
    for (const auto& [org, role] : std::vector<std::pair<std::string, onboard::ServiceRole>>{
             {"mno1", onboard::ServiceRole::kMno},
             {"sp1", onboard::ServiceRole::kSp},
             {"sp2", onboard::ServiceRole::kSp}}) {
      const ServiceKeys& k = keys_.at(org);
      logs_.push_back(std::make_unique<onboard::MemoryIssuanceLog>());
      o.services.push_back({role, org, k.kms, k.onboarding, k.credential, logs_.back().get()});
    }
    o.on_reading = [this](ByteSpan r) { last_reading_.assign(r.begin(), r.end()); };
    auto platform = OnboardPlatform::Start(*node_, std::move(o));
    ASSERT_TRUE(platform.has_value()) << platform.error().ToString();
    platform_ = std::move(*platform);
    endpoint_.coap_port = platform_->coap_port();
    endpoint_.dtls_port = platform_->dtls_port();
    endpoint_.timeout_ms = 3000;
  }

  Result<onboard::Onboarded> Onboard(const onboard::PlatformEndpoint& endpoint) {
    return onboard::OnboardOverCoap(endpoint, trust_, kDevice, *ak_, kNow);
  }

  std::unique_ptr<OnboardPlatform> platform_;
  onboard::PlatformEndpoint endpoint_;
  Bytes last_reading_;
};

TEST_F(OnboardPlatformTest, ADeviceOnboardsOverCoapAndSendsItsFirstReadingOverDtls) {
  auto o = Onboard(endpoint_);
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  ASSERT_TRUE(o->network.has_value());
  ASSERT_EQ(o->services.size(), 1u);
  EXPECT_EQ(o->services[0].first, "sp1");
  // The budget of doc/protocol/onboarding.md §1, measured on the wire.
  EXPECT_LE(o->wire.bytes_sent + o->wire.bytes_received, 4096u)
      << o->wire.bytes_sent << " sent, " << o->wire.bytes_received << " received";
  EXPECT_LE(o->wire.round_trips, 3u);
  RecordProperty("wire_bytes", std::to_string(o->wire.bytes_sent + o->wire.bytes_received));
  RecordProperty("round_trips", std::to_string(o->wire.round_trips));
  EXPECT_EQ(platform_->stats().discoveries, 1u);
  EXPECT_EQ(platform_->stats().provisions, 2u);

  const Bytes reading = {0xa1, 0x01, 0x18, 0x2a};  // {1: 42}
  auto r = onboard::SendReading(endpoint_, "sp1", o->services[0].second, reading);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, net::CoapCode(2, 4));
  EXPECT_EQ(platform_->stats().readings, 1u);
  EXPECT_EQ(last_reading_, reading);

  // Onboarding again is a second issuance for the identity and period: refused, over CoAP.
  auto again = Onboard(endpoint_);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kPermissionDenied) << again.error().ToString();
}

TEST_F(OnboardPlatformTest, AServiceCredentialWorksOnlyWithItsKeyAndItsService) {
  auto o = Onboard(endpoint_);
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  const onboard::Credentials& mine = o->services[0].second;
  const Bytes reading = {0x01};
  // A refused handshake looks like silence (RFC 6347 §4.1.2.7): do not wait long for it.
  onboard::PlatformEndpoint quick = endpoint_;
  quick.timeout_ms = 800;
  // A clone that learned the PSK identity but not the PSK (it never travels in the clear).
  onboard::Credentials guessed;
  guessed.psk_identity = mine.psk_identity;
  guessed.psk = crypto::SecretBytes(onboard::kPskSize);
  auto wrong = onboard::SendReading(quick, "sp1", guessed, reading);
  EXPECT_FALSE(wrong.has_value());
  // The credential of sp1 presented as one of sp2: another derived key, refused.
  auto elsewhere = onboard::SendReading(quick, "sp2", mine, reading);
  EXPECT_FALSE(elsewhere.has_value());
  // An organization the platform does not host.
  auto unknown = onboard::SendReading(quick, "nobody", mine, reading);
  EXPECT_FALSE(unknown.has_value());
  EXPECT_EQ(platform_->stats().readings, 0u);
  auto right = onboard::SendReading(endpoint_, "sp1", mine, reading);
  ASSERT_TRUE(right.has_value()) << right.error().ToString();
  EXPECT_EQ(platform_->stats().readings, 1u);
}

// Relay is a man in the middle on real sockets: a CoAP server that forwards every request to
// the platform and its answer back, optionally changing one bit on the way.
class Relay {
 public:
  enum class Flip { kNothing, kRequest, kAnswer };
  Relay(int target_port, Flip flip) {
    std::vector<std::pair<std::string, net::CoapHandler>> h;
    for (std::string path : {"d", "p/mno1", "p/sp1"}) {
      h.emplace_back(path, [target_port, flip, path](ByteSpan in) {
        Bytes request = ToBytes(in);
        if (flip == Flip::kRequest && !request.empty()) {
          request[request.size() / 2] ^= 0x01;
        }
        net::CoapResponse out{net::CoapCode(5, 3), {}};
        auto c = net::CoapClient::Connect("127.0.0.1", target_port, {});
        if (!c) {
          return out;
        }
        auto r = (*c)->Post(path, request);
        if (!r) {
          return out;
        }
        if (flip == Flip::kAnswer && !r->payload.empty()) {
          r->payload[r->payload.size() / 2] ^= 0x01;
        }
        return *r;
      });
    }
    auto s = net::CoapServer::Start({}, std::move(h));
    EXPECT_TRUE(s.has_value());
    server_ = std::move(*s);
  }
  int port() const { return server_->port(); }

 private:
  std::unique_ptr<net::CoapServer> server_;
};

TEST_F(OnboardPlatformTest, AManInTheMiddleCanRelayButNotReadOrChange) {
  onboard::PlatformEndpoint via = endpoint_;
  {
    // Changing a request: the platform's seal does not open.
    Relay relay(endpoint_.coap_port, Relay::Flip::kRequest);
    via.coap_port = relay.port();
    auto o = Onboard(via);
    ASSERT_FALSE(o.has_value());
    EXPECT_EQ(o.error().code(), ErrorCode::kUnauthenticated) << o.error().ToString();
  }
  {
    // Changing an answer: the device's seal does not open.
    Relay relay(endpoint_.coap_port, Relay::Flip::kAnswer);
    via.coap_port = relay.port();
    auto o = Onboard(via);
    ASSERT_FALSE(o.has_value());
    EXPECT_EQ(o.error().code(), ErrorCode::kUnauthenticated) << o.error().ToString();
  }
  EXPECT_EQ(platform_->stats().provisions, 0u);  // nothing was issued to anyone
  {
    // Relaying faithfully: the device onboards, and the relay saw only sealed messages; the
    // credentials it carried are useless to it (AServiceCredentialWorksOnlyWithItsKey...).
    Relay relay(endpoint_.coap_port, Relay::Flip::kNothing);
    via.coap_port = relay.port();
    auto o = Onboard(via);
    ASSERT_TRUE(o.has_value()) << o.error().ToString();
  }
}

TEST_F(OnboardPlatformTest, ALostProvisioningAnswerIsSentAgainToTheRetransmittedRequest) {
  // Datagram 0 from the platform is the discovery answer; 1 and 2 are the MNO's and the SP's
  // provisioning answers, in some order. One of them is lost: the device retransmits its
  // request (RFC 7252 §4.2) and must get the same answer, not a refusal of a second issuance.
  net::testing::UdpRelay link(endpoint_.coap_port, /*drop_from_server=*/1);
  onboard::PlatformEndpoint via = endpoint_;
  via.coap_port = link.port();
  // The first retransmission comes 2 to 3 s after the request (RFC 7252 §4.8: ACK_TIMEOUT
  // 2 s, ACK_RANDOM_FACTOR 1.5); leave it time to arrive.
  via.timeout_ms = 10000;
  auto o = Onboard(via);
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_EQ(link.dropped(), 1);
  EXPECT_TRUE(o->network.has_value());
  ASSERT_EQ(o->services.size(), 1u);
  EXPECT_EQ(platform_->stats().provisions, 2u);  // each credential issued once
}

TEST_F(OnboardPlatformTest, MalformedAndOversizedMessagesGetAnErrorAndChangeNothing) {
  auto c = net::CoapClient::Connect("127.0.0.1", endpoint_.coap_port, {});
  ASSERT_TRUE(c.has_value());
  for (const char* path : {"d", "p/mno1", "p/sp1"}) {
    auto r = (*c)->Post(path, AsBytes("not a sealed message"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->code, net::CoapCode(4, 0)) << path;
    EXPECT_FALSE(r->payload.empty());  // a diagnostic
  }
  // Over the platform's 1,024-octet requests, still within one CoAP message.
  auto big = (*c)->Post("d", Bytes(1100, 0xa0));
  ASSERT_TRUE(big.has_value()) << big.error().ToString();
  EXPECT_EQ(big->code, net::CoapCode(4, 13));
  EXPECT_EQ(platform_->stats().provisions, 0u);
  // The platform still serves.
  auto o = Onboard(endpoint_);
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
}

TEST_F(OnboardPlatformTest, ADeviceWhoseKeyIsInATpmOnboards) {
  const std::string swtpm = device::FindExecutable("swtpm");
  if (swtpm.empty()) {
    GTEST_SKIP() << "swtpm is not installed (apt-get install swtpm); the TPM device is not run";
  }
  device::Swtpm tpm;
  Status started = tpm.Start(swtpm, dir_.path() + "/tpm", dir_.path() + "/tpm.log");
  ASSERT_TRUE(started) << started.error().ToString();
  constexpr uint32_t kHandle = 0x81010001;  // a persistent handle (TPM 2.0 Part 1 §29.4)
  auto key = device::OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  // The manufacturer births the device with the TPM's public key; it is sold and bound.
  const std::string id = "urn:dev:acme:TPM1";
  ledger::DeviceBirthBatch b;
  b.devices.push_back({id, (*key)->PublicKey(), "model-tpm"});
  Submit(writer_->Sign("acme", b));
  Submit(writer_->Sign("acme", ledger::OwnershipTransfer{{id}, "bob"}));
  Submit(writer_->Sign("bob", ledger::Binding{{id}, std::string("mno1"), {"sp1", "sp2"}}));
  auto o = onboard::OnboardOverCoap(endpoint_, trust_, id, **key, kNow);
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  ASSERT_TRUE(o->network.has_value());
  ASSERT_EQ(o->services.size(), 2u);
  for (const auto& [sp, credentials] : o->services) {
    auto r = onboard::SendReading(endpoint_, sp, credentials, Bytes{0xf6});
    ASSERT_TRUE(r.has_value()) << sp << ": " << r.error().ToString();
  }
  EXPECT_EQ(platform_->stats().readings, 2u);
  // The same identity with a software key (a clone without the TPM) is refused.
  auto clone = device::GenerateSoftwareAttestationKey();
  ASSERT_TRUE(clone.has_value());
  auto refused = onboard::OnboardOverCoap(endpoint_, trust_, id, **clone, kNow);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthenticated) << refused.error().ToString();
}

}  // namespace
}  // namespace iotsec::server
