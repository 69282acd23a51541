// Copyright iotsec authors.
// The onboarding services' view of the ledger, from a ledger node's own state, so that a
// service decides from the ledger it runs or trusts, never from what a device claims
// (doc/protocol/onboarding.md §3): LedgerDirectory (a provisioning service's device lookups),
// LedgerKmsProofSource (the proof of a service's own KMS record that its answers carry) and
// LedgerDiscoverySource (what the discovery service answers).
#ifndef IOTSEC_SERVER_ONBOARD_DIRECTORY_H_
#define IOTSEC_SERVER_ONBOARD_DIRECTORY_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "iotsec/ibc/identity.h"
#include "iotsec/onboard/discovery.h"
#include "iotsec/onboard/provision.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::server {

// LedgerDirectory answers from |node| (not owned; it must outlive the directory). Thread-safe.
class LedgerDirectory final : public onboard::DeviceDirectory {
 public:
  explicit LedgerDirectory(LedgerNode& node) : node_(node) {}
  // Lookup returns the device's attestation key, current binding and revocation; kNotFound
  // for a device never born, kInvalidArgument for a malformed id.
  Result<onboard::DeviceFacts> Lookup(std::string_view device_id) override;

 private:
  LedgerNode& node_;
};

// LedgerKmsProofSource proves the KMS-parameters record of organization |org_id| that holds for
// key |period| (the latest it published for that period or before) in the tree of the size a
// device verified. Thread-safe; |node| must outlive it.
class LedgerKmsProofSource final : public onboard::KmsProofSource {
 public:
  LedgerKmsProofSource(LedgerNode& node, std::string org_id, ibc::KeyPeriod period)
      : node_(node), org_id_(std::move(org_id)), period_(period) {}
  // Prove fails with kFailedPrecondition when the tree of |tree_size| leaves is not (yet) in
  // the node's log or does not hold such a record.
  Result<onboard::KmsRecordProof> Prove(uint64_t tree_size) override;

 private:
  LedgerNode& node_;
  const std::string org_id_;
  const ibc::KeyPeriod period_;
  std::mutex mu_;
  onboard::KmsRecordProof last_;  // the last proof given, for its tree size
  uint64_t last_size_ = 0;
};

// LedgerDiscoverySource answers discovery from |node|: the device's binding proven against the
// latest checkpoint, and the onboarding keys of the services it names, from their KMS records
// for the key period |now| returns. Thread-safe; |node| must outlive it.
class LedgerDiscoverySource final : public onboard::DiscoverySource {
 public:
  explicit LedgerDiscoverySource(LedgerNode& node,
                                 std::function<ibc::KeyPeriod()> now = ibc::CurrentKeyPeriod)
      : node_(node), now_(std::move(now)) {}
  Result<onboard::DiscoveryFacts> Discover(std::string_view device_id) override;

 private:
  LedgerNode& node_;
  std::function<ibc::KeyPeriod()> now_;
};

// KmsRecordFor returns the KMS parameters of |org| that hold for |period|: the latest published
// for that period or an earlier one. kFailedPrecondition if there are none.
Result<ledger::KmsParamsView> KmsRecordFor(const ledger::OrgView& org,
                                           const ibc::KeyPeriod& period);

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_ONBOARD_DIRECTORY_H_
