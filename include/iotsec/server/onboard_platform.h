// Copyright iotsec authors.
// OnboardPlatform: the onboarding roles of a node over CoAP (doc/protocol/onboarding.md §3,
// the resources in include/iotsec/onboard/coap_device.h): the discovery service answering from
// the node's ledger, the provisioning services of the MNOs and SPs it hosts, and the SPs' data
// endpoint over DTLS, whose PSKs are derived from each SP's credential key (no per-device
// secret is stored). All in one process; each role decides from the node's own ledger state.
#ifndef IOTSEC_SERVER_ONBOARD_PLATFORM_H_
#define IOTSEC_SERVER_ONBOARD_PLATFORM_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ecdh.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/kms/kms.h"
#include "iotsec/onboard/provision.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::server {

// HostedService is an MNO or SP whose provisioning service the platform runs: its KMS, its
// onboarding key (whose public half its KMS-parameters record publishes), its credential key
// (SP) and its issuance log (not owned; must outlive the platform).
struct HostedService {
  onboard::ServiceRole role = onboard::ServiceRole::kMno;
  std::string org_id;
  std::shared_ptr<const kms::Kms> kms;
  std::shared_ptr<const crypto::X25519PrivateKey> onboarding_key;
  std::shared_ptr<const crypto::SecretBytes> credential_key;  // SP only
  onboard::IssuanceLog* issuance = nullptr;
};

// OnboardPlatformOptions configure the platform.
struct OnboardPlatformOptions {
  std::string host = "127.0.0.1";
  int coap_port = 0;  // 0: an ephemeral port (see coap_port())
  int dtls_port = 0;
  int threads = 1;    // io threads of the plain CoAP server (net::CoapServerOptions::threads)
  // The discovery service's static key (devices are manufactured with its public half).
  std::shared_ptr<const crypto::X25519PrivateKey> discovery_key;
  std::vector<HostedService> services;
  // The key period services issue for (default: the current one).
  ibc::KeyPeriod period = ibc::CurrentKeyPeriod();
  // on_reading, when set, is called for each reading that reaches the data endpoint.
  std::function<void(ByteSpan reading)> on_reading;
};

// OnboardStats counts what the platform did.
struct OnboardStats {
  uint64_t discoveries = 0;   // discovery answers given
  uint64_t provisions = 0;    // credentials issued
  uint64_t refusals = 0;      // requests refused (any role)
  uint64_t readings = 0;      // readings received over DTLS
  uint64_t retransmissions = 0;  // retransmitted requests answered again from memory
};

// OnboardPlatform runs the roles until destroyed. Thread-safe.
class OnboardPlatform {
 public:
  // Start creates the services and starts the CoAP and DTLS servers. Fails with
  // kInvalidArgument for a missing key, a service without KMS or issuance log, or two
  // services of one organization; the error of the servers otherwise.
  static Result<std::unique_ptr<OnboardPlatform>> Start(LedgerNode& node,
                                                        OnboardPlatformOptions options);
  ~OnboardPlatform();
  OnboardPlatform(const OnboardPlatform&) = delete;
  OnboardPlatform& operator=(const OnboardPlatform&) = delete;

  int coap_port() const;
  int dtls_port() const;
  OnboardStats stats() const;
  // wire_bytes returns the CoAP octets the plain and DTLS servers received and sent.
  uint64_t wire_bytes() const;

  struct Impl;

 private:
  explicit OnboardPlatform(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_ONBOARD_PLATFORM_H_
