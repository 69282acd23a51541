// Copyright iotsec authors.
// Durability: no acknowledgement before fsync. A SQLite VFS shim (installed as the default VFS
// for the length of the test) counts writes to the database and its WAL that no xSync has
// covered yet; every acknowledgement from the sequencer must find that count at zero, so an
// acknowledged entry is on stable storage, not only in the page cache, and survives power loss
// (doc/ledger-storage.md, "Atomicity and durability"). The SIGKILL test cannot show this.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/ledger/sequencer.h"
#include "iotsec/ledger/store.h"
#include "store_test_util.h"

namespace iotsec::ledger {
namespace {

using testing::TempDir;

std::atomic<int64_t> g_unsynced_writes{0};  // to ledger.db or ledger.db-wal since their sync
std::atomic<int64_t> g_wal_syncs{0};
std::atomic<bool> g_fail_wal_sync{false};  // fault injection: WAL syncs fail with an I/O error
sqlite3_vfs* g_real = nullptr;

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool tracked;  // the database or its WAL (not the -shm index, not temp files)
  bool wal;
  int64_t unsynced;
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

int ShimClose(sqlite3_file* f) {
  ShimFile* s = reinterpret_cast<ShimFile*>(f);
  int rc = s->real->pMethods ? s->real->pMethods->xClose(s->real) : SQLITE_OK;
  // A file closed with unsynced writes was not made durable by anyone: keep the count.
  return rc;
}
int ShimRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), p, n, off);
}
int ShimWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  ShimFile* s = reinterpret_cast<ShimFile*>(f);
  if (s->tracked) {
    ++s->unsynced;
    ++g_unsynced_writes;
  }
  return s->real->pMethods->xWrite(s->real, p, n, off);
}
int ShimTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int ShimSync(sqlite3_file* f, int flags) {
  ShimFile* s = reinterpret_cast<ShimFile*>(f);
  if (s->wal && g_fail_wal_sync.load()) {
    return SQLITE_IOERR_FSYNC;
  }
  int rc = s->real->pMethods->xSync(s->real, flags);
  if (rc == SQLITE_OK && s->tracked) {
    g_unsynced_writes -= s->unsynced;
    s->unsynced = 0;
    if (s->wal) {
      ++g_wal_syncs;
    }
  }
  return rc;
}
int ShimFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int ShimLock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int ShimUnlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int ShimCheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int ShimFileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int ShimSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int ShimDeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShimShmMap(sqlite3_file* f, int pg, int sz, int extend, void volatile** pp) {
  return Real(f)->pMethods->xShmMap(Real(f), pg, sz, extend, pp);
}
int ShimShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShimShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShimShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int ShimFetch(sqlite3_file* f, sqlite3_int64 off, int n, void** pp) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, pp);
}
int ShimUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

const sqlite3_io_methods kShimMethods = {
    3,
    ShimClose,
    ShimRead,
    ShimWrite,
    ShimTruncate,
    ShimSync,
    ShimFileSize,
    ShimLock,
    ShimUnlock,
    ShimCheckReservedLock,
    ShimFileControl,
    ShimSectorSize,
    ShimDeviceCharacteristics,
    ShimShmMap,
    ShimShmLock,
    ShimShmBarrier,
    ShimShmUnmap,
    ShimFetch,
    ShimUnfetch,
};

int ShimOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  ShimFile* s = reinterpret_cast<ShimFile*>(f);
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  s->tracked = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  s->wal = (flags & SQLITE_OPEN_WAL) != 0;
  s->unsynced = 0;
  int rc = g_real->xOpen(g_real, name, s->real, flags, out_flags);
  s->base.pMethods = s->real->pMethods != nullptr ? &kShimMethods : nullptr;
  return rc;
}

// ShimVfs installs the shim as the default VFS for its lifetime.
class ShimVfs {
 public:
  ShimVfs() {
    g_real = sqlite3_vfs_find(nullptr);
    std::memcpy(&vfs_, g_real, sizeof(vfs_));
    vfs_.zName = "iotsec-sync-check";
    vfs_.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
    vfs_.xOpen = ShimOpen;
    vfs_.pNext = nullptr;
    EXPECT_EQ(sqlite3_vfs_register(&vfs_, /*makeDflt=*/1), SQLITE_OK);
  }
  ~ShimVfs() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(g_real, /*makeDflt=*/1);
  }

 private:
  sqlite3_vfs vfs_;
};

TEST(LogStoreDurabilityTest, NothingIsAcknowledgedBeforeItsWalIsSynced) {
  ShimVfs shim;
  TempDir dir;
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store) << store.error().ToString();
  std::atomic<int64_t> violations{0};
  std::atomic<int64_t> acks{0};
  int64_t syncs_before = g_wal_syncs.load();
  {
    LocalSequencer seq(**store);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        std::vector<std::future<void>> done;
        for (int i = 0; i < 300; ++i) {
          auto p = std::make_shared<std::promise<void>>();
          done.push_back(p->get_future());
          // Appended piece by piece: "literal" + std::to_string() trips g++ 12's -Wrestrict
          // false positive in optimized builds.
          std::string text = "t";
          text += std::to_string(t);
          text += " i";
          text += std::to_string(i);
          text.append(static_cast<size_t>(i % 50 * 40), 'z');
          Bytes e = ToBytes(AsBytes(text));
          Status s = seq.Submit(std::move(e), [&, p](Result<uint64_t> r) {
            if (r) {
              ++acks;
              // The writer calls this right after the commit returned: the WAL frames of the
              // commit, and any checkpoint into the database file, must be synced by now.
              if (g_unsynced_writes.load() != 0) {
                ++violations;
              }
            }
            p->set_value();
          });
          ASSERT_TRUE(s) << s.error().ToString();
        }
        for (auto& f : done) {
          f.wait();
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
  }
  EXPECT_EQ(acks.load(), 8 * 300);
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(g_wal_syncs.load(), syncs_before);
}

// A commit whose fsync fails has an unknown outcome: the store reports it, then refuses every
// write (fail-stop) until it is reopened; reopened, it is consistent and writable.
TEST(LogStoreDurabilityTest, FailedCommitIsFailStop) {
  ShimVfs shim;
  TempDir dir;
  uint64_t before = 0;
  {
    auto store = LogStore::Open(dir.path());
    ASSERT_TRUE(store) << store.error().ToString();
    LogStore& s = **store;
    std::vector<Bytes> batch = {ToBytes(AsBytes("a")), ToBytes(AsBytes("b"))};
    ASSERT_TRUE(s.AppendBatch(batch));
    before = s.Size().value();
    std::vector<bool> outcomes;
    LocalSequencerOptions options;
    options.on_batch = [&](uint64_t, size_t, const Status& r) {
      outcomes.push_back(r.has_value());
    };
    LocalSequencer seq(s, options);
    g_fail_wal_sync = true;
    auto failed = seq.SubmitAsync(ToBytes(AsBytes("c"))).get();
    g_fail_wal_sync = false;
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(failed.error().message().find("outcome unknown"), std::string::npos)
        << failed.error().message();
    // The disk works again, but this store does not trust its state any more.
    auto refused = seq.SubmitAsync(ToBytes(AsBytes("d"))).get();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(s.AppendBatch(batch).error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(s.IndexApply(std::vector<IndexWrite>{{"t", Bytes{1}, Bytes{1}}}).error().code(),
              ErrorCode::kFailedPrecondition);
    EXPECT_EQ(s.Size().value(), before);  // readers still see the last known commit
    seq.Close();
    EXPECT_EQ(outcomes, (std::vector<bool>{false, false}));
  }
  auto store = LogStore::Open(dir.path());
  ASSERT_TRUE(store) << store.error().ToString();
  uint64_t size = (*store)->Size().value();
  // "c" may or may not have landed; either way the tree is whole.
  EXPECT_TRUE(size == before || size == before + 1) << size;
  EXPECT_TRUE((*store)->Fsck());
  std::vector<Bytes> more = {ToBytes(AsBytes("e"))};
  auto idx = (*store)->AppendBatch(more);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->front(), size);
}

// The shim does see unsynced writes: with synchronous=NORMAL (which LogStore does not use)
// a commit returns with WAL writes that no sync covers.
TEST(LogStoreDurabilityTest, ShimDetectsUnsyncedCommits) {
  ShimVfs shim;
  TempDir dir;
  sqlite3* db = nullptr;
  std::string path = dir.Sub("plain.db");
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                         "CREATE TABLE t(x); INSERT INTO t VALUES (1);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_GT(g_unsynced_writes.load(), 0);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  g_unsynced_writes = 0;
}

}  // namespace
}  // namespace iotsec::ledger
