// Copyright iotsec authors.
// iotsec ledger bench: measures a ledger node in this process, in a fresh temporary data
// directory, together with what bounds it on this machine (fsync and Ed25519 verification
// rates). Phases (doc/cli.md, "ledger bench"):
//   1. fsync_per_s: 4 KiB write + fdatasync of one file in the data directory, for 1 s;
//   2. sig_verify_per_s: Ed25519 verifications of a record's Sig_structure on every core, 1 s;
//   3. appends_per_s: N/2 individually signed single-device birth records submitted by
//      kSubmitters threads (each an organization of its own) through LedgerNode::Submit, which
//      returns once the record is validated, durable and under a signed checkpoint;
//   4. batch_devices_per_s: N/2 devices in signed birth batches of kBatchDevices;
//   5. inclusion_proofs_per_s and lookup latencies (DeviceState with all its proofs) over the
//      whole ledger of N devices, one thread;
//   6. reopen_s and rss_mib: the node closed and opened again (state rebuilt from the log),
//      and the process's resident memory then, with the workload released.
// Records are generated and signed before each timed phase, never during it.
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/server/ledger_node.h"
#include "ledger_workload.h"

namespace iotsec::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kSubmitters = 128;
constexpr size_t kBatchDevices = 1000;
constexpr size_t kBatchOrgs = 2;
constexpr auto kRateWindow = std::chrono::seconds(1);

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

unsigned Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

void Progress(bool on, const std::string& line) {
  if (on) {
    std::fprintf(stderr, "ledger bench: %s\n", line.c_str());
    std::fflush(stderr);
  }
}

// ResidentMiB reads VmRSS from /proc/self/status.
double ResidentMiB() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      in >> kib;
      return kib / 1024.0;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// FsyncRate writes 4 KiB at offset 0 of a file in |dir| and fdatasyncs it, for kRateWindow.
Result<double> FsyncRate(const std::string& dir) {
  const std::string path = dir + "/fsync-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, path + ": cannot create");
  }
  std::vector<uint8_t> block(4096, 0x5a);
  uint64_t n = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < kRateWindow) {
    block[0] = static_cast<uint8_t>(n);
    if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      ::close(fd);
      return Fail(ErrorCode::kUnavailable, path + ": write or fdatasync failed");
    }
    ++n;
  }
  const double rate = n / Seconds(Clock::now() - start);
  ::close(fd);
  ::unlink(path.c_str());
  return rate;
}

// SigVerifyRate verifies the signature of |record| on every core for kRateWindow.
Result<double> SigVerifyRate(const Bytes& record, const ledger::OrgKey& key) {
  IOTSEC_TRY(parsed, ledger::ParseRecord(record));
  IOTSEC_TRY(pub, crypto::Ed25519PublicKey::FromBytes(key));
  const Bytes tbs = parsed.ToBeSigned();
  IOTSEC_RETURN_IF_ERROR(pub.Verify(tbs, parsed.signature()));
  std::atomic<uint64_t> total{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < Cores(); ++t) {
    threads.emplace_back([&] {
      uint64_t n = 0;
      while (Clock::now() - start < kRateWindow) {
        if (!pub.Verify(tbs, parsed.signature())) {
          failed = true;
        }
        ++n;
      }
      total += n;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  if (failed) {
    return Fail(ErrorCode::kInternal, "a signature stopped verifying");
  }
  return total / Seconds(Clock::now() - start);
}

// ParallelFor runs body(i) for i in [0, n) on every core.
template <typename Body>
void ParallelFor(size_t n, Body body) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < Cores(); ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        body(i);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
}

// SubmitAll submits |per_org[o]| in order from one thread per organization and returns the
// elapsed time; the first failure stops the phase.
Result<double> SubmitAll(server::LedgerNode& node, std::vector<std::vector<Bytes>>& per_org) {
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (auto& records : per_org) {
    threads.emplace_back([&] {
      for (Bytes& r : records) {
        if (failed) {
          return;
        }
        auto res = node.Submit(std::move(r));
        if (!res) {
          std::lock_guard<std::mutex> lock(failure_mu);
          failed = true;
          failure = res.error().ToString();
          return;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  if (failed) {
    return Fail(ErrorCode::kInternal, "a benchmark record was refused: " + failure);
  }
  return Seconds(Clock::now() - start);
}

// Admit admits |orgs| as manufacturers, signed by the root organization |root|.
Status Admit(server::LedgerNode& node, const ledger::OrgSigner& root, uint64_t& root_seq,
             const std::vector<LoadOrg>& orgs) {
  for (const LoadOrg& o : orgs) {
    IOTSEC_TRY(rec, AdmissionRecord(root, root_seq++, o.signer));
    IOTSEC_RETURN_IF_ERROR(node.Submit(std::move(rec)));
  }
  return Ok();
}

struct TempDir {
  std::string path;
  ~TempDir() {
    if (!path.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  }
};

Result<Outcome> Run(uint64_t devices, bool progress) {
  if (devices < 2 * kSubmitters) {
    return Fail(ErrorCode::kInvalidArgument,
                "--records must be at least " + std::to_string(2 * kSubmitters));
  }
  const uint64_t appends = devices / 2;
  const uint64_t batched = devices - appends;

  TempDir dir;
  {
    std::error_code ec;
    std::string tmpl =
        (std::filesystem::temp_directory_path(ec) / "iotsec-ledger-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Fail(ErrorCode::kUnavailable, tmpl + ": cannot create a temporary directory");
    }
    dir.path = tmpl;
  }
  Progress(progress, "data directory " + dir.path);

  IOTSEC_TRY(fsync_rate, FsyncRate(dir.path));
  Progress(progress, "fsync " + std::to_string(static_cast<uint64_t>(fsync_rate)) + "/s");

  IOTSEC_TRY(node, server::LedgerNode::Open(dir.path));
  IOTSEC_TRY(root_key,
             crypto::Ed25519PrivateKey::FromSeedFile(dir.path + "/" + server::kNodeKeyFile));
  IOTSEC_TRY(root, ledger::OrgSigner::Create(node->origin(), server::kDefaultRootOrg,
                                             std::move(root_key)));
  uint64_t root_seq = 1;

  IOTSEC_TRY(keys, AttestationKeyPool(64));
  IOTSEC_TRY(orgs, MakeLoadOrgs(node->origin(), "bench", kSubmitters));
  IOTSEC_TRY(bulk, MakeLoadOrgs(node->origin(), "bulk", kBatchOrgs));
  IOTSEC_RETURN_IF_ERROR(Admit(*node, root, root_seq, orgs));
  IOTSEC_RETURN_IF_ERROR(Admit(*node, root, root_seq, bulk));

  // Phase 2 uses one of the appends' records; phase 3 signs them all first, on every core.
  Progress(progress, "signing " + std::to_string(appends) + " single-device birth records");
  std::vector<std::vector<Bytes>> per_org(kSubmitters);
  std::atomic<bool> sign_failed{false};
  ParallelFor(kSubmitters, [&](size_t o) {
    const uint64_t n = appends / kSubmitters + (o < appends % kSubmitters ? 1 : 0);
    per_org[o].reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      auto r = BirthRecord(orgs[o], "a", i, 1, keys);
      if (!r) {
        sign_failed = true;
        return;
      }
      per_org[o].push_back(std::move(*r));
    }
  });
  if (sign_failed) {
    return Fail(ErrorCode::kInternal, "signing the benchmark records failed");
  }
  IOTSEC_TRY(verify_rate, SigVerifyRate(per_org[0][0], orgs[0].signer.public_key()));
  Progress(progress, "Ed25519 verify " + std::to_string(static_cast<uint64_t>(verify_rate)) +
                         "/s on " + std::to_string(Cores()) + " cores");

  Progress(progress, "appending " + std::to_string(appends) + " records from " +
                         std::to_string(kSubmitters) + " submitters");
  IOTSEC_TRY(append_s, SubmitAll(*node, per_org));
  per_org.clear();
  const double append_rate = appends / append_s;
  Progress(progress, std::to_string(static_cast<uint64_t>(append_rate)) + " appends/s");

  Progress(progress, "signing " + std::to_string(batched) + " devices in batches of " +
                         std::to_string(kBatchDevices));
  std::vector<std::vector<Bytes>> batches(kBatchOrgs);
  {
    uint64_t next = 0;
    for (size_t b = 0; next < batched; ++b) {
      const size_t o = b % kBatchOrgs;
      const uint64_t count = std::min<uint64_t>(kBatchDevices, batched - next);
      IOTSEC_TRY(rec, BirthRecord(bulk[o], "b", next, count, keys));
      batches[o].push_back(std::move(rec));
      next += count;
    }
  }
  Progress(progress, "appending the batches");
  IOTSEC_TRY(batch_s, SubmitAll(*node, batches));
  batches.clear();
  const double batch_rate = batched / batch_s;
  Progress(progress, std::to_string(static_cast<uint64_t>(batch_rate)) + " devices/s in batches");

  // Inclusion proofs of random leaves in the whole tree; the first one is checked.
  IOTSEC_TRY(root_now, node->store().Root());
  const uint64_t size = root_now.first;
  std::mt19937_64 rng(20261122);
  uint64_t proofs = 0;
  const auto proofs_start = Clock::now();
  while (Clock::now() - proofs_start < kRateWindow) {
    const uint64_t index = rng() % size;
    IOTSEC_TRY(proof, ledger::InclusionProof(node->store(), index, size));
    if (proofs == 0) {
      IOTSEC_TRY(entry, node->store().Entry(index));
      if (!ledger::VerifyInclusion(ledger::LeafHash(entry), index, size, proof, root_now.second)) {
        return Fail(ErrorCode::kInternal, "an inclusion proof did not verify");
      }
    }
    ++proofs;
  }
  const double proof_rate = proofs / Seconds(Clock::now() - proofs_start);

  // Device-state lookups with every proof, of random devices of both phases.
  std::vector<double> lookup_us;
  const auto lookups_start = Clock::now();
  while (lookup_us.size() < 100000 && Clock::now() - lookups_start < 2 * kRateWindow) {
    std::string id;
    if (rng() % 2 == 0) {
      const size_t o = rng() % kSubmitters;
      const uint64_t per = appends / kSubmitters;
      IOTSEC_TRY(d, ledger::MakeDeviceId(orgs[o].signer.org_id(), DeviceSerial("a", rng() % per)));
      id = std::move(d);
    } else {
      const uint64_t n = rng() % batched;
      const size_t o = (n / kBatchDevices) % kBatchOrgs;
      IOTSEC_TRY(d, ledger::MakeDeviceId(bulk[o].signer.org_id(), DeviceSerial("b", n)));
      id = std::move(d);
    }
    const auto t0 = Clock::now();
    IOTSEC_TRY(state, node->DeviceState(id));
    lookup_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    if (state.records.size() < 2) {
      return Fail(ErrorCode::kInternal, "a device state came without its proofs");
    }
  }
  std::sort(lookup_us.begin(), lookup_us.end());
  auto pct = [&](double p) {
    return lookup_us[std::min(lookup_us.size() - 1, static_cast<size_t>(p * lookup_us.size()))];
  };

  // Restart: the state is rebuilt from the log; then the node's own memory is what remains.
  Progress(progress, "reopening the node");
  node.reset();
  orgs.clear();
  bulk.clear();
  ::malloc_trim(0);
  const auto reopen_start = Clock::now();
  IOTSEC_TRY(reopened, server::LedgerNode::Open(dir.path));
  const double reopen_s = Seconds(Clock::now() - reopen_start);
  ::malloc_trim(0);
  const double rss = ResidentMiB();
  reopened.reset();

  Outcome out;
  out.json = {
      {"records", devices},
      {"devices", devices},
      {"log_entries", size},
      {"cores", Cores()},
      {"appends", appends},
      {"appends_per_s", append_rate},
      {"sig_verify_per_s", verify_rate},
      {"appends_to_sig_verify", append_rate / verify_rate},
      {"fsync_per_s", fsync_rate},
      {"batch_devices_per_s", batch_rate},
      {"batch_devices", kBatchDevices},
      {"inclusion_proofs_per_s", proof_rate},
      {"lookups", lookup_us.size()},
      {"lookup_p50_us", pct(0.50)},
      {"lookup_p99_us", pct(0.99)},
      {"reopen_s", reopen_s},
      {"rss_mib", rss},
  };
  char line[512];
  std::snprintf(line, sizeof line,
                "%llu devices, %llu log entries, %u cores\n"
                "appends (signed, validated, durable): %.0f/s  (Ed25519 verify on all cores "
                "%.0f/s: ratio %.2f; fsync %.0f/s)\n"
                "births in batches of %zu: %.0f devices/s\n"
                "inclusion proofs: %.0f/s; device-state lookup with proofs: p50 %.0f us, "
                "p99 %.0f us\n"
                "reopen (state rebuilt from the log): %.1f s; resident memory then: %.0f MiB",
                static_cast<unsigned long long>(devices), static_cast<unsigned long long>(size),
                Cores(), append_rate, verify_rate, append_rate / verify_rate, fsync_rate,
                kBatchDevices, batch_rate, proof_rate, pct(0.50), pct(0.99), reopen_s, rss);
  out.line = line;
  return out;
}

}  // namespace

Outcome RunLedgerBench(uint64_t records, bool progress) {
  auto r = Run(records, progress);
  return r ? *r : FromError(r.error(), false);
}

}  // namespace iotsec::cli
