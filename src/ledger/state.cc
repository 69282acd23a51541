// Copyright iotsec authors.
// LedgerState: validation and application of records (doc/formats/ledger-records.md §6).
#include "iotsec/ledger/state.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

#include "iotsec/crypto/ed25519.h"
#include "state_devices.h"

namespace iotsec::ledger {

using internal::DeviceEntry;
using internal::kNoIndex;
using internal::kNoOrg;

namespace {

// StringHash lets unordered maps keyed by std::string be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

Unexpected Denied(const std::string& m) { return Fail(ErrorCode::kPermissionDenied, m); }
Unexpected Conflict(const std::string& m) { return Fail(ErrorCode::kFailedPrecondition, m); }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<uint64_t> IndexOrNone(uint64_t i) {
  return i == kNoIndex ? std::nullopt : std::optional<uint64_t>(i);
}

struct OrgState {
  std::string id;
  std::string name;
  RoleSet roles;
  OrgKey key{};
  std::optional<crypto::Ed25519PublicKey> verifier;
  bool admitter = false;
  uint32_t admitted_by = kNoOrg;
  uint64_t admission_index = kNoIndex;
  uint64_t revocation_index = kNoIndex;
  uint64_t last_seq = 0;
  std::vector<KmsParamsView> kms;  // ascending period
  StringMap<uint64_t> revoked_identities;

  bool revoked() const { return revocation_index != kNoIndex; }
};

// Undo is one step of a transaction's undo journal.
struct Undo {
  enum class Kind : uint8_t {
    kOrgAdded,         // pop the last organization
    kSeq,              // orgs[n].last_seq = value
    kOrgRevoked,       // orgs[n] is not revoked
    kKmsAdded,         // pop orgs[n].kms
    kIdentityRevoked,  // erase identity from orgs[n].revoked_identities
    kDevicesAdded,     // pop |value| devices
    kDeviceChanged,    // devices[n] = device
  };
  Kind kind;
  uint32_t n = 0;
  uint64_t value = 0;
  std::string identity;
  DeviceEntry device;
};

}  // namespace

struct LedgerState::Impl {
  GenesisConfig genesis;
  std::vector<OrgState> orgs;
  StringMap<uint32_t> org_numbers;
  internal::DeviceTable devices;
  std::vector<std::string> models;
  StringMap<uint32_t> model_numbers;
  std::vector<std::vector<uint32_t>> sp_sets{{}};
  std::map<std::vector<uint32_t>, uint32_t> sp_set_numbers{{{}, 0}};
  bool journaling = false;
  std::vector<Undo> journal;

  void Journal(Undo::Kind kind, uint32_t n, uint64_t value = 0) {
    if (journaling) {
      journal.push_back(Undo{kind, n, value, {}, {}});
    }
  }

  // MutableDevice returns device |n| for changing it, journaling its old value.
  DeviceEntry& MutableDevice(uint32_t n) {
    DeviceEntry& e = devices.at(n);
    if (journaling) {
      journal.push_back(Undo{Undo::Kind::kDeviceChanged, n, 0, {}, e});
    }
    return e;
  }

  void Rollback() {
    for (auto it = journal.rbegin(); it != journal.rend(); ++it) {
      switch (it->kind) {
        case Undo::Kind::kOrgAdded:
          org_numbers.erase(orgs.back().id);
          orgs.pop_back();
          break;
        case Undo::Kind::kSeq:
          orgs[it->n].last_seq = it->value;
          break;
        case Undo::Kind::kOrgRevoked:
          orgs[it->n].revocation_index = kNoIndex;
          break;
        case Undo::Kind::kKmsAdded:
          orgs[it->n].kms.pop_back();
          break;
        case Undo::Kind::kIdentityRevoked:
          orgs[it->n].revoked_identities.erase(it->identity);
          break;
        case Undo::Kind::kDevicesAdded:
          for (uint64_t i = 0; i < it->value; ++i) {
            devices.PopBack();
          }
          break;
        case Undo::Kind::kDeviceChanged:
          devices.at(it->n) = it->device;
          break;
      }
    }
    journal.clear();
  }

  std::optional<uint32_t> FindOrg(std::string_view id) const {
    auto it = org_numbers.find(id);
    if (it == org_numbers.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  uint32_t AddOrg(OrgState org) {
    const auto n = static_cast<uint32_t>(orgs.size());
    org_numbers.emplace(org.id, n);
    orgs.push_back(std::move(org));
    return n;
  }

  uint32_t InternModel(const std::string& model) {
    auto it = model_numbers.find(model);
    if (it != model_numbers.end()) {
      return it->second;
    }
    const auto n = static_cast<uint32_t>(models.size());
    models.push_back(model);
    model_numbers.emplace(model, n);
    return n;
  }

  uint32_t InternSps(std::vector<uint32_t> set) {
    auto it = sp_set_numbers.find(set);
    if (it != sp_set_numbers.end()) {
      return it->second;
    }
    const auto n = static_cast<uint32_t>(sp_sets.size());
    sp_sets.push_back(set);
    sp_set_numbers.emplace(std::move(set), n);
    return n;
  }

  // CheckCounterpart checks an organization that a record names (new owner, MNO, SP): admitted,
  // not revoked, holding |role|.
  Status CheckCounterpart(std::string_view id, Role role, std::string_view as) const {
    auto n = FindOrg(id);
    if (!n.has_value()) {
      return Conflict(std::string(as) + " " + Quote(id) + " is not an admitted organization");
    }
    const OrgState& o = orgs[*n];
    if (o.revoked()) {
      return Conflict(std::string(as) + " " + Quote(id) + " was revoked at log index " +
                      std::to_string(o.revocation_index));
    }
    if (!o.roles.Has(role)) {
      return Conflict(std::string(as) + " " + Quote(id) + " does not have the role " +
                      std::string(RoleName(role)));
    }
    return Ok();
  }

  // FindLiveDevice returns the number of |id|, refusing an unknown or revoked device.
  Result<uint32_t> FindLiveDevice(std::string_view id) const {
    auto n = devices.Find(id);
    if (!n.has_value()) {
      return Conflict("device " + Quote(id) + " has not been born on this ledger");
    }
    const DeviceEntry& e = devices.at(*n);
    if (e.revocation_index != kNoIndex) {
      return Conflict("device " + Quote(id) + " was revoked at log index " +
                      std::to_string(e.revocation_index));
    }
    return *n;
  }

  // RequireOwner refuses unless |signer| is the current owner of every device of |ids|. For a
  // transfer (|transfer|), a signer that owned a device until its latest transfer is trying a
  // double transfer, a state conflict; every other non-owner lacks authority.
  Status RequireOwner(uint32_t signer, const std::vector<std::string>& ids, bool transfer,
                      std::string_view action) const {
    for (const std::string& id : ids) {
      IOTSEC_TRY(n, FindLiveDevice(id));
      const DeviceEntry& e = devices.at(n);
      if (e.owner == signer) {
        continue;
      }
      if (transfer && e.previous_owner == signer) {
        // The signer owned it until its latest transfer: it tries to give away again what it
        // already gave away (a double transfer).
        return Conflict(orgs[signer].id + " already transferred device " + Quote(id) + " to " +
                        orgs[e.owner].id + " at log index " + std::to_string(e.owner_index));
      }
      return Denied(orgs[signer].id + " may not " + std::string(action) + " device " + Quote(id) +
                    ": its current owner is " + orgs[e.owner].id);
    }
    return Ok();
  }

  Status Check(uint32_t signer, const OrgAdmission& a) const {
    if (!orgs[signer].admitter) {
      return Denied(orgs[signer].id + " is not an admitter of the genesis config");
    }
    if (auto n = FindOrg(a.org_id); n.has_value()) {
      return Conflict("organization " + Quote(a.org_id) + " is already admitted");
    }
    return Ok();
  }

  Status Check(uint32_t signer, const DeviceBirthBatch& b) const {
    const OrgState& m = orgs[signer];
    if (!m.roles.Has(Role::kManufacturer)) {
      return Denied(m.id + " does not have the role manufacturer");
    }
    for (const DeviceBirth& d : b.devices) {
      // ParseRecord checked the syntax.
      auto parts = ParseDeviceId(d.device_id);
      if (!parts.has_value() || parts->manufacturer != m.id) {
        return Denied(m.id + " may not birth device " + Quote(d.device_id) +
                      ": its id names another manufacturer");
      }
      if (auto n = devices.Find(d.device_id); n.has_value()) {
        return Conflict("device " + Quote(d.device_id) + " was already born at log index " +
                        std::to_string(devices.at(*n).birth_index));
      }
    }
    return Ok();
  }

  Status Check(uint32_t signer, const OwnershipTransfer& t) const {
    if (t.new_owner == orgs[signer].id) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a transfer to its own signer " + Quote(t.new_owner) + " changes nothing");
    }
    IOTSEC_RETURN_IF_ERROR(RequireOwner(signer, t.devices, true, "transfer"));
    return CheckCounterpart(t.new_owner, Role::kOwner, "new owner");
  }

  Status Check(uint32_t signer, const Binding& b) const {
    IOTSEC_RETURN_IF_ERROR(RequireOwner(signer, b.devices, false, "bind"));
    if (b.mno.has_value()) {
      IOTSEC_RETURN_IF_ERROR(CheckCounterpart(*b.mno, Role::kMno, "MNO"));
    }
    for (const std::string& sp : b.sps) {
      IOTSEC_RETURN_IF_ERROR(CheckCounterpart(sp, Role::kSp, "SP"));
    }
    return Ok();
  }

  Status Check(uint32_t signer, const KmsParams& k) const {
    const OrgState& o = orgs[signer];
    if (!o.roles.Has(Role::kMno) && !o.roles.Has(Role::kSp)) {
      return Denied(o.id + " runs no KMS: only an MNO or an SP may publish KMS parameters");
    }
    if (!o.kms.empty() && k.period.Index() <= o.kms.back().period.Index()) {
      return Conflict(o.id + " already published KMS parameters for key period " +
                      FormatKeyPeriod(o.kms.back().period) +
                      "; new parameters must be for a later period");
    }
    return Ok();
  }

  Status Check(uint32_t signer, const Revocation& r) const {
    const OrgState& o = orgs[signer];
    switch (r.kind) {
      case RevocationTarget::kDevice: {
        auto n = devices.Find(r.target);
        if (!n.has_value()) {
          return Conflict("device " + Quote(r.target) + " has not been born on this ledger");
        }
        const DeviceEntry& e = devices.at(*n);
        if (e.manufacturer != signer && e.owner != signer) {
          return Denied(o.id + " may not revoke device " + Quote(r.target) +
                        ": only its manufacturer or current owner may");
        }
        if (e.revocation_index != kNoIndex) {
          return Conflict("device " + Quote(r.target) + " was already revoked at log index " +
                          std::to_string(e.revocation_index));
        }
        return Ok();
      }
      case RevocationTarget::kIdentity: {
        if (!o.roles.Has(Role::kMno) && !o.roles.Has(Role::kSp)) {
          return Denied(o.id + " runs no KMS and so may not revoke identity keys");
        }
        auto period = ParseKeyPeriodText(r.target.substr(0, 7));
        if (!period.has_value() || o.kms.empty() ||
            o.kms.front().period.Index() > period->Index()) {
          return Conflict(o.id + " has published no KMS parameters for the key period of " +
                          Quote(r.target));
        }
        if (auto it = o.revoked_identities.find(r.target); it != o.revoked_identities.end()) {
          return Conflict("identity " + Quote(r.target) + " was already revoked at log index " +
                          std::to_string(it->second));
        }
        return Ok();
      }
      case RevocationTarget::kOrg: {
        auto n = FindOrg(r.target);
        if (!n.has_value()) {
          return Conflict("organization " + Quote(r.target) + " is not admitted");
        }
        const OrgState& t = orgs[*n];
        if (t.admitted_by != signer) {
          return Denied(
              o.id + " may not revoke " + t.id +
              ": only the organization that "
              "admitted it may" +
              (t.admitted_by == kNoOrg ? " (it is a root organization of the genesis)" : ""));
        }
        if (t.revoked()) {
          return Conflict("organization " + Quote(t.id) + " was already revoked at log index " +
                          std::to_string(t.revocation_index));
        }
        return Ok();
      }
    }
    return Fail(ErrorCode::kInvalidArgument, "unknown revocation kind");
  }

  void Apply(uint32_t signer, const OrgAdmission& a, uint64_t index) {
    auto key = crypto::Ed25519PublicKey::FromBytes(a.key);
    if (FindOrg(a.org_id).has_value() || !key.has_value()) {
      return;
    }
    OrgState o;
    o.id = a.org_id;
    o.name = a.name;
    o.roles = a.roles;
    o.key = a.key;
    o.verifier = *key;
    o.admitted_by = signer;
    o.admission_index = index;
    Journal(Undo::Kind::kOrgAdded, 0);
    AddOrg(std::move(o));
  }

  void Apply(uint32_t signer, const DeviceBirthBatch& b, uint64_t index) {
    devices.Reserve(devices.size() + b.devices.size());
    uint64_t added = 0;
    for (const DeviceBirth& d : b.devices) {
      if (devices.Find(d.device_id).has_value() || d.device_id.size() > 255) {
        continue;
      }
      DeviceEntry e;
      e.birth_index = index;
      e.owner_index = index;
      e.manufacturer = signer;
      e.owner = signer;
      e.model = InternModel(d.model);
      e.attestation_key = d.attestation_key;
      devices.Insert(d.device_id, e);
      ++added;
    }
    Journal(Undo::Kind::kDevicesAdded, 0, added);
  }

  void Apply(uint32_t signer, const OwnershipTransfer& t, uint64_t index) {
    auto owner = FindOrg(t.new_owner);
    if (!owner.has_value()) {
      return;
    }
    for (const std::string& id : t.devices) {
      auto n = devices.Find(id);
      if (!n.has_value()) {
        continue;
      }
      DeviceEntry& e = MutableDevice(*n);
      e.previous_owner = e.owner;
      e.owner = *owner;
      e.owner_index = index;
      // A new owner chooses its own MNO and SPs: the old binding ends with the sale.
      e.mno = kNoOrg;
      e.sp_set = 0;
      e.binding_index = kNoIndex;
    }
  }

  void Apply(uint32_t signer, const Binding& b, uint64_t index) {
    uint32_t mno = kNoOrg;
    if (b.mno.has_value()) {
      mno = FindOrg(*b.mno).value_or(kNoOrg);
    }
    std::vector<uint32_t> sps;
    for (const std::string& sp : b.sps) {
      if (auto n = FindOrg(sp); n.has_value()) {
        sps.push_back(*n);
      }
    }
    const uint32_t set = InternSps(std::move(sps));
    for (const std::string& id : b.devices) {
      auto n = devices.Find(id);
      if (!n.has_value()) {
        continue;
      }
      DeviceEntry& e = MutableDevice(*n);
      e.mno = mno;
      e.sp_set = set;
      e.binding_index = index;
    }
  }

  void Apply(uint32_t signer, const KmsParams& k, uint64_t index) {
    orgs[signer].kms.push_back(KmsParamsView{k.period, k.kpak, k.z, k.onboarding_key, index});
    Journal(Undo::Kind::kKmsAdded, signer);
  }

  void Apply(uint32_t signer, const Revocation& r, uint64_t index) {
    switch (r.kind) {
      case RevocationTarget::kDevice:
        if (auto n = devices.Find(r.target); n.has_value()) {
          MutableDevice(*n).revocation_index = index;
        }
        return;
      case RevocationTarget::kIdentity:
        if (orgs[signer].revoked_identities.emplace(r.target, index).second && journaling) {
          journal.push_back(Undo{Undo::Kind::kIdentityRevoked, signer, 0, r.target, {}});
        }
        return;
      case RevocationTarget::kOrg:
        if (auto n = FindOrg(r.target); n.has_value() && !orgs[*n].revoked()) {
          orgs[*n].revocation_index = index;
          Journal(Undo::Kind::kOrgRevoked, *n);
        }
        return;
    }
  }
};

LedgerState::LedgerState(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LedgerState::LedgerState(LedgerState&&) noexcept = default;
LedgerState& LedgerState::operator=(LedgerState&&) noexcept = default;
LedgerState::LedgerState(const LedgerState& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
LedgerState& LedgerState::operator=(const LedgerState& other) {
  if (this != &other) {
    impl_ = std::make_unique<Impl>(*other.impl_);
  }
  return *this;
}
LedgerState::~LedgerState() = default;

Result<LedgerState> LedgerState::Create(GenesisConfig genesis) {
  IOTSEC_RETURN_IF_ERROR(genesis.Check());
  auto impl = std::make_unique<Impl>();
  for (const GenesisOrg& g : genesis.orgs) {
    IOTSEC_TRY(key, crypto::Ed25519PublicKey::FromBytes(g.key));
    OrgState o;
    o.id = g.id;
    o.name = g.name;
    o.roles = g.roles;
    o.key = g.key;
    o.verifier = key;
    o.admitter = g.admitter;
    impl->AddOrg(std::move(o));
  }
  impl->genesis = std::move(genesis);
  return LedgerState(std::move(impl));
}

const GenesisConfig& LedgerState::genesis() const { return impl_->genesis; }

Status LedgerState::Validate(const SignedRecord& record) const {
  return ValidateImpl(record, true);
}

Status LedgerState::ValidateImpl(const SignedRecord& record, bool verify_signature) const {
  const Impl& s = *impl_;
  if (!record.complete()) {
    return Fail(ErrorCode::kInvalidArgument,
                "the record comes without its attachment (doc/formats/ledger-records.md §4.8)");
  }
  if (record.origin() != s.genesis.origin) {
    return Fail(ErrorCode::kInvalidArgument, "the record is for ledger " + Quote(record.origin()) +
                                                 ", not " + Quote(s.genesis.origin));
  }
  auto signer = s.FindOrg(record.signer());
  if (!signer.has_value()) {
    return Denied("signer " + Quote(record.signer()) + " is not an admitted organization");
  }
  const OrgState& org = s.orgs[*signer];
  // RFC 9052 §4.4: the signature covers the Sig_structure built from the protected header
  // (alg EdDSA and kid, checked by ParseRecord) and the payload; RFC 8032 §5.1.7 verification.
  // A record that SignedRecord::VerifyWith already checked under this very key is not checked
  // twice.
  if (verify_signature && !record.VerifiedWith(org.key)) {
    if (auto v = org.verifier->Verify(record.ToBeSigned(), record.signature()); !v.has_value()) {
      return Fail(ErrorCode::kUnauthenticated,
                  "the signature does not verify under the key of " + Quote(org.id));
    }
  }
  if (org.revoked()) {
    return Denied("signer " + Quote(org.id) + " was revoked at log index " +
                  std::to_string(org.revocation_index));
  }
  if (record.record().seq <= org.last_seq) {
    return Conflict("sequence number " + std::to_string(record.record().seq) + " of " + org.id +
                    " is not above its last one, " + std::to_string(org.last_seq) +
                    ": a replayed or stale record");
  }
  return std::visit([&](const auto& body) { return s.Check(*signer, body); }, record.record().body);
}

void LedgerState::Apply(const SignedRecord& record, uint64_t log_index) {
  Impl& s = *impl_;
  auto signer = s.FindOrg(record.signer());
  if (!signer.has_value()) {
    return;
  }
  s.Journal(Undo::Kind::kSeq, *signer, s.orgs[*signer].last_seq);
  s.orgs[*signer].last_seq = std::max(s.orgs[*signer].last_seq, record.record().seq);
  std::visit([&](const auto& body) { s.Apply(*signer, body, log_index); }, record.record().body);
}

Status LedgerState::ValidateAndApply(const SignedRecord& record, uint64_t log_index) {
  IOTSEC_RETURN_IF_ERROR(Validate(record));
  Apply(record, log_index);
  return Ok();
}

Status LedgerState::ReplayStored(const SignedRecord& record, uint64_t log_index) {
  IOTSEC_RETURN_IF_ERROR(ValidateImpl(record, false));
  Apply(record, log_index);
  return Ok();
}

Status LedgerState::BeginTransaction() {
  if (impl_->journaling) {
    return Fail(ErrorCode::kFailedPrecondition, "a ledger state transaction is already open");
  }
  impl_->journaling = true;
  impl_->journal.clear();
  return Ok();
}

Status LedgerState::CommitTransaction() {
  if (!impl_->journaling) {
    return Fail(ErrorCode::kFailedPrecondition, "no ledger state transaction is open");
  }
  impl_->journaling = false;
  impl_->journal.clear();
  impl_->journal.shrink_to_fit();
  return Ok();
}

Status LedgerState::RollbackTransaction() {
  if (!impl_->journaling) {
    return Fail(ErrorCode::kFailedPrecondition, "no ledger state transaction is open");
  }
  impl_->Rollback();
  impl_->journaling = false;
  impl_->journal.shrink_to_fit();
  return Ok();
}

bool LedgerState::in_transaction() const { return impl_->journaling; }

Result<DeviceView> LedgerState::Lookup(std::string_view device_id) const {
  const Impl& s = *impl_;
  auto n = s.devices.Find(device_id);
  if (!n.has_value()) {
    return Fail(ErrorCode::kNotFound, "device " + Quote(device_id) + " is not on the ledger");
  }
  const DeviceEntry& e = s.devices.at(*n);
  DeviceView v;
  v.device_id = std::string(device_id);
  v.manufacturer = s.orgs[e.manufacturer].id;
  v.attestation_key = e.attestation_key;
  v.model = s.models[e.model];
  v.birth_index = e.birth_index;
  v.owner = s.orgs[e.owner].id;
  v.owner_index = e.owner_index;
  if (e.mno != kNoOrg) {
    v.mno = s.orgs[e.mno].id;
  }
  for (uint32_t sp : s.sp_sets[e.sp_set]) {
    v.sps.push_back(s.orgs[sp].id);
  }
  v.binding_index = IndexOrNone(e.binding_index);
  v.revocation_index = IndexOrNone(e.revocation_index);
  return v;
}

Result<OrgView> LedgerState::LookupOrg(std::string_view org_id) const {
  const Impl& s = *impl_;
  auto n = s.FindOrg(org_id);
  if (!n.has_value()) {
    return Fail(ErrorCode::kNotFound, "organization " + Quote(org_id) + " is not admitted");
  }
  const OrgState& o = s.orgs[*n];
  OrgView v;
  v.id = o.id;
  v.name = o.name;
  v.roles = o.roles;
  v.key = o.key;
  v.admitter = o.admitter;
  if (o.admitted_by != kNoOrg) {
    v.admitted_by = s.orgs[o.admitted_by].id;
  }
  v.admission_index = IndexOrNone(o.admission_index);
  v.revocation_index = IndexOrNone(o.revocation_index);
  v.last_seq = o.last_seq;
  v.kms_params = o.kms;
  return v;
}

Result<KmsParamsView> LedgerState::KmsParamsFor(std::string_view org_id,
                                                const ibc::KeyPeriod& period) const {
  const Impl& s = *impl_;
  auto n = s.FindOrg(org_id);
  if (n.has_value()) {
    const auto& kms = s.orgs[*n].kms;
    for (auto it = kms.rbegin(); it != kms.rend(); ++it) {
      if (it->period.Index() <= period.Index()) {
        return *it;
      }
    }
  }
  return Fail(ErrorCode::kNotFound, "organization " + Quote(org_id) +
                                        " has published no KMS parameters for " +
                                        FormatKeyPeriod(period));
}

std::optional<uint64_t> LedgerState::IdentityRevocation(std::string_view kms_org_id,
                                                        std::string_view identity) const {
  const Impl& s = *impl_;
  auto n = s.FindOrg(kms_org_id);
  if (!n.has_value()) {
    return std::nullopt;
  }
  const auto& revoked = s.orgs[*n].revoked_identities;
  auto it = revoked.find(identity);
  return it == revoked.end() ? std::nullopt : std::optional<uint64_t>(it->second);
}

Result<uint64_t> LedgerState::NextSequence(std::string_view org_id) const {
  auto n = impl_->FindOrg(org_id);
  if (!n.has_value()) {
    return Fail(ErrorCode::kNotFound, "organization " + Quote(org_id) + " is not admitted");
  }
  return impl_->orgs[*n].last_seq + 1;
}

size_t LedgerState::device_count() const { return impl_->devices.size(); }
size_t LedgerState::org_count() const { return impl_->orgs.size(); }

size_t LedgerState::MemoryUsage() const {
  const Impl& s = *impl_;
  size_t total = sizeof(Impl) + s.devices.MemoryUsage();
  total += s.orgs.capacity() * sizeof(OrgState);
  for (const std::string& m : s.models) {
    total += m.capacity() + 48;  // the string, its map node and bucket
  }
  for (const auto& set : s.sp_sets) {
    total += 2 * (set.capacity() * sizeof(uint32_t) + 64);  // vector and map node
  }
  return total;
}

namespace {

void PutU64(Bytes& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

void PutText(Bytes& out, std::string_view s) {
  PutU64(out, s.size());
  Append(out, AsBytes(s));
}

}  // namespace

crypto::Sha256Digest LedgerState::Digest() const {
  const Impl& s = *impl_;
  crypto::Sha256Hasher h;
  Bytes buf;
  PutText(buf, "iotsec ledger state v1");
  PutText(buf, s.genesis.origin);
  PutU64(buf, s.orgs.size());
  for (const OrgState& o : s.orgs) {
    PutText(buf, o.id);
    PutText(buf, o.name);
    PutU64(buf, o.roles.bits());
    Append(buf, o.key);
    PutU64(buf, o.admitter ? 1 : 0);
    PutU64(buf, o.admitted_by);
    PutU64(buf, o.admission_index);
    PutU64(buf, o.revocation_index);
    PutU64(buf, o.last_seq);
    PutU64(buf, o.kms.size());
    for (const KmsParamsView& k : o.kms) {
      PutU64(buf, static_cast<uint64_t>(k.period.Index()));
      Append(buf, k.kpak);
      Append(buf, k.z);
      Append(buf, k.onboarding_key);
      PutU64(buf, k.log_index);
    }
    std::vector<std::pair<std::string_view, uint64_t>> revoked(o.revoked_identities.begin(),
                                                               o.revoked_identities.end());
    std::sort(revoked.begin(), revoked.end());
    PutU64(buf, revoked.size());
    for (const auto& [identity, index] : revoked) {
      PutText(buf, identity);
      PutU64(buf, index);
    }
  }
  PutU64(buf, s.devices.size());
  h.Update(buf);
  for (uint32_t n = 0; n < s.devices.size(); ++n) {
    buf.clear();
    const DeviceEntry& e = s.devices.at(n);
    PutText(buf, s.devices.IdOf(n));
    for (uint64_t v : {e.birth_index, e.owner_index, e.binding_index, e.revocation_index}) {
      PutU64(buf, v);
    }
    for (uint32_t v : {e.manufacturer, e.owner, e.previous_owner, e.mno}) {
      PutU64(buf, v);
    }
    const auto& sps = s.sp_sets[e.sp_set];
    PutU64(buf, sps.size());
    for (uint32_t sp : sps) {
      PutU64(buf, sp);
    }
    PutText(buf, s.models[e.model]);
    Append(buf, e.attestation_key);
    h.Update(buf);
  }
  return h.Final();
}

}  // namespace iotsec::ledger
