// Copyright iotsec authors.
// Reference inverses of the recursive proof definitions of RFC 9162 §2.1.3.1 (PATH) and
// §2.1.4.1 (SUBPROOF), evaluated top-down: an algorithm independent of the bitwise verifiers
// of merkle.h, shared by the property tests and the merkle_proof fuzzer to cross-check them.
// Test and fuzz code only; not part of any library.
#ifndef IOTSEC_LEDGER_MERKLE_REFERENCE_H_
#define IOTSEC_LEDGER_MERKLE_REFERENCE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "iotsec/ledger/merkle.h"

namespace iotsec::ledger::reference {

// Split returns the largest power of two strictly below n (n >= 2), the k of RFC 9162 §2.1.1.
inline uint64_t Split(uint64_t n) {
  uint64_t k = 1;
  while (k < n - k) {  // without overflow
    k <<= 1;
  }
  return k;
}

// RootFromPath returns the root that |proof| proves for leaf m of n leaves (the last proof hash
// is the root's child), or nullopt if the proof has the wrong shape.
inline std::optional<Hash> RootFromPath(uint64_t m, uint64_t n, const Hash& leaf,
                                        std::span<const Hash> proof) {
  if (n == 1) {
    return proof.empty() ? std::optional<Hash>(leaf) : std::nullopt;
  }
  if (proof.empty()) {
    return std::nullopt;
  }
  const uint64_t k = Split(n);
  const Hash& last = proof.back();
  auto rest = proof.first(proof.size() - 1);
  if (m < k) {
    auto l = RootFromPath(m, k, leaf, rest);
    return l ? std::optional<Hash>(NodeHash(*l, last)) : std::nullopt;
  }
  auto r = RootFromPath(m - k, n - k, leaf, rest);
  return r ? std::optional<Hash>(NodeHash(last, *r)) : std::nullopt;
}

// RootsFromSubproof returns the (old, new) roots that SUBPROOF(m, D[n], b) |proof| proves,
// given the old root |root1|, or nullopt if the proof has the wrong shape.
inline std::optional<std::pair<Hash, Hash>> RootsFromSubproof(uint64_t m, uint64_t n, bool b,
                                                              const Hash& root1,
                                                              std::span<const Hash> proof) {
  if (m == n) {
    if (b) {
      return proof.empty() ? std::optional(std::make_pair(root1, root1)) : std::nullopt;
    }
    return proof.size() == 1 ? std::optional(std::make_pair(proof[0], proof[0])) : std::nullopt;
  }
  if (proof.empty()) {
    return std::nullopt;
  }
  const uint64_t k = Split(n);
  const Hash& last = proof.back();
  auto rest = proof.first(proof.size() - 1);
  if (m <= k) {
    // The old tree lies inside the left part; the new one adds the right part.
    auto r = RootsFromSubproof(m, k, b, root1, rest);
    if (!r) {
      return std::nullopt;
    }
    return std::make_pair(r->first, NodeHash(r->second, last));
  }
  auto r = RootsFromSubproof(m - k, n - k, false, root1, rest);
  if (!r) {
    return std::nullopt;
  }
  return std::make_pair(NodeHash(last, r->first), NodeHash(last, r->second));
}

}  // namespace iotsec::ledger::reference

#endif  // IOTSEC_LEDGER_MERKLE_REFERENCE_H_
