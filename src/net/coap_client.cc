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

  // Pending is the state of one outstanding request of Post or PostAll.
  struct Pending {
    Bytes token;
    coap_mid_t mid = COAP_INVALID_MID;
    bool waiting = false;
    std::optional<CoapResponse> response;
    Bytes body;  // the blocks of the response received so far
    uint64_t exchanges = 0;
    std::optional<Error> failure;
  };
  // The requests of the current Post or PostAll.
  std::vector<Pending> pending;
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

  // Waiting returns the request still waiting whose token is |t|, or null.
  Pending* Waiting(coap_bin_const_t t) {
    for (Pending& p : pending) {
      if (p.waiting && t.length == p.token.size() &&
          (t.length == 0 || std::memcmp(t.s, p.token.data(), t.length) == 0)) {
        return &p;
      }
    }
    return nullptr;
  }

  // AnyWaiting reports whether a request of the current Post or PostAll still waits.
  bool AnyWaiting() const {
    return std::any_of(pending.begin(), pending.end(), [](const Pending& p) { return p.waiting; });
  }

  // Finish ends request |p| with its response or |error|.
  void Finish(Pending& p, std::optional<Error> error) {
    if (!p.waiting) {
      return;
    }
    p.failure = std::move(error);
    p.waiting = false;
    if (p.failure) {
      p.body.clear();
    }
  }

  // FailAll ends every waiting request with |error|.
  void FailAll(const Error& error) {
    for (Pending& p : pending) {
      Finish(p, error);
    }
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
    Pending* p = self->Waiting(tok);
    if (p == nullptr) {
      return COAP_RESPONSE_FAIL;
    }
    ++self->exchanges;
    ++p->exchanges;
    size_t size = internal::WireSize(received);
    coap_block_t block{};
    bool blockwise = coap_get_block(received, COAP_OPTION_BLOCK2, &block) != 0;
    if (blockwise && block.num > 0 && sent != nullptr &&
        self->Waiting(coap_pdu_get_token(sent)) != p) {
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
      offset = blockwise ? p->body.size() : 0;
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
      self->Finish(
          *p, Error(ErrorCode::kInvalidArgument,
                    "CoAP response from " + self->peer + " is larger than max_response (" +
                        std::to_string(limit) + " octets; " +
                        std::to_string(std::max(announced, offset + std::min(len, limit))) +
                        " announced or received): resource exhausted"));
      return COAP_RESPONSE_FAIL;
    }
    if (offset != p->body.size()) {
      self->Finish(*p, Error(ErrorCode::kUnavailable,
                             "CoAP response from " + self->peer + " has a block at offset " +
                                 std::to_string(offset) + " where " +
                                 std::to_string(p->body.size()) + " was expected"));
      return COAP_RESPONSE_FAIL;
    }
    if (len > 0) {
      p->body.insert(p->body.end(), data, data + len);
    }
    // RFC 7959 §2.2: M = 0 marks the last block.
    if (blockwise && block.m) {
      return COAP_RESPONSE_OK;
    }
    CoapResponse resp;
    resp.code = static_cast<int>(coap_pdu_get_code(received));
    resp.payload = std::move(p->body);
    resp.exchanges = p->exchanges;
    p->body.clear();
    p->response = std::move(resp);
    self->Finish(*p, std::nullopt);
    return COAP_RESPONSE_OK;
  }

  static void OnNack(coap_session_t* session, const coap_pdu_t* /*sent*/,
                     const coap_nack_reason_t reason, const coap_mid_t mid) {
    Impl* self = From(session);
    if (self == nullptr || !self->AnyWaiting()) {
      return;
    }
    if (reason == COAP_NACK_TLS_FAILED) {
      self->FailAll(Error(ErrorCode::kUnauthenticated,
                          "CoAP POST to " + self->peer + " failed: " + NackText(reason)));
      return;
    }
    for (Pending& p : self->pending) {
      if (p.waiting && p.mid == mid) {
        self->Finish(p, Error(ErrorCode::kUnavailable,
                              "CoAP POST to " + self->peer + " failed: " + NackText(reason)));
      }
    }
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
      self->FailAll(*self->session_error);
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
  const CoapPost post{path, payload};
  IOTSEC_TRY(outcomes, PostAll(std::span<const CoapPost>(&post, 1)));
  return std::move(outcomes.front());
}

Result<std::vector<Result<CoapResponse>>> CoapClient::PostAll(std::span<const CoapPost> posts) {
  Impl* s = impl_.get();
  if (s->session_error) {
    return Unexpected(*s->session_error);
  }
  // Every message is built before any is sent, so that a bad request sends nothing.
  std::vector<coap_pdu_t*> pdus;
  auto free_pdus = [&pdus] {
    for (coap_pdu_t* pdu : pdus) {
      coap_delete_pdu(pdu);
    }
    pdus.clear();
  };
  std::vector<Impl::Pending> pending(posts.size());
  for (size_t i = 0; i < posts.size(); ++i) {
    auto segments = internal::SplitPath(posts[i].path);
    if (!segments) {
      free_pdus();
      return Unexpected(segments.error());
    }
    // RFC 7252 §4.2 / §5.8.2: a confirmable POST, retransmitted by libcoap until acknowledged.
    coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, s->session);
    if (pdu == nullptr) {
      free_pdus();
      return Fail(ErrorCode::kInternal, "libcoap could not allocate a CoAP message");
    }
    pdus.push_back(pdu);
    uint8_t token[8];
    size_t token_len = 0;
    coap_session_new_token(s->session, &token_len, token);
    if (!coap_add_token(pdu, token_len, token)) {
      free_pdus();
      return Fail(ErrorCode::kInternal, "libcoap could not add a token");
    }
    pending[i].token.assign(token, token + token_len);
    for (std::string_view seg : *segments) {
      if (coap_add_option(pdu, COAP_OPTION_URI_PATH, seg.size(),
                          reinterpret_cast<const uint8_t*>(seg.data())) == 0) {
        free_pdus();
        return Fail(ErrorCode::kInvalidArgument,
                    "CoAP path '" + std::string(posts[i].path) + "' does not fit in one message");
      }
    }
    const ByteSpan payload = posts[i].payload;
    if (!payload.empty() && !coap_add_data(pdu, payload.size(), payload.data())) {
      free_pdus();
      return Fail(ErrorCode::kInvalidArgument,
                  "payload of " + std::to_string(payload.size()) +
                      " octets does not fit in one CoAP message (block-wise transfer is not "
                      "supported)");
    }
  }
  s->pending = std::move(pending);
  for (size_t i = 0; i < pdus.size(); ++i) {
    Impl::Pending& p = s->pending[i];
    const size_t size = internal::WireSize(pdus[i]);
    p.waiting = true;
    p.mid = coap_send(s->session, pdus[i]);  // takes ownership of the message
    pdus[i] = nullptr;
    if (p.mid == COAP_INVALID_MID) {
      if (p.waiting) {
        s->Finish(p, Error(ErrorCode::kUnavailable, "cannot send a CoAP request to " + s->peer));
      }
      continue;
    }
    s->sent += size;
  }
  pdus.clear();

  auto deadline = Clock::now() + std::chrono::milliseconds(s->options.timeout_ms);
  s->RunUntil(deadline, [s] { return !s->AnyWaiting(); });
  std::vector<Result<CoapResponse>> out;
  out.reserve(s->pending.size());
  for (Impl::Pending& p : s->pending) {
    if (p.waiting) {
      out.push_back(Fail(ErrorCode::kUnavailable, "no CoAP response from " + s->peer +
                                                      " within " +
                                                      std::to_string(s->options.timeout_ms) +
                                                      " ms"));
    } else if (p.failure) {
      out.push_back(Unexpected(*p.failure));
    } else {
      out.push_back(std::move(*p.response));
    }
  }
  // Late responses to these requests are rejected with a Reset (OnResponse finds no one).
  s->pending.clear();
  return out;
}

}  // namespace iotsec::net
