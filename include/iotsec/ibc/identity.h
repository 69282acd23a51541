// Copyright iotsec authors.
// IBC identities with a key period (ARCHITECTURE.md §5): "<YYYY-MM>|<uri>", so that keys expire
// with their period and revocation needs no certificate list. The form of RFC 6509 §3.2.1,
// "<YYYY-MM>\0<uri>\0", is also recognized, so that the RFC's identities keep their period.
// Formats: doc/formats/ibc-keys.md.
#ifndef IOTSEC_IBC_IDENTITY_H_
#define IOTSEC_IBC_IDENTITY_H_

#include <optional>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::ibc {

// KeyPeriod is a calendar month, the validity period of identity keys.
struct KeyPeriod {
  int year = 0;   // 1..9999
  int month = 0;  // 1..12

  // ToString returns "YYYY-MM".
  std::string ToString() const;
  // Index returns year * 12 + (month - 1), for comparisons.
  int Index() const { return year * 12 + (month - 1); }
  friend bool operator==(const KeyPeriod&, const KeyPeriod&) = default;
};

// ParseKeyPeriod parses exactly "YYYY-MM" (four digits, dash, two digits, month 01..12).
// kInvalidArgument otherwise.
Result<KeyPeriod> ParseKeyPeriod(std::string_view text);

// CurrentKeyPeriod returns the UTC calendar month of the system clock.
KeyPeriod CurrentKeyPeriod();

// Identity is an identity split into its key period and URI.
struct Identity {
  KeyPeriod period;
  std::string uri;
};

// MakeIdentity returns the octets "<YYYY-MM>|<uri>". kInvalidArgument if |uri| is empty or
// contains '|' or NUL.
Result<Bytes> MakeIdentity(const KeyPeriod& period, std::string_view uri);

// ParseIdentity splits |id| into period and URI if it has one of the two forms above, and
// returns std::nullopt if it has neither (an identity without a key period).
std::optional<Identity> ParseIdentity(ByteSpan id);

// CheckKeyPeriod refuses an identity whose key period is not |now|: kFailedPrecondition saying
// that the period has expired (it is before |now|) or is not yet valid (after |now|). An
// identity without a key period passes (its validity is then the caller's policy).
Status CheckKeyPeriod(ByteSpan id, const KeyPeriod& now);

}  // namespace iotsec::ibc

#endif  // IOTSEC_IBC_IDENTITY_H_
