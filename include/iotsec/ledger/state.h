// Copyright iotsec authors.
// LedgerState: the facts that the ledger's records establish (organizations, devices, owners,
// bindings, KMS parameters, revocations), and the validation of a new record against them
// (ARCHITECTURE.md §4, §5). The rules are in doc/formats/ledger-records.md §6. The state is in
// memory; a store persists the records and rebuilds the state by replaying them in log order
// (Validate then Apply each, with its log index).
//
// Refusals carry one of these codes:
//   kInvalidArgument    the record is malformed or not for this ledger (origin), or asks for
//                       something that can never be valid (a transfer to its own signer);
//   kUnauthenticated    the signature does not verify under the signer's key;
//   kPermissionDenied   the signer is unknown or revoked, or lacks the authority or role
//                       (not the admitter, not the manufacturer, not the current owner, ...);
//   kFailedPrecondition the record conflicts with the state: a replayed or stale sequence
//                       number, an already-born, unknown or revoked device, a double transfer,
//                       an unknown, revoked or unsuitable counterpart organization, ...
#ifndef IOTSEC_LEDGER_STATE_H_
#define IOTSEC_LEDGER_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/ibc/sakke.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/state_genesis.h"

namespace iotsec::ledger {

// KmsParamsView is one set of KMS public parameters and the log index of the record that
// published them.
struct KmsParamsView {
  ibc::KeyPeriod period;  // valid from this key period until the next published one
  ibc::EccsiPoint kpak;
  ibc::SakkePoint z;
  OnboardingKey onboarding_key{};  // devices seal onboarding requests to it
  uint64_t log_index = 0;
};

// OrgView is what the ledger knows about an organization.
struct OrgView {
  std::string id;
  std::string name;
  RoleSet roles;
  OrgKey key{};
  // admitter is whether the genesis config lets it admit organizations.
  bool admitter = false;
  // admitted_by and admission_index are the admitting organization and the log index of the
  // admission record; both empty for a root organization of the genesis config.
  std::optional<std::string> admitted_by;
  std::optional<uint64_t> admission_index;
  // revocation_index is the log index of its revocation, if revoked.
  std::optional<uint64_t> revocation_index;
  // last_seq is the sequence number of its latest record on the ledger (0: none yet).
  uint64_t last_seq = 0;
  // kms_params are its published KMS parameters, in ascending order of period.
  std::vector<KmsParamsView> kms_params;
};

// DeviceView is what the ledger knows about a device, with the log index of the record that
// established each fact (for inclusion proofs).
struct DeviceView {
  std::string device_id;
  std::string manufacturer;  // org id
  AttestationKey attestation_key{};
  std::string model;
  // birth_index establishes manufacturer, attestation_key and model.
  uint64_t birth_index = 0;
  // owner is the current owner; owner_index is the birth (the manufacturer owns a newborn
  // device) or the latest ownership transfer.
  std::string owner;
  uint64_t owner_index = 0;
  // mno and sps are the current binding, established by the record at binding_index (empty
  // when the device was never bound since its birth or latest transfer).
  std::optional<std::string> mno;
  std::vector<std::string> sps;
  std::optional<uint64_t> binding_index;
  // revocation_index is the log index of the device's revocation, if revoked.
  std::optional<uint64_t> revocation_index;

  // revoked returns whether the device is revoked.
  bool revoked() const { return revocation_index.has_value(); }
};

// LedgerState holds the current facts of one ledger. Validate is const and may be called from
// several threads at once; Apply and ValidateAndApply need exclusive access. Movable and
// copyable (a copy is a deep copy).
class LedgerState {
 public:
  // Create returns the state of an empty ledger with |genesis|: its root organizations
  // admitted. kInvalidArgument if genesis.Check() fails.
  static Result<LedgerState> Create(GenesisConfig genesis);

  LedgerState(LedgerState&&) noexcept;
  LedgerState& operator=(LedgerState&&) noexcept;
  LedgerState(const LedgerState& other);
  LedgerState& operator=(const LedgerState& other);
  ~LedgerState();

  // genesis returns the configuration the state was created from.
  const GenesisConfig& genesis() const;

  // Validate returns Ok() if |record| may be appended now: it names this ledger's origin, its
  // signer is an admitted organization whose key verifies the signature and which is not
  // revoked, its sequence number is above the signer's last one, the signer has authority over
  // everything the record touches, and it does not conflict with the state (every device of a
  // batch is checked: all or nothing). On failure returns the code listed at the top of this
  // file with a message that says why, naming the first offending device of a batch. The state
  // is never changed.
  Status Validate(const SignedRecord& record) const;

  // Apply records the facts of |record| at log index |log_index|. The record must have passed
  // Validate against this very state (the caller validates, then applies, record after
  // record); applying a record that did not is a caller bug, whose effect on the state is
  // unspecified but memory-safe.
  void Apply(const SignedRecord& record, uint64_t log_index);

  // ValidateAndApply is Validate followed, on success, by Apply; on failure the state is
  // unchanged and the error of Validate is returned.
  Status ValidateAndApply(const SignedRecord& record, uint64_t log_index);

  // ReplayStored is ValidateAndApply for an entry that a node reads back from its own log
  // store while rebuilding its state: every rule is checked except the signature, which was
  // verified before the entry was appended. The store is as trusted as the node's data
  // directory, which also holds the node key (whoever can rewrite the log can sign
  // checkpoints); `iotsec ledger fsck` re-verifies every signature offline. Skipping the
  // signatures makes a restart several times faster (BENCHMARKS.md).
  Status ReplayStored(const SignedRecord& record, uint64_t log_index);

  // BeginTransaction starts recording how to undo the records applied from now on, so that a
  // batch of records that was applied but then could not be made durable can be taken back.
  // Fails with kFailedPrecondition if a transaction is already open.
  Status BeginTransaction();
  // CommitTransaction keeps what was applied since BeginTransaction and drops the undo
  // information; RollbackTransaction restores the state as it was at BeginTransaction. Both
  // fail with kFailedPrecondition if no transaction is open.
  Status CommitTransaction();
  Status RollbackTransaction();
  // in_transaction returns whether a transaction is open.
  bool in_transaction() const;

  // Lookup returns what the ledger knows about |device_id|; kNotFound if no birth record has
  // named it.
  Result<DeviceView> Lookup(std::string_view device_id) const;

  // LookupOrg returns what the ledger knows about organization |org_id| (revoked ones too);
  // kNotFound if it was never admitted.
  Result<OrgView> LookupOrg(std::string_view org_id) const;

  // KmsParamsFor returns the KMS parameters that |org_id| published for |period|: those of the
  // latest period not after |period|. kNotFound if the organization is unknown or has none.
  Result<KmsParamsView> KmsParamsFor(std::string_view org_id, const ibc::KeyPeriod& period) const;

  // IdentityRevocation returns the log index of the revocation of |identity|
  // ("<YYYY-MM>|<uri>") in the KMS of |kms_org_id|, or std::nullopt if it is not revoked.
  std::optional<uint64_t> IdentityRevocation(std::string_view kms_org_id,
                                             std::string_view identity) const;

  // NextSequence returns the smallest sequence number that the next record of |org_id| may
  // carry (its last one + 1); kNotFound if the organization was never admitted.
  Result<uint64_t> NextSequence(std::string_view org_id) const;

  // device_count and org_count return how many devices were born and how many organizations
  // were admitted (root ones included).
  size_t device_count() const;
  size_t org_count() const;

  // MemoryUsage returns an estimate, in octets, of the heap memory the state holds.
  size_t MemoryUsage() const;

  // Digest returns a SHA-256 over every fact of the state in a fixed order, so that two
  // states built from the same records in the same order have the same digest (a store can
  // compare a rebuilt state with a saved digest; tests check that a refusal changed nothing).
  crypto::Sha256Digest Digest() const;

 private:
  Status ValidateImpl(const SignedRecord& record, bool verify_signature) const;
  struct Impl;
  explicit LedgerState(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_STATE_H_
