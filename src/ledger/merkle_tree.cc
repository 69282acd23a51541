// Copyright iotsec authors.
// Roots and proofs from complete-subtree nodes; MemoryTree; CompactRange
// (include/iotsec/ledger/merkle.h).
#include <algorithm>
#include <bit>
#include <string>

#include "iotsec/ledger/merkle.h"

namespace iotsec::ledger {
namespace {

// LargestPowerBelow returns k, the largest power of two smaller than n (n >= 2), as in the
// split of RFC 9162 §2.1.1.
uint64_t LargestPowerBelow(uint64_t n) { return std::bit_floor(n - 1); }

// RangeHash returns MTH(D[start:start+size]) for size >= 1, where start is a multiple of
// bit_floor(size): the range is every subtree that the recursion of RFC 9162 §2.1.1 produces.
// Such a range is a run of complete subtrees of decreasing size (one per set bit of |size|);
// MTH hashes them right to left. Reads at most 64 nodes.
Result<Hash> RangeHash(NodeReader& reader, uint64_t start, uint64_t size) {
  std::array<Hash, 64> parts;
  size_t count = 0;
  uint64_t pos = start;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) {
      continue;
    }
    IOTSEC_TRY(h, reader.Node(static_cast<uint8_t>(level), pos >> level));
    parts[count++] = h;
    pos += width;
  }
  Hash h = parts[count - 1];
  for (size_t i = count - 1; i-- > 0;) {
    h = NodeHash(parts[i], h);
  }
  return h;
}

}  // namespace

Result<Hash> RootAt(NodeReader& reader, uint64_t size) {
  if (size == 0) {
    return EmptyRootHash();
  }
  return RangeHash(reader, 0, size);
}

// RFC 9162 §2.1.3.1, computed top-down without recursion:
//   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])  if m < k,
//                 = PATH(m - k, D[k:n]) : MTH(D[0:k])  if m >= k.
// The sibling taken at each step is complete except, at most once, the right part D[k:n] of a
// range that ends at the tree size; that one costs at most 64 reads, the others one each.
Result<std::vector<Hash>> InclusionProof(NodeReader& reader, uint64_t index, uint64_t size) {
  if (index >= size) {
    return Fail(ErrorCode::kInvalidArgument,
                "inclusion proof: leaf index " + std::to_string(index) +
                    " is not below the tree size " + std::to_string(size));
  }
  std::vector<Hash> proof;
  uint64_t lo = 0;
  uint64_t n = size;
  uint64_t m = index;
  while (n > 1) {
    const uint64_t k = LargestPowerBelow(n);
    if (m < k) {
      IOTSEC_TRY(h, RangeHash(reader, lo + k, n - k));
      proof.push_back(h);
      n = k;
    } else {
      IOTSEC_TRY(h, RangeHash(reader, lo, k));
      proof.push_back(h);
      lo += k;
      m -= k;
      n -= k;
    }
  }
  std::reverse(proof.begin(), proof.end());  // PATH lists the leaf side first
  return proof;
}

// RFC 9162 §2.1.4.1, computed top-down without recursion:
//   PROOF(m, D[n]) = SUBPROOF(m, D[n], true);
//   SUBPROOF(m, D[m], true) = {};  SUBPROOF(m, D[m], false) = {MTH(D[m])};
//   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])  if m <= k,
//                        = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  if m > k.
Result<std::vector<Hash>> ConsistencyProof(NodeReader& reader, uint64_t size1, uint64_t size2) {
  if (size1 > size2) {
    return Fail(ErrorCode::kInvalidArgument,
                "consistency proof: the first size " + std::to_string(size1) +
                    " exceeds the second size " + std::to_string(size2));
  }
  std::vector<Hash> proof;
  if (size1 == 0 || size1 == size2) {
    return proof;
  }
  uint64_t lo = 0;
  uint64_t n = size2;
  uint64_t m = size1;
  bool whole = true;  // b in SUBPROOF: the range is still a prefix the verifier knows
  while (m != n) {
    const uint64_t k = LargestPowerBelow(n);
    if (m <= k) {
      IOTSEC_TRY(h, RangeHash(reader, lo + k, n - k));
      proof.push_back(h);
      n = k;
    } else {
      IOTSEC_TRY(h, RangeHash(reader, lo, k));
      proof.push_back(h);
      lo += k;
      m -= k;
      n -= k;
      whole = false;
    }
  }
  if (!whole) {
    IOTSEC_TRY(h, RangeHash(reader, lo, n));
    proof.push_back(h);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

void MemoryTree::AppendLeafHash(const Hash& leaf_hash) {
  if (levels_.empty()) {
    levels_.emplace_back();
  }
  levels_[0].push_back(leaf_hash);
  // Each level with an even count has just completed a pair: its parent is complete.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& row = levels_[level];
    Hash parent = NodeHash(row[row.size() - 2], row[row.size() - 1]);
    if (levels_.size() == level + 1) {
      levels_.emplace_back();
    }
    levels_[level + 1].push_back(parent);
  }
}

Hash MemoryTree::Root() const {
  const uint64_t n = size();
  if (n == 0) {
    return EmptyRootHash();
  }
  // As RangeHash over [0, n), reading the stored levels directly.
  std::vector<const Hash*> parts;
  uint64_t pos = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((n & width) != 0) {
      parts.push_back(&levels_[level][pos >> level]);
      pos += width;
    }
  }
  Hash h = *parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) {
    h = NodeHash(*parts[i], h);
  }
  return h;
}

Result<Hash> MemoryTree::Node(uint8_t level, uint64_t index) {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return Fail(ErrorCode::kNotFound, "no complete node at level " + std::to_string(level) +
                                          ", index " + std::to_string(index) + " in a tree of " +
                                          std::to_string(size()) + " leaves");
  }
  return levels_[level][index];
}

Result<CompactRange> CompactRange::FromReader(NodeReader& reader, uint64_t size) {
  CompactRange r;
  uint64_t pos = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) {
      continue;
    }
    IOTSEC_TRY(h, reader.Node(static_cast<uint8_t>(level), pos >> level));
    r.hashes_.push_back(h);
    pos += width;
  }
  r.size_ = size;
  return r;
}

Status CompactRange::Append(const Hash& leaf_hash, const NodeVisitor& visitor) {
  if (size_ == UINT64_MAX) {
    return Fail(ErrorCode::kFailedPrecondition, "the tree is full (2^64 - 1 leaves)");
  }
  Hash h = leaf_hash;
  if (visitor) {
    visitor(0, size_, h);
  }
  // Each set low bit of size_ is a complete subtree on the border that the new leaf's subtree
  // now pairs with (RFC 9162 §2.1.1: its left sibling).
  uint8_t level = 0;
  while (((size_ >> level) & 1) != 0) {
    h = NodeHash(hashes_.back(), h);
    hashes_.pop_back();
    ++level;
    if (visitor) {
      visitor(level, size_ >> level, h);
    }
  }
  hashes_.push_back(h);
  ++size_;
  return Ok();
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) {
    return EmptyRootHash();
  }
  Hash h = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) {
    h = NodeHash(hashes_[i], h);
  }
  return h;
}

}  // namespace iotsec::ledger
