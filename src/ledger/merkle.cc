// Copyright iotsec authors.
// RFC 9162 §2.1 hashing and proof verification (include/iotsec/ledger/merkle.h).
#include "iotsec/ledger/merkle.h"

#include <algorithm>
#include <string>

#include "iotsec/crypto/hash.h"

namespace iotsec::ledger {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

std::string SizeText(uint64_t v) { return std::to_string(v); }

}  // namespace

NodeReader::~NodeReader() = default;

// RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)).
Hash LeafHash(ByteSpan entry) {
  crypto::Sha256Hasher h;
  const uint8_t prefix = kLeafPrefix;
  h.Update(ByteSpan(&prefix, 1));
  h.Update(entry);
  return h.Final();
}

// RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
Hash NodeHash(const Hash& left, const Hash& right) {
  std::array<uint8_t, 1 + 2 * sizeof(Hash)> buf;
  buf[0] = kNodePrefix;
  std::copy(left.begin(), left.end(), buf.begin() + 1);
  std::copy(right.begin(), right.end(), buf.begin() + 1 + left.size());
  return crypto::Sha256(buf);
}

// RFC 9162 §2.1.1: MTH({}) = HASH().
Hash EmptyRootHash() { return crypto::Sha256(ByteSpan()); }

Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root) {
  // RFC 9162 §2.1.3.2, step 1: leaf_index must be below tree_size.
  if (index >= size) {
    return Fail(ErrorCode::kInvalidArgument, "inclusion proof: leaf index " + SizeText(index) +
                                                 " is not below the tree size " + SizeText(size));
  }
  // Step 2: fn = leaf_index, sn = tree_size - 1. Step 3: r = hash.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  // Step 4.
  for (const Hash& p : proof) {
    // 4a: a proof longer than the path fails.
    if (sn == 0) {
      return Fail(ErrorCode::kUnauthenticated,
                  "inclusion proof: too many hashes (" + SizeText(proof.size()) + ")");
    }
    // 4b: p is a left sibling when fn is a right child or the last node of its level.
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    // 4c.
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5: the path must be used up and end at the root.
  if (sn != 0) {
    return Fail(ErrorCode::kUnauthenticated,
                "inclusion proof: too few hashes (" + SizeText(proof.size()) + ")");
  }
  if (r != root) {
    return Fail(ErrorCode::kUnauthenticated,
                "inclusion proof: the leaf and proof do not lead to the root");
  }
  return Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         std::span<const Hash> proof) {
  if (size1 > size2) {
    return Fail(ErrorCode::kInvalidArgument, "consistency proof: the first size " +
                                                 SizeText(size1) + " exceeds the second size " +
                                                 SizeText(size2));
  }
  // RFC 9162 §2.1.4.1: PROOF is only defined for 0 < m < n; the trivial cases prove by
  // comparison and carry an empty proof.
  if (size1 == size2) {
    if (!proof.empty()) {
      return Fail(ErrorCode::kUnauthenticated, "consistency proof: must be empty for equal sizes");
    }
    if (root1 != root2) {
      return Fail(ErrorCode::kUnauthenticated,
                  "consistency proof: two different roots for size " + SizeText(size1));
    }
    return Ok();
  }
  if (size1 == 0) {
    if (!proof.empty()) {
      return Fail(ErrorCode::kUnauthenticated,
                  "consistency proof: must be empty from the empty tree");
    }
    if (root1 != EmptyRootHash()) {
      return Fail(ErrorCode::kUnauthenticated,
                  "consistency proof: the root of size 0 is not the empty tree hash");
    }
    return Ok();
  }
  // RFC 9162 §2.1.4.2, step 1: an empty consistency_path fails.
  if (proof.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "consistency proof: empty");
  }
  // Step 2: if first is an exact power of 2, first_hash is prepended to the path. The path is
  // read through |at| so that nothing is copied.
  const bool prepend = (size1 & (size1 - 1)) == 0;
  const size_t path_size = proof.size() + (prepend ? 1 : 0);
  auto at = [&](size_t i) -> const Hash& {
    if (prepend) {
      return i == 0 ? root1 : proof[i - 1];
    }
    return proof[i];
  };
  // Step 3.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  // Step 4.
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  Hash fr = at(0);
  Hash sr = at(0);
  // Step 6.
  for (size_t i = 1; i < path_size; ++i) {
    const Hash& c = at(i);
    // 6a.
    if (sn == 0) {
      return Fail(ErrorCode::kUnauthenticated,
                  "consistency proof: too many hashes (" + SizeText(proof.size()) + ")");
    }
    // 6b.
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    // 6c.
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7.
  if (sn != 0) {
    return Fail(ErrorCode::kUnauthenticated,
                "consistency proof: too few hashes (" + SizeText(proof.size()) + ")");
  }
  if (fr != root1) {
    return Fail(
        ErrorCode::kUnauthenticated,
        "consistency proof: does not lead to the first root (size " + SizeText(size1) + ")");
  }
  if (sr != root2) {
    return Fail(
        ErrorCode::kUnauthenticated,
        "consistency proof: does not lead to the second root (size " + SizeText(size2) + ")");
  }
  return Ok();
}

}  // namespace iotsec::ledger
