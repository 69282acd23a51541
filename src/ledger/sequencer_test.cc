// Copyright iotsec authors.
#include "iotsec/ledger/sequencer.h"

#include <gtest/gtest.h>

#include <any>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/ledger/merkle.h"
#include "store_test_util.h"

namespace iotsec::ledger {
namespace {

using testing::RawSql;
using testing::TempDir;

Bytes Text(const std::string& s) { return ToBytes(AsBytes(s)); }

std::unique_ptr<LogStore> OpenStore(const TempDir& dir) {
  auto store = LogStore::Open(dir.path());
  EXPECT_TRUE(store) << store.error().ToString();
  return std::move(*store);
}

// A gate that the apply hook can wait on, to hold the writer thread still.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(LocalSequencerTest, ConcurrentSubmittersGetDistinctDurableIndexes) {
  TempDir dir;
  auto store = OpenStore(dir);
  LocalSequencer seq(*store);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 400;
  std::vector<std::vector<std::pair<std::string, std::future<Result<uint64_t>>>>> futures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Appended piece by piece: "literal" + std::to_string() trips g++ 12's -Wrestrict
        // false positive in optimized builds.
        std::string e = "t";
        e += std::to_string(t);
        e += '-';
        e += std::to_string(i);
        futures[t].emplace_back(e, seq.SubmitAsync(Text(e)));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<uint64_t> seen;
  for (auto& per_thread : futures) {
    uint64_t last = 0;
    bool first = true;
    for (auto& [entry, f] : per_thread) {
      Result<uint64_t> idx = f.get();
      ASSERT_TRUE(idx) << idx.error().ToString();
      EXPECT_TRUE(seen.insert(*idx).second);
      // One submitter's entries keep their order.
      EXPECT_TRUE(first || *idx > last);
      first = false;
      last = *idx;
      // Acknowledged means committed: readable right away.
      EXPECT_EQ(store->Entry(*idx).value(), Text(entry));
    }
  }
  EXPECT_EQ(seen.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*seen.rbegin(), uint64_t{kThreads * kPerThread - 1});
  SequencerStats stats = seq.Stats();
  EXPECT_EQ(stats.accepted, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(stats.appended, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(stats.queued_entries, 0u);
  EXPECT_GT(stats.largest_batch, 1u);  // group commit happened
  EXPECT_LT(stats.batches, uint64_t{kThreads * kPerThread});
  EXPECT_TRUE(store->Fsck());
}

TEST(LocalSequencerTest, ApplyHookRefusesEntriesInOrder) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::vector<std::pair<std::string, uint64_t>> applied;
  std::vector<std::tuple<uint64_t, size_t, bool>> batches;
  LocalSequencerOptions options;
  options.apply = [&](ByteSpan entry, uint64_t index, std::any&) -> Status {
    std::string s(entry.begin(), entry.end());
    if (s.starts_with("bad")) {
      return Fail(ErrorCode::kPermissionDenied, "refused " + s);
    }
    applied.emplace_back(s, index);
    return Ok();
  };
  options.on_batch = [&](uint64_t first, size_t count, const Status& result) {
    batches.emplace_back(first, count, result.has_value());
  };
  std::vector<std::future<Result<uint64_t>>> futures;
  {
    LocalSequencer seq(*store, options);
    for (std::string e : {"a", "bad1", "b", "bad2", "c"}) {
      futures.push_back(seq.SubmitAsync(Text(e)));
    }
    seq.Close();
  }
  auto a = futures[0].get();
  auto bad1 = futures[1].get();
  auto b = futures[2].get();
  auto bad2 = futures[3].get();
  auto c = futures[4].get();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, 0u);
  EXPECT_EQ(*b, 1u);
  EXPECT_EQ(*c, 2u);
  ASSERT_FALSE(bad1);
  EXPECT_EQ(bad1.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(bad1.error().message(), "refused bad1");
  ASSERT_FALSE(bad2);
  EXPECT_EQ(bad2.error().code(), ErrorCode::kPermissionDenied);
  // The hook saw each accepted entry at the index it got.
  ASSERT_EQ(applied.size(), 3u);
  EXPECT_EQ(applied[0], (std::pair<std::string, uint64_t>{"a", 0}));
  EXPECT_EQ(applied[1], (std::pair<std::string, uint64_t>{"b", 1}));
  EXPECT_EQ(applied[2], (std::pair<std::string, uint64_t>{"c", 2}));
  EXPECT_EQ(store->Size().value(), 3u);
  size_t committed = 0;
  for (auto& [first, count, ok] : batches) {
    EXPECT_TRUE(ok);
    EXPECT_EQ(first, committed);
    committed += count;
  }
  EXPECT_EQ(committed, 3u);
}

TEST(LocalSequencerTest, BatchHookHearsOfBatchesWithEveryEntryRefused) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::vector<std::pair<uint64_t, size_t>> batches;
  LocalSequencerOptions options;
  options.apply = [](ByteSpan, uint64_t, std::any&) -> Status {
    return Fail(ErrorCode::kPermissionDenied, "no");
  };
  options.on_batch = [&](uint64_t first, size_t count, const Status& result) {
    EXPECT_TRUE(result);
    batches.emplace_back(first, count);
  };
  {
    LocalSequencer seq(*store, options);
    auto r = seq.SubmitAsync(Text("x")).get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
    seq.Close();  // the writer has finished the batch
    EXPECT_EQ(seq.Stats().refused, 1u);
  }
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], (std::pair<uint64_t, size_t>{0, 0}));
  EXPECT_EQ(store->Size().value(), 0u);
}

TEST(LocalSequencerTest, QueueIsBoundedWithClearBackPressure) {
  TempDir dir;
  auto store = OpenStore(dir);
  Gate gate;
  std::promise<void> writer_busy;
  std::atomic<bool> first{true};
  LocalSequencerOptions options;
  options.max_queue_entries = 4;
  options.max_queue_bytes = 1000;
  options.max_entry_bytes = 600;
  options.apply = [&](ByteSpan, uint64_t, std::any&) -> Status {
    if (first.exchange(false)) {
      writer_busy.set_value();
      gate.Wait();
    }
    return Ok();
  };
  LocalSequencer seq(*store, options);
  std::vector<std::future<Result<uint64_t>>> futures;
  futures.push_back(seq.SubmitAsync(Text("hold")));
  writer_busy.get_future().wait();  // the writer holds "hold" and waits at the gate
  for (int i = 0; i < 4; ++i) {
    std::string q = "q";
    q += std::to_string(i);
    futures.push_back(seq.SubmitAsync(Text(q)));
  }
  Status full = seq.Submit(Text("one too many"), [](Result<uint64_t>) { FAIL(); });
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(full.error().message().find("queue is full"), std::string::npos);
  SequencerStats stats = seq.Stats();
  EXPECT_EQ(stats.queued_entries, 4u);
  EXPECT_EQ(stats.rejected_full, 1u);
  // The byte bound too: 4 small entries are queued; nothing fits once bytes would pass 1000.
  auto too_big = seq.Submit(Bytes(601, 1), nullptr);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), ErrorCode::kInvalidArgument);
  gate.Open();
  for (auto& f : futures) {
    EXPECT_TRUE(f.get());
  }
  EXPECT_EQ(store->Size().value(), 5u);
  // Space again.
  EXPECT_TRUE(seq.SubmitAsync(Bytes(600, 2)).get());
  EXPECT_TRUE(seq.SubmitAsync(Bytes(1, 2)).get());
}

TEST(LocalSequencerTest, ByteBoundAndBatchBound) {
  TempDir dir;
  auto store = OpenStore(dir);
  Gate gate;
  std::promise<void> writer_busy;
  std::atomic<bool> first{true};
  LocalSequencerOptions options;
  options.max_queue_bytes = 1000;
  options.max_batch_entries = 3;
  options.apply = [&](ByteSpan, uint64_t, std::any&) -> Status {
    if (first.exchange(false)) {
      writer_busy.set_value();
      gate.Wait();
    }
    return Ok();
  };
  LocalSequencer seq(*store, options);
  std::vector<std::future<Result<uint64_t>>> futures;
  futures.push_back(seq.SubmitAsync(Text("hold")));
  writer_busy.get_future().wait();
  for (int i = 0; i < 10; ++i) {
    futures.push_back(seq.SubmitAsync(Bytes(100, static_cast<uint8_t>(i))));
  }
  auto over = seq.Submit(Bytes(1, 0), nullptr);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), ErrorCode::kUnavailable);
  gate.Open();
  for (auto& f : futures) {
    EXPECT_TRUE(f.get());
  }
  SequencerStats stats = seq.Stats();
  EXPECT_LE(stats.largest_batch, 3u);
  EXPECT_GE(stats.batches, 4u);  // 1 + ceil(10 / 3)
}

TEST(LocalSequencerTest, IndexWritesCommitWithTheBatch) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::vector<IndexWrite> pending;
  LocalSequencerOptions options;
  options.apply = [&](ByteSpan entry, uint64_t index, std::any&) -> Status {
    Bytes value(8);
    for (int i = 0; i < 8; ++i) {
      value[i] = static_cast<uint8_t>(index >> (56 - 8 * i));
    }
    pending.push_back({"by-entry", ToBytes(entry), value});
    return Ok();
  };
  options.index_writes = [&]() { return std::exchange(pending, {}); };
  LocalSequencer seq(*store, options);
  auto x = seq.SubmitAsync(Text("x")).get();
  auto y = seq.SubmitAsync(Text("y")).get();
  ASSERT_TRUE(x && y);
  auto vy = store->IndexGet("by-entry", AsBytes("y"));
  ASSERT_TRUE(vy);
  EXPECT_EQ(vy->back(), static_cast<uint8_t>(*y));
}

TEST(LocalSequencerTest, StoreFailureReachesSubmittersAndBatchHook) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::vector<bool> outcomes;
  LocalSequencerOptions options;
  options.on_batch = [&](uint64_t, size_t, const Status& s) { outcomes.push_back(s.has_value()); };
  LocalSequencer seq(*store, options);
  ASSERT_TRUE(seq.SubmitAsync(Text("0")).get());
  // Someone else's row sits where entry 1 would go: that commit fails, nothing is appended.
  ASSERT_EQ(RawSql(dir.path(), "INSERT INTO entries (idx, data) VALUES (1, x'00')"), SQLITE_OK);
  auto failed = seq.SubmitAsync(Text("1")).get();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kAlreadyExists);
  ASSERT_EQ(RawSql(dir.path(), "DELETE FROM entries WHERE idx = 1"), SQLITE_OK);
  auto again = seq.SubmitAsync(Text("1 again")).get();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ(outcomes, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(seq.Stats().failed, 1u);
}

TEST(LocalSequencerTest, CloseDrainsAcceptedEntriesThenRefuses) {
  TempDir dir;
  auto store = OpenStore(dir);
  LocalSequencer seq(*store);
  std::vector<std::future<Result<uint64_t>>> futures;
  for (int i = 0; i < 1000; ++i) {
    futures.push_back(seq.SubmitAsync(Text(std::to_string(i))));
  }
  seq.Close();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(f.get());
  }
  EXPECT_EQ(store->Size().value(), 1000u);
  auto closed = seq.SubmitAsync(Text("late")).get();
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code(), ErrorCode::kFailedPrecondition);
  seq.Close();  // idempotent
}

TEST(LocalSequencerTest, ThrowingHooksDoNotKillTheWriter) {
  TempDir dir;
  auto store = OpenStore(dir);
  LocalSequencerOptions options;
  options.apply = [](ByteSpan entry, uint64_t, std::any&) -> Status {
    if (!entry.empty() && entry[0] == '!') {
      throw std::runtime_error("boom");
    }
    return Ok();
  };
  LocalSequencer seq(*store, options);
  auto thrown = seq.SubmitAsync(Text("!")).get();
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code(), ErrorCode::kInternal);
  ASSERT_TRUE(seq.Submit(Text("cb"), [](Result<uint64_t>) { throw 1; }));
  EXPECT_TRUE(seq.SubmitAsync(Text("fine")).get());
}

}  // namespace
}  // namespace iotsec::ledger
