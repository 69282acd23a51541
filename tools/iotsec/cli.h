// Copyright iotsec authors.
// Shared pieces of the iotsec command line: exit codes, identity options, outputs.
// The command-line contract is documented in doc/cli.md.
#ifndef IOTSEC_TOOLS_IOTSEC_CLI_H_
#define IOTSEC_TOOLS_IOTSEC_CLI_H_

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ibc/identity.h"

namespace iotsec::cli {

// Exit statuses (doc/cli.md): 0 success; 1 well-formed input failed its check; 2 other errors.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitError = 2;

// Outcome is what a command reports: its exit status, one human line (stderr for failures,
// stdout otherwise) and, for --json, one object on stdout.
struct Outcome {
  int exit = kExitOk;
  std::string line;
  nlohmann::json json = nlohmann::json::object();
};

// FromError makes the outcome of a failed command: exit 1 for a failed check (|check_codes|),
// exit 2 otherwise.
Outcome FromError(const Error& e, bool is_check_failure);

// IdentityOption adds --id TEXT and --id-hex HEX to |cmd|.
struct IdentityOption {
  std::string text;
  std::string hex;
  CLI::Option* text_opt = nullptr;
  CLI::Option* hex_opt = nullptr;
  void Add(CLI::App* cmd);
  // Get returns the identity's octets: exactly one of the two options must be given.
  Result<Bytes> Get() const;
};

// PeriodOption adds --at YYYY-MM (the month to check key periods against; default: now).
struct PeriodOption {
  std::string text;
  void Add(CLI::App* cmd);
  Result<ibc::KeyPeriod> Get() const;
};

}  // namespace iotsec::cli

#endif  // IOTSEC_TOOLS_IOTSEC_CLI_H_
