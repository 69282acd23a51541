// Copyright iotsec authors.
// Device state proofs (include/iotsec/ledger/state_proof.h): the strict parser of the answer of
// GET /v1/ledger/devices/<id> (doc/api.md) and its verification against a device's trust.
#include "iotsec/ledger/state_proof.h"

#include <algorithm>
#include <exception>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotsec/ledger/record.h"
#include "json_strict.h"

namespace iotsec::ledger {
namespace {

using Json = nlohmann::json;

// The roles of the records of an answer (doc/api.md).
constexpr std::string_view kBirth = "birth";
constexpr std::string_view kOwnership = "ownership";
constexpr std::string_view kBinding = "binding";
constexpr std::string_view kRevocation = "revocation";

Unexpected Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "device state answer: " + std::move(message));
}

Unexpected Lost(std::string message) {
  return Fail(ErrorCode::kDataLoss, "device state answer: " + std::move(message));
}

// Quoted returns |s| in quotes, cut to 64 characters, for messages.
std::string Quoted(std::string_view s) {
  std::string out;
  out.reserve(70);
  out.push_back('"');
  out.append(s.substr(0, 64));
  out.append(s.size() > 64 ? "...\"" : "\"");
  return out;
}

// --- JSON -----------------------------------------------------------------------------------

Status ExactKeys(const Json& obj, std::initializer_list<std::string_view> keys,
                 std::string_view what) {
  if (!obj.is_object()) {
    return Bad(std::string(what) + " must be an object");
  }
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) {
      return Bad(std::string(what) + " has an unknown key " + Quoted(it.key()));
    }
  }
  for (std::string_view k : keys) {
    if (obj.find(k) == obj.end()) {
      return Bad(std::string(what) + " has no \"" + std::string(k) + "\"");
    }
  }
  return Ok();
}

Result<std::string> String(const Json& v, std::string_view what) {
  if (!v.is_string()) {
    return Bad(std::string(what) + " must be a string");
  }
  return v.get<std::string>();
}

Result<uint64_t> Unsigned(const Json& v, std::string_view what) {
  if (!v.is_number_unsigned()) {
    return Bad(std::string(what) + " must be a non-negative integer");
  }
  return v.get<uint64_t>();
}

Result<std::optional<uint64_t>> OptionalUnsigned(const Json& v, std::string_view what) {
  if (v.is_null()) {
    return std::optional<uint64_t>();
  }
  IOTSEC_TRY(n, Unsigned(v, std::string(what) + " (or null)"));
  return std::optional<uint64_t>(n);
}

// LowerHex decodes lowercase hex of |min|..|max| octets (one canonical form: no uppercase).
Result<Bytes> LowerHex(const Json& v, size_t min, size_t max, std::string_view what) {
  IOTSEC_TRY(text, String(v, what));
  if (text.size() % 2 != 0) {
    return Bad(std::string(what) + " has an odd number of hex digits");
  }
  if (text.size() / 2 < min || text.size() / 2 > max) {
    const std::string range =
        min == max ? std::to_string(min) : std::to_string(min) + ".." + std::to_string(max);
    return Bad(std::string(what) + " must be " + range + " octets in hex, not " +
               std::to_string(text.size() / 2));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Bad(std::string(what) + " has a character other than lowercase hex at position " +
                 std::to_string(i));
    }
  }
  auto bytes = HexDecode(text);
  if (!bytes.has_value()) {
    return Bad(std::string(what) + ": " + bytes.error().message());
  }
  return std::move(*bytes);
}

Result<Hash> HashHex(const Json& v, std::string_view what) {
  IOTSEC_TRY(bytes, LowerHex(v, 32, 32, what));
  Hash h{};
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Result<std::string> OrgId(const Json& v, std::string_view what) {
  IOTSEC_TRY(id, String(v, what));
  if (!CheckOrgId(id).has_value()) {
    return Bad(std::string(what) + " " + Quoted(id) + " is not an organization id");
  }
  return id;
}

bool KnownRole(std::string_view role) {
  return role == kBirth || role == kOwnership || role == kBinding || role == kRevocation;
}

Result<std::vector<Hash>> ProofFromJson(const Json& proof, const std::string& what) {
  if (!proof.is_array() || proof.size() > kMaxProofSize) {
    return Bad(what + " must be an array of at most " + std::to_string(kMaxProofSize) +
               " hashes");
  }
  std::vector<Hash> out;
  for (size_t k = 0; k < proof.size(); ++k) {
    IOTSEC_TRY(h, HashHex(proof[k], what + "[" + std::to_string(k) + "]"));
    out.push_back(h);
  }
  return out;
}

// kMaxBatchItemSize bounds one batch item: a born device [id, key, model].
constexpr size_t kMaxBatchItemSize = 512;

Result<std::optional<BatchMember>> MemberFromJson(const Json& j, const std::string& what) {
  if (j.is_null()) {
    return std::optional<BatchMember>();
  }
  IOTSEC_RETURN_IF_ERROR(ExactKeys(j, {"position", "proof", "item"}, what));
  BatchMember m;
  IOTSEC_TRY(position, Unsigned(j["position"], what + ".position"));
  m.position = position;
  IOTSEC_TRY(proof, ProofFromJson(j["proof"], what + ".proof"));
  m.proof = std::move(proof);
  IOTSEC_TRY(item, LowerHex(j["item"], 1, kMaxBatchItemSize, what + ".item"));
  m.item = std::move(item);
  return std::optional<BatchMember>(std::move(m));
}

Result<ProvenEntry> EntryFromJson(const Json& j, size_t i) {
  const std::string what = "records[" + std::to_string(i) + "]";
  IOTSEC_RETURN_IF_ERROR(
      ExactKeys(j, {"role", "index", "leaf_hash", "proof", "entry", "batch"}, what));
  ProvenEntry e;
  IOTSEC_TRY(role, String(j["role"], what + ".role"));
  if (!KnownRole(role)) {
    return Bad(what + ".role " + Quoted(role) + " is not birth, ownership, binding or revocation");
  }
  e.role = std::move(role);
  IOTSEC_TRY(index, Unsigned(j["index"], what + ".index"));
  e.index = index;
  IOTSEC_TRY(leaf_hash, HashHex(j["leaf_hash"], what + ".leaf_hash"));
  e.leaf_hash = leaf_hash;
  IOTSEC_TRY(proof, ProofFromJson(j["proof"], what + ".proof"));
  e.proof = std::move(proof);
  IOTSEC_TRY(entry, LowerHex(j["entry"], 1, kMaxRecordSize, what + ".entry"));
  e.entry = std::move(entry);
  IOTSEC_TRY(member, MemberFromJson(j["batch"], what + ".batch"));
  e.member = std::move(member);
  return e;
}

Result<DeviceStateAnswer> FromJsonValue(const Json& root) {
  IOTSEC_RETURN_IF_ERROR(
      ExactKeys(root,
                {"device_id", "manufacturer", "attestation_key", "model", "birth_index", "owner",
                 "owner_index", "mno", "sps", "binding_index", "revoked", "revocation_index",
                 "records", "tree_size", "root", "checkpoint"},
                "the answer"));
  DeviceStateAnswer a;
  DeviceView& v = a.view;
  IOTSEC_TRY(device_id, String(root["device_id"], "device_id"));
  if (!ParseDeviceId(device_id).has_value()) {
    return Bad("device_id " + Quoted(device_id) + " is not urn:dev:<manufacturer>:<serial>");
  }
  v.device_id = std::move(device_id);
  IOTSEC_TRY(manufacturer, OrgId(root["manufacturer"], "manufacturer"));
  v.manufacturer = std::move(manufacturer);
  IOTSEC_TRY(key, LowerHex(root["attestation_key"], v.attestation_key.size(),
                           v.attestation_key.size(), "attestation_key"));
  std::copy(key.begin(), key.end(), v.attestation_key.begin());
  IOTSEC_TRY(model, String(root["model"], "model"));
  if (model.empty() || model.size() > kMaxModelSize) {
    return Bad("model must be 1.." + std::to_string(kMaxModelSize) + " octets");
  }
  v.model = std::move(model);
  IOTSEC_TRY(birth_index, Unsigned(root["birth_index"], "birth_index"));
  v.birth_index = birth_index;
  IOTSEC_TRY(owner, OrgId(root["owner"], "owner"));
  v.owner = std::move(owner);
  IOTSEC_TRY(owner_index, Unsigned(root["owner_index"], "owner_index"));
  v.owner_index = owner_index;
  if (!root["mno"].is_null()) {
    IOTSEC_TRY(mno, OrgId(root["mno"], "mno (or null)"));
    v.mno = std::move(mno);
  }
  const Json& sps = root["sps"];
  if (!sps.is_array() || sps.size() > kMaxSps) {
    return Bad("sps must be an array of at most " + std::to_string(kMaxSps) + " organization ids");
  }
  for (size_t i = 0; i < sps.size(); ++i) {
    IOTSEC_TRY(sp, OrgId(sps[i], "sps[" + std::to_string(i) + "]"));
    v.sps.push_back(std::move(sp));
  }
  IOTSEC_TRY(binding_index, OptionalUnsigned(root["binding_index"], "binding_index"));
  v.binding_index = binding_index;
  IOTSEC_TRY(revocation_index, OptionalUnsigned(root["revocation_index"], "revocation_index"));
  v.revocation_index = revocation_index;
  if (!root["revoked"].is_boolean()) {
    return Bad("revoked must be true or false");
  }
  if (root["revoked"].get<bool>() != v.revocation_index.has_value()) {
    return Bad("revoked must be true exactly when revocation_index is set");
  }
  const Json& records = root["records"];
  if (!records.is_array() || records.size() > kMaxDeviceStateRecords) {
    return Bad("records must be an array of at most " + std::to_string(kMaxDeviceStateRecords) +
               " records");
  }
  for (size_t i = 0; i < records.size(); ++i) {
    IOTSEC_TRY(e, EntryFromJson(records[i], i));
    a.records.push_back(std::move(e));
  }
  IOTSEC_TRY(tree_size, Unsigned(root["tree_size"], "tree_size"));
  a.tree_size = tree_size;
  IOTSEC_TRY(root_hash, HashHex(root["root"], "root"));
  a.root = root_hash;
  IOTSEC_TRY(checkpoint, String(root["checkpoint"], "checkpoint"));
  if (checkpoint.size() > kMaxNoteSize) {
    return Bad("checkpoint exceeds " + std::to_string(kMaxNoteSize) + " octets");
  }
  a.checkpoint = std::move(checkpoint);
  return a;
}

// --- verification ---------------------------------------------------------------------------

// Proven is a record of the answer whose inclusion in the checkpoint's tree is verified.
struct Proven {
  const ProvenEntry* entry = nullptr;
  SignedRecord record;
};

// ProveEntry checks that |e| is at |claimed_index| in the tree (|size|, |root|) and parses it.
Result<Proven> ProveEntry(const ProvenEntry& e, uint64_t claimed_index, uint64_t size,
                          const Hash& root, std::string_view origin) {
  const std::string what = "the " + e.role + " record";
  if (e.index >= size) {
    return Lost(what + " is at index " + std::to_string(e.index) + ", beyond the tree of " +
                std::to_string(size) + " leaves");
  }
  if (e.index != claimed_index) {
    return Lost(what + " is at index " + std::to_string(e.index) + " but the view claims " +
                std::to_string(claimed_index));
  }
  // RFC 9162 §2.1.1: the leaf hash is SHA-256(0x00 || entry).
  if (LeafHash(e.entry) != e.leaf_hash) {
    return Lost(what + ": the entry does not hash to leaf_hash");
  }
  // RFC 9162 §2.1.3.2: the proof from leaf_hash at index must lead to the checkpoint's root.
  auto included = VerifyInclusion(e.leaf_hash, e.index, size, e.proof, root);
  if (!included.has_value()) {
    return Lost(what + ": the inclusion proof does not verify: " + included.error().message());
  }
  auto record = ParseRecordEntry(e.entry);
  if (!record.has_value()) {
    return Lost(what + " is not a valid record: " + record.error().message());
  }
  if (record->origin() != origin) {
    return Lost(what + " names the ledger " + Quoted(record->origin()) + ", not " + Quoted(origin));
  }
  const std::optional<BatchCommitment>& batch = record->batch();
  if (batch.has_value() != e.member.has_value()) {
    return Lost(what + (batch ? " is a batch record but comes without the device's member proof"
                              : " is not a batch record but comes with a member proof"));
  }
  if (batch.has_value()) {
    // doc/formats/ledger-records.md §4.8: the item's leaf (RFC 9162 §2.1.1) at its position
    // must lead to the root that the record signs, in a tree of the count it signs.
    auto member = VerifyInclusion(LeafHash(e.member->item), e.member->position, batch->count,
                                  e.member->proof, batch->root);
    if (!member.has_value()) {
      return Lost(what + ": the device's member proof does not verify: " +
                  member.error().message());
    }
  }
  return Proven{&e, std::move(*record)};
}

// MemberId returns the device id of the batch item of |p| (a transfer or binding).
Result<std::string> MemberId(const Proven& p, std::string_view what) {
  auto id = ParseDeviceItem(p.entry->member->item);
  if (!id.has_value()) {
    return Lost(std::string(what) + ": the member item is not a device id: " +
                id.error().message());
  }
  return std::move(*id);
}

Status CheckBirth(const Proven& p, const DeviceView& v) {
  const SignedRecord& r = p.record;
  const auto* batch = std::get_if<DeviceBirthBatch>(&r.record().body);
  if (batch == nullptr) {
    return Lost("the birth record is a " + std::string(RecordTypeName(r.record().type())) +
                " record, not a device birth");
  }
  if (r.signer() != v.manufacturer) {
    return Lost("the birth record is signed by " + Quoted(r.signer()) +
                ", not by the claimed manufacturer " + Quoted(v.manufacturer));
  }
  auto born = ParseBirthItem(p.entry->member->item);
  if (!born.has_value()) {
    return Lost("the birth record's member item is not a born device: " +
                born.error().message());
  }
  const DeviceBirth* it = &*born;
  if (it->device_id != v.device_id) {
    return Lost("the birth record's member item is another device");
  }
  if (it->attestation_key != v.attestation_key) {
    return Lost("the birth record gives the device another attestation key");
  }
  if (it->model != v.model) {
    return Lost("the birth record gives the device the model " + Quoted(it->model) + ", not " +
                Quoted(v.model));
  }
  return Ok();
}

Status CheckOwnership(const Proven& ownership, const Proven& birth, const DeviceView& v) {
  if (v.owner_index == v.birth_index) {
    // A newborn device belongs to its manufacturer (doc/formats/ledger-records.md §6).
    if (ownership.entry->entry != birth.entry->entry) {
      return Lost("the ownership record at the birth index is not the birth record");
    }
    if (v.owner != v.manufacturer) {
      return Lost("the device was never transferred, so its owner is its manufacturer " +
                  Quoted(v.manufacturer) + ", not " + Quoted(v.owner));
    }
    return Ok();
  }
  if (v.owner_index < v.birth_index) {
    return Lost("the ownership record comes before the birth");
  }
  const SignedRecord& r = ownership.record;
  const auto* transfer = std::get_if<OwnershipTransfer>(&r.record().body);
  if (transfer == nullptr) {
    return Lost("the ownership record is a " + std::string(RecordTypeName(r.record().type())) +
                " record, not an ownership transfer");
  }
  IOTSEC_TRY(member, MemberId(ownership, "the ownership record"));
  if (member != v.device_id) {
    return Lost("the ownership record's member item is another device");
  }
  if (transfer->new_owner != v.owner) {
    return Lost("the ownership record transfers the device to " + Quoted(transfer->new_owner) +
                ", not to the claimed owner " + Quoted(v.owner));
  }
  return Ok();
}

Status CheckBinding(const Proven& p, const DeviceView& v) {
  const SignedRecord& r = p.record;
  if (*v.binding_index < v.owner_index) {
    return Lost("the binding record comes before the ownership record, so it no longer holds");
  }
  const auto* binding = std::get_if<Binding>(&r.record().body);
  if (binding == nullptr) {
    return Lost("the binding record is a " + std::string(RecordTypeName(r.record().type())) +
                " record, not a binding");
  }
  IOTSEC_TRY(member, MemberId(p, "the binding record"));
  if (member != v.device_id) {
    return Lost("the binding record's member item is another device");
  }
  if (binding->mno != v.mno) {
    return Lost("the binding record names another MNO than the view claims");
  }
  if (binding->sps != v.sps) {
    return Lost("the binding record names other service providers than the view claims");
  }
  return Ok();
}

Status CheckRevocation(const SignedRecord& r, const DeviceView& v) {
  if (*v.revocation_index <= v.birth_index) {
    return Lost("the revocation record does not come after the birth");
  }
  const auto* revocation = std::get_if<Revocation>(&r.record().body);
  if (revocation == nullptr) {
    return Lost("the revocation record is a " + std::string(RecordTypeName(r.record().type())) +
                " record, not a revocation");
  }
  if (revocation->kind != RevocationTarget::kDevice || revocation->target != v.device_id) {
    return Lost("the revocation record does not revoke the device");
  }
  return Ok();
}

// RolesOf maps each role to its record, checking that the roles are exactly those the view
// needs (doc/api.md).
Result<std::map<std::string_view, const ProvenEntry*>> RolesOf(const DeviceStateAnswer& a) {
  std::map<std::string_view, const ProvenEntry*> roles;
  for (const ProvenEntry& e : a.records) {
    if (!KnownRole(e.role)) {
      return Bad("unknown record role " + Quoted(e.role));
    }
    if (!roles.emplace(e.role, &e).second) {
      return Bad("two records have the role " + Quoted(e.role));
    }
  }
  for (std::string_view role : {kBirth, kOwnership}) {
    if (roles.find(role) == roles.end()) {
      return Bad("no record has the role \"" + std::string(role) + "\"");
    }
  }
  if (a.view.binding_index.has_value() != (roles.find(kBinding) != roles.end())) {
    return Bad("a binding record must be given exactly when binding_index is set");
  }
  if (a.view.revocation_index.has_value() != (roles.find(kRevocation) != roles.end())) {
    return Bad("a revocation record must be given exactly when revocation_index is set");
  }
  return roles;
}

}  // namespace

std::string DeviceStateToJson(const DeviceStateAnswer& a) {
  const DeviceView& v = a.view;
  Json records = Json::array();
  for (const ProvenEntry& r : a.records) {
    Json proof = Json::array();
    for (const Hash& h : r.proof) {
      proof.push_back(HexEncode(h));
    }
    Json member = nullptr;
    if (r.member.has_value()) {
      Json member_proof = Json::array();
      for (const Hash& h : r.member->proof) {
        member_proof.push_back(HexEncode(h));
      }
      member = {{"position", r.member->position},
                {"proof", member_proof},
                {"item", HexEncode(r.member->item)}};
    }
    records.push_back({{"role", r.role},
                       {"index", r.index},
                       {"leaf_hash", HexEncode(r.leaf_hash)},
                       {"proof", proof},
                       {"entry", HexEncode(r.entry)},
                       {"batch", member}});
  }
  Json j = {
      {"device_id", v.device_id},
      {"manufacturer", v.manufacturer},
      {"attestation_key", HexEncode(v.attestation_key)},
      {"model", v.model},
      {"birth_index", v.birth_index},
      {"owner", v.owner},
      {"owner_index", v.owner_index},
      {"mno", v.mno ? Json(*v.mno) : Json(nullptr)},
      {"sps", v.sps},
      {"binding_index", v.binding_index ? Json(*v.binding_index) : Json(nullptr)},
      {"revoked", v.revoked()},
      {"revocation_index", v.revocation_index ? Json(*v.revocation_index) : Json(nullptr)},
      {"records", records},
      {"tree_size", a.tree_size},
      {"root", HexEncode(a.root)},
      {"checkpoint", a.checkpoint},
  };
  return j.dump();
}

Result<DeviceStateAnswer> ParseDeviceStateJson(std::string_view json) {
  if (json.size() > kMaxDeviceStateJsonSize) {
    return Bad("the answer exceeds " + std::to_string(kMaxDeviceStateJsonSize) + " octets");
  }
  auto root = internal::ParseJsonStrict(json);
  if (!root) {
    return Bad(root.error().message());
  }
  // STYLE.md rule 11: exceptions from the JSON library stop here.
  try {
    return FromJsonValue(*root);
  } catch (const std::exception& e) {
    return Bad(std::string("JSON: ") + e.what());
  }
}

Result<DeviceView> VerifyDeviceState(const DeviceStateAnswer& answer, std::string_view device_id,
                                     const DeviceTrust& trust) {
  if (trust.anchors.empty() || trust.threshold == 0 || trust.threshold > trust.anchors.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                "device trust: the threshold must be between 1 and the number of anchors");
  }
  auto parts = ParseDeviceId(device_id);
  if (!parts.has_value()) {
    return Fail(ErrorCode::kInvalidArgument, parts.error().message());
  }
  const DeviceView& v = answer.view;
  if (v.device_id != device_id) {
    return Lost("it is about " + Quoted(v.device_id) + ", not " + Quoted(device_id));
  }
  if (v.manufacturer != parts->manufacturer) {
    return Lost("the device id names the manufacturer " + Quoted(parts->manufacturer) + ", not " +
                Quoted(v.manufacturer));
  }
  // The checkpoint is the only thing trusted: it must be signed by |threshold| anchors for the
  // origin (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).
  auto opened =
      OpenCheckpoint(AsBytes(answer.checkpoint), trust.origin, trust.anchors, trust.threshold);
  if (!opened.has_value()) {
    return Fail(opened.error().code(),
                "device state answer: the checkpoint does not open: " + opened.error().message());
  }
  const Checkpoint& checkpoint = *opened;
  if (checkpoint.size != answer.tree_size || checkpoint.root != answer.root) {
    return Lost("the checkpoint does not state tree_size and root (it is for " +
                std::to_string(checkpoint.size) + " leaves)");
  }
  IOTSEC_TRY(roles, RolesOf(answer));
  const uint64_t size = checkpoint.size;
  const Hash& root = checkpoint.root;
  IOTSEC_TRY(birth, ProveEntry(*roles[kBirth], v.birth_index, size, root, trust.origin));
  IOTSEC_RETURN_IF_ERROR(CheckBirth(birth, v));
  IOTSEC_TRY(ownership, ProveEntry(*roles[kOwnership], v.owner_index, size, root, trust.origin));
  IOTSEC_RETURN_IF_ERROR(CheckOwnership(ownership, birth, v));
  if (v.binding_index.has_value()) {
    IOTSEC_TRY(binding, ProveEntry(*roles[kBinding], *v.binding_index, size, root, trust.origin));
    IOTSEC_RETURN_IF_ERROR(CheckBinding(binding, v));
  } else if (v.mno.has_value() || !v.sps.empty()) {
    return Lost("the view claims a binding but gives no binding record");
  }
  if (v.revocation_index.has_value()) {
    IOTSEC_TRY(revocation,
               ProveEntry(*roles[kRevocation], *v.revocation_index, size, root, trust.origin));
    IOTSEC_RETURN_IF_ERROR(CheckRevocation(revocation.record, v));
  }
  return v;
}

}  // namespace iotsec::ledger
