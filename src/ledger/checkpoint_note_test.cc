// Copyright iotsec authors.
// Signed notes: the published Go sumdb/note vectors byte for byte, verifier keys, strict
// parsing, and OpenNote's rules for unknown, duplicate and bad signatures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checkpoint_test_util.h"
#include "checkpoint_text.h"
#include "iotsec/ledger/checkpoint.h"

namespace iotsec::ledger {
namespace {

using testing::ExpectCode;
using testing::NoteVectors;
using testing::TestSigner;
using testing::Vector;

NoteVerifier MustVerifier(const std::string& vkey) {
  auto v = NoteVerifier::Parse(vkey);
  EXPECT_TRUE(v.has_value()) << vkey << ": " << (v ? "" : v.error().ToString());
  return *v;
}

// GoSigner rebuilds the PeterNeumann signer from its published signer key
// "PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)".
NoteSigner GoSigner(const std::string& skey) {
  // The base64 of the key may hold a '+' itself: take the part after "+<key ID>+".
  const size_t id = skey.find("+c74f20a3+");
  EXPECT_NE(id, std::string::npos);
  auto raw = internal::Base64Decode(skey.substr(id + 10), "skey");
  EXPECT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 33u);
  EXPECT_EQ((*raw)[0], 0x01);
  auto key = crypto::Ed25519PrivateKey::FromSeed(ByteSpan(*raw).subspan(1));
  EXPECT_TRUE(key.has_value());
  auto signer = NoteSigner::Create("PeterNeumann", *key);
  EXPECT_TRUE(signer.has_value());
  return *signer;
}

TEST(NoteVerifierTest, GoVerifierKey) {
  const auto v = NoteVectors();
  const std::string vkey = Vector(v, "go_vkey");
  NoteVerifier peter = MustVerifier(vkey);
  EXPECT_EQ(peter.name(), "PeterNeumann");
  EXPECT_EQ(peter.key_id(), 0xc74f20a3u);
  EXPECT_EQ(peter.VerifierKey(), vkey);
  // As in Go's TestNewVerifier: no proper substring and no one-octet change is accepted.
  for (size_t i = 0; i <= vkey.size(); ++i) {
    for (size_t j = i + 1; j <= vkey.size(); ++j) {
      if (i == 0 && j == vkey.size()) {
        continue;
      }
      ExpectCode(NoteVerifier::Parse(vkey.substr(i, j - i)), ErrorCode::kInvalidArgument,
                 vkey.substr(i, j - i));
    }
  }
  for (size_t i = 0; i < vkey.size(); ++i) {
    std::string b = vkey;
    ++b[i];
    ExpectCode(NoteVerifier::Parse(b), ErrorCode::kInvalidArgument, b);
  }
  // Wrong key length and unknown algorithm, each with a matching key ID (Go's vectors).
  ExpectCode(NoteVerifier::Parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                 "LDE4izWy10TWBADKEY=="),
             ErrorCode::kInvalidArgument, "long key");
  ExpectCode(NoteVerifier::Parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                 "LDE4izWy10TW"),
             ErrorCode::kInvalidArgument, "unknown algorithm");
  // Upper-case key IDs are not the canonical form.
  ExpectCode(NoteVerifier::Parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                 "LDE4izWy10TW"),
             ErrorCode::kInvalidArgument, "upper-case key ID");
  for (const char* name : {"sum.golang.org", "EnochRoot"}) {
    const std::string key =
        Vector(v, std::string(name) == "EnochRoot" ? "go_enoch_vkey" : "sumdb_vkey");
    EXPECT_EQ(MustVerifier(key).VerifierKey(), key);
    EXPECT_EQ(MustVerifier(key).name(), name);
  }
}

TEST(NoteVerifierTest, KeyNames) {
  const NoteSigner s = TestSigner("log.example/a", 1);
  for (const std::string bad : {"", "a b", "a+b", "a\tb", "a\nb",
                                "a\xC2\xA0"
                                "b",
                                "a\xE2\x80\x83"
                                "b",
                                "a\xE3\x80\x80"
                                "b",
                                "\xFF", "a\x7F"}) {
    ExpectCode(NoteVerifier::Create(bad, s.Verifier().public_key()), ErrorCode::kInvalidArgument,
               bad);
  }
  EXPECT_TRUE(NoteVerifier::Create("Señor-1", s.Verifier().public_key()).has_value());
  EXPECT_TRUE(NoteVerifier::Create("例え.jp/log", s.Verifier().public_key()).has_value());
  auto again = NoteVerifier::Parse(s.Verifier().VerifierKey());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->key_id(), s.key_id());
  EXPECT_EQ(again->public_key().Raw(), s.Verifier().public_key().Raw());
}

TEST(SignedNoteTest, GoSignatureByteForByte) {
  const auto v = NoteVectors();
  const NoteSigner signer = GoSigner(Vector(v, "go_skey"));
  EXPECT_EQ(signer.Verifier().VerifierKey(), Vector(v, "go_vkey"));
  auto note = SignNote(Vector(v, "go_text"), signer);
  ASSERT_TRUE(note.has_value()) << note.error().ToString();
  EXPECT_EQ(*note, Vector(v, "go_text") + "\n" + Vector(v, "go_peter_sig"));
}

TEST(SignedNoteTest, GoOpenVectors) {
  const auto v = NoteVectors();
  const std::string text = Vector(v, "go_text");
  const std::string peter_sig = Vector(v, "go_peter_sig");
  const std::string enoch_sig = Vector(v, "go_enoch_sig");
  const NoteVerifier peter = MustVerifier(Vector(v, "go_vkey"));
  const NoteVerifier enoch = MustVerifier(Vector(v, "go_enoch_vkey"));
  const std::vector<NoteVerifier> just_peter = {peter};
  const std::vector<NoteVerifier> both = {peter, enoch};
  const std::string two = text + "\n" + peter_sig + enoch_sig;

  // One signature verified, one from an unknown key ignored.
  auto opened = OpenNote(AsBytes(two), just_peter, 1);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(*opened, text);
  // Both verified: 2 of 2.
  opened = OpenNote(AsBytes(two), both, 2);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(*opened, text);
  // No trusted signature.
  const std::vector<NoteVerifier> just_enoch = {enoch};
  ExpectCode(OpenNote(AsBytes(text + "\n" + peter_sig), just_enoch, 1), ErrorCode::kUnauthenticated,
             "no trusted signature");
  // 101 signatures.
  std::string many = text + "\n";
  for (int i = 0; i < 101; ++i) {
    many += peter_sig;
  }
  ExpectCode(OpenNote(AsBytes(many), just_peter, 1), ErrorCode::kInvalidArgument, "101 sigs");
  // 100 are fine (and the repeated signature counts once).
  many.resize(many.size() - peter_sig.size());
  EXPECT_TRUE(OpenNote(AsBytes(many), just_peter, 1).has_value());
  ExpectCode(OpenNote(AsBytes(many), both, 2), ErrorCode::kUnauthenticated, "100 x peter");
  // A signature by a known key that does not verify (three octets inserted) refuses the note.
  const std::string bad_peter = peter_sig.substr(0, 60) + "ABCD" + peter_sig.substr(60);
  ExpectCode(OpenNote(AsBytes(text + "\n" + bad_peter), just_peter, 1), ErrorCode::kUnauthenticated,
             "bad known signature");
  ExpectCode(OpenNote(AsBytes(text + "\n" + peter_sig + bad_peter), just_peter, 1),
             ErrorCode::kUnauthenticated, "good then bad known signature");
  // Go's duplicated verified and unverified signatures: the bad EnochRoot line is unknown
  // when only PeterNeumann is trusted...
  const std::string bad_enoch = enoch_sig.substr(0, 60) + "ABCD" + enoch_sig.substr(60);
  const std::string dup = text + "\n" + peter_sig + peter_sig + enoch_sig + enoch_sig + bad_enoch;
  EXPECT_TRUE(OpenNote(AsBytes(dup), just_peter, 1).has_value());
  // ...and refuses the note when EnochRoot is trusted (Go would skip it as a repeat).
  ExpectCode(OpenNote(AsBytes(dup), both, 1), ErrorCode::kUnauthenticated, "bad repeat");
  // Go's malformed messages.
  const std::vector<std::string> bad_msgs = {
      text,
      text + "\n",
      text + "\n" + peter_sig.substr(0, peter_sig.size() - 1),
      "\x01" + text + "\n" + peter_sig,
      "\xff" + text + "\n" + peter_sig,
      text + "\n" +
          "\xE2\x80\x94 Bad Name "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      text + "\n" + peter_sig + "Unexpected line.\n",
  };
  for (const std::string& msg : bad_msgs) {
    ExpectCode(OpenNote(AsBytes(msg), just_peter, 1), ErrorCode::kInvalidArgument, msg);
  }
}

TEST(SignedNoteTest, AnchorsAndThreshold) {
  const auto v = NoteVectors();
  const std::string note = Vector(v, "go_text") + "\n" + Vector(v, "go_peter_sig");
  const NoteVerifier peter = MustVerifier(Vector(v, "go_vkey"));
  const std::vector<NoteVerifier> one = {peter};
  ExpectCode(OpenNote(AsBytes(note), one, 0), ErrorCode::kInvalidArgument, "threshold 0");
  ExpectCode(OpenNote(AsBytes(note), one, 2), ErrorCode::kInvalidArgument, "threshold 2 of 1");
  ExpectCode(OpenNote(AsBytes(note), {}, 1), ErrorCode::kInvalidArgument, "no anchors");
  // The same anchor twice is one anchor.
  const std::vector<NoteVerifier> twice = {peter, peter};
  EXPECT_TRUE(OpenNote(AsBytes(note), twice, 1).has_value());
  ExpectCode(OpenNote(AsBytes(note), twice, 2), ErrorCode::kInvalidArgument, "2 of 1 distinct");
  // A key with the same name but another ID is another anchor.
  const NoteSigner other = TestSigner("PeterNeumann", 9);
  const std::vector<NoteVerifier> with_other = {peter, other.Verifier()};
  EXPECT_NE(other.key_id(), peter.key_id());
  EXPECT_TRUE(OpenNote(AsBytes(note), with_other, 1).has_value());
  ExpectCode(OpenNote(AsBytes(note), with_other, 2), ErrorCode::kUnauthenticated, "1 of 2");
}

TEST(SignedNoteTest, CollidingKeyIds) {
  // Two Ed25519 seeds whose keys have the same 32-bit key ID (d2f5199f) under the name
  // "collide": SHA-256("iotsec collision seed 51429") and SHA-256("iotsec collision seed
  // 159136"), found by a birthday search over such seeds.
  auto k1 = crypto::Ed25519PrivateKey::FromSeed(
      *HexDecode("47ee2e17fc3ac8817899b4adbc43e4b542bef0520698f0b8964b48ca5bbf2818"));
  auto k2 = crypto::Ed25519PrivateKey::FromSeed(
      *HexDecode("fa41a44cde73353707cde42ef20e7af42b0095fd869c1d6b2cf88dafd53c85e4"));
  ASSERT_TRUE(k1.has_value() && k2.has_value());
  auto s1 = NoteSigner::Create("collide", *k1);
  auto s2 = NoteSigner::Create("collide", *k2);
  ASSERT_TRUE(s1.has_value() && s2.has_value());
  ASSERT_EQ(s1->key_id(), 0xd2f5199fu);
  ASSERT_EQ(s2->key_id(), s1->key_id());
  auto note = SignNote("colliding\n", *s1);
  ASSERT_TRUE(note.has_value());
  // Trusting both keys is ambiguous: refused, whatever the note.
  const std::vector<NoteVerifier> both = {s1->Verifier(), s2->Verifier()};
  ExpectCode(OpenNote(AsBytes(*note), both, 1), ErrorCode::kInvalidArgument, "ambiguous");
  // Trusting only the other key: its (name, ID) matches, so the signature must verify under
  // it, and does not (c2sp.org/signed-note: a failed known-key signature rejects the note).
  const std::vector<NoteVerifier> second = {s2->Verifier()};
  ExpectCode(OpenNote(AsBytes(*note), second, 1), ErrorCode::kUnauthenticated, "other key");
  const std::vector<NoteVerifier> first = {s1->Verifier()};
  EXPECT_TRUE(OpenNote(AsBytes(*note), first, 1).has_value());
}

TEST(SignedNoteTest, StrictParsing) {
  const auto v = NoteVectors();
  const std::string text = Vector(v, "go_text");
  const std::string sig = Vector(v, "go_peter_sig");
  const std::string good = text + "\n" + sig;
  auto parsed = ParseNote(AsBytes(good));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->text, text);
  ASSERT_EQ(parsed->signatures.size(), 1u);
  EXPECT_EQ(parsed->signatures[0].name, "PeterNeumann");
  EXPECT_EQ(parsed->signatures[0].key_id, 0xc74f20a3u);
  EXPECT_EQ(parsed->signatures[0].signature.size(), 64u);
  auto again = FormatNote(*parsed);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, good);

  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"CRLF", replace("problem,\n", "problem,\r\n")},
      {"CR at end", good.substr(0, good.size() - 1) + "\r\n"},
      {"tab", replace("If you", "If\tyou")},
      {"DEL", replace("If you", "If\x7Fyou")},
      {"overlong UTF-8", replace("If you", "If\xC0\xA0you")},
      {"surrogate", replace("If you", "If\xED\xA0\x80you")},
      {"truncated UTF-8", replace("If you", "If\xE2\x80you")},
      {"hyphens for the dash", replace("\xE2\x80\x94 ", "-- ")},
      {"no space after the dash", replace("\xE2\x80\x94 ", "\xE2\x80\x94")},
      {"two spaces", replace("PeterNeumann ", "PeterNeumann  ")},
      {"trailing space", replace("AM=\n", "AM= \n")},
      {"no padding", replace("AM=\n", "AM\n")},
      {"non-zero pad bits", replace("AM=\n", "AN=\n")},
      {"url-safe base64", replace("x08go/", "x08go_")},
      {"short signature", text + "\n\xE2\x80\x94 PeterNeumann AAAAAA==\n"},
      {"empty signature", text + "\n\xE2\x80\x94 PeterNeumann \n"},
      {"name with plus", replace("PeterNeumann ", "Peter+Neumann ")},
      {"no signatures", text + "\n"},
      {"blank line at the end", good + "\n"},
      {"empty", ""},
  };
  for (const auto& [what, note] : bad) {
    ExpectCode(ParseNote(AsBytes(note)), ErrorCode::kInvalidArgument, what);
  }
  // A note larger than 1 MiB is refused before anything else.
  std::string big(kMaxNoteSize - sig.size(), 'a');
  big[big.size() - 2] = '\n';
  big[big.size() - 1] = '\n';
  EXPECT_TRUE(ParseNote(AsBytes(big + sig)).has_value());
  ExpectCode(ParseNote(AsBytes("a" + big + sig)), ErrorCode::kInvalidArgument, "too large");
}

TEST(SignedNoteTest, C2spExampleNote) {
  const auto v = NoteVectors();
  // The text holds a blank line: the signatures start after the last one.
  auto parsed = ParseNote(AsBytes(Vector(v, "c2sp_note")));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->text,
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\n"
            "ed \xC3\xA8 subito sera.\n");
  ASSERT_EQ(parsed->signatures.size(), 1u);
  EXPECT_EQ(parsed->signatures[0].name, "quasimodo.example/salvatore");
  EXPECT_EQ(parsed->signatures[0].signature.size(), 64u);
  auto again = FormatNote(*parsed);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, Vector(v, "c2sp_note"));
}

TEST(SignedNoteTest, SignAndFormatRefuseBadInput) {
  const NoteSigner s = TestSigner("log.example", 3);
  for (const std::string& bad : {std::string(), std::string("no newline"), std::string("cr\r\n"),
                                 std::string("nul\0\n", 5)}) {
    ExpectCode(SignNote(bad, s), ErrorCode::kInvalidArgument, bad);
  }
  // Signing a one-line text works; an empty line inside a text is allowed by the note format.
  EXPECT_TRUE(SignNote("hello\n", s).has_value());
  EXPECT_TRUE(SignNote("a\n\nb\n", s).has_value());
  SignedNote n;
  n.text = "hello\n";
  ExpectCode(FormatNote(n), ErrorCode::kInvalidArgument, "no signature");
  n.signatures.push_back({"ok", 1, Bytes()});
  ExpectCode(FormatNote(n), ErrorCode::kInvalidArgument, "empty signature");
  n.signatures[0] = {"bad name", 1, Bytes(64, 1)};
  ExpectCode(FormatNote(n), ErrorCode::kInvalidArgument, "bad name");
  n.signatures[0] = {"ok", 1, Bytes(64, 1)};
  n.signatures.resize(kMaxNoteSignatures + 1, n.signatures[0]);
  ExpectCode(FormatNote(n), ErrorCode::kInvalidArgument, "101 signatures");
  n.signatures.resize(kMaxNoteSignatures);
  auto f = FormatNote(n);
  ASSERT_TRUE(f.has_value());
  auto p = ParseNote(AsBytes(*f));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, n);
}

}  // namespace
}  // namespace iotsec::ledger
