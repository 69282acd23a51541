// Copyright iotsec authors.
// iotsec: the one binary of the platform. main only parses arguments and dispatches; the work is
// done by library code. The contract is documented in doc/cli.md.
#include <cstdio>
#include <exception>
#include <iostream>
#include <vector>

#include "commands.h"

namespace {

constexpr char kFooter[] = R"(
Exit status: 0 success; 1 well-formed input failed its check (ibc verify: the signature is
invalid; ibc decapsulate: the data does not authenticate; ledger verify-*: the proof does not
verify); 2 any other error, with one line on stderr.
A failed command leaves no output file behind. With --json, one JSON object goes to stdout.
Run `iotsec COMMAND --help` for a command's options; doc/cli.md has the whole contract.)";

void SetFallthrough(CLI::App* app) {
  app->fallthrough();
  for (CLI::App* sub : app->get_subcommands({})) {
    SetFallthrough(sub);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using iotsec::cli::Outcome;
  CLI::App app("iotsec: the IoT security platform of ITU-T Q6/17 (X.1365 identity-based "
               "cryptography and key management; the X.ztd-iot identity ledger)",
               "iotsec");
  app.footer(kFooter);
  bool json = false;
  app.add_flag("--json", json, "print one JSON object on stdout instead of text");
  app.require_subcommand(1);
  std::vector<iotsec::cli::Command> commands;
  iotsec::cli::AddKmsCommands(app, commands);
  iotsec::cli::AddIbcCommands(app, commands);
  CLI::App* ledger = app.add_subcommand(
      "ledger", "The verifiable identity ledger: Merkle proofs (RFC 9162) and checkpoints");
  ledger->require_subcommand(1);
  iotsec::cli::AddLedgerProofCommands(ledger, commands);
  iotsec::cli::AddLedgerAdminCommands(ledger, commands);
  iotsec::cli::AddLedgerRecordCommands(ledger, commands);
  iotsec::cli::AddLedgerLoadCommands(ledger, commands);
  iotsec::cli::AddServeCommand(app, commands);
  iotsec::cli::AddOnboardCommands(app, commands);
  SetFallthrough(&app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "iotsec: %s (see --help)\n", e.what());
    return iotsec::cli::kExitError;
  }

  for (const auto& c : commands) {
    if (!c.app->parsed()) {
      continue;
    }
    Outcome o;
    try {
      o = c.run();
    } catch (const std::exception& e) {  // library exceptions stop here (STYLE.md rule 11)
      o.exit = iotsec::cli::kExitError;
      o.line = std::string("internal error: ") + e.what();
      o.json = {{"ok", false}, {"error", "internal"}, {"message", o.line}};
    }
    if (json) {
      if (!o.json.contains("ok")) {
        o.json["ok"] = o.exit == iotsec::cli::kExitOk;
      }
      std::cout << o.json.dump() << std::endl;
    } else if (o.exit == iotsec::cli::kExitOk) {
      std::cout << o.line << std::endl;
    }
    if (o.exit != iotsec::cli::kExitOk) {
      std::fprintf(stderr, "iotsec: %s\n", o.line.c_str());
    }
    return o.exit;
  }
  std::fprintf(stderr, "iotsec: no command given (see --help)\n");
  return iotsec::cli::kExitError;
}
