// Copyright iotsec authors.
// The discovery exchange of zero-touch onboarding (doc/protocol/onboarding.md §3.2): a device
// asks a ledger node, sealed so that no observer learns which device asks, which MNO and which
// service providers its owner bound it to, and checks the answer itself: a checkpoint signed
// by k of its n anchors, the binding record's inclusion in that checkpoint's tree, and the
// device's membership in the binding's device list (a compact proof, doc/formats/
// ledger-records.md §4.8).
//
// Device side: StartDiscovery builds the request, FinishDiscovery checks the answer. Node side:
// DiscoveryService::Handle, with the ledger facts from a DiscoverySource. The device side needs
// crypto, COSE and the device-safe ledger library only.
#ifndef IOTSEC_ONBOARD_DISCOVERY_H_
#define IOTSEC_ONBOARD_DISCOVERY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ecdh.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/onboard/provision.h"
#include "iotsec/onboard/seal.h"

namespace iotsec::onboard {

// kDiscoveryExchange names the exchange in the sealing (seal.h).
inline constexpr char kDiscoveryExchange[] = "discovery";

// DiscoveryTrust is what a device is manufactured with: the ledger's origin and the checkpoint
// keys it trusts (k of n), and the discovery service's name and static X25519 key.
struct DiscoveryTrust {
  std::string origin;
  std::vector<ledger::NoteVerifier> anchors;
  size_t threshold = 1;
  std::string discovery_id;
  X25519Public discovery_key{};
};

// BindingProof proves the binding record that names a device: the record's log entry (the
// signed record without its attachment) at |index| with its RFC 9162 inclusion proof |path| in
// the checkpoint's tree, and the device's member proof in the record's device list.
struct BindingProof {
  uint64_t index = 0;
  std::vector<ledger::Hash> path;
  Bytes entry;
  ledger::BatchMember member;
};

// DiscoveredService is a service the binding names, with the onboarding key that the node
// says it published. The key is a claim until the service proves its KMS record in its own
// answer (provision.h); a wrong key only makes the service unable to open the request.
struct DiscoveredService {
  ServiceRole role = ServiceRole::kMno;
  std::string org_id;
  X25519Public onboarding_key{};
};

// DiscoveryFacts is what a node answers about a device: the signed checkpoint note, the
// binding proof in its tree, and the services the binding names (the MNO first, if any, then
// the service providers in the binding's order) with their onboarding keys.
struct DiscoveryFacts {
  std::string checkpoint;
  BindingProof binding;
  std::vector<DiscoveredService> services;
};

// Discovered is what a device learned and checked: the ledger tree it verified (its size and
// root, which provisioning answers are proven against), the binding's log index, and the
// services to provision from.
struct Discovered {
  uint64_t tree_size = 0;
  ledger::Hash root{};
  uint64_t binding_index = 0;
  std::vector<DiscoveredService> services;
};

// PendingDiscovery is a request on its way.
struct PendingDiscovery {
  Bytes message;  // the sealed request to send
  std::optional<AnswerKey> answer_key;
  std::array<uint8_t, kNonceSize> nonce{};
  std::string device_id;
  // ephemeral is the device's ephemeral key of this onboarding: the request is sealed with it,
  // and so are the provisioning requests that follow (StartProvision, doc/protocol/
  // onboarding.md §3.1).
  std::optional<crypto::X25519PrivateKey> ephemeral;
};

// StartDiscovery builds the request of |device_id|: {1: device id, 2: fresh nonce}, sealed to
// the discovery service with a fresh ephemeral key. kInvalidArgument for a malformed device id
// or trust.
Result<PendingDiscovery> StartDiscovery(std::string_view device_id, const DiscoveryTrust& trust);

// FinishDiscovery opens and checks the answer to |pending| (doc/protocol/onboarding.md §3.2):
// the nonce echoed; the checkpoint opens under |trust| (origin, |threshold| of the anchors);
// the binding entry is included at its index in the checkpoint's tree; it parses
// (ParseRecordEntry) as a binding record of |trust|'s origin; the member proof verifies
// against the count and root it signs and names the device; the services are exactly the
// binding's MNO and service providers, in order. Fails with kUnauthenticated when the answer
// does not open or the checkpoint is not signed by enough anchors, kDataLoss when a proof or
// record does not verify or says something else (the message says what), kInvalidArgument
// when the answer is malformed. Never crashes, whatever the bytes.
Result<Discovered> FinishDiscovery(const PendingDiscovery& pending, ByteSpan answer,
                                   const DiscoveryTrust& trust);

// VerifyDiscoveryAnswer is FinishDiscovery once the answer is open: it checks the answer body
// |body| to the request of |device_id| with |nonce|, and fails the same ways.
Result<Discovered> VerifyDiscoveryAnswer(ByteSpan body, ByteSpan nonce, std::string_view device_id,
                                         const DiscoveryTrust& trust);

// DiscoverySource gives a discovery service the ledger facts about a device. Implementations
// must be thread-safe.
class DiscoverySource {
 public:
  virtual ~DiscoverySource();
  // Discover returns the facts of |device_id|: kNotFound for a device never born,
  // kPermissionDenied for a revoked one, kFailedPrecondition for one that is not bound or whose
  // services have published no onboarding key for the current key period.
  virtual Result<DiscoveryFacts> Discover(std::string_view device_id) = 0;
};

// DiscoveryService answers discovery requests. Thread-safe.
class DiscoveryService {
 public:
  // DiscoveryService answers with |key| (the static key devices seal to) from |source| (not
  // owned).
  DiscoveryService(std::shared_ptr<const crypto::X25519PrivateKey> key, DiscoverySource* source);

  // Handle opens one sealed request (kUnauthenticated if it does not open, kInvalidArgument if
  // malformed), asks the source (its refusals pass through) and returns the sealed answer.
  // Changes no state.
  Result<Bytes> Handle(ByteSpan request);

 private:
  std::shared_ptr<const crypto::X25519PrivateKey> key_;
  DiscoverySource* source_;
};

// CheckpointSignature is one signature of the answer's checkpoint, without its key name (the
// device knows the names of the keys it trusts): the signed-note key ID and the Ed25519
// signature (c2sp.org/signed-note).
struct CheckpointSignature {
  uint32_t key_id = 0;
  std::array<uint8_t, 64> signature{};

  bool operator==(const CheckpointSignature&) const = default;
};

// DiscoveryAnswer is the answer body as it travels (doc/protocol/onboarding.md §3.2): what a
// device cannot rebuild itself. Its checkpoint is the tree size, the root and the signatures;
// the device rebuilds the note from its origin and the names of its anchors. The member item
// is the device's own id; the services are the onboarding keys of the binding's MNO and SPs,
// in the binding's order.
struct DiscoveryAnswer {
  std::array<uint8_t, kNonceSize> nonce{};
  uint64_t tree_size = 0;
  ledger::Hash root{};
  std::vector<CheckpointSignature> signatures;
  uint64_t index = 0;                  // the binding record's log index
  std::vector<ledger::Hash> path;      // its inclusion proof
  Bytes entry;                         // the signed binding record
  uint64_t position = 0;               // the device's position in the binding's list
  std::vector<ledger::Hash> member;    // its member proof
  std::vector<X25519Public> onboarding_keys;

  bool operator==(const DiscoveryAnswer&) const = default;
};

// kMaxCheckpointSignatures bounds the signatures of an answer's checkpoint.
inline constexpr size_t kMaxCheckpointSignatures = 16;

// CompactDiscoveryAnswer is what a node sends for |facts|: the checkpoint note reduced to its
// size, root and Ed25519 signatures (a signature of another type is left out: no device could
// check it), the member item and the services' names left out. kInternal when the facts cannot
// be sent so (a note that does not parse or has extension lines, no Ed25519 signature or more
// than kMaxCheckpointSignatures): a fault of the source, not of the request.
Result<DiscoveryAnswer> CompactDiscoveryAnswer(ByteSpan nonce, const DiscoveryFacts& facts);

// EncodeDiscoveryAnswer and DecodeDiscoveryAnswer are the answer body's codec (before sealing):
// {1: nonce, 2: [size, root, [* key id || signature]], 3: [index, path, entry, position,
// member path], 4: [* onboarding key]}, paths as concatenated 32-octet hashes. Decode is strict
// (one deterministic encoding, bounded sizes): kInvalidArgument otherwise. The overload taking
// facts compacts them first (CompactDiscoveryAnswer).
Result<Bytes> EncodeDiscoveryAnswer(const DiscoveryAnswer& answer);
Result<Bytes> EncodeDiscoveryAnswer(ByteSpan nonce, const DiscoveryFacts& facts);
Result<DiscoveryAnswer> DecodeDiscoveryAnswer(ByteSpan body);

}  // namespace iotsec::onboard

#endif  // IOTSEC_ONBOARD_DISCOVERY_H_
