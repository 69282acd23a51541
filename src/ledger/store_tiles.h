// Copyright iotsec authors.
// Tile arithmetic of the log store (private to src/ledger): the C2SP tlog-tiles layout of the
// Merkle tree, an expanded form of one tile for fast node lookups, the right edge of a growing
// tree, and a cache of full tiles. Layout: doc/ledger-storage.md.
#ifndef IOTSEC_LEDGER_STORE_TILES_H_
#define IOTSEC_LEDGER_STORE_TILES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/merkle.h"

namespace iotsec::ledger::internal {

// C2SP tlog-tiles: a tile holds up to 256 consecutive hashes of one tree level; tile level L
// holds tree level 8*L, so one tile spans 8 tree levels.
inline constexpr int kTileHeight = 8;
inline constexpr size_t kTileWidth = 256;
inline constexpr size_t kHashSize = 32;
// kMaxTileLevels tile levels (0..7) cover every tree of up to 2^64 - 1 leaves.
inline constexpr int kMaxTileLevels = 8;

// ExpandedTile is one tile (its first width() hashes, level 0 of the tile) together with every
// complete node above them inside the tile: sub-level k (0..8) holds the hashes of complete
// subtrees of 2^k tile hashes. Sub-level 8 of a full tile is its root, which is the hash that
// the tile one level up holds for it. Copyable; about 16 KiB.
class ExpandedTile {
 public:
  // ExpandedTile() is an empty tile (width 0).
  ExpandedTile() = default;

  // Append adds one hash at position width() and computes every internal node it completes.
  // The tile must not be full.
  void Append(const Hash& h);

  // width returns the number of hashes (0..256).
  size_t width() const { return width_; }
  bool full() const { return width_ == kTileWidth; }

  // Has says whether the node at sub-level |k|, position |p| is complete: (p+1)*2^k <= width.
  bool Has(int k, uint64_t p) const;
  // At returns that node; requires Has(k, p).
  const Hash& At(int k, uint64_t p) const { return nodes_[Offset(k) + p]; }

  // Bytes returns the tile's wire form (C2SP tlog-tiles): its first |width| hashes,
  // concatenated; |width| <= width().
  Bytes Serialize(size_t width) const;

  // FromBytes expands a stored tile. kDataLoss if |bytes| is empty, longer than 256 hashes or
  // not a whole number of hashes; |what| names the tile in the message.
  static Result<ExpandedTile> FromBytes(ByteSpan bytes, std::string_view what);

 private:
  // Sub-level k starts at 512 - (512 >> k): 0, 256, 384, ..., 510.
  static constexpr size_t Offset(int k) { return 512 - (size_t{512} >> k); }

  std::array<Hash, 511> nodes_{};
  size_t width_ = 0;
};

// TileKey names a tile: its tile level and its index within that level.
struct TileKey {
  int level = 0;
  uint64_t index = 0;
  bool operator==(const TileKey&) const = default;
};

// TreeEdge is the right edge of a tree of size() leaves: at every tile level, the rightmost
// tile that is not full (possibly empty). Everything left of it is in full, immutable tiles.
// It computes the root and grows the tree. Copyable (the store publishes copies to readers).
class TreeEdge {
 public:
  // TreeEdge() is the empty tree.
  TreeEdge() = default;

  // FromPartialTiles rebuilds the edge of a tree of |size| leaves from its partial tiles:
  // partial[L] must hold exactly (size >> 8L) mod 256 hashes for every level L where the tree
  // reaches. kDataLoss if a width disagrees.
  static Result<TreeEdge> FromPartialTiles(uint64_t size, std::span<const Bytes> partial);

  // OnFullTile is told about each tile that Append completes (with its level and index).
  using OnFullTile = std::function<void(const TileKey& key, const ExpandedTile& tile)>;

  // Append adds one leaf hash. For every tile this completes, |on_full| (if set) is called
  // before the tile leaves the edge; its root moves up into the tile one level up.
  void Append(const Hash& leaf_hash, const OnFullTile& on_full);

  uint64_t size() const { return size_; }

  // levels returns how many tile levels the edge has (the tree reaches).
  int levels() const { return static_cast<int>(tiles_.size()); }
  // Partial returns the edge tile at tile level |level| (< levels()); its index is
  // size() >> (8 * (level + 1)).
  const ExpandedTile& Partial(int level) const { return tiles_[level]; }
  // PartialKey returns the key of that tile.
  TileKey PartialKey(int level) const;

  // Root returns the tree head of the whole tree (RFC 9162 §2.1.1; SHA-256 of the empty string
  // for the empty tree).
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<ExpandedTile> tiles_;  // tiles_[L]: edge tile of level L, never full
};

// NodeLocation says where the tree node (level, index) lives: in the tile |key|, at sub-level
// |sub_level| and position |position| within it.
struct NodeLocation {
  TileKey key;
  int sub_level = 0;
  uint64_t position = 0;
};

// LocateNode maps the complete subtree of 2^level leaves starting at leaf index * 2^level to its
// tile. kInvalidArgument if level > 63 or the subtree would pass 2^64 leaves.
Result<NodeLocation> LocateNode(uint8_t level, uint64_t index);

// TileCache is a thread-safe LRU cache of expanded full tiles (which never change).
class TileCache {
 public:
  // TileCache keeps at most |capacity| tiles (at least 1).
  explicit TileCache(size_t capacity);

  // Get returns the tile or nullptr.
  std::shared_ptr<const ExpandedTile> Get(const TileKey& key);
  // Put inserts or replaces a tile, evicting the least recently used one when full.
  void Put(const TileKey& key, std::shared_ptr<const ExpandedTile> tile);
  // Clear empties the cache.
  void Clear();
  // size returns the number of cached tiles.
  size_t size();

 private:
  struct KeyHash {
    size_t operator()(const TileKey& k) const {
      return std::hash<uint64_t>()(k.index * 8 + static_cast<uint64_t>(k.level));
    }
  };
  using Item = std::pair<TileKey, std::shared_ptr<const ExpandedTile>>;

  std::mutex mu_;
  size_t capacity_;
  std::list<Item> lru_;  // most recently used first
  std::unordered_map<TileKey, std::list<Item>::iterator, KeyHash> map_;
};

}  // namespace iotsec::ledger::internal

#endif  // IOTSEC_LEDGER_STORE_TILES_H_
