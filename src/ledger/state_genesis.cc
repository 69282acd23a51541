// Copyright iotsec authors.
// The genesis configuration in CBOR and JSON (doc/formats/ledger-records.md §5).
#include "iotsec/ledger/state_genesis.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/cose/cbor.h"
#include "json_strict.h"
#include "record_internal.h"

namespace iotsec::ledger {

namespace cbor = cose::cbor;
using cbor::MapEntry;
using cbor::Value;
using internal::Field;

namespace {

constexpr Field kConfigFields[] = {{0, "origin", true, "origin"},
                                   {0, "orgs", true, "orgs"},
                                   {0, "checkpoint_signer", true, "checkpoint_signer"},
                                   {0, "witnesses", true, "witnesses"},
                                   {0, "witness_quorum", true, "witness_quorum"}};
constexpr Field kOrgFields[] = {{0, "id", true, "id"},
                                {0, "name", true, "name"},
                                {0, "roles", true, "roles"},
                                {0, "key", true, "key"},
                                {0, "admitter", true, "admitter"}};
constexpr Field kKeyFields[] = {{0, "name", true, "name"}, {0, "key", true, "key"}};

Unexpected Bad(std::string_view message) {
  return Fail(ErrorCode::kInvalidArgument, "genesis config: " + std::string(message));
}

Status Wrap(const Status& s) {
  if (s.has_value()) {
    return Ok();
  }
  return Bad(s.error().message());
}

// --- CBOR -----------------------------------------------------------------------------------

Value KeyValue(const CheckpointKey& k) {
  return Value::Map({{Value::TextString("name"), Value::TextString(k.name)},
                     {Value::TextString("key"), Value::ByteString(k.key)}});
}

Result<CheckpointKey> KeyFromCbor(const Value& v, std::string_view what) {
  std::array<const Value*, 2> f{};
  IOTSEC_RETURN_IF_ERROR(internal::ReadMap(v, kKeyFields, f, what));
  IOTSEC_TRY(name, internal::GetText(*f[0], 1, kMaxNameSize, "key name"));
  IOTSEC_TRY(key, internal::GetBytes(*f[1], 32, "key"));
  CheckpointKey out;
  out.name = std::string(name);
  internal::CopyTo(key, out.key);
  return out;
}

Result<RoleSet> RolesFromNames(const std::vector<std::string_view>& names) {
  RoleSet roles;
  int prev = -1;
  for (std::string_view n : names) {
    IOTSEC_TRY(role, ParseRole(n));
    if (static_cast<int>(role) <= prev) {
      return Bad("roles must be in canonical order (" + RoleSet::FromBits(0x3f).ToString() +
                 ") without duplicates");
    }
    prev = static_cast<int>(role);
    roles.Add(role);
  }
  return roles;
}

// --- JSON -----------------------------------------------------------------------------------

using Json = nlohmann::json;

Result<const Json*> Member(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    return Bad(std::string(what) + " has no \"" + std::string(key) + "\"");
  }
  return &*it;
}

Status ExactKeys(const Json& obj, std::initializer_list<std::string_view> keys,
                 std::string_view what) {
  if (!obj.is_object()) {
    return Bad(std::string(what) + " must be an object");
  }
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (std::string_view k : keys) {
      known = known || it.key() == k;
    }
    if (!known) {
      return Bad(std::string(what) + " has an unknown key \"" + it.key().substr(0, 64) + "\"");
    }
  }
  for (std::string_view k : keys) {
    IOTSEC_RETURN_IF_ERROR(Member(obj, k, what));
  }
  return Ok();
}

Result<std::string> JsonString(const Json& v, std::string_view what) {
  if (!v.is_string()) {
    return Bad(std::string(what) + " must be a string");
  }
  return v.get<std::string>();
}

Result<std::array<uint8_t, 32>> JsonKey(const Json& v, std::string_view what) {
  IOTSEC_TRY(hex, JsonString(v, what));
  auto bytes = HexDecodeExact(hex, 32, what);
  if (!bytes.has_value()) {
    return Bad(bytes.error().message());
  }
  std::array<uint8_t, 32> out{};
  internal::CopyTo(*bytes, out);
  return out;
}

Result<CheckpointKey> KeyFromJson(const Json& v, std::string_view what) {
  IOTSEC_RETURN_IF_ERROR(ExactKeys(v, {"name", "key"}, what));
  CheckpointKey out;
  IOTSEC_TRY(name, JsonString(v["name"], "key name"));
  IOTSEC_TRY(key, JsonKey(v["key"], "key"));
  out.name = std::move(name);
  out.key = key;
  return out;
}

Json KeyToJson(const CheckpointKey& k) { return Json{{"name", k.name}, {"key", HexEncode(k.key)}}; }

Result<GenesisConfig> FromJsonValue(const Json& root) {
  IOTSEC_RETURN_IF_ERROR(ExactKeys(
      root, {"origin", "orgs", "checkpoint_signer", "witnesses", "witness_quorum"}, "config"));
  GenesisConfig g;
  IOTSEC_TRY(origin, JsonString(root["origin"], "origin"));
  g.origin = std::move(origin);
  const Json& orgs = root["orgs"];
  if (!orgs.is_array() || orgs.size() > kMaxGenesisOrgs) {
    return Bad("orgs must be an array of at most " + std::to_string(kMaxGenesisOrgs));
  }
  for (const Json& o : orgs) {
    IOTSEC_RETURN_IF_ERROR(ExactKeys(o, {"id", "name", "roles", "key", "admitter"}, "org"));
    GenesisOrg org;
    IOTSEC_TRY(id, JsonString(o["id"], "org id"));
    IOTSEC_TRY(name, JsonString(o["name"], "org name"));
    const Json& roles = o["roles"];
    if (!roles.is_array() || roles.size() > kRoleCount) {
      return Bad("roles must be an array of role names");
    }
    std::vector<std::string> role_names;
    for (const Json& r : roles) {
      IOTSEC_TRY(rn, JsonString(r, "role"));
      role_names.push_back(std::move(rn));
    }
    IOTSEC_TRY(role_set, RolesFromNames({role_names.begin(), role_names.end()}));
    IOTSEC_TRY(key, JsonKey(o["key"], "org key"));
    if (!o["admitter"].is_boolean()) {
      return Bad("admitter must be true or false");
    }
    org.id = std::move(id);
    org.name = std::move(name);
    org.roles = role_set;
    org.key = key;
    org.admitter = o["admitter"].get<bool>();
    g.orgs.push_back(std::move(org));
  }
  IOTSEC_TRY(signer, KeyFromJson(root["checkpoint_signer"], "checkpoint_signer"));
  g.checkpoint_signer = std::move(signer);
  const Json& witnesses = root["witnesses"];
  if (!witnesses.is_array() || witnesses.size() > kMaxWitnesses) {
    return Bad("witnesses must be an array of at most " + std::to_string(kMaxWitnesses));
  }
  for (const Json& w : witnesses) {
    IOTSEC_TRY(k, KeyFromJson(w, "witness"));
    g.witnesses.push_back(std::move(k));
  }
  const Json& quorum = root["witness_quorum"];
  if (!quorum.is_number_unsigned() || quorum.get<uint64_t>() > kMaxWitnesses) {
    return Bad("witness_quorum must be an unsigned integer no larger than the witnesses");
  }
  g.witness_quorum = static_cast<uint32_t>(quorum.get<uint64_t>());
  IOTSEC_RETURN_IF_ERROR(g.Check());
  return g;
}

}  // namespace

Status GenesisConfig::Check() const {
  IOTSEC_RETURN_IF_ERROR(Wrap(CheckOrigin(origin)));
  if (orgs.empty() || orgs.size() > kMaxGenesisOrgs) {
    return Bad("must name 1.." + std::to_string(kMaxGenesisOrgs) + " root organizations");
  }
  std::set<std::string_view> ids;
  bool any_admitter = false;
  for (const GenesisOrg& o : orgs) {
    IOTSEC_RETURN_IF_ERROR(Wrap(CheckOrgId(o.id)));
    if (!ids.insert(o.id).second) {
      return Bad("organization id \"" + o.id + "\" appears twice");
    }
    IOTSEC_RETURN_IF_ERROR(
        Wrap(internal::CheckDisplayText(o.name, kMaxNameSize, "organization name")));
    if (o.roles.empty()) {
      return Bad("organization \"" + o.id + "\" has no role");
    }
    any_admitter = any_admitter || o.admitter;
  }
  if (!any_admitter) {
    return Bad("no root organization is an admitter, so no organization could ever be admitted");
  }
  std::set<std::string_view> names;
  IOTSEC_RETURN_IF_ERROR(
      Wrap(internal::CheckKeyName(checkpoint_signer.name, "checkpoint signer name")));
  names.insert(checkpoint_signer.name);
  if (witnesses.size() > kMaxWitnesses) {
    return Bad("at most " + std::to_string(kMaxWitnesses) + " witnesses");
  }
  for (const CheckpointKey& w : witnesses) {
    IOTSEC_RETURN_IF_ERROR(Wrap(internal::CheckKeyName(w.name, "witness name")));
    if (!names.insert(w.name).second) {
      return Bad("key name \"" + w.name + "\" appears twice");
    }
  }
  if (witness_quorum > witnesses.size()) {
    return Bad("witness_quorum " + std::to_string(witness_quorum) + " exceeds the " +
               std::to_string(witnesses.size()) + " witnesses");
  }
  return Ok();
}

Result<Bytes> GenesisConfig::ToCbor() const {
  IOTSEC_RETURN_IF_ERROR(Check());
  std::vector<Value> org_values;
  for (const GenesisOrg& o : orgs) {
    std::vector<Value> roles;
    for (Role r : o.roles.Roles()) {
      roles.push_back(Value::TextString(RoleName(r)));
    }
    org_values.push_back(Value::Map({{Value::TextString("id"), Value::TextString(o.id)},
                                     {Value::TextString("name"), Value::TextString(o.name)},
                                     {Value::TextString("roles"), Value::Array(std::move(roles))},
                                     {Value::TextString("key"), Value::ByteString(o.key)},
                                     {Value::TextString("admitter"), Value::Bool(o.admitter)}}));
  }
  std::vector<Value> witness_values;
  for (const CheckpointKey& w : witnesses) {
    witness_values.push_back(KeyValue(w));
  }
  return cbor::Encode(
      Value::Map({{Value::TextString("origin"), Value::TextString(origin)},
                  {Value::TextString("orgs"), Value::Array(std::move(org_values))},
                  {Value::TextString("checkpoint_signer"), KeyValue(checkpoint_signer)},
                  {Value::TextString("witnesses"), Value::Array(std::move(witness_values))},
                  {Value::TextString("witness_quorum"), Value::Uint(witness_quorum)}}));
}

Result<GenesisConfig> GenesisConfig::FromCbor(ByteSpan in) {
  cbor::DecodeLimits limits;
  limits.max_depth = 4;
  limits.max_string_length = 4096;
  auto root = cbor::Decode(in, limits);
  if (!root.has_value()) {
    return Bad(root.error().message());
  }
  std::array<const Value*, 5> f{};
  IOTSEC_RETURN_IF_ERROR(internal::ReadMap(*root, kConfigFields, f, "genesis config"));
  GenesisConfig g;
  IOTSEC_TRY(origin, internal::GetText(*f[0], 1, kMaxNameSize, "origin"));
  g.origin = std::string(origin);
  IOTSEC_TRY(orgs, internal::GetArray(*f[1], 1, kMaxGenesisOrgs, "orgs"));
  for (const Value& o : orgs) {
    std::array<const Value*, 5> of{};
    IOTSEC_RETURN_IF_ERROR(internal::ReadMap(o, kOrgFields, of, "genesis org"));
    GenesisOrg org;
    IOTSEC_TRY(id, internal::GetText(*of[0], 1, kMaxOrgIdSize, "org id"));
    IOTSEC_TRY(name, internal::GetText(*of[1], 1, kMaxNameSize, "org name"));
    IOTSEC_TRY(roles, internal::GetArray(*of[2], 1, kRoleCount, "roles"));
    std::vector<std::string_view> role_names;
    for (const Value& r : roles) {
      IOTSEC_TRY(rn, internal::GetText(r, 1, 32, "role"));
      role_names.push_back(rn);
    }
    IOTSEC_TRY(role_set, RolesFromNames(role_names));
    IOTSEC_TRY(key, internal::GetBytes(*of[3], 32, "org key"));
    IOTSEC_TRY(admitter, internal::GetBool(*of[4], "admitter"));
    org.id = std::string(id);
    org.name = std::string(name);
    org.roles = role_set;
    internal::CopyTo(key, org.key);
    org.admitter = admitter;
    g.orgs.push_back(std::move(org));
  }
  IOTSEC_TRY(signer, KeyFromCbor(*f[2], "checkpoint_signer"));
  g.checkpoint_signer = std::move(signer);
  IOTSEC_TRY(witnesses, internal::GetArray(*f[3], 0, kMaxWitnesses, "witnesses"));
  for (const Value& w : witnesses) {
    IOTSEC_TRY(k, KeyFromCbor(w, "witness"));
    g.witnesses.push_back(std::move(k));
  }
  IOTSEC_TRY(quorum, internal::GetUint(*f[4], "witness_quorum"));
  if (quorum > kMaxWitnesses) {
    return Bad("witness_quorum is larger than the witness limit");
  }
  g.witness_quorum = static_cast<uint32_t>(quorum);
  IOTSEC_RETURN_IF_ERROR(g.Check());
  return g;
}

Result<std::string> GenesisConfig::ToJson() const {
  IOTSEC_RETURN_IF_ERROR(Check());
  // STYLE.md rule 11: exceptions from the JSON library stop here.
  try {
    Json j;
    j["origin"] = origin;
    Json org_list = Json::array();
    for (const GenesisOrg& o : orgs) {
      Json roles = Json::array();
      for (Role r : o.roles.Roles()) {
        roles.push_back(std::string(RoleName(r)));
      }
      org_list.push_back(Json{{"id", o.id},
                              {"name", o.name},
                              {"roles", roles},
                              {"key", HexEncode(o.key)},
                              {"admitter", o.admitter}});
    }
    j["orgs"] = std::move(org_list);
    j["checkpoint_signer"] = KeyToJson(checkpoint_signer);
    Json w = Json::array();
    for (const CheckpointKey& k : witnesses) {
      w.push_back(KeyToJson(k));
    }
    j["witnesses"] = std::move(w);
    j["witness_quorum"] = witness_quorum;
    return j.dump(2) + "\n";
  } catch (const std::exception& e) {
    return Bad(std::string("cannot write JSON: ") + e.what());
  }
}

Result<GenesisConfig> GenesisConfig::FromJson(std::string_view text) {
  auto root = internal::ParseJsonStrict(text);
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

}  // namespace iotsec::ledger
