// Copyright iotsec authors.
// CoapServer: one libcoap context, one endpoint, one io thread (see coap.h).
#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include "iotsec/net/coap.h"
#include "net/coap_internal.h"

namespace iotsec::net {

namespace {

// How long the io thread blocks in coap_io_process before it checks for a stop request.
constexpr uint32_t kIoWaitMs = 100;

// Route is one registered path; its address is the libcoap resource's user data.
struct Route {
  CoapServer::Impl* server = nullptr;
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

}  // namespace

struct CoapServer::Impl {
  CoapServerOptions options;
  std::vector<std::unique_ptr<Route>> routes;
  coap_context_t* ctx = nullptr;
  std::thread io;
  std::atomic<bool> stop{false};
  int port = 0;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  // The key returned to libcoap from the PSK callback; libcoap copies it before the next call
  // (io thread only).
  Bytes psk_scratch;
  coap_bin_const_t psk_result{};

  ~Impl() {
    stop = true;
    if (io.joinable()) {
      io.join();
    }
    if (ctx != nullptr) {
      coap_free_context(ctx);
    }
    internal::Wipe(psk_scratch);
  }

  void Run() {
    while (!stop.load(std::memory_order_relaxed)) {
      if (coap_io_process(ctx, kIoWaitMs) < 0) {
        // A transient socket error: keep serving the other sessions.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  // RFC 7925 §4.2: the server looks up the key for the client's PSK identity; an unknown
  // identity (empty key) fails the handshake.
  static const coap_bin_const_t* PskForIdentity(coap_bin_const_t* identity, coap_session_t*,
                                                void* arg) {
    auto* self = static_cast<Impl*>(arg);
    if (identity == nullptr || (identity->s == nullptr && identity->length != 0)) {
      return nullptr;
    }
    std::string_view id(reinterpret_cast<const char*>(identity->s), identity->length);
    Bytes key;
    try {
      key = self->options.psk_for(id);
    } catch (...) {
      return nullptr;
    }
    if (key.empty()) {
      return nullptr;
    }
    internal::Wipe(self->psk_scratch);
    self->psk_scratch = std::move(key);
    self->psk_result.length = self->psk_scratch.size();
    self->psk_result.s = self->psk_scratch.data();
    return &self->psk_result;
  }

  static void SetResponse(coap_pdu_t* response, int code, ByteSpan payload) {
    coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(code));
    if (!payload.empty() && !coap_add_data(response, payload.size(), payload.data())) {
      // The payload does not fit the session's message size: RFC 7252 §5.9.3.1.
      coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
    }
  }

  static void HandlePost(coap_resource_t* resource, coap_session_t*, const coap_pdu_t* request,
                         const coap_string_t*, coap_pdu_t* response) {
    auto* route = static_cast<Route*>(coap_resource_get_userdata(resource));
    Impl* self = route->server;
    self->requests.fetch_add(1, std::memory_order_relaxed);
    self->bytes_in.fetch_add(internal::WireSize(request), std::memory_order_relaxed);

    size_t len = 0;
    const uint8_t* data = nullptr;
    if (!coap_get_data(request, &len, &data)) {
      len = 0;
      data = nullptr;
    }
    coap_opt_iterator_t it;
    bool block1 = coap_check_option(request, COAP_OPTION_BLOCK1, &it) != nullptr;
    if (block1 || len > self->options.max_payload) {
      // RFC 7959 §2.9.3: 4.13 with Size1 giving the largest acceptable body.
      coap_pdu_set_code(response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
      uint8_t buf[8];
      coap_add_option(response, COAP_OPTION_SIZE1,
                      coap_encode_var_safe8(buf, sizeof(buf), self->options.max_payload), buf);
    } else {
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
      SetResponse(response, out.code, out.payload);
    }
    self->bytes_out.fetch_add(internal::WireSize(response), std::memory_order_relaxed);
  }
};

CoapServer::CoapServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CoapServer::~CoapServer() = default;

int CoapServer::port() const { return impl_->port; }
uint64_t CoapServer::requests() const { return impl_->requests.load(); }
uint64_t CoapServer::bytes_in() const { return impl_->bytes_in.load(); }
uint64_t CoapServer::bytes_out() const { return impl_->bytes_out.load(); }

Result<std::unique_ptr<CoapServer>> CoapServer::Start(
    CoapServerOptions options, std::vector<std::pair<std::string, CoapHandler>> post_handlers) {
  internal::CoapGlobalInit();
  if (options.max_payload == 0) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP server max_payload must be positive");
  }
  IOTSEC_TRY(addr, internal::Resolve(options.host, options.port));

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
    impl->routes.push_back(std::make_unique<Route>(Route{impl.get(), path, std::move(handler)}));
  }

  impl->ctx = coap_new_context(nullptr);
  if (impl->ctx == nullptr) {
    return Fail(ErrorCode::kInternal, "libcoap could not create a context");
  }
  coap_proto_t proto = COAP_PROTO_UDP;
  if (impl->options.psk_for) {
    if (!coap_dtls_is_supported()) {
      return Fail(ErrorCode::kFailedPrecondition, "libcoap was built without DTLS support");
    }
    coap_dtls_spsk_t spsk{};
    spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
    spsk.validate_id_call_back = &Impl::PskForIdentity;
    spsk.id_call_back_arg = impl.get();
    if (!coap_context_set_psk2(impl->ctx, &spsk)) {
      return Fail(ErrorCode::kInternal, "libcoap rejected the DTLS-PSK server setup");
    }
    // Allow many devices to be mid-handshake at once (the fleet simulator).
    coap_context_set_max_handshake_sessions(impl->ctx, 4096);
    proto = COAP_PROTO_DTLS;
  }

  if (impl->options.port != 0 && !PortIsFree(addr)) {
    return Fail(ErrorCode::kUnavailable, "UDP port " + std::to_string(impl->options.port) +
                                             " on " + impl->options.host + " is already in use");
  }
  coap_endpoint_t* ep = coap_new_endpoint(impl->ctx, &addr, proto);
  if (ep == nullptr) {
    return Fail(ErrorCode::kUnavailable, "cannot listen for CoAP on " + impl->options.host +
                                             ":" + std::to_string(impl->options.port) +
                                             " (address in use or not local?)");
  }
  impl->port = ParsePort(coap_endpoint_str(ep));
  if (impl->port <= 0) {
    return Fail(ErrorCode::kInternal, "cannot determine the CoAP endpoint's port");
  }

  for (auto& route : impl->routes) {
    // libcoap copies the path (flags 0); coap_make_str_const is avoided: it uses static storage.
    coap_str_const_t uri{route->path.size(),
                         reinterpret_cast<const uint8_t*>(route->path.data())};
    coap_resource_t* r = coap_resource_init(&uri, 0);
    if (r == nullptr) {
      return Fail(ErrorCode::kInternal, "libcoap could not create resource " + route->path);
    }
    coap_resource_set_userdata(r, route.get());
    coap_register_handler(r, COAP_REQUEST_POST, &Impl::HandlePost);
    coap_add_resource(impl->ctx, r);
  }

  Impl* raw = impl.get();
  impl->io = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<CoapServer>(new CoapServer(std::move(impl)));
}

}  // namespace iotsec::net
