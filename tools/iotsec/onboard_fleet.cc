// Copyright iotsec authors.
#include "onboard_fleet.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "iotsec/cose/cbor.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/random.h"
#include "iotsec/ledger/names.h"

namespace iotsec::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Serial returns the serial of setup device |n|: "d" and 7 digits, so that ids sort in order.
std::string Serial(size_t n) {
  char s[24];
  std::snprintf(s, sizeof s, "d%07zu", n);
  return s;
}

// MakeTempDir creates a fresh private directory under the system's temporary directory.
Result<std::string> MakeTempDir() {
  std::error_code ec;
  std::string tmpl =
      (std::filesystem::temp_directory_path(ec) / "iotsec-fleet-XXXXXX").string();
  if (ec || ::mkdtemp(tmpl.data()) == nullptr) {
    return Fail(ErrorCode::kUnavailable, "cannot create a temporary directory");
  }
  return tmpl;
}

// Percentile returns the |q| quantile (0..1) of sorted |v| (nearest rank), 0 when empty.
double Percentile(const std::vector<double>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

}  // namespace

Bytes ReadingFor(uint64_t n) {
  // RFC 8949 §4.2.1: map keys in ascending order, shortest heads.
  Bytes out;
  cose::cbor::AppendHead(out, 5, 2);
  cose::cbor::AppendHead(out, 0, 1);
  cose::cbor::AppendHead(out, 0, n);
  cose::cbor::AppendHead(out, 0, 2);
  cose::cbor::AppendHead(out, 0, 2000 + n % 500);
  return out;
}

void Fleet::Progress(const std::string& line) const {
  std::fprintf(stderr, "%s: %s\n", label_.c_str(), line.c_str());
  std::fflush(stderr);
}

Result<std::unique_ptr<Fleet>> Fleet::Create(const FleetOptions& options) {
  if (options.devices == 0 || options.devices > 10'000'000) {
    return Fail(ErrorCode::kInvalidArgument, "--devices must be 1..10000000");
  }
  if (options.sps == 0 || options.sps > 9) {
    return Fail(ErrorCode::kInvalidArgument, "a fleet has 1..9 service providers");
  }
  if (options.platform_threads < 1 || options.platform_threads > 64) {
    return Fail(ErrorCode::kInvalidArgument, "--threads must be 1..64");
  }
  std::unique_ptr<Fleet> fleet(new Fleet());
  fleet->label_ = options.label;
  fleet->keep_ = options.keep;
  const auto start = Clock::now();
  IOTSEC_RETURN_IF_ERROR(fleet->Setup(options));
  fleet->setup_s_ = Seconds(Clock::now() - start);
  return fleet;
}

Fleet::~Fleet() {
  platform_.reset();
  services_.clear();
  node_.reset();
  if (dir_.empty()) {
    return;
  }
  if (keep_) {
    Progress("kept " + dir_);
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<Bytes> Fleet::Sign(std::string_view org, ledger::RecordBody body) {
  auto it = signers_.find(org);
  if (it == signers_.end()) {
    return Fail(ErrorCode::kInternal, "no signer for " + std::string(org));
  }
  ledger::Record r;
  r.seq = ++seq_[std::string(org)];
  r.body = std::move(body);
  ledger::SortBatch(r);
  return ledger::SignRecord(r, it->second);
}

Status Fleet::Submit(Result<Bytes> record, std::string_view what) {
  if (!record) {
    return Fail(record.error().code(), std::string(what) + ": " + record.error().message());
  }
  auto r = node_->Submit(std::move(*record));
  if (!r) {
    return Fail(r.error().code(), std::string(what) + ": " + r.error().message());
  }
  return Ok();
}

Status Fleet::BirthBatch(size_t first, size_t count) {
  ledger::DeviceBirthBatch batch;
  batch.devices.reserve(count);
  for (size_t n = first; n < first + count; ++n) {
    IOTSEC_TRY(key, device::GenerateSoftwareAttestationKey());
    IOTSEC_TRY(id, ledger::MakeDeviceId(kFleetManufacturer, Serial(n)));
    batch.devices.push_back({id, key->PublicKey(), "fleet-sensor"});
    devices_.push_back({std::move(id), std::move(key)});
  }
  return Submit(Sign(kFleetManufacturer, std::move(batch)), "birth");
}

Status Fleet::TransferAndBind(const std::vector<std::string>& ids,
                              const std::vector<std::string>& sps) {
  IOTSEC_RETURN_IF_ERROR(
      Submit(Sign(kFleetManufacturer, ledger::OwnershipTransfer{ids, kFleetOwner}), "transfer"));
  return Submit(Sign(kFleetOwner, ledger::Binding{ids, std::string(kFleetMno), sps}), "binding");
}

Status Fleet::Setup(const FleetOptions& options) {
  IOTSEC_TRY(dir, MakeTempDir());
  dir_ = dir;
  period_ = ibc::CurrentKeyPeriod();
  const std::string node_dir = dir_ + "/node";
  IOTSEC_TRY(node, server::LedgerNode::Open(node_dir));
  node_ = std::move(node);
  Progress("ledger node opened in " + node_dir + " (origin " + node_->origin() + ")");

  // The root organization of the default genesis admits the fleet's organizations with the
  // node key (doc/formats/ledger-records.md §5).
  IOTSEC_TRY(node_key, crypto::Ed25519PrivateKey::FromSeedFile(node_dir + "/" +
                                                                server::kNodeKeyFile));
  IOTSEC_TRY(root, ledger::OrgSigner::Create(node_->origin(), server::kDefaultRootOrg,
                                             std::move(node_key)));
  IOTSEC_TRY(root_view, node_->Org(server::kDefaultRootOrg));
  seq_[server::kDefaultRootOrg] = root_view.last_seq;
  signers_.emplace(server::kDefaultRootOrg, std::move(root));

  for (size_t i = 1; i <= options.sps; ++i) {
    sp_ids_.push_back("sp" + std::to_string(i));
  }
  using ledger::Role;
  std::vector<std::pair<std::string, ledger::RoleSet>> orgs = {
      {kFleetManufacturer, ledger::RoleSet{Role::kManufacturer}},
      {kFleetOwner, ledger::RoleSet{Role::kOwner}},
      {kFleetMno, ledger::RoleSet{Role::kMno}}};
  for (const std::string& sp : sp_ids_) {
    orgs.emplace_back(sp, ledger::RoleSet{Role::kSp});
  }
  for (const auto& [org, roles] : orgs) {
    IOTSEC_TRY(key, crypto::Ed25519PrivateKey::Generate());
    IOTSEC_TRY(signer, ledger::OrgSigner::Create(node_->origin(), org, std::move(key)));
    IOTSEC_RETURN_IF_ERROR(
        Submit(Sign(server::kDefaultRootOrg,
                    ledger::OrgAdmission{org, "Fleet " + org, roles, signer.public_key()}),
               "admission of " + org));
    signers_.emplace(org, std::move(signer));
  }
  Progress("admitted " + std::to_string(orgs.size()) + " organizations");

  // Each service: its KMS (X.1365 Annex C), onboarding key, credential key (SP) and issuance
  // log, and its KMS parameters on the ledger (doc/protocol/onboarding.md §2).
  std::vector<std::pair<onboard::ServiceRole, std::string>> roles = {
      {onboard::ServiceRole::kMno, kFleetMno}};
  for (const std::string& sp : sp_ids_) {
    roles.emplace_back(onboard::ServiceRole::kSp, sp);
  }
  for (const auto& [role, org] : roles) {
    auto s = std::make_unique<FleetService>();
    s->role = role;
    s->org_id = org;
    IOTSEC_TRY(kms, kms::Kms::Initialize(crypto::SystemRng()));
    s->kms = std::make_shared<const kms::Kms>(std::move(kms));
    IOTSEC_TRY(onboarding, crypto::X25519PrivateKey::Generate());
    s->onboarding_key = std::make_shared<const crypto::X25519PrivateKey>(std::move(onboarding));
    if (role == onboard::ServiceRole::kSp) {
      crypto::SecretBytes credential(32);
      IOTSEC_RETURN_IF_ERROR(
          crypto::SystemRng().Fill(std::span<uint8_t>(credential.data(), credential.size())));
      s->credential_key = std::make_shared<const crypto::SecretBytes>(std::move(credential));
    }
    IOTSEC_TRY(log, server::SqliteIssuanceLog::Open(dir_ + "/issuance-" + org + ".db", org));
    s->issuance = std::move(log);
    ledger::KmsParams p;
    p.period = period_;
    p.kpak = s->kms->public_params().kpak;
    p.z = s->kms->public_params().z;
    p.onboarding_key = s->onboarding_key->PublicKey();
    IOTSEC_RETURN_IF_ERROR(Submit(Sign(org, p), "KMS parameters of " + org));
    services_.push_back(std::move(s));
  }
  Progress("published the KMS parameters of " + std::to_string(roles.size()) + " services");

  // Births, then transfers and bindings, in batches (doc/formats/ledger-records.md §4.8).
  devices_.reserve(options.devices);
  for (size_t first = 0; first < options.devices; first += kFleetBatch) {
    IOTSEC_RETURN_IF_ERROR(BirthBatch(first, std::min(kFleetBatch, options.devices - first)));
  }
  Progress("born " + std::to_string(options.devices) + " devices");
  for (size_t first = 0; first < options.devices; first += kFleetBatch) {
    std::vector<std::string> ids;
    const size_t end = std::min(options.devices, first + kFleetBatch);
    for (size_t n = first; n < end; ++n) {
      ids.push_back(devices_[n].id);
    }
    IOTSEC_RETURN_IF_ERROR(TransferAndBind(ids, sp_ids_));
  }
  Progress("transferred " + std::to_string(options.devices) + " devices to " + kFleetOwner +
           " and bound them to " + kFleetMno + " and " + std::to_string(sp_ids_.size()) +
           " SPs");

  IOTSEC_TRY(discovery, crypto::X25519PrivateKey::Generate());
  discovery_key_ = std::make_shared<const crypto::X25519PrivateKey>(std::move(discovery));
  trust_.origin = node_->origin();
  trust_.anchors = {node_->verifier()};
  trust_.threshold = 1;
  trust_.discovery_id = server::kDefaultRootOrg;
  trust_.discovery_key = discovery_key_->PublicKey();

  server::OnboardPlatformOptions po;
  po.host = "127.0.0.1";
  po.threads = options.platform_threads;
  po.discovery_key = discovery_key_;
  po.period = period_;
  for (const auto& s : services_) {
    server::HostedService h;
    h.role = s->role;
    h.org_id = s->org_id;
    h.kms = s->kms;
    h.onboarding_key = s->onboarding_key;
    h.credential_key = s->credential_key;
    h.issuance = s->issuance.get();
    po.services.push_back(std::move(h));
  }
  IOTSEC_TRY(platform, server::OnboardPlatform::Start(*node_, std::move(po)));
  platform_ = std::move(platform);
  Progress("platform listening on 127.0.0.1: CoAP port " +
           std::to_string(platform_->coap_port()) + ", DTLS port " +
           std::to_string(platform_->dtls_port()));
  return Ok();
}

Result<std::string> Fleet::AddDevice(std::string_view serial, const ledger::AttestationKey& ak,
                                     const std::vector<std::string>& sps) {
  IOTSEC_TRY(id, ledger::MakeDeviceId(kFleetManufacturer, serial));
  ledger::DeviceBirthBatch batch;
  batch.devices.push_back({id, ak, "fleet-sensor"});
  IOTSEC_RETURN_IF_ERROR(Submit(Sign(kFleetManufacturer, std::move(batch)), "birth"));
  IOTSEC_RETURN_IF_ERROR(TransferAndBind({id}, sps));
  return id;
}

Status Fleet::Revoke(std::string_view device_id) {
  return Submit(Sign(kFleetOwner, ledger::Revocation{ledger::RevocationTarget::kDevice,
                                                     std::string(device_id)}),
                "revocation");
}

const FleetService* Fleet::service(std::string_view org_id) const {
  for (const auto& s : services_) {
    if (s->org_id == org_id) {
      return s.get();
    }
  }
  return nullptr;
}

onboard::PlatformEndpoint Fleet::endpoint() const {
  onboard::PlatformEndpoint e;
  e.host = "127.0.0.1";
  e.coap_port = platform_->coap_port();
  e.dtls_port = platform_->dtls_port();
  e.timeout_ms = 10000;
  return e;
}

namespace {

// ProgressBar shows how many of |total| devices are done on stderr: a bar redrawn every
// 200 ms on a terminal, otherwise a line per 10% (looked at every 20 ms).
class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, const std::atomic<size_t>& done)
      : label_(std::move(label)), total_(total), done_(done), tty_(::isatty(2) == 1) {
    thread_ = std::thread([this] { Run(); });
  }
  ~ProgressBar() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    Show(done_.load());
    if (tty_) {
      std::fprintf(stderr, "\n");
    }
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    const auto period = std::chrono::milliseconds(tty_ ? 200 : 20);
    while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
      Show(done_.load());
    }
  }
  void Show(size_t done) {
    const size_t decile = total_ == 0 ? 10 : done * 10 / total_;
    if (tty_) {
      constexpr size_t kWidth = 40;
      const size_t fill = total_ == 0 ? kWidth : done * kWidth / total_;
      std::string bar(fill, '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\r%s: [%s] %zu/%zu", label_.c_str(), bar.c_str(), done, total_);
    } else {
      // One line per 10% passed, even when several passed since the last look.
      while (shown_decile_ < decile) {
        ++shown_decile_;
        std::fprintf(stderr, "%s: %zu%% (%zu of %zu devices done)\n", label_.c_str(),
                     shown_decile_ * 10, done, total_);
      }
    }
    std::fflush(stderr);
  }

  const std::string label_;
  const size_t total_;
  const std::atomic<size_t>& done_;
  const bool tty_;
  size_t shown_decile_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// DeviceResult is what one device measured: its onboarding, then its first readings.
struct DeviceResult {
  bool onboarded = false;
  bool read = false;
  double latency_ms = 0;          // discovery start to its last credential
  double reading_latency_ms = 0;  // DTLS handshakes and readings, all its SPs
  uint64_t onboarding_bytes = 0;
  uint64_t reading_bytes = 0;
  uint64_t round_trips = 0;
  uint64_t exchanges = 0;
  // The SP credentials kept from onboarding until the device's readings.
  std::vector<std::pair<std::string, onboard::Credentials>> services;
};

// OnboardOne runs discovery and provisioning of device |d| over CoAP (doc/protocol/onboarding.md
// §3) and keeps its SP credentials.
Status OnboardOne(const Fleet& fleet, const onboard::PlatformEndpoint& endpoint, FleetDevice& d,
                  DeviceResult& out) {
  const auto start = Clock::now();
  IOTSEC_TRY(onboarded,
             onboard::OnboardOverCoap(endpoint, fleet.trust(), d.id, *d.key, fleet.period()));
  out.latency_ms = Seconds(Clock::now() - start) * 1000.0;
  out.onboarding_bytes = onboarded.wire.bytes_sent + onboarded.wire.bytes_received;
  out.round_trips = onboarded.wire.round_trips;
  out.exchanges = onboarded.wire.exchanges;
  out.services = std::move(onboarded.services);
  out.onboarded = true;
  return Ok();
}

// ReadOne has onboarded device number |n| (its credentials in |out|) connect to each of its SPs
// over DTLS with the credential it was given and send its first reading.
Status ReadOne(const onboard::PlatformEndpoint& endpoint, uint64_t n, DeviceResult& out) {
  const auto start = Clock::now();
  const Bytes reading = ReadingFor(n);
  onboard::WireStats wire;
  for (const auto& [sp, credentials] : out.services) {
    IOTSEC_TRY(r, onboard::SendReading(endpoint, sp, credentials, reading, &wire));
    if (r.code >> 5 != 2) {
      return Fail(onboard::ErrorForCoap(r.code),
                  "reading refused by " + sp + ": " +
                      std::string(r.payload.begin(), r.payload.end()));
    }
  }
  out.reading_latency_ms = Seconds(Clock::now() - start) * 1000.0;
  out.reading_bytes = wire.bytes_sent + wire.bytes_received;
  out.services.clear();  // the credentials are not needed any more
  out.read = true;
  return Ok();
}

// RunPhase runs |step(i)| for every device i of |devices| on |workers| threads, with a
// progress bar labelled |label|; returns the wall time in seconds and keeps the first error,
// with its device's id, in |first_error|.
double RunPhase(const std::vector<FleetDevice>& devices, size_t workers, const std::string& label,
                const std::function<Status(size_t)>& step,
                std::optional<std::string>& first_error) {
  const size_t count = devices.size();
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex error_mu;
  const auto start = Clock::now();
  {
    ProgressBar bar(label, count, done);
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < count; i = next++) {
          Status st = step(i);
          if (!st) {
            std::lock_guard<std::mutex> lock(error_mu);
            if (!first_error) {
              first_error = devices[i].id + ": " + st.error().ToString();
            }
          }
          ++done;
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
  }
  return Seconds(Clock::now() - start);
}

}  // namespace

FleetRun RunFleetOnboarding(Fleet& fleet, const FleetRunOptions& options) {
  std::vector<FleetDevice>& devices = fleet.devices();
  const onboard::PlatformEndpoint endpoint = fleet.endpoint();
  std::vector<DeviceResult> results(devices.size());
  const size_t workers = std::max<size_t>(1, std::min(options.concurrency, devices.size()));

  FleetRun run;
  run.devices = devices.size();
  // Phase 1: every device onboards. Phase 2: every onboarded device sends its first readings.
  // The phases are timed apart, so that the onboarding rate is that of onboarding alone.
  run.seconds = RunPhase(
      devices, workers, options.label,
      [&](size_t i) { return OnboardOne(fleet, endpoint, devices[i], results[i]); },
      run.first_error);
  run.reading_seconds = RunPhase(
      devices, workers, options.label + " (first readings over DTLS)",
      [&](size_t i) -> Status {
        if (!results[i].onboarded) {
          return Ok();  // counted as failed already
        }
        return ReadOne(endpoint, i, results[i]);
      },
      run.first_error);

  std::vector<double> latencies;
  std::vector<double> reading_latencies;
  uint64_t onboarding_bytes = 0;
  uint64_t reading_bytes = 0;
  uint64_t exchanges = 0;
  for (const DeviceResult& r : results) {
    if (!r.onboarded) {
      continue;
    }
    ++run.onboarded;
    latencies.push_back(r.latency_ms);
    onboarding_bytes += r.onboarding_bytes;
    exchanges += r.exchanges;
    run.round_trips_per_device = std::max(run.round_trips_per_device, r.round_trips);
    if (r.read) {
      ++run.read;
      reading_latencies.push_back(r.reading_latency_ms);
      reading_bytes += r.reading_bytes;
    }
  }
  run.failed = run.devices - run.read;
  std::sort(latencies.begin(), latencies.end());
  std::sort(reading_latencies.begin(), reading_latencies.end());
  run.p50_ms = Percentile(latencies, 0.50);
  run.p99_ms = Percentile(latencies, 0.99);
  run.reading_p50_ms = Percentile(reading_latencies, 0.50);
  run.reading_p99_ms = Percentile(reading_latencies, 0.99);
  if (run.onboarded > 0) {
    const double n = static_cast<double>(run.onboarded);
    run.bytes_per_device = static_cast<double>(onboarding_bytes) / n;
    run.exchanges_per_device = static_cast<double>(exchanges) / n;
  }
  if (run.read > 0) {
    run.reading_bytes_per_device = static_cast<double>(reading_bytes) / run.read;
  }
  return run;
}

}  // namespace iotsec::cli
