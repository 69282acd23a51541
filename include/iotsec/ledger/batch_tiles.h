// Copyright iotsec authors.
// Batch tiles: the roots of the aligned groups of 2^L leaves of a batch record's device tree
// (doc/formats/ledger-records.md §4.8), with the complete nodes of the tree over them, which a
// node stores beside the record's attachment so that a member proof hashes one group and
// O(log n) nodes instead of the whole list.
//
// Why the group roots suffice (RFC 9162 §2.1.1 and §2.1.3.1): MTH(D[n]) for n > 1 splits D at
// the largest power of two k < n. When n > 2^L, k >= 2^L, so k is a multiple of 2^L and both
// halves start on a group boundary; when n <= 2^L the tree is one group. By induction every
// aligned group of 2^L leaves (the last one possibly partial) is a subtree, and since
// k / 2^L is the largest power of two below ceil(n / 2^L), MTH(D[n]) is the RFC-shaped tree
// hash over the ceil(n / 2^L) group roots. The same recursion gives PATH(m, D[n]) as
// PATH(m mod 2^L, group of m) followed by PATH(m div 2^L, group roots).
//
// Part of the device-safe library (iotsec_ledger_verify): no storage.
#ifndef IOTSEC_LEDGER_BATCH_TILES_H_
#define IOTSEC_LEDGER_BATCH_TILES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/merkle.h"

namespace iotsec::ledger {

// kBatchTileLevel is the group height L that a node stores: groups of 16 leaves, so a member
// proof hashes at most 16 items and the stored nodes take about 4 octets per device.
inline constexpr uint8_t kBatchTileLevel = 4;
// kMaxBatchTileLevel bounds the level that DecodeBatchTiles accepts.
inline constexpr uint8_t kMaxBatchTileLevel = 24;

// TreeHash returns MTH over |hashes| taken as the leaf-level hashes of an RFC 9162 §2.1.1 tree
// (the hash itself for one, EmptyRootHash() for none). Cannot fail.
Hash TreeHash(std::span<const Hash> hashes);

// GroupRoots returns the roots of the consecutive aligned groups of 2^|level| hashes of
// |leaf_hashes| (the last group may be partial): ceil(n / 2^level) hashes, none for no leaves.
// Fails with kInvalidArgument when |level| > kMaxBatchTileLevel.
Result<std::vector<Hash>> GroupRoots(std::span<const Hash> leaf_hashes, uint8_t level);

// BatchTiles is the tile record of one batch: its group level L and every complete node of the
// tree over its m = ceil(n / 2^L) group roots, level by level from the bottom: the m group
// roots, then the floor(m / 2) nodes of 2 roots, the floor(m / 4) nodes of 4 roots, and so on
// (BatchTileNodeCount(m) hashes in all).
struct BatchTiles {
  uint8_t level = kBatchTileLevel;
  uint64_t groups = 0;
  std::vector<Hash> nodes;
};

// BatchTileNodeCount returns the number of complete nodes of a tree of |groups| leaves:
// groups + floor(groups / 2) + floor(groups / 4) + ... Cannot fail.
uint64_t BatchTileNodeCount(uint64_t groups);

// BuildBatchTiles returns the tiles of the batch whose item leaf hashes are |leaf_hashes|, with
// groups of 2^|level| leaves. Fails with kInvalidArgument when |level| > kMaxBatchTileLevel.
Result<BatchTiles> BuildBatchTiles(std::span<const Hash> leaf_hashes, uint8_t level);

// EncodeBatchTiles returns the stored form of |tiles|: one octet, the level, followed by the
// nodes (32 octets each) in order. Cannot fail.
Bytes EncodeBatchTiles(const BatchTiles& tiles);

// DecodeBatchTiles parses the stored tiles of a batch of |size| leaves strictly: the level must
// be at most kMaxBatchTileLevel and exactly BatchTileNodeCount(ceil(size / 2^level)) nodes must
// follow. Fails with kDataLoss otherwise (including size 0).
Result<BatchTiles> DecodeBatchTiles(ByteSpan value, uint64_t size);

// GroupedInclusionProof returns PATH(index, D[size]) (RFC 9162 §2.1.3.1), equal to
// InclusionProof over the whole tree, from the leaf hashes of the group that holds |index|
// (|group_leaves|, 2^level of them or fewer for the last group) and the tree's tiles, hashing
// the group and O(log size) nodes of the right edge.
// Fails with kInvalidArgument when index >= size or the level is above kMaxBatchTileLevel,
// and with kDataLoss when the counts do not fit |size| or the group's leaves do not hash to
// its stored root.
Result<std::vector<Hash>> GroupedInclusionProof(std::span<const Hash> group_leaves,
                                                const BatchTiles& tiles, uint64_t index,
                                                uint64_t size);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_BATCH_TILES_H_
