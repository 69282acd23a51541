// Copyright iotsec authors.
// The inside of LogStore (private to src/ledger), shared by store.cc and store_fsck.cc.
#ifndef IOTSEC_LEDGER_STORE_IMPL_H_
#define IOTSEC_LEDGER_STORE_IMPL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "iotsec/ledger/store.h"
#include "store_sqlite.h"
#include "store_tiles.h"

namespace iotsec::ledger {

class LogStore::Impl {
 public:
  Impl(std::string dir, const LogStoreOptions& options);
  ~Impl();

  // Snapshot returns the committed right edge (and with it the committed size).
  std::shared_ptr<const internal::TreeEdge> Snapshot();
  // Publish makes |edge| the committed state that readers see.
  void Publish(std::shared_ptr<const internal::TreeEdge> edge);

  // Transaction runs |body| between BEGIN IMMEDIATE and COMMIT on the write connection; the
  // caller holds write_mu. A failure of |body| rolls back; a failure of COMMIT (or of that
  // ROLLBACK) puts the store in the failed state, as the outcome is then unknown.
  Status Transaction(const std::function<Status()>& body);
  // CheckWritable fails with kFailedPrecondition in the failed state.
  Status CheckWritable();

  // LoadEdge reads the stored size and the right-edge tiles through the write connection
  // (caller holds write_mu, or is opening). kDataLoss when they disagree.
  Result<internal::TreeEdge> LoadEdge();

  // FullTile returns the expanded full tile |key| from the cache or the database (caching it).
  Result<std::shared_ptr<const internal::ExpandedTile>> FullTile(const internal::TileKey& key);
  // FullTileNode returns the node at |loc|, which must lie in a full tile. A proof reads up to 8
  // nodes of one tile in a row, so each thread remembers the last tile it used (valid while the
  // cache epoch is unchanged) and skips the shared cache for them.
  Result<Hash> FullTileNode(const internal::NodeLocation& loc);
  // ClearCache empties the tile cache and starts a new cache epoch.
  void ClearCache();
  // ReadTileBytes reads the stored bytes of tile |key| through the read connection;
  // std::nullopt when there is no such row.
  Result<std::optional<Bytes>> ReadTileBytes(const internal::TileKey& key);

  // FsckLocked is Fsck with write_mu held.
  Status FsckLocked(bool repair, FsckReport* report);

  // ApplyIndexWrites runs |writes| on the write connection (inside a transaction).
  Status ApplyIndexWrites(std::span<const IndexWrite> writes);

  const std::string dir_;
  const LogStoreOptions options_;
  int lock_fd_ = -1;

  // The writer: one connection, serialized by write_mu_.
  std::mutex write_mu_;
  internal::Db wdb_;
  internal::Stmt insert_entry_;
  internal::Stmt put_tile_;
  internal::Stmt set_size_;
  internal::Stmt kv_put_;
  internal::Stmt kv_delete_;
  std::optional<Error> failed_;  // set once a commit failed

  // The committed state that readers see.
  std::mutex snapshot_mu_;
  std::shared_ptr<const internal::TreeEdge> edge_;

  // The readers' connection (WAL lets it read while the writer writes), serialized by read_mu_.
  std::mutex read_mu_;
  internal::Db rdb_;
  internal::Stmt get_entry_;
  internal::Stmt get_entries_;
  internal::Stmt get_tile_;
  internal::Stmt get_checkpoint_;
  internal::Stmt kv_get_;
  internal::Stmt kv_scan_;

  internal::TileCache cache_;
  // cache_epoch_ names the cache's current contents with a process-wide unique number, renewed
  // by ClearCache, so that a thread's memo of a tile never outlives a repair or this store.
  std::atomic<uint64_t> cache_epoch_;
  // committed_size_ is edge_->size(), for readers that need only the size.
  std::atomic<uint64_t> committed_size_{0};
};

// ValidIndexTable says whether |name| is a valid index table name: 1 to kMaxIndexTableName
// characters of [a-z0-9_.-].
bool ValidIndexTable(std::string_view name);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_STORE_IMPL_H_
