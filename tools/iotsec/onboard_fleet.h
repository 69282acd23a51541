// Copyright iotsec authors.
// A fleet for `iotsec fleet onboard` and `iotsec demo` (doc/protocol/onboarding.md): a ledger
// node in a temporary directory with a manufacturer, an owner, an MNO and service providers,
// each service with its KMS, onboarding key, (SP) credential key and issuance log published on
// the ledger; devices born with software attestation keys, sold to the owner and bound to the
// MNO and every SP; and the node's onboarding platform (server::OnboardPlatform) on loopback
// ports. RunFleetOnboarding then onboards the devices concurrently over CoAP and DTLS.
#ifndef IOTSEC_TOOLS_IOTSEC_ONBOARD_FLEET_H_
#define IOTSEC_TOOLS_IOTSEC_ONBOARD_FLEET_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/result.h"
#include "iotsec/crypto/ecdh.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/device/attestation.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/kms/kms.h"
#include "iotsec/ledger/record.h"
#include "iotsec/onboard/coap_device.h"
#include "iotsec/onboard/discovery.h"
#include "iotsec/server/issuance_log.h"
#include "iotsec/server/ledger_node.h"
#include "iotsec/server/onboard_platform.h"

namespace iotsec::cli {

// kFleetManufacturer, kFleetOwner and kFleetMno are the organization ids of a fleet; its
// service providers are "sp1", "sp2", ...
inline constexpr char kFleetManufacturer[] = "maker";
inline constexpr char kFleetOwner[] = "owner";
inline constexpr char kFleetMno[] = "mno1";
// kFleetBatch bounds the devices of one birth, transfer or binding record of the setup.
inline constexpr size_t kFleetBatch = 1000;

// FleetOptions configure a Fleet.
struct FleetOptions {
  size_t devices = 1000;        // devices born and bound during setup
  size_t sps = 1;               // service providers (1..9)
  int platform_threads = 1;     // io threads of the platform's CoAP server
  bool keep = false;            // keep the temporary directory (its path is printed)
  std::string label = "fleet";  // the prefix of progress lines on stderr
};

// FleetDevice is a device of the fleet: its id and its attestation key (held in memory).
struct FleetDevice {
  std::string id;
  std::unique_ptr<device::AttestationKey> key;
};

// FleetService is a service of the fleet with its secrets and its issuance log.
struct FleetService {
  onboard::ServiceRole role = onboard::ServiceRole::kMno;
  std::string org_id;
  std::shared_ptr<const kms::Kms> kms;
  std::shared_ptr<const crypto::X25519PrivateKey> onboarding_key;
  std::shared_ptr<const crypto::SecretBytes> credential_key;
  std::unique_ptr<server::SqliteIssuanceLog> issuance;
};

// Fleet owns the node, the services, the devices and the platform. Destroying it stops the
// platform, closes the node and removes the directory (unless FleetOptions::keep).
class Fleet {
 public:
  // Create sets the fleet up (progress on stderr, one line per phase) and starts the
  // platform. Fails with kInvalidArgument for bad options, or the error of the step that
  // failed (the message names it).
  static Result<std::unique_ptr<Fleet>> Create(const FleetOptions& options);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // AddDevice births device "<manufacturer>:<serial>" with attestation public key |ak|, sells
  // it to the owner and binds it to the MNO and to |sps|; returns its id. Fails with the
  // node's refusal.
  Result<std::string> AddDevice(std::string_view serial, const ledger::AttestationKey& ak,
                                const std::vector<std::string>& sps);

  // Revoke has the owner revoke |device_id| with a signed Revocation record.
  Status Revoke(std::string_view device_id);

  // devices returns the devices born during setup, in serial order.
  std::vector<FleetDevice>& devices() { return devices_; }
  // sp_ids returns the ids of the service providers, in binding order.
  const std::vector<std::string>& sp_ids() const { return sp_ids_; }
  // service returns the service of |org_id| (nullptr for none).
  const FleetService* service(std::string_view org_id) const;
  // trust is what the devices are manufactured with; endpoint where they reach the platform.
  const onboard::DiscoveryTrust& trust() const { return trust_; }
  onboard::PlatformEndpoint endpoint() const;
  // period is the key period the services issue for.
  const ibc::KeyPeriod& period() const { return period_; }
  // platform returns the running platform; dir the temporary directory; setup_s the seconds
  // Create took.
  server::OnboardPlatform& platform() { return *platform_; }
  // node is the fleet's ledger node; discovery_key the static key of its discovery service.
  server::LedgerNode& node() { return *node_; }
  std::shared_ptr<const crypto::X25519PrivateKey> discovery_key() const { return discovery_key_; }
  const std::string& dir() const { return dir_; }
  double setup_s() const { return setup_s_; }

 private:
  Fleet() = default;
  Status Setup(const FleetOptions& options);
  Status Submit(Result<Bytes> record, std::string_view what);
  Result<Bytes> Sign(std::string_view org, ledger::RecordBody body);
  Status BirthBatch(size_t first, size_t count);
  Status TransferAndBind(const std::vector<std::string>& ids, const std::vector<std::string>& sps);
  void Progress(const std::string& line) const;

  std::string label_;
  std::string dir_;
  bool keep_ = false;
  ibc::KeyPeriod period_;
  std::unique_ptr<server::LedgerNode> node_;
  std::map<std::string, ledger::OrgSigner, std::less<>> signers_;
  std::map<std::string, uint64_t, std::less<>> seq_;
  std::vector<std::unique_ptr<FleetService>> services_;
  std::vector<std::string> sp_ids_;
  std::vector<FleetDevice> devices_;
  std::shared_ptr<const crypto::X25519PrivateKey> discovery_key_;
  onboard::DiscoveryTrust trust_;
  std::unique_ptr<server::OnboardPlatform> platform_;
  double setup_s_ = 0;
};

// FleetRunOptions configure RunFleetOnboarding.
struct FleetRunOptions {
  size_t concurrency = 64;  // worker threads, each onboarding one device at a time
  std::string label = "fleet";
};

// FleetRun is what onboarding the fleet's devices measured, in two phases timed apart: every
// device onboards (discovery and provisioning over CoAP), then every onboarded device connects
// to its SPs over DTLS and sends its first reading.
struct FleetRun {
  size_t devices = 0;
  size_t onboarded = 0;  // devices that got all their credentials
  size_t read = 0;       // of those, devices whose first readings every SP accepted
  size_t failed = 0;     // devices - read
  double seconds = 0;    // wall time of the onboarding phase
  double p50_ms = 0;     // onboarding latency of a device: discovery start to last credential
  double p99_ms = 0;
  double reading_seconds = 0;  // wall time of the reading phase
  double reading_p50_ms = 0;   // a device's DTLS handshakes and readings, all its SPs
  double reading_p99_ms = 0;
  double bytes_per_device = 0;          // onboarding, both directions (mean)
  double reading_bytes_per_device = 0;  // the DTLS readings, both directions (mean)
  uint64_t round_trips_per_device = 0;  // of onboarding, the most over devices
  double exchanges_per_device = 0;      // of onboarding (mean)
  std::optional<std::string> first_error;
};

// RunFleetOnboarding onboards every device of |fleet| (OnboardOverCoap), then has each send a
// small CBOR reading to each of its SPs over DTLS (SendReading), |options.concurrency| devices
// at a time in each phase; a progress bar on stderr when it is a terminal, otherwise a line per
// 10%.
FleetRun RunFleetOnboarding(Fleet& fleet, const FleetRunOptions& options);

// ReadingFor returns a small deterministic-CBOR reading (RFC 8949 §4.2.1) from device |n|:
// {1: n, 2: a temperature in centidegrees}.
Bytes ReadingFor(uint64_t n);

}  // namespace iotsec::cli

#endif  // IOTSEC_TOOLS_IOTSEC_ONBOARD_FLEET_H_
