// Copyright iotsec authors.
#include "store_sqlite.h"

#include <sqlite3.h>

#include <climits>
#include <utility>

namespace iotsec::ledger::internal {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
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
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = ErrorCode::kDataLoss;
      break;
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        code = ErrorCode::kAlreadyExists;
      }
      break;
    default:
      break;
  }
  std::string msg(what);
  msg += ": ";
  msg += sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    msg += " (";
    msg += sqlite3_errmsg(db);
    msg += ")";
  }
  return Error(code, std::move(msg));
}

Db::~Db() {
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
  }
}

Db::Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) {
      sqlite3_close_v2(db_);
    }
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Result<Db> Db::Open(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return Unexpected(Error(ErrorCode::kUnavailable, e.message()));
  }
  sqlite3_extended_result_codes(db, 1);
  return Db(db);
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) {
    return Unexpected(SqliteError(db_, rc, "running " + s.substr(0, 60)));
  }
  return Ok();
}

Result<std::string> Db::PragmaText(std::string_view pragma) {
  IOTSEC_TRY(st, Stmt::Prepare(*this, "PRAGMA " + std::string(pragma)));
  IOTSEC_TRY(row, st.Step());
  if (!row) {
    return std::string();
  }
  ByteSpan v = st.ColumnBlobView(0);
  return std::string(v.begin(), v.end());
}

Stmt::~Stmt() {
  if (s_ != nullptr) {
    sqlite3_finalize(s_);
  }
}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), s_(std::exchange(other.s_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (s_ != nullptr) {
      sqlite3_finalize(s_);
    }
    db_ = std::exchange(other.db_, nullptr);
    s_ = std::exchange(other.s_, nullptr);
  }
  return *this;
}

Result<Stmt> Stmt::Prepare(Db& db, std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    return Unexpected(SqliteError(db.get(), rc, "preparing " + std::string(sql.substr(0, 60))));
  }
  return Stmt(db.get(), s);
}

Status Stmt::BindInt(int i, int64_t v) {
  int rc = sqlite3_bind_int64(s_, i, v);
  if (rc != SQLITE_OK) {
    return Unexpected(SqliteError(db_, rc, "binding an integer"));
  }
  return Ok();
}

Status Stmt::BindBlob(int i, ByteSpan v) {
  if (v.size() > static_cast<size_t>(INT_MAX)) {
    return Fail(ErrorCode::kInvalidArgument,
                "a value of " + std::to_string(v.size()) + " bytes is too large for the store");
  }
  // A zero-length blob still binds as a blob (not NULL) when given a non-null pointer.
  static const uint8_t kEmpty = 0;
  const uint8_t* p = v.empty() ? &kEmpty : v.data();
  int rc = sqlite3_bind_blob(s_, i, p, static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    return Unexpected(SqliteError(db_, rc, "binding a blob"));
  }
  return Ok();
}

Status Stmt::BindText(int i, std::string_view v) {
  int rc = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    return Unexpected(SqliteError(db_, rc, "binding text"));
  }
  return Ok();
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  Error e = SqliteError(db_, rc, "running " + std::string(sqlite3_sql(s_)).substr(0, 60));
  sqlite3_reset(s_);
  return Unexpected(e);
}

Status Stmt::Run() {
  for (;;) {
    Result<bool> r = Step();
    if (!r) {
      Reset();
      return Unexpected(r.error());
    }
    if (!*r) {
      break;
    }
  }
  Reset();
  return Ok();
}

void Stmt::Reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

int64_t Stmt::ColumnInt(int i) { return sqlite3_column_int64(s_, i); }

ByteSpan Stmt::ColumnBlobView(int i) {
  const void* p = sqlite3_column_blob(s_, i);
  int n = sqlite3_column_bytes(s_, i);
  if (p == nullptr || n <= 0) {
    return {};
  }
  return ByteSpan(static_cast<const uint8_t*>(p), static_cast<size_t>(n));
}

Bytes Stmt::ColumnBlob(int i) { return ToBytes(ColumnBlobView(i)); }

bool Stmt::ColumnIsNull(int i) { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

namespace {

// The numbered migrations. Migration N turns a version N-1 database into version N; they are
// never edited once released, only appended to (doc/ledger-storage.md, "Schema").
constexpr std::string_view kMigrations[] = {
    // 1: entries, tiles, the tree size, the latest checkpoint and index tables.
    R"sql(
CREATE TABLE entries (
  idx  INTEGER PRIMARY KEY,       -- leaf index, 0-based, contiguous 0 .. size-1
  data BLOB NOT NULL              -- the entry bytes as sequenced
);
CREATE TABLE tiles (
  level  INTEGER NOT NULL,        -- tile level L: hashes of tree level 8L (C2SP tlog-tiles)
  idx    INTEGER NOT NULL,        -- tile index N within the level
  hashes BLOB NOT NULL,           -- W concatenated 32-byte hashes, W = 256 unless right edge
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE tree (
  id   INTEGER PRIMARY KEY CHECK (id = 0),
  size INTEGER NOT NULL           -- number of entries; changes in the same transaction
);
INSERT INTO tree (id, size) VALUES (0, 0);
CREATE TABLE checkpoint (
  id   INTEGER PRIMARY KEY CHECK (id = 0),
  size INTEGER NOT NULL,          -- tree size the checkpoint commits to
  root BLOB NOT NULL,             -- its root hash
  text BLOB NOT NULL              -- the signed checkpoint (note) text
);
CREATE TABLE kv (
  tbl   TEXT NOT NULL,            -- index table name chosen by the node layer
  key   BLOB NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (tbl, key)
) WITHOUT ROWID;
)sql",
};

}  // namespace

Status Migrate(Db& db) {
  static_assert(std::size(kMigrations) == kSchemaVersion);
  IOTSEC_TRY(version_text, db.PragmaText("user_version"));
  int version = std::atoi(version_text.c_str());
  if (version > kSchemaVersion) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the ledger database has schema version " + std::to_string(version) +
                    ", newer than this program's " + std::to_string(kSchemaVersion));
  }
  for (int v = version + 1; v <= kSchemaVersion; ++v) {
    IOTSEC_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status s = db.Exec(kMigrations[v - 1]);
    if (s) {
      s = db.Exec("PRAGMA user_version = " + std::to_string(v));
    }
    if (s) {
      s = db.Exec("COMMIT");
    }
    if (!s) {
      (void)db.Exec("ROLLBACK");
      return Fail(s.error().code(),
                  "schema migration " + std::to_string(v) + " failed: " + s.error().message());
    }
  }
  return Ok();
}

}  // namespace iotsec::ledger::internal
