// Copyright iotsec authors.
// LedgerNode: genesis and key files, state replay, sequencing hooks, checkpoint signing.
#include "iotsec/server/ledger_node.h"

#include <sys/stat.h>

#include <algorithm>
#include <any>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>

#include "iotsec/common/file.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/ledger/attachments.h"
#include "iotsec/ledger/batch_tiles.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/sequencer.h"

namespace iotsec::server {
namespace {

using ledger::Hash;

// kReplayChunk is how many entries Open reads at a time while rebuilding the state.
constexpr uint64_t kReplayChunk = 1024;
// kBatchCacheDevices bounds the devices of the batch records whose device lists the node keeps
// for member proofs: about 120 octets per device with batch tiles, 200 without.
constexpr size_t kBatchCacheDevices = 1 << 18;
// kSmallBatch is the size below which a batch's list is read again for each proof, not cached.
constexpr size_t kSmallBatch = 64;

std::string Join(const std::string& dir, const char* name) { return dir + "/" + name; }

// Prepared is what Submit hands to the sequencing thread with an entry: the parsed,
// pre-verified record and the encoded batch tiles of its device list, both computed on the
// submitter's thread.
struct Prepared {
  ledger::SignedRecord record;
  std::optional<Bytes> tiles;
};

// kTiledBatch is the size from which a batch record gets batch tiles: a list of one group has
// nothing to gain from them (its proof hashes the whole list either way).
constexpr size_t kTiledBatch = (size_t{1} << ledger::kBatchTileLevel) + 1;

// BatchTilesOf returns the encoded batch tiles (include/iotsec/ledger/batch_tiles.h) of the
// device list of |record|, or std::nullopt when it is not a batch record with its list or its
// list has fewer than kTiledBatch devices.
std::optional<Bytes> BatchTilesOf(const ledger::SignedRecord& record) {
  if (!record.batch().has_value() || record.batch()->count < kTiledBatch ||
      record.attachment().empty()) {
    return std::nullopt;
  }
  auto items = ledger::AttachmentItems(record.attachment());
  if (!items) {
    return std::nullopt;  // not a list ParseRecord accepted; validation refuses the record
  }
  std::vector<Hash> leaves;
  leaves.reserve(items->size());
  for (ByteSpan item : *items) {
    leaves.push_back(ledger::LeafHash(item));  // RFC 9162 §2.1.1: the item's leaf hash
  }
  auto tiles = ledger::BuildBatchTiles(leaves, ledger::kBatchTileLevel);
  if (!tiles) {
    return std::nullopt;
  }
  return ledger::EncodeBatchTiles(*tiles);
}

// FindDevice returns the position of |device_id| in |items|, the device list of the batch record
// at log |index|, which is in strictly ascending order (doc/formats/ledger-records.md §4), by
// binary search. kDataLoss when the list does not name the device.
Result<size_t> FindDevice(std::span<const ByteSpan> items, uint64_t index,
                          std::string_view device_id) {
  size_t lo = 0;
  size_t hi = items.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    IOTSEC_TRY(id, ledger::ItemDeviceId(items[mid]));
    if (id < device_id) {
      lo = mid + 1;
    } else if (id == device_id) {
      return mid;
    } else {
      hi = mid;
    }
  }
  return Fail(ErrorCode::kDataLoss, "the record at index " + std::to_string(index) +
                                        " does not list " + std::string(device_id));
}

// ListTree returns the Merkle tree of a batch's whole device list |items| (RFC 9162 §2.1.1),
// for a record without usable batch tiles.
ledger::MemoryTree ListTree(std::span<const ByteSpan> items) {
  ledger::MemoryTree tree;
  for (ByteSpan item : items) {
    tree.AppendLeaf(item);
  }
  return tree;
}

// TiledProof returns the inclusion proof of item |position| of |items| in the tree of the
// whole list from the record's batch tiles: the leaf hashes of the item's group (at most
// 2^level items) and the path over the stored group roots. Fails with kDataLoss when the tiles
// do not fit the list.
Result<std::vector<Hash>> TiledProof(std::span<const ByteSpan> items,
                                     const ledger::BatchTiles& tiles, size_t position) {
  const size_t start = (position >> tiles.level) << tiles.level;
  const size_t end = std::min(items.size(), start + (size_t{1} << tiles.level));
  std::vector<Hash> group;
  group.reserve(end - start);
  for (size_t i = start; i < end; ++i) {
    group.push_back(ledger::LeafHash(items[i]));  // RFC 9162 §2.1.1
  }
  return ledger::GroupedInclusionProof(group, tiles, position, items.size());
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// LoadOrCreateNodeKey returns the key in |path|, generating and writing it (mode 0600,
// atomically) when the file does not exist.
Result<crypto::Ed25519PrivateKey> LoadOrCreateNodeKey(const std::string& path) {
  if (Exists(path)) {
    return crypto::Ed25519PrivateKey::FromSeedFile(path);
  }
  IOTSEC_TRY(key, crypto::Ed25519PrivateKey::Generate());
  IOTSEC_TRY(seed, key.Seed());
  IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(path, ByteSpan(seed.data(), seed.size()), 0600));
  return key;
}

}  // namespace

Result<DefaultGenesisPaths> InitDefaultGenesis(const std::string& dir) {
  IOTSEC_RETURN_IF_ERROR(MakeDirectory(dir, 0700));
  DefaultGenesisPaths paths{Join(dir, kGenesisFile), Join(dir, kNodeKeyFile), false};
  if (Exists(paths.genesis)) {
    return paths;
  }
  // The key first: a crash between the two writes leaves a key that the next run reuses.
  IOTSEC_TRY(key, LoadOrCreateNodeKey(paths.node_key));
  const ledger::OrgKey pub = key.PublicKey().Bytes();
  ledger::GenesisConfig g;
  g.origin = "localhost/iotsec/" + HexEncode(ByteSpan(pub.data(), 4));
  g.orgs.push_back({kDefaultRootOrg, "Local ledger node",
                    ledger::RoleSet{ledger::Role::kLedgerNode, ledger::Role::kWitness}, pub, true});
  g.checkpoint_signer = {g.origin, pub};
  g.witness_quorum = 0;
  IOTSEC_TRY(json, g.ToJson());
  IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(paths.genesis, AsBytes(json), 0644));
  paths.created = true;
  return paths;
}

struct LedgerNode::Impl {
  LedgerNodeOptions options;
  std::unique_ptr<ledger::LogStore> store;
  ledger::GenesisConfig genesis;
  std::optional<ledger::NoteSigner> signer;
  // state_mu guards state. The sequencer thread holds it exclusively from the first entry of a
  // batch until the batch is committed (or rolled back) and its checkpoint stored, so readers
  // only ever see committed state together with a checkpoint that covers it.
  std::shared_mutex state_mu;
  std::optional<ledger::LedgerState> state;
  bool batch_locked = false;  // sequencer thread only
  std::unique_ptr<ledger::LocalSequencer> sequencer;

  // The keys of the admitted organizations, for verifying signatures on the submitters'
  // threads (PreVerify) without waiting for state_mu, which the sequencer holds during a batch.
  // An organization's key never changes once admitted; an entry is added once its admission
  // is committed. Everything else (revocation, sequence, authority) is still decided in log
  // order by LedgerState::Validate, which skips only the signature check it would repeat.
  std::shared_mutex keys_mu;
  std::unordered_map<std::string, ledger::OrgKey> keys;
  std::vector<std::pair<std::string, ledger::OrgKey>> batch_admissions;  // sequencer thread only

  // The attachments of the records of the batch being sequenced (sequencer thread only); they
  // are written to the store's attachments table in the batch's transaction.
  std::vector<ledger::IndexWrite> batch_attachments;

  // Batch records with their device lists, for member proofs (DeviceState), by log index.
  // With batch tiles a proof hashes one group of at most 16 items and O(log n) stored nodes,
  // but reading a list of 1,000 items from the store and splitting it still costs about
  // 100 us, several times the proof, so recently used lists are kept, within a bound. A record
  // stored without tiles (by a node that predates them) keeps its whole tree instead.
  struct CachedBatch {
    Bytes attachment;
    std::vector<ByteSpan> items;  // views into |attachment|: the BatchItem encodings in order
    std::optional<ledger::BatchTiles> tiles;
    ledger::Hash root{};      // with |tiles|: the root the record signs, that proofs must meet
    ledger::MemoryTree tree;  // only without |tiles|
  };
  std::mutex cache_mu;
  // Cached batches are only read once cached (MemoryTree::Node does not change the tree).
  std::unordered_map<uint64_t, std::shared_ptr<CachedBatch>> cache;
  std::deque<uint64_t> cache_order;
  size_t cache_devices = 0;

  Status Replay();
  Result<std::shared_ptr<CachedBatch>> Batch(uint64_t index, ByteSpan entry);
  Result<ledger::BatchMember> Member(uint64_t index, ByteSpan entry, std::string_view device_id);
  Status SignCheckpoint();
  void PreVerify(ledger::SignedRecord& record);
  void AddKey(const ledger::SignedRecord& record, bool committed);
  Status Apply(ByteSpan entry, uint64_t index, std::any& prepared);
  void OnBatch(uint64_t first, size_t count, const Status& result);
};

// PreVerify verifies the signature of |record| if its signer's key is known, so that the
// sequencing thread does not have to (SignedRecord::VerifyWith). A record whose signer is not
// known yet, or whose signature fails here, is left for Validate to judge and explain.
void LedgerNode::Impl::PreVerify(ledger::SignedRecord& record) {
  std::optional<ledger::OrgKey> key;
  {
    std::shared_lock<std::shared_mutex> lock(keys_mu);
    auto it = keys.find(record.signer());
    if (it != keys.end()) {
      key = it->second;
    }
  }
  if (key) {
    (void)record.VerifyWith(*key);
  }
}

// AddKey notes the key of an organization that |record| admits: at once when |committed| (a
// replayed entry), else when its batch commits (OnBatch).
void LedgerNode::Impl::AddKey(const ledger::SignedRecord& record, bool committed) {
  const auto* admission = std::get_if<ledger::OrgAdmission>(&record.record().body);
  if (admission == nullptr) {
    return;
  }
  if (!committed) {
    batch_admissions.emplace_back(admission->org_id, admission->key);
    return;
  }
  std::unique_lock<std::shared_mutex> lock(keys_mu);
  keys.emplace(admission->org_id, admission->key);
}

Status LedgerNode::Impl::Replay() {
  // Entries are parsed on every core, a chunk at a time, then validated and applied in log
  // order on this thread, without verifying their signatures again (LedgerState::ReplayStored
  // says why).
  const unsigned workers = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  IOTSEC_TRY(size, store->Size());
  for (uint64_t start = 0; start < size; start += kReplayChunk) {
    IOTSEC_TRY(entries, store->Entries(start, std::min(kReplayChunk, size - start)));
    IOTSEC_TRY(attachments, ledger::ReadAttachments(*store, start, entries.size()));
    std::vector<Result<ledger::SignedRecord>> parsed(entries.size(),
                                                     Fail(ErrorCode::kInternal, "not parsed"));
    auto work = [&](size_t first) {
      for (size_t i = first; i < entries.size(); i += workers) {
        parsed[i] = ledger::ParseRecord(entries[i], attachments[i]);
      }
    };
    std::vector<std::thread> threads;
    for (unsigned w = 1; w < workers; ++w) {
      threads.emplace_back(work, w);
    }
    work(0);
    for (std::thread& t : threads) {
      t.join();
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      const uint64_t index = start + i;
      Status st = parsed[i] ? state->ReplayStored(*parsed[i], index)
                            : Status(Unexpected(parsed[i].error()));
      if (!st) {
        return Fail(ErrorCode::kDataLoss, "stored entry " + std::to_string(index) +
                                              " does not replay: " + st.error().ToString());
      }
      AddKey(*parsed[i], true);
    }
  }
  return Ok();
}

// SignCheckpoint signs the committed tree with the node key and stores the note.
Status LedgerNode::Impl::SignCheckpoint() {
  IOTSEC_TRY(root, store->Root());
  ledger::Checkpoint cp;
  cp.origin = genesis.origin;
  cp.size = root.first;
  cp.root = root.second;
  IOTSEC_TRY(note, ledger::SignCheckpoint(cp, *signer));
  return store->PutCheckpoint(cp.size, cp.root, AsBytes(note));
}

Status LedgerNode::Impl::Apply(ByteSpan entry, uint64_t index, std::any& prepared) {
  if (!batch_locked) {
    state_mu.lock();
    batch_locked = true;
    batch_admissions.clear();
    IOTSEC_RETURN_IF_ERROR(state->BeginTransaction());
  }
  // Submit hands over the record it parsed and pre-verified; parse again only without one.
  Prepared* ready = std::any_cast<Prepared>(&prepared);
  ledger::SignedRecord* record = ready != nullptr ? &ready->record : nullptr;
  std::optional<ledger::SignedRecord> parsed;
  if (record == nullptr) {
    IOTSEC_TRY(p, ledger::ParseRecord(entry));
    parsed = std::move(p);
    record = &*parsed;
  }
  IOTSEC_RETURN_IF_ERROR(state->ValidateAndApply(*record, index));
  AddKey(*record, false);
  if (!record->attachment().empty()) {
    batch_attachments.push_back(ledger::AttachmentWrite(index, record->attachment()));
    // The batch tiles go in the same transaction as the attachment and the entry.
    std::optional<Bytes> tiles = ready != nullptr && ready->tiles
                                     ? std::exchange(ready->tiles, std::nullopt)
                                     : BatchTilesOf(*record);
    if (tiles) {
      batch_attachments.push_back(ledger::BatchTilesWrite(index, *tiles));
    }
  }
  return Ok();
}

void LedgerNode::Impl::OnBatch(uint64_t first, size_t count, const Status& result) {
  if (state->in_transaction()) {
    if (result) {
      (void)state->CommitTransaction();
      std::unique_lock<std::shared_mutex> lock(keys_mu);
      for (auto& [id, key] : batch_admissions) {
        keys.emplace(std::move(id), key);
      }
    } else {
      (void)state->RollbackTransaction();
    }
    batch_admissions.clear();
  }
  batch_attachments.clear();
  if (result && count > 0) {
    // A failure leaves the older checkpoint in place; the next batch or restart signs anew.
    (void)SignCheckpoint();
  }
  if (batch_locked) {
    batch_locked = false;
    state_mu.unlock();
  }
}

// Batch returns the device list of the batch record at log |index| with its batch tiles, or
// its tree when it has no tiles that fit the list, from the cache or the store.
Result<std::shared_ptr<LedgerNode::Impl::CachedBatch>> LedgerNode::Impl::Batch(
    uint64_t index, ByteSpan entry) {
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache.find(index);
    if (it != cache.end()) {
      return it->second;
    }
  }
  // The record was validated when it was appended: its items are only split and hashed here
  // (doc/formats/ledger-records.md §4.8), not checked again.
  auto batch = std::make_shared<CachedBatch>();
  IOTSEC_TRY(attachment, ledger::ReadAttachment(*store, index));
  batch->attachment = std::move(attachment);
  IOTSEC_TRY(items, ledger::AttachmentItems(batch->attachment));
  batch->items = std::move(items);
  const size_t devices = batch->items.size();
  std::optional<Bytes> encoded;
  if (devices >= kTiledBatch) {
    IOTSEC_TRY(stored, ledger::ReadBatchTiles(*store, index));
    encoded = std::move(stored);
  }
  if (encoded) {
    // Tiles that do not decode for this list, or a record without its commitment, mean damage:
    // the tree is built from the list.
    auto tiles = ledger::DecodeBatchTiles(*encoded, devices);
    auto signed_record = ledger::ParseRecordEntry(entry);
    if (tiles && signed_record && signed_record->batch()) {
      batch->tiles = std::move(*tiles);
      batch->root = signed_record->batch()->root;
    }
  }
  if (!batch->tiles) {
    batch->tree = ListTree(batch->items);
  }
  if (devices < kSmallBatch) {
    return batch;
  }
  std::lock_guard<std::mutex> lock(cache_mu);
  if (cache.emplace(index, batch).second) {
    cache_order.push_back(index);
    cache_devices += devices;
    while (cache_devices > kBatchCacheDevices && cache_order.size() > 1) {
      auto old = cache.find(cache_order.front());
      cache_devices -= old->second->items.size();
      cache.erase(old);
      cache_order.pop_front();
    }
  }
  return batch;
}

// Member returns the member proof of |device_id| in the batch record |entry| at log |index|.
Result<ledger::BatchMember> LedgerNode::Impl::Member(uint64_t index, ByteSpan entry,
                                                     std::string_view device_id) {
  IOTSEC_TRY(batch, Batch(index, entry));
  IOTSEC_TRY(position, FindDevice(batch->items, index, device_id));
  ledger::BatchMember m;
  m.position = position;
  m.item = ToBytes(batch->items[position]);
  if (batch->tiles) {
    auto proof = TiledProof(batch->items, *batch->tiles, position);
    // The proof is checked against the root the record signs (RFC 9162 §2.1.3.2, O(log n)
    // hashes), so that damaged tiles never yield a proof that fails to verify.
    if (proof && ledger::VerifyInclusion(ledger::LeafHash(batch->items[position]), position,
                                         batch->items.size(), *proof, batch->root)) {
      m.proof = std::move(*proof);
      return m;
    }
    // Tiles that do not fit the list or the root are damaged; the list itself is what the
    // record signs, so the proof is computed from it alone, as for a record without tiles.
    ledger::MemoryTree tree = ListTree(batch->items);
    IOTSEC_TRY(whole, ledger::InclusionProof(tree, position, tree.size()));
    m.proof = std::move(whole);
    return m;
  }
  IOTSEC_TRY(proof, ledger::InclusionProof(batch->tree, position, batch->tree.size()));
  m.proof = std::move(proof);
  return m;
}

LedgerNode::LedgerNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LedgerNode::~LedgerNode() {
  if (impl_ && impl_->sequencer) {
    impl_->sequencer->Close();
  }
}

Result<std::unique_ptr<LedgerNode>> LedgerNode::Open(const std::string& dir,
                                                     const LedgerNodeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  IOTSEC_TRY(store, ledger::LogStore::Open(dir, options.store));
  impl->store = std::move(store);
  const std::string genesis_path = Join(dir, kGenesisFile);
  if (!Exists(genesis_path)) {
    if (!options.create_default_genesis) {
      return Fail(ErrorCode::kNotFound, genesis_path + ": no genesis config");
    }
    IOTSEC_RETURN_IF_ERROR(InitDefaultGenesis(dir));
  }
  IOTSEC_TRY(genesis_bytes, ReadFile(genesis_path, size_t{16} << 20));
  IOTSEC_TRY(genesis,
             ledger::GenesisConfig::FromJson(std::string_view(
                 reinterpret_cast<const char*>(genesis_bytes.data()), genesis_bytes.size())));
  impl->genesis = std::move(genesis);
  IOTSEC_TRY(key, crypto::Ed25519PrivateKey::FromSeedFile(Join(dir, kNodeKeyFile)));
  if (key.PublicKey().Bytes() != impl->genesis.checkpoint_signer.key) {
    return Fail(ErrorCode::kFailedPrecondition,
                Join(dir, kNodeKeyFile) + " is not the checkpoint signer key of " + genesis_path);
  }
  IOTSEC_TRY(signer, ledger::NoteSigner::Create(impl->genesis.checkpoint_signer.name, key));
  impl->signer = std::move(signer);
  IOTSEC_TRY(state, ledger::LedgerState::Create(impl->genesis));
  impl->state = std::move(state);
  for (const ledger::GenesisOrg& org : impl->genesis.orgs) {
    impl->keys.emplace(org.id, org.key);
  }
  IOTSEC_RETURN_IF_ERROR(impl->Replay());

  IOTSEC_TRY(size, impl->store->Size());
  auto cp = impl->store->LatestCheckpoint();
  if (!cp || cp->size < size) {
    IOTSEC_RETURN_IF_ERROR(impl->SignCheckpoint());
  }

  ledger::LocalSequencerOptions so;
  so.max_queue_entries = options.max_queue_entries;
  so.max_entry_bytes = options.max_record_bytes;
  so.max_batch_bytes = std::max(so.max_batch_bytes, options.max_record_bytes);
  so.max_queue_bytes = std::max(so.max_queue_bytes, options.max_record_bytes);
  Impl* raw = impl.get();
  so.apply = [raw](ByteSpan entry, uint64_t index, std::any& prepared) {
    return raw->Apply(entry, index, prepared);
  };
  so.index_writes = [raw]() { return std::exchange(raw->batch_attachments, {}); };
  so.on_batch = [raw](uint64_t first, size_t count, const Status& result) {
    raw->OnBatch(first, count, result);
  };
  impl->sequencer = std::make_unique<ledger::LocalSequencer>(*impl->store, std::move(so));
  return std::unique_ptr<LedgerNode>(new LedgerNode(std::move(impl)));
}

const ledger::GenesisConfig& LedgerNode::genesis() const { return impl_->genesis; }
const std::string& LedgerNode::origin() const { return impl_->genesis.origin; }
const ledger::NoteVerifier& LedgerNode::verifier() const { return impl_->signer->Verifier(); }
ledger::LogStore& LedgerNode::store() { return *impl_->store; }

Result<SubmitResult> LedgerNode::Submit(Bytes record) {
  if (record.size() > impl_->options.max_record_bytes) {
    return Fail(ErrorCode::kInvalidArgument, "record of " + std::to_string(record.size()) +
                                                 " octets exceeds the limit of " +
                                                 std::to_string(impl_->options.max_record_bytes));
  }
  // Parse and verify the signature here, on the submitter's thread (so on as many cores as
  // there are submitters): garbage is refused without taking a turn in the queue, and the
  // sequencing thread gets the parsed, verified record.
  IOTSEC_TRY(parsed, ledger::ParseRecord(record));
  impl_->PreVerify(parsed);
  std::optional<Bytes> tiles = BatchTilesOf(parsed);
  SubmitResult out;
  // The log entry is the signed record; its attachment goes beside it (Apply).
  Bytes entry = parsed.encoded();
  out.leaf_hash = ledger::LeafHash(entry);
  auto future = impl_->sequencer->SubmitAsync(
      std::move(entry), std::any(Prepared{std::move(parsed), std::move(tiles)}));
  IOTSEC_TRY(index, future.get());
  out.index = index;
  return out;
}

Result<ledger::StoredCheckpoint> LedgerNode::LatestCheckpoint() {
  std::shared_lock<std::shared_mutex> lock(impl_->state_mu);
  return impl_->store->LatestCheckpoint();
}

Result<ledger::OrgView> LedgerNode::Org(std::string_view org_id) {
  std::shared_lock<std::shared_mutex> lock(impl_->state_mu);
  return impl_->state->LookupOrg(org_id);
}

Result<ledger::DeviceView> LedgerNode::Device(std::string_view device_id) {
  if (auto parts = ledger::ParseDeviceId(device_id); !parts) {
    return Unexpected(parts.error());
  }
  std::shared_lock<std::shared_mutex> lock(impl_->state_mu);
  return impl_->state->Lookup(device_id);
}

Result<DeviceProof> LedgerNode::DeviceState(std::string_view device_id, bool binding_only) {
  if (auto parts = ledger::ParseDeviceId(device_id); !parts) {
    return Unexpected(parts.error());
  }
  std::shared_lock<std::shared_mutex> lock(impl_->state_mu);
  IOTSEC_TRY(view, impl_->state->Lookup(device_id));
  IOTSEC_TRY(cp, impl_->store->LatestCheckpoint());
  DeviceProof out;
  out.tree_size = cp.size;
  out.root = cp.root;
  out.checkpoint.assign(cp.text.begin(), cp.text.end());
  auto prove = [&](const char* role, uint64_t index) -> Status {
    ProvenRecord r;
    r.role = role;
    r.index = index;
    // A newborn device's ownership record is its birth record: read and prove it once.
    for (const ProvenRecord& done : out.records) {
      if (done.index == index) {
        r.leaf_hash = done.leaf_hash;
        r.proof = done.proof;
        r.entry = done.entry;
        r.member = done.member;
        out.records.push_back(std::move(r));
        return Ok();
      }
    }
    IOTSEC_TRY(entry, impl_->store->Entry(index));
    r.leaf_hash = ledger::LeafHash(entry);
    IOTSEC_TRY(proof, ledger::InclusionProof(*impl_->store, index, cp.size));
    r.proof = std::move(proof);
    if (std::string_view(role) != "revocation") {
      IOTSEC_TRY(member, impl_->Member(index, entry, device_id));
      r.member = std::move(member);
    }
    r.entry = std::move(entry);
    out.records.push_back(std::move(r));
    return Ok();
  };
  if (!binding_only) {
    IOTSEC_RETURN_IF_ERROR(prove("birth", view.birth_index));
    IOTSEC_RETURN_IF_ERROR(prove("ownership", view.owner_index));
  }
  if (view.binding_index) {
    IOTSEC_RETURN_IF_ERROR(prove("binding", *view.binding_index));
  }
  if (view.revocation_index && !binding_only) {
    IOTSEC_RETURN_IF_ERROR(prove("revocation", *view.revocation_index));
  }
  out.view = std::move(view);
  return out;
}

}  // namespace iotsec::server
