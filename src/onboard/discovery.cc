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

Result<DiscoveryAnswer> CompactDiscoveryAnswer(ByteSpan nonce, const DiscoveryFacts& facts) {
  auto fault = [](const std::string& what) {
    return Fail(ErrorCode::kInternal, "discovery source: " + what);
  };
  DiscoveryAnswer a;
  if (nonce.size() != kNonceSize) {
    return fault("a nonce of " + std::to_string(nonce.size()) + " octets");
  }
  std::copy(nonce.begin(), nonce.end(), a.nonce.begin());
  auto note = ledger::ParseNote(AsBytes(facts.checkpoint));
  if (!note) {
    return fault("the checkpoint note: " + note.error().message());
  }
  auto cp = ledger::ParseCheckpoint(note->text);
  if (!cp) {
    return fault("the checkpoint: " + cp.error().message());
  }
  if (!cp->extensions.empty()) {
    return fault("a checkpoint with extension lines, which a device cannot rebuild");
  }
  a.tree_size = cp->size;
  a.root = cp->root;
  for (const ledger::NoteSignature& sig : note->signatures) {
    // Only Ed25519 signatures (64 octets) can be checked by a device (ledger::NoteVerifier);
    // a signature of another type is left out, as a device would ignore it.
    CheckpointSignature c;
    if (sig.signature.size() != c.signature.size()) {
      continue;
    }
    c.key_id = sig.key_id;
    std::copy(sig.signature.begin(), sig.signature.end(), c.signature.begin());
    a.signatures.push_back(c);
  }
  if (a.signatures.empty() || a.signatures.size() > kMaxCheckpointSignatures) {
    return fault("the checkpoint has " + std::to_string(a.signatures.size()) +
                 " Ed25519 signatures, not 1.." + std::to_string(kMaxCheckpointSignatures));
  }
  const BindingProof& b = facts.binding;
  a.index = b.index;
  a.path = b.path;
  a.entry = b.entry;
  a.position = b.member.position;
  a.member = b.member.proof;
  for (const DiscoveredService& s : facts.services) {
    a.onboarding_keys.push_back(s.onboarding_key);
  }
  return a;
}

Result<Bytes> EncodeDiscoveryAnswer(const DiscoveryAnswer& a) {
  std::vector<cbor::Value> signatures;
  for (const CheckpointSignature& c : a.signatures) {
    Bytes sig(4 + c.signature.size());
    for (int i = 0; i < 4; ++i) {
      sig[i] = static_cast<uint8_t>(c.key_id >> (24 - 8 * i));  // big-endian, as in a note
    }
    std::copy(c.signature.begin(), c.signature.end(), sig.begin() + 4);
    signatures.push_back(cbor::Value::ByteString(sig));
  }
  std::vector<cbor::Value> keys;
  for (const X25519Public& k : a.onboarding_keys) {
    keys.push_back(cbor::Value::ByteString(k));
  }
  cbor::Value m = cbor::Value::Map();
  (void)m.Set(cbor::Value::Uint(1), cbor::Value::ByteString(a.nonce));
  (void)m.Set(cbor::Value::Uint(2),
              cbor::Value::Array({cbor::Value::Uint(a.tree_size), cbor::Value::ByteString(a.root),
                                  cbor::Value::Array(std::move(signatures))}));
  (void)m.Set(cbor::Value::Uint(3),
              cbor::Value::Array({cbor::Value::Uint(a.index), PathValue(a.path),
                                  cbor::Value::ByteString(a.entry), cbor::Value::Uint(a.position),
                                  PathValue(a.member)}));
  (void)m.Set(cbor::Value::Uint(4), cbor::Value::Array(std::move(keys)));
  return cbor::Encode(m);
}

Result<Bytes> EncodeDiscoveryAnswer(ByteSpan nonce, const DiscoveryFacts& facts) {
  IOTSEC_TRY(a, CompactDiscoveryAnswer(nonce, facts));
  return EncodeDiscoveryAnswer(a);
}

Result<DiscoveryAnswer> DecodeDiscoveryAnswer(ByteSpan body) {
  cbor::DecodeLimits limits;
  limits.max_depth = 3;
  limits.max_items = 24 + kMaxCheckpointSignatures + kMaxServices;
  limits.max_string_length = kMaxSealedSize;
  auto decoded = cbor::Decode(body, limits);
  if (!decoded) {
    return Malformed(decoded.error().message());
  }
  const cbor::Value& m = *decoded;
  IOTSEC_RETURN_IF_ERROR(MapOf(m, 4, "the answer"));
  DiscoveryAnswer a;
  IOTSEC_TRY(n, BytesOf(**m.Find(1), kNonceSize, kNonceSize, "the nonce (1)"));
  std::copy(n.begin(), n.end(), a.nonce.begin());

  auto cp = (*m.Find(2))->as_array();
  if (!cp || cp->size() != 3) {
    return Malformed("the checkpoint (2) must be [size, root, signatures]");
  }
  IOTSEC_TRY(size, UintOf((*cp)[0], "the checkpoint's tree size"));
  a.tree_size = size;
  IOTSEC_TRY(root, BytesOf((*cp)[1], 32, 32, "the checkpoint's root"));
  std::copy(root.begin(), root.end(), a.root.begin());
  auto sigs = (*cp)[2].as_array();
  if (!sigs || sigs->empty() || sigs->size() > kMaxCheckpointSignatures) {
    return Malformed("the checkpoint's signatures must be an array of 1.." +
                     std::to_string(kMaxCheckpointSignatures));
  }
  for (const cbor::Value& v : *sigs) {
    IOTSEC_TRY(sig, BytesOf(v, 68, 68, "a checkpoint signature (key ID and Ed25519 signature)"));
    CheckpointSignature c;
    c.key_id = (uint32_t{sig[0]} << 24) | (uint32_t{sig[1]} << 16) | (uint32_t{sig[2]} << 8) |
               uint32_t{sig[3]};
    std::copy(sig.begin() + 4, sig.end(), c.signature.begin());
    a.signatures.push_back(c);
  }

  auto proof = (*m.Find(3))->as_array();
  if (!proof || proof->size() != 5) {
    return Malformed("the binding proof (3) must be an array of 5 items");
  }
  IOTSEC_TRY(index, UintOf((*proof)[0], "the binding index"));
  a.index = index;
  IOTSEC_TRY(path, PathFrom((*proof)[1], "the binding's inclusion proof"));
  a.path = std::move(path);
  IOTSEC_TRY(entry, BytesOf((*proof)[2], 1, kMaxEntrySize, "the binding entry"));
  a.entry = ToBytes(entry);
  IOTSEC_TRY(position, UintOf((*proof)[3], "the member position"));
  a.position = position;
  IOTSEC_TRY(member_path, PathFrom((*proof)[4], "the member proof"));
  a.member = std::move(member_path);

  auto keys = (*m.Find(4))->as_array();
  if (!keys || keys->size() > kMaxServices) {
    return Malformed("the services (4) must be an array of at most " +
                     std::to_string(kMaxServices) + " onboarding keys");
  }
  for (const cbor::Value& v : *keys) {
    IOTSEC_TRY(key, BytesOf(v, 32, 32, "an onboarding key"));
    X25519Public k{};
    std::copy(key.begin(), key.end(), k.begin());
    a.onboarding_keys.push_back(k);
  }
  return a;
}

namespace {

// RebuildCheckpoint is the signed note the answer's checkpoint stands for, under |trust|: the
// checkpoint text of the device's origin, and a signature line for each signature by one of
// its anchors (named as the device names it; a signature by any other key could not count and
// is left out). kUnauthenticated when no anchor signed.
Result<std::string> RebuildCheckpoint(const DiscoveryAnswer& a, const DiscoveryTrust& trust) {
  ledger::Checkpoint cp;
  cp.origin = trust.origin;
  cp.size = a.tree_size;
  cp.root = a.root;
  ledger::SignedNote note;
  IOTSEC_TRY(text, ledger::FormatCheckpoint(cp));
  note.text = std::move(text);
  for (const CheckpointSignature& c : a.signatures) {
    for (const ledger::NoteVerifier& anchor : trust.anchors) {
      if (anchor.key_id() == c.key_id) {
        note.signatures.push_back(
            {anchor.name(), c.key_id, Bytes(c.signature.begin(), c.signature.end())});
      }
    }
  }
  if (note.signatures.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "no signature by a trusted checkpoint key");
  }
  return ledger::FormatNote(note);
}

// DeviceItem is the item that names |device_id| in a binding's list (deterministic CBOR of the
// id, doc/formats/ledger-records.md §4.8).
Bytes DeviceItem(std::string_view device_id) {
  Bytes item;
  cbor::AppendHead(item, 3, device_id.size());
  item.insert(item.end(), device_id.begin(), device_id.end());
  return item;
}

}  // namespace

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
  IOTSEC_TRY(ephemeral, crypto::X25519PrivateKey::Generate());
  IOTSEC_TRY(sealed, SealRequest(trust.discovery_key, trust.discovery_id, kDiscoveryExchange,
                                 body, ephemeral));
  p.ephemeral.emplace(std::move(ephemeral));
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
  IOTSEC_TRY(a, DecodeDiscoveryAnswer(body));
  if (!std::equal(a.nonce.begin(), a.nonce.end(), expected_nonce.begin(), expected_nonce.end())) {
    return Lost("the nonce is not the request's");
  }
  // The checkpoint is the only thing trusted as such: |threshold| of the anchors must have
  // signed it for the origin (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).
  auto note = RebuildCheckpoint(a, trust);
  auto opened = note ? ledger::OpenCheckpoint(AsBytes(*note), trust.origin, trust.anchors,
                                              trust.threshold)
                     : Result<ledger::Checkpoint>(Unexpected(note.error()));
  if (!opened) {
    return Fail(opened.error().code(),
                "discovery answer: the checkpoint does not open: " + opened.error().message());
  }
  const ledger::Checkpoint& cp = *opened;
  if (a.index >= cp.size) {
    return Lost("the binding is at index " + std::to_string(a.index) + ", beyond the tree of " +
                std::to_string(cp.size) + " leaves");
  }
  // RFC 9162 §2.1.1 leaf hash, §2.1.3.2 inclusion in the checkpoint's tree.
  if (auto in = ledger::VerifyInclusion(ledger::LeafHash(a.entry), a.index, cp.size, a.path,
                                        cp.root);
      !in) {
    return Lost("the binding's inclusion proof does not verify: " + in.error().message());
  }
  auto record = ledger::ParseRecordEntry(a.entry);
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
  // doc/formats/ledger-records.md §4.8: this device's item, at its position in the list the
  // record signs. A proof for another device does not verify with this device's item.
  const ledger::BatchMember member{a.position, a.member, DeviceItem(device_id)};
  if (auto m = ledger::VerifyBatchMember(*record->batch(), member); !m) {
    return Lost("not a binding of this device: " + m.error().message());
  }
  // The services are the binding's, with the keys the answer gives, in the binding's order.
  Discovered out;
  if (binding->mno) {
    out.services.push_back({ServiceRole::kMno, *binding->mno, {}});
  }
  for (const std::string& sp : binding->sps) {
    out.services.push_back({ServiceRole::kSp, sp, {}});
  }
  if (out.services.size() != a.onboarding_keys.size()) {
    return Lost("it gives " + std::to_string(a.onboarding_keys.size()) +
                " onboarding keys for the " + std::to_string(out.services.size()) +
                " services the binding names");
  }
  for (size_t i = 0; i < out.services.size(); ++i) {
    out.services[i].onboarding_key = a.onboarding_keys[i];
  }
  out.tree_size = cp.size;
  out.root = cp.root;
  out.binding_index = a.index;
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
