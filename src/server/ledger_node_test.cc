// Copyright iotsec authors.
#include "iotsec/server/ledger_node.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "iotsec/common/file.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::EntryOf;
using testing::FlipSignatureBit;
using testing::TempDir;
using testing::Writer;

ledger::Checkpoint OpenLatest(LedgerNode& node) {
  auto cp = node.LatestCheckpoint();
  EXPECT_TRUE(cp.has_value());
  std::vector<ledger::NoteVerifier> anchors{node.verifier()};
  auto opened = ledger::OpenCheckpoint(cp.value_or(ledger::StoredCheckpoint{}).text, node.origin(),
                                       anchors, 1);
  EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
  return opened.value_or(ledger::Checkpoint{});
}

TEST(LedgerNode, FirstOpenCreatesDefaultGenesisAndKey) {
  TempDir dir;
  auto paths = InitDefaultGenesis(dir.path());
  ASSERT_TRUE(paths.has_value()) << paths.error().ToString();
  EXPECT_TRUE(paths->created);
  struct stat st {};
  ASSERT_EQ(::stat(paths->node_key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto again = InitDefaultGenesis(dir.path());
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->created);

  auto node = LedgerNode::Open(dir.path());
  ASSERT_TRUE(node.has_value()) << node.error().ToString();
  const ledger::GenesisConfig& g = (*node)->genesis();
  ASSERT_EQ(g.orgs.size(), 1u);
  EXPECT_EQ(g.orgs[0].id, kDefaultRootOrg);
  EXPECT_TRUE(g.orgs[0].admitter);
  EXPECT_EQ(g.orgs[0].key, testing::NodeKey(dir.path()).PublicKey().Bytes());
  EXPECT_EQ(g.checkpoint_signer.name, g.origin);
  // A checkpoint of the empty tree is there from the start.
  ledger::Checkpoint cp = OpenLatest(**node);
  EXPECT_EQ(cp.size, 0u);
  EXPECT_EQ(cp.root, ledger::EmptyRootHash());
}

TEST(LedgerNode, WithoutGenesisAndNoCreateIsNotFound) {
  TempDir dir;
  LedgerNodeOptions o;
  o.create_default_genesis = false;
  auto node = LedgerNode::Open(dir.path(), o);
  ASSERT_FALSE(node.has_value());
  EXPECT_EQ(node.error().code(), ErrorCode::kNotFound);
}

TEST(LedgerNode, ForeignNodeKeyIsRefused) {
  TempDir dir;
  ASSERT_TRUE(InitDefaultGenesis(dir.path()).has_value());
  Bytes other(32, 7);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/" + kNodeKeyFile, other, 0600).has_value());
  auto node = LedgerNode::Open(dir.path());
  ASSERT_FALSE(node.has_value());
  EXPECT_EQ(node.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(LedgerNode, SubmitsProvesAndReplays) {
  TempDir dir;
  uint64_t birth_index = 0;
  ledger::Hash birth_leaf{};
  std::string origin;
  {
    auto opened = LedgerNode::Open(dir.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    LedgerNode& node = **opened;
    origin = node.origin();
    Writer w(dir.path(), origin);
    auto adm = node.Submit(w.Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer}));
    ASSERT_TRUE(adm.has_value()) << adm.error().ToString();
    EXPECT_EQ(adm->index, 0u);
    Bytes birth = w.Birth("acme", "SN1");
    auto b = node.Submit(birth);
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    EXPECT_EQ(b->index, 1u);
    EXPECT_EQ(b->leaf_hash, ledger::LeafHash(EntryOf(birth)));
    birth_index = b->index;
    birth_leaf = b->leaf_hash;

    // Refusals carry the state's codes and take no index.
    auto replay = node.Submit(birth);
    ASSERT_FALSE(replay.has_value());
    EXPECT_EQ(replay.error().code(), ErrorCode::kFailedPrecondition);
    auto garbage = node.Submit(Bytes{0xd2, 0x84});
    ASSERT_FALSE(garbage.has_value());
    EXPECT_EQ(garbage.error().code(), ErrorCode::kInvalidArgument);
    auto stranger = node.Submit(w.Birth("evil", "SN1"));
    ASSERT_FALSE(stranger.has_value());
    EXPECT_EQ(stranger.error().code(), ErrorCode::kPermissionDenied);
    auto big = node.Submit(Bytes(kMaxRecordBytes + 1, 0));
    ASSERT_FALSE(big.has_value());
    EXPECT_EQ(big.error().code(), ErrorCode::kInvalidArgument);

    ledger::Checkpoint cp = OpenLatest(node);
    EXPECT_EQ(cp.size, 2u);

    auto ds = node.DeviceState("urn:dev:acme:SN1");
    ASSERT_TRUE(ds.has_value()) << ds.error().ToString();
    EXPECT_EQ(ds->view.manufacturer, "acme");
    EXPECT_EQ(ds->view.owner, "acme");
    EXPECT_EQ(ds->tree_size, cp.size);
    EXPECT_EQ(ds->root, cp.root);
    ASSERT_EQ(ds->records.size(), 2u);  // birth, and ownership by the birth
    EXPECT_EQ(ds->records[0].role, "birth");
    EXPECT_EQ(ds->records[1].role, "ownership");
    for (const ProvenRecord& r : ds->records) {
      EXPECT_EQ(r.index, birth_index);
      EXPECT_EQ(r.leaf_hash, birth_leaf);
      EXPECT_TRUE(
          ledger::VerifyInclusion(r.leaf_hash, r.index, cp.size, r.proof, cp.root).has_value());
    }
    auto unknown = node.DeviceState("urn:dev:acme:SN2");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
    auto malformed = node.DeviceState("not a device");
    ASSERT_FALSE(malformed.has_value());
    EXPECT_EQ(malformed.error().code(), ErrorCode::kInvalidArgument);
  }
  // Reopen: the state is rebuilt from the log, so the device is known and a replayed record
  // is still refused.
  auto opened = LedgerNode::Open(dir.path());
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  LedgerNode& node = **opened;
  EXPECT_EQ(node.origin(), origin);
  auto ds = node.DeviceState("urn:dev:acme:SN1");
  ASSERT_TRUE(ds.has_value()) << ds.error().ToString();
  EXPECT_EQ(ds->records[0].index, birth_index);
  Writer w(dir.path(), origin);
  auto again = node.Submit(w.Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer}));
  ASSERT_FALSE(again.has_value());  // seq 1 of "node" was used before the restart
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(LedgerNode, ProvesEveryEstablishingRecord) {
  TempDir dir;
  auto opened = LedgerNode::Open(dir.path());
  ASSERT_TRUE(opened.has_value());
  LedgerNode& node = **opened;
  Writer w(dir.path(), node.origin());
  using ledger::Role;
  auto put = [&](const Bytes& record) -> uint64_t {
    auto r = node.Submit(record);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? r->index : 0;
  };
  put(w.Admission("acme", ledger::RoleSet{Role::kManufacturer}));
  put(w.Admission("bob", ledger::RoleSet{Role::kOwner}));
  put(w.Admission("mno1", ledger::RoleSet{Role::kMno}));
  const uint64_t birth = put(w.Birth("acme", "SN1"));
  const uint64_t transfer =
      put(w.Sign("acme", ledger::OwnershipTransfer{{"urn:dev:acme:SN1"}, "bob"}));
  const uint64_t binding =
      put(w.Sign("bob", ledger::Binding{{"urn:dev:acme:SN1"}, std::string("mno1"), {}}));
  const uint64_t revocation =
      put(w.Sign("bob", ledger::Revocation{ledger::RevocationTarget::kDevice, "urn:dev:acme:SN1"}));

  auto ds = node.DeviceState("urn:dev:acme:SN1");
  ASSERT_TRUE(ds.has_value()) << ds.error().ToString();
  EXPECT_EQ(ds->view.owner, "bob");
  EXPECT_EQ(ds->view.mno, std::optional<std::string>("mno1"));
  EXPECT_TRUE(ds->view.revoked());
  ledger::Checkpoint cp = OpenLatest(node);
  EXPECT_EQ(ds->tree_size, cp.size);
  ASSERT_EQ(ds->records.size(), 4u);
  const std::vector<std::pair<std::string, uint64_t>> want = {
      {"birth", birth}, {"ownership", transfer}, {"binding", binding}, {"revocation", revocation}};
  for (size_t i = 0; i < want.size(); ++i) {
    const ProvenRecord& r = ds->records[i];
    EXPECT_EQ(r.role, want[i].first);
    EXPECT_EQ(r.index, want[i].second);
    auto entry = node.store().Entry(r.index);
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(r.leaf_hash, ledger::LeafHash(*entry));
    EXPECT_TRUE(
        ledger::VerifyInclusion(r.leaf_hash, r.index, cp.size, r.proof, cp.root).has_value());
  }
}

TEST(LedgerNode, ConcurrentSubmitsAllLandOnce) {
  TempDir dir;
  auto opened = LedgerNode::Open(dir.path());
  ASSERT_TRUE(opened.has_value());
  LedgerNode& node = **opened;
  Writer w(dir.path(), node.origin());
  ASSERT_TRUE(
      node.Submit(w.Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer})).has_value());
  std::vector<Bytes> births;
  for (int i = 0; i < 32; ++i) {
    births.push_back(w.Birth("acme", "SN" + std::to_string(i), i));
  }
  // Submitted in parallel, some may be refused for a stale sequence number (they race), but
  // every accepted one is in the log at its index with its leaf hash.
  std::vector<std::thread> threads;
  std::vector<Result<SubmitResult>> results(births.size(), Fail(ErrorCode::kInternal, "not run"));
  for (size_t i = 0; i < births.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = node.Submit(births[i]); });
  }
  for (auto& t : threads) {
    t.join();
  }
  size_t ok = 0;
  for (size_t i = 0; i < births.size(); ++i) {
    if (results[i]) {
      ++ok;
      auto entry = node.store().Entry(results[i]->index);
      ASSERT_TRUE(entry.has_value());
      EXPECT_EQ(*entry, EntryOf(births[i]));
    } else {
      EXPECT_EQ(results[i].error().code(), ErrorCode::kFailedPrecondition);
    }
  }
  EXPECT_GE(ok, 1u);
  EXPECT_EQ(OpenLatest(node).size, ok + 1);
}

}  // namespace
}  // namespace iotsec::server
