// Copyright iotsec authors.
// Fuzzes Merkle proof verification (include/iotsec/ledger/merkle.h). Nothing may crash, and
// whatever verifies must agree with an independent recomputation: the recursive definitions of
// RFC 9162 §2.1.3.1 and §2.1.4.1 inverted top-down (not the bitwise verifiers under test).
//
// Input: byte 0 selects the mode.
//   even: arbitrary arguments. Bytes 1..16 are two little-endian 64-bit numbers (index and size,
//         or size1 and size2), then two hashes (leaf or root1, then root or root2), then up to
//         70 proof hashes. Both VerifyInclusion and VerifyConsistency run on them.
//   odd:  a real tree. Byte 1 gives its size (1..256), byte 2 seeds its leaves, bytes 3..4 pick
//         the leaf and the older size; the proofs are generated, then the remaining bytes
//         corrupt them (XOR at chosen positions, truncation, changed index or size) and the
//         results are verified again. A corrupted proof that verifies for the same index and
//         size must be the original one.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "iotsec/ledger/merkle.h"
#include "../src/ledger/merkle_reference.h"

namespace {

using iotsec::ledger::Hash;
using iotsec::ledger::NodeHash;

using iotsec::ledger::reference::RootFromPath;
using iotsec::ledger::reference::RootsFromSubproof;

// CheckInclusion verifies and, on success, demands the recomputation agree.
bool CheckInclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof,
                    const Hash& root) {
  auto st = iotsec::ledger::VerifyInclusion(leaf, index, size, proof, root);
  if (!st) {
    const bool impossible = index >= size;
    if (impossible != (st.error().code() == iotsec::ErrorCode::kInvalidArgument)) {
      std::abort();
    }
    return false;
  }
  auto r = RootFromPath(index, size, leaf, proof);
  if (!r || *r != root) {
    std::abort();
  }
  return true;
}

bool CheckConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                      std::span<const Hash> proof) {
  auto st = iotsec::ledger::VerifyConsistency(size1, size2, root1, root2, proof);
  if (!st) {
    const bool impossible = size1 > size2;
    if (impossible != (st.error().code() == iotsec::ErrorCode::kInvalidArgument)) {
      std::abort();
    }
    return false;
  }
  if (size1 == size2) {
    if (!proof.empty() || root1 != root2) {
      std::abort();
    }
  } else if (size1 == 0) {
    if (!proof.empty() || root1 != iotsec::ledger::EmptyRootHash()) {
      std::abort();
    }
  } else {
    auto r = RootsFromSubproof(size1, size2, true, root1, proof);
    if (!r || r->first != root1 || r->second != root2) {
      std::abort();
    }
  }
  return true;
}

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  size_t left() const { return n_ - pos_; }
  uint8_t Byte() { return pos_ < n_ ? d_[pos_++] : 0; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v |= uint64_t{Byte()} << (8 * i);
    }
    return v;
  }
  Hash H() {
    Hash h{};
    for (auto& b : h) {
      b = Byte();
    }
    return h;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

void Arbitrary(Input& in) {
  const uint64_t a = in.U64();
  const uint64_t b = in.U64();
  const Hash h1 = in.H();
  const Hash h2 = in.H();
  std::vector<Hash> proof;
  while (in.left() >= 32 && proof.size() < 70) {
    proof.push_back(in.H());
  }
  CheckInclusion(h1, a, b, proof, h2);
  CheckConsistency(a, b, h1, h2, proof);
}

void RealTree(Input& in) {
  const uint64_t n = 1 + uint64_t{in.Byte()};
  const uint8_t seed = in.Byte();
  iotsec::ledger::MemoryTree tree;
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t entry[3] = {seed, static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    tree.AppendLeaf(entry);
  }
  const uint64_t index = in.Byte() % n;
  const uint64_t size1 = in.Byte() % (n + 1);
  const Hash leaf = *tree.Node(0, index);
  const Hash root = tree.Root();
  const Hash root1 = *iotsec::ledger::RootAt(tree, size1);
  auto inc = iotsec::ledger::InclusionProof(tree, index, n);
  auto con = iotsec::ledger::ConsistencyProof(tree, size1, n);
  if (!inc || !con) {
    std::abort();
  }
  // The real proofs verify.
  if (!CheckInclusion(leaf, index, n, *inc, root) ||
      !CheckConsistency(size1, n, root1, root, *con)) {
    std::abort();
  }
  // Corruptions chosen by the rest of the input.
  std::vector<Hash> p = *inc;
  std::vector<Hash> c = *con;
  uint64_t index2 = index;
  uint64_t n2 = n;
  uint64_t size1b = size1;
  while (in.left() > 0) {
    const uint8_t op = in.Byte();
    const uint8_t arg = in.Byte();
    switch (op % 6) {
      case 0:
        if (!p.empty()) {
          p[arg % p.size()][in.Byte() % 32] ^= static_cast<uint8_t>(1 | in.Byte());
        }
        break;
      case 1:
        if (!c.empty()) {
          c[arg % c.size()][in.Byte() % 32] ^= static_cast<uint8_t>(1 | in.Byte());
        }
        break;
      case 2:
        if (!p.empty()) {
          p.pop_back();
        }
        if (!c.empty() && (arg & 1)) {
          c.erase(c.begin());
        }
        break;
      case 3:
        if (p.size() < 70) {
          p.insert(p.begin() + (arg % (p.size() + 1)), in.H());
        }
        break;
      case 4:
        index2 += static_cast<int8_t>(arg);
        break;
      default:
        n2 += static_cast<int8_t>(arg);
        size1b += static_cast<int8_t>(in.Byte());
        break;
    }
  }
  if (CheckInclusion(leaf, index2, n2, p, root) && index2 == index && n2 == n && p != *inc) {
    std::abort();  // two different proofs for one leaf, index and size
  }
  if (CheckConsistency(size1b, n2, root1, root, c) && size1b == size1 && n2 == n && c != *con) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  if ((in.Byte() & 1) == 0) {
    Arbitrary(in);
  } else {
    RealTree(in);
  }
  return 0;
}
