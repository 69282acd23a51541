// Copyright iotsec authors.
// The subcommands of iotsec, each registered on the CLI11 tree with the function that runs it.
#ifndef IOTSEC_TOOLS_IOTSEC_COMMANDS_H_
#define IOTSEC_TOOLS_IOTSEC_COMMANDS_H_

#include <functional>
#include <vector>

#include "cli.h"

namespace iotsec::cli {

struct Command {
  CLI::App* app;
  std::function<Outcome()> run;
};

// AddKmsCommands adds `kms init`, `kms issue`, `kms revoke`.
void AddKmsCommands(CLI::App& root, std::vector<Command>& out);
// AddIbcCommands adds `ibc sign`, `ibc verify`, `ibc encapsulate`, `ibc decapsulate`,
// `ibc bench`.
void AddIbcCommands(CLI::App& root, std::vector<Command>& out);

// AddLedgerProofCommands adds `ledger verify-inclusion`, `ledger verify-consistency` and
// `ledger proof` under |ledger|.
void AddLedgerProofCommands(CLI::App* ledger, std::vector<Command>& out);

// AddLedgerAdminCommands adds `ledger fsck --data DIR [--expect ACKFILE]` under |ledger|.
void AddLedgerAdminCommands(CLI::App* ledger, std::vector<Command>& out);

// AddLedgerRecordCommands adds `ledger keygen`, `admit`, `birth`, `transfer`, `bind`, `revoke`
// and `device` under |ledger| (cmd_ledger_records.cc).
void AddLedgerRecordCommands(CLI::App* ledger, std::vector<Command>& out);

// AddLedgerLoadCommands adds `ledger load` (cmd_ledger_load.cc) and `ledger bench`
// (ledger_bench.cc) under |ledger|.
void AddLedgerLoadCommands(CLI::App* ledger, std::vector<Command>& out);

// RunLedgerBench measures a ledger node of |records| devices in this process (ledger_bench.cc);
// with |progress|, one line per phase on stderr.
Outcome RunLedgerBench(uint64_t records, bool progress);

// AddOnboardCommands adds `fleet onboard` and `demo` (cmd_onboard.cc): zero-touch onboarding
// of a fleet in this process on loopback, measured, and the demo scenario with its attacks.
void AddOnboardCommands(CLI::App& root, std::vector<Command>& out);

// AddServeCommand adds `serve --data DIR [--listen HOST:PORT]`.
void AddServeCommand(CLI::App& root, std::vector<Command>& out);

// RunIbcBench measures the IBC operations and OpenSSL ECDSA in this process (ibc_bench.cc).
Outcome RunIbcBench(int iterations_scale);

}  // namespace iotsec::cli

#endif  // IOTSEC_TOOLS_IOTSEC_COMMANDS_H_
