// Copyright iotsec authors.
// iotsec kms ...: X.1365 Annex C key management from the command line.
#include <memory>

#include "commands.h"
#include "iotsec/common/file.h"
#include "iotsec/kms/kms.h"

namespace iotsec::cli {
namespace {

struct InitArgs {
  std::string out;
};

Outcome Init(const InitArgs& a) {
  auto kms = kms::Kms::Initialize(crypto::SystemRng());
  if (!kms) {
    return FromError(kms.error(), false);
  }
  if (auto st = kms->Create(a.out); !st) {
    return FromError(st.error(), false);
  }
  Outcome o;
  o.line = "initialized a KMS in " + a.out + " (kms.secret, mode 0600; kms.pub)";
  o.json = {{"ok", true},
            {"dir", a.out},
            {"eccsi_kpak", HexEncode(kms->public_params().kpak)},
            {"sakke_z", HexEncode(kms->public_params().z)}};
  return o;
}

struct IssueArgs {
  std::string kms_dir;
  IdentityOption id;
  PeriodOption at;
  std::string out;
};

Outcome Issue(const IssueArgs& a) {
  auto id = a.id.Get();
  if (!id) {
    return FromError(id.error(), false);
  }
  auto now = a.at.Get();
  if (!now) {
    return FromError(now.error(), false);
  }
  auto kms = kms::Kms::Open(a.kms_dir);
  if (!kms) {
    return FromError(kms.error(), false);
  }
  auto key = kms->Issue(*id, *now, crypto::SystemRng());
  if (!key) {
    return FromError(key.error(), false);
  }
  crypto::SecretBytes text = kms::EncodeKeyFile(*key);
  if (auto st = WriteFileAtomic(a.out, text.span(), 0600); !st) {
    return FromError(st.error(), false);
  }
  Outcome o;
  o.line = "issued ECCSI (SSK, PVT) and SAKKE RSK for the identity into " + a.out;
  o.json = {{"ok", true}, {"id", HexEncode(*id)}, {"out", a.out},
            {"eccsi_pvt", HexEncode(key->pvt)}};
  return o;
}

struct RevokeArgs {
  std::string kms_dir;
  IdentityOption id;
};

Outcome Revoke(const RevokeArgs& a) {
  auto id = a.id.Get();
  if (!id) {
    return FromError(id.error(), false);
  }
  auto kms = kms::Kms::Open(a.kms_dir);
  if (!kms) {
    return FromError(kms.error(), false);
  }
  if (auto st = kms->Revoke(a.kms_dir, *id); !st) {
    return FromError(st.error(), false);
  }
  Outcome o;
  o.line = "revoked the identity; " + std::to_string(kms->revocations().size()) +
           " revoked in " + a.kms_dir + "/" + kms::kRevocationsFile;
  o.json = {{"ok", true}, {"id", HexEncode(*id)}, {"revoked", kms->revocations().size()}};
  return o;
}

}  // namespace

void AddKmsCommands(CLI::App& root, std::vector<Command>& out) {
  CLI::App* kms = root.add_subcommand(
      "kms", "Key Management Service for identity-based cryptography (X.1365 Annex C)");
  kms->require_subcommand(1);

  auto init_args = std::make_shared<InitArgs>();
  CLI::App* init = kms->add_subcommand(
      "init", "System initialization: new master secrets (KSAK, z) and public parameters "
              "(KPAK, Z); writes DIR/kms.secret (mode 0600) and DIR/kms.pub");
  init->add_option("--out", init_args->out, "KMS directory to create")->required();
  out.push_back({init, [init_args] { return Init(*init_args); }});

  auto issue_args = std::make_shared<IssueArgs>();
  CLI::App* issue = kms->add_subcommand(
      "issue", "Identity and key provisioning: ECCSI SSK/PVT and SAKKE RSK for an identity "
               "YYYY-MM|uri, written to KEYFILE (mode 0600)");
  issue->add_option("--kms", issue_args->kms_dir, "KMS directory")->required();
  issue_args->id.Add(issue);
  issue_args->at.Add(issue);
  issue->add_option("--out", issue_args->out, "key file to write")->required();
  out.push_back({issue, [issue_args] { return Issue(*issue_args); }});

  auto revoke_args = std::make_shared<RevokeArgs>();
  CLI::App* revoke = kms->add_subcommand(
      "revoke", "Identity revocation before the end of its key period: adds the identity to "
                "DIR/revocations; the KMS no longer issues keys for it");
  revoke->add_option("--kms", revoke_args->kms_dir, "KMS directory")->required();
  revoke_args->id.Add(revoke);
  out.push_back({revoke, [revoke_args] { return Revoke(*revoke_args); }});
}

}  // namespace iotsec::cli
