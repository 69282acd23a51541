// Copyright iotsec authors.
// The onboarding roles of `iotsec serve` (serve_onboard.cc says what each directory holds).
#ifndef IOTSEC_TOOLS_IOTSEC_SERVE_ONBOARD_H_
#define IOTSEC_TOOLS_IOTSEC_SERVE_ONBOARD_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/result.h"
#include "iotsec/onboard/seal.h"
#include "iotsec/server/issuance_log.h"
#include "iotsec/server/ledger_node.h"
#include "iotsec/server/onboard_platform.h"

namespace iotsec::cli {

// ServiceSpec is one --service ROLE:ORG:DIR.
struct ServiceSpec {
  onboard::ServiceRole role = onboard::ServiceRole::kMno;
  std::string org_id;
  std::string dir;
};

// ParseServiceSpec parses ROLE:ORG:DIR; kInvalidArgument naming the problem otherwise.
Result<ServiceSpec> ParseServiceSpec(std::string_view spec);

// OnboardArgs configure the roles.
struct OnboardArgs {
  std::string data_dir;  // the node's data directory (holds discovery.key)
  std::string host = "127.0.0.1";
  int coap_port = 5683;
  int dtls_port = 5684;
  int threads = 1;
  std::vector<ServiceSpec> services;
};

// OnboardRoles are the running roles; destroy |platform| before |logs|.
struct OnboardRoles {
  onboard::X25519Public discovery_key{};
  std::vector<std::unique_ptr<server::SqliteIssuanceLog>> logs;
  std::unique_ptr<server::OnboardPlatform> platform;
};

// StartOnboardRoles loads the services' keys, checks them against their KMS records on the
// ledger for the current key period (kFailedPrecondition if they were not published or differ)
// and starts the platform.
Result<OnboardRoles> StartOnboardRoles(server::LedgerNode& node, const OnboardArgs& args);

// DiscoveryKeyPath returns the discovery key file of a node's data directory.
std::string DiscoveryKeyPath(const std::string& data_dir);

}  // namespace iotsec::cli

#endif  // IOTSEC_TOOLS_IOTSEC_SERVE_ONBOARD_H_
