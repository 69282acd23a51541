// Copyright iotsec authors.
// Helpers shared by the CoAP server and client (private to net/).
#ifndef IOTSEC_NET_COAP_INTERNAL_H_
#define IOTSEC_NET_COAP_INTERNAL_H_

#include <coap3/coap.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::net::internal {

// CoapGlobalInit initializes libcoap once per process (coap_startup is not thread-safe) and
// silences its logging: failures reach callers as Errors instead.
inline void CoapGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    coap_startup();
    coap_set_log_level(LOG_EMERG);
    coap_dtls_set_log_level(LOG_EMERG);
  });
}

// WireSize returns the encoded size of |pdu| as a CoAP-over-UDP message (RFC 7252 §3): the
// 4-octet header, the token, every option (delta/length octets included), and the payload
// marker and payload when there is a payload.
inline size_t WireSize(const coap_pdu_t* pdu) {
  size_t size = 4 + coap_pdu_get_token(pdu).length;
  coap_opt_iterator_t it;
  if (coap_option_iterator_init(pdu, &it, COAP_OPT_ALL) != nullptr) {
    while (coap_opt_t* opt = coap_option_next(&it)) {
      size += coap_opt_size(opt);
    }
  }
  size_t len = 0;
  const uint8_t* data = nullptr;
  if (coap_get_data(pdu, &len, &data) && len > 0) {
    size += 1 + len;
  }
  return size;
}

// SplitPath splits a resource path without a leading '/' into its Uri-Path segments
// (RFC 7252 §6.4). Fails with kInvalidArgument for an empty path, an empty segment, a segment
// longer than 255 octets (RFC 7252 §5.10) or a '?' or '#' (queries are not supported).
inline Result<std::vector<std::string_view>> SplitPath(std::string_view path) {
  if (path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "CoAP path is empty");
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "CoAP path '" + std::string(path) + "' must not contain '?' or '#'");
  }
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view seg = path.substr(start, end == std::string_view::npos ? end : end - start);
    if (seg.empty() || seg.size() > 255) {
      return Fail(ErrorCode::kInvalidArgument,
                  "CoAP path '" + std::string(path) +
                      "' has an empty or over-long segment (no leading, trailing or double '/')");
    }
    segments.push_back(seg);
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return segments;
}

// Resolve turns |host| and |port| into a UDP socket address. Fails with kInvalidArgument for a
// port out of range or a host that does not resolve.
inline Result<coap_address_t> Resolve(const std::string& host, int port) {
  if (port < 0 || port > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "port " + std::to_string(port) + " is out of range");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                "cannot resolve host '" + host + "': " + gai_strerror(rc));
  }
  coap_address_t addr;
  coap_address_init(&addr);
  bool ok = false;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
        ai->ai_addrlen <= sizeof(addr.addr)) {
      addr.size = ai->ai_addrlen;
      std::memcpy(&addr.addr, ai->ai_addr, ai->ai_addrlen);
      ok = true;
      break;
    }
  }
  freeaddrinfo(res);
  if (!ok) {
    return Fail(ErrorCode::kInvalidArgument, "host '" + host + "' has no IPv4 or IPv6 address");
  }
  return addr;
}

// Wipe overwrites |b| with zeros in a way the compiler cannot elide, then empties it; used for
// copies of pre-shared keys.
inline void Wipe(Bytes& b) {
  volatile uint8_t* p = b.data();
  for (size_t i = 0; i < b.size(); ++i) {
    p[i] = 0;
  }
  b.clear();
}

}  // namespace iotsec::net::internal

#endif  // IOTSEC_NET_COAP_INTERNAL_H_
