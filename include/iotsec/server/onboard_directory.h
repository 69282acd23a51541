// Copyright iotsec authors.
// LedgerDirectory: the device lookups of an onboarding service (onboard::DeviceDirectory) from
// a ledger node's own state, so that a service decides from the ledger it runs or trusts, never
// from what a device claims (doc/protocol/onboarding.md §3.3).
#ifndef IOTSEC_SERVER_ONBOARD_DIRECTORY_H_
#define IOTSEC_SERVER_ONBOARD_DIRECTORY_H_

#include <string_view>

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

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_ONBOARD_DIRECTORY_H_
