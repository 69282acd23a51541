// Copyright iotsec authors.
// iotsec ledger verify-inclusion | verify-consistency | proof: RFC 9162 Merkle proofs from the
// command line (library code in include/iotsec/ledger/merkle.h). Exit 0: valid (or done);
// 1: well-formed proof that does not verify; 2: usage or input error.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "iotsec/common/file.h"
#include "iotsec/ledger/merkle.h"

namespace iotsec::cli {
namespace {

using ledger::Hash;

// kMaxLeaves bounds the tree that `ledger proof` builds in memory (about 64 octets a leaf).
constexpr uint64_t kMaxLeaves = uint64_t{1} << 22;

Result<uint64_t> ParseNumber(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 20) {
    return Fail(ErrorCode::kInvalidArgument,
                what + ": want a decimal number, got \"" + text + "\"");
  }
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Fail(ErrorCode::kInvalidArgument,
                  what + ": want a decimal number, got \"" + text + "\"");
    }
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return Fail(ErrorCode::kInvalidArgument, what + ": exceeds 2^64 - 1");
    }
    v = v * 10 + d;
  }
  return v;
}

Result<Hash> ParseHash(std::string_view hex, const std::string& what) {
  auto b = HexDecodeExact(hex, sizeof(Hash), what);
  if (!b) {
    return Fail(ErrorCode::kInvalidArgument, b.error().message());
  }
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

// ParseProof reads "HEX,HEX,..." (an empty string is the empty proof).
Result<std::vector<Hash>> ParseProof(const std::string& text) {
  std::vector<Hash> out;
  if (text.empty()) {
    return out;
  }
  std::string_view rest = text;
  for (size_t i = 0;; ++i) {
    const size_t comma = rest.find(',');
    IOTSEC_TRY(h, ParseHash(rest.substr(0, comma), "--proof hash " + std::to_string(i + 1)));
    out.push_back(h);
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::string JoinHex(const std::vector<Hash>& proof) {
  std::string s;
  for (size_t i = 0; i < proof.size(); ++i) {
    s += (i ? "," : "") + HexEncode(proof[i]);
  }
  return s;
}

// Verdict turns a verification status into an outcome: 0 valid, 1 invalid, 2 bad arguments.
Outcome Verdict(const Status& st, const std::string& ok_line) {
  if (st) {
    Outcome o;
    o.line = ok_line;
    o.json = {{"ok", true}, {"valid", true}};
    return o;
  }
  const bool invalid = st.error().code() == ErrorCode::kUnauthenticated;
  Outcome o = FromError(st.error(), invalid);
  if (invalid) {
    o.line = "refused: " + st.error().message();
    o.json["valid"] = false;
  }
  return o;
}

struct VerifyInclusionArgs {
  std::string leaf_hash, index, size, root, proof;
};

Outcome VerifyInclusion(const VerifyInclusionArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    IOTSEC_TRY(leaf, ParseHash(a.leaf_hash, "--leaf-hash"));
    IOTSEC_TRY(index, ParseNumber(a.index, "--index"));
    IOTSEC_TRY(size, ParseNumber(a.size, "--size"));
    IOTSEC_TRY(root, ParseHash(a.root, "--root"));
    IOTSEC_TRY(proof, ParseProof(a.proof));
    return Verdict(
        ledger::VerifyInclusion(leaf, index, size, proof, root),
        "inclusion proof valid: leaf " + std::to_string(index) + " of " + std::to_string(size));
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

struct VerifyConsistencyArgs {
  std::string size1, size2, root1, root2, proof;
};

Outcome VerifyConsistency(const VerifyConsistencyArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    IOTSEC_TRY(size1, ParseNumber(a.size1, "--size1"));
    IOTSEC_TRY(size2, ParseNumber(a.size2, "--size2"));
    IOTSEC_TRY(root1, ParseHash(a.root1, "--root1"));
    IOTSEC_TRY(root2, ParseHash(a.root2, "--root2"));
    IOTSEC_TRY(proof, ParseProof(a.proof));
    return Verdict(ledger::VerifyConsistency(size1, size2, root1, root2, proof),
                   "consistency proof valid: size " + std::to_string(size2) + " extends size " +
                       std::to_string(size1));
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

struct ProofArgs {
  std::string leaves, index, from, size;
  CLI::Option* index_opt = nullptr;
  CLI::Option* from_opt = nullptr;
  CLI::Option* size_opt = nullptr;
};

// LoadTree builds the tree of the first |limit| leaves of |path|: one leaf per line, as hex of
// its data (an empty line is an empty leaf; a final newline ends the last line).
Result<ledger::MemoryTree> LoadTree(const std::string& path, uint64_t limit) {
  IOTSEC_TRY(data, ReadFile(path));
  ledger::MemoryTree tree;
  std::string_view rest(reinterpret_cast<const char*>(data.data()), data.size());
  for (uint64_t line = 1; !rest.empty() && tree.size() < limit; ++line) {
    if (tree.size() == kMaxLeaves) {
      return Fail(ErrorCode::kInvalidArgument,
                  path + ": more than " + std::to_string(kMaxLeaves) + " leaves; use --size");
    }
    const size_t eol = rest.find('\n');
    auto leaf = HexDecode(rest.substr(0, eol));
    if (!leaf) {
      return Fail(ErrorCode::kInvalidArgument,
                  path + ", line " + std::to_string(line) + ": " + leaf.error().message());
    }
    tree.AppendLeaf(*leaf);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
  }
  return tree;
}

Outcome Proof(const ProofArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    const bool by_index = a.index_opt->count() > 0;
    if (by_index == (a.from_opt->count() > 0)) {
      return Fail(ErrorCode::kInvalidArgument, "give exactly one of --index and --from");
    }
    uint64_t limit = UINT64_MAX;
    if (a.size_opt->count() > 0) {
      IOTSEC_TRY(n, ParseNumber(a.size, "--size"));
      limit = n;
    }
    IOTSEC_TRY(tree, LoadTree(a.leaves, limit));
    const uint64_t size = a.size_opt->count() > 0 ? limit : tree.size();
    if (size > tree.size()) {
      return Fail(ErrorCode::kInvalidArgument, "--size " + std::to_string(size) + " exceeds the " +
                                                   std::to_string(tree.size()) + " leaves in " +
                                                   a.leaves);
    }
    IOTSEC_TRY(root, ledger::RootAt(tree, size));
    std::vector<Hash> proof;
    if (by_index) {
      IOTSEC_TRY(index, ParseNumber(a.index, "--index"));
      IOTSEC_TRY(p, ledger::InclusionProof(tree, index, size));
      proof = std::move(p);
    } else {
      IOTSEC_TRY(from, ParseNumber(a.from, "--from"));
      IOTSEC_TRY(p, ledger::ConsistencyProof(tree, from, size));
      proof = std::move(p);
    }
    Outcome o;
    o.line = "root " + HexEncode(root) + "\nproof " + (proof.empty() ? "(empty)" : JoinHex(proof));
    nlohmann::json hashes = nlohmann::json::array();
    for (const Hash& h : proof) {
      hashes.push_back(HexEncode(h));
    }
    o.json = {{"root", HexEncode(root)}, {"proof", hashes}};
    return o;
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

}  // namespace

void AddLedgerProofCommands(CLI::App* ledger, std::vector<Command>& out) {
  auto vi = std::make_shared<VerifyInclusionArgs>();
  CLI::App* inc =
      ledger->add_subcommand("verify-inclusion",
                             "Check that a leaf hash is in a tree of a given size and root "
                             "(RFC 9162 §2.1.3.2); exit 1 if the proof does not verify");
  inc->add_option("--leaf-hash", vi->leaf_hash, "the leaf hash SHA-256(0x00 || entry), 64 hex")
      ->required();
  inc->add_option("--index", vi->index, "the leaf's index, from 0")->required();
  inc->add_option("--size", vi->size, "the tree size")->required();
  inc->add_option("--root", vi->root, "the tree's root hash, 64 hex")->required();
  inc->add_option("--proof", vi->proof, "the proof hashes, comma-separated hex (default: none)");
  out.push_back({inc, [vi] { return VerifyInclusion(*vi); }});

  auto vc = std::make_shared<VerifyConsistencyArgs>();
  CLI::App* con =
      ledger->add_subcommand("verify-consistency",
                             "Check that the tree of size2 extends the tree of size1 "
                             "(RFC 9162 §2.1.4.2); exit 1 if the proof does not verify");
  con->add_option("--size1", vc->size1, "the older tree size")->required();
  con->add_option("--size2", vc->size2, "the newer tree size")->required();
  con->add_option("--root1", vc->root1, "the older root hash, 64 hex")->required();
  con->add_option("--root2", vc->root2, "the newer root hash, 64 hex")->required();
  con->add_option("--proof", vc->proof, "the proof hashes, comma-separated hex (default: none)");
  out.push_back({con, [vc] { return VerifyConsistency(*vc); }});

  auto pr = std::make_shared<ProofArgs>();
  CLI::App* proof = ledger->add_subcommand(
      "proof",
      "Build the tree of FILE's leaves (one per line, hex of the entry) and print its "
      "root and an inclusion (--index) or consistency (--from) proof");
  proof->add_option("--leaves", pr->leaves, "file with one leaf per line, hex")->required();
  pr->index_opt = proof->add_option("--index", pr->index, "prove the inclusion of leaf N");
  pr->from_opt = proof->add_option("--from", pr->from, "prove consistency from size M");
  pr->size_opt = proof->add_option("--size", pr->size, "use the first N leaves (default: all)");
  out.push_back({proof, [pr] { return Proof(*pr); }});
}

}  // namespace iotsec::cli
