// Copyright iotsec authors.
// Test helpers for the server: a temporary data directory, a node opened in it, and records
// signed by the node's root admitter and by a manufacturer it admitted.
#ifndef IOTSEC_SERVER_SERVER_TEST_UTIL_H_
#define IOTSEC_SERVER_SERVER_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "../common/temp_dir_test_util.h"
#include "../ledger/record_test_util.h"
#include "iotsec/common/file.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/server/http_api.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::server::testing {

using iotsec::testing::TempDir;

// NodeKey reads the node key of |dir|.
inline crypto::Ed25519PrivateKey NodeKey(const std::string& dir) {
  crypto::SecretBytes seed;
  EXPECT_TRUE(ReadFileInto(dir + "/" + kNodeKeyFile, seed).has_value());
  auto key = crypto::Ed25519PrivateKey::FromSeed(ByteSpan(seed.data(), seed.size()));
  EXPECT_TRUE(key.has_value());
  return *key;
}

// EntryOf returns the log entry of a record bundle (SignRecord): the signed record without its
// attachment, the octets the log's leaf hash covers.
inline Bytes EntryOf(const Bytes& bundle) {
  auto size = ledger::EntrySize(bundle);
  EXPECT_TRUE(size.has_value()) << size.error().ToString();
  return Bytes(bundle.begin(), bundle.begin() + static_cast<std::ptrdiff_t>(size.value_or(0)));
}

// FlipSignatureBit flips the last bit of a record bundle's signature.
inline void FlipSignatureBit(Bytes& bundle) {
  auto size = ledger::EntrySize(bundle);
  ASSERT_TRUE(size.has_value()) << size.error().ToString();
  bundle[*size - 1] ^= 1;
}

// Writer signs records for the ledger of one node: as its root admitter ("node") and as
// organizations whose keys are ledger::testing::OrgKeyFor(id).
class Writer {
 public:
  Writer(const std::string& dir, std::string origin) : origin_(std::move(origin)) {
    auto s = ledger::OrgSigner::Create(origin_, kDefaultRootOrg, NodeKey(dir));
    EXPECT_TRUE(s.has_value());
    signers_.emplace(kDefaultRootOrg, *s);
  }

  // Sign signs |body| as |org| with its next sequence number.
  Bytes Sign(const std::string& org, ledger::RecordBody body) {
    auto it = signers_.find(org);
    if (it == signers_.end()) {
      it = signers_.emplace(org, ledger::testing::SignerFor(org, origin_)).first;
    }
    ledger::Record r{++seq_[org], std::move(body)};
    auto b = ledger::SignRecord(r, it->second);
    EXPECT_TRUE(b.has_value()) << b.error().ToString();
    return b.value_or(Bytes{});
  }

  // Admission returns the admission of |org| with |roles| by the node.
  Bytes Admission(const std::string& org, ledger::RoleSet roles) {
    return Sign(kDefaultRootOrg,
                ledger::OrgAdmission{org, "Org " + org, roles,
                                     ledger::testing::OrgKeyFor(org).PublicKey().Bytes()});
  }

  // Birth returns the birth of device |serial| by manufacturer |org|.
  Bytes Birth(const std::string& org, const std::string& serial, uint32_t key_index = 0) {
    ledger::DeviceBirthBatch b;
    b.devices.push_back({"urn:dev:" + org + ":" + serial,
                         ledger::testing::AttestationKeyFor(key_index), "model-1"});
    return Sign(org, b);
  }

 private:
  std::string origin_;
  std::map<std::string, ledger::OrgSigner> signers_;
  std::map<std::string, uint64_t> seq_;
};

// ServedNodeTest opens a ledger node in a fresh directory and serves its HTTP API on an
// ephemeral loopback port; a test fixture derives from it and adds its client.
class ServedNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = LedgerNode::Open(dir_.path());
    ASSERT_TRUE(node.has_value()) << node.error().ToString();
    node_ = std::move(*node);
    HttpServerOptions o;
    o.port = 0;
    auto server = HttpServer::Start(*node_, o);
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
    writer_ = std::make_unique<Writer>(dir_.path(), node_->origin());
  }
  void TearDown() override {
    server_.reset();
    node_.reset();
  }

  TempDir dir_;
  std::unique_ptr<LedgerNode> node_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace iotsec::server::testing

#endif  // IOTSEC_SERVER_SERVER_TEST_UTIL_H_
