// Copyright iotsec authors.
// Crash safety: a child process appends through a LocalSequencer as fast as it can and reports
// each acknowledged entry ("INDEX LEAFHASHHEX\n") to the parent through a pipe, only after the
// acknowledgement. The parent SIGKILLs it at a random moment, reopens the store, and checks that
// every acknowledged entry is there at its index with its leaf hash, that the tree recomputed
// from the entries equals the stored tiles (Fsck), and that appends continue. Several rounds on
// the same store.
//
// SIGKILL loses what the process had not handed to the kernel; it does not lose the kernel's page
// cache, so this tests the atomicity of commits and that nothing is acknowledged before its
// commit, not fsync itself (doc/ledger-storage.md, "What the tests show").
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/sequencer.h"
#include "iotsec/ledger/store.h"
#include "store_test_util.h"

namespace iotsec::ledger {
namespace {

using testing::TempDir;

constexpr int kSubmitters = 16;

// ChildAppend runs in the forked child and never returns: it appends until it is killed.
[[noreturn]] void ChildAppend(const std::string& dir, int ack_fd, int round) {
  auto store = LogStore::Open(dir);
  if (!store) {
    std::fprintf(stderr, "child: %s\n", store.error().ToString().c_str());
    ::_exit(2);
  }
  LocalSequencer seq(**store);
  std::vector<std::thread> threads;
  for (int t = 0; t < kSubmitters; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(round) * 1000 + t);
      for (uint64_t n = 0;; ++n) {
        // Distinct entries of varying size (some span several SQLite pages).
        std::string text = "round " + std::to_string(round) + " thread " + std::to_string(t) +
                           " n " + std::to_string(n) + " " +
                           std::string(rng() % 64 == 0 ? 5000 : rng() % 200, 'p');
        Bytes entry = ToBytes(AsBytes(text));
        Hash leaf = LeafHash(entry);
        Status s = seq.Submit(std::move(entry), [ack_fd, leaf](Result<uint64_t> index) {
          if (!index) {
            return;
          }
          // One write(2) of less than PIPE_BUF bytes: atomic, never interleaved.
          std::string line = std::to_string(*index) + " " + HexEncode(leaf) + "\n";
          if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            ::_exit(3);
          }
        });
        if (!s) {
          if (s.error().code() != ErrorCode::kUnavailable) {
            std::fprintf(stderr, "child: %s\n", s.error().ToString().c_str());
            ::_exit(4);
          }
          std::this_thread::sleep_for(std::chrono::microseconds(200));  // back-pressure
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  ::_exit(0);
}

// Acks parses the acknowledgement lines; a line cut by the kill cannot occur (atomic writes),
// but a partial last line is ignored rather than trusted.
void ParseAcks(const std::string& data, std::map<uint64_t, std::string>& acks) {
  std::istringstream in(data);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) {
      break;  // no newline: incomplete
    }
    size_t space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    uint64_t index = std::stoull(line.substr(0, space));
    std::string hash = line.substr(space + 1);
    ASSERT_EQ(hash.size(), 64u) << line;
    auto [it, inserted] = acks.emplace(index, hash);
    ASSERT_TRUE(inserted || it->second == hash) << "index " << index << " acknowledged twice";
  }
}

TEST(LogStoreCrashTest, AcknowledgedEntriesSurviveSigkill) {
  TempDir dir;
  std::random_device seed_source;
  const uint32_t seed = seed_source();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::map<uint64_t, std::string> acks;  // every acknowledgement of every round
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildAppend(dir.path(), fds[1], round);
    }
    ::close(fds[1]);
    // Read acknowledgements; after the first one, wait a random time, then kill.
    std::string data;
    auto read_some = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) > 0) {
        char buf[65536];
        ssize_t n = ::read(fds[0], buf, sizeof(buf));
        if (n > 0) {
          data.append(buf, static_cast<size_t>(n));
        }
        return n;
      }
      return ssize_t{-1};
    };
    auto start = std::chrono::steady_clock::now();
    while (data.find('\n') == std::string::npos &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
      if (read_some(100) == 0) {
        break;  // the child died on its own
      }
    }
    ASSERT_NE(data.find('\n'), std::string::npos) << "the child acknowledged nothing";
    auto kill_at = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(std::uniform_int_distribution<int>(1, 400)(rng));
    while (std::chrono::steady_clock::now() < kill_at) {
      read_some(1);
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child exited by itself, status " << status;
    // Drain what the child wrote before it died.
    while (read_some(0) > 0) {
    }
    ::close(fds[0]);
    size_t before = acks.size();
    ParseAcks(data, acks);
    EXPECT_GT(acks.size(), before);

    auto store = LogStore::Open(dir.path());
    ASSERT_TRUE(store) << store.error().ToString();
    LogStore& s = **store;
    uint64_t size = s.Size().value();
    ASSERT_GT(size, acks.rbegin()->first) << "acknowledged entries are missing";
    for (const auto& [index, hash] : acks) {
      auto entry = s.Entry(index);
      ASSERT_TRUE(entry) << "acknowledged entry " << index << ": " << entry.error().ToString();
      ASSERT_EQ(HexEncode(LeafHash(*entry)), hash) << "entry " << index;
      ASSERT_EQ(HexEncode(s.Node(0, index).value()), hash) << "tile hash of entry " << index;
    }
    // The tiles agree with the entries, and with a tree built from the entries independently.
    FsckReport report;
    Status fsck = s.Fsck(false, &report);
    ASSERT_TRUE(fsck) << fsck.error().ToString();
    EXPECT_EQ(report.entries_checked, size);
    MemoryTree mirror;
    for (uint64_t i = 0; i < size; i += 4096) {
      auto chunk = s.Entries(i, std::min<uint64_t>(4096, size - i));
      ASSERT_TRUE(chunk);
      for (const Bytes& e : *chunk) {
        mirror.AppendLeaf(e);
      }
    }
    EXPECT_EQ(s.Root()->second, mirror.Root());
    EXPECT_EQ(RootAt(s, size).value(), mirror.Root());
    // Appends continue where the log ends.
    std::vector<Bytes> more = {ToBytes(AsBytes("after round " + std::to_string(round)))};
    auto idx = s.AppendBatch(more);
    ASSERT_TRUE(idx) << idx.error().ToString();
    EXPECT_EQ(idx->front(), size);
    std::printf("round %d: killed after %zu acknowledged entries in total, log size %llu\n", round,
                acks.size(), static_cast<unsigned long long>(size + 1));
  }
}

}  // namespace
}  // namespace iotsec::ledger
