// Copyright iotsec authors.
// LogStore::Fsck: recompute the tree from the entries and compare it with the stored tiles,
// size and checkpoint; rebuild the tiles on request (doc/ledger-storage.md, "Fsck").
#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "store_impl.h"

namespace iotsec::ledger {

namespace {

using internal::ExpandedTile;
using internal::kHashSize;
using internal::kTileHeight;
using internal::kTileWidth;
using internal::TileKey;
using internal::TreeEdge;

uint64_t Shr(uint64_t x, int n) { return n >= 64 ? 0 : x >> n; }

std::string TileName(const TileKey& k) {
  return "tile " + std::to_string(k.level) + "/" + std::to_string(k.index);
}

// Problems collects what Fsck finds: the first message of each kind and whether the tiles
// alone are wrong (repairable) or the entries themselves (not).
struct Problems {
  std::string first_tile_problem;
  std::string fatal;  // entries missing, size or checkpoint disagreeing: never repaired

  void Tile(std::string msg) {
    if (first_tile_problem.empty()) {
      first_tile_problem = std::move(msg);
    }
  }
  void Fatal(std::string msg) {
    if (fatal.empty()) {
      fatal = std::move(msg);
    }
  }
};

// ExpectedTileWidth returns the width of tile |key| in a tree of |size| leaves (0 if the tree
// has no such tile).
size_t ExpectedTileWidth(uint64_t size, const TileKey& key) {
  if (key.level < 0 || key.level >= internal::kMaxTileLevels) {
    return 0;
  }
  uint64_t hashes = Shr(size, kTileHeight * key.level);
  uint64_t full = hashes / kTileWidth;
  if (key.index < full) {
    return kTileWidth;
  }
  if (key.index == full) {
    return hashes % kTileWidth;
  }
  return 0;
}

// ForEachEntry streams the entries in index order into |edge|, calling |on_full| for each
// completed tile and |after| after each entry. Records gaps as fatal problems and stops there.
Status ForEachEntry(internal::Db& db, TreeEdge& edge, const TreeEdge::OnFullTile& on_full,
                    const std::function<void()>& after, Problems& problems) {
  IOTSEC_TRY(st, internal::Stmt::Prepare(db, "SELECT idx, data FROM entries ORDER BY idx"));
  for (;;) {
    IOTSEC_TRY(row, st.Step());
    if (!row) {
      break;
    }
    int64_t idx = st.ColumnInt(0);
    if (idx < 0 || static_cast<uint64_t>(idx) != edge.size()) {
      problems.Fatal("entry " + std::to_string(edge.size()) + " is missing (the next stored is " +
                     std::to_string(idx) + ")");
      break;
    }
    edge.Append(LeafHash(st.ColumnBlobView(1)), on_full);
    if (after) {
      after();
    }
  }
  return Ok();
}

}  // namespace

Status LogStore::Impl::FsckLocked(bool repair, FsckReport* report) {
  FsckReport local;
  FsckReport& rep = report != nullptr ? *report : local;
  rep = FsckReport();
  Problems problems;

  // A read transaction gives one consistent view even if another process were to write.
  IOTSEC_RETURN_IF_ERROR(wdb_.Exec("BEGIN"));
  struct ReadTransaction {
    internal::Db& db;
    bool active = true;
    void End() {
      if (active) {
        (void)db.Exec("ROLLBACK");
        active = false;
      }
    }
    ~ReadTransaction() { End(); }
  } read_transaction{wdb_};

  IOTSEC_TRY(size_stmt, internal::Stmt::Prepare(wdb_, "SELECT size FROM tree WHERE id = 0"));
  IOTSEC_TRY(has_size, size_stmt.Step());
  if (!has_size || size_stmt.ColumnInt(0) < 0) {
    return Fail(ErrorCode::kDataLoss, "fsck: the ledger database has no valid tree size");
  }
  const uint64_t size = static_cast<uint64_t>(size_stmt.ColumnInt(0));
  size_stmt.Reset();

  std::optional<StoredCheckpoint> checkpoint;
  IOTSEC_TRY(cp_stmt,
             internal::Stmt::Prepare(wdb_, "SELECT size, root FROM checkpoint WHERE id = 0"));
  IOTSEC_TRY(has_cp, cp_stmt.Step());
  if (has_cp) {
    StoredCheckpoint cp;
    ByteSpan root = cp_stmt.ColumnBlobView(1);
    if (cp_stmt.ColumnInt(0) < 0 || root.size() != cp.root.size()) {
      problems.Fatal("the stored checkpoint row is malformed");
    } else {
      cp.size = static_cast<uint64_t>(cp_stmt.ColumnInt(0));
      std::memcpy(cp.root.data(), root.data(), root.size());
      checkpoint = cp;
    }
  }
  cp_stmt.Reset();

  // Pass 1: recompute, comparing every full tile as it completes.
  IOTSEC_TRY(tile_stmt,
             internal::Stmt::Prepare(wdb_, "SELECT hashes FROM tiles WHERE level = ? AND idx = ?"));
  Status lookup_status = Ok();
  auto compare = [&](const TileKey& key, const ExpandedTile& tile) {
    if (!lookup_status) {
      return;
    }
    ++rep.tiles_checked;
    lookup_status = tile_stmt.BindInt(1, key.level);
    if (lookup_status) {
      lookup_status = tile_stmt.BindInt(2, static_cast<int64_t>(key.index));
    }
    if (!lookup_status) {
      return;
    }
    Result<bool> row = tile_stmt.Step();
    if (!row) {
      lookup_status = Unexpected(row.error());
      tile_stmt.Reset();
      return;
    }
    Bytes want = tile.Serialize(tile.width());
    if (!*row) {
      ++rep.tiles_bad;
      problems.Tile(TileName(key) + " is missing");
    } else {
      ByteSpan have = tile_stmt.ColumnBlobView(0);
      if (have.size() != want.size() || !std::equal(have.begin(), have.end(), want.begin())) {
        ++rep.tiles_bad;
        problems.Tile(TileName(key) + " differs from the hashes of the entries");
      }
    }
    tile_stmt.Reset();
  };
  TreeEdge edge;
  std::optional<Hash> root_at_checkpoint;
  if (checkpoint && checkpoint->size == 0) {
    root_at_checkpoint = EmptyRootHash();
  }
  auto after = [&]() {
    if (checkpoint && edge.size() == checkpoint->size) {
      root_at_checkpoint = edge.Root();
    }
  };
  IOTSEC_RETURN_IF_ERROR(ForEachEntry(wdb_, edge, compare, after, problems));
  IOTSEC_RETURN_IF_ERROR(lookup_status);
  rep.entries_checked = edge.size();
  rep.root = edge.Root();
  if (problems.fatal.empty() && edge.size() != size) {
    problems.Fatal("the stored size is " + std::to_string(size) + " but there are " +
                   std::to_string(edge.size()) + " entries");
  }
  // The right edge.
  for (int level = 0; level < edge.levels(); ++level) {
    const ExpandedTile& t = edge.Partial(level);
    if (t.width() > 0) {
      compare(edge.PartialKey(level), t);
    }
  }
  IOTSEC_RETURN_IF_ERROR(lookup_status);
  // Tiles that a tree of this size does not have (or of the wrong width, already counted).
  {
    IOTSEC_TRY(all, internal::Stmt::Prepare(wdb_, "SELECT level, idx FROM tiles"));
    for (;;) {
      IOTSEC_TRY(row, all.Step());
      if (!row) {
        break;
      }
      int64_t level = all.ColumnInt(0);
      int64_t index = all.ColumnInt(1);
      TileKey key{static_cast<int>(level), static_cast<uint64_t>(index)};
      if (level < 0 || level >= internal::kMaxTileLevels || index < 0 ||
          ExpectedTileWidth(edge.size(), key) == 0) {
        ++rep.tiles_extra;
        problems.Tile("tile " + std::to_string(level) + "/" + std::to_string(index) +
                      " should not exist");
      }
    }
  }
  if (checkpoint) {
    rep.checkpoint_checked = true;
    if (checkpoint->size > edge.size()) {
      problems.Fatal("the stored checkpoint commits to " + std::to_string(checkpoint->size) +
                     " entries but the log has " + std::to_string(edge.size()));
    } else if (!root_at_checkpoint || *root_at_checkpoint != checkpoint->root) {
      problems.Fatal("the entries do not hash to the root of the stored checkpoint (size " +
                     std::to_string(checkpoint->size) + ")");
    }
  }
  tile_stmt = {};

  if (!problems.fatal.empty()) {
    return Fail(ErrorCode::kDataLoss, "fsck: " + problems.fatal);
  }
  if (problems.first_tile_problem.empty()) {
    return Ok();
  }
  std::string summary = std::to_string(rep.tiles_bad) + " tile(s) wrong or missing and " +
                        std::to_string(rep.tiles_extra) +
                        " extra (first: " + problems.first_tile_problem + ")";
  if (!repair) {
    return Fail(ErrorCode::kDataLoss, "fsck: " + summary + "; run fsck with repair");
  }
  // Pass 2: rewrite every tile from the entries in one transaction.
  read_transaction.End();
  Status s = Transaction([&]() -> Status {
    IOTSEC_RETURN_IF_ERROR(wdb_.Exec("DELETE FROM tiles"));
    Status put_status = Ok();
    auto write = [&](const TileKey& key, const ExpandedTile& tile) {
      if (!put_status) {
        return;
      }
      put_status = put_tile_.BindInt(1, key.level);
      if (put_status) {
        put_status = put_tile_.BindInt(2, static_cast<int64_t>(key.index));
      }
      if (put_status) {
        put_status = put_tile_.BindBlob(3, tile.Serialize(tile.width()));
      }
      if (put_status) {
        put_status = put_tile_.Run();
      }
    };
    TreeEdge rebuilt;
    Problems again;
    IOTSEC_RETURN_IF_ERROR(ForEachEntry(wdb_, rebuilt, write, nullptr, again));
    IOTSEC_RETURN_IF_ERROR(put_status);
    if (!again.fatal.empty() || rebuilt.size() != size) {
      return Fail(ErrorCode::kDataLoss, "fsck: the entries changed during repair");
    }
    for (int level = 0; level < rebuilt.levels(); ++level) {
      if (rebuilt.Partial(level).width() > 0) {
        write(rebuilt.PartialKey(level), rebuilt.Partial(level));
      }
    }
    return put_status;
  });
  if (!s) {
    return s;
  }
  ClearCache();
  IOTSEC_TRY(reloaded, LoadEdge());
  Publish(std::make_shared<const TreeEdge>(std::move(reloaded)));
  rep.repaired = true;
  return Ok();
}

}  // namespace iotsec::ledger
