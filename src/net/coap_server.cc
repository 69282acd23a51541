// Copyright iotsec authors.
// CoapServer: one libcoap context, one endpoint and one io thread per CoapServerOptions::threads,
// the endpoints' UDP sockets sharing one port with SO_REUSEPORT (see coap.h).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "iotsec/net/coap.h"

#include "iotsec/crypto/hash.h"
#include "net/coap_internal.h"

namespace iotsec::net {

namespace {

// How long an io thread blocks in coap_io_process before it checks for a stop request.
constexpr uint32_t kIoWaitMs = 100;
// The most io threads a server may run.
constexpr int kMaxThreads = 64;

// Route is one registered path; its address is the libcoap resources' user data (shared by the
// resources of every io thread's context).
struct Route {
  std::string path;
  CoapHandler handler;
};

// ParsePort extracts the port from coap_endpoint_str's "address:port ..." text ("[v6]:port"
// for IPv6). Returns -1 if there is none.
int ParsePort(const char* desc) {
  if (desc == nullptr) {
    return -1;
  }
  std::string_view s(desc);
  s = s.substr(0, s.find(' '));
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= s.size()) {
    return -1;
  }
  int port = 0;
  for (char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) {
      return -1;
    }
    port = port * 10 + (c - '0');
  }
  return port <= 65535 ? port : -1;
}

// PortIsFree reports whether |addr| can be bound as a UDP socket. libcoap sets SO_REUSEADDR on
// its sockets, which on Linux lets a second server bind the same UDP port and silently share
// its traffic; a probe bind without SO_REUSEADDR fails with EADDRINUSE in that case.
bool PortIsFree(const coap_address_t& addr) {
  int fd = socket(addr.addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return true;  // let coap_new_endpoint report the failure
  }
  bool free = bind(fd, &addr.addr.sa, addr.size) == 0;
  close(fd);
  return free;
}

// SameLocalAddress reports whether socket |fd| is bound to exactly |addr|.
bool SameLocalAddress(int fd, const coap_address_t& addr) {
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || len != addr.size) {
    return false;
  }
  return std::memcmp(&local, &addr.addr, len) == 0;
}

// EpollEntry is one file descriptor in an epoll set with the events and user data it was
// registered with.
struct EpollEntry {
  int fd = -1;
  uint32_t events = 0;
  uint64_t data = 0;
};

// EndpointSocket finds, in the epoll set |epfd| of a context that has one endpoint and no
// session yet, the endpoint's UDP socket: the one socket bound to |addr|. Linux lists an epoll
// set's members in /proc/self/fdinfo/<epfd> ("tfd: <fd> events: <hex> data: <hex> ...").
Result<EpollEntry> EndpointSocket(int epfd, const coap_address_t& addr) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(epfd));
  if (!in) {
    return Fail(ErrorCode::kFailedPrecondition,
                "cannot read the epoll set of libcoap (is /proc mounted?)");
  }
  std::vector<EpollEntry> found;
  std::string line;
  while (std::getline(in, line)) {
    EpollEntry e;
    unsigned int events = 0;
    unsigned long long data = 0;  // NOLINT(runtime/int): the type %llx needs
    if (std::sscanf(line.c_str(), "tfd: %d events: %x data: %llx", &e.fd, &events, &data) != 3) {
      continue;
    }
    e.events = events;
    e.data = data;
    struct stat st {};
    int type = 0;
    socklen_t type_len = sizeof(type);
    if (fstat(e.fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
        getsockopt(e.fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 && type == SOCK_DGRAM &&
        SameLocalAddress(e.fd, addr)) {
      found.push_back(e);
    }
  }
  if (found.size() != 1) {
    return Fail(ErrorCode::kInternal, "found " + std::to_string(found.size()) +
                                          " libcoap endpoint sockets instead of one");
  }
  return found.front();
}

// CopyIntOption copies an integer socket option from |from| to |to| if |from| has it.
bool CopyIntOption(int from, int to, int level, int name) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(from, level, name, &value, &len) != 0) {
    return true;  // not an option of this address family
  }
  return setsockopt(to, level, name, &value, len) == 0;
}

// AdoptReusePortSocket gives the endpoint that libcoap bound to |addr| in |ctx| a socket that
// has SO_REUSEPORT, so that the endpoints of several contexts share |addr| and the kernel
// spreads datagrams over them by 4-tuple. libcoap 4.3 has no hook between socket() and bind()
// and cannot adopt a socket, so this binds a new socket to |addr| (with the options libcoap set
// on its own), puts it in place of libcoap's with dup3 (the same descriptor number, so
// libcoap's bookkeeping stays valid) and registers it again in the context's epoll set with the
// event mask and user data libcoap gave the old one (closing the old socket removed it from the
// set). Returns that descriptor. Must run before any thread drives |ctx|.
Result<int> AdoptReusePortSocket(coap_context_t* ctx, const coap_address_t& addr) {
  int epfd = coap_context_get_coap_fd(ctx);
  if (epfd < 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                "libcoap was built without epoll: CoAP server threads > 1 are not supported");
  }
  IOTSEC_TRY(entry, EndpointSocket(epfd, addr));
  int fd = socket(addr.addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, std::string("socket: ") + std::strerror(errno));
  }
  int on = 1;
  bool ok = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == 0 &&
            CopyIntOption(entry.fd, fd, SOL_SOCKET, SO_REUSEADDR) &&
            CopyIntOption(entry.fd, fd, IPPROTO_IP, IP_PKTINFO);
  if (ok && addr.addr.sa.sa_family == AF_INET6) {
    ok = CopyIntOption(entry.fd, fd, IPPROTO_IPV6, IPV6_V6ONLY) &&
         CopyIntOption(entry.fd, fd, IPPROTO_IPV6, IPV6_RECVPKTINFO);
  }
  if (!ok || bind(fd, &addr.addr.sa, addr.size) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return Fail(ErrorCode::kUnavailable,
                "cannot bind a second CoAP socket with SO_REUSEPORT: " + why);
  }
  epoll_event ev{};
  ev.events = entry.events;
  ev.data.u64 = entry.data;
  if (dup3(fd, entry.fd, O_CLOEXEC) < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, entry.fd, &ev) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return Fail(ErrorCode::kInternal, "cannot put the SO_REUSEPORT socket in place: " + why);
  }
  close(fd);
  return entry.fd;
}

// AnsweredRequests remembers the latest answers of one io thread for RFC 7252 §4.5: a
// confirmable request that arrives again (its answer was lost, so the client retransmitted it)
// gets the same answer without reaching the handler a second time; libcoap (before 4.3.5) calls
// the handler for every copy. A copy is the same message from the same peer: the same address
// and port, resource, Message ID, token and payload (a different request that happens to
// reuse a port, Message ID and token is not mistaken for it). At most |capacity| answers are
// kept, the oldest forgotten first: with 4,096 a thread serving 250 new exchanges a second
// still recognises retransmissions for about 16 s: the first two of CoAP's (2-3 s and 6-9 s
// after the request, §4.2 with the §4.8 defaults) and often the third (14-21 s).
class AnsweredRequests {
 public:
  explicit AnsweredRequests(size_t capacity) : capacity_(capacity) {}

  // Key returns the key of |request| to |resource| from |session|'s peer, with payload |body|:
  // the peer's address and port, the Message ID, the token, the resource and the SHA-256 of the
  // payload (a digest rather than the payload, so that a remembered request costs tens of
  // octets rather than up to max_payload).
  static std::string Key(coap_session_t* session, const coap_resource_t* resource,
                         const coap_pdu_t* request, ByteSpan body) {
    const coap_address_t* peer = coap_session_get_addr_remote(session);
    std::string key;
    if (peer != nullptr) {
      key.assign(reinterpret_cast<const char*>(&peer->addr), peer->size);
    }
    const coap_mid_t mid = coap_pdu_get_mid(request);
    key.push_back(static_cast<char>(mid >> 8));
    key.push_back(static_cast<char>(mid & 0xff));
    const coap_bin_const_t token = coap_pdu_get_token(request);
    key.push_back(static_cast<char>(token.length));
    key.append(reinterpret_cast<const char*>(token.s), token.length);
    key.append(reinterpret_cast<const char*>(&resource), sizeof(resource));
    const crypto::Sha256Digest digest = crypto::Sha256(body);
    key.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    return key;
  }

  // Find returns the answer given to the request with |key|, or null.
  const CoapResponse* Find(const std::string& key) const {
    auto it = answers_.find(key);
    return it == answers_.end() ? nullptr : &it->second;
  }

  // Remember keeps |answer| for the request with |key|.
  void Remember(std::string key, CoapResponse answer) {
    if (capacity_ == 0) {
      return;
    }
    if (!answers_.emplace(key, std::move(answer)).second) {
      return;
    }
    order_.push_back(std::move(key));
    while (order_.size() > capacity_) {
      answers_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  size_t capacity_;
  std::unordered_map<std::string, CoapResponse> answers_;
  std::deque<std::string> order_;
};

// Worker is one io thread with its libcoap context and endpoint; aligned so that the counters of
// different workers do not share a cache line.
struct alignas(64) Worker {
  CoapServer::Impl* server = nullptr;
  coap_context_t* ctx = nullptr;
  std::thread io;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> duplicates{0};
  // The key returned to libcoap from the PSK callback; libcoap copies it before the next call
  // (this worker's io thread only).
  Bytes psk_scratch;
  coap_bin_const_t psk_result{};
  // The latest answers, for retransmitted requests (this worker's io thread only).
  AnsweredRequests answered{0};
};

}  // namespace

struct CoapServer::Impl {
  CoapServerOptions options;
  std::vector<std::unique_ptr<Route>> routes;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<bool> stop{false};
  int port = 0;

  ~Impl() {
    stop = true;
    for (auto& w : workers) {
      if (w->io.joinable()) {
        w->io.join();
      }
    }
    for (auto& w : workers) {
      if (w->ctx != nullptr) {
        coap_free_context(w->ctx);
      }
      internal::Wipe(w->psk_scratch);
    }
  }

  void Run(Worker* w) {
    while (!stop.load(std::memory_order_relaxed)) {
      if (coap_io_process(w->ctx, kIoWaitMs) < 0) {
        // A transient socket error: keep serving the other sessions.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  static Worker* WorkerOf(coap_session_t* session) {
    return static_cast<Worker*>(coap_get_app_data(coap_session_get_context(session)));
  }

  // RFC 7925 §4.2: the server looks up the key for the client's PSK identity; an unknown
  // identity (empty key) fails the handshake.
  static const coap_bin_const_t* PskForIdentity(coap_bin_const_t* identity, coap_session_t*,
                                                void* arg) {
    auto* w = static_cast<Worker*>(arg);
    if (identity == nullptr || (identity->s == nullptr && identity->length != 0)) {
      return nullptr;
    }
    std::string_view id(reinterpret_cast<const char*>(identity->s), identity->length);
    Bytes key;
    try {
      key = w->server->options.psk_for(id);
    } catch (...) {
      return nullptr;
    }
    if (key.empty()) {
      return nullptr;
    }
    internal::Wipe(w->psk_scratch);
    w->psk_scratch = std::move(key);
    w->psk_result.length = w->psk_scratch.size();
    w->psk_result.s = w->psk_scratch.data();
    return &w->psk_result;
  }

  static void ReleaseBody(coap_session_t*, void* body) { delete static_cast<Bytes*>(body); }

  static void SetResponse(coap_resource_t* resource, coap_session_t* session,
                          const coap_pdu_t* request, const coap_string_t* query,
                          coap_pdu_t* response, int code, Bytes payload) {
    coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(code));
    if (payload.empty()) {
      return;
    }
    // RFC 7252 §4.6: a message of at most the session's size (1152 octets for UDP when nothing
    // is known of the path) is sent whole, payload marker included.
    const size_t max_message = coap_session_max_pdu_size(session);
    const size_t whole = internal::WireSize(response) + 1 + payload.size();
    if (whole <= max_message) {
      if (!coap_add_data(response, payload.size(), payload.data())) {
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
      }
      return;
    }
    // RFC 7959 §2.2, §3.1: a body larger than one message goes in Block2 blocks of the
    // largest size that fits the session (libcoap chooses it: 1024 octets, SZX 6, over UDP).
    // The first one goes now; libcoap answers the requests for the others from its copy, with
    // an ETag and Size2 (§4) so that the client can check and bound the body. libcoap owns the
    // copy from here on and calls ReleaseBody once it is done with it, on failure too.
    auto* body = new Bytes(std::move(payload));
    if (!coap_add_data_large_response(resource, session, request, response, query,
                                      COAP_MEDIATYPE_APPLICATION_OCTET_STREAM, -1, 0, body->size(),
                                      body->data(), &ReleaseBody, body)) {
      coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
    }
  }

  static void HandlePost(coap_resource_t* resource, coap_session_t* session,
                         const coap_pdu_t* request, const coap_string_t* query,
                         coap_pdu_t* response) {
    auto* route = static_cast<Route*>(coap_resource_get_userdata(resource));
    Worker* w = WorkerOf(session);
    const CoapServerOptions& options = w->server->options;
    w->requests.fetch_add(1, std::memory_order_relaxed);
    w->bytes_in.fetch_add(internal::WireSize(request), std::memory_order_relaxed);

    size_t len = 0;
    const uint8_t* data = nullptr;
    if (!coap_get_data(request, &len, &data)) {
      len = 0;
      data = nullptr;
    }
    coap_opt_iterator_t it;
    bool block1 = coap_check_option(request, COAP_OPTION_BLOCK1, &it) != nullptr;
    coap_block_t block2{};
    if (coap_get_block(request, COAP_OPTION_BLOCK2, &block2) != 0 && block2.num > 0) {
      // RFC 7959 §2.4: a request for a later block of an answer reaches the handler only when
      // libcoap no longer holds that answer (its session was dropped as idle). Running the
      // handler again would give a block of another answer (a new seal, a second issuance),
      // so the client is told to ask again from the start instead.
      coap_pdu_set_code(response, COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE);
      uint8_t buf[4];
      coap_add_option(response, COAP_OPTION_MAXAGE, coap_encode_var_safe(buf, sizeof(buf), 0),
                      buf);
      static constexpr char kForgotten[] =
          "the answer this block belongs to is no longer held; send the request again";
      coap_add_data(response, sizeof(kForgotten) - 1,
                    reinterpret_cast<const uint8_t*>(kForgotten));
    } else if (block1 || len > options.max_payload) {
      // RFC 7959 §2.9.3: 4.13 with Size1 giving the largest acceptable body.
      coap_pdu_set_code(response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
      uint8_t buf[8];
      coap_add_option(response, COAP_OPTION_SIZE1,
                      coap_encode_var_safe8(buf, sizeof(buf), options.max_payload), buf);
    } else {
      // Only confirmable requests are retransmitted (RFC 7252 §4.2), and only when answers
      // are remembered is their key worth computing.
      const bool remember =
          options.remembered_answers > 0 && coap_pdu_get_type(request) == COAP_MESSAGE_CON;
      std::string key;
      if (remember) {
        key = AnsweredRequests::Key(session, resource, request, ByteSpan(data, len));
        if (const CoapResponse* again = w->answered.Find(key)) {
          // RFC 7252 §4.5: a duplicate gets the same answer and is processed only once.
          w->duplicates.fetch_add(1, std::memory_order_relaxed);
          SetResponse(resource, session, request, query, response, again->code, again->payload);
          w->bytes_out.fetch_add(internal::WireSize(response), std::memory_order_relaxed);
          return;
        }
      }
      CoapResponse out;
      try {
        out = route->handler(ByteSpan(data, len));
      } catch (...) {
        out = CoapResponse{CoapCode(5, 0), {}};
      }
      // RFC 7252 §12.1.2: only classes 2, 4 and 5 are response codes.
      int cls = out.code >> 5;
      if (out.code < 0 || out.code > 0xff || (cls != 2 && cls != 4 && cls != 5)) {
        out = CoapResponse{CoapCode(5, 0), {}};
      }
      if (remember) {
        w->answered.Remember(std::move(key), out);
      }
      SetResponse(resource, session, request, query, response, out.code, std::move(out.payload));
    }
    w->bytes_out.fetch_add(internal::WireSize(response), std::memory_order_relaxed);
  }

  // AddWorker creates one context with its endpoint on |addr| and the routes' resources.
  // |reuse_port| gives the endpoint an SO_REUSEPORT socket (AdoptReusePortSocket).
  Status AddWorker(const coap_address_t& addr, bool reuse_port) {
    auto w = std::make_unique<Worker>();
    w->server = this;
    w->answered = AnsweredRequests(options.remembered_answers);
    w->ctx = coap_new_context(nullptr);
    if (w->ctx == nullptr) {
      return Fail(ErrorCode::kInternal, "libcoap could not create a context");
    }
    Worker* raw = w.get();
    workers.push_back(std::move(w));  // frees the context on failure below
    coap_set_app_data(raw->ctx, raw);
    // RFC 7959: libcoap serves the later blocks of a block-wise response (SetResponse).
    coap_context_set_block_mode(raw->ctx, COAP_BLOCK_USE_LIBCOAP);
    coap_context_set_max_idle_sessions(raw->ctx, options.max_idle_sessions);
    coap_proto_t proto = COAP_PROTO_UDP;
    if (options.psk_for) {
      coap_dtls_spsk_t spsk{};
      spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
      spsk.validate_id_call_back = &Impl::PskForIdentity;
      spsk.id_call_back_arg = raw;
      if (!coap_context_set_psk2(raw->ctx, &spsk)) {
        return Fail(ErrorCode::kInternal, "libcoap rejected the DTLS-PSK server setup");
      }
      // Allow many devices to be mid-handshake at once (the fleet simulator).
      coap_context_set_max_handshake_sessions(raw->ctx, 4096);
      proto = COAP_PROTO_DTLS;
    }
    coap_endpoint_t* ep = coap_new_endpoint(raw->ctx, &addr, proto);
    if (ep == nullptr) {
      return Fail(ErrorCode::kUnavailable, "cannot listen for CoAP on " + options.host + ":" +
                                               std::to_string(options.port) +
                                               " (address in use or not local?)");
    }
    int bound_port = ParsePort(coap_endpoint_str(ep));
    if (bound_port <= 0) {
      return Fail(ErrorCode::kInternal, "cannot determine the CoAP endpoint's port");
    }
    coap_address_t bound = addr;
    coap_address_set_port(&bound, static_cast<uint16_t>(bound_port));
    int fd = -1;  // the endpoint's socket, when known
    if (reuse_port) {
      IOTSEC_TRY(adopted, AdoptReusePortSocket(raw->ctx, bound));
      fd = adopted;
    } else if (options.receive_buffer > 0) {
      // Best effort: without /proc the socket keeps the system's default buffer.
      if (auto entry = EndpointSocket(coap_context_get_coap_fd(raw->ctx), bound)) {
        fd = entry->fd;
      }
    }
    if (fd >= 0 && options.receive_buffer > 0) {
      const int size = static_cast<int>(std::min<size_t>(options.receive_buffer, 1 << 30));
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
    if (port == 0) {
      port = bound_port;
    }
    for (auto& route : routes) {
      // libcoap copies the path (flags 0); coap_make_str_const is avoided: it uses static
      // storage.
      coap_str_const_t uri{route->path.size(),
                           reinterpret_cast<const uint8_t*>(route->path.data())};
      coap_resource_t* r = coap_resource_init(&uri, 0);
      if (r == nullptr) {
        return Fail(ErrorCode::kInternal, "libcoap could not create resource " + route->path);
      }
      coap_resource_set_userdata(r, route.get());
      coap_register_handler(r, COAP_REQUEST_POST, &Impl::HandlePost);
      coap_add_resource(raw->ctx, r);
    }
    return Ok();
  }
};

CoapServer::CoapServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CoapServer::~CoapServer() = default;

int CoapServer::port() const { return impl_->port; }

uint64_t CoapServer::requests() const {
  uint64_t n = 0;
  for (const auto& w : impl_->workers) {
    n += w->requests.load();
  }
  return n;
}

uint64_t CoapServer::bytes_in() const {
  uint64_t n = 0;
  for (const auto& w : impl_->workers) {
    n += w->bytes_in.load();
  }
  return n;
}

uint64_t CoapServer::duplicates() const {
  uint64_t n = 0;
  for (const auto& w : impl_->workers) {
    n += w->duplicates.load();
  }
  return n;
}

uint64_t CoapServer::bytes_out() const {
  uint64_t n = 0;
  for (const auto& w : impl_->workers) {
    n += w->bytes_out.load();
  }
  return n;
}

Result<std::unique_ptr<CoapServer>> CoapServer::Start(
    CoapServerOptions options, std::vector<std::pair<std::string, CoapHandler>> post_handlers) {
  internal::CoapGlobalInit();
  if (options.max_payload == 0) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP server max_payload must be positive");
  }
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP server threads must be 1.." +
                                                 std::to_string(kMaxThreads) + ", not " +
                                                 std::to_string(options.threads));
  }
  IOTSEC_TRY(addr, internal::Resolve(options.host, options.port));
  if (options.psk_for && !coap_dtls_is_supported()) {
    return Fail(ErrorCode::kFailedPrecondition, "libcoap was built without DTLS support");
  }

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  std::set<std::string> seen;
  for (auto& [path, handler] : post_handlers) {
    if (auto segments = internal::SplitPath(path); !segments) {
      return Unexpected(segments.error());
    }
    if (!handler) {
      return Fail(ErrorCode::kInvalidArgument, "CoAP handler for '" + path + "' is empty");
    }
    if (!seen.insert(path).second) {
      return Fail(ErrorCode::kInvalidArgument, "CoAP path '" + path + "' is registered twice");
    }
    impl->routes.push_back(std::make_unique<Route>(Route{path, std::move(handler)}));
  }

  if (impl->options.port != 0 && !PortIsFree(addr)) {
    return Fail(ErrorCode::kUnavailable, "UDP port " + std::to_string(impl->options.port) + " on " +
                                             impl->options.host + " is already in use");
  }
  const bool reuse_port = impl->options.threads > 1;
  for (int i = 0; i < impl->options.threads; ++i) {
    // The first endpoint picks the port when none is given; the others bind to it.
    coap_address_t at = addr;
    if (impl->port != 0) {
      coap_address_set_port(&at, static_cast<uint16_t>(impl->port));
    }
    IOTSEC_RETURN_IF_ERROR(impl->AddWorker(at, reuse_port));
  }

  Impl* raw = impl.get();
  for (auto& w : impl->workers) {
    Worker* wp = w.get();
    w->io = std::thread([raw, wp] { raw->Run(wp); });
  }
  return std::unique_ptr<CoapServer>(new CoapServer(std::move(impl)));
}

}  // namespace iotsec::net
