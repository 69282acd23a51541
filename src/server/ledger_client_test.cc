// Copyright iotsec authors.
#include "iotsec/server/ledger_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/server/http_api.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::EntryOf;
using testing::FlipSignatureBit;
using testing::TempDir;
using testing::Writer;

TEST(LedgerClientUrlTest, AcceptsOnlyHttpHostPort) {
  EXPECT_TRUE(LedgerClient::Create("http://127.0.0.1:8480").has_value());
  EXPECT_TRUE(LedgerClient::Create("http://ledger.example:1/").has_value());
  EXPECT_TRUE(LedgerClient::Create("http://[::1]:8480").has_value());
  auto c = LedgerClient::Create("http://localhost:65535/");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->url(), "http://localhost:65535");
  for (const char* bad :
       {"https://127.0.0.1:8480", "ftp://127.0.0.1:21", "127.0.0.1:8480", "http://127.0.0.1",
        "http://:8480", "http://127.0.0.1:0", "http://127.0.0.1:65536", "http://127.0.0.1:80x",
        "http://127.0.0.1:8480/v1", "http://user@host:80", "http://[::1]", "http://[zz]:80",
        "HTTP://127.0.0.1:8480", "http://127.0.0.1:-1", ""}) {
    auto r = LedgerClient::Create(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

class LedgerClientTest : public testing::ServedNodeTest {
 protected:
  void SetUp() override {
    ServedNodeTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    auto client = LedgerClient::Create("http://127.0.0.1:" + std::to_string(server_->port()));
    ASSERT_TRUE(client.has_value()) << client.error().ToString();
    client_ = std::make_unique<LedgerClient>(std::move(*client));
  }
  void TearDown() override {
    client_.reset();
    ServedNodeTest::TearDown();
  }

  std::unique_ptr<LedgerClient> client_;
};

TEST_F(LedgerClientTest, ReadsTheCheckpointAndOrigin) {
  auto cp = client_->Checkpoint();
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
  std::vector<ledger::NoteVerifier> anchors{node_->verifier()};
  auto opened = ledger::OpenCheckpoint(AsBytes(*cp), node_->origin(), anchors, 1);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(opened->size, 0u);
  auto origin = client_->Origin();
  ASSERT_TRUE(origin.has_value()) << origin.error().ToString();
  EXPECT_EQ(*origin, node_->origin());
}

TEST_F(LedgerClientTest, SubmitsRecordsAndTracksSequenceNumbers) {
  auto seq = client_->NextSeq("node");
  ASSERT_TRUE(seq.has_value()) << seq.error().ToString();
  EXPECT_EQ(*seq, 1u);

  Bytes adm = writer_->Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer});
  auto r = client_->Submit(adm);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->index, 0u);
  EXPECT_EQ(r->leaf_hash, ledger::LeafHash(EntryOf(adm)));
  EXPECT_EQ(client_->NextSeq("node").value_or(0), 2u);
  EXPECT_EQ(client_->NextSeq("acme").value_or(0), 1u);

  Bytes birth = writer_->Birth("acme", "SN1");
  r = client_->Submit(birth);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->index, 1u);
  EXPECT_EQ(client_->NextSeq("acme").value_or(0), 2u);

  // A replay is refused with the node's code and message.
  auto again = client_->Submit(adm);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  auto direct = node_->Submit(adm);
  ASSERT_FALSE(direct.has_value());
  EXPECT_EQ(again.error().message(), direct.error().message());
  // Other refusals keep their codes.
  Bytes forged = writer_->Birth("acme", "SN2");
  FlipSignatureBit(forged);
  auto f = client_->Submit(forged);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), ErrorCode::kUnauthenticated);
  auto evil = client_->Submit(writer_->Birth("evil", "SN1"));
  ASSERT_FALSE(evil.has_value());
  EXPECT_EQ(evil.error().code(), ErrorCode::kPermissionDenied);
  const Bytes garbage{0x01, 0x02};
  auto g = client_->Submit(garbage);
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().code(), ErrorCode::kInvalidArgument);
  auto empty = client_->Submit(Bytes{});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);

  auto unknown = client_->NextSeq("bob");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  auto malformed = client_->NextSeq("Bad/Org");
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LedgerClientTest, FetchesDeviceState) {
  const Bytes adm = writer_->Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer});
  ASSERT_TRUE(client_->Submit(adm).has_value());
  ASSERT_TRUE(client_->Submit(writer_->Birth("acme", "SN-1.a_b")).has_value());
  auto text = client_->DeviceStateJson("urn:dev:acme:SN-1.a_b");
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["device_id"], "urn:dev:acme:SN-1.a_b");
  EXPECT_EQ(j["owner"], "acme");
  EXPECT_EQ(j["tree_size"], 2);

  auto missing = client_->DeviceStateJson("urn:dev:acme:SN2");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto bad = client_->DeviceStateJson("urn:dev:acme:SN/2");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LedgerClientTest, AnUnreachableNodeIsUnavailable) {
  server_->Stop();
  auto cp = client_->Checkpoint();
  ASSERT_FALSE(cp.has_value());
  EXPECT_EQ(cp.error().code(), ErrorCode::kUnavailable);
  auto seq = client_->NextSeq("node");
  ASSERT_FALSE(seq.has_value());
  EXPECT_EQ(seq.error().code(), ErrorCode::kUnavailable);
}

// A server that is not a well-behaved ledger node: the client must refuse its answers cleanly.
class FakeNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto json = [](int status, std::string body) {
      return [status, body](const httplib::Request&, httplib::Response& res) {
        res.status = status;
        res.set_content(body, "application/json");
      };
    };
    server_.Get("/checkpoint", json(200, std::string(5000, 'x')));
    server_.Get("/v1/ledger/orgs/text", json(500, "oops"));
    server_.Get("/v1/ledger/orgs/notjson", json(200, "not json"));
    server_.Get("/v1/ledger/orgs/negative", json(200, R"({"next_seq": -1})"));
    server_.Get("/v1/ledger/orgs/zero", json(200, R"({"next_seq": 0})"));
    server_.Get("/v1/ledger/orgs/refused",
                json(409, R"({"error": "failed_precondition", "message": "why not"})"));
    server_.Get("/v1/ledger/orgs/unknowncode", json(409, R"({"error": "nope", "message": "m"})"));
    server_.Get("/v1/ledger/orgs/escape",
                json(403, R"({"error": "permission_denied", "message": "a\u001b[2Jb\nc"})"));
    server_.Post("/v1/ledger/records", json(200, R"({"index": 1, "leaf_hash": "zz"})"));
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  LedgerClient Client(size_t max_answer = kMaxAnswerBytes) {
    auto c = LedgerClient::Create("http://127.0.0.1:" + std::to_string(port_), max_answer);
    EXPECT_TRUE(c.has_value());
    return std::move(*c);
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(FakeNodeTest, RefusesAnswersThatAreNotTheApi) {
  LedgerClient c = Client(1000);
  auto big = c.Checkpoint();
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(big.error().message().find("larger than 1000"), std::string::npos)
      << big.error().message();
  LedgerClient unbounded = Client();
  auto origin = unbounded.Origin();  // 5000 'x' and no newline: no origin line
  ASSERT_FALSE(origin.has_value());
  EXPECT_EQ(origin.error().code(), ErrorCode::kDataLoss);

  auto text = c.NextSeq("text");
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(text.error().message().find("HTTP 500"), std::string::npos) << text.error().message();
  for (const char* org : {"notjson", "negative", "zero"}) {
    auto r = c.NextSeq(org);
    ASSERT_FALSE(r.has_value()) << org;
    EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss) << org;
  }
  auto refused = c.NextSeq("refused");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().message(), "why not");
  auto escape = c.NextSeq("escape");  // control characters of the node do not get through
  ASSERT_FALSE(escape.has_value());
  EXPECT_EQ(escape.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(escape.error().message(), "a?[2Jb?c");
  auto unknown = c.NextSeq("unknowncode");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kUnavailable);

  const Bytes record{0xd2, 0x84};
  auto submit = c.Submit(record);
  ASSERT_FALSE(submit.has_value());
  EXPECT_EQ(submit.error().code(), ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace iotsec::server
