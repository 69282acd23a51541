// Copyright iotsec authors.
#include "iotsec/ledger/batch_tiles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

namespace iotsec::ledger {
namespace {

// Leaves returns the leaf hashes of |n| distinct entries.
std::vector<Hash> Leaves(uint64_t n) {
  std::vector<Hash> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const std::string entry = "item " + std::to_string(i);
    out.push_back(LeafHash(AsBytes(entry)));
  }
  return out;
}

MemoryTree TreeOf(const std::vector<Hash>& leaves) {
  MemoryTree tree;
  for (const Hash& h : leaves) {
    tree.AppendLeafHash(h);
  }
  return tree;
}

std::vector<uint64_t> Sizes() {
  std::vector<uint64_t> sizes;
  for (uint64_t n = 1; n <= 100; ++n) {
    sizes.push_back(n);
  }
  for (uint64_t n : {127, 128, 129, 255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025}) {
    sizes.push_back(n);
  }
  return sizes;
}

// Every proof over the group roots must equal the proof over the whole tree, for every
// position, and the tree over the group roots must have the whole tree's root.
void CheckSize(uint64_t n, uint8_t level, uint64_t stride) {
  SCOPED_TRACE("size " + std::to_string(n) + " level " + std::to_string(level));
  const std::vector<Hash> leaves = Leaves(n);
  MemoryTree tree = TreeOf(leaves);
  auto roots = GroupRoots(leaves, level);
  ASSERT_TRUE(roots.has_value()) << roots.error().ToString();
  const uint64_t width = uint64_t{1} << level;
  ASSERT_EQ(roots->size(), (n + width - 1) / width);
  EXPECT_EQ(TreeHash(*roots), tree.Root());
  EXPECT_EQ(TreeHash(leaves), tree.Root());
  auto tiles = BuildBatchTiles(leaves, level);
  ASSERT_TRUE(tiles.has_value());
  ASSERT_EQ(tiles->groups, roots->size());
  ASSERT_EQ(tiles->nodes.size(), BatchTileNodeCount(roots->size()));
  EXPECT_TRUE(std::equal(roots->begin(), roots->end(), tiles->nodes.begin()));
  // Every stored node above the group roots is the root of its aligned range of leaves: a
  // complete subtree of the tree, or the range that ends with the partial last group.
  for (uint64_t j = 1, offset = roots->size(), count = roots->size() / 2; count > 0;
       offset += count, count /= 2, ++j) {
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t first = i << (level + j);
      const uint64_t span = std::min(uint64_t{1} << (level + j), n - first);
      Hash want = TreeHash(std::span<const Hash>(leaves).subspan(first, span));
      if (span == uint64_t{1} << (level + j)) {
        auto node = tree.Node(static_cast<uint8_t>(level + j), i);
        ASSERT_TRUE(node.has_value());
        want = *node;
      }
      EXPECT_EQ(tiles->nodes[offset + i], want) << "level " << j << " node " << i;
    }
  }
  auto decoded = DecodeBatchTiles(EncodeBatchTiles(*tiles), n);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->level, level);
  EXPECT_EQ(decoded->groups, roots->size());
  EXPECT_EQ(decoded->nodes, tiles->nodes);
  std::vector<uint64_t> indices;
  for (uint64_t i = 0; i < n; i += stride) {
    indices.push_back(i);
  }
  if (indices.back() != n - 1) {
    indices.push_back(n - 1);
  }
  for (uint64_t i : indices) {
    auto want = InclusionProof(tree, i, n);
    ASSERT_TRUE(want.has_value()) << want.error().ToString();
    const uint64_t start = (i >> level) << level;
    const uint64_t count = std::min(width, n - start);
    std::span<const Hash> group(leaves.data() + start, count);
    auto got = GroupedInclusionProof(group, *decoded, i, n);
    ASSERT_TRUE(got.has_value()) << "index " << i << ": " << got.error().ToString();
    EXPECT_EQ(*got, *want) << "index " << i;
    EXPECT_TRUE(VerifyInclusion(leaves[i], i, n, *got, tree.Root()).has_value());
  }
}

TEST(BatchTiles, GroupedProofsEqualWholeTreeProofsAtEveryPosition) {
  for (uint64_t n : Sizes()) {
    CheckSize(n, kBatchTileLevel, 1);
  }
}

TEST(BatchTiles, OtherLevels) {
  for (uint8_t level : {0, 1, 2, 3, 5, 7}) {
    for (uint64_t n : {1, 2, 3, 7, 8, 9, 33, 64, 65, 100, 129, 257}) {
      CheckSize(n, level, 1);
    }
  }
}

TEST(BatchTiles, LargeBatches) {
  // Powers of two, one more and one less, checked at a stride (and always the last leaf).
  for (uint64_t n : {4095, 4096, 4097, 65536, 65537, 100000}) {
    CheckSize(n, kBatchTileLevel, n / 61 + 1);
  }
}

TEST(BatchTiles, DecodeIsStrict) {
  const std::vector<Hash> leaves = Leaves(33);  // 3 groups of 16
  auto tiles = BuildBatchTiles(leaves, kBatchTileLevel);
  ASSERT_TRUE(tiles.has_value());
  const Bytes good = EncodeBatchTiles(*tiles);
  ASSERT_EQ(good.size(), 1u + (3 + 1) * 32);  // 3 group roots and the node over the first 2
  ASSERT_TRUE(DecodeBatchTiles(good, 33).has_value());
  ASSERT_TRUE(DecodeBatchTiles(good, 48).has_value());  // 48 leaves are 3 groups too

  auto code = [](ByteSpan value, uint64_t size) {
    auto r = DecodeBatchTiles(value, size);
    return r ? std::string("ok") : std::string(ErrorCodeName(r.error().code()));
  };
  EXPECT_EQ(code(Bytes{}, 33), "data_loss");
  EXPECT_EQ(code(good, 0), "data_loss");
  EXPECT_EQ(code(good, 32), "data_loss");  // 2 groups: 3 nodes
  EXPECT_EQ(code(good, 49), "data_loss");  // 4 groups: 7 nodes
  Bytes shorter(good.begin(), good.end() - 1);
  EXPECT_EQ(code(shorter, 33), "data_loss");
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(code(longer, 33), "data_loss");
  Bytes high = good;
  high[0] = kMaxBatchTileLevel + 1;
  EXPECT_EQ(code(high, 33), "data_loss");
  Bytes level5 = good;
  level5[0] = 5;  // 4 nodes do not fit 33 leaves in groups of 32 (3 nodes)
  EXPECT_EQ(code(level5, 33), "data_loss");
}

TEST(BatchTiles, GroupedProofRefusesMismatches) {
  const std::vector<Hash> leaves = Leaves(40);
  auto built = BuildBatchTiles(leaves, kBatchTileLevel);
  ASSERT_TRUE(built.has_value());
  const BatchTiles tiles = *built;
  std::span<const Hash> all(leaves);
  auto code = [&](std::span<const Hash> group, const BatchTiles& t, uint64_t index, uint64_t size) {
    auto r = GroupedInclusionProof(group, t, index, size);
    return r ? std::string("ok") : std::string(ErrorCodeName(r.error().code()));
  };
  EXPECT_EQ(code(all.subspan(16, 16), tiles, 20, 40), "ok");
  EXPECT_EQ(code(all.subspan(32, 8), tiles, 39, 40), "ok");
  EXPECT_EQ(code(all.subspan(32, 8), tiles, 40, 40), "invalid_argument");
  // The wrong group, a group of the wrong width, a size that changes the group count.
  EXPECT_EQ(code(all.subspan(0, 16), tiles, 20, 40), "data_loss");
  EXPECT_EQ(code(all.subspan(16, 15), tiles, 20, 40), "data_loss");
  EXPECT_EQ(code(all.subspan(16, 16), tiles, 20, 60), "data_loss");
  // A stored root that the group's leaves do not hash to.
  BatchTiles bad = tiles;
  bad.nodes[1][0] ^= 1;
  EXPECT_EQ(code(all.subspan(16, 16), bad, 20, 40), "data_loss");
  BatchTiles high = tiles;
  high.level = kMaxBatchTileLevel + 1;
  EXPECT_EQ(code(all.subspan(16, 16), high, 20, 40), "invalid_argument");
  EXPECT_FALSE(GroupRoots(leaves, kMaxBatchTileLevel + 1).has_value());
  EXPECT_FALSE(BuildBatchTiles(leaves, kMaxBatchTileLevel + 1).has_value());
  BatchTiles short_nodes = tiles;
  short_nodes.nodes.pop_back();
  EXPECT_EQ(code(all.subspan(16, 16), short_nodes, 20, 40), "data_loss");
}

}  // namespace
}  // namespace iotsec::ledger
