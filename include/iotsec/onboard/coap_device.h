// Copyright iotsec authors.
// Zero-touch onboarding of one device over CoAP (doc/protocol/onboarding.md §3): the device
// side of the whole flow on real sockets. Round trip 1 asks the platform's discovery service;
// round trip 2 asks the MNO and every SP the ledger names, in parallel; then the device talks to
// its SPs over CoAP with DTLS (RFC 7925 PSK profile) with the service credentials it received.
//
// CoAP resources of a platform (doc/protocol/onboarding.md §3, server::OnboardPlatform):
//   POST /d           discovery request (plain CoAP; the message is sealed end to end)
//   POST /p/<org id>  provisioning request to the MNO or SP <org id>
//   POST /data        a reading, over DTLS, PSK identity "<sp org id>:<pseudonym>"
// Responses: 2.04 Changed with the sealed answer, or an error code (4.00 malformed, 4.01 does
// not open or verify, 4.03 refused by the ledger or already issued, 4.04 unknown device,
// 4.12 precondition failed: not bound, or a ledger the service does not have yet; 5.00) with a
// diagnostic payload (RFC 7252 §5.5.2).
#ifndef IOTSEC_ONBOARD_COAP_DEVICE_H_
#define IOTSEC_ONBOARD_COAP_DEVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/device/attestation.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/net/coap.h"
#include "iotsec/onboard/discovery.h"
#include "iotsec/onboard/provision.h"

namespace iotsec::onboard {

// kDiscoveryPath, kProvisionPathPrefix and kDataPath are the platform's CoAP resources.
inline constexpr char kDiscoveryPath[] = "d";
inline constexpr char kProvisionPathPrefix[] = "p/";
inline constexpr char kDataPath[] = "data";

// PlatformEndpoint is where a device reaches the platform: its plain CoAP port (discovery and
// provisioning) and its DTLS port (service data).
struct PlatformEndpoint {
  std::string host = "127.0.0.1";
  int coap_port = 5683;
  int dtls_port = 5684;
  int timeout_ms = 5000;
};

// WireStats counts what a device exchanged: CoAP messages as encoded on the wire, both ways
// (net::CoapClient), request/response exchanges, and round trips: exchanges that had to wait
// for one another (the discovery exchanges plus the longest of the parallel provisioning
// exchanges; retransmissions are not counted).
struct WireStats {
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t exchanges = 0;
  uint64_t round_trips = 0;
};

// Onboarded is what a device has after onboarding: what it discovered, its network credential
// and ECCSI key pair from its MNO (if bound to one), and its service credential from each SP
// (in the binding's order).
struct Onboarded {
  Discovered discovered;
  std::optional<Credentials> network;
  std::vector<std::pair<std::string, Credentials>> services;
  WireStats wire;
};

// OnboardOverCoap runs discovery then provisioning for |device_id| against |platform|, signing
// with |attestation_key| for key period |now|, all on one CoAP session: the provisioning
// requests to every service are sent at once and their answers awaited together, from the
// calling thread (net::CoapClient::PostAll). Fails with the first error: the platform's refusal
// (its CoAP code mapped back: kInvalidArgument, kUnauthenticated, kPermissionDenied, kNotFound,
// kFailedPrecondition; the message has the diagnostic), kUnavailable when the platform does not
// answer, or a check of the answer failing on the device (FinishDiscovery, FinishProvision).
Result<Onboarded> OnboardOverCoap(const PlatformEndpoint& platform, const DiscoveryTrust& trust,
                                  std::string_view device_id,
                                  device::AttestationKey& attestation_key,
                                  const ibc::KeyPeriod& now);

// DtlsIdentity returns the DTLS PSK identity a device presents to the data endpoint for its
// service credential |credentials| of SP |sp_org|: "<sp org id>:<pseudonym>".
std::string DtlsIdentity(std::string_view sp_org, const Credentials& credentials);

// SendReading connects to the platform's data endpoint over DTLS with the service credential of
// |sp_org| and POSTs |reading| to /data; returns the response. |wire|, if given, gets the
// bytes and exchanges added. Fails with kUnavailable if the handshake does not complete (a
// wrong credential looks like that), or the error of the exchange.
Result<net::CoapResponse> SendReading(const PlatformEndpoint& platform, std::string_view sp_org,
                                      const Credentials& credentials, ByteSpan reading,
                                      WireStats* wire = nullptr);

// CoapCodeFor maps an error code to the CoAP response code the platform answers with; and
// ErrorForCoap maps a response code back (the device side). Both are the table in the file
// comment.
int CoapCodeFor(ErrorCode code);
ErrorCode ErrorForCoap(int coap_code);

}  // namespace iotsec::onboard

#endif  // IOTSEC_ONBOARD_COAP_DEVICE_H_
