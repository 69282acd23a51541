// Copyright iotsec authors.
// The durable issuance log of a provisioning service (include/iotsec/server/issuance_log.h,
// doc/protocol/onboarding.md §3.3, steps 4 and 5).
//
// Schema (one SQLite database per service; schema version in PRAGMA user_version, currently 1;
// PRAGMA application_id = kApplicationId marks the file as an issuance log):
//
//   meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID
//     'service_id'  the service the log belongs to (an MNO or SP, for example "urn:mno:acme");
//                   a log is opened only for that service
//     'created_at'  when the log was created (UTC, ISO 8601)
//   issuance(device_id TEXT, period TEXT, issued_at TEXT NOT NULL,
//            PRIMARY KEY (device_id, period)) WITHOUT ROWID
//     device_id     the device identity as presented ("urn:dev:<org>:<serial>")
//     period        the key period, "YYYY-MM" (X.1365 key periods, ibc::KeyPeriod)
//     issued_at     when the claim was committed (UTC, ISO 8601, "YYYY-MM-DDTHH:MM:SSZ")
//   The primary key is what refuses a second issuance of an identity in a period.
//
// Why an acknowledged claim survives a crash: the database is in WAL mode with
// synchronous=FULL, so COMMIT returns only after the write-ahead log holding the transaction is
// fsync'ed, and Claim returns Ok only after the COMMIT of the transaction holding its claim.
// A transaction is all or nothing, so a crash leaves every claim either committed or absent.
//
// Group commit: callers of Claim queue up; the caller at the head of the queue becomes the
// writer and commits the claims of everyone queued at that moment (up to kMaxBatch) in one
// transaction, so one fsync serves many claims; then it wakes them with their results and the
// next head of the queue writes the next batch. A claim that duplicates an earlier one in the
// same batch fails on the primary key inside the transaction like any other duplicate.
//
// Schema changes are numbered migrations (kMigrations), applied in one transaction on Open.
#include "iotsec/server/issuance_log.h"

#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

namespace iotsec::server {
namespace {

// kApplicationId is the SQLite application id of an issuance log ("iIss").
constexpr int64_t kApplicationId = 0x69497373;
// kBusyTimeoutMs is how long a connection waits for another one holding the database.
constexpr int kBusyTimeoutMs = 5000;
// kMaxBatch bounds the claims committed in one transaction.
constexpr size_t kMaxBatch = 1024;

// kMigrations[i] brings the schema from version i to version i + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the metadata and the claims.
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE issuance (device_id TEXT NOT NULL, period TEXT NOT NULL,"
    " issued_at TEXT NOT NULL, PRIMARY KEY (device_id, period)) WITHOUT ROWID;",
};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;

struct FinalizeStmt {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

// ResetOnExit makes a cached statement ready for its next use when the scope ends.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* s) : s_(s) {}
  ~ResetOnExit() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* s_;
};

// NowUtc returns the current time as "YYYY-MM-DDTHH:MM:SSZ" (ISO 8601, UTC).
std::string NowUtc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Status CheckServiceId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIssuanceServiceIdSize || HasControl(id)) {
    return Fail(ErrorCode::kInvalidArgument, "issuance log: the service id must be 1 to " +
                                                 std::to_string(kMaxIssuanceServiceIdSize) +
                                                 " octets with no control character");
  }
  return Ok();
}

Status CheckClaim(std::string_view device_id, const ibc::KeyPeriod& period) {
  if (device_id.empty() || device_id.size() > kMaxIssuanceDeviceIdSize || HasControl(device_id)) {
    return Fail(ErrorCode::kInvalidArgument, "issuance log: a device id must be 1 to " +
                                                 std::to_string(kMaxIssuanceDeviceIdSize) +
                                                 " octets with no control character");
  }
  if (period.year < 1 || period.year > 9999 || period.month < 1 || period.month > 12) {
    return Fail(ErrorCode::kInvalidArgument, "issuance log: invalid key period (year " +
                                                 std::to_string(period.year) + ", month " +
                                                 std::to_string(period.month) + ")");
  }
  return Ok();
}

// AlreadyIssued is the refusal of a second claim (onboarding.md §3.3, step 4).
Unexpected AlreadyIssued(std::string_view device_id, std::string_view period,
                         std::string_view issued_at) {
  return Fail(ErrorCode::kAlreadyExists,
              "issuance log: " + std::string(device_id) +
                  " was already provisioned for key period " + std::string(period) +
                  ", first issued " + std::string(issued_at) +
                  " (a replayed request or a second device presenting this identity)");
}

// PendingClaim is one caller of Claim waiting in the queue.
struct PendingClaim {
  std::string_view device_id;
  std::string period;
  Status result;
  bool done = false;
  std::condition_variable cv;
};

}  // namespace

struct SqliteIssuanceLog::Impl {
  std::string path;
  std::string service_id;
  DbPtr db;

  // db_mu serializes the use of the connection and its statements.
  std::mutex db_mu;
  StmtPtr insert;
  StmtPtr select;
  StmtPtr remove;
  StmtPtr count;

  // queue_mu guards queue: the callers of Claim in arrival order; the head one writes.
  std::mutex queue_mu;
  std::deque<PendingClaim*> queue;

  std::atomic<uint64_t> transactions{0};

  Error SqlError(int rc, std::string_view what) const;
  Status Exec(const char* sql, std::string_view what);
  Result<StmtPtr> Prepare(const char* sql);
  Result<int64_t> QueryInt(const char* sql, std::string_view what);
  Result<std::optional<std::string>> QueryText(sqlite3_stmt* s, std::string_view what);
  Status BindClaim(sqlite3_stmt* s, std::string_view device_id, std::string_view period);
  void RollbackIfOpen();

  Status Initialize();
  Status CreateOrMigrate();
  Status CheckService();
  void CommitBatch(std::span<PendingClaim* const> batch);
  Result<std::optional<std::string>> Lookup(std::string_view device_id, std::string_view period);
};

Error SqliteIssuanceLog::Impl::SqlError(int rc, std::string_view what) const {
  std::string msg = "issuance log " + path + ": " + std::string(what) + ": ";
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return Error(ErrorCode::kInvalidArgument,
                   msg + "not an SQLite database (the wrong file, or its header is damaged)");
    case SQLITE_CORRUPT:
      return Error(ErrorCode::kDataLoss,
                   msg + "the database is corrupt (" + sqlite3_errmsg(db.get()) + ")");
    default:
      break;
  }
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_PERM:
      code = ErrorCode::kUnavailable;
      break;
    default:
      break;
  }
  msg += sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_extended_errcode(db.get()) == rc) {
    msg += " (";
    msg += sqlite3_errmsg(db.get());
    msg += ")";
  }
  return Error(code, std::move(msg));
}

Status SqliteIssuanceLog::Impl::Exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return Unexpected(SqlError(rc, what));
  }
  return Ok();
}

Result<StmtPtr> SqliteIssuanceLog::Impl::Prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  StmtPtr stmt(s);
  if (rc != SQLITE_OK) {
    if ((rc & 0xff) == SQLITE_ERROR) {
      // A missing table or column: the file claims to be an issuance log but is not whole.
      return Fail(ErrorCode::kDataLoss, "issuance log " + path + ": the schema is damaged (" +
                                            sqlite3_errmsg(db.get()) + ")");
    }
    return Unexpected(SqlError(rc, "preparing a statement"));
  }
  return stmt;
}

Result<int64_t> SqliteIssuanceLog::Impl::QueryInt(const char* sql, std::string_view what) {
  IOTSEC_TRY(stmt, Prepare(sql));
  const int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_ROW) {
    return sqlite3_column_int64(stmt.get(), 0);
  }
  if (rc == SQLITE_DONE) {
    return int64_t{0};
  }
  return Unexpected(SqlError(rc, what));
}

Result<std::optional<std::string>> SqliteIssuanceLog::Impl::QueryText(sqlite3_stmt* s,
                                                                      std::string_view what) {
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    return std::optional<std::string>();
  }
  if (rc != SQLITE_ROW) {
    return Unexpected(SqlError(rc, what));
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  const int n = sqlite3_column_bytes(s, 0);
  if (text == nullptr || n < 0) {
    return Fail(ErrorCode::kDataLoss,
                "issuance log " + path + ": " + std::string(what) + ": a NULL value");
  }
  return std::optional<std::string>(std::string(text, static_cast<size_t>(n)));
}

Status SqliteIssuanceLog::Impl::BindClaim(sqlite3_stmt* s, std::string_view device_id,
                                          std::string_view period) {
  int rc = sqlite3_bind_text(s, 1, device_id.data(), static_cast<int>(device_id.size()),
                             SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(s, 2, period.data(), static_cast<int>(period.size()), SQLITE_TRANSIENT);
  }
  if (rc != SQLITE_OK) {
    return Unexpected(SqlError(rc, "binding a claim"));
  }
  return Ok();
}

void SqliteIssuanceLog::Impl::RollbackIfOpen() {
  if (sqlite3_get_autocommit(db.get()) == 0) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status SqliteIssuanceLog::Impl::CreateOrMigrate() {
  // Read only, so that a file that is not ours is refused before anything is written to it.
  IOTSEC_TRY(app_id, QueryInt("PRAGMA application_id", "reading the application id"));
  IOTSEC_TRY(objects, QueryInt("SELECT count(*) FROM sqlite_schema", "reading the schema"));
  IOTSEC_TRY(version, QueryInt("PRAGMA user_version", "reading the schema version"));
  const bool empty = app_id == 0 && objects == 0;
  if (!empty && app_id != kApplicationId) {
    return Fail(ErrorCode::kInvalidArgument,
                "issuance log " + path +
                    ": an SQLite database of another application, not an issuance log");
  }
  if (version > kSchemaVersion) {
    return Fail(ErrorCode::kFailedPrecondition,
                "issuance log " + path + ": schema version " + std::to_string(version) +
                    " was written by a newer version of this software (this one knows up to " +
                    std::to_string(kSchemaVersion) + ")");
  }
  if (!empty && version == kSchemaVersion) {
    return Ok();
  }
  // Create or migrate under the write lock, deciding again: another process may have created
  // or migrated the file in the meantime.
  IOTSEC_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "locking the database"));
  auto run = [&]() -> Status {
    IOTSEC_TRY(app_id2, QueryInt("PRAGMA application_id", "reading the application id"));
    IOTSEC_TRY(objects2, QueryInt("SELECT count(*) FROM sqlite_schema", "reading the schema"));
    IOTSEC_TRY(version2, QueryInt("PRAGMA user_version", "reading the schema version"));
    const bool empty2 = app_id2 == 0 && objects2 == 0;
    if (!empty2 && app_id2 != kApplicationId) {
      return Fail(ErrorCode::kInvalidArgument,
                  "issuance log " + path +
                      ": an SQLite database of another application, not an issuance log");
    }
    if (!empty2 && version2 == 0) {
      return Fail(ErrorCode::kDataLoss,
                  "issuance log " + path + ": marked as an issuance log but has no schema");
    }
    if (version2 > kSchemaVersion) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "issuance log " + path + ": schema version " + std::to_string(version2) +
                      " was written by a newer version of this software");
    }
    for (int64_t v = empty2 ? 0 : version2; v < kSchemaVersion; ++v) {
      IOTSEC_RETURN_IF_ERROR(
          Exec(kMigrations[v], "migrating to schema version " + std::to_string(v + 1)));
    }
    if (empty2) {
      const std::string header = "PRAGMA application_id = " + std::to_string(kApplicationId);
      IOTSEC_RETURN_IF_ERROR(Exec(header.c_str(), "setting the application id"));
      IOTSEC_TRY(meta, Prepare("INSERT INTO meta (key, value) VALUES ('service_id', ?1), "
                               "('created_at', ?2)"));
      IOTSEC_RETURN_IF_ERROR(BindClaim(meta.get(), service_id, NowUtc()));
      const int rc = sqlite3_step(meta.get());
      if (rc != SQLITE_DONE) {
        return Unexpected(SqlError(rc, "recording the service id"));
      }
    }
    const std::string ver = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
    IOTSEC_RETURN_IF_ERROR(Exec(ver.c_str(), "setting the schema version"));
    return Exec("COMMIT", "committing the schema");
  };
  Status s = run();
  if (!s) {
    RollbackIfOpen();
  }
  return s;
}

Status SqliteIssuanceLog::Impl::CheckService() {
  IOTSEC_TRY(stmt, Prepare("SELECT value FROM meta WHERE key = 'service_id'"));
  IOTSEC_TRY(owner, QueryText(stmt.get(), "reading the service id"));
  if (!owner) {
    return Fail(ErrorCode::kDataLoss,
                "issuance log " + path + ": the record of its service id is missing");
  }
  if (*owner != service_id) {
    return Fail(ErrorCode::kFailedPrecondition, "issuance log " + path + " belongs to service \"" +
                                                    *owner + "\", not \"" + service_id +
                                                    "\"; each service needs a log of its own");
  }
  return Ok();
}

Status SqliteIssuanceLog::Impl::Initialize() {
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  IOTSEC_RETURN_IF_ERROR(CreateOrMigrate());
  IOTSEC_RETURN_IF_ERROR(CheckService());
  // WAL (persistent in the file) and synchronous=FULL (per connection): a COMMIT returns after
  // the log is on disk.
  {
    IOTSEC_TRY(stmt, Prepare("PRAGMA journal_mode = WAL"));
    IOTSEC_TRY(mode, QueryText(stmt.get(), "switching to WAL mode"));
    if (!mode || *mode != "wal") {
      return Fail(ErrorCode::kUnavailable,
                  "issuance log " + path + ": cannot use WAL mode (journal mode is " +
                      mode.value_or("unknown") + "); is the file on a network file system?");
    }
  }
  IOTSEC_RETURN_IF_ERROR(Exec("PRAGMA synchronous = FULL", "setting synchronous=FULL"));
  IOTSEC_TRY(sync, QueryInt("PRAGMA synchronous", "reading synchronous"));
  if (sync != 2) {
    return Fail(ErrorCode::kInternal, "issuance log " + path + ": synchronous is " +
                                          std::to_string(sync) + ", not FULL (2)");
  }
  IOTSEC_TRY(ins, Prepare("INSERT INTO issuance (device_id, period, issued_at) "
                          "VALUES (?1, ?2, ?3)"));
  IOTSEC_TRY(sel, Prepare("SELECT issued_at FROM issuance WHERE device_id = ?1 AND period = ?2"));
  IOTSEC_TRY(del, Prepare("DELETE FROM issuance WHERE device_id = ?1 AND period = ?2"));
  IOTSEC_TRY(cnt, Prepare("SELECT count(*) FROM issuance"));
  insert = std::move(ins);
  select = std::move(sel);
  remove = std::move(del);
  count = std::move(cnt);
  return Ok();
}

Result<std::optional<std::string>> SqliteIssuanceLog::Impl::Lookup(std::string_view device_id,
                                                                   std::string_view period) {
  ResetOnExit reset(select.get());
  IOTSEC_RETURN_IF_ERROR(BindClaim(select.get(), device_id, period));
  return QueryText(select.get(), "looking up a claim");
}

void SqliteIssuanceLog::Impl::CommitBatch(std::span<PendingClaim* const> batch) {
  std::lock_guard<std::mutex> lock(db_mu);
  const std::string now = NowUtc();
  auto write = [&]() -> Status {
    IOTSEC_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "locking the database"));
    for (PendingClaim* p : batch) {
      ResetOnExit reset(insert.get());
      IOTSEC_RETURN_IF_ERROR(BindClaim(insert.get(), p->device_id, p->period));
      const int bind = sqlite3_bind_text(insert.get(), 3, now.data(), static_cast<int>(now.size()),
                                         SQLITE_TRANSIENT);
      if (bind != SQLITE_OK) {
        return Unexpected(SqlError(bind, "binding a claim"));
      }
      const int rc = sqlite3_step(insert.get());
      if (rc == SQLITE_DONE) {
        p->result = Ok();
      } else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        // Claimed before, or earlier in this batch (onboarding.md §3.3, step 4).
        IOTSEC_TRY(when, Lookup(p->device_id, p->period));
        p->result = AlreadyIssued(p->device_id, p->period, when.value_or("at an unknown time"));
      } else {
        return Unexpected(SqlError(rc, "recording a claim"));
      }
    }
    return Exec("COMMIT", "committing claims");
  };
  Status s = write();
  if (!s) {
    // Nothing of the batch is recorded: every caller in it learns so, including one refused
    // as a duplicate of a claim that was rolled back with it.
    RollbackIfOpen();
    for (PendingClaim* p : batch) {
      p->result = Unexpected(s.error());
    }
    return;
  }
  transactions.fetch_add(1, std::memory_order_relaxed);
}

SqliteIssuanceLog::SqliteIssuanceLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteIssuanceLog::~SqliteIssuanceLog() = default;

Result<std::unique_ptr<SqliteIssuanceLog>> SqliteIssuanceLog::Open(const std::string& path,
                                                                   std::string_view service_id) {
  IOTSEC_RETURN_IF_ERROR(CheckServiceId(service_id));
  if (path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "issuance log: the path is empty");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->service_id = std::string(service_id);
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) {
    return Fail(ErrorCode::kUnavailable,
                "issuance log " + path + ": cannot open: " + sqlite3_errstr(rc));
  }
  IOTSEC_RETURN_IF_ERROR(impl->Initialize());
  return std::unique_ptr<SqliteIssuanceLog>(new SqliteIssuanceLog(std::move(impl)));
}

Status SqliteIssuanceLog::Claim(std::string_view device_id, const ibc::KeyPeriod& period) {
  IOTSEC_RETURN_IF_ERROR(CheckClaim(device_id, period));
  PendingClaim me;
  me.device_id = device_id;
  me.period = period.ToString();
  std::unique_lock<std::mutex> lock(impl_->queue_mu);
  impl_->queue.push_back(&me);
  me.cv.wait(lock, [&] { return me.done || impl_->queue.front() == &me; });
  if (me.done) {
    return me.result;  // a writer ahead of us wrote our claim with its batch
  }
  // We are the head of the queue: write the batch of everyone queued now.
  const size_t n = std::min(impl_->queue.size(), kMaxBatch);
  std::vector<PendingClaim*> batch(impl_->queue.begin(),
                                   impl_->queue.begin() + static_cast<ptrdiff_t>(n));
  lock.unlock();
  impl_->CommitBatch(batch);
  lock.lock();
  for (size_t i = 0; i < n; ++i) {
    PendingClaim* p = impl_->queue.front();
    impl_->queue.pop_front();
    p->done = true;
    if (p != &me) {
      p->cv.notify_one();
    }
  }
  if (!impl_->queue.empty()) {
    impl_->queue.front()->cv.notify_one();  // the next writer
  }
  return me.result;
}

void SqliteIssuanceLog::Release(std::string_view device_id, const ibc::KeyPeriod& period) {
  if (!CheckClaim(device_id, period)) {
    return;  // such a claim cannot exist
  }
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  sqlite3_stmt* s = impl_->remove.get();
  ResetOnExit reset(s);
  if (!impl_->BindClaim(s, device_id, period.ToString())) {
    return;
  }
  // Autocommit: durable on return. A failure leaves the claim (fails closed).
  sqlite3_step(s);
}

Result<uint64_t> SqliteIssuanceLog::Count() {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  sqlite3_stmt* s = impl_->count.get();
  ResetOnExit reset(s);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    return Unexpected(impl_->SqlError(rc, "counting claims"));
  }
  return static_cast<uint64_t>(sqlite3_column_int64(s, 0));
}

Result<std::optional<std::string>> SqliteIssuanceLog::IssuedAt(std::string_view device_id,
                                                               const ibc::KeyPeriod& period) {
  IOTSEC_RETURN_IF_ERROR(CheckClaim(device_id, period));
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  return impl_->Lookup(device_id, period.ToString());
}

uint64_t SqliteIssuanceLog::transactions() const {
  return impl_->transactions.load(std::memory_order_relaxed);
}

}  // namespace iotsec::server
