// Copyright iotsec authors.
// Onboarding one device over CoAP (include/iotsec/onboard/coap_device.h).
#include "iotsec/onboard/coap_device.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

// Helper is a thread that runs the exchanges a device makes in parallel with its own. Helpers
// outlive the device (one set per calling thread), so that their CoAP contexts, which the net
// layer keeps per thread, serve the next device too.
class Helper {
 public:
  Helper() : thread_([this] { Loop(); }) {}
  ~Helper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  std::future<void> Run(std::function<void()> job) {
    std::packaged_task<void()> task(std::move(job));
    std::future<void> done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(task));
    }
    cv_.notify_one();
    return done;
  }

 private:
  void Loop() {
    for (;;) {
      std::packaged_task<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) {
          return;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

// HelperFor returns the calling thread's |i|th helper.
Helper& HelperFor(size_t i) {
  thread_local std::vector<std::unique_ptr<Helper>> helpers;
  while (helpers.size() <= i) {
    helpers.push_back(std::make_unique<Helper>());
  }
  return *helpers[i];
}

std::string CodeText(int code) {
  return std::to_string(code >> 5) + "." + (code % 32 < 10 ? "0" : "") + std::to_string(code % 32);
}

// Exchange posts |message| to |path| on a fresh client and returns the answer of a 2.04, or
// the platform's refusal as an error; adds the traffic to |wire|.
Result<Bytes> Exchange(const PlatformEndpoint& platform, std::string_view path, ByteSpan message,
                       WireStats& wire, uint64_t& exchanges) {
  net::CoapClientOptions o;
  o.timeout_ms = platform.timeout_ms;
  IOTSEC_TRY(client, net::CoapClient::Connect(platform.host, platform.coap_port, o));
  auto response = client->Post(path, message);
  wire.bytes_sent += client->bytes_sent();
  wire.bytes_received += client->bytes_received();
  exchanges = client->exchanges();
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
  // Round trip 1: discovery (sealed to the discovery service; two exchanges if its answer
  // needs two blocks, RFC 7959).
  IOTSEC_TRY(pending, StartDiscovery(device_id, trust));
  uint64_t exchanges = 0;
  IOTSEC_TRY(answer, Exchange(platform, kDiscoveryPath, pending.message, out.wire, exchanges));
  out.wire.exchanges += exchanges;
  out.wire.round_trips += exchanges;
  IOTSEC_TRY(discovered, FinishDiscovery(pending, answer, trust));
  out.discovered = std::move(discovered);

  // Round trip 2: every service at once. The requests are signed here, one after the other
  // (the attestation key may be a TPM); the exchanges run in parallel.
  const LogAnchor anchor{out.discovered.tree_size, out.discovered.root, trust.origin};
  std::vector<PendingProvision> requests;
  for (const DiscoveredService& s : out.discovered.services) {
    ServiceInfo info;
    info.role = s.role;
    info.org_id = s.org_id;
    info.onboarding_key = s.onboarding_key;
    IOTSEC_TRY(p, StartProvision(device_id, attestation_key, info, now, anchor));
    requests.push_back(std::move(p));
  }
  struct Outcome {
    Result<Bytes> answer = Fail(ErrorCode::kInternal, "not run");
    WireStats wire;
    uint64_t exchanges = 0;
  };
  std::vector<Outcome> outcomes(requests.size());
  auto run = [&](size_t i) {
    const std::string path = kProvisionPathPrefix + requests[i].service.org_id;
    outcomes[i].answer =
        Exchange(platform, path, requests[i].message, outcomes[i].wire, outcomes[i].exchanges);
  };
  std::vector<std::future<void>> others;
  for (size_t i = 1; i < requests.size(); ++i) {
    others.push_back(HelperFor(i - 1).Run([&run, i] { run(i); }));
  }
  if (!requests.empty()) {
    run(0);
  }
  for (auto& f : others) {
    f.get();
  }
  uint64_t longest = 0;
  for (const Outcome& o : outcomes) {
    out.wire.bytes_sent += o.wire.bytes_sent;
    out.wire.bytes_received += o.wire.bytes_received;
    out.wire.exchanges += o.exchanges;
    longest = std::max(longest, o.exchanges);
  }
  out.wire.round_trips += longest;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!outcomes[i].answer) {
      return Unexpected(outcomes[i].answer.error());
    }
    IOTSEC_TRY(credentials, FinishProvision(requests[i], *outcomes[i].answer));
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
