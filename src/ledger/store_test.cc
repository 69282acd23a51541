// Copyright iotsec authors.
#include "iotsec/ledger/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/ledger/merkle.h"
#include "store_test_util.h"
#include "store_tiles.h"

namespace iotsec::ledger {
namespace {

using testing::RawSql;
using testing::TempDir;
using testing::TestEntry;

// Appends entries [from, to) in batches of random sizes, mirroring them into |mirror|.
void AppendRange(LogStore& store, MemoryTree& mirror, uint64_t from, uint64_t to,
                 std::mt19937_64& rng) {
  uint64_t i = from;
  while (i < to) {
    uint64_t n = std::min<uint64_t>(to - i, 1 + rng() % 700);
    std::vector<Bytes> batch;
    for (uint64_t j = 0; j < n; ++j) {
      batch.push_back(TestEntry(i + j));
      mirror.AppendLeaf(batch.back());
    }
    Result<std::vector<uint64_t>> idx = store.AppendBatch(batch);
    ASSERT_TRUE(idx) << idx.error().ToString();
    ASSERT_EQ(idx->size(), n);
    for (uint64_t j = 0; j < n; ++j) {
      ASSERT_EQ((*idx)[j], i + j);
    }
    i += n;
  }
}

// Checks that |store| and |mirror| (the same entries) agree on size, root, a sample of nodes
// of every level, and inclusion and consistency proofs.
void ExpectSameTree(LogStore& store, MemoryTree& mirror, std::mt19937_64& rng) {
  uint64_t size = mirror.size();
  ASSERT_EQ(store.Size().value(), size);
  auto root = store.Root();
  ASSERT_TRUE(root);
  EXPECT_EQ(root->first, size);
  EXPECT_EQ(root->second, mirror.Root());
  Result<Hash> root_at = RootAt(store, size);
  ASSERT_TRUE(root_at) << root_at.error().ToString();
  EXPECT_EQ(*root_at, mirror.Root());
  for (uint8_t level = 0; level < 64 && (size >> level) != 0; ++level) {
    uint64_t count = size >> level;
    for (uint64_t index : {uint64_t{0}, count - 1, count / 2, rng() % count}) {
      Result<Hash> a = store.Node(level, index);
      Result<Hash> b = mirror.Node(level, index);
      ASSERT_TRUE(a) << a.error().ToString();
      ASSERT_TRUE(b);
      EXPECT_EQ(*a, *b) << "level " << int(level) << " index " << index;
    }
    Result<Hash> past = store.Node(level, count);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code(), ErrorCode::kNotFound);
  }
  for (int k = 0; k < 8 && size > 0; ++k) {
    uint64_t index = rng() % size;
    uint64_t tree = index + 1 + rng() % (size - index);
    auto p1 = InclusionProof(store, index, tree);
    auto p2 = InclusionProof(mirror, index, tree);
    ASSERT_TRUE(p1) << p1.error().ToString();
    ASSERT_TRUE(p2);
    EXPECT_EQ(*p1, *p2);
    auto tree_root = RootAt(store, tree);
    ASSERT_TRUE(tree_root);
    EXPECT_TRUE(VerifyInclusion(LeafHash(TestEntry(index)), index, tree, *p1, *tree_root));
    uint64_t older = rng() % (tree + 1);
    auto c1 = ConsistencyProof(store, older, tree);
    auto c2 = ConsistencyProof(mirror, older, tree);
    ASSERT_TRUE(c1) << c1.error().ToString();
    ASSERT_TRUE(c2);
    EXPECT_EQ(*c1, *c2);
  }
}

TEST(ExpandedTileTest, NodesMatchMemoryTree) {
  MemoryTree mirror;
  internal::ExpandedTile tile;
  for (uint64_t i = 0; i < 256; ++i) {
    Hash h = LeafHash(TestEntry(i));
    mirror.AppendLeafHash(h);
    tile.Append(h);
    for (int k = 0; k <= 8; ++k) {
      for (uint64_t p = 0; p < ((i + 1) >> k); ++p) {
        ASSERT_TRUE(tile.Has(k, p));
        ASSERT_EQ(tile.At(k, p), mirror.Node(static_cast<uint8_t>(k), p).value());
      }
      EXPECT_FALSE(tile.Has(k, (i + 1) >> k));
    }
  }
  EXPECT_TRUE(tile.full());
  EXPECT_EQ(tile.At(8, 0), mirror.Root());
  auto again = internal::ExpandedTile::FromBytes(tile.Serialize(256), "t");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->At(8, 0), mirror.Root());
  for (size_t bad : {size_t{0}, size_t{31}, size_t{33}, size_t{257 * 32}}) {
    auto r = internal::ExpandedTile::FromBytes(Bytes(bad, 0), "t");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss);
  }
}

TEST(TreeEdgeTest, RootMatchesMemoryTreeAcrossTileBoundaries) {
  MemoryTree mirror;
  internal::TreeEdge edge;
  std::vector<internal::TileKey> full;
  for (uint64_t i = 0; i < 70000; ++i) {
    Hash h = LeafHash(TestEntry(i));
    mirror.AppendLeafHash(h);
    edge.Append(h, [&](const internal::TileKey& key, const internal::ExpandedTile& t) {
      full.push_back(key);
      // A full tile of level L holds nodes of tree level 8L.
      EXPECT_EQ(t.At(0, 0),
                mirror.Node(static_cast<uint8_t>(8 * key.level), key.index * 256).value());
    });
    uint64_t n = i + 1;
    if (n < 600 || n % 4099 == 0 || (n >= 65530 && n <= 65540)) {
      ASSERT_EQ(edge.Root(), mirror.Root()) << n;
    }
  }
  // 70000 leaves: 273 full level-0 tiles and one full level-1 tile.
  EXPECT_EQ(full.size(), 274u);
  EXPECT_EQ(full[255], (internal::TileKey{0, 255}));
  EXPECT_EQ(full[256], (internal::TileKey{1, 0}));  // completed by the same leaf
  EXPECT_EQ(full.back(), (internal::TileKey{0, 272}));
  EXPECT_EQ(internal::TreeEdge().Root(), EmptyRootHash());
}

TEST(LocateNodeTest, MapsLevelsToTiles) {
  auto l = internal::LocateNode(0, 1000);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->key, (internal::TileKey{0, 3}));
  EXPECT_EQ(l->sub_level, 0);
  EXPECT_EQ(l->position, 1000u % 256);
  l = internal::LocateNode(3, 1000);  // hashes 8000..8007 of level 0: tile 0/31
  ASSERT_TRUE(l);
  EXPECT_EQ(l->key, (internal::TileKey{0, 31}));
  EXPECT_EQ(l->sub_level, 3);
  EXPECT_EQ(l->position, 1000u % 32);
  l = internal::LocateNode(17, 5);  // tile level 2, sub-level 1
  ASSERT_TRUE(l);
  EXPECT_EQ(l->key, (internal::TileKey{2, 0}));
  EXPECT_EQ(l->sub_level, 1);
  EXPECT_EQ(l->position, 5u);
  auto bad = internal::LocateNode(64, 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  bad = internal::LocateNode(40, uint64_t{1} << 30);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST(LogStoreTest, EmptyStore) {
  TempDir dir;
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_EQ((*store)->Size().value(), 0u);
  EXPECT_EQ((*store)->Root()->second, EmptyRootHash());
  EXPECT_EQ((*store)->Entry(0).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*store)->Node(0, 0).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*store)->LatestCheckpoint().error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*store)->Tile(0, 0, 1).error().code(), ErrorCode::kNotFound);
  auto none = (*store)->AppendBatch({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE((*store)->Fsck());
}

TEST(LogStoreTest, AppendsReadsAndMatchesMemoryTree) {
  TempDir dir;
  std::mt19937_64 rng(1);
  MemoryTree mirror;
  LogStoreOptions small_cache;
  small_cache.tile_cache_bytes = 3 * sizeof(internal::ExpandedTile);  // forces database reads
  {
    auto store = LogStore::Open(dir.path(), small_cache);
    ASSERT_TRUE(store) << store.error().ToString();
    for (uint64_t to : {1, 2, 255, 256, 257, 511, 512, 1000, 65535, 65536, 65537, 70001}) {
      AppendRange(**store, mirror, mirror.size(), to, rng);
      ExpectSameTree(**store, mirror, rng);
    }
    EXPECT_LE((*store)->CachedTiles(), 3u);
    EXPECT_EQ((*store)->Entry(12345).value(), TestEntry(12345));
    auto range = (*store)->Entries(69990, 11);
    ASSERT_TRUE(range);
    ASSERT_EQ(range->size(), 11u);
    EXPECT_EQ(range->back(), TestEntry(70000));
    EXPECT_EQ((*store)->Entries(69990, 12).error().code(), ErrorCode::kNotFound);
    EXPECT_EQ((*store)->Entry(70001).error().code(), ErrorCode::kNotFound);
  }
  // Reopened, cold: everything comes from the tiles in the database.
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_EQ((*store)->CachedTiles(), 0u);
  ExpectSameTree(**store, mirror, rng);
  AppendRange(**store, mirror, mirror.size(), 70500, rng);
  ExpectSameTree(**store, mirror, rng);
  FsckReport report;
  ASSERT_TRUE((*store)->Fsck(false, &report));
  EXPECT_EQ(report.entries_checked, 70500u);
  // 275 full level-0 tiles, the partial one, full level-1 tile 1/0, partial 1/1, partial 2/0.
  EXPECT_EQ(report.tiles_checked, 275u + 1 + 1 + 1 + 1);
  EXPECT_EQ(report.root, mirror.Root());
}

TEST(LogStoreTest, ServesTlogTiles) {
  TempDir dir;
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  MemoryTree mirror;
  std::mt19937_64 rng(2);
  AppendRange(**store, mirror, 0, 600, rng);
  LogStore& s = **store;
  // Full tile 0/1 is the leaf hashes 256..511.
  auto tile = s.Tile(0, 1, 256);
  ASSERT_TRUE(tile);
  ASSERT_EQ(tile->size(), 256u * 32);
  for (uint64_t i = 0; i < 256; ++i) {
    Hash h = mirror.Node(0, 256 + i).value();
    EXPECT_TRUE(std::equal(h.begin(), h.end(), tile->begin() + 32 * i));
  }
  // A partial tile of an older tree is a prefix of the full one.
  auto prefix = s.Tile(0, 1, 10);
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(std::equal(prefix->begin(), prefix->end(), tile->begin()));
  // The right edge: 600 = 2*256 + 88.
  auto edge = s.Tile(0, 2, 88);
  ASSERT_TRUE(edge);
  Hash last = mirror.Node(0, 599).value();
  EXPECT_TRUE(std::equal(last.begin(), last.end(), edge->end() - 32));
  EXPECT_EQ(s.Tile(0, 2, 89).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.Tile(0, 3, 1).error().code(), ErrorCode::kNotFound);
  auto level1 = s.Tile(1, 0, 2);
  ASSERT_TRUE(level1);
  Hash n8 = mirror.Node(8, 1).value();
  EXPECT_TRUE(std::equal(n8.begin(), n8.end(), level1->begin() + 32));
  EXPECT_EQ(s.Tile(1, 0, 3).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.Tile(8, 0, 1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.Tile(0, 0, 0).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.Tile(0, 0, 257).error().code(), ErrorCode::kInvalidArgument);
}

TEST(LogStoreTest, SchemaIsMigratedAndVersioned) {
  TempDir dir;
  {
    auto store = LogStore::Open(dir.path());
    ASSERT_TRUE(store);
  }
  // user_version is 1; a database from a newer program is refused.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.Sub(kLedgerDbFile).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
  ASSERT_EQ(RawSql(dir.path(), "PRAGMA user_version = 99"), SQLITE_OK);
  auto newer = LogStore::Open(dir.path());
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(LogStoreTest, OneOpenerPerDirectory) {
  TempDir dir;
  auto a = LogStore::Open(dir.path());
  ASSERT_TRUE(a);
  auto b = LogStore::Open(dir.path());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), ErrorCode::kUnavailable);
  a->reset();
  EXPECT_TRUE(LogStore::Open(dir.path()));
}

TEST(LogStoreTest, Checkpoints) {
  TempDir dir;
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  LogStore& s = **store;
  MemoryTree mirror;
  std::mt19937_64 rng(3);
  AppendRange(s, mirror, 0, 300, rng);
  Hash root = mirror.Root();
  Hash wrong = root;
  wrong[0] ^= 1;
  EXPECT_EQ(s.PutCheckpoint(300, wrong, AsBytes("cp")).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.PutCheckpoint(301, root, AsBytes("cp")).error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(s.PutCheckpoint(300, root, AsBytes("checkpoint 300\n")));
  auto cp = s.LatestCheckpoint();
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->size, 300u);
  EXPECT_EQ(cp->root, root);
  EXPECT_EQ(cp->text, ToBytes(AsBytes("checkpoint 300\n")));
  Hash root200 = RootAt(mirror, 200).value();
  EXPECT_EQ(s.PutCheckpoint(200, root200, AsBytes("old")).error().code(),
            ErrorCode::kFailedPrecondition);
  // The same size again (say, with more cosignatures) replaces it.
  ASSERT_TRUE(s.PutCheckpoint(300, root, AsBytes("checkpoint 300 cosigned\n")));
  EXPECT_EQ(s.LatestCheckpoint()->text, ToBytes(AsBytes("checkpoint 300 cosigned\n")));
  FsckReport report;
  ASSERT_TRUE(s.Fsck(false, &report));
  EXPECT_TRUE(report.checkpoint_checked);
}

TEST(LogStoreTest, IndexTables) {
  TempDir dir;
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  LogStore& s = **store;
  std::vector<IndexWrite> writes = {
      {"device", ToBytes(AsBytes("urn:dev:acme:1")), ToBytes(AsBytes("\x01"))},
      {"device", ToBytes(AsBytes("urn:dev:acme:2")), ToBytes(AsBytes("\x02"))},
      {"device", ToBytes(AsBytes("urn:dev:bolt:1")), ToBytes(AsBytes("\x03"))},
      {"org", ToBytes(AsBytes("urn:dev:acme:1")), ToBytes(AsBytes("other table"))},
  };
  ASSERT_TRUE(s.IndexApply(writes));
  EXPECT_EQ(s.IndexGet("device", AsBytes("urn:dev:acme:2")).value(), ToBytes(AsBytes("\x02")));
  EXPECT_EQ(s.IndexGet("org", AsBytes("urn:dev:acme:1")).value(), ToBytes(AsBytes("other table")));
  EXPECT_EQ(s.IndexGet("device", AsBytes("urn:dev:acme:3")).error().code(), ErrorCode::kNotFound);
  auto scan = s.IndexScan("device", AsBytes("urn:dev:acme:"), 10);
  ASSERT_TRUE(scan);
  ASSERT_EQ(scan->size(), 2u);
  EXPECT_EQ((*scan)[1].first, ToBytes(AsBytes("urn:dev:acme:2")));
  EXPECT_EQ(s.IndexScan("device", {}, 2)->size(), 2u);
  EXPECT_EQ(s.IndexScan("device", {}, 100)->size(), 3u);
  // Delete, and index writes that ride along with entries.
  std::vector<IndexWrite> more = {{"device", ToBytes(AsBytes("urn:dev:acme:1")), std::nullopt},
                                  {"device", ToBytes(AsBytes("urn:dev:new:9")), Bytes{0}}};
  std::vector<Bytes> entries = {TestEntry(0)};
  ASSERT_TRUE(s.AppendBatch(entries, more));
  EXPECT_EQ(s.IndexGet("device", AsBytes("urn:dev:acme:1")).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.IndexGet("device", AsBytes("urn:dev:new:9")).value(), Bytes{0});
  // An invalid table name refuses the whole batch: no entry, no index change.
  std::vector<IndexWrite> bad = {{"device", ToBytes(AsBytes("k")), Bytes{1}},
                                 {"Bad Name", ToBytes(AsBytes("k")), Bytes{1}}};
  auto r = s.AppendBatch(entries, bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.Size().value(), 1u);
  EXPECT_EQ(s.IndexGet("device", AsBytes("k")).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.IndexGet("", AsBytes("k")).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.IndexGet(std::string(65, 'a'), AsBytes("k")).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(LogStoreTest, FailedStatementRollsBackWholeBatch) {
  TempDir dir;
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  LogStore& s = **store;
  MemoryTree mirror;
  std::mt19937_64 rng(4);
  AppendRange(s, mirror, 0, 250, rng);
  Hash root = s.Root()->second;
  // Another connection plants a row where entry 255 will go: the batch of 10 fails halfway,
  // crossing a tile boundary, and must leave nothing behind.
  ASSERT_EQ(RawSql(dir.path(), "INSERT INTO entries (idx, data) VALUES (255, x'00')"), SQLITE_OK);
  std::vector<Bytes> batch;
  for (uint64_t i = 250; i < 260; ++i) {
    batch.push_back(TestEntry(i));
  }
  auto r = s.AppendBatch(batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(s.Size().value(), 250u);
  EXPECT_EQ(s.Root()->second, root);
  EXPECT_EQ(s.Entry(250).error().code(), ErrorCode::kNotFound);
  ASSERT_EQ(RawSql(dir.path(), "DELETE FROM entries WHERE idx = 255"), SQLITE_OK);
  // The store still works, and nothing of the failed batch is left.
  AppendRange(s, mirror, 250, 300, rng);
  ExpectSameTree(s, mirror, rng);
  EXPECT_TRUE(s.Fsck());
}

TEST(LogStoreTest, ReadersProveWhileTheWriterAppends) {
  TempDir dir;
  LogStoreOptions options;
  options.tile_cache_bytes = 8 * sizeof(internal::ExpandedTile);  // evictions under load
  auto store = LogStore::Open(dir.path(), options);
  ASSERT_TRUE(store);
  LogStore& s = **store;
  std::atomic<bool> done{false};
  std::atomic<int> proofs{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937_64 rng(100 + r);
      while (!done) {
        auto root = s.Root();
        ASSERT_TRUE(root);
        auto [size, hash] = *root;
        if (size == 0) {
          continue;
        }
        uint64_t index = rng() % size;
        auto proof = InclusionProof(s, index, size);
        ASSERT_TRUE(proof) << proof.error().ToString();
        auto entry = s.Entry(index);
        ASSERT_TRUE(entry) << entry.error().ToString();
        Status ok = VerifyInclusion(LeafHash(*entry), index, size, *proof, hash);
        ASSERT_TRUE(ok) << "index " << index << " size " << size << ": " << ok.error().ToString();
        ++proofs;
      }
    });
  }
  uint64_t next = 0;
  std::mt19937_64 rng(9);
  while (next < 20000) {
    std::vector<Bytes> batch;
    for (uint64_t n = 1 + rng() % 300; n > 0; --n) {
      batch.push_back(TestEntry(next++));
    }
    ASSERT_TRUE(s.AppendBatch(batch));
  }
  done = true;
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_GT(proofs.load(), 0);
  EXPECT_TRUE(s.Fsck());
}

// Builds a store of |n| entries in |dir| and returns its root.
Hash BuildStore(const std::string& dir, uint64_t n, MemoryTree& mirror) {
  auto store = LogStore::Open(dir);
  EXPECT_TRUE(store);
  std::mt19937_64 rng(5);
  AppendRange(**store, mirror, 0, n, rng);
  return mirror.Root();
}

TEST(LogStoreFsckTest, FindsAndRepairsACorruptTile) {
  TempDir dir;
  MemoryTree mirror;
  Hash root = BuildStore(dir.path(), 1000, mirror);
  // Flip one hash in full tile 0/1 (leaves 256..511).
  ASSERT_EQ(RawSql(dir.path(),
                   "UPDATE tiles SET hashes = zeroblob(32) || substr(hashes, 33) "
                   "WHERE level = 0 AND idx = 1"),
            SQLITE_OK);
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store) << store.error().ToString();
  LogStore& s = **store;
  // The damage shows: the node for leaf 256 is wrong.
  EXPECT_NE(s.Node(0, 256).value(), mirror.Node(0, 256).value());
  FsckReport report;
  Status check = s.Fsck(false, &report);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code(), ErrorCode::kDataLoss);
  EXPECT_NE(check.error().message().find("tile 0/1"), std::string::npos) << check.error().message();
  EXPECT_EQ(report.tiles_bad, 1u);
  EXPECT_EQ(report.root, root);
  EXPECT_FALSE(report.repaired);
  ASSERT_TRUE(s.Fsck(true, &report));
  EXPECT_TRUE(report.repaired);
  EXPECT_TRUE(s.Fsck(false, &report));
  EXPECT_FALSE(report.repaired);
  std::mt19937_64 rng(6);
  ExpectSameTree(s, mirror, rng);
  EXPECT_EQ(s.Node(0, 256).value(), mirror.Node(0, 256).value());
}

TEST(LogStoreFsckTest, FindsMissingAndExtraTiles) {
  TempDir dir;
  MemoryTree mirror;
  BuildStore(dir.path(), 70000, mirror);
  ASSERT_EQ(RawSql(dir.path(), "DELETE FROM tiles WHERE level = 1 AND idx = 0"), SQLITE_OK);
  ASSERT_EQ(RawSql(dir.path(), "INSERT INTO tiles VALUES (0, 9999, zeroblob(32))"), SQLITE_OK);
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  FsckReport report;
  Status check = (*store)->Fsck(false, &report);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(report.tiles_bad, 1u);
  EXPECT_EQ(report.tiles_extra, 1u);
  ASSERT_TRUE((*store)->Fsck(true));
  EXPECT_TRUE((*store)->Fsck(false, &report));
  EXPECT_EQ(report.tiles_extra, 0u);
  std::mt19937_64 rng(7);
  ExpectSameTree(**store, mirror, rng);
}

TEST(LogStoreFsckTest, RightEdgeMismatchBlocksOpenUnlessRepairing) {
  TempDir dir;
  MemoryTree mirror;
  BuildStore(dir.path(), 1000, mirror);
  // Tile 0/3 (1000 = 3*256 + 232) loses its last hash.
  ASSERT_EQ(RawSql(dir.path(),
                   "UPDATE tiles SET hashes = substr(hashes, 1, 231 * 32) "
                   "WHERE level = 0 AND idx = 3"),
            SQLITE_OK);
  auto refused = LogStore::Open(dir.path());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kDataLoss);
  LogStoreOptions repair;
  repair.repair_tiles_on_open = true;
  auto store = LogStore::Open(dir.path(), repair);
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_TRUE((*store)->Fsck());
  std::mt19937_64 rng(8);
  ExpectSameTree(**store, mirror, rng);
}

TEST(LogStoreFsckTest, NeverRepairsAwayACheckpoint) {
  TempDir dir;
  MemoryTree mirror;
  Hash root = BuildStore(dir.path(), 500, mirror);
  {
    auto store = LogStore::Open(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->PutCheckpoint(500, root, AsBytes("signed")));
  }
  // An entry changes after it was checkpointed: the tiles could be recomputed, but that would
  // hide that the log no longer matches what it signed.
  ASSERT_EQ(RawSql(dir.path(), "UPDATE entries SET data = x'00' WHERE idx = 7"), SQLITE_OK);
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  Status check = (*store)->Fsck(true);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code(), ErrorCode::kDataLoss);
  EXPECT_NE(check.error().message().find("checkpoint"), std::string::npos);
  EXPECT_EQ((*store)->Root()->second, root);  // the tiles were left alone
}

TEST(LogStoreFsckTest, FindsAMissingEntry) {
  TempDir dir;
  MemoryTree mirror;
  BuildStore(dir.path(), 300, mirror);
  ASSERT_EQ(RawSql(dir.path(), "DELETE FROM entries WHERE idx = 100"), SQLITE_OK);
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->Entry(100).error().code(), ErrorCode::kDataLoss);
  Status check = (*store)->Fsck(true);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code(), ErrorCode::kDataLoss);
  EXPECT_NE(check.error().message().find("entry 100"), std::string::npos);
  // A size that disagrees with the entries is refused at open.
  ASSERT_EQ(RawSql(dir.path(), "UPDATE tree SET size = 301"), SQLITE_OK);
  store->reset();
  auto reopened = LogStore::Open(dir.path());
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code(), ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace iotsec::ledger
