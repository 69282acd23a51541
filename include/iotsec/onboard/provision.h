// Copyright iotsec authors.
// The provisioning exchange of zero-touch onboarding (doc/protocol/onboarding.md §3.3): a
// device proves itself to its MNO or SP with its attestation key, the service proves itself
// with an ECCSI signature (RFC 6507) under its service identity, and the service hands over
// credentials bound to the device's identity, sealed to the request (seal.h).
//
// Device side: StartProvision builds the request, FinishProvision checks the answer, including
// the inclusion proof of the service's KMS-parameters record against the checkpoint the device
// verified. Service side: ProvisioningService::Handle. The device side needs crypto, COSE, IBC,
// the ledger verifier (iotsec_ledger_verify) and an attestation key only.
#ifndef IOTSEC_ONBOARD_PROVISION_H_
#define IOTSEC_ONBOARD_PROVISION_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ecdh.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/device/attestation.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/kms/kms.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/onboard/seal.h"

namespace iotsec::onboard {

// kProvisionExchange names the exchange in the sealing (seal.h).
inline constexpr char kProvisionExchange[] = "provision";
// kNonceSize is the size of the device's nonce; kPskSize of network and service credentials.
inline constexpr size_t kNonceSize = 16;
inline constexpr size_t kPskSize = 16;
// kPseudonymSize is the size of an SP's PSK identity pseudonym; it travels as 2 * kPseudonymSize
// lowercase hex digits.
inline constexpr size_t kPseudonymSize = 16;
// kMaxKmsEntrySize bounds the KMS-parameters log entry an answer may carry (a signed record of
// a few hundred octets; the bound leaves room for the longest origin and org id).
inline constexpr size_t kMaxKmsEntrySize = 1024;

// ServiceRole is the role of a provisioning service.
enum class ServiceRole { kMno, kSp };

// ServiceIdentity returns the ECCSI identity of a service for a key period:
// "<YYYY-MM>|urn:mno:<org id>" or "<YYYY-MM>|urn:sp:<org id>".
std::string ServiceIdentity(ServiceRole role, std::string_view org_id,
                            const ibc::KeyPeriod& period);

// ServiceInfo is what a device knows of a service from the discovery answer: its organization,
// role and onboarding key (X25519), as claimed; the provisioning answer proves them (its KMS
// record). |kpak| is informational only (ProvisioningService::info() fills it): the device
// takes the KPAK from the KMS-parameters record that the answer proves, never from here.
struct ServiceInfo {
  ServiceRole role = ServiceRole::kMno;
  std::string org_id;
  X25519Public onboarding_key{};
  ibc::EccsiPoint kpak{};
};

// LogAnchor is the ledger state a device verified in round trip 1: a checkpoint's tree size
// and root hash (RFC 9162 §2.1.1), and the ledger's origin.
struct LogAnchor {
  uint64_t tree_size = 0;
  ledger::Hash root{};
  std::string origin;
};

// KmsRecordProof is a service's KMS-parameters record (the log entry alone, as
// ledger::ParseRecordEntry reads it) with its inclusion proof at a tree size: leaf |index|,
// |proof| the RFC 9162 §2.1.3.1 path, leaf side first (at most ledger::kMaxProofSize hashes).
struct KmsRecordProof {
  uint64_t index = 0;
  Bytes entry;
  std::vector<ledger::Hash> proof;
};

// KmsProofSource proves a service's own KMS-parameters record (the one for its key period) in
// the ledger tree of a given size. Implementations must be thread-safe.
class KmsProofSource {
 public:
  virtual ~KmsProofSource();
  // Prove returns the record and its inclusion proof in the tree of |tree_size| leaves. Fails
  // with kFailedPrecondition when it cannot serve that size (beyond the log it knows, or a
  // tree from before the record), or with its own error (kUnavailable, ...).
  virtual Result<KmsRecordProof> Prove(uint64_t tree_size) = 0;
};

// Credentials are what a service hands over. From an MNO: the device's ECCSI key pair for
// "<period>|<device id>" (X.1365) and a network credential; from an SP: a service credential
// (a DTLS pre-shared key) and its PSK identity.
struct Credentials {
  ibc::KeyPeriod period;
  crypto::SecretBytes psk;   // network credential (MNO) or service credential (SP)
  std::string psk_identity;  // SP: the PSK identity to present over DTLS; MNO: empty
  crypto::SecretBytes ssk;   // MNO: ECCSI SSK of the device identity; SP: empty
  ibc::EccsiPoint pvt{};     // MNO: its PVT
};

// PendingProvision is a request on its way: what the device needs to check the answer.
struct PendingProvision {
  Bytes message;  // the sealed request to send
  std::optional<AnswerKey> answer_key;
  crypto::Sha256Digest th_req{};
  std::array<uint8_t, kNonceSize> nonce{};
  ServiceInfo service;
  std::string device_id;
  ibc::KeyPeriod period;
  LogAnchor anchor;
};

// StartProvision builds the request of device |device_id| to |service| for key period |now|:
// a fresh nonce, the transcript TH_req over the request's (fresh) ephemeral key, the service identity,
// the device id, the nonce and |anchor|.tree_size (the ledger size the device verified),
// signed with |attestation_key| (ECDSA P-256), all sealed to the service's onboarding key.
// |anchor| is kept to check the answer's proof. Fails with kInvalidArgument for a malformed
// device id or an anchor of tree size 0, or with the error of the key or the randomness.
Result<PendingProvision> StartProvision(std::string_view device_id,
                                        device::AttestationKey& attestation_key,
                                        const ServiceInfo& service, const ibc::KeyPeriod& now,
                                        const LogAnchor& anchor);
// This StartProvision seals with |ephemeral|, the device's ephemeral key of this onboarding
// (PendingDiscovery::ephemeral), instead of a fresh one (doc/protocol/onboarding.md §3.1).
Result<PendingProvision> StartProvision(std::string_view device_id,
                                        device::AttestationKey& attestation_key,
                                        const ServiceInfo& service, const ibc::KeyPeriod& now,
                                        const LogAnchor& anchor,
                                        const crypto::X25519PrivateKey& ephemeral);

// FinishProvision opens the answer to |pending|, parses all of it strictly, and then checks,
// before believing anything: the nonce echoed; the inclusion proof of the service's KMS record
// in the anchor's tree (RFC 9162 §2.1.3.2); that the record is a KMS-parameters record of the
// anchor's origin, signed (kid) by the service's organization, for a period no later than the
// device's, whose onboarding key is the one the request was sealed to; the service's ECCSI
// signature over TH_ans (RFC 6507 §5.2.2) with that record's KPAK and the service identity of
// the device's period; credentials of the service's role and period, and (MNO) the ECCSI key
// pair valid for the device identity (RFC 6507 §5.1.2). Fails with kInvalidArgument when the
// answer is malformed, kDataLoss when the proof or the record does not verify or names
// something else (the message says what), kUnauthenticated when the answer does not open or a
// nonce, signature or key does not verify.
Result<Credentials> FinishProvision(const PendingProvision& pending, ByteSpan answer);

// ServicePskFor returns the service credential (DTLS PSK) an SP derived for |psk_identity|
// from |credential_key|, so that its data endpoint needs no credential store:
// HMAC-SHA-256(credential_key, "iotsec sp psk v1" || pseudonym octets) (RFC 2104) truncated to
// kPskSize octets. Fails with kInvalidArgument unless |credential_key| has 32 octets and
// |psk_identity| is exactly 2 * kPseudonymSize lowercase hex digits.
Result<crypto::SecretBytes> ServicePskFor(const crypto::SecretBytes& credential_key,
                                          std::string_view psk_identity);

// DeviceFacts is what a service needs to know about a device, from its own ledger view.
struct DeviceFacts {
  std::array<uint8_t, 65> attestation_key{};
  std::optional<std::string> mno;
  std::vector<std::string> sps;
  bool revoked = false;
};

// DeviceDirectory answers a service's lookups (a ledger view). Implementations must be
// thread-safe.
class DeviceDirectory {
 public:
  virtual ~DeviceDirectory();
  // Lookup returns the facts of |device_id|; kNotFound for a device that was never born.
  virtual Result<DeviceFacts> Lookup(std::string_view device_id) = 0;
};

// IssuanceLog records every issuance, so that a second device presenting an identity that was
// already provisioned in a key period is detected and refused. Thread-safe.
class IssuanceLog {
 public:
  virtual ~IssuanceLog();
  // Claim records that |device_id| is provisioned in |period|. Fails with kAlreadyExists if it
  // was already, naming when; the caller then issues nothing.
  virtual Status Claim(std::string_view device_id, const ibc::KeyPeriod& period) = 0;
  // Release undoes a Claim whose issuance failed afterwards.
  virtual void Release(std::string_view device_id, const ibc::KeyPeriod& period) = 0;
};

// MemoryIssuanceLog keeps the log in memory (a single-process node, tests).
class MemoryIssuanceLog final : public IssuanceLog {
 public:
  Status Claim(std::string_view device_id, const ibc::KeyPeriod& period) override;
  void Release(std::string_view device_id, const ibc::KeyPeriod& period) override;

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, int>> issued_;
};

// ProvisioningServiceOptions configure one MNO or SP provisioning service for one key period.
struct ProvisioningServiceOptions {
  ServiceRole role = ServiceRole::kMno;
  std::string org_id;
  ibc::KeyPeriod period;
  // The KMS of the organization: it issues the service's own ECCSI key (for its signatures)
  // and, for an MNO, the devices' ECCSI keys.
  std::shared_ptr<const kms::Kms> kms;
  // The onboarding key whose public half devices seal their requests to.
  std::shared_ptr<const crypto::X25519PrivateKey> onboarding_key;
  DeviceDirectory* directory = nullptr;  // not owned
  IssuanceLog* issuance = nullptr;       // not owned
  // Proves this service's KMS-parameters record to devices; required.
  KmsProofSource* kms_proof = nullptr;  // not owned
  // SP only (required there; an MNO ignores it): the 32-octet key that service credentials are
  // derived from (ServicePskFor). MNO network credentials are random.
  std::shared_ptr<const crypto::SecretBytes> credential_key;
  // Optional: called after each successful issuance with the device and what it was issued
  // (an SP's data endpoint keeps pseudonym -> device). It must not log the secrets.
  std::function<void(std::string_view device_id, const Credentials&)> on_issued;
};

// ProvisioningService handles provisioning requests. Thread-safe.
class ProvisioningService {
 public:
  // Create checks the options and issues the service's own ECCSI key for its identity of the
  // period. kInvalidArgument for missing parts (an SP without a 32-octet credential key).
  static Result<std::unique_ptr<ProvisioningService>> Create(ProvisioningServiceOptions options);

  // Handle answers one sealed request: it opens it (kUnauthenticated if it does not open,
  // kInvalidArgument if malformed), looks the device up in the directory (kNotFound: never
  // born; kPermissionDenied: revoked, or its binding does not name this service), verifies the
  // attestation signature with the key of the birth record (kUnauthenticated: a clone without
  // the key, or a changed request), gets the proof of its KMS record at the request's tree size
  // (kFailedPrecondition: a size the proof source cannot serve), claims the issuance
  // (kAlreadyExists: this identity was provisioned already in this period: a replay or a
  // second device), issues the credentials and returns the sealed answer: ECCSI-signed, with
  // the proof. A refusal changes no state; on_issued is called after a success.
  Result<Bytes> Handle(ByteSpan request);

  // info returns what a device must know of this service (for tests and the ledger record).
  ServiceInfo info() const;

 private:
  ProvisioningService(ProvisioningServiceOptions options, ibc::EccsiSigner signer);
  ProvisioningServiceOptions options_;
  ibc::EccsiSigner signer_;
  std::string identity_;
};

}  // namespace iotsec::onboard

#endif  // IOTSEC_ONBOARD_PROVISION_H_
