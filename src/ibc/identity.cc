// Copyright iotsec authors.
#include "iotsec/ibc/identity.h"

#include <ctime>

namespace iotsec::ibc {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !s.empty();
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) {
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string TwoDigits(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

}  // namespace

std::string KeyPeriod::ToString() const {
  std::string y = std::to_string(year);
  return std::string(4 - std::min<size_t>(4, y.size()), '0') + y + "-" + TwoDigits(month);
}

Result<KeyPeriod> ParseKeyPeriod(std::string_view text) {
  if (text.size() != 7 || text[4] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2))) {
    return Fail(ErrorCode::kInvalidArgument,
                "key period must be YYYY-MM, got \"" + std::string(text.substr(0, 16)) + "\"");
  }
  KeyPeriod p{ToInt(text.substr(0, 4)), ToInt(text.substr(5, 2))};
  if (p.year < 1 || p.month < 1 || p.month > 12) {
    return Fail(ErrorCode::kInvalidArgument, "key period " + std::string(text) + " is not a month");
  }
  return p;
}

KeyPeriod CurrentKeyPeriod() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return KeyPeriod{tm.tm_year + 1900, tm.tm_mon + 1};
}

Result<Bytes> MakeIdentity(const KeyPeriod& period, std::string_view uri) {
  if (uri.empty() || uri.find('|') != std::string_view::npos ||
      uri.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "identity URI must be non-empty, without '|' or NUL");
  }
  std::string s = period.ToString() + "|" + std::string(uri);
  return ToBytes(AsBytes(s));
}

std::optional<Identity> ParseIdentity(ByteSpan id) {
  std::string_view s(reinterpret_cast<const char*>(id.data()), id.size());
  if (s.size() < 9) {
    return std::nullopt;
  }
  auto period = ParseKeyPeriod(s.substr(0, 7));
  if (!period) {
    return std::nullopt;
  }
  std::string_view rest = s.substr(8);
  if (s[7] == '|' && rest.find('|') == std::string_view::npos &&
      rest.find('\0') == std::string_view::npos) {
    return Identity{*period, std::string(rest)};
  }
  // RFC 6509 §3.2.1: "YYYY-MM" NUL uri NUL.
  if (s[7] == '\0' && rest.size() >= 2 && rest.back() == '\0' &&
      rest.substr(0, rest.size() - 1).find('\0') == std::string_view::npos) {
    return Identity{*period, std::string(rest.substr(0, rest.size() - 1))};
  }
  return std::nullopt;
}

Status CheckKeyPeriod(ByteSpan id, const KeyPeriod& now) {
  auto parsed = ParseIdentity(id);
  if (!parsed) {
    return Ok();
  }
  if (parsed->period.Index() < now.Index()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the key period " + parsed->period.ToString() + " of identity " + parsed->uri +
                    " has expired (now " + now.ToString() + ")");
  }
  if (parsed->period.Index() > now.Index()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the key period " + parsed->period.ToString() + " of identity " + parsed->uri +
                    " is not valid yet (now " + now.ToString() + ")");
  }
  return Ok();
}

}  // namespace iotsec::ibc
