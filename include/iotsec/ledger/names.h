// Copyright iotsec authors.
// The names of the identity ledger (doc/formats/ledger-records.md §2): ledger origins and key
// names, organization ids, device ids. Device-safe (in iotsec_ledger_verify): a device checks
// the names it is given without linking the node's code.
#ifndef IOTSEC_LEDGER_NAMES_H_
#define IOTSEC_LEDGER_NAMES_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "iotsec/common/result.h"

namespace iotsec::ledger {

// kMaxOrgIdSize bounds an organization id; kMaxNameSize an organization name, the ledger
// origin or a checkpoint key name; kMaxSerialSize a device serial number.
inline constexpr size_t kMaxOrgIdSize = 64;
inline constexpr size_t kMaxNameSize = 256;
inline constexpr size_t kMaxSerialSize = 64;

// CheckOrigin returns Ok() if |origin| is a valid ledger origin name (as in a C2SP checkpoint):
// 1..kMaxNameSize printable ASCII characters other than space and '+'; kInvalidArgument
// otherwise.
Status CheckOrigin(std::string_view origin);

// CheckKeyName returns Ok() if |name| is a ledger origin or checkpoint key name: 1..kMaxNameSize
// printable ASCII characters other than space and '+' (C2SP signed-note key names);
// kInvalidArgument naming |what| otherwise.
Status CheckKeyName(std::string_view name, std::string_view what);

// CheckOrgId returns Ok() if |id| is a valid organization id: 1..kMaxOrgIdSize characters of
// [a-z0-9.-], starting with a letter or digit. kInvalidArgument saying what is wrong otherwise.
Status CheckOrgId(std::string_view id);

// DeviceIdParts are the components of a device id "urn:dev:<manufacturer>:<serial>".
struct DeviceIdParts {
  std::string_view manufacturer;  // an organization id
  std::string_view serial;        // 1..kMaxSerialSize characters of [A-Za-z0-9._-]
};

// ParseDeviceId splits |id| (views into |id|). kInvalidArgument if |id| does not have exactly
// the form urn:dev:<org id>:<serial>.
Result<DeviceIdParts> ParseDeviceId(std::string_view id);

// MakeDeviceId returns "urn:dev:<manufacturer>:<serial>"; kInvalidArgument if a part is
// invalid.
Result<std::string> MakeDeviceId(std::string_view manufacturer, std::string_view serial);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_NAMES_H_
