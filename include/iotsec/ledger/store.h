// Copyright iotsec authors.
// LogStore: the durable storage of a ledger node's log, in SQLite (WAL, synchronous=FULL) in the
// node's data directory. It keeps the entries, the Merkle tree as C2SP tlog-tiles tiles (256
// hashes per tile, full tiles and the partial right edge), the latest checkpoint, and small index
// tables for the node layer. Schema, tile layout and the atomicity argument:
// doc/ledger-storage.md.
//
// Node-side only (library iotsec_ledger); devices verify with iotsec/ledger/merkle.h alone.
#ifndef IOTSEC_LEDGER_STORE_H_
#define IOTSEC_LEDGER_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/merkle.h"

namespace iotsec::ledger {

// kLedgerDbFile is the database file LogStore keeps in the data directory (with its -wal and
// -shm companions); kLedgerLockFile is the lock file that keeps a second process out.
inline constexpr char kLedgerDbFile[] = "ledger.db";
inline constexpr char kLedgerLockFile[] = "ledger.lock";

// kMaxIndexTableName bounds the name of an index table.
inline constexpr size_t kMaxIndexTableName = 64;

// LogStoreOptions tune a LogStore.
struct LogStoreOptions {
  // tile_cache_bytes bounds the cache of expanded full tiles (about 16 KiB each, every internal
  // node precomputed). Proofs over cached tiles need no SQLite read and no hashing; the tiles of
  // 1,000,000 entries take about 62 MiB, so the default keeps all of them hot.
  size_t tile_cache_bytes = size_t{64} << 20;
  // repair_tiles_on_open makes Open rebuild the tiles from the entries (Fsck with repair) when
  // the stored right-edge tiles disagree with the stored size, instead of failing.
  bool repair_tiles_on_open = false;
};

// IndexWrite is one change to an index table: set |key| to |value|, or delete |key| when
// |value| is std::nullopt (an empty Bytes value is stored as an empty value).
struct IndexWrite {
  std::string table;
  Bytes key;
  std::optional<Bytes> value;
};

// StoredCheckpoint is the latest checkpoint that the node stored: the tree size and root it
// commits to, and its signed text (doc/formats/checkpoint.md), opaque to the store.
struct StoredCheckpoint {
  uint64_t size = 0;
  Hash root{};
  Bytes text;
};

// FsckReport says what Fsck found and did.
struct FsckReport {
  uint64_t entries_checked = 0;
  uint64_t tiles_checked = 0;
  uint64_t tiles_bad = 0;    // stored tiles that differ from the entries, or are missing
  uint64_t tiles_extra = 0;  // stored tiles that a tree of this size does not have
  bool checkpoint_checked = false;
  bool repaired = false;  // tiles were rewritten from the entries
  Hash root{};            // the root recomputed from the entries
};

// LogStore is the append-only log of one node. It is thread-safe: appends are serialized, and
// reads (Size, Entry, Node, tiles, index lookups) run concurrently with them and see only
// committed data. One process at a time may open a data directory.
class LogStore final : public NodeReader {
 public:
  // Open opens the store in directory |dir| (created if missing, one level), creating
  // ledger.db and bringing its schema up to date by numbered migrations. Fails with
  // kUnavailable when another process has the store open or the files cannot be opened,
  // kFailedPrecondition when the database is newer than this program, kDataLoss when the
  // stored size, entries and right-edge tiles disagree (unless options.repair_tiles_on_open
  // and the repair succeeds).
  static Result<std::unique_ptr<LogStore>> Open(const std::string& dir,
                                                const LogStoreOptions& options = {});

  // ~LogStore closes the database and releases the directory lock.
  ~LogStore() override;
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Size returns the number of committed entries. Cannot fail today; Result for backends that
  // may.
  Result<uint64_t> Size();

  // Root returns the root hash of the committed tree and its size, read together.
  Result<std::pair<uint64_t, Hash>> Root();

  // Entry returns entry |index|. kNotFound if index >= Size(), kDataLoss if the row is missing.
  Result<Bytes> Entry(uint64_t index);

  // Entries returns entries [start, start + count). kNotFound unless all of them exist.
  Result<std::vector<Bytes>> Entries(uint64_t start, uint64_t count);

  // AppendBatch appends |entries| at indexes Size(), Size()+1, ... and applies |index_writes|,
  // all in ONE transaction: one WAL fsync makes the whole batch durable, and either all of it is
  // committed or none. Returns the assigned indexes once the commit (and its fsync) succeeded.
  // Fails with kInvalidArgument on an invalid index write or an entry over 10^9 bytes (nothing is
  // written), kFailedPrecondition if the store is in the failed state (see below), or the
  // SQLite error (kUnavailable for I/O errors or a full disk). When the commit itself fails the
  // outcome is unknown (the batch may reappear after a restart), so the store enters the failed
  // state: every later write fails with kFailedPrecondition until the store is reopened.
  Result<std::vector<uint64_t>> AppendBatch(std::span<const Bytes> entries,
                                            std::span<const IndexWrite> index_writes = {});

  // Node implements NodeReader from the tiles: the hash of the complete subtree of 2^level
  // leaves starting at leaf index * 2^level of the committed tree. kNotFound when that subtree
  // is not complete yet, kInvalidArgument when it is beyond any tree, kDataLoss when a stored
  // tile is malformed.
  Result<Hash> Node(uint8_t level, uint64_t index) override;

  // Tile returns the C2SP tlog-tiles tile at tile |level| (0..7), index |index|, |width| hashes
  // (1..256), as served at tile/<L>/<N>[.p/<W>]: width * 32 bytes. A partial tile of a smaller
  // tree is a prefix of the wider tile, so any width that the committed tree has is served.
  // kInvalidArgument for a bad level or width, kNotFound when the tree does not have it.
  Result<Bytes> Tile(int level, uint64_t index, size_t width);

  // PutCheckpoint stores |text| as the latest checkpoint, for the tree of |size| leaves with
  // root |root|. Fails with kInvalidArgument when |root| is not the root of the first |size|
  // stored entries or size > Size(), kFailedPrecondition when size is below the stored
  // checkpoint's (checkpoints only move forward).
  Status PutCheckpoint(uint64_t size, const Hash& root, ByteSpan text);

  // LatestCheckpoint returns the stored checkpoint; kNotFound when none was stored yet.
  Result<StoredCheckpoint> LatestCheckpoint();

  // IndexGet returns the value of |key| in index table |table|; kNotFound if absent,
  // kInvalidArgument for an invalid table name.
  Result<Bytes> IndexGet(std::string_view table, ByteSpan key);

  // IndexScan returns up to |limit| (key, value) pairs of |table| whose key starts with
  // |prefix|, in key order. kInvalidArgument for an invalid table name.
  Result<std::vector<std::pair<Bytes, Bytes>>> IndexScan(std::string_view table, ByteSpan prefix,
                                                         size_t limit);

  // IndexScanFrom returns up to |limit| (key, value) pairs of |table| whose key is at least
  // |start| (bytewise), in key order. kInvalidArgument for an invalid table name.
  Result<std::vector<std::pair<Bytes, Bytes>>> IndexScanFrom(std::string_view table,
                                                             ByteSpan start, size_t limit);

  // IndexApply applies |writes| in one durable transaction (without appending entries).
  // kInvalidArgument for an invalid table name (nothing is written); like AppendBatch otherwise.
  Status IndexApply(std::span<const IndexWrite> writes);

  // Fsck recomputes the whole tree from the entries and compares every stored tile, the stored
  // size and the latest checkpoint's root with it. Ok() when all agree. With |repair|, tiles
  // that disagree are rewritten from the entries (in one transaction) and Ok() is returned if
  // the store is then consistent. Fails with kDataLoss naming the first problem when the store
  // is inconsistent and not repaired, or cannot be repaired: entries missing, or entries that
  // disagree with the stored checkpoint (never papered over). Blocks appends while it runs.
  // |report|, if set, receives the counts.
  Status Fsck(bool repair = false, FsckReport* report = nullptr);

  // CachedTiles returns the number of tiles in the tile cache (for metrics and tests).
  size_t CachedTiles();

 private:
  class Impl;
  explicit LogStore(std::unique_ptr<Impl> impl);
  Result<std::vector<std::pair<Bytes, Bytes>>> ScanIndex(std::string_view table, ByteSpan start,
                                                         ByteSpan prefix, size_t limit);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_STORE_H_
