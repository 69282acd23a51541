// Copyright iotsec authors.
// The genesis configuration of a ledger: its origin name, the root organizations (with the
// admitters among them), the checkpoint signer and the witnesses. It is not a record on the
// log but the configuration every node and client starts from; LedgerState is built from it.
// Format (CBOR and JSON): doc/formats/ledger-records.md §5.
#ifndef IOTSEC_LEDGER_STATE_GENESIS_H_
#define IOTSEC_LEDGER_STATE_GENESIS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/record.h"

namespace iotsec::ledger {

// kMaxGenesisOrgs and kMaxWitnesses bound the lists of a genesis config.
inline constexpr size_t kMaxGenesisOrgs = 1000;
inline constexpr size_t kMaxWitnesses = 64;

// GenesisOrg is a root organization: admitted by the genesis config itself.
struct GenesisOrg {
  std::string id;         // CheckOrgId
  std::string name;       // 1..kMaxNameSize octets, no control characters
  RoleSet roles;          // at least one
  OrgKey key;             // Ed25519 public key that signs its records
  bool admitter = false;  // may sign organization admissions
};

// CheckpointKey is a key that signs or cosigns checkpoints: a C2SP signed-note key name and an
// Ed25519 public key.
struct CheckpointKey {
  std::string name;
  std::array<uint8_t, 32> key{};
};

// GenesisConfig is the configuration a ledger starts from.
struct GenesisConfig {
  std::string origin;  // the ledger's origin name (CheckOrigin), also in every record
  std::vector<GenesisOrg> orgs;
  CheckpointKey checkpoint_signer;
  std::vector<CheckpointKey> witnesses;
  // witness_quorum is how many witness cosignatures a checkpoint needs (<= witnesses.size()).
  uint32_t witness_quorum = 0;

  // Check returns Ok() when the config is consistent: valid origin, 1..kMaxGenesisOrgs orgs
  // with valid, distinct ids, names and non-empty roles, at least one admitter, valid and
  // distinct key names, witness_quorum <= the number of witnesses. kInvalidArgument naming the
  // first problem otherwise.
  Status Check() const;

  // ToCbor returns the deterministic CBOR encoding (text keys); kInvalidArgument if Check
  // fails.
  Result<Bytes> ToCbor() const;
  // ToJson returns the JSON form (keys as lowercase hex); kInvalidArgument if Check fails.
  Result<std::string> ToJson() const;

  // FromCbor parses the deterministic CBOR encoding strictly (exact keys and types, no unknown
  // key) and checks it; kInvalidArgument naming the problem otherwise.
  static Result<GenesisConfig> FromCbor(ByteSpan cbor);
  // FromJson parses the JSON form strictly (exact keys and types, no unknown or duplicate key,
  // keys as hex) and checks it; kInvalidArgument naming the problem otherwise.
  static Result<GenesisConfig> FromJson(std::string_view json);
};

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_STATE_GENESIS_H_
