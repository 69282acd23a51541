// Copyright iotsec authors.
// Device state proofs: how a device (or any client) checks, by itself, the answer of a ledger
// node to GET /v1/ledger/devices/<device id> (doc/api.md), trusting only its checkpoint anchors
// and the ledger origin.
//
// The answer carries the device's facts as the node claims them, the records that establish
// them (the log entries, doc/formats/ledger-records.md) with their RFC 9162 inclusion proofs,
// and the signed checkpoint (doc/formats/checkpoint.md) of the tree they are proven in.
//
// Record signatures are not verified here: a device has no organization keys. The trust comes
// from the log: the node validated every record (signature, authority, state) before appending
// it, the checkpoint commits to the log, and anyone mirroring the log can re-check every record.
#ifndef IOTSEC_LEDGER_STATE_PROOF_H_
#define IOTSEC_LEDGER_STATE_PROOF_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/state.h"

namespace iotsec::ledger {

// kMaxDeviceStateJsonSize bounds the JSON text of a device-state answer, in octets.
inline constexpr size_t kMaxDeviceStateJsonSize = size_t{32} << 20;
// kMaxDeviceStateRecords bounds the records of a device-state answer (one per role).
inline constexpr size_t kMaxDeviceStateRecords = 4;

// ProvenEntry is one record of a device-state answer with its inclusion proof.
struct ProvenEntry {
  std::string role;  // "birth", "ownership", "binding", "revocation"
  uint64_t index = 0;
  Hash leaf_hash{};
  std::vector<Hash> proof;
  Bytes entry;  // the log entry: the signed record without its attachment
  std::optional<BatchMember> member;  // set exactly for batch records
};

// DeviceStateAnswer is the parsed JSON answer of GET /v1/ledger/devices/<id> (doc/api.md).
struct DeviceStateAnswer {
  DeviceView view;  // the facts as the node claims them
  std::vector<ProvenEntry> records;
  uint64_t tree_size = 0;
  Hash root{};
  std::string checkpoint;  // signed note text
};

// ParseDeviceStateJson parses the answer strictly: a JSON object with exactly the keys of
// doc/api.md, each with its exact JSON type (no unknown or duplicate keys); hex in lowercase of
// exact lengths (attestation key 65 octets, hashes 32, entries 1..kMaxRecordSize); indexes and
// tree_size as non-negative integers; "revoked" equal to whether "revocation_index" is set;
// ids, model and service providers in their ledger syntax (at most kMaxSps); roles among
// "birth", "ownership", "binding", "revocation". Bounded: at most kMaxDeviceStateRecords
// records, proofs of at most kMaxProofSize hashes, a checkpoint of at most kMaxNoteSize octets,
// the whole input at most kMaxDeviceStateJsonSize octets. On success returns the answer, which
// is not yet verified (use VerifyDeviceState). Fails with kInvalidArgument naming the problem
// otherwise; never crashes, whatever the bytes.
Result<DeviceStateAnswer> ParseDeviceStateJson(std::string_view json);

// DeviceStateToJson writes |answer| as the JSON text of doc/api.md (what a node answers and
// ParseDeviceStateJson reads; hex in lowercase).
std::string DeviceStateToJson(const DeviceStateAnswer& answer);

// DeviceTrust is what a device is configured with.
struct DeviceTrust {
  std::string origin;                 // the ledger origin
  std::vector<NoteVerifier> anchors;  // checkpoint keys it trusts
  size_t threshold = 1;               // how many of them must have signed
};

// VerifyDeviceState checks |answer| for |device_id| and returns the verified facts:
//   - the checkpoint opens under |trust| (OpenCheckpoint: origin, k-of-n anchors) and states
//     tree_size and root;
//   - the roles are exactly one "birth", one "ownership", one "binding" iff binding_index is
//     set, one "revocation" iff revocation_index is set;
//   - every record's index is below tree_size and is the index the view claims for its role,
//     its entry hashes to leaf_hash (RFC 9162 §2.1.1) and its proof verifies at index in the
//     checkpoint's tree (RFC 9162 §2.1.3.2);
//   - each record parses (ParseRecordEntry: the signed record, without its attachment); a
//     batch record comes with the member proof of the device's item, which verifies against
//     the count and root the record signs, and no other record has one;
//   - each record names trust.origin and says what the view claims:
//     birth = a DeviceBirthBatch, signed (kid) by the claimed manufacturer, listing the device
//     with the claimed attestation key and model; ownership = the birth record itself (same
//     index, owner == manufacturer) or a later OwnershipTransfer listing the device with
//     new_owner == owner; binding = a Binding, not before the ownership record, listing the
//     device with exactly the claimed mno and sps (without a binding the view claims neither);
//     revocation = a Revocation of kind device naming the device, after the birth;
//   - the view's device_id equals |device_id|, whose manufacturer part is the manufacturer.
// Record signatures are not verified (see the file comment). On success returns the view.
// Fails with kInvalidArgument when |device_id| or |trust| is malformed (no anchors, threshold 0
// or above the anchors), the checkpoint is not a well-formed note, or the answer is malformed
// (its roles are not exactly as above); kUnauthenticated when the checkpoint does not open
// (bad or too few signatures by the anchors, another origin); kDataLoss when the answer is
// about another device, the checkpoint does not state tree_size and root, a hash or proof does
// not verify, an index does not match, or a record is not a record or does not say what the
// view claims (the message says which record and what).
Result<DeviceView> VerifyDeviceState(const DeviceStateAnswer& answer, std::string_view device_id,
                                     const DeviceTrust& trust);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_STATE_PROOF_H_
