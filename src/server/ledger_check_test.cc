// Copyright iotsec authors.
#include "iotsec/server/ledger_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "iotsec/common/file.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/server/ledger_node.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::TempDir;
using testing::Writer;

class LedgerCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = LedgerNode::Open(dir_.path());
    ASSERT_TRUE(node.has_value()) << node.error().ToString();
    Writer w(dir_.path(), (*node)->origin());
    for (const Bytes& rec : {w.Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer}),
                             w.Birth("acme", "SN1")}) {
      auto r = (*node)->Submit(rec);
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
      acks_ += std::to_string(r->index) + " " + HexEncode(r->leaf_hash) + "\n";
    }
  }

  std::string WriteAcks(const std::string& text) {
    const std::string path = files_.path() + "/acks";
    EXPECT_TRUE(WriteFileAtomic(path, AsBytes(text)).has_value());
    return path;
  }

  TempDir dir_;
  TempDir files_;
  std::string acks_;
};

TEST_F(LedgerCheckTest, HealthyLedgerWithItsAcks) {
  auto r = CheckLedger(dir_.path(), WriteAcks(acks_));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->ok()) << (r->problems.empty() ? "" : r->problems[0]);
  EXPECT_EQ(r->entries, 2u);
  EXPECT_EQ(r->checkpoint_size, 2u);
  EXPECT_EQ(r->expected_checked, 2u);
}

TEST_F(LedgerCheckTest, WrongOrMissingAcksAreProblems) {
  const std::string bad = "0 " + HexEncode(ledger::LeafHash(AsBytes("other"))) + "\n" + "7 " +
                          HexEncode(ledger::LeafHash(AsBytes("x"))) + "\n" + "not a line\n";
  auto r = CheckLedger(dir_.path(), WriteAcks(bad));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->problem_count, 3u);
  EXPECT_EQ(r->expected_checked, 2u);
}

TEST_F(LedgerCheckTest, ForeignGenesisIsCaught) {
  // Another ledger's genesis: the checkpoint no longer verifies and no record replays.
  TempDir other;
  auto paths = InitDefaultGenesis(other.path());
  ASSERT_TRUE(paths.has_value());
  std::filesystem::copy_file(paths->genesis, dir_.path() + "/" + kGenesisFile,
                             std::filesystem::copy_options::overwrite_existing);
  auto r = CheckLedger(dir_.path());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->problem_count, 2u);
}

TEST_F(LedgerCheckTest, UsageErrors) {
  auto missing = CheckLedger(files_.path() + "/nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto no_genesis = CheckLedger(files_.path());
  ASSERT_FALSE(no_genesis.has_value());
  EXPECT_EQ(no_genesis.error().code(), ErrorCode::kNotFound);
  // The store admits one process: a running node keeps fsck out.
  auto node = LedgerNode::Open(dir_.path());
  ASSERT_TRUE(node.has_value());
  auto locked = CheckLedger(dir_.path());
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace iotsec::server
