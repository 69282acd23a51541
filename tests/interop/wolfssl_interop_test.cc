// Copyright iotsec authors.
// Interop of iotsec's ECCSI (RFC 6507) and SAKKE (RFC 6508, RFC 6509 parameter set 1) with
// wolfSSL 5.5.4, in both directions: signatures, encapsulations and issued keys of each side are
// used by the other, and tampered ones are refused by both. wolfSSL runs in its own program,
// wolfssl_peer (GPL, and its headers clash with OpenSSL's), started here as a subprocess.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"

namespace iotsec::ibc {
namespace {

using crypto::SecretBytes;

// Exit statuses of wolfssl_peer.
constexpr int kPeerOk = 0;
constexpr int kPeerRefused = 1;

// The identities of the tests: the project's form <YYYY-MM>|<uri>, the RFC 6507/6508 example
// "2011-02\0tel:+447700900123\0" (with its NULs), and a 128-octet one whose integer exceeds q.
const std::string kDeviceId = "2026-11|urn:dev:acme:0001";
const std::string kOtherId = "2026-11|urn:dev:acme:0002";
const std::string kRfcId("2011-02\0tel:+447700900123\0", 26);
const std::string kLongId = "2026-11|urn:dev:acme:" + std::string(107, '7');

// PeerRun is what wolfssl_peer did: its exit status, its name=hex results and its messages.
struct PeerRun {
  int status = -1;
  std::map<std::string, std::string> out;
  std::string log;

  // Get returns the decoded result |name|, or an empty byte string if there is none.
  Bytes Get(const std::string& name) const {
    auto it = out.find(name);
    if (it == out.end()) {
      return {};
    }
    auto b = HexDecode(it->second);
    return b ? *b : Bytes{};
  }
};

std::string Hex(ByteSpan b) { return HexEncode(b); }
std::string Hex(std::string_view s) { return HexEncode(AsBytes(s)); }

// Peer runs wolfssl_peer with |args| (all hex, so safe to put on a shell command line).
PeerRun Peer(const std::vector<std::string>& args) {
  std::string cmd = IOTSEC_WOLFSSL_PEER;
  for (const auto& a : args) {
    cmd += " '" + a + "'";
  }
  cmd += " 2>&1";
  PeerRun run;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    run.log = "popen failed";
    return run;
  }
  std::string all;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) {
    all.append(buf.data(), n);
  }
  const int st = pclose(p);
  run.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string::npos) {
      end = all.size();
    }
    const std::string line = all.substr(start, end - start);
    const size_t eq = line.find('=');
    if (line.rfind("wolfssl_peer:", 0) != 0 && eq != std::string::npos) {
      run.out[line.substr(0, eq)] = line.substr(eq + 1);
    } else {
      run.log += line + "\n";
    }
    start = end + 1;
  }
  return run;
}

// FixedRng returns the given octets, then fails: it injects an SSV (or any random value).
class FixedRng : public crypto::Rng {
 public:
  explicit FixedRng(Bytes bytes) : bytes_(std::move(bytes)) {}
  Status Fill(std::span<uint8_t> out) override {
    if (out.size() > bytes_.size() - pos_) {
      return Fail(ErrorCode::kUnavailable, "FixedRng exhausted");
    }
    std::copy(bytes_.begin() + pos_, bytes_.begin() + pos_ + out.size(), out.begin());
    pos_ += out.size();
    return Ok();
  }

 private:
  Bytes bytes_;
  size_t pos_ = 0;
};

// Vectors reads tests/interop/testdata/rfc_vectors.txt (name = hex lines).
std::map<std::string, Bytes> Vectors() {
  std::map<std::string, Bytes> v;
  std::ifstream in(std::string(IOTSEC_SOURCE_DIR) + "/tests/interop/testdata/rfc_vectors.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) {
      continue;
    }
    auto b = HexDecode(line.substr(eq + 3));
    if (b) {
      v[line.substr(0, eq)] = *b;
    }
  }
  return v;
}

Bytes Flip(ByteSpan b, size_t index, uint8_t mask = 0x01) {
  Bytes out(b.begin(), b.end());
  out[index] ^= mask;
  return out;
}

Bytes Cat(ByteSpan a, ByteSpan b) {
  Bytes out(a.begin(), a.end());
  Append(out, b);
  return out;
}

// ---- The peer itself reproduces the RFC appendices, so it is a trustworthy partner ----

TEST(WolfSslPeerTest, ReproducesRfc6507AppendixA) {
  auto v = Vectors();
  ASSERT_EQ(v.count("eccsi_kpak"), 1u) << "testdata/rfc_vectors.txt not found";
  auto kpak = Peer({"eccsi-kpak", Hex(v["eccsi_ksak"])});
  ASSERT_EQ(kpak.status, kPeerOk) << kpak.log;
  EXPECT_EQ(kpak.Get("kpak"), v["eccsi_kpak"]);

  auto hs = Peer({"eccsi-hs", Hex(v["eccsi_kpak"]), Hex(v["eccsi_id"]), Hex(v["eccsi_pvt"])});
  ASSERT_EQ(hs.status, kPeerOk) << hs.log;
  EXPECT_EQ(hs.Get("hs"), v["eccsi_hs"]);

  auto valid = Peer({"eccsi-validate", Hex(v["eccsi_kpak"]), Hex(v["eccsi_id"]),
                     Hex(v["eccsi_ssk"]), Hex(v["eccsi_pvt"])});
  EXPECT_EQ(valid.status, kPeerOk) << valid.log;

  const Bytes sig = Cat(Cat(v["eccsi_r"], v["eccsi_s"]), v["eccsi_pvt"]);
  auto ok = Peer({"eccsi-verify", Hex(v["eccsi_kpak"]), Hex(v["eccsi_id"]), Hex(v["eccsi_message"]),
                  Hex(sig)});
  EXPECT_EQ(ok.status, kPeerOk) << ok.log;
  auto bad = Peer({"eccsi-verify", Hex(v["eccsi_kpak"]), Hex(v["eccsi_id"]),
                   Hex(Flip(v["eccsi_message"], 0)), Hex(sig)});
  EXPECT_EQ(bad.status, kPeerRefused) << bad.log;
}

TEST(WolfSslPeerTest, ReproducesRfc6508AppendixA) {
  auto v = Vectors();
  ASSERT_EQ(v.count("sakke_zpub"), 1u) << "testdata/rfc_vectors.txt not found";
  auto zpub = Peer({"sakke-zpub", Hex(v["sakke_z"])});
  ASSERT_EQ(zpub.status, kPeerOk) << zpub.log;
  EXPECT_EQ(zpub.Get("zpub"), v["sakke_zpub"]);

  auto rsk = Peer({"sakke-issue", Hex(v["sakke_z"]), Hex(v["sakke_id"])});
  ASSERT_EQ(rsk.status, kPeerOk) << rsk.log;
  EXPECT_EQ(rsk.Get("rsk"), v["sakke_rsk"]);

  // wolfSSL derives r from SSV || b, so the given SSV fixes the Encapsulated Data.
  auto enc = Peer({"sakke-encap", Hex(v["sakke_zpub"]), Hex(v["sakke_id"]), Hex(v["sakke_ssv"])});
  ASSERT_EQ(enc.status, kPeerOk) << enc.log;
  EXPECT_EQ(enc.Get("data"), Cat(v["sakke_r"], v["sakke_h"]));

  auto dec = Peer({"sakke-decap", Hex(v["sakke_zpub"]), Hex(v["sakke_id"]), Hex(v["sakke_rsk"]),
                   Hex(Cat(v["sakke_r"], v["sakke_h"]))});
  ASSERT_EQ(dec.status, kPeerOk) << dec.log;
  EXPECT_EQ(dec.Get("ssv"), v["sakke_ssv"]);
}

// ---- ECCSI ----

// OurKms is an ECCSI KMS of iotsec: KSAK and KPAK.
struct OurEccsiKms {
  SecretBytes ksak;
  EccsiPoint kpak;
};

OurEccsiKms MakeOurEccsiKms() {
  auto ksak = EccsiGenerateKsak(crypto::SystemRng());
  EXPECT_TRUE(ksak.has_value());
  auto kpak = EccsiKpakFromKsak(*ksak);
  EXPECT_TRUE(kpak.has_value());
  return {std::move(*ksak), *kpak};
}

TEST(EccsiInteropTest, KpakFromKsakIsTheSameInBoth) {
  OurEccsiKms kms = MakeOurEccsiKms();
  auto peer = Peer({"eccsi-kpak", Hex(kms.ksak.span())});
  ASSERT_EQ(peer.status, kPeerOk) << peer.log;
  EXPECT_EQ(peer.Get("kpak"), ToBytes(kms.kpak));
}

// Our KMS issues; wolfSSL validates the key, signs with it and verifies our signatures.
TEST(EccsiInteropTest, KeysIssuedByUsSignAndVerifyInWolfSsl) {
  OurEccsiKms kms = MakeOurEccsiKms();
  for (const std::string& id : {kDeviceId, kRfcId, kLongId}) {
    SCOPED_TRACE(Hex(id));
    auto key = EccsiIssue(kms.ksak, kms.kpak, AsBytes(id), crypto::SystemRng());
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    const std::string kpak = Hex(kms.kpak), hid = Hex(id), ssk = Hex(key->ssk.span()),
                      pvt = Hex(key->pvt);

    auto valid = Peer({"eccsi-validate", kpak, hid, ssk, pvt});
    EXPECT_EQ(valid.status, kPeerOk) << valid.log;
    auto wrong_id = Peer({"eccsi-validate", kpak, Hex(kOtherId), ssk, pvt});
    EXPECT_EQ(wrong_id.status, kPeerRefused) << wrong_id.log;

    auto signer = EccsiSigner::Create(kms.kpak, AsBytes(id), key->ssk, key->pvt);
    ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
    for (const std::string& msg :
         {std::string(), std::string("hello, wolfSSL"), std::string(1000, 'm')}) {
      auto sig = signer->Sign(AsBytes(msg), crypto::SystemRng());
      ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
      auto v = Peer({"eccsi-verify", kpak, hid, Hex(msg), Hex(*sig)});
      EXPECT_EQ(v.status, kPeerOk) << "our signature refused by wolfSSL: " << v.log;
    }

    // wolfSSL signs with the key we issued; we verify.
    const std::string msg = "signed by wolfSSL with a key from iotsec";
    auto ws = Peer({"eccsi-sign", kpak, hid, ssk, pvt, Hex(msg)});
    ASSERT_EQ(ws.status, kPeerOk) << ws.log;
    const Bytes sig = ws.Get("sig");
    ASSERT_EQ(sig.size(), kEccsiSignatureSize);
    auto ok = EccsiVerify(kms.kpak, AsBytes(id), AsBytes(msg), sig);
    EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
    auto verifier = EccsiVerifier::Create(kms.kpak, AsBytes(id), key->pvt);
    ASSERT_TRUE(verifier.has_value()) << verifier.error().ToString();
    auto ok2 = verifier->Verify(AsBytes(msg), sig);
    EXPECT_TRUE(ok2.has_value()) << ok2.error().ToString();
  }
}

// wolfSSL's KMS issues; we validate the key, sign with it and verify wolfSSL's signatures.
TEST(EccsiInteropTest, KeysIssuedByWolfSslSignAndVerifyWithUs) {
  auto kms = Peer({"eccsi-kms-make"});
  ASSERT_EQ(kms.status, kPeerOk) << kms.log;
  const Bytes kpak = kms.Get("kpak");
  ASSERT_EQ(kpak.size(), kEccsiPointSize);
  for (const std::string& id : {kDeviceId, kRfcId, kLongId}) {
    SCOPED_TRACE(Hex(id));
    auto issued = Peer({"eccsi-issue", Hex(kms.Get("ksak")), Hex(kpak), Hex(id)});
    ASSERT_EQ(issued.status, kPeerOk) << issued.log;
    const SecretBytes ssk(issued.Get("ssk"));
    const Bytes pvt = issued.Get("pvt");
    ASSERT_EQ(ssk.size(), kEccsiScalarSize);

    auto valid = EccsiValidateUserKey(kpak, AsBytes(id), ssk, pvt);
    EXPECT_TRUE(valid.has_value()) << valid.error().ToString();
    auto wrong_id = EccsiValidateUserKey(kpak, AsBytes(kOtherId), ssk, pvt);
    ASSERT_FALSE(wrong_id.has_value());
    EXPECT_EQ(wrong_id.error().code(), ErrorCode::kUnauthenticated);

    // We sign with wolfSSL's key; wolfSSL verifies.
    auto signer = EccsiSigner::Create(kpak, AsBytes(id), ssk, pvt);
    ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
    const std::string msg = "signed by iotsec with a key from wolfSSL";
    auto sig = signer->Sign(AsBytes(msg), crypto::SystemRng());
    ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
    auto v = Peer({"eccsi-verify", Hex(kpak), Hex(id), Hex(msg), Hex(*sig)});
    EXPECT_EQ(v.status, kPeerOk) << v.log;

    // wolfSSL signs; we verify, one-shot and cached.
    auto verifier = EccsiVerifier::Create(kpak, AsBytes(id), pvt);
    ASSERT_TRUE(verifier.has_value()) << verifier.error().ToString();
    for (const std::string& m : {std::string(), std::string("from wolfSSL")}) {
      auto ws = Peer({"eccsi-sign", Hex(kpak), Hex(id), Hex(ssk.span()), Hex(pvt), Hex(m)});
      ASSERT_EQ(ws.status, kPeerOk) << ws.log;
      const Bytes wsig = ws.Get("sig");
      auto ok = EccsiVerify(kpak, AsBytes(id), AsBytes(m), wsig);
      EXPECT_TRUE(ok.has_value()) << "wolfSSL's signature refused by us: " << ok.error().ToString();
      auto ok2 = verifier->Verify(AsBytes(m), wsig);
      EXPECT_TRUE(ok2.has_value()) << ok2.error().ToString();
    }
  }
}

// A tampered signature (r, s, PVT, message or identity changed) is refused by both sides,
// whichever side made it.
TEST(EccsiInteropTest, TamperedSignaturesAreRefusedByBoth) {
  OurEccsiKms kms = MakeOurEccsiKms();
  const std::string& id = kDeviceId;
  auto key = EccsiIssue(kms.ksak, kms.kpak, AsBytes(id), crypto::SystemRng());
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  auto signer = EccsiSigner::Create(kms.kpak, AsBytes(id), key->ssk, key->pvt);
  ASSERT_TRUE(signer.has_value());
  const std::string msg = "firmware manifest v7";
  auto ours = signer->Sign(AsBytes(msg), crypto::SystemRng());
  ASSERT_TRUE(ours.has_value());
  auto ws =
      Peer({"eccsi-sign", Hex(kms.kpak), Hex(id), Hex(key->ssk.span()), Hex(key->pvt), Hex(msg)});
  ASSERT_EQ(ws.status, kPeerOk) << ws.log;

  struct Case {
    const char* what;
    size_t index;  // octet of the signature to flip, or npos for none
    std::string msg;
    std::string id;
  };
  const size_t kNone = std::string::npos;
  const std::vector<Case> cases = {
      {"r", 5, msg, id},
      {"s", 32 + 31, msg, id},
      {"PVT x", 64 + 10, msg, id},
      {"PVT y", 64 + 64, msg, id},
      {"message", kNone, msg + ".", id},
      {"identity", kNone, msg, kOtherId},
  };
  for (const Bytes& good : {ToBytes(*ours), ws.Get("sig")}) {
    ASSERT_EQ(good.size(), kEccsiSignatureSize);
    for (const Case& c : cases) {
      SCOPED_TRACE(c.what);
      const Bytes sig = c.index == kNone ? good : Flip(good, c.index);
      auto peer = Peer({"eccsi-verify", Hex(kms.kpak), Hex(c.id), Hex(c.msg), Hex(sig)});
      EXPECT_EQ(peer.status, kPeerRefused) << peer.log;
      auto st = EccsiVerify(kms.kpak, AsBytes(c.id), AsBytes(c.msg), sig);
      ASSERT_FALSE(st.has_value());
      EXPECT_EQ(st.error().code(), ErrorCode::kUnauthenticated) << st.error().ToString();
    }
    // The untampered one is accepted by both (so the refusals above are the tampering's).
    EXPECT_EQ(Peer({"eccsi-verify", Hex(kms.kpak), Hex(id), Hex(msg), Hex(good)}).status, kPeerOk);
    EXPECT_TRUE(EccsiVerify(kms.kpak, AsBytes(id), AsBytes(msg), good).has_value());
  }
}

// ---- SAKKE ----

struct OurSakkeKms {
  SecretBytes z;
  SakkePoint zpub;
};

OurSakkeKms MakeOurSakkeKms() {
  auto z = SakkeGenerateMasterSecret(crypto::SystemRng());
  EXPECT_TRUE(z.has_value());
  auto zpub = SakkeZFromMasterSecret(*z);
  EXPECT_TRUE(zpub.has_value());
  return {std::move(*z), *zpub};
}

// Z and the RSK are deterministic functions of z and the identity: both sides agree exactly.
TEST(SakkeInteropTest, PublicKeyAndRskAreTheSameInBoth) {
  OurSakkeKms kms = MakeOurSakkeKms();
  auto zpub = Peer({"sakke-zpub", Hex(kms.z.span())});
  ASSERT_EQ(zpub.status, kPeerOk) << zpub.log;
  EXPECT_EQ(zpub.Get("zpub"), ToBytes(kms.zpub));
  for (const std::string& id : {kDeviceId, kRfcId, kLongId}) {
    SCOPED_TRACE(Hex(id));
    auto rsk = SakkeIssueRsk(kms.z, AsBytes(id));
    ASSERT_TRUE(rsk.has_value()) << rsk.error().ToString();
    auto peer = Peer({"sakke-issue", Hex(kms.z.span()), Hex(id)});
    ASSERT_EQ(peer.status, kPeerOk) << peer.log;
    EXPECT_EQ(peer.Get("rsk"), ToBytes(rsk->span()));
  }
}

// r is derived from SSV || b (RFC 6508 §6.2.1 step 2), so the same SSV gives the same
// Encapsulated Data in both implementations, octet for octet.
TEST(SakkeInteropTest, SameSsvGivesIdenticalEncapsulatedData) {
  OurSakkeKms kms = MakeOurSakkeKms();
  const Bytes ssv = *HexDecode("00112233445566778899aabbccddeeff");
  for (const std::string& id : {kDeviceId, kRfcId, kLongId}) {
    SCOPED_TRACE(Hex(id));
    FixedRng rng(ssv);
    auto ours = SakkeEncapsulate(kms.zpub, AsBytes(id), rng);
    ASSERT_TRUE(ours.has_value()) << ours.error().ToString();
    EXPECT_EQ(ToBytes(ours->ssv.span()), ssv);
    auto peer = Peer({"sakke-encap", Hex(kms.zpub), Hex(id), Hex(ssv)});
    ASSERT_EQ(peer.status, kPeerOk) << peer.log;
    EXPECT_EQ(peer.Get("data"), ToBytes(ours->data));
  }
}

// Our KMS issues; wolfSSL validates the RSK and decapsulates what we encapsulate, and we
// decapsulate what wolfSSL encapsulates to that key.
TEST(SakkeInteropTest, KeysIssuedByUsWorkInWolfSsl) {
  OurSakkeKms kms = MakeOurSakkeKms();
  for (const std::string& id : {kDeviceId, kRfcId, kLongId}) {
    SCOPED_TRACE(Hex(id));
    auto rsk = SakkeIssueRsk(kms.z, AsBytes(id));
    ASSERT_TRUE(rsk.has_value()) << rsk.error().ToString();
    const std::string zpub = Hex(kms.zpub), hid = Hex(id), hrsk = Hex(rsk->span());

    EXPECT_EQ(Peer({"sakke-validate", zpub, hid, hrsk}).status, kPeerOk);
    EXPECT_EQ(Peer({"sakke-validate", zpub, Hex(kOtherId), hrsk}).status, kPeerRefused);

    auto enc = SakkeEncapsulate(kms.zpub, AsBytes(id), crypto::SystemRng());
    ASSERT_TRUE(enc.has_value()) << enc.error().ToString();
    auto dec = Peer({"sakke-decap", zpub, hid, hrsk, Hex(enc->data)});
    ASSERT_EQ(dec.status, kPeerOk) << "our encapsulation refused by wolfSSL: " << dec.log;
    EXPECT_EQ(dec.Get("ssv"), ToBytes(enc->ssv.span()));

    auto sender = SakkeSender::Create(kms.zpub, AsBytes(id));
    ASSERT_TRUE(sender.has_value()) << sender.error().ToString();
    auto enc2 = sender->Encapsulate(crypto::SystemRng());
    ASSERT_TRUE(enc2.has_value()) << enc2.error().ToString();
    auto dec2 = Peer({"sakke-decap", zpub, hid, hrsk, Hex(enc2->data)});
    ASSERT_EQ(dec2.status, kPeerOk) << dec2.log;
    EXPECT_EQ(dec2.Get("ssv"), ToBytes(enc2->ssv.span()));

    auto ws = Peer({"sakke-encap", zpub, hid});
    ASSERT_EQ(ws.status, kPeerOk) << ws.log;
    auto ssv = SakkeDecapsulate(kms.zpub, AsBytes(id), *rsk, ws.Get("data"));
    ASSERT_TRUE(ssv.has_value()) << ssv.error().ToString();
    EXPECT_EQ(ToBytes(ssv->span()), ws.Get("ssv"));
  }
}

// wolfSSL's KMS issues; we validate the RSK and use it, and wolfSSL decapsulates what we send.
TEST(SakkeInteropTest, KeysIssuedByWolfSslWorkWithUs) {
  auto kms = Peer({"sakke-kms-make"});
  ASSERT_EQ(kms.status, kPeerOk) << kms.log;
  const Bytes zpub = kms.Get("zpub");
  ASSERT_EQ(zpub.size(), kSakkePointSize);
  for (const std::string& id : {kDeviceId, kRfcId, kLongId}) {
    SCOPED_TRACE(Hex(id));
    auto issued = Peer({"sakke-issue", Hex(kms.Get("z")), Hex(id)});
    ASSERT_EQ(issued.status, kPeerOk) << issued.log;
    const SecretBytes rsk(issued.Get("rsk"));
    ASSERT_EQ(rsk.size(), kSakkePointSize);

    auto valid = SakkeValidateRsk(zpub, AsBytes(id), rsk);
    EXPECT_TRUE(valid.has_value()) << valid.error().ToString();
    auto wrong_id = SakkeValidateRsk(zpub, AsBytes(kOtherId), rsk);
    ASSERT_FALSE(wrong_id.has_value());
    EXPECT_EQ(wrong_id.error().code(), ErrorCode::kUnauthenticated);

    auto receiver = SakkeReceiver::Create(zpub, AsBytes(id), rsk);
    ASSERT_TRUE(receiver.has_value()) << receiver.error().ToString();
    for (int i = 0; i < 2; ++i) {
      auto ws = Peer({"sakke-encap", Hex(zpub), Hex(id)});
      ASSERT_EQ(ws.status, kPeerOk) << ws.log;
      const Bytes data = ws.Get("data");
      auto ssv = SakkeDecapsulate(zpub, AsBytes(id), rsk, data);
      ASSERT_TRUE(ssv.has_value())
          << "wolfSSL's encapsulation refused by us: " << ssv.error().ToString();
      EXPECT_EQ(ToBytes(ssv->span()), ws.Get("ssv"));
      auto ssv2 = receiver->Decapsulate(data);
      ASSERT_TRUE(ssv2.has_value()) << ssv2.error().ToString();
      EXPECT_EQ(ToBytes(ssv2->span()), ws.Get("ssv"));
    }

    auto enc = SakkeEncapsulate(zpub, AsBytes(id), crypto::SystemRng());
    ASSERT_TRUE(enc.has_value()) << enc.error().ToString();
    auto dec = Peer({"sakke-decap", Hex(zpub), Hex(id), Hex(rsk.span()), Hex(enc->data)});
    ASSERT_EQ(dec.status, kPeerOk) << dec.log;
    EXPECT_EQ(dec.Get("ssv"), ToBytes(enc->ssv.span()));
  }
}

// Tampered Encapsulated Data (R or H changed), another identity or another receiver's RSK is
// refused by both sides, whichever side encapsulated.
TEST(SakkeInteropTest, TamperedEncapsulationsAreRefusedByBoth) {
  OurSakkeKms kms = MakeOurSakkeKms();
  const std::string& id = kDeviceId;
  auto rsk = SakkeIssueRsk(kms.z, AsBytes(id));
  ASSERT_TRUE(rsk.has_value());
  auto other_rsk = SakkeIssueRsk(kms.z, AsBytes(kOtherId));
  ASSERT_TRUE(other_rsk.has_value());
  auto ours = SakkeEncapsulate(kms.zpub, AsBytes(id), crypto::SystemRng());
  ASSERT_TRUE(ours.has_value());
  auto ws = Peer({"sakke-encap", Hex(kms.zpub), Hex(id)});
  ASSERT_EQ(ws.status, kPeerOk) << ws.log;

  struct Case {
    const char* what;
    size_t index;  // octet to flip, or npos for none
    const std::string* id;
    const SecretBytes* rsk;
  };
  const size_t kNone = std::string::npos;
  const std::vector<Case> cases = {
      {"R x", 1 + 50, &id, &*rsk},
      {"R y", 1 + 128 + 127, &id, &*rsk},
      {"H first octet", kSakkePointSize, &id, &*rsk},
      {"H last octet", kSakkeEncapsulatedSize - 1, &id, &*rsk},
      {"another identity and its RSK", kNone, &kOtherId, &*other_rsk},
      {"another receiver's RSK", kNone, &id, &*other_rsk},
  };
  for (const Bytes& good : {ToBytes(ours->data), ws.Get("data")}) {
    ASSERT_EQ(good.size(), kSakkeEncapsulatedSize);
    for (const Case& c : cases) {
      SCOPED_TRACE(c.what);
      const Bytes data = c.index == kNone ? good : Flip(good, c.index);
      auto peer = Peer({"sakke-decap", Hex(kms.zpub), Hex(*c.id), Hex(c.rsk->span()), Hex(data)});
      EXPECT_EQ(peer.status, kPeerRefused) << peer.log;
      auto ssv = SakkeDecapsulate(kms.zpub, AsBytes(*c.id), *c.rsk, data);
      ASSERT_FALSE(ssv.has_value());
      EXPECT_EQ(ssv.error().code(), ErrorCode::kUnauthenticated) << ssv.error().ToString();
    }
    EXPECT_EQ(Peer({"sakke-decap", Hex(kms.zpub), Hex(id), Hex(rsk->span()), Hex(good)}).status,
              kPeerOk);
    EXPECT_TRUE(SakkeDecapsulate(kms.zpub, AsBytes(id), *rsk, good).has_value());
  }
}

}  // namespace
}  // namespace iotsec::ibc
