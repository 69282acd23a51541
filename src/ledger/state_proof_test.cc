// Copyright iotsec authors.
// Device state proofs: answers built from a real in-memory ledger (records signed, validated
// and applied; a Merkle tree; a signed checkpoint) are accepted with the right facts, and every
// tampering is refused with its exact code; the JSON parser is strict. The seed corpus of
// fuzz/device_state.cc holds answers of this ledger (see CorpusAnswersVerify).
#include "iotsec/ledger/state_proof.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint_test_util.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "record_test_util.h"

namespace iotsec::ledger {
namespace {

using testing::Births;
using testing::ExpectCode;
using testing::kOrigin;
using testing::OrgKeyFor;
using testing::TestLedger;
using testing::TestSigner;
using Json = nlohmann::json;

// The checkpoint key of the test ledger: seed 32 x 0x42, named after the origin. The fuzzer
// fuzz/device_state.cc trusts the same key.
constexpr uint8_t kLogSeed = 0x42;
constexpr char kSn1[] = "urn:dev:acme:sn1";



// A ledger: manufacturer "acme" births sn0..sn3; sn1 goes acme -> carol -> bob and bob binds it
// to mno1 with sp1, sp2; acme binds sn0 to mno1 with sp1; acme revokes sn2; sn3 is newborn.
class StateProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [org, roles] :
         std::vector<std::pair<std::string, RoleSet>>{{"acme", RoleSet{Role::kManufacturer}},
                                                      {"bob", RoleSet{Role::kOwner}},
                                                      {"carol", RoleSet{Role::kOwner}},
                                                      {"mno1", RoleSet{Role::kMno}},
                                                      {"sp1", RoleSet{Role::kSp}},
                                                      {"sp2", RoleSet{Role::kSp}}}) {
      Put("root", OrgAdmission{org, "Org " + org, roles, OrgKeyFor(org).PublicKey().Bytes()});
    }
    birth_ = Put("acme", Births("acme", "sn", 4));
    to_carol_ = Put("acme", OwnershipTransfer{{"urn:dev:acme:sn1"}, "carol"});
    to_bob_ = Put("carol", OwnershipTransfer{{"urn:dev:acme:sn1"}, "bob"});
    bind1_ = Put("bob", Binding{{"urn:dev:acme:sn1"}, "mno1", {"sp1", "sp2"}});
    bind0_ = Put("acme", Binding{{"urn:dev:acme:sn0"}, "mno1", {"sp1"}});
    revoke2_ = Put("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn2"});
    trust_.origin = kOrigin;
    trust_.anchors.push_back(log_.Verifier());
    trust_.threshold = 1;
  }

  // Put signs |body| as |org|, applies it and appends it to the tree; returns its index.
  uint64_t Put(const std::string& org, RecordBody body) {
    Bytes bundle = l_.Sign(org, std::move(body));
    const uint64_t index = l_.next_index();
    auto s = l_.Submit(bundle);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    AppendBundle(std::move(bundle));
    return index;
  }

  // AppendBundle appends the entry of a record bundle to the tree (the log holds the signed
  // record; the attachment stays beside it).
  void AppendBundle(Bytes bundle) {
    auto parsed = ParseRecord(bundle);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    tree_.AppendLeaf(parsed->encoded());
    entries_.push_back(parsed->encoded());
    records_.push_back(std::move(*parsed));
  }

  // Proven returns the record at |index| with its proof in the whole tree and, for a batch
  // record, the member proof of |device| (of its first device if it does not list |device|,
  // as a lying node might).
  ProvenEntry Proven(std::string role, uint64_t index, const std::string& device = kSn1) {
    ProvenEntry e;
    e.role = std::move(role);
    e.index = index;
    e.leaf_hash = LeafHash(entries_.at(index));
    auto proof = InclusionProof(tree_, index, tree_.size());
    EXPECT_TRUE(proof.has_value());
    e.proof = proof.value_or(std::vector<Hash>{});
    e.entry = entries_.at(index);
    const Record& r = records_.at(index).record();
    if (records_.at(index).batch().has_value()) {
      auto tree = BatchTree(r);
      EXPECT_TRUE(tree.has_value());
      size_t position = 0;
      for (size_t i = 0; i < tree->size(); ++i) {
        auto id = ParseDeviceItem(BatchItem(r, i));
        auto born = ParseBirthItem(BatchItem(r, i));
        const std::string listed = id ? *id : (born ? born->device_id : "");
        if (listed == device) {
          position = i;
          break;
        }
      }
      BatchMember m;
      m.position = position;
      m.item = BatchItem(r, position);
      auto path = InclusionProof(*tree, position, tree->size());
      EXPECT_TRUE(path.has_value());
      m.proof = path.value_or(std::vector<Hash>{});
      e.member = std::move(m);
    }
    return e;
  }

  // Checkpoint returns the checkpoint note of the whole tree signed by |signer| for |origin|.
  std::string CheckpointNote(const NoteSigner& signer, const std::string& origin = kOrigin) {
    auto note = SignCheckpoint(Checkpoint{origin, tree_.size(), tree_.Root(), {}}, signer);
    EXPECT_TRUE(note.has_value()) << note.error().ToString();
    return note.value_or("");
  }

  // Answer returns what an honest node answers for |device_id|.
  DeviceStateAnswer Answer(const std::string& device_id) {
    DeviceStateAnswer a;
    auto view = l_.state().Lookup(device_id);
    EXPECT_TRUE(view.has_value());
    a.view = view.value_or(DeviceView{});
    a.records.push_back(Proven("birth", a.view.birth_index, device_id));
    a.records.push_back(Proven("ownership", a.view.owner_index, device_id));
    if (a.view.binding_index) {
      a.records.push_back(Proven("binding", *a.view.binding_index, device_id));
    }
    if (a.view.revocation_index) {
      a.records.push_back(Proven("revocation", *a.view.revocation_index, device_id));
    }
    a.tree_size = tree_.size();
    a.root = tree_.Root();
    a.checkpoint = CheckpointNote(log_);
    return a;
  }

  // Refused checks that |a| is refused for |device_id| with |code| and |needle| in the message.
  void Refused(const DeviceStateAnswer& a, const std::string& device_id, ErrorCode code,
               std::string_view needle, const std::string& what) {
    auto r = VerifyDeviceState(a, device_id, trust_);
    ExpectCode(r, code, what);
    if (!r.has_value()) {
      EXPECT_NE(r.error().message().find(needle), std::string::npos)
          << what << ": " << r.error().message();
    }
  }

  // Rec returns the record of |a| with |role|.
  ProvenEntry& Rec(DeviceStateAnswer& a, const std::string& role) {
    for (ProvenEntry& e : a.records) {
      if (e.role == role) {
        return e;
      }
    }
    ADD_FAILURE() << "no role " << role;
    return a.records.at(0);
  }

  TestLedger l_;
  MemoryTree tree_;
  std::vector<Bytes> entries_;
  std::vector<SignedRecord> records_;
  NoteSigner log_ = TestSigner(kOrigin, kLogSeed);
  DeviceTrust trust_;
  uint64_t birth_ = 0, to_carol_ = 0, to_bob_ = 0, bind1_ = 0, bind0_ = 0, revoke2_ = 0;
};

TEST_F(StateProofTest, NewbornDeviceVerifies) {
  const DeviceStateAnswer a = Answer("urn:dev:acme:sn3");
  auto v = VerifyDeviceState(a, "urn:dev:acme:sn3", trust_);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->device_id, "urn:dev:acme:sn3");
  EXPECT_EQ(v->manufacturer, "acme");
  EXPECT_EQ(v->owner, "acme");
  EXPECT_EQ(v->birth_index, birth_);
  EXPECT_EQ(v->owner_index, birth_);
  EXPECT_EQ(v->attestation_key, testing::AttestationKeyFor(3));
  EXPECT_EQ(v->model, "model-x");
  EXPECT_FALSE(v->mno.has_value());
  EXPECT_TRUE(v->sps.empty());
  EXPECT_FALSE(v->binding_index.has_value());
  EXPECT_FALSE(v->revoked());
}

TEST_F(StateProofTest, TransferredAndBoundDeviceVerifies) {
  const DeviceStateAnswer a = Answer("urn:dev:acme:sn1");
  auto v = VerifyDeviceState(a, "urn:dev:acme:sn1", trust_);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->owner, "bob");
  EXPECT_EQ(v->owner_index, to_bob_);
  EXPECT_EQ(v->mno, "mno1");
  EXPECT_EQ(v->sps, (std::vector<std::string>{"sp1", "sp2"}));
  EXPECT_EQ(v->binding_index, bind1_);
  EXPECT_EQ(v->attestation_key, testing::AttestationKeyFor(1));
  EXPECT_FALSE(v->revoked());
}

TEST_F(StateProofTest, RevokedDeviceVerifies) {
  const DeviceStateAnswer a = Answer("urn:dev:acme:sn2");
  auto v = VerifyDeviceState(a, "urn:dev:acme:sn2", trust_);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_TRUE(v->revoked());
  EXPECT_EQ(v->revocation_index, revoke2_);
  EXPECT_EQ(v->owner, "acme");
}

TEST_F(StateProofTest, JsonAnswersParseAndVerify) {
  for (const std::string id : {"urn:dev:acme:sn1", "urn:dev:acme:sn2", "urn:dev:acme:sn3"}) {
    const DeviceStateAnswer a = Answer(id);
    const std::string text = DeviceStateToJson(a);
    auto parsed = ParseDeviceStateJson(text);
    ASSERT_TRUE(parsed.has_value()) << id << ": " << parsed.error().ToString();
    EXPECT_EQ(DeviceStateToJson(*parsed), text) << id;  // round trip
    EXPECT_EQ(parsed->records.size(), a.records.size());
    EXPECT_EQ(parsed->records.back().entry, a.records.back().entry);
    EXPECT_EQ(parsed->root, tree_.Root());
    EXPECT_EQ(parsed->view.attestation_key, a.view.attestation_key);
    auto v = VerifyDeviceState(*parsed, id, trust_);
    ASSERT_TRUE(v.has_value()) << id << ": " << v.error().ToString();
    EXPECT_EQ(v->owner, a.view.owner);
    EXPECT_EQ(v->revocation_index, a.view.revocation_index);
  }
}

TEST_F(StateProofTest, KOfNAnchors) {
  DeviceStateAnswer a = Answer("urn:dev:acme:sn1");
  const NoteSigner witness = TestSigner("witness.example", 0x43);
  trust_.anchors.push_back(witness.Verifier());
  trust_.threshold = 2;
  Refused(a, "urn:dev:acme:sn1", ErrorCode::kUnauthenticated, "checkpoint", "one of two");
  auto cosigned = Cosign(a.checkpoint, witness);
  ASSERT_TRUE(cosigned.has_value()) << cosigned.error().ToString();
  a.checkpoint = *cosigned;
  EXPECT_TRUE(VerifyDeviceState(a, "urn:dev:acme:sn1", trust_).has_value());
  trust_.threshold = 3;
  Refused(a, "urn:dev:acme:sn1", ErrorCode::kInvalidArgument, "threshold", "threshold 3 of 2");
  trust_.threshold = 0;
  Refused(a, "urn:dev:acme:sn1", ErrorCode::kInvalidArgument, "threshold", "threshold 0");
}

TEST_F(StateProofTest, RefusesWrongClaims) {
  const std::string sn1 = "urn:dev:acme:sn1";
  const std::string sn3 = "urn:dev:acme:sn3";
  {
    DeviceStateAnswer a = Answer(sn3);
    a.view.owner = "bob";
    Refused(a, sn3, ErrorCode::kDataLoss, "owner is its manufacturer", "newborn owned by bob");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.view.owner = "carol";
    Refused(a, sn1, ErrorCode::kDataLoss, "claimed owner", "transferred, wrong owner");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.view.mno = "mno2";
    Refused(a, sn1, ErrorCode::kDataLoss, "MNO", "wrong mno");
    a.view.mno.reset();
    Refused(a, sn1, ErrorCode::kDataLoss, "MNO", "no mno");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.view.sps = {"sp1"};
    Refused(a, sn1, ErrorCode::kDataLoss, "service providers", "wrong sps");
  }
  {
    DeviceStateAnswer a = Answer(sn3);
    a.view.mno = "mno1";
    Refused(a, sn3, ErrorCode::kDataLoss, "no binding record", "binding without record");
  }
  {
    DeviceStateAnswer a = Answer(sn3);
    a.view.attestation_key = testing::AttestationKeyFor(7);
    Refused(a, sn3, ErrorCode::kDataLoss, "attestation key", "wrong attestation key");
  }
  {
    DeviceStateAnswer a = Answer(sn3);
    a.view.model = "model-y";
    Refused(a, sn3, ErrorCode::kDataLoss, "model", "wrong model");
  }
  {
    DeviceStateAnswer a = Answer(sn3);
    a.view.manufacturer = "bob";
    a.view.owner = "bob";
    Refused(a, sn3, ErrorCode::kDataLoss, "manufacturer", "wrong manufacturer");
  }
  {
    // The view says "not revoked" but the revocation record is given.
    DeviceStateAnswer a = Answer("urn:dev:acme:sn2");
    a.view.revocation_index.reset();
    Refused(a, "urn:dev:acme:sn2", ErrorCode::kInvalidArgument, "revocation", "hidden revoke");
  }
}

TEST_F(StateProofTest, RefusesTamperedProofsAndHashes) {
  const std::string sn1 = "urn:dev:acme:sn1";
  {
    DeviceStateAnswer a = Answer(sn1);
    ASSERT_FALSE(Rec(a, "ownership").proof.empty());
    Rec(a, "ownership").proof[0][0] ^= 1;
    Refused(a, sn1, ErrorCode::kDataLoss, "inclusion proof", "proof hash flipped");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "binding").proof.pop_back();
    Refused(a, sn1, ErrorCode::kDataLoss, "inclusion proof", "proof too short");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "birth").entry = entries_.at(to_carol_);
    Refused(a, sn1, ErrorCode::kDataLoss, "leaf_hash", "entry swapped");
  }
  {
    // Entry and leaf hash swapped consistently, at the claimed index: the proof fails.
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "birth").entry = entries_.at(to_carol_);
    Rec(a, "birth").leaf_hash = LeafHash(entries_.at(to_carol_));
    Refused(a, sn1, ErrorCode::kDataLoss, "inclusion proof", "entry and leaf hash swapped");
  }
  {
    // A whole other proven record in the birth role (index too): the view's index differs.
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "birth") = Proven("birth", to_carol_);
    Refused(a, sn1, ErrorCode::kDataLoss, "view claims", "other record as birth");
    // And if the view is changed to match, the record is not a birth.
    a.view.birth_index = to_carol_;
    Refused(a, sn1, ErrorCode::kDataLoss, "not a device birth", "transfer as birth");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "ownership").index += 1;
    Refused(a, sn1, ErrorCode::kDataLoss, "view claims", "index changed");
    a.view.owner_index += 1;
    Refused(a, sn1, ErrorCode::kDataLoss, "inclusion proof", "index changed in view too");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "binding").index = a.tree_size;
    a.view.binding_index = a.tree_size;
    Refused(a, sn1, ErrorCode::kDataLoss, "beyond the tree", "index beyond tree");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "ownership").leaf_hash[31] ^= 0x80;
    Refused(a, sn1, ErrorCode::kDataLoss, "leaf_hash", "leaf hash changed");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.root[0] ^= 1;
    Refused(a, sn1, ErrorCode::kDataLoss, "checkpoint does not state", "root changed");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.tree_size -= 1;
    Refused(a, sn1, ErrorCode::kDataLoss, "checkpoint does not state", "tree_size mismatch");
  }
}

TEST_F(StateProofTest, RefusesBadCheckpoints) {
  const std::string sn1 = "urn:dev:acme:sn1";
  {
    DeviceStateAnswer a = Answer(sn1);
    a.checkpoint = CheckpointNote(TestSigner(kOrigin, 0x99));
    Refused(a, sn1, ErrorCode::kUnauthenticated, "checkpoint", "signed by another key");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.checkpoint = CheckpointNote(log_, "ledger.example/other");
    Refused(a, sn1, ErrorCode::kUnauthenticated, "checkpoint", "another origin");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.checkpoint = "not a note";
    Refused(a, sn1, ErrorCode::kInvalidArgument, "checkpoint", "garbage note");
  }
  {
    // A checkpoint of an older tree, with the answer's tree_size and root left as they were.
    DeviceStateAnswer a = Answer(sn1);
    auto old_root = RootAt(tree_, tree_.size() - 1);
    ASSERT_TRUE(old_root.has_value());
    auto note = SignCheckpoint(Checkpoint{kOrigin, tree_.size() - 1, *old_root, {}}, log_);
    ASSERT_TRUE(note.has_value());
    a.checkpoint = *note;
    Refused(a, sn1, ErrorCode::kDataLoss, "checkpoint does not state", "older checkpoint");
  }
}

TEST_F(StateProofTest, RefusesWrongRolesAndRecords) {
  const std::string sn1 = "urn:dev:acme:sn1";
  {
    DeviceStateAnswer a = Answer(sn1);
    a.records.erase(a.records.begin() + 1);  // ownership
    Refused(a, sn1, ErrorCode::kInvalidArgument, "\"ownership\"", "missing ownership");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.records.push_back(a.records[0]);
    Refused(a, sn1, ErrorCode::kInvalidArgument, "two records", "duplicated role");
  }
  {
    DeviceStateAnswer a = Answer(sn1);
    a.records[0].role = "owner";
    Refused(a, sn1, ErrorCode::kInvalidArgument, "unknown record role", "unknown role");
  }
  {
    DeviceStateAnswer a = Answer("urn:dev:acme:sn3");
    Refused(a, sn1, ErrorCode::kDataLoss, "not \"urn:dev:acme:sn1\"", "device id mismatch");
    Refused(a, "urn:dev:acme", ErrorCode::kInvalidArgument, "", "malformed device id");
  }
  {
    // The transfer to carol lists sn1 and verifies, but sn1 went on to bob.
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "ownership") = Proven("ownership", to_carol_);
    a.view.owner_index = to_carol_;
    Refused(a, sn1, ErrorCode::kDataLoss, "transfers the device to \"carol\"", "to someone else");
  }
  {
    // acme's binding of sn0 with the claims it makes: it does not list sn1.
    DeviceStateAnswer a = Answer(sn1);
    Rec(a, "binding") = Proven("binding", bind0_);
    a.view.binding_index = bind0_;
    a.view.sps = {"sp1"};
    Refused(a, sn1, ErrorCode::kDataLoss, "member item is another device",
            "other device's binding");
  }
  {
    // The binding record given as the revocation record.
    DeviceStateAnswer a = Answer("urn:dev:acme:sn2");
    Rec(a, "revocation") = Proven("revocation", bind0_);
    a.view.revocation_index = bind0_;
    Refused(a, "urn:dev:acme:sn2", ErrorCode::kDataLoss, "not a revocation", "bind as revoke");
  }
  {
    // The revocation of sn2 given for sn3.
    DeviceStateAnswer a = Answer("urn:dev:acme:sn3");
    a.records.push_back(Proven("revocation", revoke2_));
    a.view.revocation_index = revoke2_;
    Refused(a, "urn:dev:acme:sn3", ErrorCode::kDataLoss, "does not revoke", "other revocation");
  }
}

TEST_F(StateProofTest, RefusesRecordsOfAnotherLedger) {
  // A tree that holds acme's birth of sn3 as signed for another ledger (the node's log would
  // never hold it; here the checkpoint key signs it anyway).
  const std::string other = "ledger.example/other";
  auto signer = OrgSigner::Create(other, "acme", OrgKeyFor("acme"));
  ASSERT_TRUE(signer.has_value());
  auto foreign = SignRecord(Record{99, Births("acme", "sn", 4)}, *signer);
  ASSERT_TRUE(foreign.has_value());
  DeviceStateAnswer a = Answer("urn:dev:acme:sn3");
  AppendBundle(*foreign);
  const uint64_t index = tree_.size() - 1;
  a.records.clear();
  a.records.push_back(Proven("birth", index, "urn:dev:acme:sn3"));
  a.records.push_back(Proven("ownership", index, "urn:dev:acme:sn3"));
  a.view.birth_index = index;
  a.view.owner_index = index;
  a.tree_size = tree_.size();
  a.root = tree_.Root();
  a.checkpoint = CheckpointNote(log_);
  Refused(a, "urn:dev:acme:sn3", ErrorCode::kDataLoss, "names the ledger", "foreign record");
}

// --- parser ---------------------------------------------------------------------------------

class StateProofJsonTest : public StateProofTest {
 protected:
  void SetUp() override {
    StateProofTest::SetUp();
    valid_ = Json::parse(DeviceStateToJson(Answer("urn:dev:acme:sn1")));
  }

  void Invalid(const Json& j, const std::string& what) {
    ExpectCode(ParseDeviceStateJson(j.dump()), ErrorCode::kInvalidArgument, what);
  }
  void InvalidText(const std::string& text, const std::string& what) {
    ExpectCode(ParseDeviceStateJson(text), ErrorCode::kInvalidArgument, what);
  }

  Json valid_;
};

TEST_F(StateProofJsonTest, ValidParses) {
  auto a = ParseDeviceStateJson(valid_.dump());
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  EXPECT_EQ(a->view.owner, "bob");
  EXPECT_EQ(a->records.size(), 3u);
  EXPECT_EQ(a->records[2].role, "binding");
  EXPECT_EQ(a->records[2].entry, entries_.at(bind1_));
  EXPECT_EQ(a->tree_size, tree_.size());
  // Whitespace and key order are free.
  EXPECT_TRUE(ParseDeviceStateJson(valid_.dump(2)).has_value());
}

TEST_F(StateProofJsonTest, EveryKeyIsRequired) {
  for (const auto& item : valid_.items()) {
    Json j = valid_;
    j.erase(item.key());
    Invalid(j, "without " + item.key());
  }
  for (const auto& item : valid_["records"][0].items()) {
    Json j = valid_;
    j["records"][0].erase(item.key());
    Invalid(j, "without records[0]." + item.key());
  }
}

TEST_F(StateProofJsonTest, UnknownAndDuplicateKeysAreRefused) {
  Json j = valid_;
  j["extra"] = 1;
  Invalid(j, "unknown key");
  j = valid_;
  j["records"][1]["extra"] = "x";
  Invalid(j, "unknown record key");
  std::string text = valid_.dump();
  text.insert(1, "\"model\":\"model-x\",");
  InvalidText(text, "duplicate key");
}

TEST_F(StateProofJsonTest, WrongTypesAndValuesAreRefused) {
  // FirstUpper returns |hex| with its first digit replaced by 'F' (valid hex, but uppercase).
  auto first_upper = [](const Json& v) { return "F" + v.get<std::string>().substr(1); };
  auto drop_one = [](const Json& v) {
    const std::string s = v.get<std::string>();
    return s.substr(0, s.size() - 1);
  };
  const Json hash = valid_["root"];
  const std::vector<std::pair<std::string, Json>> cases = {
      {"/device_id", 1},
      {"/device_id", "urn:dev:acme"},
      {"/device_id", nullptr},
      {"/manufacturer", "ACME"},
      {"/manufacturer", Json::array()},
      {"/attestation_key", first_upper(valid_["attestation_key"])},
      {"/attestation_key", drop_one(valid_["attestation_key"])},
      {"/attestation_key", valid_["attestation_key"].get<std::string>().substr(2)},
      {"/attestation_key", "0x" + valid_["attestation_key"].get<std::string>().substr(2)},
      {"/model", 5},
      {"/model", ""},
      {"/birth_index", -1},
      {"/birth_index", "7"},
      {"/birth_index", 7.5},
      {"/birth_index", Json::parse("7.0")},
      {"/birth_index", nullptr},
      {"/owner", nullptr},
      {"/owner_index", -3},
      {"/owner_index", true},
      {"/mno", 7},
      {"/mno", ""},
      {"/sps", "sp1"},
      {"/sps", Json::array({1})},
      {"/sps", Json(std::vector<std::string>(kMaxSps + 1, "sp1"))},
      {"/binding_index", -1},
      {"/binding_index", "9"},
      {"/revoked", "false"},
      {"/revoked", 0},
      {"/revoked", true},  // but revocation_index is null
      {"/revocation_index", -1},
      {"/revocation_index", Json::object()},
      {"/records", Json::object()},
      {"/records", "x"},
      {"/records", Json::array({valid_["records"][0], valid_["records"][0], valid_["records"][0],
                                valid_["records"][0], valid_["records"][0]})},
      {"/records/0", Json::array()},
      {"/records/0/role", "owner"},
      {"/records/0/role", 1},
      {"/records/0/index", -1},
      {"/records/0/index", Json::parse("1.0")},
      {"/records/0/index", Json::parse("18446744073709551616")},
      {"/records/0/leaf_hash", first_upper(valid_["records"][0]["leaf_hash"])},
      {"/records/0/leaf_hash", drop_one(valid_["records"][0]["leaf_hash"])},
      {"/records/0/leaf_hash", hash.get<std::string>() + "00"},
      {"/records/0/leaf_hash", "g" + hash.get<std::string>().substr(1)},
      {"/records/0/proof", "x"},
      {"/records/0/proof", Json::array({1})},
      {"/records/0/proof", Json(std::vector<Json>(kMaxProofSize + 1, hash))},
      {"/records/0/entry", first_upper(valid_["records"][0]["entry"])},
      {"/records/0/entry", drop_one(valid_["records"][0]["entry"])},
      {"/records/0/entry", ""},
      {"/records/0/entry", 1},
      {"/tree_size", -1},
      {"/tree_size", "5"},
      {"/tree_size", Json::parse("18446744073709551616")},
      {"/root", first_upper(hash)},
      {"/root", nullptr},
      {"/checkpoint", 1},
      {"/checkpoint", nullptr},
      {"/checkpoint", std::string(kMaxNoteSize + 1, 'a')},
  };
  for (const auto& [pointer, value] : cases) {
    Json j = valid_;
    j[Json::json_pointer(pointer)] = value;
    Invalid(j, pointer + " = " + value.dump().substr(0, 80));
  }
  // 64 proof hashes are allowed by the parser (the proof itself then does not verify).
  Json j = valid_;
  j["records"][0]["proof"] = Json(std::vector<Json>(kMaxProofSize, hash));
  EXPECT_TRUE(ParseDeviceStateJson(j.dump()).has_value());
}

TEST_F(StateProofJsonTest, GarbageAndOversizeAreRefused) {
  for (const std::string& text : std::vector<std::string>{
           "", "null", "[]", "\"x\"", "{", "{}", "{\"device_id\":}", "\xff\xfe", "1",
           std::string(100000, '['), std::string(100000, '{')}) {
    InvalidText(text, "garbage " + text.substr(0, 16));
  }
  InvalidText(valid_.dump() + "x", "trailing garbage");
  InvalidText(valid_.dump().substr(0, valid_.dump().size() / 2), "truncated");
  std::string big = valid_.dump();
  big.insert(big.size() - 1, std::string(kMaxDeviceStateJsonSize, ' '));
  InvalidText(big, "oversize");
  std::string text = valid_.dump();
  const size_t at = text.find("model-x");
  ASSERT_NE(at, std::string::npos);
  text[at] = '\xc3';
  InvalidText(text, "invalid UTF-8 in a string");
}

// --- fuzz corpus ----------------------------------------------------------------------------

// The seed corpus of fuzz/device_state.cc is the honest JSON answers of this ledger for sn1,
// sn2 and sn3. Run with IOTSEC_WRITE_DEVICE_STATE_CORPUS=1 to (re)write it; otherwise the files
// must hold exactly these answers, which must verify under the fuzzer's trust. (Its bad_* seeds
// are valid_bound edited by hand: a proof digit, the case of the root, the claimed owner.)
TEST_F(StateProofTest, CorpusAnswersVerify) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(IOTSEC_SOURCE_DIR) / "fuzz" / "corpus" / "device_state";
  const bool write = std::getenv("IOTSEC_WRITE_DEVICE_STATE_CORPUS") != nullptr;
  for (const auto& [name, id] :
       std::vector<std::pair<std::string, std::string>>{{"valid_bound", "urn:dev:acme:sn1"},
                                                        {"valid_revoked", "urn:dev:acme:sn2"},
                                                        {"valid_newborn", "urn:dev:acme:sn3"}}) {
    const std::string text = DeviceStateToJson(Answer(id));
    if (write) {
      fs::create_directories(dir);
      std::ofstream(dir / name, std::ios::binary) << text;
    }
    std::ifstream in(dir / name, std::ios::binary);
    ASSERT_TRUE(in.good()) << name;
    const std::string stored((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(stored, text) << name;
    auto a = ParseDeviceStateJson(stored);
    ASSERT_TRUE(a.has_value()) << name;
    EXPECT_TRUE(VerifyDeviceState(*a, id, trust_).has_value()) << name;
  }
}

}  // namespace
}  // namespace iotsec::ledger
