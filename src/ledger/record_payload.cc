// Copyright iotsec authors.
// The ledger record codec (doc/formats/ledger-records.md §3, §4): the payload schema of every
// record type, the COSE_Sign1 envelope (RFC 9052 §4.2, §4.4), and the state-free checks.
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/cose/cose.h"
#include "iotsec/cose/sign1.h"
#include "iotsec/ledger/record.h"
#include "record_internal.h"

namespace iotsec::ledger {

namespace cbor = cose::cbor;
using cbor::MapEntry;
using cbor::Value;
using internal::Field;
using internal::GetArray;
using internal::GetBytes;
using internal::GetText;
using internal::GetUint;
using internal::Malformed;

namespace {

// Payload keys common to every record (doc/formats/ledger-records.md §3).
constexpr uint64_t kKeyType = 1;
constexpr uint64_t kKeyOrigin = 2;
constexpr uint64_t kKeySeq = 3;
// Type-specific keys start at 4; their meaning depends on the type.
constexpr uint64_t kKey4 = 4;
constexpr uint64_t kKey5 = 5;
constexpr uint64_t kKey6 = 6;
constexpr uint64_t kKey7 = 7;

constexpr size_t kEd25519SignatureSize = crypto::kEd25519SignatureSize;
// RFC 9053 §2.2: EdDSA is algorithm -8.
constexpr int64_t kAlgEdDsa = static_cast<int64_t>(cose::Algorithm::kEdDsa);

// Every field table starts with the three common keys, in this order.
constexpr Field kType{kKeyType, nullptr, true, "type (1)"};
constexpr Field kOrigin{kKeyOrigin, nullptr, true, "origin (2)"};
constexpr Field kSeq{kKeySeq, nullptr, true, "seq (3)"};

constexpr Field kAdmissionFields[] = {kType,
                                      kOrigin,
                                      kSeq,
                                      {kKey4, nullptr, true, "org id (4)"},
                                      {kKey5, nullptr, true, "name (5)"},
                                      {kKey6, nullptr, true, "roles (6)"},
                                      {kKey7, nullptr, true, "key (7)"}};
constexpr Field kBirthFields[] = {kType, kOrigin, kSeq, {kKey4, nullptr, true, "devices (4)"}};
// A KMS-parameters payload carries SHA-256 of z (key 6) and the onboarding key (key 7).
constexpr Field kTransferFields[] = {kType,
                                     kOrigin,
                                     kSeq,
                                     {kKey4, nullptr, true, "devices (4)"},
                                     {kKey5, nullptr, true, "new owner (5)"}};
constexpr Field kBindingFields[] = {kType,
                                    kOrigin,
                                    kSeq,
                                    {kKey4, nullptr, true, "devices (4)"},
                                    {kKey5, nullptr, false, "mno (5)"},
                                    {kKey6, nullptr, true, "sps (6)"}};
constexpr Field kKmsFields[] = {kType,
                                kOrigin,
                                kSeq,
                                {kKey4, nullptr, true, "period (4)"},
                                {kKey5, nullptr, true, "kpak (5)"},
                                {kKey6, nullptr, true, "z digest (6)"},
                                {kKey7, nullptr, true, "onboarding key (7)"}};
constexpr Field kRevocationFields[] = {
    kType, kOrigin, kSeq, {kKey4, nullptr, true, "kind (4)"}, {kKey5, nullptr, true, "target (5)"}};

std::span<const Field> FieldsOf(RecordType type) {
  switch (type) {
    case RecordType::kOrgAdmission:
      return kAdmissionFields;
    case RecordType::kDeviceBirth:
      return kBirthFields;
    case RecordType::kOwnershipTransfer:
      return kTransferFields;
    case RecordType::kBinding:
      return kBindingFields;
    case RecordType::kKmsParams:
      return kKmsFields;
    case RecordType::kRevocation:
      return kRevocationFields;
  }
  return {};
}

// BatchCount returns the number of devices of a birth, transfer or binding record; 0 for
// other types.
size_t BatchCount(const Record& record) {
  if (const auto* b = std::get_if<DeviceBirthBatch>(&record.body)) {
    return b->devices.size();
  }
  if (const auto* t = std::get_if<OwnershipTransfer>(&record.body)) {
    return t->devices.size();
  }
  if (const auto* bind = std::get_if<Binding>(&record.body)) {
    return bind->devices.size();
  }
  return 0;
}

// CheckAscending checks that |ids| are strictly ascending (bytewise), which also excludes
// duplicates, and that each passes |check|.
template <typename Container, typename Get, typename Check>
Status CheckAscending(const Container& items, Get get, Check check, std::string_view what) {
  std::string_view prev;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string_view id = get(items[i]);
    IOTSEC_RETURN_IF_ERROR(check(id));
    if (i > 0 && !(prev < id)) {
      const std::string where = " must be in strictly ascending order without duplicates; item ";
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(what) + where + std::to_string(i) + " is not");
    }
    prev = id;
  }
  return Ok();
}

Status CheckDeviceList(const std::vector<std::string>& devices) {
  if (devices.empty() || devices.size() > kMaxBatchDevices) {
    return Fail(ErrorCode::kInvalidArgument, "a record must name 1.." +
                                                 std::to_string(kMaxBatchDevices) +
                                                 " devices, not " + std::to_string(devices.size()));
  }
  return CheckAscending(
      devices, [](const std::string& s) -> std::string_view { return s; },
      [](std::string_view id) -> Status {
        IOTSEC_RETURN_IF_ERROR(ParseDeviceId(id));
        return Ok();
      },
      "devices");
}

Status CheckBody(const OrgAdmission& a, bool) {
  IOTSEC_RETURN_IF_ERROR(CheckOrgId(a.org_id));
  IOTSEC_RETURN_IF_ERROR(internal::CheckDisplayText(a.name, kMaxNameSize, "organization name"));
  if (a.roles.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an admitted organization needs at least one role");
  }
  return Ok();
}

Status CheckBody(const DeviceBirthBatch& b, bool lists) {
  if (!lists) {
    return Ok();
  }
  if (b.devices.empty() || b.devices.size() > kMaxBatchDevices) {
    return Fail(ErrorCode::kInvalidArgument,
                "a birth record must hold 1.." + std::to_string(kMaxBatchDevices) +
                    " devices, not " + std::to_string(b.devices.size()));
  }
  IOTSEC_RETURN_IF_ERROR(CheckAscending(
      b.devices, [](const DeviceBirth& d) -> std::string_view { return d.device_id; },
      [](std::string_view id) -> Status {
        IOTSEC_RETURN_IF_ERROR(ParseDeviceId(id));
        return Ok();
      },
      "born devices"));
  for (const DeviceBirth& d : b.devices) {
    IOTSEC_RETURN_IF_ERROR(internal::CheckDisplayText(d.model, kMaxModelSize, "device model"));
    auto key = internal::CheckP256Point(d.attestation_key, "attestation key of " + d.device_id);
    if (!key.has_value()) {
      return key;
    }
  }
  return Ok();
}

Status CheckBody(const OwnershipTransfer& t, bool lists) {
  if (lists) {
    IOTSEC_RETURN_IF_ERROR(CheckDeviceList(t.devices));
  }
  return CheckOrgId(t.new_owner);
}

Status CheckBody(const Binding& b, bool lists) {
  if (lists) {
    IOTSEC_RETURN_IF_ERROR(CheckDeviceList(b.devices));
  }
  if (b.mno.has_value()) {
    IOTSEC_RETURN_IF_ERROR(CheckOrgId(*b.mno));
  }
  if (b.sps.size() > kMaxSps) {
    return Fail(ErrorCode::kInvalidArgument,
                "a binding names at most " + std::to_string(kMaxSps) + " service providers");
  }
  return CheckAscending(
      b.sps, [](const std::string& s) -> std::string_view { return s; },
      [](std::string_view id) { return CheckOrgId(id); }, "service providers");
}

Status CheckBody(const KmsParams& k, bool lists) {
  if (k.period.year < 1 || k.period.year > 9999 || k.period.month < 1 || k.period.month > 12) {
    return Fail(ErrorCode::kInvalidArgument, "KMS key period is out of range");
  }
  IOTSEC_RETURN_IF_ERROR(internal::CheckP256Point(k.kpak, "KPAK"));
  return lists ? internal::CheckSakkePoint(k.z, "SAKKE Z") : Ok();
}

Status CheckBody(const Revocation& r, bool) {
  switch (r.kind) {
    case RevocationTarget::kDevice: {
      IOTSEC_RETURN_IF_ERROR(ParseDeviceId(r.target));
      return Ok();
    }
    case RevocationTarget::kIdentity:
      return CheckIdentity(r.target);
    case RevocationTarget::kOrg:
      return CheckOrgId(r.target);
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown revocation kind");
}

// --- Encoding -----------------------------------------------------------------------------

// Commitment is the payload value of a device list: [count, root] (§4.8).
Value Commitment(const Record& record) {
  // The list's checks (CheckRecord) ran before; BatchTree cannot fail for a batch type.
  const Hash root = BatchTree(record)->Root();
  return Value::Array({Value::Uint(BatchCount(record)), Value::ByteString(root)});
}

void AddBody(const OrgAdmission& a, const Record&, std::vector<MapEntry>& m) {
  std::vector<Value> roles;
  for (Role r : a.roles.Roles()) {
    roles.push_back(Value::TextString(RoleName(r)));
  }
  m.push_back({Value::Uint(kKey4), Value::TextString(a.org_id)});
  m.push_back({Value::Uint(kKey5), Value::TextString(a.name)});
  m.push_back({Value::Uint(kKey6), Value::Array(std::move(roles))});
  m.push_back({Value::Uint(kKey7), Value::ByteString(a.key)});
}

void AddBody(const DeviceBirthBatch&, const Record& record, std::vector<MapEntry>& m) {
  m.push_back({Value::Uint(kKey4), Commitment(record)});
}

void AddBody(const OwnershipTransfer& t, const Record& record, std::vector<MapEntry>& m) {
  m.push_back({Value::Uint(kKey4), Commitment(record)});
  m.push_back({Value::Uint(kKey5), Value::TextString(t.new_owner)});
}

void AddBody(const Binding& b, const Record& record, std::vector<MapEntry>& m) {
  m.push_back({Value::Uint(kKey4), Commitment(record)});
  if (b.mno.has_value()) {
    m.push_back({Value::Uint(kKey5), Value::TextString(*b.mno)});
  }
  std::vector<Value> sps;
  for (const std::string& sp : b.sps) {
    sps.push_back(Value::TextString(sp));
  }
  m.push_back({Value::Uint(kKey6), Value::Array(std::move(sps))});
}

void AddBody(const KmsParams& k, const Record&, std::vector<MapEntry>& m) {
  m.push_back({Value::Uint(kKey4), Value::TextString(FormatKeyPeriod(k.period))});
  m.push_back({Value::Uint(kKey5), Value::ByteString(k.kpak)});
  m.push_back({Value::Uint(kKey6), Value::ByteString(crypto::Sha256(k.z))});
  m.push_back({Value::Uint(kKey7), Value::ByteString(k.onboarding_key)});
}

void AddBody(const Revocation& r, const Record&, std::vector<MapEntry>& m) {
  m.push_back({Value::Uint(kKey4), Value::Uint(static_cast<uint64_t>(r.kind))});
  m.push_back({Value::Uint(kKey5), Value::TextString(r.target)});
}

Result<Bytes> EncodePayload(const Record& record, std::string_view origin) {
  std::vector<MapEntry> m;
  m.push_back({Value::Uint(kKeyType), Value::Uint(static_cast<uint64_t>(record.type()))});
  m.push_back({Value::Uint(kKeyOrigin), Value::TextString(origin)});
  m.push_back({Value::Uint(kKeySeq), Value::Uint(record.seq)});
  std::visit([&](const auto& body) { AddBody(body, record, m); }, record.body);
  return cbor::Encode(Value::Map(std::move(m)));
}

// EncodeAttachment returns the attachment of |record| (§4.8): the array of its batch items, or
// z as a byte string; empty for the other types.
Bytes EncodeAttachment(const Record& record) {
  if (const auto* k = std::get_if<KmsParams>(&record.body)) {
    return cbor::Encode(Value::ByteString(k->z)).value_or(Bytes{});
  }
  if (!HasAttachment(record.type())) {
    return {};
  }
  const size_t n = BatchCount(record);
  Bytes out;
  cbor::AppendHead(out, 4, n);  // array of n items (RFC 8949 §3.1, major type 4)
  for (size_t i = 0; i < n; ++i) {
    const Bytes item = BatchItem(record, i);
    out.insert(out.end(), item.begin(), item.end());
  }
  return out;
}

// --- Decoding -----------------------------------------------------------------------------

Result<std::vector<std::string>> DecodeTextArray(const Value& v, size_t min, size_t max,
                                                 size_t max_len, std::string_view what) {
  IOTSEC_TRY(items, GetArray(v, min, max, what));
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const Value& item : items) {
    IOTSEC_TRY(text, GetText(item, 1, max_len, what));
    out.emplace_back(text);
  }
  return out;
}

constexpr size_t kMaxDeviceIdSize = 8 + kMaxOrgIdSize + 1 + kMaxSerialSize;

// DecodeCommitment reads the [count, root] of a device list (§4.8).
Result<BatchCommitment> DecodeCommitment(const Value& v) {
  IOTSEC_TRY(parts, GetArray(v, 2, 2, "devices"));
  IOTSEC_TRY(count, GetUint(parts[0], "device count"));
  if (count < 1 || count > kMaxBatchDevices) {
    return Malformed("devices", "a record must name 1.." + std::to_string(kMaxBatchDevices) +
                                    " devices, not " + std::to_string(count));
  }
  IOTSEC_TRY(root, GetBytes(parts[1], 32, "devices root"));
  BatchCommitment c;
  c.count = count;
  internal::CopyTo(root, c.root);
  return c;
}

// DecodeBody reads the type-specific keys of a payload. A birth, transfer or binding gets
// its commitment in |batch| and an empty device list (DecodeAttachment fills it); KMS
// parameters get z's digest in |z_digest| and an all-zero z.
Result<RecordBody> DecodeBody(RecordType type, std::span<const Value*> f,
                              std::optional<BatchCommitment>& batch, Hash& z_digest) {
  switch (type) {
    case RecordType::kOrgAdmission: {
      OrgAdmission a;
      IOTSEC_TRY(id, GetText(*f[3], 1, kMaxOrgIdSize, "org id"));
      IOTSEC_TRY(name, GetText(*f[4], 1, kMaxNameSize, "name"));
      IOTSEC_TRY(roles, GetArray(*f[5], 1, kRoleCount, "roles"));
      int prev = -1;
      for (const Value& r : roles) {
        IOTSEC_TRY(text, GetText(r, 1, 32, "role"));
        auto role = ParseRole(text);
        if (!role.has_value()) {
          return Malformed("roles", role.error().message());
        }
        // Canonical form: the roles in Role order, each once.
        if (static_cast<int>(*role) <= prev) {
          return Malformed("roles", "must be in canonical order without duplicates");
        }
        prev = static_cast<int>(*role);
        a.roles.Add(*role);
      }
      IOTSEC_TRY(key, GetBytes(*f[6], crypto::kEd25519KeySize, "key"));
      a.org_id = std::string(id);
      a.name = std::string(name);
      internal::CopyTo(key, a.key);
      return RecordBody(std::move(a));
    }
    case RecordType::kDeviceBirth: {
      IOTSEC_TRY(c, DecodeCommitment(*f[3]));
      batch = c;
      return RecordBody(DeviceBirthBatch{});
    }
    case RecordType::kOwnershipTransfer: {
      OwnershipTransfer t;
      IOTSEC_TRY(c, DecodeCommitment(*f[3]));
      batch = c;
      IOTSEC_TRY(owner, GetText(*f[4], 1, kMaxOrgIdSize, "new owner"));
      t.new_owner = std::string(owner);
      return RecordBody(std::move(t));
    }
    case RecordType::kBinding: {
      Binding b;
      IOTSEC_TRY(c, DecodeCommitment(*f[3]));
      batch = c;
      if (f[4] != nullptr) {
        IOTSEC_TRY(mno, GetText(*f[4], 1, kMaxOrgIdSize, "mno"));
        b.mno = std::string(mno);
      }
      IOTSEC_TRY(sps, DecodeTextArray(*f[5], 0, kMaxSps, kMaxOrgIdSize, "sps"));
      b.sps = std::move(sps);
      return RecordBody(std::move(b));
    }
    case RecordType::kKmsParams: {
      KmsParams k;
      IOTSEC_TRY(period_text, GetText(*f[3], 7, 7, "period"));
      auto period = ParseKeyPeriodText(period_text);
      if (!period.has_value()) {
        return Malformed("period", period.error().message());
      }
      IOTSEC_TRY(kpak, GetBytes(*f[4], ibc::kEccsiPointSize, "kpak"));
      IOTSEC_TRY(digest, GetBytes(*f[5], crypto::kSha256Size, "z digest"));
      IOTSEC_TRY(onboarding, GetBytes(*f[6], 32, "onboarding key"));
      k.period = *period;
      internal::CopyTo(kpak, k.kpak);
      internal::CopyTo(digest, z_digest);
      internal::CopyTo(onboarding, k.onboarding_key);
      return RecordBody(std::move(k));
    }
    case RecordType::kRevocation: {
      Revocation r;
      IOTSEC_TRY(kind, GetUint(*f[3], "kind"));
      if (kind < 1 || kind > 3) {
        return Malformed("kind", "must be 1 (device), 2 (identity) or 3 (organization)");
      }
      IOTSEC_TRY(target, GetText(*f[4], 1, 8 + kMaxUriSize, "target"));
      r.kind = static_cast<RevocationTarget>(kind);
      r.target = std::string(target);
      return RecordBody(std::move(r));
    }
  }
  return Malformed("type", "unknown record type");
}

// DecodeAttachment reads |attachment| (§4.8) into |body|: the device list of a batch, which
// must match |batch| (count and root, checked by the caller after the list checks), or z,
// whose SHA-256 must be |z_digest|.
Status DecodeAttachment(ByteSpan attachment, RecordBody& body, const Hash& z_digest) {
  cbor::DecodeLimits limits;
  limits.max_depth = 2;
  limits.max_items = 4 * kMaxBatchDevices + 4;
  limits.max_string_length = kMaxRecordSize;
  auto v = cbor::Decode(attachment, limits);
  if (!v.has_value()) {
    return Malformed("attachment", v.error().message());
  }
  if (auto* k = std::get_if<KmsParams>(&body)) {
    IOTSEC_TRY(z, GetBytes(*v, ibc::kSakkePointSize, "z"));
    if (crypto::Sha256(z) != z_digest) {
      return Malformed("attachment", "z does not match the digest the record signs");
    }
    internal::CopyTo(z, k->z);
    return Ok();
  }
  IOTSEC_TRY(items, GetArray(*v, 1, kMaxBatchDevices, "devices"));
  if (auto* b = std::get_if<DeviceBirthBatch>(&body)) {
    b->devices.resize(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      IOTSEC_TRY(fields, GetArray(items[i], 3, 3, "born device"));
      IOTSEC_TRY(id, GetText(fields[0], 1, kMaxDeviceIdSize, "device id"));
      IOTSEC_TRY(key, GetBytes(fields[1], crypto::kP256UncompressedSize, "attestation key"));
      IOTSEC_TRY(model, GetText(fields[2], 1, kMaxModelSize, "model"));
      DeviceBirth& d = b->devices[i];
      d.device_id = std::string(id);
      internal::CopyTo(key, d.attestation_key);
      d.model = std::string(model);
    }
    return Ok();
  }
  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const Value& item : items) {
    IOTSEC_TRY(text, GetText(item, 1, kMaxDeviceIdSize, "device id"));
    ids.emplace_back(text);
  }
  if (auto* t = std::get_if<OwnershipTransfer>(&body)) {
    t->devices = std::move(ids);
  } else if (auto* bind = std::get_if<Binding>(&body)) {
    bind->devices = std::move(ids);
  } else {
    return Malformed("attachment", "records of this type have none");
  }
  return Ok();
}

// HeadSize returns the size of the shortest CBOR head with argument |n| (RFC 8949 §3).
size_t HeadSize(uint64_t n) {
  if (n < 24) {
    return 1;
  }
  if (n <= 0xff) {
    return 2;
  }
  if (n <= 0xffff) {
    return 3;
  }
  if (n <= 0xffffffff) {
    return 5;
  }
  return 9;
}

}  // namespace

void SortBatch(Record& record) {
  if (auto* b = std::get_if<DeviceBirthBatch>(&record.body)) {
    std::sort(b->devices.begin(), b->devices.end(),
              [](const DeviceBirth& x, const DeviceBirth& y) { return x.device_id < y.device_id; });
  } else if (auto* t = std::get_if<OwnershipTransfer>(&record.body)) {
    std::sort(t->devices.begin(), t->devices.end());
  } else if (auto* bind = std::get_if<Binding>(&record.body)) {
    std::sort(bind->devices.begin(), bind->devices.end());
    std::sort(bind->sps.begin(), bind->sps.end());
  }
}

namespace {

// CheckRecordImpl is CheckRecord; without |lists| it skips the device lists and z (which an
// entry parsed without its attachment does not have).
Status CheckRecordImpl(const Record& record, bool lists) {
  if (record.seq == 0) {
    return Fail(ErrorCode::kInvalidArgument, "sequence number must be at least 1");
  }
  return std::visit([lists](const auto& body) { return CheckBody(body, lists); }, record.body);
}

}  // namespace

Status CheckRecord(const Record& record) { return CheckRecordImpl(record, true); }

bool HasAttachment(RecordType type) {
  return type == RecordType::kDeviceBirth || type == RecordType::kOwnershipTransfer ||
         type == RecordType::kBinding || type == RecordType::kKmsParams;
}

Bytes BatchItem(const Record& record, size_t i) {
  Bytes out;
  if (i >= BatchCount(record)) {
    return out;
  }
  auto text = [&out](std::string_view s) {
    cbor::AppendHead(out, 3, s.size());  // RFC 8949 §3.1: major type 3, text string
    out.insert(out.end(), s.begin(), s.end());
  };
  if (const auto* b = std::get_if<DeviceBirthBatch>(&record.body)) {
    const DeviceBirth& d = b->devices[i];
    cbor::AppendHead(out, 4, 3);
    text(d.device_id);
    cbor::AppendHead(out, 2, d.attestation_key.size());
    out.insert(out.end(), d.attestation_key.begin(), d.attestation_key.end());
    text(d.model);
  } else if (const auto* t = std::get_if<OwnershipTransfer>(&record.body)) {
    text(t->devices[i]);
  } else if (const auto* bind = std::get_if<Binding>(&record.body)) {
    text(bind->devices[i]);
  }
  return out;
}

Result<MemoryTree> BatchTree(const Record& record) {
  const RecordType type = record.type();
  if (!HasAttachment(type) || type == RecordType::kKmsParams) {
    return Fail(ErrorCode::kInvalidArgument, "only births, transfers and bindings have a batch");
  }
  MemoryTree tree;
  const size_t n = BatchCount(record);
  for (size_t i = 0; i < n; ++i) {
    tree.AppendLeaf(BatchItem(record, i));  // RFC 9162 §2.1.1: leaf hash of the item
  }
  return tree;
}

Result<DeviceBirth> ParseBirthItem(ByteSpan item) {
  cbor::DecodeLimits limits;
  limits.max_depth = 2;
  limits.max_items = 4;
  auto v = cbor::Decode(item, limits);
  if (!v.has_value()) {
    return Malformed("born device", v.error().message());
  }
  IOTSEC_TRY(fields, GetArray(*v, 3, 3, "born device"));
  IOTSEC_TRY(id, GetText(fields[0], 1, kMaxDeviceIdSize, "device id"));
  IOTSEC_TRY(key, GetBytes(fields[1], crypto::kP256UncompressedSize, "attestation key"));
  IOTSEC_TRY(model, GetText(fields[2], 1, kMaxModelSize, "model"));
  DeviceBirth d;
  d.device_id = std::string(id);
  internal::CopyTo(key, d.attestation_key);
  d.model = std::string(model);
  if (auto s = ParseDeviceId(d.device_id); !s.has_value()) {
    return Malformed("born device", s.error().message());
  }
  IOTSEC_RETURN_IF_ERROR(internal::CheckDisplayText(d.model, kMaxModelSize, "device model"));
  IOTSEC_RETURN_IF_ERROR(internal::CheckP256Point(d.attestation_key, "attestation key"));
  return d;
}

Result<std::string> ParseDeviceItem(ByteSpan item) {
  cbor::DecodeLimits limits;
  limits.max_depth = 1;
  limits.max_items = 1;
  auto v = cbor::Decode(item, limits);
  if (!v.has_value()) {
    return Malformed("device", v.error().message());
  }
  IOTSEC_TRY(id, GetText(*v, 1, kMaxDeviceIdSize, "device id"));
  if (auto s = ParseDeviceId(id); !s.has_value()) {
    return Malformed("device", s.error().message());
  }
  return std::string(id);
}

namespace {

// HeadOf reads the CBOR head at |in[pos]| (RFC 8949 §3): major type, argument and head size;
// false for a reserved or indefinite-length head or one cut short.
bool HeadOf(ByteSpan in, size_t pos, uint8_t& major, uint64_t& arg, size_t& size) {
  if (pos >= in.size()) {
    return false;
  }
  major = in[pos] >> 5;
  const uint8_t info = in[pos] & 0x1f;
  if (info < 24) {
    arg = info;
    size = 1;
    return true;
  }
  if (info > 27) {
    return false;
  }
  size = 1 + (size_t{1} << (info - 24));
  if (size > in.size() - pos) {
    return false;
  }
  arg = 0;
  for (size_t i = 1; i < size; ++i) {
    arg = (arg << 8) | in[pos + i];
  }
  return true;
}

// SkipItem returns the position after the data item at |pos| (definite lengths only, nested
// at most |depth| deep); 0 when it is malformed or cut short.
size_t SkipItem(ByteSpan in, size_t pos, int depth) {
  uint8_t major = 0;
  uint64_t arg = 0;
  size_t head = 0;
  if (depth < 0 || !HeadOf(in, pos, major, arg, head)) {
    return 0;
  }
  pos += head;
  switch (major) {
    case 2:
    case 3:
      return arg > in.size() - pos ? 0 : pos + static_cast<size_t>(arg);
    case 4:
    case 5: {
      const uint64_t n = major == 4 ? arg : 2 * arg;
      if (n > in.size() - pos) {
        return 0;  // each item takes at least one octet
      }
      for (uint64_t i = 0; i < n; ++i) {
        pos = SkipItem(in, pos, depth - 1);
        if (pos == 0) {
          return 0;
        }
      }
      return pos;
    }
    case 6:
      return SkipItem(in, pos, depth - 1);
    default:
      return pos;
  }
}

}  // namespace

Result<std::vector<ByteSpan>> AttachmentItems(ByteSpan attachment) {
  uint8_t major = 0;
  uint64_t count = 0;
  size_t pos = 0;
  if (!HeadOf(attachment, 0, major, count, pos) || major != 4 || count < 1 ||
      count > kMaxBatchDevices) {
    return Malformed("attachment", "not an array of 1.." + std::to_string(kMaxBatchDevices) +
                                       " device items");
  }
  std::vector<ByteSpan> items;
  items.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    const size_t end = SkipItem(attachment, pos, 2);
    if (end == 0) {
      return Malformed("attachment", "item " + std::to_string(i) + " is malformed");
    }
    items.push_back(attachment.subspan(pos, end - pos));
    pos = end;
  }
  if (pos != attachment.size()) {
    return Malformed("attachment", "trailing octets after the device items");
  }
  return items;
}

Result<std::string> ItemDeviceId(ByteSpan item) {
  cbor::DecodeLimits limits;
  limits.max_depth = 2;
  limits.max_items = 4;
  auto v = cbor::Decode(item, limits);
  if (!v.has_value()) {
    return Malformed("device item", v.error().message());
  }
  const Value* id = &*v;
  if (auto fields = v->as_array(); fields.has_value()) {
    if (fields->empty()) {
      return Malformed("device item", "an empty array");
    }
    id = &(*fields)[0];
  }
  IOTSEC_TRY(text, GetText(*id, 1, kMaxDeviceIdSize, "device id"));
  return std::string(text);
}

Result<std::string> VerifyBatchMember(const BatchCommitment& commitment,
                                      const BatchMember& member) {
  auto included = VerifyInclusion(LeafHash(member.item), member.position, commitment.count,
                                  member.proof, commitment.root);
  if (!included.has_value()) {
    return Fail(ErrorCode::kDataLoss,
                "the member proof does not verify: " + included.error().message());
  }
  if (!member.item.empty() && (member.item[0] >> 5) == 4) {  // an array: a born device
    IOTSEC_TRY(born, ParseBirthItem(member.item));
    return born.device_id;
  }
  return ParseDeviceItem(member.item);
}

Bytes SignedRecord::Bundle() const {
  Bytes out = encoded_;
  out.insert(out.end(), attachment_.begin(), attachment_.end());
  return out;
}

Bytes SignedRecord::ToBeSigned() const {
  // RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload];
  // ledger records use no external_aad (the origin is in the payload).
  return cose::SigStructure1(protected_header(), {}, payload());
}

Status SignedRecord::VerifyWith(const OrgKey& key) {
  verified_key_.reset();
  IOTSEC_TRY(pub, crypto::Ed25519PublicKey::FromBytes(key));
  if (auto v = pub.Verify(ToBeSigned(), signature()); !v) {
    return Fail(ErrorCode::kUnauthenticated,
                "the signature does not verify under the key of \"" + signer_ + "\"");
  }
  verified_key_ = key;
  return Ok();
}

Result<Bytes> SignRecord(const Record& record, const OrgSigner& signer) {
  IOTSEC_RETURN_IF_ERROR(CheckRecord(record));
  IOTSEC_TRY(payload, EncodePayload(record, signer.origin()));
  const Bytes attachment = EncodeAttachment(record);
  if (payload.size() + attachment.size() + 256 > kMaxRecordSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "record of " + std::to_string(payload.size() + attachment.size()) +
                    " octets exceeds the record size limit of " + std::to_string(kMaxRecordSize));
  }
  // The kid goes into the protected header so that the signature covers who signed.
  cose::Headers headers;
  headers.SetProtected(cose::kHeaderKid, Value::ByteString(AsBytes(signer.org_id())));
  IOTSEC_TRY(bundle, cose::Sign1(signer.signer(), payload, {}, headers, cose::Tagging::kTagged));
  bundle.insert(bundle.end(), attachment.begin(), attachment.end());
  return bundle;
}

Result<size_t> EntrySize(ByteSpan bundle) {
  // Deterministic CBOR (RFC 8949 §4.2.1) fixes the layout of a record's COSE_Sign1:
  // tag 18 (0xd2) | array of 4 (0x84) | bstr protected | {} (0xa0) | bstr payload | bstr sig.
  // Only the heads are read here; ParseRecordImpl checks everything.
  size_t pos = 2;
  auto skip_bstr = [&](std::string_view what) -> Status {
    if (pos >= bundle.size() || (bundle[pos] >> 5) != 2) {
      return Malformed("COSE_Sign1", std::string(what) + " is not a byte string");
    }
    const uint8_t info = bundle[pos] & 0x1f;
    size_t head = 1;
    uint64_t len = info;
    if (info >= 24 && info <= 27) {
      head += size_t{1} << (info - 24);
      if (pos + head > bundle.size()) {
        return Malformed("COSE_Sign1", "truncated");
      }
      len = 0;
      for (size_t i = 1; i < head; ++i) {
        len = (len << 8) | bundle[pos + i];
      }
    } else if (info > 23) {
      return Malformed("COSE_Sign1", std::string(what) + " has an indefinite or reserved length");
    }
    if (len > bundle.size() - pos - head) {
      return Malformed("COSE_Sign1", "truncated");
    }
    pos += head + static_cast<size_t>(len);
    return Ok();
  };
  if (bundle.size() < 2 || bundle[0] != 0xd2 || bundle[1] != 0x84) {
    return Malformed("COSE_Sign1", "a record must be a COSE_Sign1 with tag 18");
  }
  IOTSEC_RETURN_IF_ERROR(skip_bstr("the protected header"));
  if (pos >= bundle.size() || bundle[pos] != 0xa0) {
    return Malformed("COSE_Sign1", "the unprotected header must be an empty map");
  }
  ++pos;
  IOTSEC_RETURN_IF_ERROR(skip_bstr("the payload"));
  IOTSEC_RETURN_IF_ERROR(skip_bstr("the signature"));
  return pos;
}

Result<SignedRecord> ParseRecord(ByteSpan bundle) {
  if (bundle.size() > kMaxRecordSize) {
    return Malformed("record", "larger than " + std::to_string(kMaxRecordSize) + " octets");
  }
  IOTSEC_TRY(entry_size, EntrySize(bundle));
  const ByteSpan attachment = bundle.subspan(entry_size);
  return ParseRecordImpl(bundle.first(entry_size), &attachment);
}

Result<SignedRecord> ParseRecord(ByteSpan entry, ByteSpan attachment) {
  if (entry.size() > kMaxRecordSize || attachment.size() > kMaxRecordSize - entry.size()) {
    return Malformed("record", "larger than " + std::to_string(kMaxRecordSize) + " octets");
  }
  return ParseRecordImpl(entry, &attachment);
}

Result<SignedRecord> ParseRecordEntry(ByteSpan entry) {
  if (entry.size() > kMaxRecordSize) {
    return Malformed("record", "larger than " + std::to_string(kMaxRecordSize) + " octets");
  }
  return ParseRecordImpl(entry, nullptr);
}

// ParseRecordImpl parses |entry| and, unless |attachment| is null, the attachment that must
// follow it (empty for types without one).
Result<SignedRecord> ParseRecordImpl(ByteSpan encoded, const ByteSpan* attachment) {
  cbor::DecodeLimits outer_limits;
  outer_limits.max_depth = 3;  // tag, array, the unprotected map
  outer_limits.max_items = 16;
  outer_limits.max_string_length = kMaxRecordSize;
  auto outer = cbor::Decode(encoded, outer_limits);
  if (!outer.has_value()) {
    return Malformed("COSE_Sign1", outer.error().message());
  }
  // One canonical form: the tagged COSE_Sign1 (RFC 9052 §2, tag 18), 4 elements (§4.2).
  if (outer->type() != cbor::Type::kTag || *outer->tag_number() != cose::kTagSign1) {
    return Malformed("COSE_Sign1", "a record must be a COSE_Sign1 with tag 18");
  }
  const Value& msg = **outer->tag_content();
  IOTSEC_TRY(parts, GetArray(msg, 4, 4, "COSE_Sign1"));
  auto prot = parts[0].as_bytes();
  if (!prot.has_value() || prot->empty()) {
    return Malformed("COSE_Sign1", "the protected header must be a non-empty byte string");
  }
  auto unprot = parts[1].as_map();
  if (!unprot.has_value() || !unprot->empty()) {
    return Malformed("COSE_Sign1", "the unprotected header must be an empty map");
  }
  auto payload = parts[2].as_bytes();
  if (!payload.has_value()) {
    return Malformed("COSE_Sign1", "the payload must be a byte string (not detached)");
  }
  IOTSEC_TRY(signature, GetBytes(parts[3], kEd25519SignatureSize, "COSE_Sign1 signature"));

  cbor::DecodeLimits header_limits;
  header_limits.max_depth = 1;
  header_limits.max_items = 8;
  auto header = cbor::Decode(*prot, header_limits);
  if (!header.has_value()) {
    return Malformed("protected header", header.error().message());
  }
  static constexpr Field kHeaderFields[] = {
      {static_cast<uint64_t>(cose::kHeaderAlg), nullptr, true, "alg (1)"},
      {static_cast<uint64_t>(cose::kHeaderKid), nullptr, true, "kid (4)"}};
  std::array<const Value*, 2> h{};
  IOTSEC_RETURN_IF_ERROR(internal::ReadMap(*header, kHeaderFields, h, "protected header"));
  auto alg = h[0]->as_int();
  if (!alg.has_value() || *alg != kAlgEdDsa) {
    return Malformed("protected header", "alg must be EdDSA (-8)");
  }
  auto kid = h[1]->as_bytes();
  if (!kid.has_value() || kid->empty() || kid->size() > kMaxOrgIdSize) {
    return Malformed("protected header", "kid must be an organization id (1..64 octets)");
  }
  std::string signer(kid->begin(), kid->end());
  if (auto s = CheckOrgId(signer); !s.has_value()) {
    return Malformed("kid", s.error().message());
  }

  cbor::DecodeLimits payload_limits;
  payload_limits.max_depth = 3;
  payload_limits.max_items = 4 * kMaxSps + 64;
  payload_limits.max_string_length = kMaxRecordSize;
  auto body = cbor::Decode(*payload, payload_limits);
  if (!body.has_value()) {
    return Malformed("payload", body.error().message());
  }
  auto type_value = body->Find(static_cast<int64_t>(kKeyType));
  if (!type_value.has_value()) {
    return Malformed("payload",
                     body->type() == cbor::Type::kMap ? "missing type (1)" : "must be a map");
  }
  IOTSEC_TRY(type_number, GetUint(**type_value, "type"));
  if (type_number < 1 || type_number > 6) {
    return Malformed("type", "unknown record type " + std::to_string(type_number));
  }
  const auto type = static_cast<RecordType>(type_number);
  const std::span<const Field> fields = FieldsOf(type);
  std::array<const Value*, 8> f{};
  IOTSEC_RETURN_IF_ERROR(
      internal::ReadMap(*body, fields, std::span(f).first(fields.size()), RecordTypeName(type)));
  IOTSEC_TRY(origin, GetText(*f[1], 1, kMaxNameSize, "origin"));
  if (auto s = CheckOrigin(origin); !s.has_value()) {
    return Malformed("origin", s.error().message());
  }
  IOTSEC_TRY(seq, GetUint(*f[2], "seq"));
  std::optional<BatchCommitment> batch;
  Hash z_digest{};
  IOTSEC_TRY(record_body, DecodeBody(type, std::span(f).first(fields.size()), batch, z_digest));

  SignedRecord out;
  out.record_.seq = seq;
  out.record_.body = std::move(record_body);
  out.batch_ = batch;
  const bool has_attachment = HasAttachment(type);
  out.complete_ = attachment != nullptr || !has_attachment;
  if (attachment != nullptr) {
    if (!has_attachment && !attachment->empty()) {
      return Malformed("record", "trailing octets after a record without an attachment");
    }
    if (has_attachment) {
      if (attachment->empty()) {
        return Malformed("record", "the attachment is missing");
      }
      IOTSEC_RETURN_IF_ERROR(DecodeAttachment(*attachment, out.record_.body, z_digest));
    }
  }
  if (auto s = CheckRecordImpl(out.record_, out.complete_); !s.has_value()) {
    return Malformed(RecordTypeName(type), s.error().message());
  }
  if (attachment != nullptr && batch.has_value()) {
    // §4.8: the list must be the one the signature commits to.
    if (BatchCount(out.record_) != batch->count) {
      return Malformed("attachment", "lists " + std::to_string(BatchCount(out.record_)) +
                                         " device(s) but the record signs a count of " +
                                         std::to_string(batch->count));
    }
    IOTSEC_TRY(tree, BatchTree(out.record_));
    if (tree.Root() != batch->root) {
      return Malformed("attachment", "the device list does not match the root the record signs");
    }
  }
  out.signer_ = std::move(signer);
  out.origin_ = std::string(origin);
  // The decoder accepted only the deterministic encoding, so the layout is fixed:
  // tag head (1) | array head (1) | bstr protected | map head (1) | bstr payload | bstr sig.
  const size_t prot_offset = 2 + HeadSize(prot->size());
  const size_t payload_offset = prot_offset + prot->size() + 1 + HeadSize(payload->size());
  const size_t sig_offset = payload_offset + payload->size() + HeadSize(kEd25519SignatureSize);
  if (sig_offset + kEd25519SignatureSize != encoded.size()) {
    return Fail(ErrorCode::kInternal, "ledger record: COSE_Sign1 layout mismatch");
  }
  out.encoded_ = ToBytes(encoded);
  if (attachment != nullptr) {
    out.attachment_ = ToBytes(*attachment);
  }
  out.protected_ = {prot_offset, prot->size()};
  out.payload_ = {payload_offset, payload->size()};
  out.signature_ = {sig_offset, signature.size()};
  return out;
}

}  // namespace iotsec::ledger
