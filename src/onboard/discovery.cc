// Copyright iotsec authors.
// The discovery exchange (doc/protocol/onboarding.md §3.2). Neither message carries a secret,
// so both go through the CBOR library; the answer is decoded strictly (exact keys, types and
// sizes, one deterministic encoding) before anything in it is believed.
#include "iotsec/onboard/discovery.h"

#include <algorithm>
#include <string>
#include <utility>

#include "iotsec/cose/cbor.h"
#include "iotsec/crypto/random.h"
#include "iotsec/ledger/names.h"

namespace iotsec::onboard {

namespace cbor = cose::cbor;

DiscoverySource::~DiscoverySource() = default;

namespace {

// kMaxItemSize bounds a batch item (a born device is about 100 octets).
constexpr size_t kMaxItemSize = 512;
// kMaxEntrySize bounds a binding record's entry: about 100 octets plus 16 SP ids.
constexpr size_t kMaxEntrySize = 2048;
// kMaxServices bounds the services of a binding: an MNO and kMaxSps SPs.
constexpr size_t kMaxServices = 1 + ledger::kMaxSps;

Unexpected Malformed(const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, "discovery answer: " + what);
}

Unexpected Lost(const std::string& what) {
  return Fail(ErrorCode::kDataLoss, "discovery answer: " + what);
}

cbor::Value PathValue(const std::vector<ledger::Hash>& path) {
  Bytes out;
  out.reserve(path.size() * 32);
  for (const ledger::Hash& h : path) {
    out.insert(out.end(), h.begin(), h.end());
  }
  return cbor::Value::ByteString(out);
}

Result<std::vector<ledger::Hash>> PathFrom(const cbor::Value& v, const char* what) {
  auto b = v.as_bytes();
  if (!b || b->size() % 32 != 0 || b->size() / 32 > ledger::kMaxProofSize) {
    return Malformed(std::string(what) + " must be at most " +
                     std::to_string(ledger::kMaxProofSize) + " hashes of 32 octets");
  }
  std::vector<ledger::Hash> out(b->size() / 32);
  for (size_t i = 0; i < out.size(); ++i) {
    std::copy_n(b->begin() + static_cast<std::ptrdiff_t>(32 * i), 32, out[i].begin());
  }
  return out;
}

Result<uint64_t> UintOf(const cbor::Value& v, const char* what) {
  auto u = v.as_uint();
  if (!u) {
    return Malformed(std::string(what) + " must be an unsigned integer");
  }
  return *u;
}

Result<ByteSpan> BytesOf(const cbor::Value& v, size_t min, size_t max, const char* what) {
  auto b = v.as_bytes();
  if (!b || b->size() < min || b->size() > max) {
    return Malformed(std::string(what) + " must be a byte string of " + std::to_string(min) +
                     ".." + std::to_string(max) + " octets");
  }
  return *b;
}

// MapOf checks that |v| is a map with exactly the keys 1..|n|.
Status MapOf(const cbor::Value& v, size_t n, const char* what) {
  auto m = v.as_map();
  if (!m || m->size() != n) {
    return Malformed(std::string(what) + " must be a map of " + std::to_string(n) + " entries");
  }
  for (size_t i = 0; i < n; ++i) {
    auto k = (*m)[i].key.as_uint();
    if (!k || *k != i + 1) {
      return Malformed(std::string(what) + " must have exactly the keys 1.." + std::to_string(n));
    }
  }
  return Ok();
}

}  // namespace

Result<Bytes> EncodeDiscoveryAnswer(ByteSpan nonce, const DiscoveryFacts& facts) {
  std::vector<cbor::Value> services;
  for (const DiscoveredService& s : facts.services) {
    services.push_back(cbor::Value::Array(
        {cbor::Value::Uint(s.role == ServiceRole::kMno ? 0 : 1), cbor::Value::TextString(s.org_id),
         cbor::Value::ByteString(s.onboarding_key)}));
  }
  const BindingProof& b = facts.binding;
  cbor::Value m = cbor::Value::Map();
  (void)m.Set(cbor::Value::Uint(1), cbor::Value::ByteString(nonce));
  (void)m.Set(cbor::Value::Uint(2), cbor::Value::TextString(facts.checkpoint));
  (void)m.Set(cbor::Value::Uint(3),
              cbor::Value::Array({cbor::Value::Uint(b.index), PathValue(b.path),
                                  cbor::Value::ByteString(b.entry),
                                  cbor::Value::Uint(b.member.position),
                                  PathValue(b.member.proof), cbor::Value::ByteString(b.member.item)}));
  (void)m.Set(cbor::Value::Uint(4), cbor::Value::Array(std::move(services)));
  return cbor::Encode(m);
}

Result<DiscoveryFacts> DecodeDiscoveryAnswer(ByteSpan body,
                                             std::array<uint8_t, kNonceSize>& nonce) {
  cbor::DecodeLimits limits;
  limits.max_depth = 3;
  limits.max_items = 32 + 4 * kMaxServices;
  limits.max_string_length = kMaxSealedSize;
  auto decoded = cbor::Decode(body, limits);
  if (!decoded) {
    return Malformed(decoded.error().message());
  }
  const cbor::Value& m = *decoded;
  IOTSEC_RETURN_IF_ERROR(MapOf(m, 4, "the answer"));
  DiscoveryFacts f;
  IOTSEC_TRY(n, BytesOf(**m.Find(1), kNonceSize, kNonceSize, "the nonce (1)"));
  std::copy(n.begin(), n.end(), nonce.begin());
  auto checkpoint = (*m.Find(2))->as_text();
  if (!checkpoint || checkpoint->empty() || checkpoint->size() > ledger::kMaxNoteSize) {
    return Malformed("the checkpoint (2) must be a note of 1.." +
                     std::to_string(ledger::kMaxNoteSize) + " octets");
  }
  f.checkpoint = std::string(*checkpoint);
  auto proof = (*m.Find(3))->as_array();
  if (!proof || proof->size() != 6) {
    return Malformed("the binding proof (3) must be an array of 6 items");
  }
  BindingProof& b = f.binding;
  IOTSEC_TRY(index, UintOf((*proof)[0], "the binding index"));
  b.index = index;
  IOTSEC_TRY(path, PathFrom((*proof)[1], "the binding's inclusion proof"));
  b.path = std::move(path);
  IOTSEC_TRY(entry, BytesOf((*proof)[2], 1, kMaxEntrySize, "the binding entry"));
  b.entry = ToBytes(entry);
  IOTSEC_TRY(position, UintOf((*proof)[3], "the member position"));
  b.member.position = position;
  IOTSEC_TRY(member_path, PathFrom((*proof)[4], "the member proof"));
  b.member.proof = std::move(member_path);
  IOTSEC_TRY(item, BytesOf((*proof)[5], 1, kMaxItemSize, "the member item"));
  b.member.item = ToBytes(item);
  auto services = (*m.Find(4))->as_array();
  if (!services || services->size() > kMaxServices) {
    return Malformed("the services (4) must be an array of at most " +
                     std::to_string(kMaxServices));
  }
  for (const cbor::Value& s : *services) {
    auto parts = s.as_array();
    if (!parts || parts->size() != 3) {
      return Malformed("a service must be [role, org id, onboarding key]");
    }
    DiscoveredService d;
    IOTSEC_TRY(role, UintOf((*parts)[0], "a service role"));
    if (role > 1) {
      return Malformed("a service role must be 0 (MNO) or 1 (SP)");
    }
    d.role = role == 0 ? ServiceRole::kMno : ServiceRole::kSp;
    auto org = (*parts)[1].as_text();
    if (!org || !ledger::CheckOrgId(*org)) {
      return Malformed("a service's org id is not an organization id");
    }
    d.org_id = std::string(*org);
    IOTSEC_TRY(key, BytesOf((*parts)[2], 32, 32, "an onboarding key"));
    std::copy(key.begin(), key.end(), d.onboarding_key.begin());
    f.services.push_back(std::move(d));
  }
  return f;
}

Result<PendingDiscovery> StartDiscovery(std::string_view device_id, const DiscoveryTrust& trust) {
  if (auto parts = ledger::ParseDeviceId(device_id); !parts) {
    return Unexpected(parts.error());
  }
  if (trust.discovery_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "discovery trust: no discovery service id");
  }
  PendingDiscovery p;
  p.device_id = std::string(device_id);
  IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(p.nonce));
  cbor::Value m = cbor::Value::Map();
  (void)m.Set(cbor::Value::Uint(1), cbor::Value::TextString(device_id));
  (void)m.Set(cbor::Value::Uint(2), cbor::Value::ByteString(p.nonce));
  IOTSEC_TRY(body, cbor::Encode(m));
  IOTSEC_TRY(sealed,
             SealRequest(trust.discovery_key, trust.discovery_id, kDiscoveryExchange, body));
  p.message = std::move(sealed.message);
  p.answer_key.emplace(std::move(sealed.answer_key));
  return p;
}

Result<Discovered> FinishDiscovery(const PendingDiscovery& pending, ByteSpan answer,
                                   const DiscoveryTrust& trust) {
  if (!pending.answer_key) {
    return Fail(ErrorCode::kInvalidArgument, "discovery: the request was not started");
  }
  IOTSEC_TRY(body, OpenAnswer(*pending.answer_key, answer));
  return VerifyDiscoveryAnswer(body.span(), pending.nonce, pending.device_id, trust);
}

Result<Discovered> VerifyDiscoveryAnswer(ByteSpan body, ByteSpan expected_nonce,
                                         std::string_view device_id, const DiscoveryTrust& trust) {
  if (trust.anchors.empty() || trust.threshold == 0 || trust.threshold > trust.anchors.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                "discovery trust: the threshold must be between 1 and the number of anchors");
  }
  std::array<uint8_t, kNonceSize> nonce{};
  IOTSEC_TRY(facts, DecodeDiscoveryAnswer(body, nonce));
  if (!std::equal(nonce.begin(), nonce.end(), expected_nonce.begin(), expected_nonce.end())) {
    return Lost("the nonce is not the request's");
  }
  // The checkpoint is the only thing trusted as such: |threshold| of the anchors must have
  // signed it for the origin (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).
  auto opened =
      ledger::OpenCheckpoint(AsBytes(facts.checkpoint), trust.origin, trust.anchors,
                             trust.threshold);
  if (!opened) {
    return Fail(opened.error().code(),
                "discovery answer: the checkpoint does not open: " + opened.error().message());
  }
  const ledger::Checkpoint& cp = *opened;
  const BindingProof& b = facts.binding;
  if (b.index >= cp.size) {
    return Lost("the binding is at index " + std::to_string(b.index) + ", beyond the tree of " +
                std::to_string(cp.size) + " leaves");
  }
  // RFC 9162 §2.1.1 leaf hash, §2.1.3.2 inclusion in the checkpoint's tree.
  if (auto in = ledger::VerifyInclusion(ledger::LeafHash(b.entry), b.index, cp.size, b.path,
                                        cp.root);
      !in) {
    return Lost("the binding's inclusion proof does not verify: " + in.error().message());
  }
  auto record = ledger::ParseRecordEntry(b.entry);
  if (!record) {
    return Lost("the binding entry is not a record: " + record.error().message());
  }
  if (record->origin() != trust.origin) {
    return Lost("the binding record is of another ledger");
  }
  const auto* binding = std::get_if<ledger::Binding>(&record->record().body);
  if (binding == nullptr || !record->batch()) {
    return Lost("the binding entry is a " +
                std::string(ledger::RecordTypeName(record->record().type())) +
                " record, not a binding");
  }
  // doc/formats/ledger-records.md §4.8: the device's item in the list the record signs.
  auto member = ledger::VerifyBatchMember(*record->batch(), b.member);
  if (!member) {
    return Lost("the binding's " + member.error().message());
  }
  if (*member != device_id) {
    return Lost("the binding proof is for another device");
  }
  std::vector<std::pair<ServiceRole, std::string>> named;
  if (binding->mno) {
    named.emplace_back(ServiceRole::kMno, *binding->mno);
  }
  for (const std::string& sp : binding->sps) {
    named.emplace_back(ServiceRole::kSp, sp);
  }
  if (named.size() != facts.services.size()) {
    return Lost("the services are not those the binding names");
  }
  for (size_t i = 0; i < named.size(); ++i) {
    if (facts.services[i].role != named[i].first || facts.services[i].org_id != named[i].second) {
      return Lost("the services are not those the binding names");
    }
  }
  Discovered out;
  out.tree_size = cp.size;
  out.root = cp.root;
  out.binding_index = b.index;
  out.services = std::move(facts.services);
  return out;
}

DiscoveryService::DiscoveryService(std::shared_ptr<const crypto::X25519PrivateKey> key,
                                   DiscoverySource* source)
    : key_(std::move(key)), source_(source) {}

Result<Bytes> DiscoveryService::Handle(ByteSpan request) {
  IOTSEC_TRY(opened, OpenRequest(*key_, kDiscoveryExchange, request));
  cbor::DecodeLimits limits;
  limits.max_depth = 1;
  limits.max_items = 5;  // the map and its two keys and values
  limits.max_string_length = 256;
  auto decoded = cbor::Decode(opened.body.span(), limits);
  if (!decoded) {
    return Fail(ErrorCode::kInvalidArgument, "discovery request: " + decoded.error().message());
  }
  if (auto s = MapOf(*decoded, 2, "the request"); !s) {
    return Fail(ErrorCode::kInvalidArgument, "discovery request: must be {1: id, 2: nonce}");
  }
  auto id = (*decoded->Find(1))->as_text();
  auto nonce = (*decoded->Find(2))->as_bytes();
  if (!id || !nonce || nonce->size() != kNonceSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "discovery request: a device id and a 16-octet nonce are required");
  }
  if (auto parts = ledger::ParseDeviceId(*id); !parts) {
    return Unexpected(parts.error());
  }
  IOTSEC_TRY(facts, source_->Discover(*id));
  IOTSEC_TRY(body, EncodeDiscoveryAnswer(*nonce, facts));
  return SealAnswer(opened.answer_key, body);
}

}  // namespace iotsec::onboard
