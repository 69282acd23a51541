// Copyright iotsec authors.
// The onboarding roles of `iotsec serve` (doc/protocol/onboarding.md §3): loading each hosted
// MNO's and SP's keys from its directory, checking them against what the organization published
// on the ledger, and starting server::OnboardPlatform.
//
// A service directory (--service ROLE:ORG:DIR) holds:
//   kms.secret, kms.pub   the organization's KMS (`iotsec kms init --out DIR`)
//   onboard.key           its X25519 onboarding key, 32 raw octets, mode 0600 (created by
//                         `iotsec ledger publish-kms --onboarding-key DIR/onboard.key`)
//   credential.key        SP only: the key its service credentials derive from, 32 raw octets,
//                         mode 0600 (created here on first use)
//   issuance.db           its issuance log (server::SqliteIssuanceLog, created on first use)
// The node's data directory holds discovery.key, the discovery service's X25519 key (created on
// first use); devices are manufactured with its public half.
#include "serve_onboard.h"

#include <sys/stat.h>

#include <string>
#include <utility>

#include "iotsec/common/file.h"
#include "iotsec/crypto/random.h"
#include "iotsec/onboard/seal.h"
#include "iotsec/ledger/names.h"
#include "iotsec/server/onboard_directory.h"

namespace iotsec::cli {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// LoadOrCreateSecret returns the 32-octet secret in |path|, creating it (mode 0600) if missing.
Result<crypto::SecretBytes> LoadOrCreateSecret(const std::string& path) {
  crypto::SecretBytes key(32);
  if (!Exists(path)) {
    IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(std::span<uint8_t>(key.data(), key.size())));
    IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(path, key.span(), 0600));
    return key;
  }
  crypto::SecretBytes read;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(path, read, 32));
  if (read.size() != 32) {
    return Fail(ErrorCode::kInvalidArgument, path + ": want a 32-octet key, got " +
                                                 std::to_string(read.size()) + " octets");
  }
  return read;
}

}  // namespace

Result<ServiceSpec> ParseServiceSpec(std::string_view spec) {
  const size_t a = spec.find(':');
  const size_t b = a == std::string_view::npos ? a : spec.find(':', a + 1);
  if (b == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "--service: want ROLE:ORG:DIR (ROLE mno or sp), got \"" + std::string(spec) + "\"");
  }
  ServiceSpec s;
  const std::string_view role = spec.substr(0, a);
  if (role == "mno") {
    s.role = onboard::ServiceRole::kMno;
  } else if (role == "sp") {
    s.role = onboard::ServiceRole::kSp;
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "--service: the role must be mno or sp, not \"" + std::string(role) + "\"");
  }
  s.org_id = std::string(spec.substr(a + 1, b - a - 1));
  IOTSEC_RETURN_IF_ERROR(ledger::CheckOrgId(s.org_id));
  s.dir = std::string(spec.substr(b + 1));
  if (s.dir.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--service " + std::string(spec) + ": no DIR");
  }
  return s;
}

Result<OnboardRoles> StartOnboardRoles(server::LedgerNode& node, const OnboardArgs& args) {
  OnboardRoles roles;
  bool created = false;
  IOTSEC_TRY(discovery, onboard::LoadOrCreateOnboardingKey(
                            DiscoveryKeyPath(args.data_dir), &created));
  roles.discovery_key = discovery.PublicKey();
  server::OnboardPlatformOptions o;
  o.host = args.host;
  o.coap_port = args.coap_port;
  o.dtls_port = args.dtls_port;
  o.threads = args.threads;
  o.discovery_key = std::make_shared<const crypto::X25519PrivateKey>(std::move(discovery));
  for (const ServiceSpec& spec : args.services) {
    const std::string where = "--service " + spec.org_id + ": ";
    auto fail = [&](const Error& e) { return Fail(e.code(), where + e.message()); };
    auto kms = kms::Kms::Open(spec.dir);
    if (!kms) {
      return fail(kms.error());
    }
    const std::string key_path = spec.dir + "/onboard.key";
    if (!Exists(key_path)) {
      return Fail(ErrorCode::kFailedPrecondition,
                  where + key_path + " does not exist: publish the KMS parameters with "
                          "`iotsec ledger publish-kms --onboarding-key " + key_path + "` first");
    }
    auto onboarding = onboard::LoadOrCreateOnboardingKey(key_path);
    if (!onboarding) {
      return fail(onboarding.error());
    }
    // What devices will be told must be what this service holds.
    auto org = node.Org(spec.org_id);
    if (!org) {
      return fail(org.error());
    }
    auto published = server::KmsRecordFor(*org, o.period);
    if (!published) {
      return fail(published.error());
    }
    if (published->onboarding_key != onboarding->PublicKey() ||
        published->kpak != kms->public_params().kpak) {
      return Fail(ErrorCode::kFailedPrecondition,
                  where + "the KMS parameters on the ledger for " + o.period.ToString() +
                      " are not those of " + spec.dir + " (publish them again)");
    }
    server::HostedService h;
    h.role = spec.role;
    h.org_id = spec.org_id;
    h.kms = std::make_shared<const kms::Kms>(std::move(*kms));
    h.onboarding_key = std::make_shared<const crypto::X25519PrivateKey>(std::move(*onboarding));
    if (spec.role == onboard::ServiceRole::kSp) {
      auto credential = LoadOrCreateSecret(spec.dir + "/credential.key");
      if (!credential) {
        return fail(credential.error());
      }
      h.credential_key = std::make_shared<const crypto::SecretBytes>(std::move(*credential));
    }
    const std::string service_id =
        std::string(spec.role == onboard::ServiceRole::kMno ? "mno:" : "sp:") + spec.org_id;
    auto log = server::SqliteIssuanceLog::Open(spec.dir + "/issuance.db", service_id);
    if (!log) {
      return fail(log.error());
    }
    h.issuance = log->get();
    roles.logs.push_back(std::move(*log));
    o.services.push_back(std::move(h));
  }
  IOTSEC_TRY(platform, server::OnboardPlatform::Start(node, std::move(o)));
  roles.platform = std::move(platform);
  return roles;
}

std::string DiscoveryKeyPath(const std::string& data_dir) {
  return data_dir + "/discovery.key";
}

}  // namespace iotsec::cli
