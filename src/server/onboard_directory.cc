// Copyright iotsec authors.
#include "iotsec/server/onboard_directory.h"

#include <algorithm>

namespace iotsec::server {

Result<onboard::DeviceFacts> LedgerDirectory::Lookup(std::string_view device_id) {
  IOTSEC_TRY(view, node_.Device(device_id));
  onboard::DeviceFacts f;
  std::copy(view.attestation_key.begin(), view.attestation_key.end(), f.attestation_key.begin());
  f.mno = view.mno;
  f.sps = view.sps;
  f.revoked = view.revoked();
  return f;
}

}  // namespace iotsec::server
