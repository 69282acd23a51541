// Copyright iotsec authors.
// Checkpoints: the format, a published checkpoint of sum.golang.org, k-of-n acceptance,
// cosigning, tampering with every part, and fork detection.
#include "iotsec/ledger/checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checkpoint_test_util.h"
#include "checkpoint_text.h"

namespace iotsec::ledger {
namespace {

using testing::ExpectCode;
using testing::NoteVectors;
using testing::TestSigner;
using testing::Vector;

constexpr char kOrigin[] = "ledger.iotsec.example/main";

Checkpoint Sample(uint64_t size = 12345) {
  Checkpoint cp;
  cp.origin = kOrigin;
  cp.size = size;
  cp.root = LeafHash(AsBytes("root of " + std::to_string(size)));
  return cp;
}

struct Keys {
  NoteSigner log = TestSigner(kOrigin, 1);
  NoteSigner w1 = TestSigner("witness.one.example", 2);
  NoteSigner w2 = TestSigner("witness.two.example", 3);
  NoteSigner stranger = TestSigner("stranger.example", 4);
  std::vector<NoteVerifier> anchors() const {
    return {log.Verifier(), w1.Verifier(), w2.Verifier()};
  }
};

std::string MustSign(const Checkpoint& cp, const NoteSigner& s) {
  auto note = SignCheckpoint(cp, s);
  EXPECT_TRUE(note.has_value()) << note.error().ToString();
  return note.value_or("");
}

std::string MustCosign(const std::string& note, const NoteSigner& s) {
  auto out = Cosign(note, s);
  EXPECT_TRUE(out.has_value()) << out.error().ToString();
  return out.value_or("");
}

TEST(CheckpointFormat, RoundTrip) {
  Checkpoint cp = Sample();
  auto text = FormatCheckpoint(cp);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, std::string(kOrigin) + "\n12345\n" + internal::Base64Encode(cp.root) + "\n");
  auto back = ParseCheckpoint(*text);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, cp);
  cp.extensions = {"ext one", "— two ünicode"};
  cp.size = 0;
  text = FormatCheckpoint(cp);
  ASSERT_TRUE(text.has_value());
  back = ParseCheckpoint(*text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, cp);
  cp.size = UINT64_MAX;
  text = FormatCheckpoint(cp);
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("\n18446744073709551615\n"), std::string::npos);
  back = ParseCheckpoint(*text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->size, UINT64_MAX);
}

TEST(CheckpointFormat, RefusesBadFields) {
  Checkpoint cp = Sample();
  cp.origin = "";
  ExpectCode(FormatCheckpoint(cp), ErrorCode::kInvalidArgument, "empty origin");
  cp.origin = "two\nlines";
  ExpectCode(FormatCheckpoint(cp), ErrorCode::kInvalidArgument, "newline in origin");
  cp.origin = "cr\r";
  ExpectCode(FormatCheckpoint(cp), ErrorCode::kInvalidArgument, "CR in origin");
  cp.origin = kOrigin;
  cp.extensions = {""};
  ExpectCode(FormatCheckpoint(cp), ErrorCode::kInvalidArgument, "empty extension");
  cp.extensions = {"a\nb"};
  ExpectCode(FormatCheckpoint(cp), ErrorCode::kInvalidArgument, "newline in extension");
  cp.extensions = {"\xff"};
  ExpectCode(FormatCheckpoint(cp), ErrorCode::kInvalidArgument, "not UTF-8");
}

TEST(CheckpointFormat, StrictParsing) {
  const std::string root = internal::Base64Encode(Sample().root);
  const std::string o = std::string(kOrigin) + "\n";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"no final newline", o + "5\n" + root},
      {"two lines", o + "5\n"},
      {"empty origin", "\n5\n" + root + "\n"},
      {"leading zero", o + "05\n" + root + "\n"},
      {"zero with leading zero", o + "00\n" + root + "\n"},
      {"plus sign", o + "+5\n" + root + "\n"},
      {"minus sign", o + "-5\n" + root + "\n"},
      {"space", o + " 5\n" + root + "\n"},
      {"hex size", o + "0x5\n" + root + "\n"},
      {"empty size", o + "\n" + root + "\n"},
      {"2^64", o + "18446744073709551616\n" + root + "\n"},
      {"huge", o + "99999999999999999999999\n" + root + "\n"},
      {"root not base64", o + "5\n" + std::string(44, '*') + "\n"},
      {"root unpadded", o + "5\n" + root.substr(0, 43) + "\n"},
      {"root 31 octets", o + "5\n" + internal::Base64Encode(Bytes(31, 7)) + "\n"},
      {"root 33 octets", o + "5\n" + internal::Base64Encode(Bytes(33, 7)) + "\n"},
      {"root hex", o + "5\n" + HexEncode(Sample().root) + "\n"},
      {"root with CR", o + "5\n" + root + "\r\n"},
      {"empty extension", o + "5\n" + root + "\n\nmore\n"},
      {"empty last extension", o + "5\n" + root + "\n\n"},
  };
  for (const auto& [what, text] : bad) {
    ExpectCode(ParseCheckpoint(text), ErrorCode::kInvalidArgument, what);
  }
  auto zero = ParseCheckpoint(o + "0\n" + root + "\n");
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(zero->size, 0u);
}

TEST(CheckpointKnownAnswers, SumGolangOrg) {
  const auto v = NoteVectors();
  auto sumdb = NoteVerifier::Parse(Vector(v, "sumdb_vkey"));
  ASSERT_TRUE(sumdb.has_value());
  const std::vector<NoteVerifier> anchors = {*sumdb};
  const std::string note = Vector(v, "sumdb_note");
  auto cp = OpenCheckpoint(AsBytes(note), Vector(v, "sumdb_origin"), anchors, 1);
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, "go.sum database tree");
  EXPECT_EQ(cp->size, 6476701u);
  EXPECT_EQ(internal::Base64Encode(cp->root), Vector(v, "sumdb_root"));
  EXPECT_TRUE(cp->extensions.empty());
  // Re-formatting the opened checkpoint gives the signed text back.
  auto text = FormatCheckpoint(*cp);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text + "\n", note.substr(0, text->size() + 1));
  ExpectCode(OpenCheckpoint(AsBytes(note), "Go rocks but I might have the wrong ID", anchors, 1),
             ErrorCode::kUnauthenticated, "wrong origin");
  Keys k;
  ExpectCode(OpenCheckpoint(AsBytes(note), "go.sum database tree", k.anchors(), 1),
             ErrorCode::kUnauthenticated, "not our anchors");
}

TEST(CheckpointKnownAnswers, C2spExample) {
  const auto v = NoteVectors();
  auto note = ParseNote(AsBytes(Vector(v, "c2sp_checkpoint")));
  ASSERT_TRUE(note.has_value()) << note.error().ToString();
  auto cp = ParseCheckpoint(note->text);
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(cp->size, 20852163u);
  EXPECT_EQ(internal::Base64Encode(cp->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].name, "example.com/behind-the-sofa");
  Keys k;
  ExpectCode(OpenCheckpoint(AsBytes(Vector(v, "c2sp_checkpoint")), "example.com/behind-the-sofa",
                            k.anchors(), 1),
             ErrorCode::kUnauthenticated, "unknown key");
}

TEST(CheckpointOpen, OneOfOne) {
  Keys k;
  const Checkpoint cp = Sample();
  const std::string note = MustSign(cp, k.log);
  const std::vector<NoteVerifier> anchors = {k.log.Verifier()};
  auto got = OpenCheckpoint(AsBytes(note), kOrigin, anchors, 1);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, cp);
  ExpectCode(OpenCheckpoint(AsBytes(note), "other.example/log", anchors, 1),
             ErrorCode::kUnauthenticated, "other origin");
  // A signature line by a key that is not trusted does not help.
  const std::vector<NoteVerifier> w1_only = {k.w1.Verifier()};
  ExpectCode(OpenCheckpoint(AsBytes(note), kOrigin, w1_only, 1), ErrorCode::kUnauthenticated,
             "untrusted signer");
}

TEST(CheckpointOpen, TwoOfThree) {
  Keys k;
  const Checkpoint cp = Sample();
  const std::string by_log = MustSign(cp, k.log);
  const std::string by_two = MustCosign(by_log, k.w1);
  const std::string by_three = MustCosign(by_two, k.w2);
  const auto anchors = k.anchors();
  ExpectCode(OpenCheckpoint(AsBytes(by_log), kOrigin, anchors, 2), ErrorCode::kUnauthenticated,
             "1 of 2");
  for (const std::string& note : {by_two, by_three}) {
    auto got = OpenCheckpoint(AsBytes(note), kOrigin, anchors, 2);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(*got, cp);
  }
  EXPECT_TRUE(OpenCheckpoint(AsBytes(by_three), kOrigin, anchors, 3).has_value());
  ExpectCode(OpenCheckpoint(AsBytes(by_two), kOrigin, anchors, 3), ErrorCode::kUnauthenticated,
             "2 of 3");
  // Witnesses alone can make the quorum; the order of the lines does not matter.
  const std::string witnesses_only = MustCosign(MustSign(cp, k.w2), k.w1);
  EXPECT_TRUE(OpenCheckpoint(AsBytes(witnesses_only), kOrigin, anchors, 2).has_value());

  // One bad signature by a trusted key: w2 "cosigns" with a signature made for another
  // checkpoint. Two good signatures remain, but a bad one by a known key refuses the note.
  auto other = SignCheckpoint(Sample(999), k.w2);
  ASSERT_TRUE(other.has_value());
  auto w2_line = other->substr(other->rfind("\xE2\x80\x94"));
  const std::string with_bad = by_two + w2_line;
  ASSERT_TRUE(ParseNote(AsBytes(with_bad)).has_value());
  ExpectCode(OpenCheckpoint(AsBytes(with_bad), kOrigin, anchors, 2), ErrorCode::kUnauthenticated,
             "bad signature by a trusted key");
  // The same bad line is ignored when w2 is not trusted.
  const std::vector<NoteVerifier> log_w1 = {k.log.Verifier(), k.w1.Verifier()};
  EXPECT_TRUE(OpenCheckpoint(AsBytes(with_bad), kOrigin, log_w1, 2).has_value());
}

TEST(CheckpointOpen, DuplicatesAndUnknownKeys) {
  Keys k;
  const Checkpoint cp = Sample();
  const std::string by_log = MustSign(cp, k.log);
  const std::string log_line = by_log.substr(by_log.rfind("\xE2\x80\x94"));
  // The log's line three times is one signature.
  const std::string dup = by_log + log_line + log_line;
  const auto anchors = k.anchors();
  EXPECT_TRUE(OpenCheckpoint(AsBytes(dup), kOrigin, anchors, 1).has_value());
  ExpectCode(OpenCheckpoint(AsBytes(dup), kOrigin, anchors, 2), ErrorCode::kUnauthenticated,
             "a duplicate counts once");
  // Unknown keys: a stranger, a stranger using w1's name, and w1's key ID under another name.
  std::string with_strangers = MustCosign(by_log, k.stranger);
  auto parsed = ParseNote(AsBytes(with_strangers));
  ASSERT_TRUE(parsed.has_value());
  NoteSignature fake_name = parsed->signatures.back();
  fake_name.name = k.w1.name();
  NoteSignature fake_id = parsed->signatures.back();
  fake_id.key_id = k.w1.key_id();
  parsed->signatures.push_back(fake_name);
  parsed->signatures.push_back(fake_id);
  auto note = FormatNote(*parsed);
  ASSERT_TRUE(note.has_value());
  EXPECT_TRUE(OpenCheckpoint(AsBytes(*note), kOrigin, anchors, 1).has_value());
  ExpectCode(OpenCheckpoint(AsBytes(*note), kOrigin, anchors, 2), ErrorCode::kUnauthenticated,
             "strangers do not count");
}

TEST(CheckpointCosign, Rules) {
  Keys k;
  const std::string by_log = MustSign(Sample(), k.log);
  const std::string cosigned = MustCosign(by_log, k.w1);
  EXPECT_EQ(cosigned.substr(0, by_log.size()), by_log);
  auto parsed = ParseNote(AsBytes(cosigned));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->signatures.size(), 2u);
  ExpectCode(Cosign(cosigned, k.w1), ErrorCode::kAlreadyExists, "twice");
  ExpectCode(Cosign(by_log, k.log), ErrorCode::kAlreadyExists, "the log again");
  auto not_checkpoint = SignNote("just a note\n", k.log);
  ASSERT_TRUE(not_checkpoint.has_value());
  ExpectCode(Cosign(*not_checkpoint, k.w1), ErrorCode::kInvalidArgument, "not a checkpoint");
  ExpectCode(Cosign("garbage", k.w1), ErrorCode::kInvalidArgument, "garbage");
}

TEST(CheckpointOpen, EveryTamperingIsRefused) {
  Keys k;
  Checkpoint cp = Sample();
  cp.extensions = {"extension line"};
  const std::string note = MustCosign(MustSign(cp, k.log), k.w1);
  const std::vector<NoteVerifier> anchors = {k.log.Verifier(), k.w1.Verifier()};
  ASSERT_TRUE(OpenCheckpoint(AsBytes(note), kOrigin, anchors, 2).has_value());
  // Each named part changed.
  const std::string root64 = internal::Base64Encode(cp.root);
  std::string other_root = root64;
  other_root[5] = other_root[5] == 'A' ? 'B' : 'A';
  const std::vector<std::pair<std::string, std::string>> parts = {
      {kOrigin, "ledger.iotsec.example/mainx"},
      {"\n12345\n", "\n12346\n"},
      {root64, other_root},
      {"extension line", "extension lime"},
      {k.w1.name() + " ", "witness.one.exampl "},
  };
  for (const auto& [from, to] : parts) {
    std::string bad = note;
    bad.replace(bad.find(from), from.size(), to);
    auto r = OpenCheckpoint(AsBytes(bad), kOrigin, anchors, 2);
    EXPECT_FALSE(r.has_value()) << from << " -> " << to;
  }
  // Every single bit of the note flipped: never accepted (malformed, or not 2 valid signatures).
  for (size_t i = 0; i < note.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = note;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto r = OpenCheckpoint(AsBytes(bad), kOrigin, anchors, 2);
      ASSERT_FALSE(r.has_value()) << "octet " << i << " bit " << bit;
      const ErrorCode c = r.error().code();
      ASSERT_TRUE(c == ErrorCode::kInvalidArgument || c == ErrorCode::kUnauthenticated)
          << r.error().ToString();
    }
  }
  // Truncations and an extra line.
  for (size_t n = 0; n < note.size(); n += 7) {
    auto r = OpenCheckpoint(AsBytes(note.substr(0, n)), kOrigin, anchors, 2);
    ASSERT_FALSE(r.has_value()) << n;
  }
  ExpectCode(OpenCheckpoint(AsBytes(note + "x\n"), kOrigin, anchors, 2),
             ErrorCode::kInvalidArgument, "trailing line");
}

TEST(CheckpointOpen, LimitsOnSignatures) {
  Keys k;
  std::string note = MustSign(Sample(), k.log);
  const std::string line = note.substr(note.rfind("\xE2\x80\x94"));
  for (size_t i = 1; i < kMaxNoteSignatures; ++i) {
    note += line;
  }
  const std::vector<NoteVerifier> anchors = {k.log.Verifier()};
  EXPECT_TRUE(OpenCheckpoint(AsBytes(note), kOrigin, anchors, 1).has_value());
  ExpectCode(Cosign(note, k.w1), ErrorCode::kInvalidArgument, "101st signature");
  ExpectCode(OpenCheckpoint(AsBytes(note + line), kOrigin, anchors, 1), ErrorCode::kInvalidArgument,
             "101 lines");
}

class ForkTest : public ::testing::Test {
 protected:
  Checkpoint At(MemoryTree& t, uint64_t size) {
    Checkpoint cp;
    cp.origin = kOrigin;
    cp.size = size;
    cp.root = *RootAt(t, size);
    return cp;
  }
  void SetUp() override {
    for (int i = 0; i < 20; ++i) {
      const std::string e = "record " + std::to_string(i);
      honest_.AppendLeaf(AsBytes(e));
      // The forked history differs from leaf 3 on.
      fork_.AppendLeaf(AsBytes(i == 3 ? std::string("rewritten record 3") : e));
    }
  }
  MemoryTree honest_;
  MemoryTree fork_;
};

TEST_F(ForkTest, ConsistentHistoriesPass) {
  for (uint64_t a : {0, 1, 7, 8, 13, 20}) {
    for (uint64_t b : {a, uint64_t{20}}) {
      const Checkpoint older = At(honest_, a);
      const Checkpoint newer = At(honest_, b);
      auto proof = ConsistencyProof(honest_, a, b);
      ASSERT_TRUE(proof.has_value());
      auto st = CheckNotForked(older, newer, *proof);
      EXPECT_TRUE(st.has_value()) << a << "->" << b << ": " << st.error().ToString();
    }
  }
}

TEST_F(ForkTest, ForksAreDetected) {
  // Same size, different roots.
  auto st = CheckNotForked(At(honest_, 20), At(fork_, 20), {});
  ExpectCode(st, ErrorCode::kFailedPrecondition, "two roots");
  EXPECT_TRUE(!st && st.error().message().starts_with("fork detected: "))
      << (st ? "" : st.error().message());
  // The forked log cannot prove its size 20 extends the honest size 7: neither its own proof
  // nor the honest one verifies.
  const Checkpoint older = At(honest_, 7);
  const Checkpoint forked = At(fork_, 20);
  for (MemoryTree* t : {&fork_, &honest_}) {
    auto proof = ConsistencyProof(*t, 7, 20);
    ASSERT_TRUE(proof.has_value());
    st = CheckNotForked(older, forked, *proof);
    ExpectCode(st, ErrorCode::kFailedPrecondition, "fork");
    EXPECT_TRUE(!st && st.error().message().starts_with("fork detected: "))
        << (st ? "" : st.error().message());
  }
  // Before leaf 3 the two histories agree.
  auto proof = ConsistencyProof(fork_, 3, 20);
  ASSERT_TRUE(proof.has_value());
  EXPECT_TRUE(CheckNotForked(At(honest_, 3), forked, *proof).has_value());
  // A corrupted or missing proof counts as a fork too.
  proof = ConsistencyProof(honest_, 7, 20);
  ASSERT_TRUE(proof.has_value());
  auto bad = *proof;
  bad[0][0] ^= 1;
  ExpectCode(CheckNotForked(older, At(honest_, 20), bad), ErrorCode::kFailedPrecondition,
             "corrupted proof");
  ExpectCode(CheckNotForked(older, At(honest_, 20), {}), ErrorCode::kFailedPrecondition,
             "no proof");
}

TEST_F(ForkTest, RollbackAndMisuse) {
  auto st = CheckNotForked(At(honest_, 20), At(honest_, 7), {});
  ExpectCode(st, ErrorCode::kFailedPrecondition, "rollback");
  EXPECT_TRUE(!st && st.error().message().starts_with("rollback: "))
      << (st ? "" : st.error().message());
  Checkpoint other = At(honest_, 20);
  other.origin = "other.example/log";
  ExpectCode(CheckNotForked(At(honest_, 7), other, {}), ErrorCode::kInvalidArgument, "origins");
  const std::vector<Hash> junk = {Hash{}};
  ExpectCode(CheckNotForked(At(honest_, 7), At(honest_, 7), junk), ErrorCode::kInvalidArgument,
             "proof between equal checkpoints");
}

}  // namespace
}  // namespace iotsec::ledger
