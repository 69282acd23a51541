// Copyright iotsec authors.
// The ledger node's HTTP API on cpp-httplib (ARCHITECTURE.md §6): record submission, device
// state with proofs, and the C2SP tlog-tiles read API (checkpoint, tiles, entry bundles).
// Every endpoint, request, response and error is documented in doc/api.md.
#ifndef IOTSEC_SERVER_HTTP_API_H_
#define IOTSEC_SERVER_HTTP_API_H_

#include <memory>
#include <string>

#include "iotsec/common/error.h"
#include "iotsec/common/result.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::server {

// HttpStatusFor returns the HTTP status that a refusal with |code| gets: 400 invalid_argument,
// 401 unauthenticated, 403 permission_denied, 404 not_found, 409 failed_precondition and
// already_exists, 503 unavailable, 500 otherwise.
int HttpStatusFor(ErrorCode code);

// HttpServerOptions configure an HttpServer.
struct HttpServerOptions {
  std::string host = "127.0.0.1";
  // port 0 binds an ephemeral port (see HttpServer::port).
  int port = 8480;
  // max_body_bytes bounds a request body (413 beyond).
  size_t max_body_bytes = kMaxRecordBytes;
  // threads is the number of worker threads. A submission holds its thread until its record
  // is durable, and the records waiting together share one commit (one fsync): the more
  // threads, the larger the group commits when many clients submit at once.
  int threads = 64;
};

// HttpServer serves |node| over HTTP on its own listener thread.
class HttpServer {
 public:
  // Start binds host:port and starts serving |node|, which must outlive the server. Fails with
  // kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(LedgerNode& node,
                                                   const HttpServerOptions& options);
  // ~HttpServer stops it (see Stop).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // port returns the bound port (the ephemeral one when options.port was 0).
  int port() const;
  // address returns "HOST:PORT" as bound.
  std::string address() const;
  // Stop stops accepting, waits for the requests in progress and the listener thread.
  // Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_HTTP_API_H_
