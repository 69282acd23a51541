// Copyright iotsec authors.
// Ledger names (doc/formats/ledger-records.md §2).
#include "iotsec/ledger/names.h"

namespace iotsec::ledger {
namespace {

constexpr std::string_view kDevicePrefix = "urn:dev:";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsSerialChar(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
}

}  // namespace

Status CheckKeyName(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > kMaxNameSize) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must have 1.." +
                                                 std::to_string(kMaxNameSize) + " characters");
  }
  for (char c : name) {
    // C2SP signed-note: key names and origins contain no spaces and no '+'.
    if (c <= 0x20 || c >= 0x7f || c == '+') {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(what) + " must be printable ASCII without spaces or '+'");
    }
  }
  return Ok();
}

Status CheckOrigin(std::string_view origin) { return CheckKeyName(origin, "ledger origin"); }

Status CheckOrgId(std::string_view id) {
  if (id.empty() || id.size() > kMaxOrgIdSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "organization id must have 1.." + std::to_string(kMaxOrgIdSize) + " characters");
  }
  if (!IsLowerAlnum(id[0])) {
    return Fail(ErrorCode::kInvalidArgument,
                "organization id \"" + std::string(id) + "\" must start with [a-z0-9]");
  }
  for (char c : id) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      return Fail(ErrorCode::kInvalidArgument,
                  "organization id \"" + std::string(id) + "\" has a character outside [a-z0-9.-]");
    }
  }
  return Ok();
}

Result<DeviceIdParts> ParseDeviceId(std::string_view id) {
  auto bad = [&](const std::string& why) {
    // Bound the echo so that a hostile id does not make a huge message.
    return Fail(ErrorCode::kInvalidArgument,
                "device id \"" + std::string(id.substr(0, 160)) + "\" " + why);
  };
  if (!id.starts_with(kDevicePrefix)) {
    return bad("does not start with urn:dev:");
  }
  const std::string_view rest = id.substr(kDevicePrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return bad("has no ':' between manufacturer and serial");
  }
  DeviceIdParts parts{rest.substr(0, colon), rest.substr(colon + 1)};
  if (!CheckOrgId(parts.manufacturer).has_value()) {
    return bad("does not name a valid manufacturer organization id");
  }
  if (parts.serial.empty() || parts.serial.size() > kMaxSerialSize) {
    return bad("must have a serial of 1.." + std::to_string(kMaxSerialSize) + " characters");
  }
  for (char c : parts.serial) {
    if (!IsSerialChar(c)) {
      return bad("has a serial character outside [A-Za-z0-9._-]");
    }
  }
  return parts;
}

Result<std::string> MakeDeviceId(std::string_view manufacturer, std::string_view serial) {
  std::string id =
      std::string(kDevicePrefix) + std::string(manufacturer) + ":" + std::string(serial);
  IOTSEC_RETURN_IF_ERROR(ParseDeviceId(id));
  return id;
}

}  // namespace iotsec::ledger
