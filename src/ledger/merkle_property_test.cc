// Copyright iotsec authors.
// Property tests: proofs generated from complete-subtree nodes equal the recursive definitions
// of RFC 9162 §2.1.3.1 and §2.1.4.1 for every size 1..130 and every index pair, verify with the
// bitwise verifiers of §2.1.3.2 and §2.1.4.2 and with an independent recursive verifier, and
// stop verifying once corrupted.
#include <gtest/gtest.h>

#include <bit>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "iotsec/ledger/merkle.h"
#include "merkle_reference.h"

namespace iotsec::ledger {
namespace {

using Leaves = std::span<const Hash>;

uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

// RFC 9162 §2.1.1, literally.
Hash NaiveMth(Leaves d) {
  if (d.empty()) {
    return EmptyRootHash();
  }
  if (d.size() == 1) {
    return d[0];
  }
  const size_t k = Split(d.size());
  return NodeHash(NaiveMth(d.first(k)), NaiveMth(d.subspan(k)));
}

// RFC 9162 §2.1.3.1, literally.
std::vector<Hash> NaivePath(uint64_t m, Leaves d) {
  if (d.size() == 1) {
    return {};
  }
  const size_t k = Split(d.size());
  std::vector<Hash> out;
  if (m < k) {
    out = NaivePath(m, d.first(k));
    out.push_back(NaiveMth(d.subspan(k)));
  } else {
    out = NaivePath(m - k, d.subspan(k));
    out.push_back(NaiveMth(d.first(k)));
  }
  return out;
}

// RFC 9162 §2.1.4.1, literally.
std::vector<Hash> NaiveSubproof(uint64_t m, Leaves d, bool b) {
  if (m == d.size()) {
    if (b) {
      return {};
    }
    return {NaiveMth(d)};
  }
  const size_t k = Split(d.size());
  std::vector<Hash> out;
  if (m <= k) {
    out = NaiveSubproof(m, d.first(k), b);
    out.push_back(NaiveMth(d.subspan(k)));
  } else {
    out = NaiveSubproof(m - k, d.subspan(k), false);
    out.push_back(NaiveMth(d.first(k)));
  }
  return out;
}

// BoundedReader serves a tree of |size| leaves out of a larger MemoryTree: it refuses (and
// records) any node not complete within |size|, and counts reads.
class BoundedReader : public NodeReader {
 public:
  BoundedReader(MemoryTree& tree, uint64_t size) : tree_(tree), size_(size) {}
  Result<Hash> Node(uint8_t level, uint64_t index) override {
    ++reads;
    if (level > 63 || index >= (size_ >> level)) {
      ADD_FAILURE() << "read outside the tree of size " << size_ << ": " << int{level} << "/"
                    << index;
      return Fail(ErrorCode::kNotFound, "outside");
    }
    return tree_.Node(level, index);
  }
  int reads = 0;

 private:
  MemoryTree& tree_;
  uint64_t size_;
};

std::vector<Hash> MakeLeaves(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(LeafHash(AsBytes("entry " + std::to_string(i))));
  }
  return out;
}

MemoryTree TreeOf(const std::vector<Hash>& leaves) {
  MemoryTree t;
  for (const Hash& h : leaves) {
    t.AppendLeafHash(h);
  }
  return t;
}

constexpr uint64_t kMaxSize = 130;

TEST(MerkleProperty, RootsOfEverySize) {
  const auto leaves = MakeLeaves(kMaxSize);
  MemoryTree tree = TreeOf(leaves);
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    BoundedReader reader(tree, n);
    auto root = RootAt(reader, n);
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(*root, NaiveMth(Leaves(leaves).first(n))) << n;
    EXPECT_LE(reader.reads, std::bit_width(n));
  }
}

void CheckInclusion(MemoryTree& tree, const std::vector<Hash>& leaves, uint64_t i, uint64_t n,
                    const Hash& root) {
  SCOPED_TRACE("inclusion " + std::to_string(i) + " in " + std::to_string(n));
  BoundedReader reader(tree, n);
  auto proof = InclusionProof(reader, i, n);
  ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
  EXPECT_LE(reader.reads, 2 * std::bit_width(n));
  EXPECT_EQ(*proof, NaivePath(i, Leaves(leaves).first(n)));
  EXPECT_TRUE(VerifyInclusion(leaves[i], i, n, *proof, root).has_value());
  auto naive = reference::RootFromPath(i, n, leaves[i], *proof);
  ASSERT_TRUE(naive.has_value());
  EXPECT_EQ(*naive, root);
  // Corruptions: another index, each hash with a bit flipped, one hash less. (Another size
  // may keep the same path shape, so only the root binds the size.)
  for (uint64_t j : {i + 1, i - 1}) {
    if (j < n) {
      auto st = VerifyInclusion(leaves[i], j, n, *proof, root);
      ASSERT_FALSE(st.has_value()) << "index " << j;
      EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
    }
  }
  for (size_t k = 0; k < proof->size(); ++k) {
    auto bad = *proof;
    bad[k][31] ^= 1;
    auto st = VerifyInclusion(leaves[i], i, n, bad, root);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  }
  if (!proof->empty()) {
    std::span<const Hash> shorter(proof->data(), proof->size() - 1);
    auto st = VerifyInclusion(leaves[i], i, n, shorter, root);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  }
}

TEST(MerkleProperty, InclusionForEveryIndexAndSize) {
  const auto leaves = MakeLeaves(kMaxSize);
  MemoryTree tree = TreeOf(leaves);
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const Hash root = NaiveMth(Leaves(leaves).first(n));
    for (uint64_t i = 0; i < n; ++i) {
      CheckInclusion(tree, leaves, i, n, root);
      if (HasFatalFailure()) {
        return;
      }
    }
  }
}

void CheckConsistency(MemoryTree& tree, const std::vector<Hash>& leaves, uint64_t m, uint64_t n,
                      const Hash& root1, const Hash& root2) {
  SCOPED_TRACE("consistency " + std::to_string(m) + " to " + std::to_string(n));
  BoundedReader reader(tree, n);
  auto proof = ConsistencyProof(reader, m, n);
  ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
  EXPECT_LE(reader.reads, 2 * std::bit_width(n) + 1);
  // PROOF(m, D[n]) is defined for 0 < m < n; the trivial cases have empty proofs.
  const std::vector<Hash> want =
      (m == 0 || m == n) ? std::vector<Hash>{} : NaiveSubproof(m, Leaves(leaves).first(n), true);
  EXPECT_EQ(*proof, want);
  auto st = VerifyConsistency(m, n, root1, root2, *proof);
  EXPECT_TRUE(st.has_value()) << st.error().ToString();
  if (m == 0 || m == n) {
    return;
  }
  auto naive = reference::RootsFromSubproof(m, n, true, root1, *proof);
  ASSERT_TRUE(naive.has_value());
  EXPECT_EQ(naive->first, root1);
  EXPECT_EQ(naive->second, root2);
  for (size_t k = 0; k < proof->size(); ++k) {
    auto bad = *proof;
    bad[k][0] ^= 0x80;
    st = VerifyConsistency(m, n, root1, root2, bad);
    ASSERT_FALSE(st.has_value()) << "flipped " << k;
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  }
  if (m + 1 < n) {
    st = VerifyConsistency(m + 1, n, root1, root2, *proof);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  }
  std::span<const Hash> shorter(proof->data(), proof->size() - 1);
  st = VerifyConsistency(m, n, root1, root2, shorter);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
}

TEST(MerkleProperty, ConsistencyForEveryPairOfSizes) {
  const auto leaves = MakeLeaves(kMaxSize);
  MemoryTree tree = TreeOf(leaves);
  std::vector<Hash> roots;
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    roots.push_back(NaiveMth(Leaves(leaves).first(n)));
  }
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    for (uint64_t m = 0; m <= n; ++m) {
      CheckConsistency(tree, leaves, m, n, roots[m], roots[n]);
      if (HasFatalFailure()) {
        return;
      }
    }
  }
}

TEST(MerkleProperty, RandomPairsInALargerTree) {
  constexpr uint64_t kLeaves = 3000;
  const auto leaves = MakeLeaves(kLeaves);
  MemoryTree tree = TreeOf(leaves);
  std::mt19937_64 rng(20240611);
  for (int trial = 0; trial < 300; ++trial) {
    const uint64_t n = 1 + rng() % kLeaves;
    const uint64_t i = rng() % n;
    const uint64_t m = rng() % (n + 1);
    auto root = RootAt(tree, n);
    auto root1 = RootAt(tree, m);
    ASSERT_TRUE(root.has_value() && root1.has_value());
    CheckInclusion(tree, leaves, i, n, *root);
    CheckConsistency(tree, leaves, m, n, *root1, *root);
    if (HasFatalFailure()) {
      return;
    }
  }
}

}  // namespace
}  // namespace iotsec::ledger
