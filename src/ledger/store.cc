// Copyright iotsec authors.
// LogStore on SQLite. Why an acknowledged append is durable and why a crash leaves a consistent
// tree: doc/ledger-storage.md, "Atomicity and durability".
#include "iotsec/ledger/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "iotsec/common/file.h"
#include "store_impl.h"

namespace iotsec::ledger {

namespace {

using internal::ExpandedTile;
using internal::kHashSize;
using internal::kTileHeight;
using internal::kTileWidth;
using internal::TileKey;
using internal::TreeEdge;

// kMaxEntryBytes is SQLite's default limit on one value (SQLITE_MAX_LENGTH).
constexpr size_t kMaxEntryBytes = 1000000000;

uint64_t Shr(uint64_t x, int n) { return n >= 64 ? 0 : x >> n; }

// NewCacheEpoch returns a number no store of this process has used as a cache epoch.
uint64_t NewCacheEpoch() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

// TileMemo is one thread's last full tile (see LogStore::Impl::FullTileNode). It keeps that
// one tile (16 KiB) alive until the thread uses another or ends.
struct TileMemo {
  uint64_t epoch = 0;
  TileKey key;
  std::shared_ptr<const ExpandedTile> tile;
};
thread_local TileMemo tile_memo;

std::string TileName(const TileKey& k) {
  return "tile " + std::to_string(k.level) + "/" + std::to_string(k.index);
}

Status FsyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, "opening " + dir + ": " + std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return Fail(ErrorCode::kUnavailable, "fsync of " + dir + ": " + std::strerror(err));
  }
  return Ok();
}

}  // namespace

bool ValidIndexTable(std::string_view name) {
  if (name.empty() || name.size() > kMaxIndexTableName) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

LogStore::Impl::Impl(std::string dir, const LogStoreOptions& options)
    : dir_(std::move(dir)),
      options_(options),
      cache_(options.tile_cache_bytes / sizeof(ExpandedTile)),
      cache_epoch_(NewCacheEpoch()) {}

LogStore::Impl::~Impl() {
  // Statements before their connections, connections before the lock.
  insert_entry_ = {};
  put_tile_ = {};
  set_size_ = {};
  kv_put_ = {};
  kv_delete_ = {};
  get_entry_ = {};
  get_entries_ = {};
  get_tile_ = {};
  get_checkpoint_ = {};
  kv_get_ = {};
  kv_scan_ = {};
  rdb_ = {};
  wdb_ = {};
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);  // releases the flock
  }
}

std::shared_ptr<const TreeEdge> LogStore::Impl::Snapshot() {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return edge_;
}

void LogStore::Impl::Publish(std::shared_ptr<const TreeEdge> edge) {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  committed_size_.store(edge->size(), std::memory_order_release);
  edge_ = std::move(edge);
}

void LogStore::Impl::ClearCache() {
  cache_.Clear();
  cache_epoch_.store(NewCacheEpoch(), std::memory_order_release);
}

Result<Hash> LogStore::Impl::FullTileNode(const internal::NodeLocation& loc) {
  uint64_t epoch = cache_epoch_.load(std::memory_order_acquire);
  TileMemo& memo = tile_memo;
  if (memo.tile == nullptr || memo.epoch != epoch || !(memo.key == loc.key)) {
    IOTSEC_TRY(tile, FullTile(loc.key));
    memo.epoch = epoch;
    memo.key = loc.key;
    memo.tile = std::move(tile);
  }
  return memo.tile->At(loc.sub_level, loc.position);
}

Status LogStore::Impl::CheckWritable() {
  if (failed_) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the ledger store stopped writing after a failed commit (" + failed_->message() +
                    "); reopen it");
  }
  return Ok();
}

Status LogStore::Impl::Transaction(const std::function<Status()>& body) {
  IOTSEC_RETURN_IF_ERROR(CheckWritable());
  IOTSEC_RETURN_IF_ERROR(wdb_.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s) {
    Status r = wdb_.Exec("ROLLBACK");
    if (!r) {
      failed_ = r.error();
    }
    return s;
  }
  // With journal_mode=WAL and synchronous=FULL, COMMIT returns only after the WAL, including
  // this transaction's commit frame, has been fsync'd.
  Status c = wdb_.Exec("COMMIT");
  if (!c) {
    failed_ = c.error();
    (void)wdb_.Exec("ROLLBACK");
    return Fail(c.error().code(), "commit failed, outcome unknown: " + c.error().message());
  }
  return Ok();
}

Result<TreeEdge> LogStore::Impl::LoadEdge() {
  IOTSEC_TRY(size_stmt, internal::Stmt::Prepare(wdb_, "SELECT size FROM tree WHERE id = 0"));
  IOTSEC_TRY(has_size, size_stmt.Step());
  if (!has_size || size_stmt.ColumnInt(0) < 0) {
    return Fail(ErrorCode::kDataLoss, "the ledger database has no valid tree size");
  }
  uint64_t size = static_cast<uint64_t>(size_stmt.ColumnInt(0));
  size_stmt.Reset();

  IOTSEC_TRY(max_stmt, internal::Stmt::Prepare(wdb_, "SELECT max(idx) FROM entries"));
  IOTSEC_TRY(has_max, max_stmt.Step());
  bool empty = !has_max || max_stmt.ColumnIsNull(0);
  int64_t max_idx = empty ? -1 : max_stmt.ColumnInt(0);
  if (static_cast<int64_t>(size) - 1 != max_idx) {
    return Fail(ErrorCode::kDataLoss, "the ledger database says it has " + std::to_string(size) +
                                          " entries but its last entry index is " +
                                          std::to_string(max_idx) + " (run fsck)");
  }

  std::vector<Bytes> partial;
  IOTSEC_TRY(tile_stmt,
             internal::Stmt::Prepare(wdb_, "SELECT hashes FROM tiles WHERE level = ? AND idx = ?"));
  for (int level = 0; level < internal::kMaxTileLevels && Shr(size, kTileHeight * level) != 0;
       ++level) {
    size_t width = Shr(size, kTileHeight * level) % kTileWidth;
    if (width == 0) {
      partial.emplace_back();
      continue;
    }
    IOTSEC_RETURN_IF_ERROR(tile_stmt.BindInt(1, level));
    IOTSEC_RETURN_IF_ERROR(
        tile_stmt.BindInt(2, static_cast<int64_t>(Shr(size, kTileHeight * (level + 1)))));
    IOTSEC_TRY(has_tile, tile_stmt.Step());
    partial.push_back(has_tile ? tile_stmt.ColumnBlob(0) : Bytes());
    tile_stmt.Reset();
  }
  return TreeEdge::FromPartialTiles(size, partial);
}

Result<std::optional<Bytes>> LogStore::Impl::ReadTileBytes(const TileKey& key) {
  std::lock_guard<std::mutex> lock(read_mu_);
  IOTSEC_RETURN_IF_ERROR(get_tile_.BindInt(1, key.level));
  IOTSEC_RETURN_IF_ERROR(get_tile_.BindInt(2, static_cast<int64_t>(key.index)));
  Result<bool> row = get_tile_.Step();
  if (!row) {
    get_tile_.Reset();
    return Unexpected(row.error());
  }
  std::optional<Bytes> out;
  if (*row) {
    out = get_tile_.ColumnBlob(0);
  }
  get_tile_.Reset();
  return out;
}

Result<std::shared_ptr<const ExpandedTile>> LogStore::Impl::FullTile(const TileKey& key) {
  if (auto hit = cache_.Get(key)) {
    return hit;
  }
  IOTSEC_TRY(bytes, ReadTileBytes(key));
  if (!bytes || bytes->size() != kTileWidth * kHashSize) {
    return Fail(ErrorCode::kDataLoss, TileName(key) + " should be a full tile of 256 hashes but " +
                                          (bytes ? "has " + std::to_string(bytes->size()) + " bytes"
                                                 : std::string("is missing")) +
                                          " (run fsck)");
  }
  IOTSEC_TRY(tile, ExpandedTile::FromBytes(*bytes, TileName(key)));
  auto shared = std::make_shared<const ExpandedTile>(std::move(tile));
  cache_.Put(key, shared);
  return shared;
}

Status LogStore::Impl::ApplyIndexWrites(std::span<const IndexWrite> writes) {
  for (const IndexWrite& w : writes) {
    if (w.value) {
      IOTSEC_RETURN_IF_ERROR(kv_put_.BindText(1, w.table));
      IOTSEC_RETURN_IF_ERROR(kv_put_.BindBlob(2, w.key));
      IOTSEC_RETURN_IF_ERROR(kv_put_.BindBlob(3, *w.value));
      IOTSEC_RETURN_IF_ERROR(kv_put_.Run());
    } else {
      IOTSEC_RETURN_IF_ERROR(kv_delete_.BindText(1, w.table));
      IOTSEC_RETURN_IF_ERROR(kv_delete_.BindBlob(2, w.key));
      IOTSEC_RETURN_IF_ERROR(kv_delete_.Run());
    }
  }
  return Ok();
}

namespace {

Status CheckIndexWrites(std::span<const IndexWrite> writes) {
  for (const IndexWrite& w : writes) {
    if (!ValidIndexTable(w.table)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "invalid index table name (1 to 64 characters of a-z 0-9 _ . -)");
    }
  }
  return Ok();
}

}  // namespace

LogStore::LogStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogStore::~LogStore() = default;

Result<std::unique_ptr<LogStore>> LogStore::Open(const std::string& dir,
                                                 const LogStoreOptions& options) {
  IOTSEC_RETURN_IF_ERROR(MakeDirectory(dir, 0700));
  auto impl = std::make_unique<Impl>(dir, options);

  // One process (and one LogStore) per directory: two writers would each extend their own idea
  // of the tree. flock is released by the kernel when the process dies, even by SIGKILL.
  std::string lock_path = dir + "/" + kLedgerLockFile;
  impl->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (impl->lock_fd_ < 0) {
    return Fail(ErrorCode::kUnavailable, "opening " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(impl->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Fail(ErrorCode::kUnavailable,
                "the ledger store in " + dir + " is already open (" + lock_path + " is locked)");
  }

  std::string db_path = dir + "/" + kLedgerDbFile;
  IOTSEC_TRY(wdb, internal::Db::Open(db_path, /*create=*/true));
  impl->wdb_ = std::move(wdb);
  internal::Db& w = impl->wdb_;
  IOTSEC_RETURN_IF_ERROR(w.Exec("PRAGMA busy_timeout = 10000"));
  IOTSEC_TRY(mode, w.PragmaText("journal_mode = WAL"));
  if (mode != "wal") {
    return Fail(ErrorCode::kUnavailable, db_path + " cannot use WAL mode (got " + mode + ")");
  }
  // FULL: every commit fsyncs the WAL, so a commit that returned survives power loss
  // (doc/ledger-storage.md). NORMAL would only sync at checkpoints.
  IOTSEC_RETURN_IF_ERROR(w.Exec("PRAGMA synchronous = FULL"));
  IOTSEC_RETURN_IF_ERROR(internal::Migrate(w));
  // The database and WAL files now exist; make their directory entries durable too.
  IOTSEC_RETURN_IF_ERROR(FsyncDirectory(dir));

  IOTSEC_TRY(ins, internal::Stmt::Prepare(w, "INSERT INTO entries (idx, data) VALUES (?, ?)"));
  impl->insert_entry_ = std::move(ins);
  IOTSEC_TRY(put, internal::Stmt::Prepare(
                      w, "INSERT OR REPLACE INTO tiles (level, idx, hashes) VALUES (?, ?, ?)"));
  impl->put_tile_ = std::move(put);
  IOTSEC_TRY(sz, internal::Stmt::Prepare(w, "UPDATE tree SET size = ? WHERE id = 0"));
  impl->set_size_ = std::move(sz);
  IOTSEC_TRY(kvp, internal::Stmt::Prepare(
                      w, "INSERT OR REPLACE INTO kv (tbl, key, value) VALUES (?, ?, ?)"));
  impl->kv_put_ = std::move(kvp);
  IOTSEC_TRY(kvd, internal::Stmt::Prepare(w, "DELETE FROM kv WHERE tbl = ? AND key = ?"));
  impl->kv_delete_ = std::move(kvd);

  IOTSEC_TRY(rdb, internal::Db::Open(db_path, /*create=*/false));
  impl->rdb_ = std::move(rdb);
  internal::Db& r = impl->rdb_;
  IOTSEC_RETURN_IF_ERROR(r.Exec("PRAGMA busy_timeout = 10000"));
  IOTSEC_RETURN_IF_ERROR(r.Exec("PRAGMA query_only = 1"));
  IOTSEC_TRY(ge, internal::Stmt::Prepare(r, "SELECT data FROM entries WHERE idx = ?"));
  impl->get_entry_ = std::move(ge);
  IOTSEC_TRY(ges, internal::Stmt::Prepare(r,
                                          "SELECT idx, data FROM entries WHERE idx >= ? AND "
                                          "idx < ? ORDER BY idx"));
  impl->get_entries_ = std::move(ges);
  IOTSEC_TRY(gt,
             internal::Stmt::Prepare(r, "SELECT hashes FROM tiles WHERE level = ? AND idx = ?"));
  impl->get_tile_ = std::move(gt);
  IOTSEC_TRY(gc,
             internal::Stmt::Prepare(r, "SELECT size, root, text FROM checkpoint WHERE id = 0"));
  impl->get_checkpoint_ = std::move(gc);
  IOTSEC_TRY(kg, internal::Stmt::Prepare(r, "SELECT value FROM kv WHERE tbl = ? AND key = ?"));
  impl->kv_get_ = std::move(kg);
  IOTSEC_TRY(ks, internal::Stmt::Prepare(r,
                                         "SELECT key, value FROM kv WHERE tbl = ? AND "
                                         "key >= ? ORDER BY key"));
  impl->kv_scan_ = std::move(ks);

  Result<TreeEdge> edge = impl->LoadEdge();
  if (!edge && edge.error().code() == ErrorCode::kDataLoss && options.repair_tiles_on_open) {
    std::lock_guard<std::mutex> lock(impl->write_mu_);
    IOTSEC_RETURN_IF_ERROR(impl->FsckLocked(/*repair=*/true, nullptr));
    edge = impl->LoadEdge();
  }
  if (!edge) {
    return Unexpected(edge.error());
  }
  impl->Publish(std::make_shared<const TreeEdge>(std::move(*edge)));
  return std::unique_ptr<LogStore>(new LogStore(std::move(impl)));
}

Result<uint64_t> LogStore::Size() { return impl_->committed_size_.load(std::memory_order_acquire); }

Result<std::pair<uint64_t, Hash>> LogStore::Root() {
  auto edge = impl_->Snapshot();
  return std::make_pair(edge->size(), edge->Root());
}

Result<Bytes> LogStore::Entry(uint64_t index) {
  uint64_t size = impl_->committed_size_.load(std::memory_order_acquire);
  if (index >= size) {
    return Fail(ErrorCode::kNotFound, "entry " + std::to_string(index) +
                                          " does not exist (the log has " + std::to_string(size) +
                                          ")");
  }
  std::lock_guard<std::mutex> lock(impl_->read_mu_);
  internal::Stmt& st = impl_->get_entry_;
  IOTSEC_RETURN_IF_ERROR(st.BindInt(1, static_cast<int64_t>(index)));
  Result<bool> row = st.Step();
  if (!row) {
    st.Reset();
    return Unexpected(row.error());
  }
  if (!*row) {
    st.Reset();
    return Fail(ErrorCode::kDataLoss, "entry " + std::to_string(index) + " is missing (run fsck)");
  }
  Bytes out = st.ColumnBlob(0);
  st.Reset();
  return out;
}

Result<std::vector<Bytes>> LogStore::Entries(uint64_t start, uint64_t count) {
  uint64_t size = impl_->committed_size_.load(std::memory_order_acquire);
  if (start > size || count > size - start) {
    return Fail(ErrorCode::kNotFound, "entries [" + std::to_string(start) + ", +" +
                                          std::to_string(count) + ") pass the end of the log (" +
                                          std::to_string(size) + ")");
  }
  std::vector<Bytes> out;
  out.reserve(std::min<uint64_t>(count, 65536));
  std::lock_guard<std::mutex> lock(impl_->read_mu_);
  internal::Stmt& st = impl_->get_entries_;
  IOTSEC_RETURN_IF_ERROR(st.BindInt(1, static_cast<int64_t>(start)));
  IOTSEC_RETURN_IF_ERROR(st.BindInt(2, static_cast<int64_t>(start + count)));
  for (;;) {
    Result<bool> row = st.Step();
    if (!row) {
      st.Reset();
      return Unexpected(row.error());
    }
    if (!*row) {
      break;
    }
    if (static_cast<uint64_t>(st.ColumnInt(0)) != start + out.size()) {
      break;
    }
    out.push_back(st.ColumnBlob(1));
  }
  st.Reset();
  if (out.size() != count) {
    return Fail(ErrorCode::kDataLoss,
                "entry " + std::to_string(start + out.size()) + " is missing (run fsck)");
  }
  return out;
}

Result<std::vector<uint64_t>> LogStore::AppendBatch(std::span<const Bytes> entries,
                                                    std::span<const IndexWrite> index_writes) {
  IOTSEC_RETURN_IF_ERROR(CheckIndexWrites(index_writes));
  for (const Bytes& e : entries) {
    if (e.size() > kMaxEntryBytes) {
      return Fail(ErrorCode::kInvalidArgument, "an entry of " + std::to_string(e.size()) +
                                                   " bytes is larger than the store allows");
    }
  }
  std::lock_guard<std::mutex> lock(impl_->write_mu_);
  IOTSEC_RETURN_IF_ERROR(impl_->CheckWritable());
  std::shared_ptr<const TreeEdge> base = impl_->Snapshot();
  const uint64_t old_size = base->size();
  if (entries.size() > static_cast<uint64_t>(INT64_MAX) - old_size) {
    return Fail(ErrorCode::kFailedPrecondition, "the log is full");
  }
  std::vector<uint64_t> indexes;
  if (entries.empty() && index_writes.empty()) {
    return indexes;
  }
  indexes.reserve(entries.size());
  auto next = std::make_shared<TreeEdge>(*base);
  std::vector<std::pair<TileKey, std::shared_ptr<const ExpandedTile>>> completed;

  Status s = impl_->Transaction([&]() -> Status {
    internal::Stmt& ins = impl_->insert_entry_;
    internal::Stmt& put = impl_->put_tile_;
    Status tile_status = Ok();
    auto on_full = [&](const TileKey& key, const ExpandedTile& tile) {
      completed.emplace_back(key, std::make_shared<const ExpandedTile>(tile));
      if (!tile_status) {
        return;
      }
      Bytes bytes = tile.Serialize(kTileWidth);
      tile_status = put.BindInt(1, key.level);
      if (tile_status) {
        tile_status = put.BindInt(2, static_cast<int64_t>(key.index));
      }
      if (tile_status) {
        tile_status = put.BindBlob(3, bytes);
      }
      if (tile_status) {
        tile_status = put.Run();
      }
    };
    for (const Bytes& e : entries) {
      uint64_t index = next->size();
      IOTSEC_RETURN_IF_ERROR(ins.BindInt(1, static_cast<int64_t>(index)));
      IOTSEC_RETURN_IF_ERROR(ins.BindBlob(2, e));
      IOTSEC_RETURN_IF_ERROR(ins.Run());
      next->Append(LeafHash(e), on_full);
      IOTSEC_RETURN_IF_ERROR(tile_status);
      indexes.push_back(index);
    }
    // The right-edge tiles whose width changed (a full tile was written above, an empty edge
    // tile has no row).
    const uint64_t new_size = next->size();
    for (int level = 0; level < next->levels(); ++level) {
      if (Shr(old_size, kTileHeight * level) == Shr(new_size, kTileHeight * level)) {
        continue;
      }
      const ExpandedTile& t = next->Partial(level);
      if (t.width() == 0) {
        continue;
      }
      TileKey key = next->PartialKey(level);
      IOTSEC_RETURN_IF_ERROR(put.BindInt(1, key.level));
      IOTSEC_RETURN_IF_ERROR(put.BindInt(2, static_cast<int64_t>(key.index)));
      IOTSEC_RETURN_IF_ERROR(put.BindBlob(3, t.Serialize(t.width())));
      IOTSEC_RETURN_IF_ERROR(put.Run());
    }
    if (new_size != old_size) {
      IOTSEC_RETURN_IF_ERROR(impl_->set_size_.BindInt(1, static_cast<int64_t>(new_size)));
      IOTSEC_RETURN_IF_ERROR(impl_->set_size_.Run());
    }
    return impl_->ApplyIndexWrites(index_writes);
  });
  if (!s) {
    return Unexpected(s.error());
  }
  // Committed: readers may now see the new size, and the completed tiles are the hottest.
  impl_->Publish(std::move(next));
  for (auto& [key, tile] : completed) {
    impl_->cache_.Put(key, std::move(tile));
  }
  return indexes;
}

Result<Hash> LogStore::Node(uint8_t level, uint64_t index) {
  IOTSEC_TRY(loc, internal::LocateNode(level, index));
  // Fast path: a node in a tile that is full at the committed size. Full tiles never change
  // and are committed before the size that makes them full is published.
  uint64_t size = impl_->committed_size_.load(std::memory_order_acquire);
  if (index < Shr(size, level) && loc.key.index < Shr(size, kTileHeight * (loc.key.level + 1))) {
    return impl_->FullTileNode(loc);
  }
  // The right edge: read it from a snapshot (which may be newer than |size|).
  std::shared_ptr<const TreeEdge> edge = impl_->Snapshot();
  size = edge->size();
  if (index >= Shr(size, level)) {
    return Fail(ErrorCode::kNotFound, "node (" + std::to_string(level) + ", " +
                                          std::to_string(index) +
                                          ") is not a complete subtree of the log of " +
                                          std::to_string(size) + " entries");
  }
  if (loc.key.level < edge->levels() && loc.key == edge->PartialKey(loc.key.level)) {
    return edge->Partial(loc.key.level).At(loc.sub_level, loc.position);
  }
  return impl_->FullTileNode(loc);
}

Result<Bytes> LogStore::Tile(int level, uint64_t index, size_t width) {
  if (level < 0 || level >= internal::kMaxTileLevels || width == 0 || width > kTileWidth) {
    return Fail(ErrorCode::kInvalidArgument, "a tile has a level 0..7 and a width 1..256");
  }
  std::shared_ptr<const TreeEdge> edge = impl_->Snapshot();
  // The tree has size >> 8L hashes at tree level 8L; the tile needs index*256 + width of them.
  uint64_t hashes = Shr(edge->size(), kTileHeight * level);
  if (hashes < width || index > (hashes - width) / kTileWidth) {
    return Fail(ErrorCode::kNotFound, "tile " + std::to_string(level) + "/" +
                                          std::to_string(index) + " of width " +
                                          std::to_string(width) + " is not in the log yet");
  }
  TileKey key{level, index};
  if (level < edge->levels() && key == edge->PartialKey(level)) {
    return edge->Partial(level).Serialize(width);
  }
  if (auto hit = impl_->cache_.Get(key)) {
    return hit->Serialize(width);
  }
  // Serve from the row without expanding it: a mirror reading every tile should not churn the
  // cache of proof nodes.
  IOTSEC_TRY(bytes, impl_->ReadTileBytes(key));
  if (!bytes || bytes->size() != kTileWidth * kHashSize) {
    return Fail(ErrorCode::kDataLoss, TileName(key) + " is missing or not full (run fsck)");
  }
  bytes->resize(width * kHashSize);
  return std::move(*bytes);
}

Status LogStore::PutCheckpoint(uint64_t size, const Hash& root, ByteSpan text) {
  if (text.size() > kMaxEntryBytes) {
    return Fail(ErrorCode::kInvalidArgument, "checkpoint text too large");
  }
  std::lock_guard<std::mutex> lock(impl_->write_mu_);
  IOTSEC_RETURN_IF_ERROR(impl_->CheckWritable());
  uint64_t have = impl_->Snapshot()->size();
  if (size > have) {
    return Fail(ErrorCode::kInvalidArgument, "a checkpoint for " + std::to_string(size) +
                                                 " entries, but the log has " +
                                                 std::to_string(have));
  }
  IOTSEC_TRY(actual, RootAt(*this, size));
  if (actual != root) {
    return Fail(ErrorCode::kInvalidArgument, "the checkpoint's root is not the root of the first " +
                                                 std::to_string(size) + " entries");
  }
  Result<StoredCheckpoint> prev = LatestCheckpoint();
  if (prev && prev->size > size) {
    return Fail(ErrorCode::kFailedPrecondition, "a checkpoint for " + std::to_string(size) +
                                                    " entries is older than the stored one (" +
                                                    std::to_string(prev->size) + ")");
  }
  if (!prev && prev.error().code() != ErrorCode::kNotFound) {
    return Unexpected(prev.error());
  }
  IOTSEC_TRY(put,
             internal::Stmt::Prepare(
                 impl_->wdb_,
                 "INSERT OR REPLACE INTO checkpoint (id, size, root, text) VALUES (0, ?, ?, ?)"));
  return impl_->Transaction([&]() -> Status {
    IOTSEC_RETURN_IF_ERROR(put.BindInt(1, static_cast<int64_t>(size)));
    IOTSEC_RETURN_IF_ERROR(put.BindBlob(2, root));
    IOTSEC_RETURN_IF_ERROR(put.BindBlob(3, text));
    return put.Run();
  });
}

Result<StoredCheckpoint> LogStore::LatestCheckpoint() {
  std::lock_guard<std::mutex> lock(impl_->read_mu_);
  internal::Stmt& st = impl_->get_checkpoint_;
  Result<bool> row = st.Step();
  if (!row) {
    st.Reset();
    return Unexpected(row.error());
  }
  if (!*row) {
    st.Reset();
    return Fail(ErrorCode::kNotFound, "no checkpoint has been stored yet");
  }
  StoredCheckpoint cp;
  int64_t size = st.ColumnInt(0);
  ByteSpan root = st.ColumnBlobView(1);
  if (size < 0 || root.size() != cp.root.size()) {
    st.Reset();
    return Fail(ErrorCode::kDataLoss, "the stored checkpoint row is malformed");
  }
  cp.size = static_cast<uint64_t>(size);
  std::memcpy(cp.root.data(), root.data(), root.size());
  cp.text = st.ColumnBlob(2);
  st.Reset();
  return cp;
}

Result<Bytes> LogStore::IndexGet(std::string_view table, ByteSpan key) {
  if (!ValidIndexTable(table)) {
    return Fail(ErrorCode::kInvalidArgument, "invalid index table name");
  }
  std::lock_guard<std::mutex> lock(impl_->read_mu_);
  internal::Stmt& st = impl_->kv_get_;
  IOTSEC_RETURN_IF_ERROR(st.BindText(1, table));
  IOTSEC_RETURN_IF_ERROR(st.BindBlob(2, key));
  Result<bool> row = st.Step();
  if (!row) {
    st.Reset();
    return Unexpected(row.error());
  }
  if (!*row) {
    st.Reset();
    return Fail(ErrorCode::kNotFound, "no such key in index table " + std::string(table));
  }
  Bytes out = st.ColumnBlob(0);
  st.Reset();
  return out;
}

Result<std::vector<std::pair<Bytes, Bytes>>> LogStore::IndexScanFrom(std::string_view table,
                                                                     ByteSpan start,
                                                                     size_t limit) {
  return ScanIndex(table, start, {}, limit);
}

Result<std::vector<std::pair<Bytes, Bytes>>> LogStore::IndexScan(std::string_view table,
                                                                 ByteSpan prefix, size_t limit) {
  return ScanIndex(table, prefix, prefix, limit);
}

// ScanIndex returns up to |limit| pairs of |table| from key |start| on, in key order, while
// their keys start with |prefix|.
Result<std::vector<std::pair<Bytes, Bytes>>> LogStore::ScanIndex(std::string_view table,
                                                                 ByteSpan start, ByteSpan prefix,
                                                                 size_t limit) {
  if (!ValidIndexTable(table)) {
    return Fail(ErrorCode::kInvalidArgument, "invalid index table name");
  }
  std::vector<std::pair<Bytes, Bytes>> out;
  std::lock_guard<std::mutex> lock(impl_->read_mu_);
  internal::Stmt& st = impl_->kv_scan_;
  IOTSEC_RETURN_IF_ERROR(st.BindText(1, table));
  IOTSEC_RETURN_IF_ERROR(st.BindBlob(2, start));
  while (out.size() < limit) {
    Result<bool> row = st.Step();
    if (!row) {
      st.Reset();
      return Unexpected(row.error());
    }
    if (!*row) {
      break;
    }
    ByteSpan key = st.ColumnBlobView(0);
    if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) {
      break;  // keys are in memcmp order, so no later key has the prefix
    }
    out.emplace_back(ToBytes(key), st.ColumnBlob(1));
  }
  st.Reset();
  return out;
}

Status LogStore::IndexApply(std::span<const IndexWrite> writes) {
  IOTSEC_RETURN_IF_ERROR(CheckIndexWrites(writes));
  if (writes.empty()) {
    return Ok();
  }
  std::lock_guard<std::mutex> lock(impl_->write_mu_);
  return impl_->Transaction([&]() { return impl_->ApplyIndexWrites(writes); });
}

Status LogStore::Fsck(bool repair, FsckReport* report) {
  std::lock_guard<std::mutex> lock(impl_->write_mu_);
  return impl_->FsckLocked(repair, report);
}

size_t LogStore::CachedTiles() { return impl_->cache_.size(); }

}  // namespace iotsec::ledger
