// Copyright iotsec authors.
// iotsec serve --data DIR [--listen HOST:PORT] [--coap HOST:PORT --service ROLE:ORG:DIR ...]:
// runs a ledger node (library code in include/iotsec/server/) with its HTTP API (doc/api.md)
// and, with --coap, the onboarding roles (discovery, the hosted MNOs' and SPs' provisioning,
// their DTLS data endpoint; serve_onboard.cc) until SIGINT or SIGTERM.
// Exit 0 after a clean stop; 2 when the node cannot start.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "serve_onboard.h"
#include "iotsec/server/http_api.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::cli {
namespace {

constexpr char kDefaultListen[] = "127.0.0.1:8480";

// ParseListen splits "HOST:PORT" ("[::1]:PORT" for IPv6) into host and port 0..65535.
Status ParseListen(std::string_view listen, server::HttpServerOptions& o) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size() ||
      listen.size() - colon - 1 > 5) {
    return Fail(ErrorCode::kInvalidArgument,
                "--listen: want HOST:PORT, got \"" + std::string(listen) + "\"");
  }
  std::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return Fail(ErrorCode::kInvalidArgument, "--listen: the port must be a decimal number");
    }
    port = port * 10 + (c - '0');
  }
  if (port > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "--listen: the port must be 0..65535");
  }
  o.host = std::string(host);
  o.port = port;
  return Ok();
}

struct ServeArgs {
  std::string data;
  std::string listen = kDefaultListen;
  std::string coap;  // empty: no onboarding roles
  int dtls_port = 5684;
  int coap_threads = 1;
  std::vector<std::string> services;
  bool json = false;  // the root --json flag
};

Outcome Serve(const ServeArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    server::HttpServerOptions http;
    IOTSEC_RETURN_IF_ERROR(ParseListen(a.listen, http));
    // Block SIGINT and SIGTERM before any thread starts, so that every thread inherits the
    // mask and this thread alone takes them with sigwait.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    struct RestoreMask {
      sigset_t mask;
      ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
    } restore{old_mask};

    const std::string genesis = a.data + "/" + server::kGenesisFile;
    const std::string node_key = a.data + "/" + server::kNodeKeyFile;
    std::error_code ec;
    const bool created = !std::filesystem::exists(genesis, ec);
    // Open takes the directory lock, then creates the default genesis if there is none.
    IOTSEC_TRY(node, server::LedgerNode::Open(a.data));
    IOTSEC_TRY(httpd, server::HttpServer::Start(*node, http));
    OnboardRoles roles;
    nlohmann::json onboarding = nullptr;
    if (!a.coap.empty()) {
      server::HttpServerOptions where;
      IOTSEC_RETURN_IF_ERROR(ParseListen(a.coap, where));
      OnboardArgs o;
      o.data_dir = a.data;
      o.host = where.host;
      o.coap_port = where.port;
      o.dtls_port = a.dtls_port;
      o.threads = a.coap_threads;
      for (const std::string& spec : a.services) {
        IOTSEC_TRY(s, ParseServiceSpec(spec));
        o.services.push_back(std::move(s));
      }
      IOTSEC_TRY(started, StartOnboardRoles(*node, o));
      roles = std::move(started);
      onboarding = {{"coap", where.host + ":" + std::to_string(roles.platform->coap_port())},
                    {"dtls_port", roles.platform->dtls_port()},
                    {"discovery_key", HexEncode(roles.discovery_key)},
                    {"services", a.services}};
    } else if (!a.services.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "--service needs --coap HOST:PORT");
    }
    if (a.json) {
      // With --json, one JSON object per line: this one when the node is up (so that a script
      // learns the port of --listen HOST:0), the closing object when it stops.
      const nlohmann::json up = {{"event", "listening"},
                                 {"url", "http://" + httpd->address()},
                                 {"origin", node->origin()},
                                 {"genesis", genesis},
                                 {"genesis_created", created},
                                 {"node_key", node_key},
                                 {"root_org", server::kDefaultRootOrg},
                                 {"verifier_key", node->verifier().VerifierKey()},
                                 {"onboarding", onboarding}};
      std::printf("%s\n", up.dump().c_str());
    } else {
      std::printf("iotsec serve: ledger %s listening on http://%s\n", node->origin().c_str(),
                  httpd->address().c_str());
      std::printf("genesis: %s%s\n", genesis.c_str(),
                  created ? " (created: default all-in-one ledger)" : "");
      std::printf("node key: %s (checkpoint signer and root admitter \"%s\"; keep it secret)\n",
                  node_key.c_str(), server::kDefaultRootOrg);
      std::printf("checkpoint verifier key: %s\n", node->verifier().VerifierKey().c_str());
      if (roles.platform) {
        std::printf("onboarding: CoAP on %s, DTLS data on port %d, %zu service(s)\n",
                    onboarding["coap"].get<std::string>().c_str(), roles.platform->dtls_port(),
                    a.services.size());
        std::printf("discovery key: %s\n", HexEncode(roles.discovery_key).c_str());
      }
    }
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    roles.platform.reset();
    httpd->Stop();
    httpd.reset();
    node.reset();
    Outcome o;
    o.line = std::string("iotsec serve: stopped on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM");
    o.json = {{"event", "stopped"}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}};
    return o;
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

}  // namespace

void AddServeCommand(CLI::App& root, std::vector<Command>& out) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = root.add_subcommand(
      "serve",
      "Run a ledger node with its HTTP API (doc/api.md) until SIGINT or SIGTERM; "
      "the first run in DIR creates a default genesis and node key");
  cmd->add_option("--data", args->data, "the node's data directory")->required();
  cmd->add_option("--listen", args->listen, "HOST:PORT to listen on")->default_str(kDefaultListen);
  cmd->add_option("--coap", args->coap,
                  "HOST:PORT of the onboarding roles over CoAP (discovery, provisioning; "
                  "doc/protocol/onboarding.md); without it, the ledger alone");
  cmd->add_option("--dtls-port", args->dtls_port, "UDP port of the SPs' DTLS data endpoint")
      ->default_val(5684)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--coap-threads", args->coap_threads, "io threads of the CoAP server")
      ->default_val(1)
      ->check(CLI::Range(1, 64));
  cmd->add_option("--service", args->services,
                  "host the provisioning service of an MNO or SP: ROLE:ORG:DIR with ROLE mno or "
                  "sp and DIR its keys (kms init output, onboard.key); repeatable");
  CLI::Option* json = root.get_option("--json");
  out.push_back({cmd, [args, json] {
                   args->json = json->as<bool>();
                   return Serve(*args);
                 }});
}

}  // namespace iotsec::cli
