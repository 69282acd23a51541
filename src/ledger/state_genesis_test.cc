// Copyright iotsec authors.
// The genesis config: CBOR and JSON round trips and strict refusals.
#include "iotsec/ledger/state_genesis.h"

#include <gtest/gtest.h>

#include <string>

#include "iotsec/cose/cbor.h"
#include "record_test_util.h"

namespace iotsec::ledger {
namespace {

namespace cbor = cose::cbor;
using cbor::Value;

bool Same(const GenesisConfig& a, const GenesisConfig& b) {
  if (a.origin != b.origin || a.orgs.size() != b.orgs.size() ||
      a.witnesses.size() != b.witnesses.size() || a.witness_quorum != b.witness_quorum ||
      a.checkpoint_signer.name != b.checkpoint_signer.name ||
      a.checkpoint_signer.key != b.checkpoint_signer.key) {
    return false;
  }
  for (size_t i = 0; i < a.orgs.size(); ++i) {
    const GenesisOrg& x = a.orgs[i];
    const GenesisOrg& y = b.orgs[i];
    if (x.id != y.id || x.name != y.name || x.roles != y.roles || x.key != y.key ||
        x.admitter != y.admitter) {
      return false;
    }
  }
  for (size_t i = 0; i < a.witnesses.size(); ++i) {
    if (a.witnesses[i].name != b.witnesses[i].name || a.witnesses[i].key != b.witnesses[i].key) {
      return false;
    }
  }
  return true;
}

TEST(GenesisTest, CborRoundTrip) {
  const GenesisConfig g = testing::TestGenesis();
  auto encoded = g.ToCbor();
  ASSERT_TRUE(encoded.has_value()) << encoded.error().ToString();
  auto back = GenesisConfig::FromCbor(*encoded);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_TRUE(Same(g, *back));
  EXPECT_EQ(*back->ToCbor(), *encoded);
}

TEST(GenesisTest, JsonRoundTrip) {
  const GenesisConfig g = testing::TestGenesis();
  auto json = g.ToJson();
  ASSERT_TRUE(json.has_value()) << json.error().ToString();
  auto back = GenesisConfig::FromJson(*json);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_TRUE(Same(g, *back));
}

TEST(GenesisTest, ReadsHandWrittenJson) {
  const std::string json = R"({
    "origin": "ledger.example/demo",
    "orgs": [
      {"id": "operator", "name": "The Operator", "roles": ["mno", "ledger_node"],
       "key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
       "admitter": true}
    ],
    "checkpoint_signer": {"name": "ledger.example/demo",
      "key": "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"},
    "witnesses": [],
    "witness_quorum": 0
  })";
  auto g = GenesisConfig::FromJson(json);
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  EXPECT_EQ(g->origin, "ledger.example/demo");
  ASSERT_EQ(g->orgs.size(), 1u);
  EXPECT_EQ(g->orgs[0].roles, (RoleSet{Role::kMno, Role::kLedgerNode}));
  EXPECT_TRUE(g->orgs[0].admitter);
  EXPECT_EQ(g->orgs[0].key[0], 0xd7);
  EXPECT_TRUE(LedgerState::Create(*g).has_value());
}

void ExpectBadJson(const std::string& json, std::string_view needle) {
  auto g = GenesisConfig::FromJson(json);
  ASSERT_FALSE(g.has_value()) << json;
  EXPECT_EQ(g.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(g.error().message().find(needle), std::string::npos) << g.error().message();
}

TEST(GenesisTest, RefusesBadJson) {
  const std::string key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  auto config = [&](const std::string& org, const std::string& extra = "",
                    const std::string& quorum = "0") {
    return R"({"origin": "o", "orgs": [)" + org +
           R"(], "checkpoint_signer": {"name": "s", "key": ")" + key +
           R"("}, "witnesses": [], "witness_quorum": )" + quorum + extra + "}";
  };
  const std::string good_org =
      R"({"id": "a", "name": "A", "roles": ["owner"], "key": ")" + key + R"(", "admitter": true})";
  ASSERT_TRUE(GenesisConfig::FromJson(config(good_org)).has_value());
  ExpectBadJson("{", "not valid JSON");
  ExpectBadJson("[]", "must be an object");
  ExpectBadJson(config(good_org, R"(, "extra": 1)"), "unknown key \"extra\"");
  ExpectBadJson(config(good_org, R"(, "origin": "p")"), "duplicate key");
  ExpectBadJson(config(R"({"id": "a", "name": "A", "roles": ["owner"], "key": ")" + key + "\"}"),
                "admitter");
  ExpectBadJson(config(R"({"id": "a", "name": "A", "roles": ["owner"], "key": "abcd",)"
                       R"( "admitter": true})"),
                "32");
  ExpectBadJson(config(R"({"id": "a", "name": "A", "roles": ["boss"], "key": ")" + key +
                       R"(", "admitter": true})"),
                "unknown role");
  ExpectBadJson(config(R"({"id": "a", "name": "A", "roles": ["sp", "owner"], "key": ")" + key +
                       R"(", "admitter": true})"),
                "canonical order");
  ExpectBadJson(config(R"({"id": "a", "name": "A", "roles": ["owner"], "key": ")" + key +
                       R"(", "admitter": false})"),
                "no root organization is an admitter");
  ExpectBadJson(config(good_org + "," + good_org), "appears twice");
  ExpectBadJson(config(R"({"id": "A", "name": "A", "roles": ["owner"], "key": ")" + key +
                       R"(", "admitter": true})"),
                "organization id");
  ExpectBadJson(config(good_org, "", "1"), "exceeds");
  ExpectBadJson(config(good_org, "", "-1"), "witness_quorum");
  ExpectBadJson(config(good_org, "", "1.0"), "witness_quorum");
}

TEST(GenesisTest, RefusesBadCbor) {
  auto encoded = testing::TestGenesis().ToCbor();
  ASSERT_TRUE(encoded.has_value());
  auto value = cbor::Decode(*encoded);
  ASSERT_TRUE(value.has_value());
  // An unknown key.
  Value extra = *value;
  ASSERT_TRUE(extra.Set(Value::TextString("note"), Value::TextString("x")));
  auto e = GenesisConfig::FromCbor(*cbor::Encode(extra));
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(e.error().message().find("unknown key"), std::string::npos);
  // A quorum that is text.
  Value quorum = *value;
  ASSERT_TRUE(quorum.Set(Value::TextString("witness_quorum"), Value::TextString("1")));
  EXPECT_EQ(GenesisConfig::FromCbor(*cbor::Encode(quorum)).error().code(),
            ErrorCode::kInvalidArgument);
  // Truncated.
  Bytes cut(encoded->begin(), encoded->end() - 1);
  EXPECT_EQ(GenesisConfig::FromCbor(cut).error().code(), ErrorCode::kInvalidArgument);
}

TEST(GenesisTest, CheckRefusesInconsistentConfigs) {
  auto code = [](const GenesisConfig& g) {
    auto s = g.Check();
    return s.has_value() ? std::optional<ErrorCode>() : s.error().code();
  };
  GenesisConfig g = testing::TestGenesis();
  EXPECT_FALSE(code(g).has_value());
  GenesisConfig dup_witness = g;
  dup_witness.witnesses[1].name = dup_witness.witnesses[0].name;
  EXPECT_EQ(code(dup_witness), ErrorCode::kInvalidArgument);
  GenesisConfig signer_is_witness = g;
  signer_is_witness.witnesses[0].name = g.checkpoint_signer.name;
  EXPECT_EQ(code(signer_is_witness), ErrorCode::kInvalidArgument);
  GenesisConfig no_orgs = g;
  no_orgs.orgs.clear();
  EXPECT_EQ(code(no_orgs), ErrorCode::kInvalidArgument);
  GenesisConfig no_roles = g;
  no_roles.orgs[1].roles = RoleSet{};
  EXPECT_EQ(code(no_roles), ErrorCode::kInvalidArgument);
  GenesisConfig bad_origin = g;
  bad_origin.origin = "a+b";
  EXPECT_EQ(code(bad_origin), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_origin.ToCbor().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_origin.ToJson().error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace iotsec::ledger
