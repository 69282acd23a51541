// Copyright iotsec authors.
#include "iotsec/server/http_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/server/tlog_path.h"
#include "server_test_util.h"

namespace iotsec::server {
namespace {

using testing::EntryOf;
using testing::FlipSignatureBit;
using testing::TempDir;
using testing::Writer;

class HttpApiTest : public testing::ServedNodeTest {
 protected:
  void SetUp() override {
    ServedNodeTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  void TearDown() override {
    client_.reset();
    ServedNodeTest::TearDown();
  }

  httplib::Result Post(const Bytes& body) {
    return client_->Post("/v1/ledger/records",
                         std::string(reinterpret_cast<const char*>(body.data()), body.size()),
                         "application/cose");
  }

  // ExpectError checks the status and the JSON error shape.
  static void ExpectError(const httplib::Result& r, int status, const std::string& code) {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r->body;
    EXPECT_EQ(j.value("error", ""), code) << r->body;
    EXPECT_TRUE(j.contains("message")) << r->body;
  }

  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpApiTest, SubmitThenReadEverythingBack) {
  auto adm = Post(writer_->Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer}));
  ASSERT_TRUE(adm);
  ASSERT_EQ(adm->status, 200) << adm->body;
  Bytes birth = writer_->Birth("acme", "SN1");
  auto res = Post(birth);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["index"], 1);
  EXPECT_EQ(j["leaf_hash"], HexEncode(ledger::LeafHash(EntryOf(birth))));

  // The checkpoint verifies under the node key.
  auto cp_res = client_->Get("/checkpoint");
  ASSERT_TRUE(cp_res);
  ASSERT_EQ(cp_res->status, 200);
  std::vector<ledger::NoteVerifier> anchors{node_->verifier()};
  auto cp = ledger::OpenCheckpoint(AsBytes(cp_res->body), node_->origin(), anchors, 1);
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
  EXPECT_EQ(cp->size, 2u);

  // The level-0 partial tile holds both leaf hashes, and its root is the checkpoint's.
  auto tile = client_->Get("/tile/0/000.p/2");
  ASSERT_TRUE(tile);
  ASSERT_EQ(tile->status, 200) << tile->body;
  ASSERT_EQ(tile->body.size(), 64u);
  ledger::Hash h0{}, h1{};
  std::copy(tile->body.begin(), tile->body.begin() + 32, h0.begin());
  std::copy(tile->body.begin() + 32, tile->body.end(), h1.begin());
  EXPECT_EQ(h1, ledger::LeafHash(EntryOf(birth)));
  EXPECT_EQ(ledger::NodeHash(h0, h1), cp->root);

  // The entry bundle holds both entries, each prefixed by its uint24 big-endian length.
  auto bundle = client_->Get("/tile/entries/000.p/2");
  ASSERT_TRUE(bundle);
  ASSERT_EQ(bundle->status, 200);
  const std::string& b = bundle->body;
  auto len_at = [&](size_t at) {
    return (size_t{static_cast<uint8_t>(b[at])} << 16) |
           (size_t{static_cast<uint8_t>(b[at + 1])} << 8) | static_cast<uint8_t>(b[at + 2]);
  };
  ASSERT_GE(b.size(), 3u);
  const size_t first_len = len_at(0);
  ASSERT_GE(b.size(), 3 + first_len + 3);
  const size_t second_len = len_at(3 + first_len);
  // The log holds the signed record; its attachment (the device list) is served beside it.
  const Bytes birth_entry = EntryOf(birth);
  EXPECT_EQ(second_len, birth_entry.size());
  EXPECT_EQ(b.size(), 6 + first_len + second_len);
  EXPECT_EQ(b.substr(6 + first_len), std::string(birth_entry.begin(), birth_entry.end()));
  auto attachment = client_->Get("/v1/ledger/attachments/1");
  ASSERT_TRUE(attachment);
  EXPECT_EQ(attachment->status, 200);
  EXPECT_EQ(attachment->body, std::string(birth.begin() + birth_entry.size(), birth.end()));
  auto none = client_->Get("/v1/ledger/attachments/0");  // an admission has none
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);

  // Device state, with its id URL-encoded ('/' is not in serials, but ':' may be encoded).
  auto dev = client_->Get("/v1/ledger/devices/urn%3Adev%3Aacme%3ASN%2F1");
  ASSERT_TRUE(dev);
  ExpectError(dev, 400, "invalid_argument");  // '/' is not allowed in a serial
  Bytes birth2 = writer_->Birth("acme", "SN2", 2);
  ASSERT_EQ(Post(birth2)->status, 200);
  dev = client_->Get("/v1/ledger/devices/urn%3Adev%3Aacme%3ASN2");
  ASSERT_TRUE(dev);
  ASSERT_EQ(dev->status, 200) << dev->body;
  auto d = nlohmann::json::parse(dev->body);
  EXPECT_EQ(d["device_id"], "urn:dev:acme:SN2");
  EXPECT_EQ(d["owner"], "acme");
  EXPECT_EQ(d["revoked"], false);
  auto dcp = ledger::OpenCheckpoint(AsBytes(d["checkpoint"].get<std::string>()), node_->origin(),
                                    anchors, 1);
  ASSERT_TRUE(dcp.has_value());
  EXPECT_EQ(d["tree_size"], dcp->size);
  ASSERT_EQ(d["records"].size(), 2u);
  for (const auto& r : d["records"]) {
    std::vector<ledger::Hash> proof;
    for (const auto& hex : r["proof"]) {
      auto bytes = HexDecode(hex.get<std::string>());
      ASSERT_TRUE(bytes.has_value());
      ledger::Hash h{};
      std::copy(bytes->begin(), bytes->end(), h.begin());
      proof.push_back(h);
    }
    EXPECT_EQ(r["leaf_hash"], HexEncode(ledger::LeafHash(EntryOf(birth2))));
    auto leaf = ledger::LeafHash(EntryOf(birth2));
    EXPECT_TRUE(
        ledger::VerifyInclusion(leaf, r["index"].get<uint64_t>(), dcp->size, proof, dcp->root)
            .has_value());
  }
}

// More clients than the server has threads (64) connect at the same moment, each for several
// requests on its keep-alive connection: every request is answered (a connection waits for a
// thread; none is dropped).
TEST_F(HttpApiTest, ManyClientsConnectingAtOnceAreAllServed) {
  constexpr int kClients = 96;
  constexpr int kRequests = 3;
  std::atomic<int> ready{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_keep_alive(true);
      ++ready;
      while (ready.load() < kClients) {
        std::this_thread::yield();
      }
      for (int r = 0; r < kRequests; ++r) {
        auto res = c.Get("/checkpoint");
        if (res && res->status == 200) {
          ++answered;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(answered.load(), kClients * kRequests);
}

TEST_F(HttpApiTest, RefusalsAreJsonErrorsWithTheRightStatus) {
  ExpectError(Post(Bytes{}), 400, "invalid_argument");
  ExpectError(Post(Bytes{0x01, 0x02, 0x03}), 400, "invalid_argument");
  ExpectError(Post(writer_->Birth("evil", "SN1")), 403, "permission_denied");
  Bytes adm = writer_->Admission("acme", ledger::RoleSet{ledger::Role::kManufacturer});
  ASSERT_EQ(Post(adm)->status, 200);
  ExpectError(Post(adm), 409, "failed_precondition");
  // A record whose signature does not verify: flip the last octet of the signature.
  Bytes forged = writer_->Birth("acme", "SN9");
  FlipSignatureBit(forged);
  ExpectError(Post(forged), 401, "unauthenticated");
  // Over 4 MiB.
  ExpectError(Post(Bytes(kMaxRecordBytes + 1, 0)), 413, "invalid_argument");
}

TEST_F(HttpApiTest, BadReadRequestsAreJsonErrors) {
  ExpectError(client_->Get("/nope"), 404, "not_found");
  ExpectError(client_->Get("/tile/0/000"), 404, "not_found");      // not a full tile yet
  ExpectError(client_->Get("/tile/0/000.p/1"), 404, "not_found");  // empty tree
  ExpectError(client_->Get("/tile/0/0"), 404, "not_found");        // not canonical
  ExpectError(client_->Get("/tile/99/000"), 404, "not_found");
  ExpectError(client_->Get("/tile/entries/000.p/1"), 404, "not_found");
  ExpectError(client_->Get("/tile/entries/x018/x446/x744/x073/x709/x551/615"), 404, "not_found");
  ExpectError(client_->Get("/v1/ledger/devices/urn%3Adev%3Aacme%3ASN1"), 404, "not_found");
  ExpectError(client_->Get("/v1/ledger/devices/%00%ff"), 400, "invalid_argument");
  ExpectError(client_->Get("/v1/ledger/devices/" + std::string(5000, 'a')), 400,
              "invalid_argument");
  // The node still answers.
  auto cp = client_->Get("/checkpoint");
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->status, 200);
}

TEST_F(HttpApiTest, OrgEndpointShowsAdmissionRolesAndNextSeq) {
  // The root organization of a default genesis: admitter, never admitted by a record.
  auto root = client_->Get("/v1/ledger/orgs/node");
  ASSERT_TRUE(root);
  ASSERT_EQ(root->status, 200) << root->body;
  auto r = nlohmann::json::parse(root->body);
  EXPECT_EQ(r["id"], "node");
  EXPECT_EQ(r["admitter"], true);
  EXPECT_TRUE(r["admitted_by"].is_null());
  EXPECT_TRUE(r["admission_index"].is_null());
  EXPECT_EQ(r["roles"], nlohmann::json({"ledger_node", "witness"}));
  EXPECT_EQ(r["last_seq"], 0);
  EXPECT_EQ(r["next_seq"], 1);

  const ledger::RoleSet roles{ledger::Role::kManufacturer, ledger::Role::kOwner};
  ASSERT_EQ(Post(writer_->Admission("acme", roles))->status, 200);
  ASSERT_EQ(Post(writer_->Birth("acme", "SN1"))->status, 200);
  auto acme = client_->Get("/v1/ledger/orgs/acme");
  ASSERT_TRUE(acme);
  ASSERT_EQ(acme->status, 200) << acme->body;
  auto a = nlohmann::json::parse(acme->body);
  EXPECT_EQ(a["id"], "acme");
  EXPECT_EQ(a["name"], "Org acme");
  EXPECT_EQ(a["roles"], nlohmann::json({"manufacturer", "owner"}));
  EXPECT_EQ(a["key"], HexEncode(ledger::testing::OrgKeyFor("acme").PublicKey().Bytes()));
  EXPECT_EQ(a["admitter"], false);
  EXPECT_EQ(a["admitted_by"], "node");
  EXPECT_EQ(a["admission_index"], 0);
  EXPECT_EQ(a["revoked"], false);
  EXPECT_TRUE(a["revocation_index"].is_null());
  EXPECT_EQ(a["last_seq"], 1);
  EXPECT_EQ(a["next_seq"], 2);
  // The root has signed one record now.
  EXPECT_EQ(nlohmann::json::parse(client_->Get("/v1/ledger/orgs/node")->body)["next_seq"], 2);

  // An MNO's KMS public parameters (X.1365 public parameter lookup from the ledger).
  ASSERT_EQ(Post(writer_->Admission("mno1", ledger::RoleSet{ledger::Role::kMno}))->status, 200);
  ibc::EccsiPoint kpak{};
  const ledger::AttestationKey point = ledger::testing::AttestationKeyFor(7);
  std::copy(point.begin(), point.end(), kpak.begin());
  ibc::SakkePoint z{};
  z.fill(0x5a);
  z[0] = 0x04;
  auto published = Post(writer_->Sign("mno1", ledger::KmsParams{{2026, 11}, kpak, z}));
  ASSERT_EQ(published->status, 200) << published->body;
  auto m = nlohmann::json::parse(client_->Get("/v1/ledger/orgs/mno1")->body);
  ASSERT_EQ(m["kms_params"].size(), 1u) << m.dump();
  EXPECT_EQ(m["kms_params"][0]["period"], "2026-11");
  EXPECT_EQ(m["kms_params"][0]["kpak"], HexEncode(kpak));
  EXPECT_EQ(m["kms_params"][0]["z"], HexEncode(z));
  EXPECT_EQ(m["kms_params"][0]["index"], nlohmann::json::parse(published->body)["index"]);
  EXPECT_TRUE(a["kms_params"].empty());

  ExpectError(client_->Get("/v1/ledger/orgs/bob"), 404, "not_found");
  ExpectError(client_->Get("/v1/ledger/orgs/Acme"), 400, "invalid_argument");
  ExpectError(client_->Get("/v1/ledger/orgs/a%2Fb"), 400, "invalid_argument");
  ExpectError(client_->Get("/v1/ledger/orgs/" + std::string(65, 'a')), 400, "invalid_argument");
}

}  // namespace
}  // namespace iotsec::server
