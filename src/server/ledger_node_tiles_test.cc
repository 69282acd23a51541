// Copyright iotsec authors.
// Member proofs from batch tiles: the node answers DeviceState for a device of a batch record
// from the record's stored group roots; the proofs must be exactly those over the whole list,
// also after a restart, without tiles (a store written before them) and with damaged tiles.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/ledger/attachments.h"
#include "iotsec/ledger/batch_tiles.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/server/ledger_node.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::TempDir;
using testing::Writer;

// kSizes are the batch sizes tried: around one group of 16, powers of two and one more.
constexpr size_t kSizes[] = {1, 2, 15, 16, 17, 31, 33, 64, 65, 100, 257, 1000};

// SubmittedBatch is one birth record: its log index, device ids and expected member proofs.
struct SubmittedBatch {
  uint64_t index = 0;
  std::vector<std::string> ids;
  std::vector<ledger::BatchMember> expected;
  ledger::BatchCommitment commitment;
};

std::string DeviceId(size_t batch, size_t i) {
  char serial[32];
  std::snprintf(serial, sizeof(serial), "B%02zu-%06zu", batch, i);
  return std::string("urn:dev:acme:") + serial;
}

// Expected computes the member proofs of every device of |bundle| over the whole list, with
// the record's own Merkle tree (ledger::BatchTree), independently of the node.
void Expect(const Bytes& bundle, SubmittedBatch& b) {
  auto parsed = ledger::ParseRecord(bundle);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  ASSERT_TRUE(parsed->batch().has_value());
  b.commitment = *parsed->batch();
  auto tree = ledger::BatchTree(parsed->record());
  ASSERT_TRUE(tree.has_value());
  ASSERT_EQ(tree->Root(), b.commitment.root);
  auto items = ledger::AttachmentItems(parsed->attachment());
  ASSERT_TRUE(items.has_value());
  ASSERT_EQ(items->size(), b.ids.size());
  for (size_t i = 0; i < items->size(); ++i) {
    ledger::BatchMember m;
    m.position = i;
    m.item = ToBytes((*items)[i]);
    auto proof = ledger::InclusionProof(*tree, i, tree->size());
    ASSERT_TRUE(proof.has_value());
    m.proof = std::move(*proof);
    b.expected.push_back(std::move(m));
  }
}

// SubmitBatches admits "acme" and submits one birth record for each of kSizes.
std::vector<SubmittedBatch> SubmitBatches(LedgerNode& node, const std::string& dir) {
  Writer w(dir, node.origin());
  auto adm = node.Submit(w.Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer}));
  EXPECT_TRUE(adm.has_value()) << adm.error().ToString();
  std::vector<SubmittedBatch> out;
  for (size_t s = 0; s < std::size(kSizes); ++s) {
    SubmittedBatch b;
    ledger::DeviceBirthBatch birth;
    for (size_t i = 0; i < kSizes[s]; ++i) {
      b.ids.push_back(DeviceId(s, i));
      birth.devices.push_back({b.ids.back(), ledger::testing::AttestationKeyFor(i % 8), "m"});
    }
    const Bytes bundle = w.Sign("acme", birth);
    Expect(bundle, b);
    auto r = node.Submit(bundle);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    b.index = r.value_or(SubmitResult{}).index;
    out.push_back(std::move(b));
  }
  return out;
}

// CheckMembers looks up every device of |batches| and compares the member proof of its birth
// record (and of its ownership record, if it has one) with the expected ones, and verifies
// them against the commitment.
void CheckMembers(LedgerNode& node, const std::vector<SubmittedBatch>& batches) {
  for (const SubmittedBatch& b : batches) {
    for (size_t i = 0; i < b.ids.size(); ++i) {
      SCOPED_TRACE(b.ids[i]);
      auto ds = node.DeviceState(b.ids[i]);
      ASSERT_TRUE(ds.has_value()) << ds.error().ToString();
      ASSERT_EQ(ds->records.size(), 2u);  // birth, and ownership by the birth
      for (const ProvenRecord& r : ds->records) {
        EXPECT_EQ(r.index, b.index);
        // The ownership record repeats the birth record; only the birth must carry the proof.
        if (r.role != "birth" && !r.member.has_value()) {
          continue;
        }
        ASSERT_TRUE(r.member.has_value()) << r.role;
        EXPECT_EQ(r.member->position, b.expected[i].position);
        EXPECT_EQ(r.member->item, b.expected[i].item);
        EXPECT_EQ(r.member->proof, b.expected[i].proof);
        auto id = ledger::VerifyBatchMember(b.commitment, *r.member);
        ASSERT_TRUE(id.has_value()) << id.error().ToString();
        EXPECT_EQ(*id, b.ids[i]);
      }
    }
  }
}

// Tiled returns how many of |batches| have more than one group of 16 devices.
size_t Tiled(const std::vector<SubmittedBatch>& batches) {
  size_t n = 0;
  for (const SubmittedBatch& b : batches) {
    n += b.ids.size() > 16 ? 1 : 0;
  }
  return n;
}

// TileCount returns how many of |batches| have stored tiles that fit their size.
size_t TileCount(LedgerNode& node, const std::vector<SubmittedBatch>& batches) {
  size_t n = 0;
  for (const SubmittedBatch& b : batches) {
    auto tiles = ledger::ReadBatchTiles(node.store(), b.index);
    EXPECT_TRUE(tiles.has_value()) << tiles.error().ToString();
    if (tiles && *tiles && ledger::DecodeBatchTiles(**tiles, b.ids.size()).has_value()) {
      ++n;
    }
    if (b.ids.size() <= 16) {
      EXPECT_FALSE(tiles && *tiles) << "a batch of " << b.ids.size() << " has tiles";
    }
  }
  return n;
}

// SetTiles replaces (or with std::nullopt removes) the stored tiles of every batch.
void SetTiles(LedgerNode& node, const std::vector<SubmittedBatch>& batches,
              const std::function<std::optional<Bytes>(const Bytes&)>& change) {
  std::vector<ledger::IndexWrite> writes;
  for (const SubmittedBatch& b : batches) {
    if (b.ids.size() <= 16) {
      continue;  // one group: no tiles
    }
    auto tiles = ledger::ReadBatchTiles(node.store(), b.index);
    ASSERT_TRUE(tiles.has_value() && tiles->has_value());
    const ledger::IndexWrite w = ledger::BatchTilesWrite(b.index, **tiles);
    writes.push_back(ledger::IndexWrite{w.table, w.key, change(**tiles)});
  }
  auto st = node.store().IndexApply(writes);
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
}

TEST(LedgerNodeTiles, ProofsFromTilesEqualWholeListProofs) {
  TempDir dir;
  std::vector<SubmittedBatch> batches;
  {
    auto opened = LedgerNode::Open(dir.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    batches = SubmitBatches(**opened, dir.path());
    ASSERT_EQ(batches.size(), std::size(kSizes));
    // Every batch record of more than one group of 16 got its tiles, in the same transaction
    // as its attachment; the others need none.
    ASSERT_EQ(TileCount(**opened, batches), Tiled(batches));
    auto tiles = ledger::ReadBatchTiles((*opened)->store(), batches.back().index);
    ASSERT_TRUE(tiles.has_value() && tiles->has_value());
    // 1000 devices: 63 groups of up to 16, and 31 + 15 + 7 + 3 + 1 complete nodes above them.
    EXPECT_EQ((*tiles)->size(), 1u + (63 + 31 + 15 + 7 + 3 + 1) * 32);
    CheckMembers(**opened, batches);
  }
  // Reopened from disk: the same proofs, from the stored tiles.
  auto opened = LedgerNode::Open(dir.path());
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  ASSERT_EQ(TileCount(**opened, batches), Tiled(batches));
  CheckMembers(**opened, batches);
}

TEST(LedgerNodeTiles, StoreWithoutTilesStillProves) {
  TempDir dir;
  std::vector<SubmittedBatch> batches;
  {
    auto opened = LedgerNode::Open(dir.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    batches = SubmitBatches(**opened, dir.path());
    // As a store written before batch tiles: the whole-list path answers.
    SetTiles(**opened, batches, [](const Bytes&) { return std::optional<Bytes>(); });
    ASSERT_EQ(TileCount(**opened, batches), 0u);
    CheckMembers(**opened, batches);
  }
  // Replay on restart works without tiles, and does not need them.
  auto opened = LedgerNode::Open(dir.path());
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(TileCount(**opened, batches), 0u);
  CheckMembers(**opened, batches);
}

TEST(LedgerNodeTiles, DamagedTilesFallBackToTheList) {
  // A flipped bit in the first group root: well-formed, and a device of the first group
  // notices (its leaves do not hash to the root), but a device of another group would get a
  // path that does not reach the signed root unless the node checks it. Truncated tiles do not
  // decode at all.
  const std::vector<std::pair<std::string, std::function<std::optional<Bytes>(const Bytes&)>>>
      damages = {
          {"flipped",
           [](const Bytes& t) {
             Bytes flipped = t;
             flipped[1] ^= 0x80;
             return std::optional<Bytes>(std::move(flipped));
           }},
          {"truncated",
           [](const Bytes& t) { return std::optional<Bytes>(Bytes(t.begin(), t.end() - 1)); }},
      };
  for (const auto& [name, damage] : damages) {
    SCOPED_TRACE(name);
    TempDir dir;
    std::vector<SubmittedBatch> batches;
    {
      auto opened = LedgerNode::Open(dir.path());
      ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
      batches = SubmitBatches(**opened, dir.path());
      SetTiles(**opened, batches, damage);
      EXPECT_EQ(TileCount(**opened, batches), name == "flipped" ? Tiled(batches) : 0u);
      CheckMembers(**opened, batches);
    }
    // Reopened, with nothing cached.
    auto opened = LedgerNode::Open(dir.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    CheckMembers(**opened, batches);
  }
}

}  // namespace
}  // namespace iotsec::server
