// Copyright iotsec authors.
#include "store_tiles.h"

#include <cassert>
#include <cstring>
#include <string>

namespace iotsec::ledger::internal {
namespace {

// Shr is x >> n that is 0 for n >= 64 (where the built-in shift is undefined).
uint64_t Shr(uint64_t x, int n) { return n >= 64 ? 0 : x >> n; }

}  // namespace

void ExpandedTile::Append(const Hash& h) {
  assert(width_ < kTileWidth);
  nodes_[width_] = h;
  ++width_;
  // A new hash at position width_-1 completes the node at sub-level k exactly when width_ is a
  // multiple of 2^k.
  for (int k = 1; k <= kTileHeight; ++k) {
    if (width_ % (size_t{1} << k) != 0) {
      break;
    }
    size_t p = (width_ >> k) - 1;
    nodes_[Offset(k) + p] =
        NodeHash(nodes_[Offset(k - 1) + 2 * p], nodes_[Offset(k - 1) + 2 * p + 1]);
  }
}

bool ExpandedTile::Has(int k, uint64_t p) const {
  if (k < 0 || k > kTileHeight) {
    return false;
  }
  return p < (width_ >> k);
}

Bytes ExpandedTile::Serialize(size_t width) const {
  assert(width <= width_);
  Bytes out(width * kHashSize);
  if (width > 0) {
    std::memcpy(out.data(), nodes_[0].data(), out.size());
  }
  return out;
}

Result<ExpandedTile> ExpandedTile::FromBytes(ByteSpan bytes, std::string_view what) {
  if (bytes.empty() || bytes.size() % kHashSize != 0 || bytes.size() > kTileWidth * kHashSize) {
    return Fail(ErrorCode::kDataLoss, std::string(what) + " has " + std::to_string(bytes.size()) +
                                          " bytes, not 1 to 256 hashes of 32 bytes");
  }
  ExpandedTile t;
  for (size_t i = 0; i < bytes.size(); i += kHashSize) {
    Hash h;
    std::memcpy(h.data(), bytes.data() + i, kHashSize);
    t.Append(h);
  }
  return t;
}

Result<TreeEdge> TreeEdge::FromPartialTiles(uint64_t size, std::span<const Bytes> partial) {
  TreeEdge e;
  e.size_ = size;
  for (int level = 0; level < kMaxTileLevels && (size >> (kTileHeight * level)) != 0; ++level) {
    size_t width = (size >> (kTileHeight * level)) % kTileWidth;
    const Bytes empty;
    const Bytes& bytes = static_cast<size_t>(level) < partial.size() ? partial[level] : empty;
    std::string what = "tile " + std::to_string(level) + "/" +
                       std::to_string(Shr(size, kTileHeight * (level + 1)));
    if (bytes.size() != width * kHashSize) {
      return Fail(ErrorCode::kDataLoss, what + " has " + std::to_string(bytes.size() / kHashSize) +
                                            " hashes but a tree of " + std::to_string(size) +
                                            " leaves needs " + std::to_string(width) +
                                            " (run fsck)");
    }
    if (width == 0) {
      e.tiles_.emplace_back();
      continue;
    }
    IOTSEC_TRY(t, ExpandedTile::FromBytes(bytes, what));
    e.tiles_.push_back(t);
  }
  return e;
}

void TreeEdge::Append(const Hash& leaf_hash, const OnFullTile& on_full) {
  Hash h = leaf_hash;
  for (int level = 0; level < kMaxTileLevels; ++level) {
    if (static_cast<size_t>(level) == tiles_.size()) {
      tiles_.emplace_back();
    }
    ExpandedTile& t = tiles_[level];
    t.Append(h);
    if (!t.full()) {
      break;
    }
    // The tile is complete: hand it out, carry its root up, start an empty one.
    TileKey key{level, Shr(size_, kTileHeight * (level + 1))};
    if (on_full) {
      on_full(key, t);
    }
    h = t.At(kTileHeight, 0);
    t = ExpandedTile();
  }
  ++size_;
}

TileKey TreeEdge::PartialKey(int level) const {
  return TileKey{level, Shr(size_, kTileHeight * (level + 1))};
}

Hash TreeEdge::Root() const {
  if (size_ == 0) {
    return EmptyRootHash();  // RFC 9162 §2.1.1: MTH({}) = HASH()
  }
  // RFC 9162 §2.1.1 splits a list of n leaves at the largest power of two below n, so the root
  // is the fold, from the right, of the complete subtrees given by the bits of n, largest
  // first. Bit 8L+k of n is bit k of the width of the edge tile at level L, and that subtree is
  // the rightmost complete node at sub-level k of that tile.
  bool have = false;
  Hash acc{};
  for (int level = 0; level < levels(); ++level) {
    const ExpandedTile& t = tiles_[level];
    size_t w = t.width();
    for (int k = 0; k < kTileHeight; ++k) {
      if ((w >> k) % 2 == 0) {
        continue;
      }
      const Hash& node = t.At(k, (w >> k) - 1);
      acc = have ? NodeHash(node, acc) : node;
      have = true;
    }
  }
  return acc;
}

Result<NodeLocation> LocateNode(uint8_t level, uint64_t index) {
  if (level > 63 || (level > 0 && (index >> (64 - level)) != 0)) {
    return Fail(ErrorCode::kInvalidArgument, "node (" + std::to_string(level) + ", " +
                                                 std::to_string(index) +
                                                 ") lies beyond any possible tree");
  }
  NodeLocation loc;
  int tile_level = level / kTileHeight;
  loc.sub_level = level % kTileHeight;
  // The node covers hashes [index * 2^k, (index+1) * 2^k) of tree level 8L, which lie in one
  // tile because 2^k divides 256.
  uint64_t first = index << loc.sub_level;
  loc.key = TileKey{tile_level, first / kTileWidth};
  loc.position = index % (kTileWidth >> loc.sub_level);
  return loc;
}

TileCache::TileCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::shared_ptr<const ExpandedTile> TileCache::Get(const TileKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void TileCache::Put(const TileKey& key, std::shared_ptr<const ExpandedTile> tile) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end()) {
    it->second->second = std::move(tile);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(key, std::move(tile));
  map_[key] = lru_.begin();
  while (map_.size() > capacity_) {
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

void TileCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  map_.clear();
  lru_.clear();
}

size_t TileCache::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

}  // namespace iotsec::ledger::internal
