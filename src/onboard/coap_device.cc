// Copyright iotsec authors.
// Onboarding one device over CoAP (include/iotsec/onboard/coap_device.h).
#include "iotsec/onboard/coap_device.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/net/coap.h"

namespace iotsec::onboard {
namespace {

// The CoAP codes of the platform's answers (RFC 7252 §5.9, §12.1.2).
constexpr int kChanged = net::CoapCode(2, 4);
constexpr int kBadRequest = net::CoapCode(4, 0);
constexpr int kUnauthorized = net::CoapCode(4, 1);
constexpr int kForbidden = net::CoapCode(4, 3);
constexpr int kNotFound = net::CoapCode(4, 4);
constexpr int kPreconditionFailed = net::CoapCode(4, 12);
constexpr int kTooLarge = net::CoapCode(4, 13);
constexpr int kInternalError = net::CoapCode(5, 0);
constexpr int kServiceUnavailable = net::CoapCode(5, 3);

std::string CodeText(int code) {
  return std::to_string(code >> 5) + "." + (code % 32 < 10 ? "0" : "") + std::to_string(code % 32);
}

// AnswerOf returns the payload of a 2.04 answer to the POST to |path|, or the platform's
// refusal as an error.
Result<Bytes> AnswerOf(std::string_view path, Result<net::CoapResponse> response) {
  if (!response) {
    return Unexpected(response.error());
  }
  if (response->code != kChanged) {
    const std::string diagnostic(response->payload.begin(), response->payload.end());
    return Fail(ErrorForCoap(response->code),
                "the platform answered " + CodeText(response->code) + " to /" +
                    std::string(path) + ": " + diagnostic.substr(0, 200));
  }
  return std::move(response->payload);
}

}  // namespace

int CoapCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return kBadRequest;
    case ErrorCode::kUnauthenticated:
      return kUnauthorized;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kAlreadyExists:
      return kForbidden;
    case ErrorCode::kNotFound:
      return kNotFound;
    case ErrorCode::kFailedPrecondition:
      return kPreconditionFailed;
    case ErrorCode::kUnavailable:
      return kServiceUnavailable;
    default:
      return kInternalError;
  }
}

ErrorCode ErrorForCoap(int coap_code) {
  switch (coap_code) {
    case kBadRequest:
    case kTooLarge:
      return ErrorCode::kInvalidArgument;
    case kUnauthorized:
      return ErrorCode::kUnauthenticated;
    case kForbidden:
      return ErrorCode::kPermissionDenied;
    case kNotFound:
      return ErrorCode::kNotFound;
    case kPreconditionFailed:
      return ErrorCode::kFailedPrecondition;
    case kServiceUnavailable:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

Result<Onboarded> OnboardOverCoap(const PlatformEndpoint& platform, const DiscoveryTrust& trust,
                                  std::string_view device_id,
                                  device::AttestationKey& attestation_key,
                                  const ibc::KeyPeriod& now) {
  Onboarded out;
  // One CoAP session (one UDP socket) for the device's whole onboarding.
  net::CoapClientOptions o;
  o.timeout_ms = platform.timeout_ms;
  IOTSEC_TRY(client, net::CoapClient::Connect(platform.host, platform.coap_port, o));
  auto count_wire = [&out, &client] {
    out.wire.bytes_sent = client->bytes_sent();
    out.wire.bytes_received = client->bytes_received();
    out.wire.exchanges = client->exchanges();
  };

  // Round trip 1: discovery (sealed to the discovery service; two exchanges if its answer
  // needs two blocks, RFC 7959).
  // Discovery changes nothing on the platform, so a 5.03 (a block-wise answer the platform no
  // longer held, net::CoapServerOptions::max_idle_sessions) is asked for once more.
  IOTSEC_TRY(pending, StartDiscovery(device_id, trust));
  Result<Bytes> answer = Fail(ErrorCode::kUnavailable, "discovery was not asked");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto discovery = client->Post(kDiscoveryPath, pending.message);
    count_wire();
    const bool again = discovery && discovery->code == kServiceUnavailable;
    if (discovery) {
      out.wire.round_trips += discovery->exchanges;
    }
    answer = AnswerOf(kDiscoveryPath, std::move(discovery));
    if (!again) {
      break;
    }
  }
  if (!answer) {
    return Unexpected(answer.error());
  }
  IOTSEC_TRY(discovered, FinishDiscovery(pending, *answer, trust));
  out.discovered = std::move(discovered);

  // Round trip 2: every service at once. The requests are signed here, one after the other
  // (the attestation key may be a TPM), and sealed with the ephemeral key of the discovery
  // request (doc/protocol/onboarding.md §3.1); then they are sent together and their answers
  // awaited together on the one session.
  const LogAnchor anchor{out.discovered.tree_size, out.discovered.root, trust.origin};
  std::vector<PendingProvision> requests;
  std::vector<std::string> paths;
  for (const DiscoveredService& s : out.discovered.services) {
    ServiceInfo info;
    info.role = s.role;
    info.org_id = s.org_id;
    info.onboarding_key = s.onboarding_key;
    IOTSEC_TRY(p, StartProvision(device_id, attestation_key, info, now, anchor,
                                 *pending.ephemeral));
    requests.push_back(std::move(p));
    paths.push_back(kProvisionPathPrefix + s.org_id);
  }
  std::vector<net::CoapPost> posts;
  for (size_t i = 0; i < requests.size(); ++i) {
    posts.push_back({paths[i], requests[i].message});
  }
  IOTSEC_TRY(responses, client->PostAll(posts));
  count_wire();
  uint64_t longest = 0;
  for (const auto& r : responses) {
    if (r) {
      longest = std::max(longest, r->exchanges);
    }
  }
  out.wire.round_trips += longest;
  for (size_t i = 0; i < requests.size(); ++i) {
    IOTSEC_TRY(provisioned, AnswerOf(paths[i], std::move(responses[i])));
    IOTSEC_TRY(credentials, FinishProvision(requests[i], provisioned));
    if (requests[i].service.role == ServiceRole::kMno) {
      out.network = std::move(credentials);
    } else {
      out.services.emplace_back(requests[i].service.org_id, std::move(credentials));
    }
  }
  return out;
}

std::string DtlsIdentity(std::string_view sp_org, const Credentials& credentials) {
  return std::string(sp_org) + ":" + credentials.psk_identity;
}

Result<net::CoapResponse> SendReading(const PlatformEndpoint& platform, std::string_view sp_org,
                                      const Credentials& credentials, ByteSpan reading,
                                      WireStats* wire) {
  net::CoapClientOptions o;
  o.timeout_ms = platform.timeout_ms;
  o.psk_identity = DtlsIdentity(sp_org, credentials);
  o.psk = ToBytes(credentials.psk.span());
  auto client = net::CoapClient::Connect(platform.host, platform.dtls_port, o);
  std::fill(o.psk.begin(), o.psk.end(), 0);  // the client keeps its own copy
  if (!client) {
    return Unexpected(client.error());
  }
  auto response = (*client)->Post(kDataPath, reading);
  if (wire != nullptr) {
    wire->bytes_sent += (*client)->bytes_sent();
    wire->bytes_received += (*client)->bytes_received();
    wire->exchanges += (*client)->exchanges();
  }
  return response;
}

}  // namespace iotsec::onboard
