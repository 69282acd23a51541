// Copyright iotsec authors.
// CoAP (RFC 7252) over UDP, and over DTLS 1.2 with a pre-shared key (RFC 7925 profile), on top
// of libcoap 3. Devices use it to reach the platform and their service provider; the payloads
// are small deterministic CBOR messages protected end to end with COSE, so this layer only
// moves bytes.
//
// Threading: libcoap is not thread-safe per context, so a CoapServer runs
// CoapServerOptions::threads io threads, each driving its own libcoap context with its own
// endpoint, and every CoapClient owns a context while it is open (a closed client's context is
// kept for the next client of the thread that closed it: creating one costs hundreds of
// microseconds of OpenSSL setup, a session a few). Many clients may run at once, each in its
// own thread, against one server. With several io threads, the endpoints' UDP sockets are bound
// to the same address and port with SO_REUSEPORT, so the kernel spreads clients over them by
// their 4-tuple: one client's datagrams, and so its DTLS session, always reach the same thread.
// libcoap 4.3 has no hook to set SO_REUSEPORT before it binds and cannot adopt a socket, so the
// server binds an SO_REUSEPORT socket itself and puts it in place of the one libcoap bound (same
// descriptor number, re-registered in the context's epoll set); this needs Linux and a libcoap
// built with epoll, and fails Start with kFailedPrecondition otherwise.
//
// Bodies larger than one message: a response that does not fit one message of the session's
// size (RFC 7252 §4.6: 1152 octets over UDP, less the DTLS overhead over DTLS) is sent
// block-wise (RFC 7959 Block2, 1024-octet blocks) and reassembled by CoapClient::Post; requests
// are always one message.
//
// Byte counters count CoAP messages as encoded on the wire (RFC 7252 §3: 4-octet header, token,
// options, payload marker and payload), once per message: retransmissions, empty ACKs and
// DTLS record overhead are not included. A client counts every message of a block-wise
// exchange; a server counts the messages its handlers see (the request and the first block of
// the response), because libcoap answers the requests for the later blocks without them.
#ifndef IOTSEC_NET_COAP_H_
#define IOTSEC_NET_COAP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::net {

// CoapCode builds a CoAP code from its class and detail (RFC 7252 §3: "c.dd"), e.g.
// CoapCode(2, 5) is 2.05 Content.
constexpr int CoapCode(int code_class, int detail) { return (code_class << 5) | detail; }

// CoapResponse is a response: its code as (class << 5) | detail (RFC 7252 §5.9) and payload.
struct CoapResponse {
  int code = CoapCode(2, 5);
  Bytes payload;
  // exchanges is the number of request/response round trips the response took: 1, or its
  // number of blocks (RFC 7959 Block2). Set by CoapClient; handlers leave it.
  uint64_t exchanges = 1;
};

// CoapPost is one POST for CoapClient::PostAll: its path (no leading '/') and payload.
struct CoapPost {
  std::string_view path;
  ByteSpan payload;
};

// CoapHandler handles a POST: it gets the request payload and returns the response (one that
// does not fit one message is sent block-wise, RFC 7959 §2.2). It runs on one of the server's io
// threads, so it must not block for long; with CoapServerOptions::threads > 1 the same handler
// runs concurrently on several threads and must be thread-safe. An exception it throws becomes
// a 5.00 Internal Server Error. A retransmitted confirmable request (RFC 7252 §4.2) gets the
// remembered answer without reaching the handler again (CoapServerOptions::remembered_answers,
// §4.5); one retransmitted after its answer was forgotten, or a non-confirmable one sent twice,
// reaches it again.
using CoapHandler = std::function<CoapResponse(ByteSpan payload)>;

// CoapServerOptions configures a CoapServer.
struct CoapServerOptions {
  // host is the local address (IPv4 or IPv6 literal, or a name) to listen on.
  std::string host = "127.0.0.1";
  // port is the UDP port to listen on; 0 picks an ephemeral port (see CoapServer::port()).
  int port = 0;
  // psk_for, when set, makes the server speak CoAP over DTLS only (RFC 7925 §4.2): it returns
  // the pre-shared key for a client's PSK identity, or an empty key for an unknown identity,
  // which refuses the handshake. It runs on the io threads (concurrently if threads > 1).
  // Empty function: plain CoAP.
  std::function<Bytes(std::string_view identity)> psk_for;
  // max_payload is the largest request payload accepted; larger requests, and block-wise
  // requests (RFC 7959 Block1, not supported), get 4.13 Request Entity Too Large with a Size1
  // option carrying this limit (RFC 7959 §2.9.3).
  size_t max_payload = 1024;
  // threads is the number of io threads (1..64), each with its own libcoap context and its own
  // SO_REUSEPORT socket on host:port (see the file comment). Handlers and psk_for run on all of
  // them, concurrently.
  int threads = 1;
  // max_idle_sessions bounds the idle peer sessions each io thread keeps (libcoap's state per
  // client address: its message ids, a block-wise answer being fetched, a DTLS session). Past
  // it the least recently used one is dropped. libcoap walks every session on each turn of its
  // io loop and on each new peer, so the server slows down in proportion to this bound: with
  // 2048, a 100,000-device onboarding run spent a fifth of its CPU in that walk (BENCHMARKS.md).
  // A dropped UDP session loses only a block-wise answer not yet fetched (a request for one of
  // its later blocks then gets 5.03 and must be sent again); a dropped DTLS session needs a new
  // handshake. So it should exceed the peers that talk to one io thread at once. 0 keeps them
  // until libcoap's idle timeout (300 s).
  unsigned max_idle_sessions = 256;
  // receive_buffer is the receive buffer asked of the kernel for each io thread's socket
  // (SO_RCVBUF; Linux caps it at net.core.rmem_max), so that a burst of datagrams that comes
  // while the io thread is busy waits instead of being dropped (a dropped request costs its
  // device a retransmission 2 to 3 s later, RFC 7252 §4.2; a dropped DTLS flight, 1 s or
  // more). 0 keeps the system's default (about 200 KiB).
  size_t receive_buffer = size_t{4} << 20;
  // remembered_answers is how many answers to confirmable requests each io thread keeps, so
  // that a retransmitted request (the same message from the same peer: Message ID, token, path
  // and payload; its answer was lost) gets the same answer without running the handler again
  // (RFC 7252 §4.5). The oldest are forgotten first. 0 remembers none: every copy reaches the
  // handler.
  size_t remembered_answers = 4096;
};

// CoapServer answers confirmable and non-confirmable POST requests on registered paths; any
// other path gets 4.04 Not Found and any other method on a registered path 4.05 Method Not
// Allowed (RFC 7252 §5.9.2), both from libcoap. It is safe to call its const methods from any
// thread; its counters are sums over its io threads.
class CoapServer {
 public:
  // Start binds the endpoints and starts the io threads. |post_handlers| maps paths without a
  // leading '/' (segments separated by '/', e.g. "onboard/hello") to handlers. Fails with
  // kInvalidArgument for a bad option, path or duplicate path, kUnavailable if the address
  // cannot be bound, kFailedPrecondition if DTLS is asked for but libcoap lacks it, or if
  // threads > 1 but the socket cannot be shared (no epoll in libcoap, no /proc).
  static Result<std::unique_ptr<CoapServer>> Start(
      CoapServerOptions options, std::vector<std::pair<std::string, CoapHandler>> post_handlers);

  // ~CoapServer stops the io threads (within about 100 ms) and closes the endpoint; clients
  // still talking to it see their requests time out or fail.
  ~CoapServer();
  CoapServer(const CoapServer&) = delete;
  CoapServer& operator=(const CoapServer&) = delete;

  // port returns the UDP port the server listens on.
  int port() const;
  // requests returns the number of requests that reached a registered path (the requests for
  // the later blocks of a block-wise answer are answered by libcoap and not counted).
  uint64_t requests() const;
  // bytes_in returns the octets of the CoAP requests counted by requests().
  uint64_t bytes_in() const;
  // bytes_out returns the octets of the CoAP responses to those requests.
  uint64_t bytes_out() const;
  // duplicates returns how many retransmitted requests were answered from the remembered
  // answers, without their handler (CoapServerOptions::remembered_answers).
  uint64_t duplicates() const;

  struct Impl;

 private:
  explicit CoapServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// CoapClientOptions configures a CoapClient.
struct CoapClientOptions {
  // timeout_ms bounds Connect's DTLS handshake and each Post, retransmissions included.
  int timeout_ms = 5000;
  // psk_identity and psk, when psk is non-empty, make the client speak CoAP over DTLS with this
  // PSK identity and key (RFC 7925 §4.2); otherwise plain CoAP over UDP.
  std::string psk_identity;
  Bytes psk;
  // max_response is the largest response payload accepted, reassembled from blocks
  // (RFC 7959 Block2); a larger answer fails Post.
  size_t max_response = 16 * 1024;
};

// CoapClient is one UDP (or DTLS) session to one server. It is not thread-safe: use each client
// from one thread at a time; use many clients for concurrency.
class CoapClient {
 public:
  // Connect creates the session; for DTLS it also completes the handshake. Fails with
  // kInvalidArgument for a bad host, port or option, kUnauthenticated if the server refuses
  // the handshake, kUnavailable if the handshake does not complete within timeout_ms (which
  // is also what a wrong key looks like: DTLS drops records whose MAC fails, RFC 6347 §4.1.2.7).
  static Result<std::unique_ptr<CoapClient>> Connect(std::string host, int port,
                                                     CoapClientOptions options);

  // ~CoapClient closes the session (sending a DTLS close_notify if any).
  ~CoapClient();
  CoapClient(const CoapClient&) = delete;
  CoapClient& operator=(const CoapClient&) = delete;

  // Post sends a confirmable POST of |payload| to |path| (no leading '/') and waits for the
  // response, retransmitting per RFC 7252 §4.2; a block-wise response (RFC 7959 Block2) is
  // fetched block by block and reassembled. Any response code is a success (check
  // CoapResponse::code). Fails with kInvalidArgument for a bad path, a payload that does not
  // fit one message (block-wise requests are not supported) or a response larger than
  // max_response (iotsec has no separate "resource exhausted" code; the message says so),
  // kUnavailable if no response arrives within timeout_ms (for all blocks together) or the
  // server rejects or cannot be reached, kUnauthenticated if the DTLS session failed.
  Result<CoapResponse> Post(std::string_view path, ByteSpan payload);

  // PostAll sends every POST of |posts| at once on this session (each its own confirmable
  // message and token, RFC 7252 §5.3.1) and waits for all the responses together, within one
  // timeout_ms: the round trips overlap, from one thread. The outer result fails, with nothing
  // sent, for a bad path or a payload that does not fit one message; otherwise each request
  // has its own outcome, in order, as Post would give it.
  Result<std::vector<Result<CoapResponse>>> PostAll(std::span<const CoapPost> posts);

  // bytes_sent returns the octets of the requests sent (each counted once, the requests for
  // later blocks of a response included).
  uint64_t bytes_sent() const;
  // bytes_received returns the octets of the responses received (every block counted once).
  uint64_t bytes_received() const;
  // exchanges returns the number of request/response round trips completed: one per response
  // received, so a response in 3 blocks counts 3; retransmissions are not counted.
  uint64_t exchanges() const;

  struct Impl;

 private:
  explicit CoapClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::net

#endif  // IOTSEC_NET_COAP_H_
