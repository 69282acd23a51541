// Copyright iotsec authors.
// iotsec ledger load --server URL --records N [--concurrency C] [--ack-log ACKFILE]
//                    [--key FILE] [--as ORG]
// iotsec ledger bench [--records N]
//
// load drives a running node over HTTP: it admits C fresh manufacturer organizations (signed by
// the admitter's key, by default the root organization "node" of a default ledger), then C
// workers, one per organization, each on its own keep-alive connection, submit N validly signed
// single-device birth records in all. With --ack-log, each acknowledged record (the admissions
// too) adds the line "INDEX LEAFHASHHEX" to ACKFILE, written only after the node answered that
// the record is durable: `ledger fsck --expect ACKFILE` later checks every one of them.
#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/server/ledger_client.h"
#include "ledger_workload.h"

namespace iotsec::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kKeyEnv[] = "IOTSEC_LEDGER_KEY";

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct LoadArgs {
  std::string server;
  uint64_t records = 0;
  size_t concurrency = 8;
  std::string ack_log;
  std::string key;
  std::string as = "node";
};

// AckLog appends acknowledgement lines to a file; each line goes out in one write(2) with
// O_APPEND, so lines of concurrent workers never interleave.
class AckLog {
 public:
  static Result<std::unique_ptr<AckLog>> Open(const std::string& path) {
    if (path.empty()) {
      return std::unique_ptr<AckLog>();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Fail(ErrorCode::kUnavailable, path + ": cannot open the ack log");
    }
    return std::unique_ptr<AckLog>(new AckLog(fd, path));
  }
  ~AckLog() { ::close(fd_); }

  Status Add(uint64_t index, const ledger::Hash& leaf_hash) {
    const std::string line = std::to_string(index) + " " + HexEncode(leaf_hash) + "\n";
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return Fail(ErrorCode::kUnavailable, path_ + ": write failed");
    }
    return Ok();
  }

 private:
  AckLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

Result<Outcome> Load(const LoadArgs& a) {
  if (a.records == 0) {
    return Fail(ErrorCode::kInvalidArgument, "--records must be at least 1");
  }
  if (a.concurrency == 0 || a.concurrency > 1024) {
    return Fail(ErrorCode::kInvalidArgument, "--concurrency must be 1..1024");
  }
  if (a.key.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("no signing key: give --key FILE or set ") + kKeyEnv +
                    " (the 32-octet seed of an organization that may admit organizations, e.g. "
                    "the node.key of a default ledger)");
  }
  IOTSEC_TRY(key, crypto::Ed25519PrivateKey::FromSeedFile(a.key));
  IOTSEC_TRY(client, server::LedgerClient::Create(a.server));
  IOTSEC_TRY(origin, client.Origin());
  IOTSEC_TRY(admitter, ledger::OrgSigner::Create(origin, a.as, std::move(key)));
  IOTSEC_TRY(log, AckLog::Open(a.ack_log));

  const size_t workers = static_cast<size_t>(std::min<uint64_t>(a.concurrency, a.records));
  IOTSEC_TRY(prefix, RandomPrefix("load"));
  IOTSEC_TRY(orgs, MakeLoadOrgs(origin, prefix, workers));
  IOTSEC_TRY(keys, AttestationKeyPool(16));

  std::atomic<uint64_t> acknowledged{0};
  std::mutex failure_mu;
  std::string failure;
  std::atomic<bool> stop{false};
  auto fail = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(failure_mu);
    if (failure.empty()) {
      failure = why;
    }
    stop = true;
  };
  auto ack = [&](const server::SubmitResult& r) -> bool {
    if (log) {
      if (auto st = log->Add(r.index, r.leaf_hash); !st) {
        fail(st.error().message());
        return false;
      }
    }
    return true;
  };

  // The admissions first, in order: each is signed with the admitter's next sequence number.
  // From here on a failure is reported with the count of what was acknowledged (exit 1).
  uint64_t admitted = 0;
  if (auto seq = client.NextSeq(a.as); !seq) {
    fail(seq.error().ToString());
  } else {
    for (const LoadOrg& o : orgs) {
      auto rec = AdmissionRecord(admitter, (*seq)++, o.signer);
      auto r = rec ? client.Submit(*rec) : Result<server::SubmitResult>(Unexpected(rec.error()));
      if (!r) {
        fail("admitting " + o.signer.org_id() + ": " + r.error().ToString());
        break;
      }
      if (!ack(*r)) {
        break;
      }
      ++admitted;
    }
  }

  const auto start = Clock::now();
  std::atomic<uint64_t> last_report{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers && !stop; ++w) {
    threads.emplace_back([&, w] {
      auto c = server::LedgerClient::Create(a.server);
      if (!c) {
        fail(c.error().message());
        return;
      }
      const uint64_t mine = a.records / workers + (w < a.records % workers ? 1 : 0);
      for (uint64_t i = 0; i < mine && !stop; ++i) {
        auto rec = BirthRecord(orgs[w], "s", i, 1, keys);
        if (!rec) {
          fail(rec.error().message());
          return;
        }
        auto r = c->Submit(*rec);
        if (!r) {
          fail(r.error().ToString());
          return;
        }
        if (!ack(*r)) {
          return;
        }
        const uint64_t done = ++acknowledged;
        const uint64_t second = static_cast<uint64_t>(Seconds(Clock::now() - start));
        uint64_t seen = last_report.load();
        if (second > seen && last_report.compare_exchange_strong(seen, second)) {
          std::fprintf(stderr, "ledger load: %llu of %llu acknowledged\n",
                       static_cast<unsigned long long>(done),
                       static_cast<unsigned long long>(a.records));
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const double seconds = Seconds(Clock::now() - start);
  const uint64_t acked = acknowledged.load();
  Outcome out;
  out.json = {{"records", a.records},
              {"acknowledged", acked},
              {"admissions", admitted},
              {"seconds", seconds},
              {"records_per_s", acked / seconds}};
  char line[256];
  std::snprintf(line, sizeof line, "%llu of %llu records acknowledged in %.2f s (%.0f/s)",
                static_cast<unsigned long long>(acked), static_cast<unsigned long long>(a.records),
                seconds, acked / seconds);
  out.line = line;
  if (!failure.empty()) {
    out.exit = kExitCheckFailed;
    out.line += "; stopped: " + failure;
    out.json["error"] = failure;
  }
  return out;
}

}  // namespace

void AddLedgerLoadCommands(CLI::App* ledger, std::vector<Command>& out) {
  auto args = std::make_shared<LoadArgs>();
  CLI::App* load = ledger->add_subcommand(
      "load",
      "Submit N validly signed records to a running node over HTTP (single-device births by "
      "C fresh manufacturers, admitted first with --key); with --ack-log, log each "
      "acknowledged record as \"INDEX LEAFHASHHEX\"");
  load->add_option("--server", args->server, "the node, http://HOST:PORT")->required();
  load->add_option("--records", args->records, "how many birth records to submit")->required();
  load->add_option("--concurrency", args->concurrency,
                   "parallel workers (connections), each a manufacturer of its own")
      ->default_val(8);
  load->add_option("--ack-log", args->ack_log,
                   "append \"INDEX LEAFHASHHEX\" per acknowledged record");
  load->add_option("--key", args->key,
                   "the admitter's 32-octet Ed25519 seed file (e.g. DIR/node.key)")
      ->envname(kKeyEnv);
  load->add_option("--as", args->as, "the admitter's organization id")->default_val("node");
  out.push_back({load, [args] {
                   auto r = Load(*args);
                   return r ? *r : FromError(r.error(), false);
                 }});

  auto records = std::make_shared<uint64_t>(1000000);
  CLI::App* bench = ledger->add_subcommand(
      "bench",
      "Measure a ledger node in this process (temporary data directory): signed appends, "
      "batched births, inclusion proofs, device-state lookups, restart and memory, with this "
      "machine's fsync and Ed25519 verification rates; progress on stderr");
  bench
      ->add_option("--records", *records,
                   "devices in the ledger: half born one per signed "
                   "record, half in batches of 1000")
      ->default_val(1000000);
  out.push_back({bench, [records] { return RunLedgerBench(*records, true); }});
}

}  // namespace iotsec::cli
