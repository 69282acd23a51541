// Copyright iotsec authors.
// Helpers for the store and sequencer tests: a temporary data directory, and raw SQLite access
// to damage a store on purpose.
#ifndef IOTSEC_LEDGER_STORE_TEST_UTIL_H_
#define IOTSEC_LEDGER_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "../common/temp_dir_test_util.h"
#include "iotsec/common/bytes.h"
#include "iotsec/ledger/store.h"

namespace iotsec::ledger::testing {

using iotsec::testing::TempDir;

// RawSql runs |sql| on the store database in |dir| through a connection of its own (with no
// LogStore involved) and returns SQLite's result code.
inline int RawSql(const std::string& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string path = dir + "/" + kLedgerDbFile;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  sqlite3_close_v2(db);
  return rc;
}

// Entry makes a distinct test entry.
inline Bytes TestEntry(uint64_t i) {
  return ToBytes(AsBytes("entry-" + std::to_string(i) + std::string(i % 7, 'x')));
}

}  // namespace iotsec::ledger::testing

#endif  // IOTSEC_LEDGER_STORE_TEST_UTIL_H_
