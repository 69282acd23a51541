// Copyright iotsec authors.
// OnboardPlatform (include/iotsec/server/onboard_platform.h): the discovery and provisioning
// roles on one CoAP server, the SPs' data endpoint on a DTLS server.
#include "iotsec/server/onboard_platform.h"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "iotsec/net/coap.h"
#include "iotsec/onboard/coap_device.h"
#include "iotsec/onboard/discovery.h"
#include "iotsec/server/onboard_directory.h"

namespace iotsec::server {

struct OnboardPlatform::Impl {
  LedgerNode* node = nullptr;
  OnboardPlatformOptions options;
  std::unique_ptr<LedgerDirectory> directory;
  std::unique_ptr<LedgerDiscoverySource> discovery_source;
  std::unique_ptr<onboard::DiscoveryService> discovery;
  std::vector<std::unique_ptr<LedgerKmsProofSource>> proofs;
  std::map<std::string, std::unique_ptr<onboard::ProvisioningService>> services;
  std::map<std::string, std::shared_ptr<const crypto::SecretBytes>> sp_keys;  // org -> key
  std::atomic<uint64_t> discoveries{0};
  std::atomic<uint64_t> provisions{0};
  std::atomic<uint64_t> refusals{0};
  std::atomic<uint64_t> readings{0};
  // Servers last: they are stopped first, while the services they call still exist.
  std::unique_ptr<net::CoapServer> coap;
  std::unique_ptr<net::CoapServer> dtls;

  // Answer turns a role's result into a CoAP response: 2.04 with the sealed answer, or the
  // error's code with its message as diagnostic payload (RFC 7252 §5.5.2).
  net::CoapResponse Answer(Result<Bytes> r, std::atomic<uint64_t>& done) {
    net::CoapResponse out;
    if (r) {
      ++done;
      out.code = net::CoapCode(2, 4);
      out.payload = std::move(*r);
      return out;
    }
    ++refusals;
    out.code = onboard::CoapCodeFor(r.error().code());
    const std::string& m = r.error().message();
    out.payload.assign(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(
                                                   m.size(), 256)));
    return out;
  }

  // PskFor gives the data endpoint the PSK of identity "<sp org id>:<pseudonym>": derived from
  // that SP's credential key (onboard::ServicePskFor); empty (refused) for anything else.
  Bytes PskFor(std::string_view identity) const {
    const size_t colon = identity.find(':');
    if (colon == std::string_view::npos) {
      return {};
    }
    auto it = sp_keys.find(std::string(identity.substr(0, colon)));
    if (it == sp_keys.end()) {
      return {};
    }
    auto psk = onboard::ServicePskFor(*it->second, identity.substr(colon + 1));
    if (!psk) {
      return {};
    }
    return ToBytes(psk->span());
  }
};

OnboardPlatform::OnboardPlatform(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OnboardPlatform::~OnboardPlatform() {
  if (impl_) {
    impl_->dtls.reset();
    impl_->coap.reset();
  }
}

Result<std::unique_ptr<OnboardPlatform>> OnboardPlatform::Start(LedgerNode& node,
                                                               OnboardPlatformOptions options) {
  if (!options.discovery_key) {
    return Fail(ErrorCode::kInvalidArgument, "onboarding platform: no discovery key");
  }
  auto impl = std::make_unique<Impl>();
  Impl* p = impl.get();
  p->node = &node;
  p->directory = std::make_unique<LedgerDirectory>(node);
  const ibc::KeyPeriod period = options.period;
  p->discovery_source = std::make_unique<LedgerDiscoverySource>(node, [period] { return period; });
  p->discovery =
      std::make_unique<onboard::DiscoveryService>(options.discovery_key, p->discovery_source.get());
  for (const HostedService& h : options.services) {
    if (p->services.count(h.org_id) != 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "onboarding platform: two services of " + h.org_id);
    }
    if (!h.kms || !h.onboarding_key || h.issuance == nullptr) {
      return Fail(ErrorCode::kInvalidArgument,
                  "onboarding platform: " + h.org_id + " needs a KMS, an onboarding key and an "
                  "issuance log");
    }
    p->proofs.push_back(std::make_unique<LedgerKmsProofSource>(node, h.org_id, period));
    onboard::ProvisioningServiceOptions o;
    o.role = h.role;
    o.org_id = h.org_id;
    o.period = period;
    o.kms = h.kms;
    o.onboarding_key = h.onboarding_key;
    o.credential_key = h.credential_key;
    o.directory = p->directory.get();
    o.issuance = h.issuance;
    o.kms_proof = p->proofs.back().get();
    IOTSEC_TRY(service, onboard::ProvisioningService::Create(std::move(o)));
    p->services.emplace(h.org_id, std::move(service));
    if (h.role == onboard::ServiceRole::kSp) {
      p->sp_keys.emplace(h.org_id, h.credential_key);
    }
  }

  std::vector<std::pair<std::string, net::CoapHandler>> handlers;
  handlers.emplace_back(onboard::kDiscoveryPath, [p](ByteSpan request) {
    return p->Answer(p->discovery->Handle(request), p->discoveries);
  });
  for (auto& [org, service] : p->services) {
    onboard::ProvisioningService* s = service.get();
    handlers.emplace_back(onboard::kProvisionPathPrefix + org, [p, s](ByteSpan request) {
      return p->Answer(s->Handle(request), p->provisions);
    });
  }
  net::CoapServerOptions plain;
  plain.host = options.host;
  plain.port = options.coap_port;
  plain.threads = options.threads;
  IOTSEC_TRY(coap, net::CoapServer::Start(plain, std::move(handlers)));
  p->coap = std::move(coap);

  net::CoapServerOptions secure;
  secure.host = options.host;
  secure.port = options.dtls_port;
  secure.psk_for = [p](std::string_view identity) { return p->PskFor(identity); };
  std::vector<std::pair<std::string, net::CoapHandler>> data;
  data.emplace_back(onboard::kDataPath, [p](ByteSpan reading) {
    ++p->readings;
    if (p->options.on_reading) {
      p->options.on_reading(reading);
    }
    return net::CoapResponse{net::CoapCode(2, 4), {}};
  });
  p->options = std::move(options);
  IOTSEC_TRY(dtls, net::CoapServer::Start(secure, std::move(data)));
  p->dtls = std::move(dtls);
  return std::unique_ptr<OnboardPlatform>(new OnboardPlatform(std::move(impl)));
}

int OnboardPlatform::coap_port() const { return impl_->coap->port(); }
int OnboardPlatform::dtls_port() const { return impl_->dtls->port(); }

OnboardStats OnboardPlatform::stats() const {
  OnboardStats s;
  s.discoveries = impl_->discoveries;
  s.provisions = impl_->provisions;
  s.refusals = impl_->refusals;
  s.readings = impl_->readings;
  s.retransmissions = impl_->coap->duplicates() + impl_->dtls->duplicates();
  return s;
}

uint64_t OnboardPlatform::wire_bytes() const {
  return impl_->coap->bytes_in() + impl_->coap->bytes_out() + impl_->dtls->bytes_in() +
         impl_->dtls->bytes_out();
}

}  // namespace iotsec::server
