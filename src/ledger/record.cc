// Copyright iotsec authors.
// Ledger record names and syntax (doc/formats/ledger-records.md §2), the signer, and the strict
// CBOR field readers shared by the record codec and the genesis config.
#include "iotsec/ledger/record.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>

#include "record_internal.h"

namespace iotsec::ledger {

namespace cbor = cose::cbor;

namespace {

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "manufacturer", "owner", "mno", "sp", "ledger_node", "witness"};


bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view RoleName(Role role) {
  const auto i = static_cast<size_t>(role);
  return i < kRoleNames.size() ? kRoleNames[i] : std::string_view("unknown");
}

Result<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) {
      return static_cast<Role>(i);
    }
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown role \"" + std::string(name) + "\"");
}

RoleSet::RoleSet(std::initializer_list<Role> roles) {
  for (Role r : roles) {
    Add(r);
  }
}

RoleSet RoleSet::FromBits(uint8_t bits) {
  RoleSet s;
  s.bits_ = bits & static_cast<uint8_t>((1u << kRoleCount) - 1);
  return s;
}

std::vector<Role> RoleSet::Roles() const {
  std::vector<Role> out;
  for (int i = 0; i < kRoleCount; ++i) {
    if (Has(static_cast<Role>(i))) {
      out.push_back(static_cast<Role>(i));
    }
  }
  return out;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (Role r : Roles()) {
    if (!out.empty()) {
      out += ",";
    }
    out += RoleName(r);
  }
  return out;
}

std::string FormatKeyPeriod(const ibc::KeyPeriod& period) {
  std::array<char, 8> buf{};
  const int y = period.year;
  const int m = period.month;
  buf[0] = static_cast<char>('0' + (y / 1000) % 10);
  buf[1] = static_cast<char>('0' + (y / 100) % 10);
  buf[2] = static_cast<char>('0' + (y / 10) % 10);
  buf[3] = static_cast<char>('0' + y % 10);
  buf[4] = '-';
  buf[5] = static_cast<char>('0' + (m / 10) % 10);
  buf[6] = static_cast<char>('0' + m % 10);
  return std::string(buf.data(), 7);
}

Result<ibc::KeyPeriod> ParseKeyPeriodText(std::string_view text) {
  // The key period of an identity (ARCHITECTURE.md §5; RFC 6509 §3.2.1 uses "YYYY-MM").
  if (text.size() != 7 || text[4] != '-' || !IsDigit(text[0]) || !IsDigit(text[1]) ||
      !IsDigit(text[2]) || !IsDigit(text[3]) || !IsDigit(text[5]) || !IsDigit(text[6])) {
    return Fail(ErrorCode::kInvalidArgument,
                "key period \"" + std::string(text.substr(0, 16)) + "\" is not YYYY-MM");
  }
  ibc::KeyPeriod p;
  p.year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  p.month = (text[5] - '0') * 10 + (text[6] - '0');
  if (p.year < 1 || p.month < 1 || p.month > 12) {
    return Fail(ErrorCode::kInvalidArgument,
                "key period \"" + std::string(text) + "\" has a year or month out of range");
  }
  return p;
}

Status CheckIdentity(std::string_view identity) {
  const size_t bar = identity.find('|');
  if (bar == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "identity has no '|' after its key period");
  }
  IOTSEC_RETURN_IF_ERROR(ParseKeyPeriodText(identity.substr(0, bar)));
  const std::string_view uri = identity.substr(bar + 1);
  if (uri.empty() || uri.size() > kMaxUriSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "identity URI must have 1.." + std::to_string(kMaxUriSize) + " characters");
  }
  for (char c : uri) {
    if (c <= 0x20 || c >= 0x7f || c == '|') {
      return Fail(ErrorCode::kInvalidArgument,
                  "identity URI must be printable ASCII without spaces or '|'");
    }
  }
  return Ok();
}

std::string_view RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kOrgAdmission:
      return "org_admission";
    case RecordType::kDeviceBirth:
      return "device_birth";
    case RecordType::kOwnershipTransfer:
      return "ownership_transfer";
    case RecordType::kBinding:
      return "binding";
    case RecordType::kKmsParams:
      return "kms_params";
    case RecordType::kRevocation:
      return "revocation";
  }
  return "unknown";
}

RecordType Record::type() const {
  // The variant's alternatives are in RecordType order.
  return static_cast<RecordType>(body.index() + 1);
}

OrgSigner::OrgSigner(std::string origin, std::string org_id, crypto::Ed25519PrivateKey key)
    : origin_(std::move(origin)),
      org_id_(std::move(org_id)),
      public_key_(key.PublicKey().Bytes()),
      signer_(cose::Sign1Signer::EdDsa(std::move(key))) {}

Result<OrgSigner> OrgSigner::Create(std::string_view origin, std::string_view org_id,
                                    crypto::Ed25519PrivateKey key) {
  IOTSEC_RETURN_IF_ERROR(CheckOrigin(origin));
  IOTSEC_RETURN_IF_ERROR(CheckOrgId(org_id));
  return OrgSigner(std::string(origin), std::string(org_id), std::move(key));
}

namespace internal {

Unexpected Malformed(std::string_view what, std::string_view message) {
  return Fail(ErrorCode::kInvalidArgument,
              "ledger record: " + std::string(what) + ": " + std::string(message));
}

Status ReadMap(const cbor::Value& map, std::span<const Field> fields,
               std::span<const cbor::Value*> out, std::string_view what) {
  auto entries = map.as_map();
  if (!entries.has_value()) {
    return Malformed(
        what, std::string("is a ") + std::string(cbor::TypeName(map.type())) + ", not a map");
  }
  std::fill(out.begin(), out.end(), nullptr);
  for (const cbor::MapEntry& e : *entries) {
    size_t found = fields.size();
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      if (f.text == nullptr) {
        auto k = e.key.as_uint();
        if (k.has_value() && *k == f.key) {
          found = i;
          break;
        }
      } else {
        auto k = e.key.as_text();
        if (k.has_value() && *k == f.text) {
          found = i;
          break;
        }
      }
    }
    if (found == fields.size()) {
      std::string key = cbor::ToDiagnostic(e.key);
      if (key.size() > 64) {
        key = key.substr(0, 64) + "...";
      }
      return Malformed(what, "unknown key " + key);
    }
    // The decoder refuses duplicate keys, and encoders never produce them.
    out[found] = &e.value;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].required && out[i] == nullptr) {
      return Malformed(what, std::string("missing ") + fields[i].name);
    }
  }
  return Ok();
}

Result<uint64_t> GetUint(const cbor::Value& v, std::string_view what) {
  auto u = v.as_uint();
  if (!u.has_value()) {
    return Malformed(what, "must be an unsigned integer");
  }
  return *u;
}

Result<std::string_view> GetText(const cbor::Value& v, size_t min, size_t max,
                                 std::string_view what) {
  auto t = v.as_text();
  if (!t.has_value()) {
    return Malformed(what, "must be a text string");
  }
  if (t->size() < min || t->size() > max) {
    return Malformed(what, "must have " + std::to_string(min) + ".." + std::to_string(max) +
                               " octets, has " + std::to_string(t->size()));
  }
  return *t;
}

Result<ByteSpan> GetBytes(const cbor::Value& v, size_t size, std::string_view what) {
  auto b = v.as_bytes();
  if (!b.has_value()) {
    return Malformed(what, "must be a byte string");
  }
  if (b->size() != size) {
    return Malformed(
        what, "must have " + std::to_string(size) + " octets, has " + std::to_string(b->size()));
  }
  return *b;
}

Result<std::span<const cbor::Value>> GetArray(const cbor::Value& v, size_t min, size_t max,
                                              std::string_view what) {
  auto a = v.as_array();
  if (!a.has_value()) {
    return Malformed(what, "must be an array");
  }
  if (a->size() < min || a->size() > max) {
    return Malformed(what, "must have " + std::to_string(min) + ".." + std::to_string(max) +
                               " items, has " + std::to_string(a->size()));
  }
  return *a;
}

Result<bool> GetBool(const cbor::Value& v, std::string_view what) {
  auto b = v.as_bool();
  if (!b.has_value()) {
    return Malformed(what, "must be true or false");
  }
  return *b;
}

Status CheckDisplayText(std::string_view s, size_t max, std::string_view what) {
  if (s.empty() || s.size() > max) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " must have 1.." + std::to_string(max) + " octets");
  }
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(what) + " must not contain control characters");
    }
  }
  return Ok();
}

Status CheckP256Point(ByteSpan point, std::string_view what) {
  if (point.size() != crypto::kP256UncompressedSize || point[0] != 0x04) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " must be an uncompressed P-256 point (65 octets, 0x04...)");
  }
  // One group for the process; EC_GROUP is read-only here and so safe to share.
  static const EC_GROUP* const group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  if (group == nullptr) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "EC_GROUP_new_by_curve_name(P-256) failed");
  }
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> p(EC_POINT_new(group), EC_POINT_free);
  if (p == nullptr) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "EC_POINT_new failed");
  }
  // SP 800-56A §5.6.2.3.4 (partial public-key validation): EC_POINT_oct2point refuses
  // coordinates >= p and points not on the curve; the uncompressed form cannot encode the
  // point at infinity, and P-256 has cofactor 1.
  if (EC_POINT_oct2point(group, p.get(), point.data(), point.size(), nullptr) != 1) {
    std::array<char, 256> text{};
    ERR_error_string_n(ERR_peek_last_error(), text.data(), text.size());
    ERR_clear_error();
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is not a point on P-256 (" + std::string(text.data()) + ")");
  }
  return Ok();
}

Status CheckSakkePoint(ByteSpan point, std::string_view what) {
  if (point.size() != ibc::kSakkePointSize || point[0] != 0x04) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " must be an uncompressed SAKKE point (257 octets, 0x04...)");
  }
  return Ok();
}

}  // namespace internal
}  // namespace iotsec::ledger
