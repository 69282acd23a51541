// Copyright iotsec authors.
// The ledger's Merkle tree: RFC 9162 §2.1 hashing, inclusion and consistency proofs.
//
// This is the device-safe half of the ledger (library iotsec_ledger_verify): no storage, no
// server code. A tree is read through a NodeReader, which serves the hashes of complete
// subtrees only, so that a tile store (C2SP tlog-tiles) can back it; proofs are generated from
// O(log n) such reads. The formats that carry these hashes are described in
// doc/formats/checkpoint.md.
#ifndef IOTSEC_LEDGER_MERKLE_H_
#define IOTSEC_LEDGER_MERKLE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::ledger {

// Hash is a SHA-256 Merkle tree hash (a leaf hash, a node hash or a tree root).
using Hash = std::array<uint8_t, 32>;

// kMaxProofSize bounds the length of any proof for a tree of at most 2^64 - 1 leaves.
inline constexpr size_t kMaxProofSize = 64;

// LeafHash returns SHA-256(0x00 || entry), the hash of a leaf (RFC 9162 §2.1.1). Cannot fail.
Hash LeafHash(ByteSpan entry);

// NodeHash returns SHA-256(0x01 || left || right), the hash of an interior node
// (RFC 9162 §2.1.1). Cannot fail.
Hash NodeHash(const Hash& left, const Hash& right);

// EmptyRootHash returns SHA-256(""), the root of the empty tree (RFC 9162 §2.1.1).
Hash EmptyRootHash();

// NodeReader serves the hashes of complete subtrees of one append-only tree.
class NodeReader {
 public:
  virtual ~NodeReader();
  // Node returns the hash of the complete subtree of 2^level leaves that starts at leaf
  // index * 2^level (level 0: the leaf hashes). Fails with kNotFound when that subtree is not
  // (yet) complete in the tree, or with the reader's own error (kUnavailable, kDataLoss, ...).
  virtual Result<Hash> Node(uint8_t level, uint64_t index) = 0;
};

// RootAt returns the root hash of the first |size| leaves of |reader|'s tree (MTH of
// RFC 9162 §2.1.1; EmptyRootHash() for size 0), reading at most 64 nodes. Fails with the
// reader's error, e.g. kNotFound when the tree has fewer than |size| leaves.
Result<Hash> RootAt(NodeReader& reader, uint64_t size);

// InclusionProof returns the inclusion proof PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf
// side first, reading O(log size) complete-subtree nodes. Fails with kInvalidArgument when
// index >= size, or with the reader's error.
Result<std::vector<Hash>> InclusionProof(NodeReader& reader, uint64_t index, uint64_t size);

// ConsistencyProof returns the consistency proof PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1,
// reading O(log size2) complete-subtree nodes; it is empty when size1 is 0 or equals size2.
// Fails with kInvalidArgument when size1 > size2, or with the reader's error.
Result<std::vector<Hash>> ConsistencyProof(NodeReader& reader, uint64_t size1, uint64_t size2);

// VerifyInclusion checks that |proof| proves that |leaf_hash| is leaf |index| of the tree of
// |size| leaves whose root is |root| (RFC 9162 §2.1.3.2). Returns Ok() if it does. Fails with
// kInvalidArgument when index >= size (including size 0), kUnauthenticated when the proof does
// not verify (wrong hashes or a proof of the wrong length).
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root);

// VerifyConsistency checks that the tree of |size2| leaves with root |root2| extends the tree of
// |size1| leaves with root |root1| (RFC 9162 §2.1.4.2). Returns Ok() if it does. When
// size1 == size2 the proof must be empty and the roots equal; when size1 == 0 the proof must be
// empty and root1 must be EmptyRootHash(). Fails with kInvalidArgument when size1 > size2,
// kUnauthenticated when the proof does not verify.
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         std::span<const Hash> proof);

// MemoryTree is an in-memory NodeReader: it keeps every leaf hash and every complete interior
// node (about 2 hashes per leaf). For tests, the command line and small tools; not thread-safe.
class MemoryTree : public NodeReader {
 public:
  MemoryTree() = default;

  // AppendLeafHash appends a leaf whose hash is |leaf_hash|.
  void AppendLeafHash(const Hash& leaf_hash);
  // AppendLeaf appends the leaf |entry| (its hash is LeafHash(entry)).
  void AppendLeaf(ByteSpan entry) { AppendLeafHash(LeafHash(entry)); }

  // size returns the number of leaves.
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // Root returns the root hash of the whole tree (EmptyRootHash() when empty).
  Hash Root() const;

  // Node implements NodeReader: kNotFound for a subtree that is not complete in this tree.
  Result<Hash> Node(uint8_t level, uint64_t index) override;

 private:
  std::vector<std::vector<Hash>> levels_;
};

// CompactRange holds the right border of a tree: the roots of the complete subtrees that make
// up its leaves [0, size), at most one per level. It computes the root and, as leaves are
// appended, every complete node that appears, in O(log n) memory (RFC 9162 §2.1.1 hashing).
// A sequencer uses it to write tiles; a verifier to follow a log leaf by leaf.
class CompactRange {
 public:
  // NodeVisitor is told of each complete node as it appears: its level, index and hash
  // (leaves at level 0 included).
  using NodeVisitor = std::function<void(uint8_t level, uint64_t index, const Hash& hash)>;

  // CompactRange starts the empty tree.
  CompactRange() = default;

  // FromReader returns the compact range of the first |size| leaves of |reader|'s tree, reading
  // at most 64 nodes. Fails with the reader's error.
  static Result<CompactRange> FromReader(NodeReader& reader, uint64_t size);

  // Append appends a leaf hash and reports to |visitor| (if set) the leaf and every interior
  // node it completes. Fails with kFailedPrecondition when the tree already has 2^64 - 1 leaves.
  Status Append(const Hash& leaf_hash, const NodeVisitor& visitor = nullptr);

  // size returns the number of leaves.
  uint64_t size() const { return size_; }
  // Root returns the root hash of the leaves so far (EmptyRootHash() when empty).
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  // hashes_[i] is the root of the i-th complete subtree from the left; they are the set bits of
  // size_, largest first.
  std::vector<Hash> hashes_;
};

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_MERKLE_H_
