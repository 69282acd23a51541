// Copyright iotsec authors.
// The discovery exchange: an honest node's answer, built from real signed records in a Merkle
// tree with a signed checkpoint, gives the device its services; every lie of a node (forged,
// stale or forked answers, other services, another device's binding) and every change on the
// way is refused; a passive observer learns nothing of the device.
#include "iotsec/onboard/discovery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"

namespace iotsec::onboard {
namespace {

constexpr char kOrigin[] = "ledger.example/discovery-test";
constexpr char kDevice[] = "urn:dev:acme:sn1";

crypto::Ed25519PrivateKey KeyFor(uint8_t seed) {
  std::array<uint8_t, 32> s{};
  s.fill(seed);
  return *crypto::Ed25519PrivateKey::FromSeed(s);
}

X25519Public OnboardingKeyOf(uint8_t b) {
  X25519Public k{};
  k.fill(b);
  return k;
}

// A ledger-like log: signed records in a Merkle tree, a checkpoint signed by the log key.
class DiscoveryTest : public ::testing::Test, public DiscoverySource {
 protected:
  void SetUp() override {
    // Records the log holds: padding, then two bindings by the owner "bob".
    Append("acme", ledger::RevocationTarget::kDevice, "urn:dev:acme:pad0");
    binding_ = AppendBinding({kDevice, "urn:dev:acme:sn2", "urn:dev:acme:sn3"}, "mno1",
                             {"sp1", "sp2"});
    other_binding_ = AppendBinding({"urn:dev:acme:sn9"}, "mno2", {});
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_TRUE(key.has_value());
    node_key_ = std::make_shared<const crypto::X25519PrivateKey>(std::move(*key));
    trust_.origin = kOrigin;
    trust_.anchors.push_back(log_.Verifier());
    trust_.threshold = 1;
    trust_.discovery_id = "node";
    trust_.discovery_key = node_key_->PublicKey();
    facts_ = Honest(kDevice, binding_);
  }

  void Append(const std::string& org, ledger::RevocationTarget kind, const std::string& target) {
    Sign(org, ledger::Revocation{kind, target});
  }

  // AppendBinding appends a binding signed by "bob" and returns its index.
  uint64_t AppendBinding(std::vector<std::string> devices, std::string mno,
                         std::vector<std::string> sps) {
    ledger::Binding b{std::move(devices), std::move(mno), std::move(sps)};
    return Sign("bob", b);
  }

  uint64_t Sign(const std::string& org, ledger::RecordBody body) {
    auto signer = ledger::OrgSigner::Create(kOrigin, org, KeyFor(static_cast<uint8_t>(org[0])));
    EXPECT_TRUE(signer.has_value());
    ledger::Record r{++seq_, std::move(body)};
    ledger::SortBatch(r);
    auto bundle = ledger::SignRecord(r, *signer);
    EXPECT_TRUE(bundle.has_value()) << bundle.error().ToString();
    auto parsed = ledger::ParseRecord(*bundle);
    EXPECT_TRUE(parsed.has_value());
    tree_.AppendLeaf(parsed->encoded());
    records_.push_back(std::move(*parsed));
    return tree_.size() - 1;
  }

  std::string Checkpoint(const ledger::NoteSigner& signer, uint64_t size) {
    auto root = ledger::RootAt(tree_, size);
    EXPECT_TRUE(root.has_value());
    auto note = ledger::SignCheckpoint(ledger::Checkpoint{kOrigin, size, *root, {}}, signer);
    EXPECT_TRUE(note.has_value());
    return note.value_or("");
  }

  // Honest returns what an honest node answers for |device| bound at |index|.
  DiscoveryFacts Honest(const std::string& device, uint64_t index) {
    DiscoveryFacts f;
    f.checkpoint = Checkpoint(log_, tree_.size());
    f.binding.index = index;
    f.binding.path = *ledger::InclusionProof(tree_, index, tree_.size());
    f.binding.entry = records_[index].encoded();
    const ledger::Record& r = records_[index].record();
    const auto& b = std::get<ledger::Binding>(r.body);
    const size_t position = static_cast<size_t>(
        std::find(b.devices.begin(), b.devices.end(), device) - b.devices.begin());
    auto batch = ledger::BatchTree(r);
    f.binding.member.position = position;
    f.binding.member.item = ledger::BatchItem(r, position);
    f.binding.member.proof = *ledger::InclusionProof(*batch, position, batch->size());
    if (b.mno) {
      f.services.push_back({ServiceRole::kMno, *b.mno, OnboardingKeyOf(1)});
    }
    for (const std::string& sp : b.sps) {
      f.services.push_back({ServiceRole::kSp, sp, OnboardingKeyOf(2)});
    }
    return f;
  }

  // DiscoverySource: the facts the test set, or the refusal it set.
  Result<DiscoveryFacts> Discover(std::string_view device_id) override {
    last_asked_ = std::string(device_id);
    if (refusal_) {
      return Unexpected(*refusal_);
    }
    return facts_;
  }

  // Ask runs the whole exchange against the node with the current facts.
  Result<Discovered> Ask(const std::string& device = kDevice) {
    DiscoveryService node(node_key_, this);
    auto pending = StartDiscovery(device, trust_);
    EXPECT_TRUE(pending.has_value());
    auto answer = node.Handle(pending->message);
    if (!answer) {
      return Unexpected(answer.error());
    }
    return FinishDiscovery(*pending, *answer, trust_);
  }

  void ExpectRefused(ErrorCode code, const std::string& needle, const std::string& what) {
    auto r = Ask();
    ASSERT_FALSE(r.has_value()) << what;
    EXPECT_EQ(r.error().code(), code) << what << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos)
        << what << ": " << r.error().message();
  }

  ledger::NoteSigner log_ = *ledger::NoteSigner::Create(kOrigin, KeyFor(0x42));
  ledger::MemoryTree tree_;
  std::vector<ledger::SignedRecord> records_;
  uint64_t seq_ = 0;
  uint64_t binding_ = 0;
  uint64_t other_binding_ = 0;
  std::shared_ptr<const crypto::X25519PrivateKey> node_key_;
  DiscoveryTrust trust_;
  DiscoveryFacts facts_;
  std::optional<Error> refusal_;
  std::string last_asked_;
};

TEST_F(DiscoveryTest, AnHonestAnswerGivesTheBoundServices) {
  auto d = Ask();
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(last_asked_, kDevice);
  EXPECT_EQ(d->tree_size, tree_.size());
  EXPECT_EQ(d->root, tree_.Root());
  EXPECT_EQ(d->binding_index, binding_);
  ASSERT_EQ(d->services.size(), 3u);
  EXPECT_EQ(d->services[0].role, ServiceRole::kMno);
  EXPECT_EQ(d->services[0].org_id, "mno1");
  EXPECT_EQ(d->services[0].onboarding_key, OnboardingKeyOf(1));
  EXPECT_EQ(d->services[1].org_id, "sp1");
  EXPECT_EQ(d->services[2].org_id, "sp2");
  EXPECT_EQ(d->services[2].role, ServiceRole::kSp);
}

TEST_F(DiscoveryTest, TheAnswerIsCompact) {
  DiscoveryService node(node_key_, this);
  auto pending = StartDiscovery(kDevice, trust_);
  ASSERT_TRUE(pending.has_value());
  auto answer = node.Handle(pending->message);
  ASSERT_TRUE(answer.has_value());
  // A request is the sealing and a few dozen octets; the answer a checkpoint and two paths.
  EXPECT_LT(pending->message.size(), 160u);
  EXPECT_LT(answer->size(), 1024u);
}

TEST_F(DiscoveryTest, AnObserverDoesNotSeeWhichDeviceAsks) {
  auto a = StartDiscovery(kDevice, trust_);
  auto b = StartDiscovery(kDevice, trust_);
  ASSERT_TRUE(a.has_value() && b.has_value());
  const std::string id = kDevice;
  for (const Bytes* m : {&a->message, &b->message}) {
    EXPECT_EQ(std::search(m->begin(), m->end(), id.begin(), id.end()), m->end());
  }
  EXPECT_NE(a->message, b->message);  // no stable identifier across requests
}

TEST_F(DiscoveryTest, ALyingNodeIsCaught) {
  {
    // Forged: another device's binding (its record and member proof verify, for sn9).
    facts_ = Honest("urn:dev:acme:sn9", other_binding_);
    ExpectRefused(ErrorCode::kDataLoss, "not a binding of this device", "another device's binding");
  }
  {
    // The services are named by the binding, not by the node: a node that names others has
    // no say. It gives only their onboarding keys (which each service's KMS proof confirms,
    // provision.h); a key left out or added is refused.
    facts_ = Honest(kDevice, binding_);
    facts_.services[0].org_id = "mno2";
    facts_.services[0].role = ServiceRole::kSp;
    std::swap(facts_.services[1].org_id, facts_.services[2].org_id);
    auto d = Ask();
    ASSERT_TRUE(d.has_value()) << d.error().ToString();
    ASSERT_EQ(d->services.size(), 3u);
    EXPECT_EQ(d->services[0].org_id, "mno1");
    EXPECT_EQ(d->services[0].role, ServiceRole::kMno);
    EXPECT_EQ(d->services[1].org_id, "sp1");
    EXPECT_EQ(d->services[2].org_id, "sp2");
    facts_ = Honest(kDevice, binding_);
    facts_.services.pop_back();
    ExpectRefused(ErrorCode::kDataLoss, "onboarding keys for the 3 services", "an SP left out");
    facts_ = Honest(kDevice, binding_);
    facts_.services.push_back({ServiceRole::kSp, "rogue-sp", OnboardingKeyOf(9)});
    ExpectRefused(ErrorCode::kDataLoss, "onboarding keys for the 3 services", "an SP added");
  }
  {
    // Forged: a flipped bit in the entry, a path or the member proof.
    facts_ = Honest(kDevice, binding_);
    facts_.binding.entry[20] ^= 0x01;
    ExpectRefused(ErrorCode::kDataLoss, "inclusion proof", "entry changed");
    facts_ = Honest(kDevice, binding_);
    facts_.binding.path[0][0] ^= 0x01;
    ExpectRefused(ErrorCode::kDataLoss, "inclusion proof", "log path changed");
    facts_ = Honest(kDevice, binding_);
    facts_.binding.member.proof[0][5] ^= 0x01;
    ExpectRefused(ErrorCode::kDataLoss, "member proof", "member path changed");
    facts_ = Honest(kDevice, binding_);
    facts_.binding.member.position += 1;
    ExpectRefused(ErrorCode::kDataLoss, "member proof", "member position changed");
    facts_ = Honest(kDevice, binding_);
    facts_.binding.index = other_binding_;
    ExpectRefused(ErrorCode::kDataLoss, "inclusion proof", "index changed");
  }
  {
    // A record that is not a binding, proven honestly.
    facts_ = Honest(kDevice, binding_);
    facts_.binding.index = 0;
    facts_.binding.entry = records_[0].encoded();
    facts_.binding.path = *ledger::InclusionProof(tree_, 0, tree_.size());
    ExpectRefused(ErrorCode::kDataLoss, "not a binding", "a revocation as binding");
  }
  {
    // Stale: a checkpoint of a tree from before the binding.
    facts_ = Honest(kDevice, binding_);
    facts_.checkpoint = Checkpoint(log_, binding_);
    ExpectRefused(ErrorCode::kDataLoss, "beyond the tree", "checkpoint before the binding");
  }
  {
    // Forked or forged checkpoint: signed by a key the device does not trust.
    const ledger::NoteSigner rogue = *ledger::NoteSigner::Create(kOrigin, KeyFor(0x66));
    facts_ = Honest(kDevice, binding_);
    facts_.checkpoint = Checkpoint(rogue, tree_.size());
    ExpectRefused(ErrorCode::kUnauthenticated, "checkpoint", "checkpoint by a rogue key");
  }
  {
    // k of n: with two anchors and a threshold of two, the node's signature alone is a fork
    // that no witness vouched for.
    const ledger::NoteSigner witness = *ledger::NoteSigner::Create("witness", KeyFor(0x77));
    trust_.anchors.push_back(witness.Verifier());
    trust_.threshold = 2;
    facts_ = Honest(kDevice, binding_);
    ExpectRefused(ErrorCode::kUnauthenticated, "checkpoint", "one signature of two");
  }
}

TEST_F(DiscoveryTest, RefusalsOfTheSourcePassThrough) {
  refusal_ = Error(ErrorCode::kFailedPrecondition, "not bound");
  ExpectRefused(ErrorCode::kFailedPrecondition, "not bound", "unbound device");
  refusal_ = Error(ErrorCode::kPermissionDenied, "revoked");
  ExpectRefused(ErrorCode::kPermissionDenied, "revoked", "revoked device");
}

TEST_F(DiscoveryTest, ChangedOrMisdirectedMessagesAreRefused) {
  DiscoveryService node(node_key_, this);
  auto pending = StartDiscovery(kDevice, trust_);
  ASSERT_TRUE(pending.has_value());
  auto answer = node.Handle(pending->message);
  ASSERT_TRUE(answer.has_value());
  // Every flipped bit of the answer is refused (AEAD), never believed.
  for (size_t i = 0; i < answer->size(); i += 7) {
    Bytes changed = *answer;
    changed[i] ^= 0x10;
    auto r = FinishDiscovery(*pending, changed, trust_);
    EXPECT_FALSE(r.has_value()) << "octet " << i;
  }
  // An old answer does not open under a new request (replay).
  auto again = StartDiscovery(kDevice, trust_);
  ASSERT_TRUE(again.has_value());
  auto replayed = FinishDiscovery(*again, *answer, trust_);
  ASSERT_FALSE(replayed.has_value());
  EXPECT_EQ(replayed.error().code(), ErrorCode::kUnauthenticated);
  // A request sealed to another key does not open at the node.
  DiscoveryTrust wrong = trust_;
  wrong.discovery_key = OnboardingKeyOf(9);
  auto misdirected = StartDiscovery(kDevice, wrong);
  ASSERT_TRUE(misdirected.has_value());
  last_asked_.clear();
  auto r = node.Handle(misdirected->message);
  ASSERT_FALSE(r.has_value());
  // An all-0x09 key is a valid X25519 point or a low-order one; either way nothing opens.
  EXPECT_TRUE(r.error().code() == ErrorCode::kUnauthenticated ||
              r.error().code() == ErrorCode::kInvalidArgument)
      << r.error().ToString();
  EXPECT_TRUE(last_asked_.empty());  // the source was never asked
}

TEST_F(DiscoveryTest, TheAnswerCodecIsStrict) {
  std::array<uint8_t, kNonceSize> nonce{};
  nonce[0] = 7;
  auto compact = CompactDiscoveryAnswer(nonce, facts_);
  ASSERT_TRUE(compact.has_value()) << compact.error().ToString();
  EXPECT_EQ(compact->entry, facts_.binding.entry);
  EXPECT_EQ(compact->path, facts_.binding.path);
  EXPECT_EQ(compact->member, facts_.binding.member.proof);
  ASSERT_EQ(compact->signatures.size(), 1u);
  EXPECT_EQ(compact->signatures[0].key_id, trust_.anchors[0].key_id());
  ASSERT_EQ(compact->onboarding_keys.size(), facts_.services.size());
  auto body = EncodeDiscoveryAnswer(*compact);
  ASSERT_TRUE(body.has_value());
  auto back = DecodeDiscoveryAnswer(*body);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, *compact);
  // Truncations and trailing octets are refused with kInvalidArgument.
  for (size_t n : {size_t{0}, size_t{1}, body->size() / 2, body->size() - 1}) {
    auto r = DecodeDiscoveryAnswer(ByteSpan(*body).first(n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  Bytes longer = *body;
  longer.push_back(0);
  EXPECT_FALSE(DecodeDiscoveryAnswer(longer).has_value());
  // A path whose length is not a multiple of 32 octets: the one-hash path's byte string
  // (head 0x58 0x20) cut to 31 octets.
  DiscoveryAnswer one = *compact;
  one.path.resize(1);
  auto encoded = EncodeDiscoveryAnswer(one);
  ASSERT_TRUE(encoded.has_value());
  Bytes head = {0x58, 0x20};
  head.insert(head.end(), one.path[0].begin(), one.path[0].end());
  auto at = std::search(encoded->begin(), encoded->end(), head.begin(), head.end());
  ASSERT_NE(at, encoded->end());
  *(at + 1) = 0x1f;
  encoded->erase(at + 2);
  auto odd = DecodeDiscoveryAnswer(*encoded);
  ASSERT_FALSE(odd.has_value());
  EXPECT_NE(odd.error().message().find("hashes of 32 octets"), std::string::npos)
      << odd.error().message();
  // No signature, or more than the bound, is refused.
  DiscoveryAnswer unsigned_cp = *compact;
  unsigned_cp.signatures.clear();
  auto none = EncodeDiscoveryAnswer(unsigned_cp);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(DecodeDiscoveryAnswer(*none).has_value());
  DiscoveryAnswer many = *compact;
  many.signatures.assign(kMaxCheckpointSignatures + 1, compact->signatures[0]);
  auto too_many = EncodeDiscoveryAnswer(many);
  ASSERT_TRUE(too_many.has_value());
  EXPECT_FALSE(DecodeDiscoveryAnswer(*too_many).has_value());
}

// A node cannot send what a device could not rebuild: a checkpoint with an extension line.
TEST_F(DiscoveryTest, ACheckpointWithExtensionLinesIsNotSent) {
  auto note = ledger::ParseNote(AsBytes(facts_.checkpoint));
  ASSERT_TRUE(note.has_value());
  auto cp = ledger::ParseCheckpoint(note->text);
  ASSERT_TRUE(cp.has_value());
  cp->extensions.push_back("an extension");
  auto text = ledger::FormatCheckpoint(*cp);
  ASSERT_TRUE(text.has_value());
  note->text = *text;
  auto with_extension = ledger::FormatNote(*note);
  ASSERT_TRUE(with_extension.has_value());
  DiscoveryFacts facts = facts_;
  facts.checkpoint = *with_extension;
  const std::array<uint8_t, kNonceSize> nonce{};
  auto r = CompactDiscoveryAnswer(nonce, facts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
}

// A checkpoint signature that is not Ed25519 (a cosignature of another type, 72 octets) is left
// out of the answer: no device could check it.
TEST_F(DiscoveryTest, OnlyEd25519SignaturesAreSent) {
  auto note = ledger::ParseNote(AsBytes(facts_.checkpoint));
  ASSERT_TRUE(note.has_value());
  note->signatures.push_back({"witness.example", 0x01020304, Bytes(72, 0x07)});
  auto cosigned = ledger::FormatNote(*note);
  ASSERT_TRUE(cosigned.has_value()) << cosigned.error().ToString();
  DiscoveryFacts facts = facts_;
  facts.checkpoint = *cosigned;
  const std::array<uint8_t, kNonceSize> nonce{};
  auto a = CompactDiscoveryAnswer(nonce, facts);
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  ASSERT_EQ(a->signatures.size(), 1u);
  EXPECT_EQ(a->signatures[0].key_id, trust_.anchors[0].key_id());
  auto body = EncodeDiscoveryAnswer(*a);
  ASSERT_TRUE(body.has_value());
  EXPECT_TRUE(VerifyDiscoveryAnswer(*body, nonce, kDevice, trust_).has_value());
  // With no Ed25519 signature at all there is nothing to send.
  note->signatures.erase(note->signatures.begin());
  auto unsigned_note = ledger::FormatNote(*note);
  ASSERT_TRUE(unsigned_note.has_value());
  facts.checkpoint = *unsigned_note;
  auto none = CompactDiscoveryAnswer(nonce, facts);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code(), ErrorCode::kInternal);
}

// A signature by a key the device does not trust is left out of the note it rebuilds, and an
// answer with no other is refused as unsigned.
TEST_F(DiscoveryTest, OnlyTheAnchorsSignaturesAreCounted) {
  const std::array<uint8_t, kNonceSize> nonce{};
  auto a = CompactDiscoveryAnswer(nonce, facts_);
  ASSERT_TRUE(a.has_value());
  CheckpointSignature stranger = a->signatures[0];
  stranger.key_id ^= 1;
  DiscoveryAnswer both = *a;
  both.signatures.insert(both.signatures.begin(), stranger);
  auto body = EncodeDiscoveryAnswer(both);
  ASSERT_TRUE(body.has_value());
  EXPECT_TRUE(VerifyDiscoveryAnswer(*body, nonce, kDevice, trust_).has_value());
  DiscoveryAnswer alone = *a;
  alone.signatures = {stranger};
  auto lone = EncodeDiscoveryAnswer(alone);
  ASSERT_TRUE(lone.has_value());
  auto r = VerifyDiscoveryAnswer(*lone, nonce, kDevice, trust_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
}

// The seed corpus of fuzz/onboard_discovery.cc: answer bodies of this ledger to a request with
// an all-zero nonce. Run with IOTSEC_WRITE_DISCOVERY_CORPUS=1 to (re)write it; otherwise the
// files must hold exactly these bodies, and the valid one must verify under the fuzzer's trust.
TEST_F(DiscoveryTest, CorpusAnswersVerify) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(IOTSEC_SOURCE_DIR) / "fuzz" / "corpus" / "onboard_discovery";
  const bool write = std::getenv("IOTSEC_WRITE_DISCOVERY_CORPUS") != nullptr;
  const std::array<uint8_t, kNonceSize> zero{};
  DiscoveryFacts tampered = Honest(kDevice, binding_);
  tampered.binding.member.proof[0][0] ^= 0x01;
  for (const auto& [name, facts, valid] :
       std::vector<std::tuple<std::string, DiscoveryFacts, bool>>{
           {"valid_mno_and_two_sps", Honest(kDevice, binding_), true},
           {"other_device", Honest("urn:dev:acme:sn9", other_binding_), false},
           {"bad_member_path", tampered, false}}) {
    auto body = EncodeDiscoveryAnswer(zero, facts);
    ASSERT_TRUE(body.has_value());
    if (write) {
      fs::create_directories(dir);
      std::ofstream(dir / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(body->data()),
                 static_cast<std::streamsize>(body->size()));
    }
    std::ifstream in(dir / name, std::ios::binary);
    ASSERT_TRUE(in.good()) << name;
    const Bytes stored((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(stored, *body) << name;
    EXPECT_EQ(VerifyDiscoveryAnswer(stored, zero, kDevice, trust_).has_value(), valid) << name;
  }
}

}  // namespace
}  // namespace iotsec::onboard
