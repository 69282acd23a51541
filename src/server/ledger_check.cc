// Copyright iotsec authors.
// CheckLedger: offline checks of a ledger node's data directory (doc/api.md, "fsck").
#include "iotsec/server/ledger_check.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "iotsec/common/file.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/attachments.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/state.h"
#include "iotsec/ledger/store.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::server {
namespace {

struct Problems {
  std::vector<std::string> list;
  uint64_t count = 0;
  void Add(std::string p) {
    ++count;
    if (list.size() < kMaxListedProblems) {
      list.push_back(std::move(p));
    }
  }
};

Result<uint64_t> ParseIndex(std::string_view s) {
  if (s.empty() || s.size() > 20) {
    return Fail(ErrorCode::kInvalidArgument, "bad index");
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return Fail(ErrorCode::kInvalidArgument, "bad index");
    }
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return Fail(ErrorCode::kInvalidArgument, "index exceeds 2^64 - 1");
    }
    v = v * 10 + d;
  }
  return v;
}

// CheckCheckpoint verifies the stored checkpoint against the genesis and the entries; returns
// the size it covers (0 when there is none).
uint64_t CheckCheckpoint(ledger::LogStore& store, const ledger::GenesisConfig& genesis,
                         Problems& problems) {
  auto stored = store.LatestCheckpoint();
  if (!stored) {
    problems.Add("no checkpoint stored: " + stored.error().message());
    return 0;
  }
  auto pub = crypto::Ed25519PublicKey::FromBytes(genesis.checkpoint_signer.key);
  if (!pub) {
    problems.Add("genesis checkpoint key: " + pub.error().message());
    return 0;
  }
  auto verifier = ledger::NoteVerifier::Create(genesis.checkpoint_signer.name, *pub);
  if (!verifier) {
    problems.Add("genesis checkpoint key: " + verifier.error().message());
    return 0;
  }
  std::vector<ledger::NoteVerifier> anchors{*verifier};
  auto cp = ledger::OpenCheckpoint(stored->text, genesis.origin, anchors, 1);
  if (!cp) {
    problems.Add("latest checkpoint does not verify: " + cp.error().ToString());
    return 0;
  }
  if (cp->size != stored->size || cp->root != stored->root) {
    problems.Add("latest checkpoint text disagrees with its stored size and root");
  }
  auto root = ledger::RootAt(store, cp->size);
  if (!root) {
    problems.Add("checkpoint size " + std::to_string(cp->size) +
                 ": no such tree in the store: " + root.error().message());
    return 0;
  }
  if (*root != cp->root) {
    problems.Add("checkpoint root " + HexEncode(cp->root) + " is not the root " + HexEncode(*root) +
                 " of the first " + std::to_string(cp->size) + " entries");
  }
  return cp->size;
}

void CheckReplay(ledger::LogStore& store, const ledger::GenesisConfig& genesis, uint64_t size,
                 Problems& problems) {
  auto state = ledger::LedgerState::Create(genesis);
  if (!state) {
    problems.Add("genesis: " + state.error().message());
    return;
  }
  constexpr uint64_t kChunk = 1024;
  for (uint64_t start = 0; start < size; start += kChunk) {
    auto entries = store.Entries(start, std::min(kChunk, size - start));
    if (!entries) {
      problems.Add("entries from " + std::to_string(start) + ": " + entries.error().message());
      return;
    }
    auto attachments = ledger::ReadAttachments(store, start, entries->size());
    if (!attachments) {
      problems.Add("attachments from " + std::to_string(start) + ": " +
                   attachments.error().message());
      return;
    }
    for (size_t i = 0; i < entries->size(); ++i) {
      const uint64_t index = start + i;
      auto parsed = ledger::ParseRecord((*entries)[i], (*attachments)[i]);
      Status st =
          parsed ? state->ValidateAndApply(*parsed, index) : Status(Unexpected(parsed.error()));
      if (!st) {
        // The state after a refused record is not what the node had: stop here.
        problems.Add("entry " + std::to_string(index) +
                     " does not replay: " + st.error().ToString());
        return;
      }
    }
  }
}

void CheckExpect(ledger::LogStore& store, const std::string& path, uint64_t covered,
                 Problems& problems, uint64_t& checked) {
  auto data = ReadFile(path);
  if (!data) {
    problems.Add(data.error().message());
    return;
  }
  std::string_view rest(reinterpret_cast<const char*>(data->data()), data->size());
  for (uint64_t line = 1; !rest.empty(); ++line) {
    const size_t eol = rest.find('\n');
    std::string_view l = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (l.empty()) {
      continue;
    }
    const std::string where = path + ":" + std::to_string(line) + ": ";
    const size_t space = l.find(' ');
    auto index = ParseIndex(l.substr(0, space));
    auto hash = space == std::string_view::npos
                    ? Result<Bytes>(Fail(ErrorCode::kInvalidArgument, "no leaf hash"))
                    : HexDecodeExact(l.substr(space + 1), sizeof(ledger::Hash), "leaf hash");
    if (!index || !hash) {
      problems.Add(where + "want \"INDEX LEAFHASHHEX\"");
      continue;
    }
    ++checked;
    if (*index >= covered) {
      problems.Add(where + "entry " + std::to_string(*index) +
                   " is not covered by the latest checkpoint (size " + std::to_string(covered) +
                   ")");
      continue;
    }
    auto entry = store.Entry(*index);
    if (!entry) {
      problems.Add(where + "entry " + std::to_string(*index) + ": " + entry.error().message());
      continue;
    }
    const ledger::Hash leaf = ledger::LeafHash(*entry);
    if (!std::equal(leaf.begin(), leaf.end(), hash->begin(), hash->end())) {
      problems.Add(where + "entry " + std::to_string(*index) + " has leaf hash " + HexEncode(leaf) +
                   ", not the acknowledged " + HexEncode(*hash));
    }
  }
}

}  // namespace

Result<LedgerCheckReport> CheckLedger(const std::string& dir, const std::string& expect_path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Fail(ErrorCode::kNotFound, dir + ": no such directory");
  }
  IOTSEC_TRY(genesis_bytes, ReadFile(dir + "/" + kGenesisFile, size_t{16} << 20));
  IOTSEC_TRY(genesis,
             ledger::GenesisConfig::FromJson(std::string_view(
                 reinterpret_cast<const char*>(genesis_bytes.data()), genesis_bytes.size())));
  Problems problems;
  LedgerCheckReport report;
  auto opened = ledger::LogStore::Open(dir);
  if (!opened) {
    if (opened.error().code() != ErrorCode::kDataLoss) {
      return Unexpected(opened.error());
    }
    problems.Add("store: " + opened.error().message());
  } else {
    ledger::LogStore& store = **opened;
    ledger::FsckReport fsck;
    Status st = store.Fsck(false, &fsck);
    if (!st) {
      if (st.error().code() != ErrorCode::kDataLoss) {
        return Unexpected(st.error());
      }
      problems.Add("store: " + st.error().message());
    }
    report.entries = fsck.entries_checked;
    report.tiles = fsck.tiles_checked;
    report.checkpoint_size = CheckCheckpoint(store, genesis, problems);
    IOTSEC_TRY(size, store.Size());
    CheckReplay(store, genesis, size, problems);
    if (!expect_path.empty()) {
      CheckExpect(store, expect_path, report.checkpoint_size, problems, report.expected_checked);
    }
  }
  report.problem_count = problems.count;
  report.problems = std::move(problems.list);
  return report;
}

}  // namespace iotsec::server
