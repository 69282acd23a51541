// Copyright iotsec authors.
// LedgerNode: one ledger node in this process (ARCHITECTURE.md §2, §7 "embedded default"). It
// owns the node's data directory: the genesis config, the node key, the LogStore, the
// LedgerState rebuilt from the log, and a LocalSequencer that validates each record against the
// state, appends it durably and signs a new checkpoint after every committed batch. The HTTP
// API (http_api.h) and `iotsec serve` sit on top of it. Directory layout: doc/api.md.
#ifndef IOTSEC_SERVER_LEDGER_NODE_H_
#define IOTSEC_SERVER_LEDGER_NODE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/state.h"
#include "iotsec/ledger/state_genesis.h"
#include "iotsec/ledger/state_proof.h"
#include "iotsec/ledger/store.h"

namespace iotsec::server {

// kGenesisFile is the genesis config in the data directory (JSON, doc/formats/ledger-records.md
// §5); kNodeKeyFile the node's Ed25519 key: its 32-octet RFC 8032 seed, raw, mode 0600.
inline constexpr char kGenesisFile[] = "genesis.json";
inline constexpr char kNodeKeyFile[] = "node.key";
// kDefaultRootOrg is the id of the root organization of a default genesis (the node itself).
inline constexpr char kDefaultRootOrg[] = "node";
// kMaxRecordBytes is the default bound on one submitted record.
inline constexpr size_t kMaxRecordBytes = size_t{4} << 20;

// LedgerNodeOptions configure a LedgerNode.
struct LedgerNodeOptions {
  // create_default_genesis makes Open write a default all-in-one genesis (see
  // InitDefaultGenesis) when the directory has none; otherwise a missing genesis is an error.
  bool create_default_genesis = true;
  // max_record_bytes bounds one record (kInvalidArgument beyond).
  size_t max_record_bytes = kMaxRecordBytes;
  // max_queue_entries bounds the records waiting to be sequenced (kUnavailable beyond).
  size_t max_queue_entries = 65536;
  ledger::LogStoreOptions store;
};

// DefaultGenesisPaths says what InitDefaultGenesis wrote or found.
struct DefaultGenesisPaths {
  std::string genesis;   // DIR/genesis.json
  std::string node_key;  // DIR/node.key: the checkpoint key and the root admitter's key
  bool created = false;  // whether this call created the genesis
};

// InitDefaultGenesis makes |dir| (one level) and, when it has no genesis file, writes a default
// all-in-one genesis: origin "localhost/iotsec/<first 8 hex digits of the node public key>",
// one root organization kDefaultRootOrg (roles ledger_node and witness, admitter) whose key is
// the node key, the node key as the checkpoint signer (key name = the origin), no witnesses.
// The node key is DIR/node.key, generated if missing (written atomically, mode 0600) and reused
// if present. Returns the paths. Fails with kUnavailable on I/O errors, kInvalidArgument when
// an existing node.key is not 32 octets.
Result<DefaultGenesisPaths> InitDefaultGenesis(const std::string& dir);

// ProvenRecord is one record that establishes part of a device's state, with its proof of
// inclusion (RFC 9162 §2.1.3); DeviceProof is a device's state with those records, all proven
// against one checkpoint. They are what a client parses and checks with ParseDeviceStateJson
// and VerifyDeviceState (state_proof.h).
using ProvenRecord = ledger::ProvenEntry;
using DeviceProof = ledger::DeviceStateAnswer;

// SubmitResult is where a record landed in the log.
struct SubmitResult {
  uint64_t index = 0;
  ledger::Hash leaf_hash{};
};

// LedgerNode is a running ledger node. Thread-safe: Submit, DeviceState and the reads may be
// called from any number of threads.
class LedgerNode {
 public:
  // Open opens the node in |dir|: the LogStore (one process per directory), the genesis config
  // (created by InitDefaultGenesis if missing and options.create_default_genesis), the node key
  // (which must match the genesis checkpoint signer), the state rebuilt by validating and
  // applying every stored entry in log order, and a fresh checkpoint when the stored one does
  // not cover the whole log. Fails with kNotFound when there is no genesis and none may be
  // created, kFailedPrecondition when node.key does not match the genesis, kDataLoss when a
  // stored entry does not validate, or the error of the store or files.
  static Result<std::unique_ptr<LedgerNode>> Open(const std::string& dir,
                                                  const LedgerNodeOptions& options = {});

  // ~LedgerNode closes the sequencer (answering every queued submitter) and the store.
  ~LedgerNode();
  LedgerNode(const LedgerNode&) = delete;
  LedgerNode& operator=(const LedgerNode&) = delete;

  // genesis returns the genesis config; origin its origin.
  const ledger::GenesisConfig& genesis() const;
  const std::string& origin() const;
  // verifier returns the checkpoint verifier key of this node (for clients' trust anchors).
  const ledger::NoteVerifier& verifier() const;

  // Submit parses |record|, hands it to the sequencer and blocks until it is durable and
  // covered by a signed checkpoint. Returns its index and leaf hash. Fails with
  // kInvalidArgument for an oversized or malformed record, the state's refusal code
  // (kUnauthenticated, kPermissionDenied, kFailedPrecondition, ...), kUnavailable when the
  // queue is full or the store failed, kFailedPrecondition once closed.
  Result<SubmitResult> Submit(Bytes record);

  // DeviceState returns what the ledger knows about |device_id| with inclusion proofs of its
  // birth, ownership, binding and revocation records against the latest checkpoint (batch
  // records with the device's member proof); with |binding_only|, of its binding record only
  // (what discovery sends a device). Fails with kNotFound for an unknown device,
  // kInvalidArgument for a malformed id.
  Result<DeviceProof> DeviceState(std::string_view device_id, bool binding_only = false);

  // Org returns what the ledger knows about organization |org_id| (revoked ones too), e.g.
  // the sequence number its next record must exceed. kNotFound if it was never admitted.
  Result<ledger::OrgView> Org(std::string_view org_id);

  // Device returns what the ledger knows about |device_id| now, without proofs (what a
  // provisioning service checks in its own view). kNotFound for a device never born,
  // kInvalidArgument for a malformed id.
  Result<ledger::DeviceView> Device(std::string_view device_id);

  // LatestCheckpoint returns the latest signed checkpoint (there always is one after Open).
  Result<ledger::StoredCheckpoint> LatestCheckpoint();

  // store returns the log store, for the read API (tiles, entries). Owned by the node.
  ledger::LogStore& store();

 private:
  struct Impl;
  explicit LedgerNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_LEDGER_NODE_H_
