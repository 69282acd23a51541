// Copyright iotsec authors.
// iotsec ledger fsck --data DIR [--expect ACKFILE]: checks a ledger node's data directory
// offline. Exit 0: consistent; 1: problems found (listed); 2: usage or I/O error.
//
// Checks, in order: the store opens and LogStore::Fsck finds every tile consistent with the
// entries; the latest checkpoint is signed by the genesis checkpoint key for the genesis origin
// and commits to the root of the first checkpoint.size entries; every entry replays (parses,
// validates and applies in log order against the genesis state); with --expect, every line
// "INDEX LEAFHASHHEX" of ACKFILE (what a client was acknowledged) names an entry covered by the
// checkpoint whose leaf hash is LEAFHASHHEX. Nothing is written. Library code:
// include/iotsec/server/ledger_check.h.
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "iotsec/server/ledger_check.h"

namespace iotsec::cli {
namespace {

struct FsckArgs {
  std::string data;
  std::string expect;
};

Outcome Fsck(const FsckArgs& a) {
  auto r = server::CheckLedger(a.data, a.expect);
  if (!r) {
    return FromError(r.error(), false);
  }
  Outcome o;
  o.json = {{"entries", r->entries},
            {"tiles", r->tiles},
            {"checkpoint_size", r->checkpoint_size},
            {"expected_checked", r->expected_checked},
            {"problems", r->problems},
            {"problem_count", r->problem_count}};
  if (r->ok()) {
    o.line =
        "ledger ok: " + std::to_string(r->entries) + " entries, " + std::to_string(r->tiles) +
        " tiles, checkpoint size " + std::to_string(r->checkpoint_size) +
        (a.expect.empty() ? "" : ", " + std::to_string(r->expected_checked) + " acked entries");
    return o;
  }
  o.exit = kExitCheckFailed;
  o.line = std::to_string(r->problem_count) + " problem(s) found:";
  for (const std::string& p : r->problems) {
    o.line += "\n  " + p;
  }
  o.json["ok"] = false;
  return o;
}

}  // namespace

void AddLedgerAdminCommands(CLI::App* ledger, std::vector<Command>& out) {
  auto args = std::make_shared<FsckArgs>();
  CLI::App* cmd = ledger->add_subcommand(
      "fsck",
      "Check a ledger node's data directory offline: tiles, checkpoint, replay, and "
      "optionally acknowledged entries (exit 0 ok, 1 problems, 2 usage)");
  cmd->add_option("--data", args->data, "the node's data directory")->required();
  cmd->add_option("--expect", args->expect,
                  "a file of lines \"INDEX LEAFHASHHEX\" that must all be in the log");
  out.push_back({cmd, [args] { return Fsck(*args); }});
}

}  // namespace iotsec::cli
