// Copyright iotsec authors.
// iotsec fleet onboard --devices N [--concurrency C] [--threads T] [--keep]
// iotsec demo [--devices N]
//
// Both set up a fleet in this process on loopback (onboard_fleet.h): a ledger node in a
// temporary directory, its onboarding platform, and N devices born, sold and bound on the
// ledger. `fleet onboard` onboards them all zero-touch over CoAP, C at a time, each sending a
// first reading to its SP over DTLS, and reports rate, latency and cost on the wire
// (doc/protocol/onboarding.md §1 budget). `demo` plays the X.ztd-iot scenario with two SPs
// (and, if swtpm is installed, a device whose attestation key is in a software TPM 2.0), then
// attacks the platform in the ways of doc/protocol/onboarding.md §4, each over real CoAP/DTLS,
// and shows every attack refused.

#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "iotsec/crypto/random.h"
#include "iotsec/device/swtpm.h"
#include "iotsec/net/coap.h"
#include "iotsec/onboard/coap_device.h"
#include "iotsec/onboard/discovery.h"
#include "iotsec/server/onboard_directory.h"
#include "onboard_fleet.h"

namespace iotsec::cli {
namespace {

// The JSON value of an optional error.
nlohmann::json OrNull(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

std::string Fixed(double v, int decimals) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*f", decimals, v);
  return s;
}

// Rate is |n| per second of |seconds|, 0 when no time passed.
double Rate(size_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0; }

// RunJson puts the figures of |run| into |j|.
void RunJson(const FleetRun& run, nlohmann::json& j) {
  j["devices"] = run.devices;
  j["onboarded"] = run.onboarded;
  j["failed"] = run.failed;
  j["rate_per_s"] = Rate(run.onboarded, run.seconds);
  j["p50_ms"] = run.p50_ms;
  j["p99_ms"] = run.p99_ms;
  j["bytes_per_device"] = run.bytes_per_device;
  j["round_trips_per_device"] = run.round_trips_per_device;
  j["exchanges_per_device"] = run.exchanges_per_device;
  j["readings"] = run.read;
  j["reading_rate_per_s"] = Rate(run.read, run.reading_seconds);
  j["reading_p50_ms"] = run.reading_p50_ms;
  j["reading_p99_ms"] = run.reading_p99_ms;
  j["reading_bytes_per_device"] = run.reading_bytes_per_device;
  j["end_to_end_rate_per_s"] = Rate(run.read, run.seconds + run.reading_seconds);
  j["first_error"] = OrNull(run.first_error);
}

// RunTable is the human table of |run|.
std::string RunTable(const FleetRun& run) {
  std::string t;
  t += "devices                        " + std::to_string(run.devices) + "\n";
  t += "onboarded                      " + std::to_string(run.onboarded) + "\n";
  t += "first reading sent             " + std::to_string(run.read) + "\n";
  t += "failed                         " + std::to_string(run.failed) + "\n";
  t += "onboarding rate                " + Fixed(Rate(run.onboarded, run.seconds), 0) +
       " devices/s (" + Fixed(run.seconds, 2) + " s)\n";
  t += "onboarding latency p50 / p99   " + Fixed(run.p50_ms, 1) + " / " + Fixed(run.p99_ms, 1) +
       " ms\n";
  t += "bytes per device (onboarding)  " + Fixed(run.bytes_per_device, 0) + "\n";
  t += "round trips per device (max)   " + std::to_string(run.round_trips_per_device) + "\n";
  t += "exchanges per device (mean)    " + Fixed(run.exchanges_per_device, 2) + "\n";
  t += "first readings (DTLS)          " + Fixed(Rate(run.read, run.reading_seconds), 0) +
       " devices/s (" + Fixed(run.reading_seconds, 2) + " s), p50 / p99 " +
       Fixed(run.reading_p50_ms, 1) + " / " + Fixed(run.reading_p99_ms, 1) + " ms, " +
       Fixed(run.reading_bytes_per_device, 0) + " bytes per device";
  if (run.first_error) {
    t += "\nfirst error                    " + *run.first_error;
  }
  return t;
}

// ---- fleet onboard ----

struct FleetArgs {
  size_t devices = 1000;
  size_t concurrency = 64;
  int threads = 1;
  bool keep = false;
};

Result<Outcome> FleetOnboard(const FleetArgs& a) {
  if (a.concurrency == 0 || a.concurrency > 1024) {
    return Fail(ErrorCode::kInvalidArgument, "--concurrency must be 1..1024");
  }
  FleetOptions fo;
  fo.devices = a.devices;
  fo.sps = 1;
  fo.platform_threads = a.threads;
  fo.keep = a.keep;
  fo.label = "fleet onboard";
  IOTSEC_TRY(fleet, Fleet::Create(fo));
  FleetRunOptions ro;
  ro.concurrency = a.concurrency;
  ro.label = "fleet onboard";
  const FleetRun run = RunFleetOnboarding(*fleet, ro);

  Outcome out;
  RunJson(run, out.json);
  out.json["setup_s"] = fleet->setup_s();
  out.json["retransmissions_answered"] = fleet->platform().stats().retransmissions;
  out.json["concurrency"] = a.concurrency;
  out.json["threads"] = a.threads;
  out.line = RunTable(run) + "\nsetup                          " + Fixed(fleet->setup_s(), 2) +
             " s; concurrency " + std::to_string(a.concurrency) + ", platform threads " +
             std::to_string(a.threads);
  if (run.failed != 0) {
    out.exit = kExitCheckFailed;
    out.line += "\n" + std::to_string(run.failed) + " of " + std::to_string(run.devices) +
                " devices did not onboard or send their first reading";
  }
  return out;
}

// ---- demo: a device with its attestation key in a software TPM ----

// kTpmKeyHandle is where the TPM device keeps its attestation key (an owner persistent
// handle, TPM 2.0 Part 1 §27.3).
constexpr uint32_t kTpmKeyHandle = 0x81010001;

// ---- demo: attacks ----

// Attack is one attempt on the platform and how it ended.
struct Attack {
  std::string name;
  bool refused = false;
  std::string detail;
};

std::string CodeText(int code) {
  char s[16];
  std::snprintf(s, sizeof s, "%d.%02d", code >> 5, code & 31);
  return s;
}

std::string Diagnostic(const net::CoapResponse& r) {
  std::string d(r.payload.begin(), r.payload.end());
  for (char& c : d) {
    if (c < 0x20 || c > 0x7e) {
      c = '?';
    }
  }
  return d.size() > 120 ? d.substr(0, 120) + "..." : d;
}

// Post sends one plain CoAP POST to the platform, as a device (or an attacker) would.
Result<net::CoapResponse> Post(const onboard::PlatformEndpoint& e, std::string_view path,
                               ByteSpan payload) {
  net::CoapClientOptions o;
  o.timeout_ms = e.timeout_ms;
  IOTSEC_TRY(client, net::CoapClient::Connect(e.host, e.coap_port, o));
  return client->Post(path, payload);
}

// Discover runs round trip 1 with the lower-level API (doc/protocol/onboarding.md §3.2).
Result<onboard::Discovered> Discover(const Fleet& fleet, const std::string& device_id) {
  IOTSEC_TRY(pending, onboard::StartDiscovery(device_id, fleet.trust()));
  IOTSEC_TRY(r, Post(fleet.endpoint(), onboard::kDiscoveryPath, pending.message));
  if (r.code != net::CoapCode(2, 4)) {
    return Fail(onboard::ErrorForCoap(r.code),
                "discovery answered " + CodeText(r.code) + ": " + Diagnostic(r));
  }
  return onboard::FinishDiscovery(pending, r.payload, fleet.trust());
}

// StartFor builds a provisioning request of |device| to |org| after discovery |d|.
Result<onboard::PendingProvision> StartFor(const Fleet& fleet, FleetDevice& device,
                                           const onboard::Discovered& d, const std::string& org) {
  const FleetService* s = fleet.service(org);
  if (s == nullptr) {
    return Fail(ErrorCode::kNotFound, "no service " + org);
  }
  onboard::ServiceInfo info;
  info.role = s->role;
  info.org_id = org;
  info.onboarding_key = s->onboarding_key->PublicKey();
  onboard::LogAnchor anchor{d.tree_size, d.root, fleet.trust().origin};
  return onboard::StartProvision(device.id, *device.key, info, fleet.period(), anchor);
}

// Expect records an attack answered over CoAP: refused iff the platform answered |want|.
Attack Expect(std::string name, const Result<net::CoapResponse>& r, int want) {
  Attack a{std::move(name), false, ""};
  if (!r) {
    a.detail = "no answer: " + r.error().ToString();
    return a;
  }
  a.refused = r->code == want;
  a.detail = CodeText(r->code) + " " + Diagnostic(*r);
  if (!a.refused) {
    a.detail = "expected " + CodeText(want) + ", got " + a.detail;
  }
  return a;
}

// SetupFailed records an attack that could not be staged (the demo then fails).
Attack SetupFailed(std::string name, const Error& e) {
  return Attack{std::move(name), false, "could not stage the attack: " + e.ToString()};
}

// The staged devices of the attacks: born, sold and bound before the fleet onboards.
struct AttackDevices {
  FleetDevice replay;   // MNO + every SP; its MNO request is captured and replayed
  FleetDevice victim;   // MNO + every SP; cloned before it onboards, then its credential stolen
  FleetDevice one_sp;   // MNO + sp1 only: asks sp2
  FleetDevice revoked;  // MNO + every SP, revoked by its owner
};

Result<FleetDevice> StageDevice(Fleet& fleet, std::string_view serial,
                                const std::vector<std::string>& sps) {
  IOTSEC_TRY(key, device::GenerateSoftwareAttestationKey());
  IOTSEC_TRY(id, fleet.AddDevice(serial, key->PublicKey(), sps));
  return FleetDevice{std::move(id), std::move(key)};
}

Result<AttackDevices> StageAttackDevices(Fleet& fleet) {
  AttackDevices d;
  IOTSEC_TRY(replay, StageDevice(fleet, "attack-replay", fleet.sp_ids()));
  IOTSEC_TRY(victim, StageDevice(fleet, "attack-victim", fleet.sp_ids()));
  IOTSEC_TRY(one_sp, StageDevice(fleet, "attack-one-sp", {fleet.sp_ids().front()}));
  IOTSEC_TRY(revoked, StageDevice(fleet, "attack-revoked", fleet.sp_ids()));
  d.replay = std::move(replay);
  d.victim = std::move(victim);
  d.one_sp = std::move(one_sp);
  d.revoked = std::move(revoked);
  return d;
}

// §4 "replay of any message": the issuance log refuses the second request (§3.3 step 4).
Attack ReplayAttack(Fleet& fleet, FleetDevice& device) {
  const std::string name = "replay of a captured provisioning request";
  auto d = Discover(fleet, device.id);
  if (!d) {
    return SetupFailed(name, d.error());
  }
  auto p = StartFor(fleet, device, *d, kFleetMno);
  if (!p) {
    return SetupFailed(name, p.error());
  }
  const std::string path = std::string(onboard::kProvisionPathPrefix) + kFleetMno;
  auto first = Post(fleet.endpoint(), path, p->message);
  if (!first || first->code != net::CoapCode(2, 4)) {
    return SetupFailed(name, first ? Error(ErrorCode::kInternal,
                                           "the genuine request got " + CodeText(first->code))
                                   : first.error());
  }
  if (auto c = onboard::FinishProvision(*p, first->payload); !c) {
    return SetupFailed(name, c.error());
  }
  return Expect(name, Post(fleet.endpoint(), path, p->message), net::CoapCode(4, 3));
}

// §4 "a cloned device without the attestation key": the AK signature does not verify (§3.3
// step 3), and nothing is claimed: the genuine device onboards afterwards.
Attack CloneAttack(Fleet& fleet, const std::string& device_id) {
  const std::string name = "clone: the device id with another attestation key";
  auto key = device::GenerateSoftwareAttestationKey();
  if (!key) {
    return SetupFailed(name, key.error());
  }
  auto r = onboard::OnboardOverCoap(fleet.endpoint(), fleet.trust(), device_id, **key,
                                    fleet.period());
  Attack a{name, false, ""};
  if (r) {
    a.detail = "the clone was onboarded";
  } else {
    a.refused = r.error().code() == ErrorCode::kUnauthenticated;
    a.detail = "4.01 expected: " + r.error().ToString();
  }
  return a;
}

// §4 "a device asking an MNO or SP its owner did not choose" (§3.3 step 2).
Attack UnchosenSpAttack(Fleet& fleet, FleetDevice& device) {
  const std::string name = "a device asks an SP its owner did not choose";
  const std::string other = fleet.sp_ids().back();
  auto d = Discover(fleet, device.id);
  if (!d) {
    return SetupFailed(name, d.error());
  }
  auto p = StartFor(fleet, device, *d, other);
  if (!p) {
    return SetupFailed(name, p.error());
  }
  return Expect(name,
                Post(fleet.endpoint(), std::string(onboard::kProvisionPathPrefix) + other,
                     p->message),
                net::CoapCode(4, 3));
}

// §4 "a revoked device": discovery refuses it (§3.2, the source's kPermissionDenied).
Attack RevokedAttack(Fleet& fleet, const FleetDevice& device) {
  const std::string name = "a revoked device asks discovery";
  if (Status st = fleet.Revoke(device.id); !st) {
    return SetupFailed(name, st.error());
  }
  auto pending = onboard::StartDiscovery(device.id, fleet.trust());
  if (!pending) {
    return SetupFailed(name, pending.error());
  }
  return Expect(name, Post(fleet.endpoint(), onboard::kDiscoveryPath, pending->message),
                net::CoapCode(4, 3));
}

// §4 "an intercepted credential used by someone else": the PSK identity of the victim with a
// key that is not its PSK; the DTLS handshake does not complete (RFC 6347 §4.1.2.7).
Attack InterceptedCredentialAttack(Fleet& fleet, FleetDevice& victim) {
  const std::string name = "another device's PSK identity with a wrong PSK";
  auto onboarded = onboard::OnboardOverCoap(fleet.endpoint(), fleet.trust(), victim.id,
                                            *victim.key, fleet.period());
  if (!onboarded) {
    return SetupFailed(name, onboarded.error());
  }
  if (onboarded->services.empty()) {
    return SetupFailed(name, Error(ErrorCode::kInternal, "the victim has no SP credential"));
  }
  const auto& [sp, genuine] = onboarded->services.front();
  auto ok = onboard::SendReading(fleet.endpoint(), sp, genuine, ReadingFor(1));
  if (!ok || ok->code >> 5 != 2) {
    return SetupFailed(name, ok ? Error(ErrorCode::kInternal,
                                        "the genuine reading got " + CodeText(ok->code))
                                : ok.error());
  }
  onboard::Credentials stolen;
  stolen.period = genuine.period;
  stolen.psk_identity = genuine.psk_identity;
  stolen.psk = crypto::SecretBytes(onboard::kPskSize);
  if (Status st = crypto::SystemRng().Fill(std::span<uint8_t>(stolen.psk.data(),
                                                              stolen.psk.size()));
      !st) {
    return SetupFailed(name, st.error());
  }
  // A wrong PSK looks like a server that does not answer; do not wait the full timeout.
  onboard::PlatformEndpoint e = fleet.endpoint();
  e.timeout_ms = 2000;
  auto r = onboard::SendReading(e, sp, stolen, ReadingFor(2));
  Attack a{name, !r.has_value(), ""};
  a.detail = r ? "the reading was accepted: " + CodeText(r->code)
               : "handshake failed: " + r.error().ToString();
  return a;
}

// §4 "malformed or oversized messages": 4.00 and 4.13, and no state change.
std::vector<Attack> MalformedAttacks(Fleet& fleet, const std::string& probe_device) {
  const onboard::PlatformEndpoint e = fleet.endpoint();
  const std::string provision = std::string(onboard::kProvisionPathPrefix) + kFleetMno;
  Bytes garbage(48);
  for (size_t i = 0; i < garbage.size(); ++i) {
    garbage[i] = static_cast<uint8_t>(0x5a ^ (i * 37));
  }
  const Bytes oversized(1100, 0xa5);
  std::vector<Attack> out;
  out.push_back(Expect("malformed message to /d", Post(e, onboard::kDiscoveryPath, garbage),
                       net::CoapCode(4, 0)));
  out.push_back(Expect("malformed message to /" + provision, Post(e, provision, garbage),
                       net::CoapCode(4, 0)));
  out.push_back(Expect("oversized message to /d", Post(e, onboard::kDiscoveryPath, oversized),
                       net::CoapCode(4, 13)));
  out.push_back(Expect("oversized message to /" + provision, Post(e, provision, oversized),
                       net::CoapCode(4, 13)));
  // The platform still serves.
  auto d = Discover(fleet, probe_device);
  Attack& last = out.back();
  if (!d) {
    last.refused = false;
    last.detail += "; but the platform no longer serves: " + d.error().ToString();
  } else {
    last.detail += "; the platform still serves";
  }
  return out;
}

// §4 "a ledger node lying": a bit of the discovery answer flipped on its way to the device.
// LyingSource is a discovery source of a node that lies: it takes the honest facts of the
// ledger and changes them with |lie| before the node seals its answer with its genuine key (a
// node that is compromised, not one that is impersonated).
class LyingSource final : public onboard::DiscoverySource {
 public:
  LyingSource(server::LedgerNode& node,
              std::function<Status(std::string_view, onboard::DiscoveryFacts&)> lie)
      : honest_(node), lie_(std::move(lie)) {}
  Result<onboard::DiscoveryFacts> Discover(std::string_view device_id) override {
    IOTSEC_TRY(facts, honest_.Discover(device_id));
    IOTSEC_RETURN_IF_ERROR(lie_(device_id, facts));
    return facts;
  }

 private:
  server::LedgerDiscoverySource honest_;
  std::function<Status(std::string_view, onboard::DiscoveryFacts&)> lie_;
};

// LyingNodeAttack has |device_id| ask a lying node (its answers sealed with the genuine
// discovery key) and check the answer on the device (doc/protocol/onboarding.md §3.2).
Attack LyingNodeAttack(Fleet& fleet, const std::string& device_id, const std::string& name,
                       std::function<Status(std::string_view, onboard::DiscoveryFacts&)> lie) {
  LyingSource source(fleet.node(), std::move(lie));
  onboard::DiscoveryService liar(fleet.discovery_key(), &source);
  auto pending = onboard::StartDiscovery(device_id, fleet.trust());
  if (!pending) {
    return SetupFailed(name, pending.error());
  }
  auto answer = liar.Handle(pending->message);
  if (!answer) {
    return SetupFailed(name, answer.error());
  }
  auto d = onboard::FinishDiscovery(*pending, *answer, fleet.trust());
  Attack a{name, !d.has_value(), ""};
  a.detail = d ? "the device believed the lying node"
               : "refused on the device: " + d.error().ToString();
  return a;
}

// LyingNodeAttacks are §4 "a ledger node lying": another device's binding, a service the owner
// did not choose, a changed inclusion path, and a checkpoint that no anchor signed.
std::vector<Attack> LyingNodeAttacks(Fleet& fleet, const std::string& device_id,
                                     const std::string& other_device) {
  std::vector<Attack> out;
  out.push_back(LyingNodeAttack(
      fleet, device_id, "a lying node: another device's binding, with its valid proofs",
      [&fleet, other_device](std::string_view, onboard::DiscoveryFacts& facts) -> Status {
        server::LedgerDiscoverySource honest(fleet.node());
        IOTSEC_TRY(other, honest.Discover(other_device));
        facts = std::move(other);
        return Ok();
      }));
  out.push_back(LyingNodeAttack(
      fleet, device_id, "a lying node: an SP the owner did not choose in the answer",
      [](std::string_view, onboard::DiscoveryFacts& facts) -> Status {
        if (facts.services.empty()) {
          return Fail(ErrorCode::kInternal, "the device is bound to no service");
        }
        onboard::DiscoveredService rogue = facts.services.back();
        rogue.role = onboard::ServiceRole::kSp;
        rogue.org_id = "rogue-sp";
        facts.services.push_back(rogue);
        return Ok();
      }));
  out.push_back(LyingNodeAttack(
      fleet, device_id, "a lying node: a changed hash in the binding's inclusion path",
      [](std::string_view, onboard::DiscoveryFacts& facts) -> Status {
        if (facts.binding.path.empty()) {
          return Fail(ErrorCode::kInternal, "the binding's inclusion path is empty");
        }
        facts.binding.path.front()[0] ^= 0x01;
        return Ok();
      }));
  out.push_back(LyingNodeAttack(
      fleet, device_id, "a lying node: a checkpoint whose signature is not an anchor's",
      [](std::string_view, onboard::DiscoveryFacts& facts) -> Status {
        // The fleet's checkpoint has one signature line, the note's last (C2SP signed-note):
        // change one character of its base64 signature, away from the final padding.
        std::string& note = facts.checkpoint;
        if (note.size() < 16) {
          return Fail(ErrorCode::kInternal, "the checkpoint is too short");
        }
        char& c = note[note.size() - 10];
        c = c == 'A' ? 'B' : 'A';
        return Ok();
      }));
  return out;
}

// ---- demo ----

Result<Outcome> Demo(size_t devices, bool keep) {
  FleetOptions fo;
  fo.devices = devices;
  fo.sps = 2;
  fo.keep = keep;
  fo.label = "demo";
  IOTSEC_TRY(fleet, Fleet::Create(fo));

  // The TPM device, when swtpm is installed.
  std::string tpm_status;
  std::optional<std::string> tpm_error;
  device::Swtpm swtpm;
  const std::string swtpm_binary = device::FindExecutable("swtpm");
  if (swtpm_binary.empty()) {
    tpm_status = "swtpm not installed: the TPM device is skipped";
    std::fprintf(stderr, "demo: %s\n", tpm_status.c_str());
  } else {
    Status st = swtpm.Start(swtpm_binary, fleet->dir() + "/swtpm", fleet->dir() + "/swtpm.log");
    Result<std::unique_ptr<device::AttestationKey>> key =
        st ? device::OpenTpmAttestationKey(swtpm.Tcti(), kTpmKeyHandle)
           : Result<std::unique_ptr<device::AttestationKey>>(Unexpected(st.error()));
    Result<std::string> id = key ? fleet->AddDevice("tpm-0000001", (*key)->PublicKey(),
                                                    fleet->sp_ids())
                                 : Result<std::string>(Unexpected(key.error()));
    if (id) {
      tpm_status = "TPM device " + *id + " (key in swtpm at " + swtpm.Tcti() + ")";
      fleet->devices().push_back({*id, std::move(*key)});
    } else {
      tpm_error = id.error().ToString();
      tpm_status = "TPM device could not be set up: " + *tpm_error;
    }
    std::fprintf(stderr, "demo: %s\n", tpm_status.c_str());
  }

  IOTSEC_TRY(staged, StageAttackDevices(*fleet));
  FleetRunOptions ro;
  ro.concurrency = 64;
  ro.label = "demo";
  const FleetRun run = RunFleetOnboarding(*fleet, ro);

  std::fprintf(stderr, "demo: attacking the platform\n");
  std::vector<Attack> attacks;
  attacks.push_back(ReplayAttack(*fleet, staged.replay));
  attacks.push_back(CloneAttack(*fleet, staged.victim.id));
  attacks.push_back(UnchosenSpAttack(*fleet, staged.one_sp));
  attacks.push_back(RevokedAttack(*fleet, staged.revoked));
  attacks.push_back(InterceptedCredentialAttack(*fleet, staged.victim));
  for (Attack& a : MalformedAttacks(*fleet, staged.replay.id)) {
    attacks.push_back(std::move(a));
  }
  for (Attack& a : LyingNodeAttacks(*fleet, staged.replay.id, staged.victim.id)) {
    attacks.push_back(std::move(a));
  }
  size_t refused = 0;
  for (const Attack& a : attacks) {
    refused += a.refused ? 1 : 0;
  }

  Outcome out;
  RunJson(run, out.json);
  out.json["setup_s"] = fleet->setup_s();
  out.json["sps"] = fleet->sp_ids().size();
  out.json["tpm_device"] = tpm_status;
  out.json["attacks_refused"] = refused;
  out.json["attacks_total"] = attacks.size();
  nlohmann::json list = nlohmann::json::array();
  std::string lines;
  for (const Attack& a : attacks) {
    list.push_back({{"attack", a.name}, {"refused", a.refused}, {"detail", a.detail}});
    lines += std::string(a.refused ? "  REFUSED   " : "  SUCCEEDED ") + a.name + ": " +
             a.detail + "\n";
  }
  out.json["attacks"] = std::move(list);
  const server::OnboardStats stats = fleet->platform().stats();
  out.json["platform"] = {{"discoveries", stats.discoveries},
                          {"provisions", stats.provisions},
                          {"refusals", stats.refusals},
                          {"readings", stats.readings}};
  out.line = "zero-touch onboarding with " + std::to_string(fleet->sp_ids().size()) +
             " SPs; " + tpm_status + "\n" + RunTable(run) + "\nattacks refused " +
             std::to_string(refused) + " of " + std::to_string(attacks.size()) + ":\n" + lines +
             "platform: " + std::to_string(stats.discoveries) + " discoveries, " +
             std::to_string(stats.provisions) + " credentials issued, " +
             std::to_string(stats.refusals) + " refusals, " + std::to_string(stats.readings) +
             " readings";
  // Release the attestation keys (the TPM device's connection) while swtpm still runs.
  fleet->devices().clear();
  if (run.failed != 0 || refused != attacks.size() || tpm_error) {
    out.exit = kExitCheckFailed;
    out.line += "\ndemo failed: " + std::to_string(run.failed) + " devices not onboarded, " +
                std::to_string(attacks.size() - refused) + " attacks not refused" +
                (tpm_error ? ", TPM device: " + *tpm_error : std::string());
  }
  return out;
}

}  // namespace

void AddOnboardCommands(CLI::App& root, std::vector<Command>& out) {
  CLI::App* fleet = root.add_subcommand(
      "fleet", "Zero-touch onboarding at scale, in this process on loopback");
  fleet->require_subcommand(1);
  auto args = std::make_shared<FleetArgs>();
  CLI::App* onboard = fleet->add_subcommand(
      "onboard",
      "Set up a ledger node, its onboarding platform (CoAP and DTLS on loopback) and N devices "
      "born, sold and bound to an MNO and an SP (temporary directory); then onboard every "
      "device zero-touch, C at a time, each sending a first reading over DTLS; report rate, "
      "latency, bytes and round trips per device. Progress on stderr; exit 0 iff every device "
      "onboarded");
  onboard->add_option("--devices", args->devices, "devices to onboard")->default_val(1000);
  onboard->add_option("--concurrency", args->concurrency, "devices onboarding at once (threads)")
      ->default_val(64);
  onboard->add_option("--threads", args->threads, "io threads of the platform's CoAP server")
      ->default_val(1);
  onboard->add_flag("--keep", args->keep, "keep the temporary directory (its path is printed)");
  out.push_back({onboard, [args] {
                   auto r = FleetOnboard(*args);
                   return r ? *r : FromError(r.error(), false);
                 }});

  auto devices = std::make_shared<size_t>(1000);
  auto keep = std::make_shared<bool>(false);
  CLI::App* demo = root.add_subcommand(
      "demo",
      "The X.ztd-iot scenario on loopback: N devices (and one with its key in a software TPM "
      "if swtpm is installed) onboard zero-touch to an MNO and 2 SPs and send a first reading "
      "over DTLS; then replay, clone, unchosen-SP, revoked-device, stolen-credential, "
      "malformed and oversized messages and a lying node are tried over CoAP/DTLS and must "
      "all be refused. Exit 0 only if every device onboarded and every attack failed");
  demo->add_option("--devices", *devices, "devices to onboard")->default_val(1000);
  demo->add_flag("--keep", *keep, "keep the temporary directory (its path is printed)");
  out.push_back({demo, [devices, keep] {
                   auto r = Demo(*devices, *keep);
                   return r ? *r : FromError(r.error(), false);
                 }});
}

}  // namespace iotsec::cli
