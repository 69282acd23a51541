// Copyright iotsec authors.
// Known answers for the Merkle tree (RFC 6962 / RFC 9162 vectors in
// testdata/merkle_rfc6962.txt), their corrupted variants, argument errors, MemoryTree and
// CompactRange.
#include "iotsec/ledger/merkle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace iotsec::ledger {
namespace {

Hash H(const std::string& hex) {
  auto b = HexDecodeExact(hex, 32, "hash");
  EXPECT_TRUE(b.has_value()) << hex;
  Hash h{};
  if (b) {
    std::copy(b->begin(), b->end(), h.begin());
  }
  return h;
}

std::vector<Hash> HashList(const std::string& text) {
  std::vector<Hash> out;
  if (text == "-") {
    return out;
  }
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    out.push_back(H(item));
  }
  return out;
}

struct ProofVector {
  uint64_t a;  // leaf index or size1
  uint64_t b;  // tree size or size2
  std::vector<Hash> proof;
};

struct Vectors {
  std::vector<Bytes> leaves;
  std::map<uint64_t, Hash> roots;
  std::vector<ProofVector> inclusion;
  std::vector<ProofVector> consistency;
  Hash some_hash{};
};

// LoadVectors reads testdata/merkle_rfc6962.txt (its header says where the values come from).
Vectors LoadVectors() {
  Vectors v;
  std::ifstream in(std::string(IOTSEC_SOURCE_DIR) + "/src/ledger/testdata/merkle_rfc6962.txt");
  EXPECT_TRUE(in.good()) << "cannot open the vector file";
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::stringstream ss(line);
    std::string kind;
    ss >> kind;
    if (kind == "leaf") {
      size_t i;
      std::string data;
      ss >> i >> data;
      EXPECT_EQ(i, v.leaves.size());
      auto d = data == "-" ? Result<Bytes>(Bytes()) : HexDecode(data);
      EXPECT_TRUE(d.has_value()) << line;
      v.leaves.push_back(d.value_or(Bytes()));
    } else if (kind == "root") {
      uint64_t size;
      std::string hex;
      ss >> size >> hex;
      v.roots[size] = H(hex);
    } else if (kind == "inclusion" || kind == "consistency") {
      ProofVector p;
      std::string proof;
      ss >> p.a >> p.b >> proof;
      p.proof = HashList(proof);
      (kind == "inclusion" ? v.inclusion : v.consistency).push_back(std::move(p));
    } else if (kind == "somehash") {
      std::string hex;
      ss >> hex;
      v.some_hash = H(hex);
    } else {
      ADD_FAILURE() << "unknown line: " << line;
    }
  }
  EXPECT_EQ(v.leaves.size(), 8u);
  EXPECT_EQ(v.roots.size(), 9u);
  return v;
}

MemoryTree TreeOf(const std::vector<Bytes>& leaves) {
  MemoryTree t;
  for (const Bytes& l : leaves) {
    t.AppendLeaf(l);
  }
  return t;
}

std::string Describe(const std::vector<Hash>& proof) {
  std::string s;
  for (const Hash& h : proof) {
    s += HexEncode(h).substr(0, 8) + " ";
  }
  return s;
}

TEST(MerkleHash, PrefixesFromRfc9162) {
  // The root of the one-leaf tree of the empty entry is its leaf hash, SHA-256(0x00).
  EXPECT_EQ(LeafHash({}), H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  EXPECT_EQ(EmptyRootHash(), H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  const Vectors v = LoadVectors();
  EXPECT_EQ(NodeHash(LeafHash(v.leaves[0]), LeafHash(v.leaves[1])), v.roots.at(2));
}

TEST(MerkleKnownAnswers, Roots) {
  const Vectors v = LoadVectors();
  MemoryTree tree = TreeOf(v.leaves);
  CompactRange range;
  MemoryTree growing;
  EXPECT_EQ(growing.Root(), v.roots.at(0));
  EXPECT_EQ(range.Root(), v.roots.at(0));
  for (uint64_t n = 0; n <= 8; ++n) {
    auto r = RootAt(tree, n);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(*r, v.roots.at(n)) << "size " << n;
    if (n > 0) {
      growing.AppendLeaf(v.leaves[n - 1]);
      ASSERT_TRUE(range.Append(LeafHash(v.leaves[n - 1])).has_value());
      EXPECT_EQ(growing.Root(), v.roots.at(n));
      EXPECT_EQ(range.Root(), v.roots.at(n));
      EXPECT_EQ(range.size(), n);
    }
  }
}

TEST(MerkleKnownAnswers, InclusionProofs) {
  const Vectors v = LoadVectors();
  MemoryTree tree = TreeOf(v.leaves);
  ASSERT_EQ(v.inclusion.size(), 5u);
  for (const ProofVector& p : v.inclusion) {
    SCOPED_TRACE("inclusion " + std::to_string(p.a) + " in " + std::to_string(p.b));
    auto got = InclusionProof(tree, p.a, p.b);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(*got, p.proof) << Describe(*got);
    const Hash leaf = LeafHash(v.leaves[p.a]);
    const Hash root = v.roots.at(p.b);
    auto ok = VerifyInclusion(leaf, p.a, p.b, p.proof, root);
    EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
  }
}

TEST(MerkleKnownAnswers, ConsistencyProofs) {
  const Vectors v = LoadVectors();
  MemoryTree tree = TreeOf(v.leaves);
  ASSERT_EQ(v.consistency.size(), 5u);
  for (const ProofVector& p : v.consistency) {
    SCOPED_TRACE("consistency " + std::to_string(p.a) + " to " + std::to_string(p.b));
    auto got = ConsistencyProof(tree, p.a, p.b);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(*got, p.proof) << Describe(*got);
    auto ok = VerifyConsistency(p.a, p.b, v.roots.at(p.a), v.roots.at(p.b), p.proof);
    EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
  }
}

struct InclusionProbe {
  uint64_t index, size;
  Hash leaf, root;
  std::vector<Hash> proof;
  std::string desc;
};

std::vector<Hash> With(std::vector<Hash> proof, size_t at, const Hash& h) {
  proof.insert(proof.begin() + static_cast<ptrdiff_t>(at), h);
  return proof;
}

// The corruptions of transparency-dev/merkle's verify_test.go, plus swapped neighbours.
std::vector<InclusionProbe> CorruptInclusion(const InclusionProbe& good, const Hash& some) {
  const uint64_t i = good.index;
  const uint64_t n = good.size;
  const std::vector<Hash>& p = good.proof;
  std::vector<InclusionProbe> out = {
      {i - 1, n, good.leaf, good.root, p, "index - 1"},
      {i + 1, n, good.leaf, good.root, p, "index + 1"},
      {i ^ 2, n, good.leaf, good.root, p, "index ^ 2"},
      {i, n * 2, good.leaf, good.root, p, "size * 2"},
      {i, n / 2, good.leaf, good.root, p, "size / 2"},
      {i, n, LeafHash(AsBytes("WrongLeaf")), good.root, p, "wrong leaf"},
      {i, n, good.leaf, EmptyRootHash(), p, "empty root"},
      {i, n, good.leaf, some, p, "random root"},
      {i, n, good.leaf, good.root, With(p, p.size(), Hash{}), "trailing garbage"},
      {i, n, good.leaf, good.root, With(p, p.size(), good.root), "trailing root"},
      {i, n, good.leaf, good.root, With(p, 0, Hash{}), "preceding garbage"},
      {i, n, good.leaf, good.root, With(p, 0, good.root), "preceding root"},
  };
  for (size_t k = 0; k < p.size(); ++k) {
    auto q = p;
    q[k][0] ^= 8;
    out.push_back({i, n, good.leaf, good.root, q, "proof[" + std::to_string(k) + "] bit 3"});
  }
  if (!p.empty()) {
    out.push_back({i, n, good.leaf, good.root, std::vector<Hash>(p.begin(), p.end() - 1),
                   "removed component"});
  }
  if (p.size() > 1) {
    out.push_back({i, n, good.leaf, good.root, With(p, 1, some), "inserted component"});
  }
  for (size_t k = 0; k + 1 < p.size(); ++k) {
    if (p[k] != p[k + 1]) {
      auto q = p;
      std::swap(q[k], q[k + 1]);
      out.push_back({i, n, good.leaf, good.root, q, "swapped " + std::to_string(k)});
    }
  }
  return out;
}

TEST(MerkleKnownAnswers, CorruptedInclusionProofsAreRefused) {
  const Vectors v = LoadVectors();
  for (const ProofVector& pv : v.inclusion) {
    InclusionProbe good{pv.a, pv.b, LeafHash(v.leaves[pv.a]), v.roots.at(pv.b), pv.proof, ""};
    for (const InclusionProbe& p : CorruptInclusion(good, v.some_hash)) {
      SCOPED_TRACE("inclusion " + std::to_string(pv.a) + " in " + std::to_string(pv.b) + ": " +
                   p.desc);
      auto st = VerifyInclusion(p.leaf, p.index, p.size, p.proof, p.root);
      ASSERT_FALSE(st.has_value());
      const ErrorCode want =
          p.index >= p.size ? ErrorCode::kInvalidArgument : ErrorCode::kUnauthenticated;
      EXPECT_EQ(st.error().code(), want) << st.error().ToString();
    }
  }
}

struct ConsistencyProbe {
  uint64_t size1, size2;
  Hash root1, root2;
  std::vector<Hash> proof;
  std::string desc;
};

std::vector<ConsistencyProbe> CorruptConsistency(const ConsistencyProbe& g) {
  const uint64_t m = g.size1;
  const uint64_t n = g.size2;
  const auto& p = g.proof;
  const Hash wrong = LeafHash(AsBytes("WrongRoot"));
  std::vector<ConsistencyProbe> out = {
      {m - 1, n, g.root1, g.root2, p, "size1 - 1"},
      {m + 1, n, g.root1, g.root2, p, "size1 + 1"},
      {m ^ 2, n, g.root1, g.root2, p, "size1 ^ 2"},
      {m, n * 2, g.root1, g.root2, p, "size2 * 2"},
      {m, n / 2, g.root1, g.root2, p, "size2 / 2"},
      {m, n, wrong, g.root2, p, "wrong root1"},
      {m, n, g.root1, wrong, p, "wrong root2"},
      {m, n, g.root2, g.root1, p, "swapped roots"},
      {m, n, g.root1, g.root2, {}, "empty proof"},
      {m, n, g.root1, g.root2, With(p, p.size(), Hash{}), "trailing garbage"},
      {m, n, g.root1, g.root2, With(p, p.size(), g.root1), "trailing root1"},
      {m, n, g.root1, g.root2, With(p, p.size(), g.root2), "trailing root2"},
      {m, n, g.root1, g.root2, With(p, 0, Hash{}), "preceding garbage"},
      {m, n, g.root1, g.root2, With(p, 0, g.root1), "preceding root1"},
      {m, n, g.root1, g.root2, With(p, 0, g.root2), "preceding root2"},
      {m, n, g.root1, g.root2, With(p, 0, p[0]), "preceding proof[0]"},
      {m, n, g.root1, g.root2, std::vector<Hash>(p.begin(), p.end() - 1), "truncated"},
  };
  for (size_t k = 0; k < p.size(); ++k) {
    auto q = p;
    q[k][0] ^= 16;
    out.push_back({m, n, g.root1, g.root2, q, "proof[" + std::to_string(k) + "] bit 4"});
  }
  for (size_t k = 0; k + 1 < p.size(); ++k) {
    if (p[k] != p[k + 1]) {
      auto q = p;
      std::swap(q[k], q[k + 1]);
      out.push_back({m, n, g.root1, g.root2, q, "swapped " + std::to_string(k)});
    }
  }
  return out;
}

TEST(MerkleKnownAnswers, CorruptedConsistencyProofsAreRefused) {
  const Vectors v = LoadVectors();
  for (const ProofVector& pv : v.consistency) {
    if (pv.proof.empty()) {
      continue;
    }
    ConsistencyProbe good{pv.a, pv.b, v.roots.at(pv.a), v.roots.at(pv.b), pv.proof, ""};
    for (const ConsistencyProbe& p : CorruptConsistency(good)) {
      SCOPED_TRACE("consistency " + std::to_string(pv.a) + " to " + std::to_string(pv.b) + ": " +
                   p.desc);
      auto st = VerifyConsistency(p.size1, p.size2, p.root1, p.root2, p.proof);
      ASSERT_FALSE(st.has_value());
      const ErrorCode want =
          p.size1 > p.size2 ? ErrorCode::kInvalidArgument : ErrorCode::kUnauthenticated;
      EXPECT_EQ(st.error().code(), want) << st.error().ToString();
    }
  }
}

TEST(MerkleVerify, ImpossibleArguments) {
  const Hash some = LeafHash(AsBytes("x"));
  // No leaf index is below size 0, and none at or above the size.
  for (auto [index, size] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 0}, {1, 0}, {1, 1}, {2, 1}, {UINT64_MAX, UINT64_MAX}}) {
    auto st = VerifyInclusion(some, index, size, {}, some);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument) << index << " " << size;
  }
  auto st = VerifyConsistency(2, 1, some, some, {});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
}

TEST(MerkleVerify, SingleLeafAndTrivialConsistency) {
  const Hash leaf = LeafHash(AsBytes("data"));
  const Hash other = LeafHash(AsBytes("other"));
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 1, {}, leaf).has_value());
  auto st = VerifyInclusion(leaf, 0, 1, {}, other);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  const std::vector<Hash> one = {other};
  st = VerifyInclusion(leaf, 0, 1, one, leaf);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);

  // Equal sizes: an empty proof, equal roots.
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyRootHash(), EmptyRootHash(), {}).has_value());
  EXPECT_TRUE(VerifyConsistency(5, 5, leaf, leaf, {}).has_value());
  for (auto [r1, r2, proof] : std::vector<std::tuple<Hash, Hash, std::vector<Hash>>>{
           {leaf, other, {}}, {leaf, leaf, one}}) {
    st = VerifyConsistency(5, 5, r1, r2, proof);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  }
  // From the empty tree: an empty proof, and root1 must be the empty tree's.
  EXPECT_TRUE(VerifyConsistency(0, 7, EmptyRootHash(), leaf, {}).has_value());
  st = VerifyConsistency(0, 7, leaf, other, {});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  st = VerifyConsistency(0, 7, EmptyRootHash(), leaf, one);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
  // 0 < size1 < size2 needs a proof.
  st = VerifyConsistency(1, 2, leaf, other, {});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated);
}

TEST(MerkleProofs, ArgumentAndReaderErrors) {
  const Vectors v = LoadVectors();
  MemoryTree tree = TreeOf(v.leaves);
  auto inc = InclusionProof(tree, 8, 8);
  ASSERT_FALSE(inc.has_value());
  EXPECT_EQ(inc.error().code(), ErrorCode::kInvalidArgument);
  inc = InclusionProof(tree, 0, 0);
  ASSERT_FALSE(inc.has_value());
  EXPECT_EQ(inc.error().code(), ErrorCode::kInvalidArgument);
  auto con = ConsistencyProof(tree, 5, 4);
  ASSERT_FALSE(con.has_value());
  EXPECT_EQ(con.error().code(), ErrorCode::kInvalidArgument);
  // Beyond the tree: the reader's kNotFound comes through.
  auto root = RootAt(tree, 9);
  ASSERT_FALSE(root.has_value());
  EXPECT_EQ(root.error().code(), ErrorCode::kNotFound);
  inc = InclusionProof(tree, 2, 9);
  ASSERT_FALSE(inc.has_value());
  EXPECT_EQ(inc.error().code(), ErrorCode::kNotFound);
  con = ConsistencyProof(tree, 3, 12);
  ASSERT_FALSE(con.has_value());
  EXPECT_EQ(con.error().code(), ErrorCode::kNotFound);
  // Trivial consistency proofs are empty and read nothing.
  for (auto [a, b] : std::vector<std::pair<uint64_t, uint64_t>>{{0, 0}, {0, 100}, {8, 8}}) {
    con = ConsistencyProof(tree, a, b);
    ASSERT_TRUE(con.has_value());
    EXPECT_TRUE(con->empty());
  }
}

TEST(MemoryTreeTest, NodesAreCompleteSubtreesOnly) {
  MemoryTree t;
  for (int i = 0; i < 5; ++i) {
    t.AppendLeaf(AsBytes(std::string(1, static_cast<char>('a' + i))));
  }
  EXPECT_EQ(t.size(), 5u);
  EXPECT_TRUE(t.Node(0, 4).has_value());
  EXPECT_TRUE(t.Node(1, 1).has_value());
  EXPECT_TRUE(t.Node(2, 0).has_value());
  for (auto [level, index] :
       std::vector<std::pair<uint8_t, uint64_t>>{{0, 5}, {1, 2}, {2, 1}, {3, 0}, {255, 0}}) {
    auto n = t.Node(level, index);
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code(), ErrorCode::kNotFound);
  }
  auto n = t.Node(2, 0);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, NodeHash(*t.Node(1, 0), *t.Node(1, 1)));
}

TEST(CompactRangeTest, VisitsEveryNodeOnceAndResumes) {
  MemoryTree tree;
  CompactRange range;
  std::map<std::pair<uint8_t, uint64_t>, Hash> seen;
  auto visit = [&](uint8_t level, uint64_t index, const Hash& h) {
    EXPECT_TRUE(seen.emplace(std::make_pair(level, index), h).second)
        << "visited twice: " << int{level} << "/" << index;
  };
  for (int i = 0; i < 100; ++i) {
    const std::string entry = "leaf " + std::to_string(i);
    tree.AppendLeaf(AsBytes(entry));
    ASSERT_TRUE(range.Append(LeafHash(AsBytes(entry)), visit).has_value());
    EXPECT_EQ(range.Root(), tree.Root());
    // Resuming from the stored nodes gives the same border.
    auto resumed = CompactRange::FromReader(tree, tree.size());
    ASSERT_TRUE(resumed.has_value());
    EXPECT_EQ(resumed->Root(), tree.Root());
    EXPECT_EQ(resumed->size(), tree.size());
  }
  // Every complete node of the tree was visited, with its stored hash, and nothing else.
  size_t complete = 0;
  for (uint8_t level = 0; level < 8; ++level) {
    for (uint64_t index = 0; (index + 1) << level <= 100; ++index) {
      ++complete;
      auto it = seen.find({level, index});
      ASSERT_NE(it, seen.end()) << int{level} << "/" << index;
      EXPECT_EQ(it->second, *tree.Node(level, index));
    }
  }
  EXPECT_EQ(seen.size(), complete);
  auto more = CompactRange::FromReader(tree, 101);
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code(), ErrorCode::kNotFound);
}

// UniformReader is a virtual tree of up to 2^64 - 1 leaves that all have the same hash, so
// that every complete node of a level has the same hash: proofs of huge trees can be checked.
class UniformReader : public NodeReader {
 public:
  explicit UniformReader(uint64_t size) : size_(size) {
    level_[0] = LeafHash(AsBytes("uniform"));
    for (size_t l = 1; l < level_.size(); ++l) {
      level_[l] = NodeHash(level_[l - 1], level_[l - 1]);
    }
  }
  Result<Hash> Node(uint8_t level, uint64_t index) override {
    if (level > 63 || index >= (size_ >> level)) {
      return Fail(ErrorCode::kNotFound, "beyond the tree");
    }
    ++reads;
    return level_[level];
  }
  const Hash& leaf() const { return level_[0]; }
  int reads = 0;

 private:
  uint64_t size_;
  std::array<Hash, 64> level_;
};

TEST(MerkleProofs, HugeTrees) {
  const uint64_t kMax = UINT64_MAX;
  UniformReader reader(kMax);
  for (uint64_t size :
       {kMax, kMax - 1, uint64_t{1} << 63, (uint64_t{1} << 63) + 1, (uint64_t{1} << 32) + 12345}) {
    SCOPED_TRACE(size);
    reader.reads = 0;
    auto root = RootAt(reader, size);
    ASSERT_TRUE(root.has_value());
    EXPECT_LE(reader.reads, 64);
    for (uint64_t index : {uint64_t{0}, size / 3, size - 2, size - 1}) {
      reader.reads = 0;
      auto proof = InclusionProof(reader, index, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_LE(reader.reads, 2 * 64);
      EXPECT_LE(proof->size(), kMaxProofSize);
      auto st = VerifyInclusion(reader.leaf(), index, size, *proof, *root);
      EXPECT_TRUE(st.has_value()) << index << ": " << st.error().ToString();
    }
    for (uint64_t size1 : {uint64_t{1}, size / 2, size - 1}) {
      auto root1 = RootAt(reader, size1);
      ASSERT_TRUE(root1.has_value());
      reader.reads = 0;
      auto proof = ConsistencyProof(reader, size1, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_LE(reader.reads, 2 * 64 + 1);
      auto st = VerifyConsistency(size1, size, *root1, *root, *proof);
      EXPECT_TRUE(st.has_value()) << size1 << ": " << st.error().ToString();
    }
  }
  // A range of 2^64 - 1 leaves cannot grow.
  auto full = CompactRange::FromReader(reader, kMax);
  ASSERT_TRUE(full.has_value());
  auto st = full->Append(reader.leaf());
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace iotsec::ledger
