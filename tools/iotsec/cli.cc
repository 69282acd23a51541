// Copyright iotsec authors.
#include "cli.h"

#include "iotsec/kms/files.h"

namespace iotsec::cli {

Outcome FromError(const Error& e, bool is_check_failure) {
  Outcome o;
  o.exit = is_check_failure ? kExitCheckFailed : kExitError;
  o.line = e.message();
  o.json = {{"ok", false}, {"error", std::string(ErrorCodeName(e.code()))},
            {"message", e.message()}};
  return o;
}

void IdentityOption::Add(CLI::App* cmd) {
  text_opt = cmd->add_option("--id", text, "identity as text (its UTF-8 octets as given)");
  hex_opt = cmd->add_option("--id-hex", hex, "identity as hex (any octets)");
}

Result<Bytes> IdentityOption::Get() const {
  bool has_text = text_opt->count() > 0;
  bool has_hex = hex_opt->count() > 0;
  if (has_text == has_hex) {
    return Fail(ErrorCode::kInvalidArgument, "give exactly one of --id and --id-hex");
  }
  Bytes id;
  if (has_text) {
    id = ToBytes(AsBytes(text));
  } else {
    auto d = HexDecode(hex);
    if (!d) {
      return Fail(ErrorCode::kInvalidArgument, "--id-hex: " + d.error().message());
    }
    id = std::move(*d);
  }
  if (id.empty() || id.size() > kms::kMaxIdentitySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "the identity must be 1 to " + std::to_string(kms::kMaxIdentitySize) +
                    " octets, got " + std::to_string(id.size()));
  }
  return id;
}

void PeriodOption::Add(CLI::App* cmd) {
  cmd->add_option("--at", text,
                  "month YYYY-MM against which key periods are checked (default: this month, UTC)");
}

Result<ibc::KeyPeriod> PeriodOption::Get() const {
  if (text.empty()) {
    return ibc::CurrentKeyPeriod();
  }
  auto p = ibc::ParseKeyPeriod(text);
  if (!p) {
    return Fail(ErrorCode::kInvalidArgument, "--at: " + p.error().message());
  }
  return p;
}

}  // namespace iotsec::cli
