// Copyright iotsec authors.
// CheckLedger: the offline consistency check of a ledger node's data directory behind
// `iotsec ledger fsck` (doc/api.md). Nothing is written.
#ifndef IOTSEC_SERVER_LEDGER_CHECK_H_
#define IOTSEC_SERVER_LEDGER_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iotsec/common/result.h"

namespace iotsec::server {

// kMaxListedProblems bounds LedgerCheckReport::problems (problem_count stays exact).
inline constexpr size_t kMaxListedProblems = 20;

// LedgerCheckReport says what CheckLedger looked at and what it found.
struct LedgerCheckReport {
  uint64_t entries = 0;           // entries whose tiles were recomputed
  uint64_t tiles = 0;             // stored tiles compared
  uint64_t checkpoint_size = 0;   // size of the latest valid checkpoint (0 if none)
  uint64_t expected_checked = 0;  // lines of the --expect file checked
  uint64_t problem_count = 0;
  std::vector<std::string> problems;  // the first kMaxListedProblems, one line each

  // ok returns whether no problem was found.
  bool ok() const { return problem_count == 0; }
};

// CheckLedger checks the data directory |dir| of a stopped node: every stored tile matches the
// entries (LogStore::Fsck without repair); the latest checkpoint is signed by the genesis
// checkpoint key for the genesis origin and commits to the root of its first size entries;
// every entry replays (parses, validates and applies in log order from the genesis state);
// and, when |expect_path| is not empty, every non-empty line "INDEX LEAFHASHHEX" of that file
// names an entry covered by the checkpoint whose leaf hash is LEAFHASHHEX. Problems go into the
// report. Fails (no report) with kNotFound when |dir| or its genesis is missing,
// kInvalidArgument for a malformed genesis, kUnavailable when the store is open elsewhere or
// cannot be read.
Result<LedgerCheckReport> CheckLedger(const std::string& dir, const std::string& expect_path = "");

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_LEDGER_CHECK_H_
