// Copyright iotsec authors.
// The HTTP client of a ledger node's API (doc/api.md) on cpp-httplib.
#include "iotsec/server/ledger_client.h"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "iotsec/common/error.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"

namespace iotsec::server {
namespace {

constexpr char kScheme[] = "http://";
// kMaxUrlSize bounds the node URL.
constexpr size_t kMaxUrlSize = 512;
// kMaxQuoted bounds the part of an unexpected answer quoted in an error message.
constexpr size_t kMaxQuoted = 120;
// kMaxMessage bounds the error message of the node kept in an Error.
constexpr size_t kMaxMessage = 1000;

struct Endpoint {
  std::string host;
  int port = 0;
};

// ParseUrl accepts exactly "http://HOST:PORT" with an optional trailing "/".
Result<Endpoint> ParseUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "node URL \"" +
                                                 std::string(url.substr(0, kMaxUrlSize)) +
                                                 "\": " + why + " (want http://HOST:PORT)");
  };
  if (url.size() > kMaxUrlSize) {
    return bad("longer than " + std::to_string(kMaxUrlSize) + " characters");
  }
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return bad("no scheme");
  }
  if (url.substr(0, sep + 3) != kScheme) {
    return bad("scheme \"" + std::string(url.substr(0, sep)) + "\" is not supported, only http");
  }
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  Endpoint e;
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return bad("a bracketed IPv6 host must be followed by :PORT");
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                 c == ':' || c == '.';
        })) {
      return bad("malformed IPv6 address");
    }
  } else {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      return bad("no port");
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.empty()) {
      return bad("no host");
    }
    for (char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.';
      if (!ok) {
        return bad("the host may hold only letters, digits, '-' and '.'");
      }
    }
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("the port must be a decimal number 1..65535");
  }
  int p = 0;
  for (char c : port) {
    p = p * 10 + (c - '0');
  }
  if (p < 1 || p > 65535) {
    return bad("the port must be a decimal number 1..65535");
  }
  e.host = std::string(host);
  e.port = p;
  return e;
}

// PercentEncode encodes every octet outside the RFC 3986 §2.3 unreserved set.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::optional<ErrorCode> CodeByName(std::string_view name) {
  constexpr ErrorCode kAll[] = {
      ErrorCode::kInvalidArgument,  ErrorCode::kNotFound,        ErrorCode::kAlreadyExists,
      ErrorCode::kPermissionDenied, ErrorCode::kUnauthenticated, ErrorCode::kFailedPrecondition,
      ErrorCode::kDataLoss,         ErrorCode::kUnavailable,     ErrorCode::kInternal,
  };
  for (ErrorCode c : kAll) {
    if (ErrorCodeName(c) == name) {
      return c;
    }
  }
  return std::nullopt;
}

// Printable returns |message| (the node's, untrusted) with control characters replaced by '?'
// and cut to kMaxMessage octets, so that it cannot drive a terminal.
std::string Printable(std::string_view message) {
  std::string out;
  for (char c : message.substr(0, kMaxMessage)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (message.size() > kMaxMessage) {
    out += "...";
  }
  return out;
}

std::string Quote(std::string_view body) {
  std::string q;
  for (char c : body.substr(0, kMaxQuoted)) {
    q.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return "\"" + q + (body.size() > kMaxQuoted ? "...\"" : "\"");
}

}  // namespace

struct LedgerClient::Impl {
  Impl(std::string u, const Endpoint& e, size_t max_answer)
      : url(std::move(u)), max_answer_bytes(max_answer), client(e.host, e.port) {
    client.set_keep_alive(true);
    // Small requests and answers: without TCP_NODELAY a request written in two parts waits
    // for the peer's delayed ACK (Nagle), about 40 ms per request.
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(kClientTimeoutSeconds, 0);
    client.set_read_timeout(kClientTimeoutSeconds, 0);
    client.set_write_timeout(kClientTimeoutSeconds, 0);
  }

  // Exchange sends |method| |path| (with |body| as application/cose when not empty) and
  // returns the body of a 200 answer or the error the answer carries. The answer is read only
  // up to max_answer_bytes.
  Result<std::string> Exchange(const char* method, const std::string& path, ByteSpan body,
                               std::string_view what) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (!body.empty()) {
      req.body.assign(reinterpret_cast<const char*>(body.data()), body.size());
      req.set_header("Content-Type", "application/cose");
    }
    bool too_large = false;
    const uint64_t limit = max_answer_bytes;
    req.progress = [&too_large, limit](uint64_t current, uint64_t total) {
      if (current > limit || total > limit) {
        too_large = true;
        return false;
      }
      return true;
    };
    httplib::Result r = client.send(req);
    if (too_large) {
      return Fail(ErrorCode::kUnavailable, std::string(what) + ": the answer of " + url +
                                               " is larger than " + std::to_string(limit) +
                                               " octets");
    }
    return Answer(r, what);
  }

  // Answer turns an HTTP exchange into the body of a 200 answer or the error it carries.
  Result<std::string> Answer(const httplib::Result& r, std::string_view what) {
    if (!r) {
      return Fail(ErrorCode::kUnavailable, std::string(what) + ": cannot reach the node at " + url +
                                               ": " + httplib::to_string(r.error()));
    }
    if (r->status == 200) {
      return r->body;
    }
    // doc/api.md "Errors": {"error": <code name>, "message": <text>}.
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string() &&
        j.contains("message") && j["message"].is_string()) {
      if (auto code = CodeByName(j["error"].get<std::string>())) {
        return Fail(*code, Printable(j["message"].get<std::string>()));
      }
    }
    return Fail(ErrorCode::kUnavailable, std::string(what) + ": unexpected answer from " + url +
                                             ": HTTP " + std::to_string(r->status) + " " +
                                             Quote(r->body));
  }

  // JsonObject parses a success answer that must be a JSON object.
  static Result<nlohmann::json> JsonObject(const std::string& body, std::string_view what) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Fail(ErrorCode::kDataLoss,
                  std::string(what) + ": the node's answer is not a JSON object: " + Quote(body));
    }
    return j;
  }

  std::string url;
  size_t max_answer_bytes;
  httplib::Client client;
};

LedgerClient::LedgerClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LedgerClient::LedgerClient(LedgerClient&&) noexcept = default;
LedgerClient& LedgerClient::operator=(LedgerClient&&) noexcept = default;
LedgerClient::~LedgerClient() = default;

Result<LedgerClient> LedgerClient::Create(std::string_view url, size_t max_answer_bytes) {
  IOTSEC_TRY(endpoint, ParseUrl(url));
  std::string u(url);
  if (u.back() == '/') {
    u.pop_back();
  }
  return LedgerClient(std::make_unique<Impl>(std::move(u), endpoint, max_answer_bytes));
}

const std::string& LedgerClient::url() const { return impl_->url; }

Result<std::string> LedgerClient::Checkpoint() {
  return impl_->Exchange("GET", "/checkpoint", {}, "GET /checkpoint");
}

Result<std::string> LedgerClient::Origin() {
  IOTSEC_TRY(text, Checkpoint());
  const size_t nl = text.find('\n');
  if (nl == std::string::npos) {
    return Fail(ErrorCode::kDataLoss, "GET /checkpoint: the answer has no origin line");
  }
  std::string origin = text.substr(0, nl);
  if (auto st = ledger::CheckOrigin(origin); !st) {
    return Fail(ErrorCode::kDataLoss, "GET /checkpoint: bad origin line: " + st.error().message());
  }
  return origin;
}

Result<uint64_t> LedgerClient::NextSeq(std::string_view org) {
  IOTSEC_RETURN_IF_ERROR(ledger::CheckOrgId(org));
  const std::string what = "GET /v1/ledger/orgs/" + std::string(org);
  IOTSEC_TRY(body, impl_->Exchange("GET", "/v1/ledger/orgs/" + PercentEncode(org), {}, what));
  IOTSEC_TRY(j, Impl::JsonObject(body, what));
  if (!j.contains("next_seq") || !j["next_seq"].is_number_unsigned() ||
      j["next_seq"].get<uint64_t>() == 0) {
    return Fail(ErrorCode::kDataLoss, what + ": the answer has no positive integer \"next_seq\"");
  }
  return j["next_seq"].get<uint64_t>();
}

Result<SubmitResult> LedgerClient::Submit(ByteSpan record) {
  if (record.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an empty record cannot be submitted");
  }
  const char what[] = "POST /v1/ledger/records";
  IOTSEC_TRY(body, impl_->Exchange("POST", "/v1/ledger/records", record, what));
  IOTSEC_TRY(j, Impl::JsonObject(body, what));
  if (!j.contains("index") || !j["index"].is_number_unsigned() || !j.contains("leaf_hash") ||
      !j["leaf_hash"].is_string()) {
    return Fail(
        ErrorCode::kDataLoss,
        std::string(what) + ": the answer lacks \"index\" or \"leaf_hash\": " + Quote(body));
  }
  auto hash = HexDecodeExact(j["leaf_hash"].get<std::string>(), sizeof(ledger::Hash), "leaf_hash");
  if (!hash) {
    return Fail(ErrorCode::kDataLoss, std::string(what) + ": " + hash.error().message());
  }
  SubmitResult out;
  out.index = j["index"].get<uint64_t>();
  std::copy(hash->begin(), hash->end(), out.leaf_hash.begin());
  return out;
}

Result<std::string> LedgerClient::DeviceStateJson(std::string_view device_id) {
  IOTSEC_TRY(parts, ledger::ParseDeviceId(device_id));
  (void)parts;
  const std::string what = "GET /v1/ledger/devices/" + std::string(device_id);
  IOTSEC_TRY(body,
             impl_->Exchange("GET", "/v1/ledger/devices/" + PercentEncode(device_id), {}, what));
  IOTSEC_TRY(j, Impl::JsonObject(body, what));
  (void)j;
  return body;
}

}  // namespace iotsec::server
