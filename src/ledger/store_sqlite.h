// Copyright iotsec authors.
// A thin RAII layer over the SQLite C API for the log store (private to src/ledger): one
// connection, prepared statements, SQLite result codes mapped to iotsec error codes, and the
// numbered schema migrations (doc/ledger-storage.md, "Schema").
#ifndef IOTSEC_LEDGER_STORE_SQLITE_H_
#define IOTSEC_LEDGER_STORE_SQLITE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace iotsec::ledger::internal {

// SqliteError converts SQLite result code |rc| on |db| into an Error whose message says what
// was being done (|what|) and SQLite's own explanation. Busy/locked, full disk and I/O errors
// are kUnavailable, corruption is kDataLoss, a duplicate key kAlreadyExists, the rest
// kInternal.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

// Db owns one SQLite connection. Move-only.
class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Open opens (creating if |create|) the database file |path| for reading and writing, with
  // no SQLite-level mutex (callers serialize use of a connection). kUnavailable on failure.
  static Result<Db> Open(const std::string& path, bool create);

  // Exec runs one or more SQL statements that return no rows of interest.
  Status Exec(std::string_view sql);
  // PragmaText runs "PRAGMA ..." and returns the first column of its first row ("" if none).
  Result<std::string> PragmaText(std::string_view pragma);

  sqlite3* get() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Stmt is a prepared statement on a Db. Move-only; finalized on destruction.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Prepare compiles |sql| on |db|; kInternal if it does not compile.
  static Result<Stmt> Prepare(Db& db, std::string_view sql);

  // Bind* set parameter |i| (1-based). The bytes are copied by SQLite.
  Status BindInt(int i, int64_t v);
  Status BindBlob(int i, ByteSpan v);
  Status BindText(int i, std::string_view v);

  // Step runs the statement one step: true when a row is ready, false when done.
  Result<bool> Step();
  // Run steps to completion and resets; for statements without result rows.
  Status Run();
  // Reset makes the statement ready to run again and clears the bindings.
  void Reset();

  // Column accessors for the current row (0-based).
  int64_t ColumnInt(int i);
  Bytes ColumnBlob(int i);
  ByteSpan ColumnBlobView(int i);  // valid until the next Step/Reset
  bool ColumnIsNull(int i);

 private:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

// kSchemaVersion is the schema version this code writes (PRAGMA user_version).
inline constexpr int kSchemaVersion = 1;

// Migrate brings the database to kSchemaVersion by running the numbered migrations it lacks,
// each in its own transaction that also sets PRAGMA user_version. kFailedPrecondition if the
// database is newer than this code; errors of SQLite otherwise.
Status Migrate(Db& db);

}  // namespace iotsec::ledger::internal

#endif  // IOTSEC_LEDGER_STORE_SQLITE_H_
