// Copyright iotsec authors.
// SqliteIssuanceLog (doc/protocol/onboarding.md §3.3, step 4): one issuance per identity and key
// period, refusals that say what was issued when, claims that survive a reopen and a SIGKILL
// once acknowledged, files that are not the service's log refused and left alone, and group
// commit under concurrent callers.
#include "iotsec/server/issuance_log.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/common/file.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::TempDir;

const ibc::KeyPeriod kNov{2026, 11};
const ibc::KeyPeriod kDec{2026, 12};
constexpr char kService[] = "urn:mno:mno1";
constexpr char kDevice[] = "urn:dev:acme:SN1";

std::unique_ptr<SqliteIssuanceLog> MustOpen(const std::string& path,
                                            std::string_view service = kService) {
  auto log = SqliteIssuanceLog::Open(path, service);
  EXPECT_TRUE(log.has_value()) << log.error().ToString();
  return log ? std::move(*log) : nullptr;
}

uint64_t MustCount(SqliteIssuanceLog& log) {
  auto n = log.Count();
  EXPECT_TRUE(n.has_value()) << n.error().ToString();
  return n.value_or(~uint64_t{0});
}

std::optional<std::string> MustIssuedAt(SqliteIssuanceLog& log, std::string_view device,
                                        const ibc::KeyPeriod& period) {
  auto at = log.IssuedAt(device, period);
  EXPECT_TRUE(at.has_value()) << at.error().ToString();
  return at ? *at : std::nullopt;
}

// RawSql runs |sql| on the database |path| through a connection of its own; SQLite's code.
int RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  sqlite3_close_v2(db);
  return rc;
}

// IsIsoUtc says whether |s| has the form "YYYY-MM-DDTHH:MM:SSZ".
bool IsIsoUtc(std::string_view s) {
  constexpr std::string_view kForm = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != kForm.size()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const bool ok = kForm[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == kForm[i];
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// Code returns the error code of |r|, or std::nullopt if it succeeded.
template <typename T>
std::optional<ErrorCode> Code(const Result<T>& r) {
  if (r.has_value()) {
    return std::nullopt;
  }
  return r.error().code();
}

TEST(SqliteIssuanceLogTest, ASecondClaimIsRefusedNamingDevicePeriodAndTime) {
  TempDir dir;
  auto log = MustOpen(dir.path() + "/issuance.db");
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Claim(kDevice, kNov).has_value());
  auto at = MustIssuedAt(*log, kDevice, kNov);
  ASSERT_TRUE(at.has_value());
  EXPECT_TRUE(IsIsoUtc(*at)) << *at;

  Status again = log->Claim(kDevice, kNov);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find(kDevice), std::string::npos) << again.error().message();
  EXPECT_NE(again.error().message().find("2026-11"), std::string::npos);
  EXPECT_NE(again.error().message().find(*at), std::string::npos);
  EXPECT_EQ(MustCount(*log), 1u);
  EXPECT_EQ(MustIssuedAt(*log, kDevice, kNov), at);  // the refusal changed nothing
}

TEST(SqliteIssuanceLogTest, AnotherPeriodOrDeviceIsAnotherEntry) {
  TempDir dir;
  auto log = MustOpen(dir.path() + "/issuance.db");
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Claim(kDevice, kNov).has_value());
  EXPECT_TRUE(log->Claim(kDevice, kDec).has_value());
  EXPECT_TRUE(log->Claim("urn:dev:acme:SN2", kNov).has_value());
  EXPECT_EQ(MustCount(*log), 3u);
  EXPECT_TRUE(MustIssuedAt(*log, kDevice, kDec).has_value());
  EXPECT_FALSE(MustIssuedAt(*log, "urn:dev:acme:SN2", kDec).has_value());
  EXPECT_FALSE(MustIssuedAt(*log, "urn:dev:acme:SN3", kNov).has_value());
}

TEST(SqliteIssuanceLogTest, AReleasedClaimCanBeClaimedAgain) {
  TempDir dir;
  auto log = MustOpen(dir.path() + "/issuance.db");
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Claim(kDevice, kNov).has_value());
  ASSERT_TRUE(log->Claim(kDevice, kDec).has_value());
  log->Release(kDevice, kNov);
  EXPECT_FALSE(MustIssuedAt(*log, kDevice, kNov).has_value());
  EXPECT_TRUE(MustIssuedAt(*log, kDevice, kDec).has_value());  // only that period
  EXPECT_EQ(MustCount(*log), 1u);
  log->Release("urn:dev:acme:never", kNov);  // nothing to release: no effect
  EXPECT_EQ(MustCount(*log), 1u);
  EXPECT_TRUE(log->Claim(kDevice, kNov).has_value());
  EXPECT_EQ(Code(log->Claim(kDevice, kNov)), ErrorCode::kAlreadyExists);
  EXPECT_EQ(MustCount(*log), 2u);
}

TEST(SqliteIssuanceLogTest, ClaimsSurviveReopen) {
  TempDir dir;
  const std::string path = dir.path() + "/issuance.db";
  std::optional<std::string> at;
  {
    auto log = MustOpen(path);
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Claim(kDevice, kNov).has_value());
    ASSERT_TRUE(log->Claim("urn:dev:acme:SN2", kNov).has_value());
    log->Release("urn:dev:acme:SN2", kNov);
    at = MustIssuedAt(*log, kDevice, kNov);
  }
  auto log = MustOpen(path);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(MustCount(*log), 1u);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(MustIssuedAt(*log, kDevice, kNov), at);
  EXPECT_EQ(Code(log->Claim(kDevice, kNov)), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(log->Claim("urn:dev:acme:SN2", kNov).has_value());  // the release survived too
}

TEST(SqliteIssuanceLogTest, TheLogOfAnotherServiceIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/issuance.db";
  {
    auto log = MustOpen(path);
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Claim(kDevice, kNov).has_value());
  }
  auto other = SqliteIssuanceLog::Open(path, "urn:sp:sp1");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(other.error().message().find(kService), std::string::npos) << other.error().message();
  EXPECT_NE(other.error().message().find("urn:sp:sp1"), std::string::npos);
  auto log = MustOpen(path);  // still the log of its own service
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(MustCount(*log), 1u);
}

TEST(SqliteIssuanceLogTest, AFileOfRandomBytesIsRefusedAndLeftUnchanged) {
  TempDir dir;
  const std::string path = dir.path() + "/issuance.db";
  Bytes garbage(8192);
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) | rd());
  for (uint8_t& b : garbage) {
    b = static_cast<uint8_t>(rng());
  }
  ASSERT_TRUE(WriteFileAtomic(path, garbage, 0600).has_value());

  auto log = SqliteIssuanceLog::Open(path, kService);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(log.error().message().find("not an SQLite database"), std::string::npos)
      << log.error().message();
  EXPECT_NE(log.error().message().find(path), std::string::npos);
  auto after = ReadFile(path);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after, garbage);
  EXPECT_FALSE(Exists(path + "-wal"));
  EXPECT_FALSE(Exists(path + "-journal"));
}

TEST(SqliteIssuanceLogTest, AnotherApplicationsDatabaseIsRefusedAndLeftUnchanged) {
  TempDir dir;
  const std::string path = dir.path() + "/other.db";
  ASSERT_EQ(RawSql(path, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"), SQLITE_OK);
  auto before = ReadFile(path);
  ASSERT_TRUE(before.has_value());

  auto log = SqliteIssuanceLog::Open(path, kService);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(log.error().message().find("not an issuance log"), std::string::npos)
      << log.error().message();
  auto after = ReadFile(path);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after, *before);
}

TEST(SqliteIssuanceLogTest, DamagedOrNewerLogsAreRefused) {
  TempDir dir;
  auto make = [&](const std::string& name) {
    const std::string path = dir.path() + "/" + name;
    auto log = MustOpen(path);
    EXPECT_NE(log, nullptr);
    return path;
  };
  const std::string no_service = make("no_service.db");
  ASSERT_EQ(RawSql(no_service, "DELETE FROM meta WHERE key = 'service_id'"), SQLITE_OK);
  auto a = SqliteIssuanceLog::Open(no_service, kService);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code(), ErrorCode::kDataLoss) << a.error().ToString();

  const std::string no_table = make("no_table.db");
  ASSERT_EQ(RawSql(no_table, "DROP TABLE issuance"), SQLITE_OK);
  auto b = SqliteIssuanceLog::Open(no_table, kService);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), ErrorCode::kDataLoss) << b.error().ToString();

  const std::string newer = make("newer.db");
  ASSERT_EQ(RawSql(newer, "PRAGMA user_version = 99"), SQLITE_OK);
  auto c = SqliteIssuanceLog::Open(newer, kService);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), ErrorCode::kFailedPrecondition) << c.error().ToString();
  EXPECT_NE(c.error().message().find("99"), std::string::npos);
}

TEST(SqliteIssuanceLogTest, InvalidInputIsRefusedAndRecordsNothing) {
  TempDir dir;
  const std::string path = dir.path() + "/issuance.db";
  for (const std::string& service :
       {std::string(), std::string("urn:mno:a\nb"), std::string(300, 'x')}) {
    auto bad = SqliteIssuanceLog::Open(path, service);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(Exists(path));
  EXPECT_EQ(Code(SqliteIssuanceLog::Open("", kService)), ErrorCode::kInvalidArgument);

  auto log = MustOpen(path);
  ASSERT_NE(log, nullptr);
  const std::string with_nul("urn:dev:acme:SN1\0x", 18);
  const std::string too_long(kMaxIssuanceDeviceIdSize + 1, 'd');
  for (const std::string& device : {std::string(), with_nul, too_long}) {
    EXPECT_EQ(Code(log->Claim(device, kNov)), ErrorCode::kInvalidArgument);
    EXPECT_EQ(Code(log->IssuedAt(device, kNov)), ErrorCode::kInvalidArgument);
  }
  for (const ibc::KeyPeriod& period : {ibc::KeyPeriod{2026, 0}, ibc::KeyPeriod{2026, 13},
                                       ibc::KeyPeriod{0, 1}, ibc::KeyPeriod{10000, 1}}) {
    EXPECT_EQ(Code(log->Claim(kDevice, period)), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(log->Claim(std::string(kMaxIssuanceDeviceIdSize, 'd'), kNov).has_value());
  EXPECT_EQ(MustCount(*log), 1u);
}

TEST(SqliteIssuanceLogTest, EightThreadsClaimingTheSameIdentitiesSucceedOncePerIdentity) {
  TempDir dir;
  auto log = MustOpen(dir.path() + "/issuance.db");
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kIdentities = 100;
  std::array<std::atomic<int>, kIdentities> wins{};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kIdentities; ++k) {
        const int i = (k + t * 13) % kIdentities;  // each thread in another order
        Status s = log->Claim("urn:dev:acme:C" + std::to_string(i), kNov);
        if (s.has_value()) {
          wins[i].fetch_add(1);
        } else if (s.error().code() == ErrorCode::kAlreadyExists) {
          refused.fetch_add(1);
        } else {
          other.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  int total = 0;
  for (int i = 0; i < kIdentities; ++i) {
    EXPECT_EQ(wins[i].load(), 1) << "identity " << i;
    total += wins[i].load();
  }
  EXPECT_EQ(total, kIdentities);
  EXPECT_EQ(refused.load(), (kThreads - 1) * kIdentities);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(MustCount(*log), static_cast<uint64_t>(kIdentities));
}

TEST(SqliteIssuanceLogTest, ADuplicateInTheSameBatchIsRefusedForTheSecondCallerOnly) {
  TempDir dir;
  const std::string path = dir.path() + "/issuance.db";
  auto log = MustOpen(path);
  ASSERT_NE(log, nullptr);
  // Another connection holds the write lock, so the first caller (the writer) waits for it
  // inside its transaction while two callers of the same identity queue up behind it.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::atomic<int> returned{0};
  std::thread writer([&] {
    EXPECT_TRUE(log->Claim("urn:dev:acme:W", kNov).has_value());
    returned.fetch_add(1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::array<Status, 2> results;
  std::vector<std::thread> twins;
  for (int i = 0; i < 2; ++i) {
    twins.emplace_back([&, i] {
      results[i] = log->Claim(kDevice, kNov);
      returned.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Nothing can be committed yet, so no caller may have returned.
  EXPECT_EQ(returned.load(), 0);
  ASSERT_EQ(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(raw);
  writer.join();
  for (auto& th : twins) {
    th.join();
  }
  // The writer's transaction, then one for both twins.
  EXPECT_EQ(log->transactions(), 2u);
  const int ok = results[0].has_value() + results[1].has_value();
  EXPECT_EQ(ok, 1);
  for (const Status& s : results) {
    if (!s) {
      EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists) << s.error().ToString();
    }
  }
  EXPECT_EQ(MustCount(*log), 2u);
}

// ClaimsPerSecond claims |per_thread| distinct identities from each of |threads| threads and
// returns the rate; every claim must succeed.
double ClaimsPerSecond(SqliteIssuanceLog& log, int threads, int per_thread,
                       const std::string& prefix) {
  std::atomic<int> failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if (!log.Claim(prefix + std::to_string(t) + "-" + std::to_string(i), kNov)) {
          failed.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(failed.load(), 0);
  return threads * per_thread / took.count();
}

TEST(SqliteIssuanceLogTest, GroupCommitBatchesConcurrentClaims) {
  TempDir dir;
  auto log = MustOpen(dir.path() + "/issuance.db");
  ASSERT_NE(log, nullptr);
  constexpr int kPerThread = 250;
  const double one = ClaimsPerSecond(*log, 1, kPerThread, "urn:dev:acme:S");
  // Alone, a caller is always at the head of the queue: one transaction per claim.
  EXPECT_EQ(log->transactions(), static_cast<uint64_t>(kPerThread));
  const double eight = ClaimsPerSecond(*log, 8, kPerThread, "urn:dev:acme:E");
  const uint64_t eight_tx = log->transactions() - kPerThread;
  // Callers that queue behind a writer share its next transaction.
  EXPECT_LT(eight_tx, static_cast<uint64_t>(8 * kPerThread));
  EXPECT_EQ(MustCount(*log), static_cast<uint64_t>(9 * kPerThread));
  std::printf(
      "issuance log, synchronous=FULL: 1 thread %.0f claims/s; 8 threads %.0f claims/s "
      "(%.1f claims per transaction)\n",
      one, eight, 8.0 * kPerThread / static_cast<double>(eight_tx));
}

// The crash test: a forked child claims as fast as it can and reports each claim to the parent
// through a pipe only once Claim acknowledged it; the parent SIGKILLs it after about 200, reopens
// the log and finds every acknowledged claim. SIGKILL loses what the process had not handed to
// the kernel, not the kernel's page cache: this shows that nothing is acknowledged before its
// commit and that a commit is atomic, not that fsync reaches the disk (synchronous=FULL is
// checked by Open).
//
// ChildClaim runs in the forked child and never returns: four threads claim fresh identities
// until the child is killed, writing each one to |ack_fd| only after Claim acknowledged it.
[[noreturn]] void ChildClaim(const std::string& path, int ack_fd, int round) {
  auto log = SqliteIssuanceLog::Open(path, kService);
  if (!log) {
    std::fprintf(stderr, "child: %s\n", log.error().ToString().c_str());
    ::_exit(2);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t n = 0;; ++n) {
        const std::string device = "urn:dev:acme:R" + std::to_string(round) + "T" +
                                   std::to_string(t) + "N" + std::to_string(n);
        Status s = (*log)->Claim(device, kNov);
        if (!s) {
          std::fprintf(stderr, "child: %s\n", s.error().ToString().c_str());
          ::_exit(3);
        }
        // One write(2) of less than PIPE_BUF octets: atomic, never interleaved.
        const std::string line = device + "\n";
        if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          ::_exit(4);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  ::_exit(5);
}

TEST(SqliteIssuanceLogTest, AcknowledgedClaimsSurviveSigkill) {
  TempDir dir;
  const std::string path = dir.path() + "/issuance.db";
  std::vector<std::string> acked;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildClaim(path, fds[1], round);
    }
    ::close(fds[1]);
    std::string pending;
    size_t round_acks = 0;
    bool killed = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (;;) {
      if (!killed && (round_acks >= 200 || std::chrono::steady_clock::now() > deadline)) {
        ::kill(pid, SIGKILL);  // mid-flight: claims are being written
        killed = true;
      }
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 1000) < 0) {
        break;
      }
      char buf[4096];
      const ssize_t got = ::read(fds[0], buf, sizeof(buf));
      if (got <= 0) {
        break;  // the child is gone and the pipe is drained
      }
      pending.append(buf, static_cast<size_t>(got));
      for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
        acked.push_back(pending.substr(0, eol));
        pending.erase(0, eol + 1);
        ++round_acks;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself (status " << status << ")";
    ASSERT_GE(round_acks, 200u) << "round " << round;

    auto log = MustOpen(path);
    ASSERT_NE(log, nullptr);
    size_t missing = 0;
    for (const std::string& device : acked) {
      if (!MustIssuedAt(*log, device, kNov).has_value()) {
        ++missing;
        ADD_FAILURE() << "acknowledged claim lost: " << device;
      }
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_GE(MustCount(*log), acked.size());
    // The log stays usable after the crash.
    EXPECT_EQ(Code(log->Claim(acked.back(), kNov)), ErrorCode::kAlreadyExists);
    ASSERT_TRUE(log->Claim("urn:dev:acme:after" + std::to_string(round), kNov).has_value());
  }
}

}  // namespace
}  // namespace iotsec::server
