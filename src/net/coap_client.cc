// Copyright iotsec authors.
// CoapClient: one client session per client, on a libcoap context that is reused by the next
// client of the same thread (ContextPool; see coap.h).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "iotsec/net/coap.h"
#include "net/coap_internal.h"

namespace iotsec::net {

namespace {

using Clock = std::chrono::steady_clock;

std::string NackText(coap_nack_reason_t reason) {
  switch (reason) {
    case COAP_NACK_TOO_MANY_RETRIES:
      return "no acknowledgement after the maximum number of retransmissions";
    case COAP_NACK_NOT_DELIVERABLE:
      return "the request could not be delivered";
    case COAP_NACK_RST:
      return "the server answered with a Reset message";
    case COAP_NACK_TLS_FAILED:
      return "the DTLS session failed";
    case COAP_NACK_ICMP_ISSUE:
      return "the server is unreachable (ICMP error)";
  }
  return "the request failed";
}

}  // namespace

namespace {

// ContextPool keeps the libcoap contexts of closed clients of this thread for the next client,
// because a context costs far more to create than a session (libcoap sets up its OpenSSL
// contexts with it, hundreds of microseconds): a device or a simulator that opens a session per
// exchange pays for it once per thread. A context serves one client at a time.
class ContextPool {
 public:
  ~ContextPool() {
    for (coap_context_t* ctx : idle_) {
      coap_free_context(ctx);
    }
  }
  coap_context_t* Take() {
    if (idle_.empty()) {
      return coap_new_context(nullptr);
    }
    coap_context_t* ctx = idle_.back();
    idle_.pop_back();
    return ctx;
  }
  void Give(coap_context_t* ctx) {
    coap_set_app_data(ctx, nullptr);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(ctx);
    } else {
      coap_free_context(ctx);
    }
  }

 private:
  static constexpr size_t kMaxIdle = 4;
  std::vector<coap_context_t*> idle_;
};

ContextPool& Pool() {
  thread_local ContextPool pool;
  return pool;
}

}  // namespace

struct CoapClient::Impl {
  CoapClientOptions options;
  std::string peer;  // "host:port", for messages
  bool dtls = false;
  coap_context_t* ctx = nullptr;
  coap_session_t* session = nullptr;
  Bytes psk_identity;  // kept alive for the session's setup
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t exchanges = 0;

  // State of the one outstanding request.
  bool waiting = false;
  Bytes token;
  coap_mid_t mid = COAP_INVALID_MID;
  std::optional<CoapResponse> response;
  Bytes body;  // the blocks of the response received so far
  std::optional<Error> failure;
  // Set once the DTLS session has failed or closed.
  std::optional<Error> session_error;

  ~Impl() {
    if (session != nullptr) {
      coap_session_release(session);
    }
    if (ctx != nullptr) {
      // The context goes back to the pool of the thread that closes the client, freed of the
      // session: the next client on that thread reuses it.
      Pool().Give(ctx);
    }
    internal::Wipe(options.psk);
  }

  // From returns the client of |session|, or null for a session of an earlier client of the
  // same (pooled) context, whose late messages and events are ignored.
  static Impl* From(coap_session_t* session) {
    auto* self = static_cast<Impl*>(coap_get_app_data(coap_session_get_context(session)));
    return self != nullptr && self->session == session ? self : nullptr;
  }

  // IsOwnRequest reports whether |pdu| carries the token of the request Post sent (rather than
  // one of libcoap's requests for a later block).
  bool IsOwnRequest(const coap_pdu_t* pdu) const {
    coap_bin_const_t t = coap_pdu_get_token(pdu);
    return t.length == token.size() &&
           (t.length == 0 || std::memcmp(t.s, token.data(), t.length) == 0);
  }

  // FailRequest ends the outstanding request with |error|.
  void FailRequest(Error error) {
    failure = std::move(error);
    waiting = false;
    body.clear();
  }

  // OnResponse takes each response message. With libcoap in block mode, a block-wise response
  // (RFC 7959 Block2) reaches it once per block, in order, with the request's own token and
  // |sent| being the request that asked for that block (libcoap sends those itself, §2.4).
  static coap_response_t OnResponse(coap_session_t* session, const coap_pdu_t* sent,
                                    const coap_pdu_t* received, const coap_mid_t /*mid*/) {
    Impl* self = From(session);
    if (self == nullptr) {
      return COAP_RESPONSE_FAIL;
    }
    coap_bin_const_t tok = coap_pdu_get_token(received);
    // RFC 7252 §5.3.2: a response is matched to its request by token; a response nobody
    // waits for (e.g. to a request given up on) is rejected with a Reset.
    if (!self->waiting || tok.length != self->token.size() ||
        (tok.length > 0 && std::memcmp(tok.s, self->token.data(), tok.length) != 0)) {
      return COAP_RESPONSE_FAIL;
    }
    ++self->exchanges;
    size_t size = internal::WireSize(received);
    coap_block_t block{};
    bool blockwise = coap_get_block(received, COAP_OPTION_BLOCK2, &block) != 0;
    if (blockwise && block.num > 0 && sent != nullptr && !self->IsOwnRequest(sent)) {
      // A later block: libcoap sent the request for it (counted here, once: retransmissions
      // reuse the message), with a token of its own, which the response carried on the wire
      // (RFC 7252 §5.3.2) before libcoap put the application's token back into it.
      self->sent += internal::WireSize(sent);
      size = size - tok.length + coap_pdu_get_token(sent).length;
    }
    self->received += size;
    size_t len = 0;
    size_t offset = 0;
    size_t total = 0;
    const uint8_t* data = nullptr;
    if (!coap_get_data_large(received, &len, &data, &offset, &total)) {
      len = 0;
      offset = blockwise ? self->body.size() : 0;
    }
    // RFC 7959 §4: Size2 announces the body's size; refuse an over-large body before fetching
    // the rest of it.
    coap_opt_iterator_t it;
    size_t announced = 0;
    if (coap_opt_t* size2 = coap_check_option(received, COAP_OPTION_SIZE2, &it)) {
      announced = coap_decode_var_bytes8(coap_opt_value(size2), coap_opt_length(size2));
    }
    size_t limit = self->options.max_response;
    if (announced > limit || len > limit || offset > limit - len) {
      self->FailRequest(
          Error(ErrorCode::kInvalidArgument,
                "CoAP response from " + self->peer + " is larger than max_response (" +
                    std::to_string(limit) + " octets; " +
                    std::to_string(std::max(announced, offset + std::min(len, limit))) +
                    " announced or received): resource exhausted"));
      return COAP_RESPONSE_FAIL;
    }
    if (offset != self->body.size()) {
      self->FailRequest(Error(ErrorCode::kUnavailable,
                              "CoAP response from " + self->peer + " has a block at offset " +
                                  std::to_string(offset) + " where " +
                                  std::to_string(self->body.size()) + " was expected"));
      return COAP_RESPONSE_FAIL;
    }
    if (len > 0) {
      self->body.insert(self->body.end(), data, data + len);
    }
    // RFC 7959 §2.2: M = 0 marks the last block.
    if (blockwise && block.m) {
      return COAP_RESPONSE_OK;
    }
    CoapResponse resp;
    resp.code = static_cast<int>(coap_pdu_get_code(received));
    resp.payload = std::move(self->body);
    self->body.clear();
    self->response = std::move(resp);
    self->waiting = false;
    return COAP_RESPONSE_OK;
  }

  static void OnNack(coap_session_t* session, const coap_pdu_t* /*sent*/,
                     const coap_nack_reason_t reason, const coap_mid_t mid) {
    Impl* self = From(session);
    if (self == nullptr || !self->waiting ||
        (mid != self->mid && reason != COAP_NACK_TLS_FAILED)) {
      return;
    }
    ErrorCode code =
        reason == COAP_NACK_TLS_FAILED ? ErrorCode::kUnauthenticated : ErrorCode::kUnavailable;
    self->failure = Error(code, "CoAP POST to " + self->peer + " failed: " + NackText(reason));
    self->waiting = false;
  }

  static int OnEvent(coap_session_t* session, const coap_event_t event) {
    Impl* self = From(session);
    if (self == nullptr) {
      return 0;
    }
    if (event == COAP_EVENT_DTLS_ERROR || event == COAP_EVENT_DTLS_CLOSED ||
        event == COAP_EVENT_SESSION_FAILED) {
      if (!self->session_error) {
        self->session_error = Error(ErrorCode::kUnauthenticated,
                                    "DTLS session with " + self->peer +
                                        (event == COAP_EVENT_DTLS_CLOSED
                                             ? " was closed by the peer"
                                             : " failed (handshake refused: unknown PSK identity "
                                               "or wrong key)"));
      }
      if (self->waiting) {
        self->failure = self->session_error;
        self->waiting = false;
      }
    }
    return 0;
  }

  // Drives libcoap until |done| returns true or |deadline| passes; returns whether done.
  template <typename Done>
  bool RunUntil(Clock::time_point deadline, Done done) {
    while (!done()) {
      auto now = Clock::now();
      if (now >= deadline) {
        return false;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      // coap_io_process treats 0 as "wait forever"; wait at least 1 ms.
      uint32_t wait = static_cast<uint32_t>(std::max<int64_t>(1, std::min<int64_t>(left, 1000)));
      if (coap_io_process(ctx, wait) < 0) {
        return done();
      }
    }
    return true;
  }
};

CoapClient::CoapClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CoapClient::~CoapClient() = default;

uint64_t CoapClient::bytes_sent() const { return impl_->sent; }
uint64_t CoapClient::bytes_received() const { return impl_->received; }
uint64_t CoapClient::exchanges() const { return impl_->exchanges; }

Result<std::unique_ptr<CoapClient>> CoapClient::Connect(std::string host, int port,
                                                        CoapClientOptions options) {
  internal::CoapGlobalInit();
  if (port <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP server port must be positive");
  }
  if (options.timeout_ms <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP client timeout_ms must be positive");
  }
  if (options.max_response == 0) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP client max_response must be positive");
  }
  IOTSEC_TRY(addr, internal::Resolve(host, port));

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->peer = host + ":" + std::to_string(port);
  impl->dtls = !impl->options.psk.empty();
  impl->ctx = Pool().Take();
  if (impl->ctx == nullptr) {
    return Fail(ErrorCode::kInternal, "libcoap could not create a context");
  }
  coap_set_app_data(impl->ctx, impl.get());
  coap_register_response_handler(impl->ctx, &Impl::OnResponse);
  coap_register_nack_handler(impl->ctx, &Impl::OnNack);
  coap_register_event_handler(impl->ctx, &Impl::OnEvent);
  // RFC 7959: libcoap asks for the later blocks of a block-wise response; OnResponse gets and
  // joins every block (no COAP_BLOCK_SINGLE_BODY, so that max_response bounds what is kept).
  coap_context_set_block_mode(impl->ctx, COAP_BLOCK_USE_LIBCOAP);

  if (!impl->dtls) {
    if (!impl->options.psk_identity.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "a PSK identity was given without a PSK");
    }
    impl->session = coap_new_client_session(impl->ctx, nullptr, &addr, COAP_PROTO_UDP);
    if (impl->session == nullptr) {
      return Fail(ErrorCode::kUnavailable, "cannot open a CoAP session to " + impl->peer);
    }
    return std::unique_ptr<CoapClient>(new CoapClient(std::move(impl)));
  }

  if (!coap_dtls_is_supported()) {
    return Fail(ErrorCode::kFailedPrecondition, "libcoap was built without DTLS support");
  }
  // RFC 4279 §5.1: the identity is at most 2^16-1 octets; RFC 7925 §4.2 requires one.
  if (impl->options.psk_identity.empty() || impl->options.psk_identity.size() > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "a DTLS PSK identity of 1..65535 octets is required");
  }
  impl->psk_identity = ToBytes(AsBytes(impl->options.psk_identity));
  coap_dtls_cpsk_t cpsk{};
  cpsk.version = COAP_DTLS_CPSK_SETUP_VERSION;
  cpsk.psk_info.identity.s = impl->psk_identity.data();
  cpsk.psk_info.identity.length = impl->psk_identity.size();
  cpsk.psk_info.key.s = impl->options.psk.data();
  cpsk.psk_info.key.length = impl->options.psk.size();
  impl->session = coap_new_client_session_psk2(impl->ctx, nullptr, &addr, COAP_PROTO_DTLS, &cpsk);
  if (impl->session == nullptr) {
    return Fail(ErrorCode::kUnavailable, "cannot open a DTLS session to " + impl->peer);
  }
  Impl* raw = impl.get();
  auto deadline = Clock::now() + std::chrono::milliseconds(raw->options.timeout_ms);
  bool done = raw->RunUntil(deadline, [raw] {
    return raw->session_error.has_value() ||
           coap_session_get_state(raw->session) == COAP_SESSION_STATE_ESTABLISHED;
  });
  if (raw->session_error) {
    return Unexpected(*raw->session_error);
  }
  if (!done) {
    return Fail(ErrorCode::kUnavailable,
                "DTLS handshake with " + raw->peer + " did not complete within " +
                    std::to_string(raw->options.timeout_ms) +
                    " ms (no DTLS server there, or a wrong PSK for this identity)");
  }
  return std::unique_ptr<CoapClient>(new CoapClient(std::move(impl)));
}

Result<CoapResponse> CoapClient::Post(std::string_view path, ByteSpan payload) {
  Impl* s = impl_.get();
  IOTSEC_TRY(segments, internal::SplitPath(path));
  if (s->session_error) {
    return Unexpected(*s->session_error);
  }
  // RFC 7252 §4.2 / §5.8.2: a confirmable POST, retransmitted by libcoap until acknowledged.
  coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, s->session);
  if (pdu == nullptr) {
    return Fail(ErrorCode::kInternal, "libcoap could not allocate a CoAP message");
  }
  uint8_t token[8];
  size_t token_len = 0;
  coap_session_new_token(s->session, &token_len, token);
  if (!coap_add_token(pdu, token_len, token)) {
    coap_delete_pdu(pdu);
    return Fail(ErrorCode::kInternal, "libcoap could not add a token");
  }
  for (std::string_view seg : segments) {
    if (coap_add_option(pdu, COAP_OPTION_URI_PATH, seg.size(),
                        reinterpret_cast<const uint8_t*>(seg.data())) == 0) {
      coap_delete_pdu(pdu);
      return Fail(ErrorCode::kInvalidArgument,
                  "CoAP path '" + std::string(path) + "' does not fit in one message");
    }
  }
  if (!payload.empty() && !coap_add_data(pdu, payload.size(), payload.data())) {
    coap_delete_pdu(pdu);
    return Fail(ErrorCode::kInvalidArgument,
                "payload of " + std::to_string(payload.size()) +
                    " octets does not fit in one CoAP message (block-wise transfer is not "
                    "supported)");
  }
  size_t size = internal::WireSize(pdu);
  s->token.assign(token, token + token_len);
  s->response.reset();
  s->failure.reset();
  s->body.clear();
  s->waiting = true;
  s->mid = coap_send(s->session, pdu);  // takes ownership of pdu
  if (s->mid == COAP_INVALID_MID) {
    s->waiting = false;
    if (s->failure) {
      return Unexpected(*s->failure);
    }
    return Fail(ErrorCode::kUnavailable, "cannot send a CoAP request to " + s->peer);
  }
  s->sent += size;

  auto deadline = Clock::now() + std::chrono::milliseconds(s->options.timeout_ms);
  bool done = s->RunUntil(deadline, [s] { return !s->waiting; });
  s->waiting = false;
  if (!done) {
    return Fail(ErrorCode::kUnavailable, "no CoAP response from " + s->peer + " within " +
                                             std::to_string(s->options.timeout_ms) + " ms");
  }
  if (s->failure) {
    return Unexpected(*s->failure);
  }
  return std::move(*s->response);
}

}  // namespace iotsec::net
