// Copyright iotsec authors.
// The HTTP API of a ledger node (doc/api.md) on cpp-httplib.
#include "iotsec/server/http_api.h"

#include <sys/socket.h>

#include <httplib.h>

#include <chrono>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>

#include "iotsec/common/bytes.h"
#include "iotsec/ledger/attachments.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/state.h"
#include "iotsec/server/tlog_path.h"

namespace iotsec::server {
namespace {

constexpr char kJson[] = "application/json";
// kMaxPathBytes bounds a request path we look at.
constexpr size_t kMaxPathBytes = 1024;

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void SendError(httplib::Response& res, int status, std::string_view code,
               const std::string& message) {
  res.status = status;
  res.set_content(Dump({{"error", code}, {"message", message}}), kJson);
}

void SendError(httplib::Response& res, const Error& e) {
  SendError(res, HttpStatusFor(e.code()), ErrorCodeName(e.code()), e.message());
}

std::string Hex(const ledger::Hash& h) { return HexEncode(h); }

// Guard runs |handler| and turns any exception into a 500 JSON error (STYLE.md rule 11).
template <typename F>
httplib::Server::Handler Guard(F handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const std::exception& e) {
      SendError(res, 500, "internal", std::string("internal error: ") + e.what());
    } catch (...) {
      SendError(res, 500, "internal", "internal error");
    }
  };
}

void HandleSubmit(LedgerNode& node, const httplib::Request& req, httplib::Response& res) {
  if (req.body.empty()) {
    SendError(res, 400, "invalid_argument", "empty body: send the record's octets");
    return;
  }
  Bytes record(req.body.begin(), req.body.end());
  auto r = node.Submit(std::move(record));
  if (!r) {
    SendError(res, r.error());
    return;
  }
  res.set_content(Dump({{"index", r->index}, {"leaf_hash", Hex(r->leaf_hash)}}), kJson);
}

void HandleCheckpoint(LedgerNode& node, httplib::Response& res) {
  auto cp = node.LatestCheckpoint();
  if (!cp) {
    SendError(res, cp.error());
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(cp->text.begin(), cp->text.end()), "text/plain; charset=utf-8");
}

// EntryBundle encodes entries as this ledger's entry bundle: each entry prefixed by its length
// as a big-endian uint24. c2sp.org/tlog-tiles lets an application define its own bundle format
// (static-ct-api does the same for certificates); the default uint16 prefix could not carry a
// birth batch of thousands of devices. Every record fits: ParseRecord refuses records over
// ledger::kMaxRecordSize = 2^24 - 1 octets.
std::string EntryBundle(const std::vector<Bytes>& entries) {
  static_assert(ledger::kMaxRecordSize <= 0xffffff);
  size_t total = 0;
  for (const Bytes& e : entries) {
    total += 3 + e.size();
  }
  std::string out;
  out.reserve(total);
  for (const Bytes& e : entries) {
    out.push_back(static_cast<char>(e.size() >> 16));
    out.push_back(static_cast<char>((e.size() >> 8) & 0xff));
    out.push_back(static_cast<char>(e.size() & 0xff));
    out.append(e.begin(), e.end());
  }
  return out;
}

void HandleTile(LedgerNode& node, const httplib::Request& req, httplib::Response& res) {
  if (req.path.size() > kMaxPathBytes) {
    SendError(res, 400, "invalid_argument", "path too long");
    return;
  }
  auto path = ParseTilePath(std::string_view(req.path).substr(1));
  if (!path) {
    SendError(res, 404, "not_found", path.error().message());
    return;
  }
  std::string body;
  if (path->entries) {
    // Served only while the committed tree has all of them (Entries fails with kNotFound).
    if (path->index > (UINT64_MAX - path->width) / kTileWidth) {
      SendError(res, 404, "not_found", "no such entry bundle");
      return;
    }
    auto size = node.store().Size();
    if (!size) {
      SendError(res, size.error());
      return;
    }
    const uint64_t start = path->index * kTileWidth;
    if (start + path->width > *size) {
      SendError(res, 404, "not_found",
                "the log does not have entries " + std::to_string(start) + ".." +
                    std::to_string(start + path->width - 1));
      return;
    }
    auto entries = node.store().Entries(start, path->width);
    if (!entries) {
      SendError(res, entries.error());
      return;
    }
    body = EntryBundle(*entries);
  } else {
    if (path->level > 7) {
      SendError(res, 404, "not_found", "no tile at level " + std::to_string(path->level));
      return;
    }
    auto tile = node.store().Tile(path->level, path->index, path->width);
    if (!tile) {
      const ErrorCode code = tile.error().code();
      if (code == ErrorCode::kInvalidArgument || code == ErrorCode::kNotFound) {
        SendError(res, 404, "not_found", tile.error().message());
      } else {
        SendError(res, tile.error());
      }
      return;
    }
    body.assign(tile->begin(), tile->end());
  }
  // Tiles and bundles never change once served (tlog-tiles): cache them for long.
  res.set_header("Cache-Control", "public, max-age=31536000, immutable");
  res.set_content(std::move(body), "application/octet-stream");
}

// HandleAttachment answers GET /v1/ledger/attachments/<index>: the attachment of the record at
// a log index (doc/formats/ledger-records.md §4.8), which a mirror needs besides the entry to
// replay the record; 404 when the entry has none or does not exist yet.
void HandleAttachment(LedgerNode& node, const httplib::Request& req, httplib::Response& res) {
  const std::string text = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  uint64_t index = 0;
  if (text.empty() || text.size() > 19 || (text.size() > 1 && text[0] == '0') ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    SendError(res, 400, "invalid_argument", "the index must be a decimal log index");
    return;
  }
  index = std::stoull(text);
  auto size = node.store().Size();
  if (!size) {
    SendError(res, size.error());
    return;
  }
  if (index >= *size) {
    SendError(res, 404, "not_found", "the log has no entry " + text);
    return;
  }
  auto attachment = ledger::ReadAttachment(node.store(), index);
  if (!attachment) {
    SendError(res, attachment.error());
    return;
  }
  if (attachment->empty()) {
    SendError(res, 404, "not_found", "the record at index " + text + " has no attachment");
    return;
  }
  // Attachments never change once their entry is committed.
  res.set_header("Cache-Control", "public, max-age=31536000, immutable");
  res.set_content(std::string(attachment->begin(), attachment->end()),
                  "application/octet-stream");
}

void HandleDevice(LedgerNode& node, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  auto p = node.DeviceState(id);
  if (!p) {
    SendError(res, p.error());
    return;
  }
  res.set_content(ledger::DeviceStateToJson(*p), kJson);
}

nlohmann::json OptIndex(const std::optional<uint64_t>& i) {
  return i ? nlohmann::json(*i) : nlohmann::json(nullptr);
}

// KmsParamsJson lists the KMS public parameters an organization published (X.1365 public
// parameter lookup), each with the log index of its record.
nlohmann::json KmsParamsJson(const std::vector<ledger::KmsParamsView>& params) {
  nlohmann::json out = nlohmann::json::array();
  for (const ledger::KmsParamsView& k : params) {
    out.push_back({{"period", k.period.ToString()},
                   {"kpak", HexEncode(k.kpak)},
                   {"z", HexEncode(k.z)},
                   {"onboarding_key", HexEncode(k.onboarding_key)},
                   {"index", k.log_index}});
  }
  return out;
}

// HandleOrg answers GET /v1/ledger/orgs/<id>: what the ledger knows about an organization
// (doc/api.md), including the sequence number its next record must carry.
void HandleOrg(LedgerNode& node, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  if (auto st = ledger::CheckOrgId(id); !st) {
    SendError(res, st.error());
    return;
  }
  auto org = node.Org(id);
  if (!org) {
    SendError(res, org.error());
    return;
  }
  const ledger::OrgView& v = *org;
  nlohmann::json roles = nlohmann::json::array();
  for (ledger::Role r : v.roles.Roles()) {
    roles.push_back(std::string(ledger::RoleName(r)));
  }
  nlohmann::json j = {
      {"id", v.id},
      {"name", v.name},
      {"roles", roles},
      {"key", HexEncode(v.key)},
      {"admitter", v.admitter},
      {"admitted_by", v.admitted_by ? nlohmann::json(*v.admitted_by) : nlohmann::json(nullptr)},
      {"admission_index", OptIndex(v.admission_index)},
      {"revoked", v.revocation_index.has_value()},
      {"revocation_index", OptIndex(v.revocation_index)},
      {"last_seq", v.last_seq},
      {"next_seq", v.last_seq + 1},
      {"kms_params", KmsParamsJson(v.kms_params)},
  };
  res.set_content(Dump(j), kJson);
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

struct HttpServer::Impl {
  httplib::Server server;
  std::string host;
  int port = 0;
  std::thread listener;
  std::mutex stop_mu;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

std::string HttpServer::address() const { return impl_->host + ":" + std::to_string(impl_->port); }

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  impl_->server.stop();
  if (impl_->listener.joinable()) {
    impl_->listener.join();
  }
}

constexpr size_t kMaxRequestsPerConnection = 1'000'000;

Result<std::unique_ptr<HttpServer>> HttpServer::Start(LedgerNode& node,
                                                      const HttpServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  httplib::Server& s = impl->server;
  const int threads = options.threads > 0 ? options.threads : 1;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(options.max_body_bytes);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  // Answers are small: send them at once rather than waiting for the client's delayed ACK.
  s.set_tcp_nodelay(true);
  // Keep a client's connection for as long as it sends requests (closed after 5 s idle).
  // cpp-httplib's default closes it after 5 requests, and a client racing that close with its
  // next request sees the connection reset.
  s.set_keep_alive_max_count(kMaxRequestsPerConnection);
  LedgerNode* n = &node;
  s.Post("/v1/ledger/records", Guard([n](const httplib::Request& req, httplib::Response& res) {
           HandleSubmit(*n, req, res);
         }));
  s.Get("/checkpoint",
        Guard([n](const httplib::Request&, httplib::Response& res) { HandleCheckpoint(*n, res); }));
  s.Get(R"(/tile/.*)", Guard([n](const httplib::Request& req, httplib::Response& res) {
          HandleTile(*n, req, res);
        }));
  s.Get(R"(/v1/ledger/attachments/(.+))",
        Guard([n](const httplib::Request& req, httplib::Response& res) {
          HandleAttachment(*n, req, res);
        }));
  s.Get(R"(/v1/ledger/devices/(.+))",
        Guard([n](const httplib::Request& req, httplib::Response& res) {
          HandleDevice(*n, req, res);
        }));
  s.Get(R"(/v1/ledger/orgs/(.+))", Guard([n](const httplib::Request& req, httplib::Response& res) {
          HandleOrg(*n, req, res);
        }));
  // Anything that ends in an error without a body (unknown path 404, body too large 413, ...)
  // gets the JSON error shape too.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        std::string_view code = "invalid_argument";
        std::string message = "bad request";
        if (res.status == 404) {
          code = "not_found";
          message = "no such resource";
        } else if (res.status == 405) {
          message = "method not allowed";
        } else if (res.status == 413) {
          message = "request body too large";
        } else if (res.status >= 500) {
          code = "internal";
          message = "internal error";
        }
        res.set_content(Dump({{"error", code}, {"message", message}}), kJson);
        return httplib::Server::HandlerResponse::Handled;
      }));

  // cpp-httplib listens with a backlog of 5. When more clients than that connect at once, the
  // kernel drops their handshakes, retransmits a second later and may reset them mid-request;
  // so the listening socket is captured while it is created and given the system's maximum
  // backlog once bound (listen(2) again on a listening socket only changes its backlog).
  int listen_fd = -1;
  bool binding = true;
  s.set_socket_options([&listen_fd, &binding](socket_t sock) {
    httplib::default_socket_options(sock);
    if (binding) {
      listen_fd = sock;
    }
  });
  impl->host = options.host;
  if (options.port == 0) {
    impl->port = s.bind_to_any_port(options.host);
    if (impl->port <= 0) {
      return Fail(ErrorCode::kUnavailable, "cannot bind " + options.host + " to any port");
    }
  } else {
    if (!s.bind_to_port(options.host, options.port)) {
      return Fail(ErrorCode::kUnavailable,
                  "cannot bind " + options.host + ":" + std::to_string(options.port));
    }
    impl->port = options.port;
  }
  binding = false;
  if (listen_fd < 0 || ::listen(listen_fd, SOMAXCONN) != 0) {
    return Fail(ErrorCode::kUnavailable, "cannot set the listen backlog of " + options.host + ":" +
                                             std::to_string(impl->port));
  }
  httplib::Server* sp = &s;
  impl->listener = std::thread([sp] { sp->listen_after_bind(); });
  // Wait until it listens, so that a Stop right after Start cannot miss the loop.
  for (int i = 0; i < 5000 && !s.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace iotsec::server
