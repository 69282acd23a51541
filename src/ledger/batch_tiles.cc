// Copyright iotsec authors.
// Batch tiles (include/iotsec/ledger/batch_tiles.h): group roots of a batch's device tree and
// member proofs from them, RFC 9162 §2.1.1 and §2.1.3.1.
#include "iotsec/ledger/batch_tiles.h"

#include <algorithm>
#include <bit>
#include <string>

namespace iotsec::ledger {
namespace {

std::string Text(uint64_t v) { return std::to_string(v); }

// SplitPoint returns k, the largest power of two smaller than |n| (n > 1): RFC 9162 §2.1.1.
size_t SplitPoint(size_t n) { return std::bit_floor(n - 1); }

// PathAndRoot appends PATH(m, D[n]) over |d| to |out| (RFC 9162 §2.1.3.1), leaf side first,
// and returns MTH(D[n]), hashing each node once (n - 1 node hashes).
Hash PathAndRoot(std::span<const Hash> d, size_t m, std::vector<Hash>& out) {
  if (d.size() == 1) {
    return d[0];  // PATH(0, {d(0)}) = {}
  }
  const size_t k = SplitPoint(d.size());
  if (m < k) {
    // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k.
    const Hash left = PathAndRoot(d.first(k), m, out);
    out.push_back(TreeHash(d.subspan(k)));
    return NodeHash(left, out.back());
  }
  // PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k.
  const Hash right = PathAndRoot(d.subspan(k), m - k, out);
  out.push_back(TreeHash(d.first(k)));
  return NodeHash(out.back(), right);
}

uint64_t GroupCount(uint64_t size, uint8_t level) {
  return size == 0 ? 0 : ((size - 1) >> level) + 1;
}

// NodesReader serves the complete nodes of the tree over the group roots of |tiles| (level 0:
// the group roots) from the stored nodes, as a NodeReader for merkle.h's InclusionProof.
class NodesReader : public NodeReader {
 public:
  explicit NodesReader(const BatchTiles& tiles) : tiles_(tiles) {}

  Result<Hash> Node(uint8_t level, uint64_t index) override {
    uint64_t offset = 0;
    uint64_t count = tiles_.groups;
    for (uint8_t l = 0; l < level && count > 0; ++l) {
      offset += count;
      count /= 2;
    }
    if (index >= count || offset + index >= tiles_.nodes.size()) {
      return Fail(ErrorCode::kNotFound,
                  "batch tiles: no complete node " + Text(index) + " at level " + Text(level));
    }
    return tiles_.nodes[offset + index];
  }

 private:
  const BatchTiles& tiles_;
};

}  // namespace

// RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), here over hashes
// that already are the leaf-level MTHs.
Hash TreeHash(std::span<const Hash> hashes) {
  if (hashes.empty()) {
    return EmptyRootHash();
  }
  if (hashes.size() == 1) {
    return hashes[0];
  }
  const size_t k = SplitPoint(hashes.size());
  return NodeHash(TreeHash(hashes.first(k)), TreeHash(hashes.subspan(k)));
}

Result<std::vector<Hash>> GroupRoots(std::span<const Hash> leaf_hashes, uint8_t level) {
  if (level > kMaxBatchTileLevel) {
    return Fail(ErrorCode::kInvalidArgument,
                "batch tiles: level " + Text(level) + " is above " + Text(kMaxBatchTileLevel));
  }
  const size_t width = size_t{1} << level;
  std::vector<Hash> roots;
  roots.reserve(GroupCount(leaf_hashes.size(), level));
  for (size_t start = 0; start < leaf_hashes.size(); start += width) {
    const size_t n = std::min(width, leaf_hashes.size() - start);
    roots.push_back(TreeHash(leaf_hashes.subspan(start, n)));
  }
  return roots;
}

uint64_t BatchTileNodeCount(uint64_t groups) {
  uint64_t total = 0;
  for (uint64_t count = groups; count > 0; count /= 2) {
    total += count;
  }
  return total;
}

Result<BatchTiles> BuildBatchTiles(std::span<const Hash> leaf_hashes, uint8_t level) {
  IOTSEC_TRY(roots, GroupRoots(leaf_hashes, level));
  BatchTiles tiles;
  tiles.level = level;
  tiles.groups = roots.size();
  tiles.nodes = std::move(roots);
  tiles.nodes.reserve(BatchTileNodeCount(tiles.groups));
  // A complete node of 2^(j+1) group roots is the node hash of its two complete halves
  // (RFC 9162 §2.1.1 with n a power of two, so k = n / 2).
  size_t below = 0;  // where the level below starts in |nodes|
  for (uint64_t count = tiles.groups / 2; count > 0; count /= 2) {
    const size_t start = tiles.nodes.size();
    for (uint64_t i = 0; i < count; ++i) {
      tiles.nodes.push_back(NodeHash(tiles.nodes[below + 2 * i], tiles.nodes[below + 2 * i + 1]));
    }
    below = start;
  }
  return tiles;
}

Bytes EncodeBatchTiles(const BatchTiles& tiles) {
  Bytes out;
  out.reserve(1 + tiles.nodes.size() * sizeof(Hash));
  out.push_back(tiles.level);
  for (const Hash& h : tiles.nodes) {
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

Result<BatchTiles> DecodeBatchTiles(ByteSpan value, uint64_t size) {
  if (value.empty()) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: empty value");
  }
  BatchTiles tiles;
  tiles.level = value[0];
  if (tiles.level > kMaxBatchTileLevel) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: level " + Text(tiles.level) + " is above " +
                                          Text(kMaxBatchTileLevel));
  }
  if (size == 0) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: a batch has at least one device");
  }
  tiles.groups = GroupCount(size, tiles.level);
  const uint64_t want = BatchTileNodeCount(tiles.groups);
  const ByteSpan rest = value.subspan(1);
  if (rest.size() % sizeof(Hash) != 0 || rest.size() / sizeof(Hash) != want) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: " + Text(rest.size()) +
                                          " octets of nodes, want " + Text(want) +
                                          " nodes of 32 octets for " + Text(size) + " devices");
  }
  tiles.nodes.resize(want);
  for (size_t i = 0; i < want; ++i) {
    std::copy_n(rest.begin() + static_cast<std::ptrdiff_t>(i * sizeof(Hash)), sizeof(Hash),
                tiles.nodes[i].begin());
  }
  return tiles;
}

Result<std::vector<Hash>> GroupedInclusionProof(std::span<const Hash> group_leaves,
                                                const BatchTiles& tiles, uint64_t index,
                                                uint64_t size) {
  if (index >= size) {
    return Fail(ErrorCode::kInvalidArgument,
                "batch tiles: index " + Text(index) + " is not below the size " + Text(size));
  }
  if (tiles.level > kMaxBatchTileLevel) {
    return Fail(ErrorCode::kInvalidArgument, "batch tiles: level " + Text(tiles.level) +
                                                 " is above " + Text(kMaxBatchTileLevel));
  }
  const uint64_t group = index >> tiles.level;
  const uint64_t start = group << tiles.level;
  const uint64_t width = std::min<uint64_t>(uint64_t{1} << tiles.level, size - start);
  if (tiles.groups != GroupCount(size, tiles.level) ||
      tiles.nodes.size() != BatchTileNodeCount(tiles.groups)) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: " + Text(tiles.nodes.size()) + " nodes of " +
                                          Text(tiles.groups) + " groups for " + Text(size) +
                                          " leaves");
  }
  if (group_leaves.size() != width) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: group " + Text(group) + " has " + Text(width) +
                                          " leaves, got " + Text(group_leaves.size()));
  }
  // The group is a subtree of the batch's tree and the tree over the group roots has the
  // same shape above it (header comment), so the path is the in-group path followed by the
  // path of the group among the group roots.
  std::vector<Hash> out;
  const Hash root = PathAndRoot(group_leaves, static_cast<size_t>(index - start), out);
  if (root != tiles.nodes[group]) {
    return Fail(ErrorCode::kDataLoss,
                "batch tiles: the leaves of group " + Text(group) + " do not hash to its root");
  }
  NodesReader reader(tiles);
  auto upper = InclusionProof(reader, group, tiles.groups);
  if (!upper) {
    return Fail(ErrorCode::kDataLoss, "batch tiles: " + upper.error().message());
  }
  out.insert(out.end(), upper->begin(), upper->end());
  return out;
}

}  // namespace iotsec::ledger
