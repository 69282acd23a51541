// Copyright iotsec authors.
// Ledger records: every kind round-trips as a bundle (signed entry || attachment); the parser
// refuses every malformed form with kInvalidArgument, including attachments that do not match
// what the entry signs (doc/formats/ledger-records.md §4.8); the entry alone and the split
// form parse as documented; the batch tree proves each device; the syntax helpers.
#include "iotsec/ledger/record.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "iotsec/cose/cbor.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/sign1.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/ledger/merkle.h"
#include "record_test_util.h"

namespace iotsec::ledger {
namespace {

namespace cbor = cose::cbor;
using cbor::MapEntry;
using cbor::Value;
using testing::AttestationKeyFor;
using testing::kOrigin;
using testing::OrgKeyFor;
using testing::SignerFor;

// Kpak returns a valid KPAK (a P-256 point).
ibc::EccsiPoint Kpak() {
  const AttestationKey k = AttestationKeyFor(1000);
  ibc::EccsiPoint out;
  std::copy(k.begin(), k.end(), out.begin());
  return out;
}

// Z returns a SAKKE Z with the encoding the record checks (0x04 || ...).
ibc::SakkePoint Z() {
  ibc::SakkePoint z{};
  z[0] = 0x04;
  for (size_t i = 1; i < z.size(); ++i) {
    z[i] = static_cast<uint8_t>(i * 7);
  }
  return z;
}

// OnboardKey returns a fixed onboarding key.
OnboardingKey OnboardKey() {
  OnboardingKey k{};
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<uint8_t>(0x90 + i);
  }
  return k;
}

// OneOfEach returns a valid record of every type (two bindings: with and without an MNO).
std::vector<Record> OneOfEach() {
  std::vector<Record> out;
  out.push_back({1, OrgAdmission{"acme", "ACME Devices, Inc.", RoleSet{Role::kManufacturer},
                                 OrgKeyFor("acme").PublicKey().Bytes()}});
  out.push_back({2, testing::Births("acme", "sn", 3)});
  out.push_back({3, OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"}});
  out.push_back({4, Binding{{"urn:dev:acme:sn0"}, "mno1", {"sp1", "sp2"}}});
  out.push_back({5, Binding{{"urn:dev:acme:sn1"}, std::nullopt, {}}});
  out.push_back({6, KmsParams{{2025, 3}, Kpak(), Z(), OnboardKey()}});
  out.push_back({7, Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn2"}});
  out.push_back({8, Revocation{RevocationTarget::kIdentity, "2025-03|urn:dev:acme:sn0"}});
  out.push_back({9, Revocation{RevocationTarget::kOrg, "acme"}});
  return out;
}

// IsBatch returns whether records of |type| carry a device list (and so a BatchCommitment).
bool IsBatch(RecordType type) {
  return type == RecordType::kDeviceBirth || type == RecordType::kOwnershipTransfer ||
         type == RecordType::kBinding;
}

// DeviceCount returns the length of the device list of a birth, transfer or binding; 0 else.
size_t DeviceCount(const RecordBody& body) {
  if (const auto* b = std::get_if<DeviceBirthBatch>(&body)) {
    return b->devices.size();
  }
  if (const auto* t = std::get_if<OwnershipTransfer>(&body)) {
    return t->devices.size();
  }
  if (const auto* bind = std::get_if<Binding>(&body)) {
    return bind->devices.size();
  }
  return 0;
}

// SameBody compares every field; with |lists| false the device lists and z are skipped (the
// parts that an entry parsed without its attachment does not have).
bool SameBody(const RecordBody& a, const RecordBody& b, bool lists = true) {
  if (a.index() != b.index()) {
    return false;
  }
  if (auto* x = std::get_if<OrgAdmission>(&a)) {
    auto& y = std::get<OrgAdmission>(b);
    return x->org_id == y.org_id && x->name == y.name && x->roles == y.roles && x->key == y.key;
  }
  if (auto* x = std::get_if<DeviceBirthBatch>(&a)) {
    auto& y = std::get<DeviceBirthBatch>(b);
    if (!lists) {
      return true;
    }
    if (x->devices.size() != y.devices.size()) {
      return false;
    }
    for (size_t i = 0; i < x->devices.size(); ++i) {
      if (x->devices[i].device_id != y.devices[i].device_id ||
          x->devices[i].attestation_key != y.devices[i].attestation_key ||
          x->devices[i].model != y.devices[i].model) {
        return false;
      }
    }
    return true;
  }
  if (auto* x = std::get_if<OwnershipTransfer>(&a)) {
    auto& y = std::get<OwnershipTransfer>(b);
    return (!lists || x->devices == y.devices) && x->new_owner == y.new_owner;
  }
  if (auto* x = std::get_if<Binding>(&a)) {
    auto& y = std::get<Binding>(b);
    return (!lists || x->devices == y.devices) && x->mno == y.mno && x->sps == y.sps;
  }
  if (auto* x = std::get_if<KmsParams>(&a)) {
    auto& y = std::get<KmsParams>(b);
    return x->period == y.period && x->kpak == y.kpak && (!lists || x->z == y.z) &&
           x->onboarding_key == y.onboarding_key;
  }
  auto& x = std::get<Revocation>(a);
  auto& y = std::get<Revocation>(b);
  return x.kind == y.kind && x.target == y.target;
}

// Bundle signs |r| as acme and returns the bundle (entry || attachment).
Bytes Bundle(const Record& r) {
  auto b = SignRecord(r, SignerFor("acme"));
  EXPECT_TRUE(b.has_value()) << b.error().ToString();
  return b.value_or(Bytes{});
}

// Split returns the entry and the attachment of |bundle|.
std::pair<Bytes, Bytes> Split(const Bytes& bundle) {
  auto n = EntrySize(bundle);
  EXPECT_TRUE(n.has_value()) << n.error().ToString();
  const size_t size = n.value_or(0);
  return {Bytes(bundle.begin(), bundle.begin() + size), Bytes(bundle.begin() + size, bundle.end())};
}

// Cat returns |a| followed by |b|.
Bytes Cat(Bytes a, ByteSpan b) {
  Append(a, b);
  return a;
}

// ExpectRefused expects kInvalidArgument with a message containing |needle|; ExpectMalformed
// expects that of ParseRecord(bundle).
void ExpectRefused(const Result<SignedRecord>& r, std::string_view needle) {
  ASSERT_FALSE(r.has_value()) << "expected a refusal naming: " << needle;
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

void ExpectMalformed(const Bytes& bundle, std::string_view needle) {
  ExpectRefused(ParseRecord(bundle), needle);
}

TEST(RecordTest, EveryKindRoundTrips) {
  const OrgSigner signer = SignerFor("acme");
  for (const Record& r : OneOfEach()) {
    SCOPED_TRACE(std::string(RecordTypeName(r.type())));
    auto bundle = SignRecord(r, signer);
    ASSERT_TRUE(bundle.has_value()) << bundle.error().ToString();
    auto parsed = ParseRecord(*bundle);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    const auto [entry, attachment] = Split(*bundle);
    EXPECT_EQ(parsed->encoded(), entry);
    EXPECT_EQ(parsed->attachment(), attachment);
    EXPECT_EQ(parsed->Bundle(), *bundle);
    EXPECT_EQ(attachment.empty(), !HasAttachment(r.type()));
    EXPECT_TRUE(parsed->complete());
    EXPECT_EQ(parsed->batch().has_value(), IsBatch(r.type()));
    if (parsed->batch().has_value()) {
      EXPECT_EQ(parsed->batch()->count, DeviceCount(r.body));
    }
    EXPECT_EQ(parsed->signer(), "acme");
    EXPECT_EQ(parsed->origin(), kOrigin);
    EXPECT_EQ(parsed->record().seq, r.seq);
    EXPECT_EQ(parsed->record().type(), r.type());
    EXPECT_TRUE(SameBody(parsed->record().body, r.body));
    // The signature covers ToBeSigned and verifies under the signer's key.
    EXPECT_TRUE(OrgKeyFor("acme").PublicKey().Verify(parsed->ToBeSigned(), parsed->signature()));
    // Ed25519 is deterministic, so signing again gives the same octets.
    auto again = SignRecord(parsed->record(), signer);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *bundle);
    // The COSE library agrees that the entry is a valid COSE_Sign1 with kid = the org id.
    auto verified =
        cose::VerifySign1(entry, cose::Sign1Verifier::EdDsa(OrgKeyFor("acme").PublicKey()), {});
    ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
    auto kid = verified->headers.kid();
    ASSERT_TRUE(kid.has_value());
    EXPECT_EQ(ToBytes(*kid), ToBytes(AsBytes("acme")));
  }
}

TEST(RecordTest, OnlyBatchesAndKmsParamsHaveAnAttachment) {
  EXPECT_FALSE(HasAttachment(RecordType::kOrgAdmission));
  EXPECT_TRUE(HasAttachment(RecordType::kDeviceBirth));
  EXPECT_TRUE(HasAttachment(RecordType::kOwnershipTransfer));
  EXPECT_TRUE(HasAttachment(RecordType::kBinding));
  EXPECT_TRUE(HasAttachment(RecordType::kKmsParams));
  EXPECT_FALSE(HasAttachment(RecordType::kRevocation));
}

TEST(RecordTest, PayloadHasTheDocumentedShape) {
  Record r{7, OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  auto parsed = ParseRecord(Bundle(r));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  auto payload = cbor::Decode(parsed->payload());
  ASSERT_TRUE(payload.has_value());
  // Key 4 is [count, root]. With one device the root is its leaf hash (RFC 9162 §2.1.1):
  // SHA-256(0x00 || 0x70 || "urn:dev:acme:sn0"), 0x70 being the head of a 16-octet tstr.
  EXPECT_EQ(cbor::ToDiagnostic(*payload),
            R"({1: 3, 2: "ledger.example/test", 3: 7, 4: [1, )"
            R"(h'f3c8078453151230552bc52f97e8dab59836ba8ad5bbc830dbb1fea8ef21fbba'], 5: "bob"})");
  Bytes leaf = {0x00, 0x70};
  Append(leaf, AsBytes("urn:dev:acme:sn0"));
  EXPECT_EQ(HexEncode(crypto::Sha256(leaf)),
            "f3c8078453151230552bc52f97e8dab59836ba8ad5bbc830dbb1fea8ef21fbba");
  // The attachment is the device list itself.
  auto attachment = cbor::Decode(parsed->attachment());
  ASSERT_TRUE(attachment.has_value());
  EXPECT_EQ(cbor::ToDiagnostic(*attachment), R"(["urn:dev:acme:sn0"])");
  auto header = cbor::Decode(parsed->protected_header());
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(cbor::ToDiagnostic(*header), "{1: -8, 4: h'61636d65'}");
  EXPECT_EQ(parsed->encoded()[0], 0xd2);  // tag 18

  // KMS parameters sign SHA-256(z) (key 6) and the onboarding key (key 7); z is the attachment.
  Record k{6, KmsParams{{2025, 3}, Kpak(), Z(), OnboardKey()}};
  auto kms = ParseRecord(Bundle(k));
  ASSERT_TRUE(kms.has_value()) << kms.error().ToString();
  auto kms_payload = cbor::Decode(kms->payload());
  ASSERT_TRUE(kms_payload.has_value());
  EXPECT_EQ(cbor::ToDiagnostic(*kms_payload),
            R"({1: 5, 2: "ledger.example/test", 3: 6, 4: "2025-03", 5: h')" + HexEncode(Kpak()) +
                "', 6: h'" + HexEncode(crypto::Sha256(Z())) + "', 7: h'" + HexEncode(OnboardKey()) +
                "'}");
  // A 257-octet bstr: head 0x59 0x01 0x01, then z.
  EXPECT_EQ(kms->attachment(), Cat({0x59, 0x01, 0x01}, Z()));
}

TEST(RecordTest, EqualContentsWithDistinctSequenceNumbersAreDistinctRecords) {
  Record a{1, OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  Record b = a;
  b.seq = 2;
  auto ea = SignRecord(a, SignerFor("acme"));
  auto eb = SignRecord(b, SignerFor("acme"));
  ASSERT_TRUE(ea.has_value() && eb.has_value());
  EXPECT_NE(Split(*ea).first, Split(*eb).first);
  EXPECT_EQ(Split(*ea).second, Split(*eb).second);
}

// --- Malformed records --------------------------------------------------------------------

// SignRaw signs an arbitrary payload with the headers a record has (or |headers|), so that
// the parser's schema checks, not the signature, decide. It returns the entry alone.
Bytes SignRaw(const Value& payload, const std::string& kid = "acme",
              cose::Headers headers = cose::Headers(),
              cose::Tagging tagging = cose::Tagging::kTagged) {
  auto p = cbor::Encode(payload);
  EXPECT_TRUE(p.has_value());
  if (!kid.empty()) {
    headers.SetProtected(cose::kHeaderKid, Value::ByteString(AsBytes(kid)));
  }
  auto m = cose::Sign1(SignerFor("acme").signer(), *p, {}, headers, tagging);
  EXPECT_TRUE(m.has_value()) << m.error().ToString();
  return m.value_or(Bytes{});
}

// U and T make CBOR unsigned integers and text strings.
Value U(uint64_t v) { return Value::Uint(v); }
Value T(std::string_view s) { return Value::TextString(s); }

// IdItems returns |ids| as batch items of a transfer or binding (text strings).
std::vector<Value> IdItems(const std::vector<std::string>& ids) {
  std::vector<Value> out;
  for (const std::string& id : ids) {
    out.push_back(T(id));
  }
  return out;
}

// RootOf returns the RFC 9162 §2.1.1 Merkle tree hash whose leaves are the deterministic
// encodings of |items|, in order; Commit returns the payload value of a device list,
// [count, root] (doc/formats/ledger-records.md §4.8). Both are built here from the CBOR
// encoder and the tree, not from the record codec under test.
Hash RootOf(const std::vector<Value>& items) {
  MemoryTree tree;
  for (const Value& item : items) {
    auto encoded = cbor::Encode(item);
    EXPECT_TRUE(encoded.has_value());
    tree.AppendLeaf(encoded.value_or(Bytes{}));
  }
  return tree.Root();
}
Value Commit(const std::vector<Value>& items) {
  return Value::Array({U(items.size()), Value::ByteString(RootOf(items))});
}

// ListAttachment returns the attachment of a batch: the CBOR array of |items|.
Bytes ListAttachment(const std::vector<Value>& items) {
  auto encoded = cbor::Encode(Value::Array(items));
  EXPECT_TRUE(encoded.has_value());
  return encoded.value_or(Bytes{});
}

// WithList returns the bundle of |payload| (signed by SignRaw) followed by the list |items|.
Bytes WithList(const Value& payload, const std::vector<Value>& items) {
  return Cat(SignRaw(payload), ListAttachment(items));
}

// OneDevice returns the device list of the raw transfers.
std::vector<std::string> OneDevice() { return {"urn:dev:acme:sn0"}; }

// TransferPayload returns the payload map of a valid transfer of |ids| to bob, to be spoiled by
// a test; its bundle is WithList(payload, IdItems(ids)).
std::vector<MapEntry> TransferPayload(const std::vector<std::string>& ids = OneDevice()) {
  return {{U(1), U(3)},
          {U(2), T(kOrigin)},
          {U(3), U(1)},
          {U(4), Commit(IdItems(ids))},
          {U(5), T("bob")}};
}

// TransferBundle returns |payload| signed, followed by the one-device attachment.
Bytes TransferBundle(const Value& payload) { return WithList(payload, IdItems(OneDevice())); }

TEST(RecordTest, RawHelperMakesAValidRecord) {
  auto r = ParseRecord(TransferBundle(Value::Map(TransferPayload())));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  // The same record as SignRecord makes: the helpers compute the commitment independently.
  EXPECT_EQ(r->Bundle(), Bundle({1, OwnershipTransfer{OneDevice(), "bob"}}));
}

TEST(RecordTest, RefusesNonCborAndWrongEnvelopes) {
  ExpectMalformed({}, "COSE_Sign1");
  ExpectMalformed({0xd2}, "COSE_Sign1");
  ExpectMalformed(ToBytes(AsBytes("hello")), "COSE_Sign1");
  const Bytes entry = SignRaw(Value::Map(TransferPayload()));
  const Bytes good = TransferBundle(Value::Map(TransferPayload()));
  // Truncated entry: the bundle parser finds it from the heads, the entry parser from CBOR.
  const Bytes short_entry(entry.begin(), entry.end() - 1);
  ExpectMalformed(short_entry, "truncated");
  ExpectRefused(ParseRecordEntry(short_entry), "COSE_Sign1");
  ExpectRefused(ParseRecord(short_entry, ListAttachment(IdItems(OneDevice()))), "COSE_Sign1");
  // Truncated attachment, and a trailing byte after the attachment or the entry.
  ExpectMalformed(Bytes(good.begin(), good.end() - 1), "attachment");
  ExpectMalformed(Cat(good, Bytes{0}), "trailing");
  ExpectRefused(ParseRecordEntry(Cat(entry, Bytes{0})), "COSE_Sign1");
  // Untagged: one canonical form only.
  ExpectMalformed(SignRaw(Value::Map(TransferPayload()), "acme", {}, cose::Tagging::kUntagged),
                  "tag 18");
  ExpectRefused(ParseRecordEntry(
                    SignRaw(Value::Map(TransferPayload()), "acme", {}, cose::Tagging::kUntagged)),
                "tag 18");
  // Another tag (COSE_Mac0) around the same array.
  Bytes retagged = good;
  retagged[0] = 0xd1;
  ExpectMalformed(retagged, "tag 18");
}

TEST(RecordTest, RefusesWrongHeaders) {
  const Value payload = Value::Map(TransferPayload());
  const Bytes list = ListAttachment(IdItems(OneDevice()));
  // No kid.
  ExpectMalformed(Cat(SignRaw(payload, ""), list), "missing kid");
  // kid in the unprotected bucket.
  cose::Headers unprot;
  unprot.SetKid(AsBytes("acme"));
  ExpectMalformed(Cat(SignRaw(payload, "", unprot), list),
                  "unprotected header must be an empty map");
  // An extra protected parameter (content type).
  cose::Headers ct;
  ct.SetContentType(60);
  ExpectMalformed(Cat(SignRaw(payload, "acme", ct), list), "unknown key 3");
  // A kid that is not an organization id.
  ExpectMalformed(Cat(SignRaw(payload, "ACME"), list), "kid");
  // alg ES256 instead of EdDSA.
  auto ec = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(ec.has_value());
  cose::Headers kid;
  kid.SetProtected(cose::kHeaderKid, Value::ByteString(AsBytes("acme")));
  auto es = cose::Sign1(cose::Sign1Signer::Es256(*ec), *cbor::Encode(payload), {}, kid);
  ASSERT_TRUE(es.has_value());
  ExpectMalformed(Cat(*es, list), "alg must be EdDSA");
}

TEST(RecordTest, RefusesAShortSignature) {
  const Bytes good = SignRaw(Value::Map(TransferPayload()));
  // The signature is the last 64 octets after the head 0x58 0x40; rebuild it with 63.
  ASSERT_EQ(good[good.size() - 66], 0x58);
  ASSERT_EQ(good[good.size() - 65], 0x40);
  Bytes shorter(good.begin(), good.end() - 1);
  shorter[shorter.size() - 64] = 0x3f;
  ExpectMalformed(Cat(shorter, ListAttachment(IdItems(OneDevice()))), "signature");
  ExpectRefused(ParseRecordEntry(shorter), "signature");
}

TEST(RecordTest, RefusesUnknownMissingAndMistypedKeys) {
  auto with = [](uint64_t key, Value v) {
    std::vector<MapEntry> m = TransferPayload();
    bool replaced = false;
    for (MapEntry& e : m) {
      if (e.key == U(key)) {
        e.value = v;
        replaced = true;
      }
    }
    if (!replaced) {
      m.push_back({U(key), v});
    }
    return TransferBundle(Value::Map(std::move(m)));
  };
  auto without = [](uint64_t key) {
    std::vector<MapEntry> m;
    for (MapEntry& e : TransferPayload()) {
      if (!(e.key == U(key))) {
        m.push_back(e);
      }
    }
    return TransferBundle(Value::Map(std::move(m)));
  };
  ExpectMalformed(with(6, U(1)), "unknown key 6");
  ExpectMalformed(with(99, T("x")), "unknown key 99");
  {
    std::vector<MapEntry> m = TransferPayload();
    m.push_back({T("note"), T("x")});
    ExpectMalformed(TransferBundle(Value::Map(std::move(m))), "unknown key \"note\"");
  }
  ExpectMalformed(without(5), "missing new owner");
  ExpectMalformed(without(4), "missing devices");
  ExpectMalformed(without(3), "missing seq");
  ExpectMalformed(without(2), "missing origin");
  ExpectMalformed(without(1), "missing type");
  ExpectMalformed(with(3, T("1")), "seq");
  ExpectMalformed(with(3, Value::Int(-1)), "seq");
  ExpectMalformed(with(3, U(0)), "sequence number must be at least 1");
  ExpectMalformed(with(1, U(7)), "unknown record type 7");
  ExpectMalformed(with(1, U(0)), "unknown record type 0");
  ExpectMalformed(with(5, Value::ByteString(AsBytes("bob"))), "new owner");
  ExpectMalformed(with(5, T("Bob")), "organization id");
  ExpectMalformed(with(2, T("has space")), "origin");
  // Key 4 is the commitment [count, root], no longer the list itself.
  const Value root = Value::ByteString(RootOf(IdItems(OneDevice())));
  ExpectMalformed(with(4, T("urn:dev:acme:sn0")), "devices");
  ExpectMalformed(with(4, Value::Array()), "devices");
  ExpectMalformed(with(4, Value::Array({T("urn:dev:acme:sn0")})), "devices");
  ExpectMalformed(with(4, Value::Array({U(1), root, U(1)})), "devices");
  ExpectMalformed(with(4, Value::Array({root, U(1)})), "device count");
  ExpectMalformed(with(4, Value::Array({T("1"), root})), "device count");
  ExpectMalformed(with(4, Value::Array({U(0), root})), "devices, not 0");
  ExpectMalformed(with(4, Value::Array({U(1), Value::ByteString(Bytes(31, 1))})),
                  "devices root: must have 32 octets");
  ExpectMalformed(with(4, Value::Array({U(1), T("root")})), "devices root");
  ExpectMalformed(TransferBundle(Value::Array({U(1)})), "payload");
  ExpectMalformed(TransferBundle(U(3)), "payload");
}

TEST(RecordTest, RefusesBadDeviceLists) {
  // The list is checked in the attachment; the commitment is made to match it, so that the
  // list's own checks decide.
  auto transfer = [](const std::vector<std::string>& ids) {
    return WithList(Value::Map(TransferPayload(ids)), IdItems(ids));
  };
  ExpectMalformed(transfer({"urn:dev:acme:b", "urn:dev:acme:a"}), "ascending");
  ExpectMalformed(transfer({"urn:dev:acme:a", "urn:dev:acme:a"}), "ascending");
  ExpectMalformed(transfer({"urn:dev:acme"}), "device id");
  ExpectMalformed(transfer({"urn:device:acme:1"}), "device id");
  ExpectMalformed(transfer({"urn:dev:Acme:1"}), "device id");
  ExpectMalformed(transfer({"urn:dev:acme:1/2"}), "device id");
  ExpectMalformed(transfer({"urn:dev:acme:" + std::string(65, 'a')}), "device id");
  // Shapes of the attachment: not an array, an empty array, an item that is not a tstr.
  const Value payload = Value::Map(TransferPayload());
  ExpectMalformed(Cat(SignRaw(payload), *cbor::Encode(T("urn:dev:acme:sn0"))),
                  "devices: must be an array");
  ExpectMalformed(WithList(payload, {}), "devices: must have 1..");
  ExpectMalformed(WithList(payload, {Value::ByteString(AsBytes("urn:dev:acme:sn0"))}), "device id");
  ExpectMalformed(Cat(SignRaw(payload), Bytes{0xff}), "attachment");
}

TEST(RecordTest, RefusesTooManyDevices) {
  std::vector<std::string> ids;
  for (size_t i = 0; i <= kMaxBatchDevices; ++i) {
    ids.push_back("urn:dev:acme:" + std::to_string(1000000 + i));
  }
  Record r{1, OwnershipTransfer{ids, "bob"}};
  auto signed_record = SignRecord(r, SignerFor("acme"));
  ASSERT_FALSE(signed_record.has_value());
  EXPECT_EQ(signed_record.error().code(), ErrorCode::kInvalidArgument);
  // The parser refuses a commitment to too many devices, with or without the attachment.
  const std::vector<Value> items = IdItems(ids);
  const Bytes over = SignRaw(Value::Map(TransferPayload(ids)));
  const std::string bound = "1.." + std::to_string(kMaxBatchDevices) + " devices, not " +
                            std::to_string(kMaxBatchDevices + 1);
  ExpectMalformed(Cat(over, ListAttachment(items)), bound);
  ExpectRefused(ParseRecordEntry(over), bound);
  // An attachment of too many devices behind a commitment to the most allowed is refused
  // for its length, before any root is computed.
  std::vector<MapEntry> m = TransferPayload();
  m[3].value = Value::Array({U(kMaxBatchDevices), Value::ByteString(Hash{})});
  ExpectMalformed(WithList(Value::Map(std::move(m)), items),
                  "devices: must have 1.." + std::to_string(kMaxBatchDevices) + " items, has " +
                      std::to_string(kMaxBatchDevices + 1));
}

TEST(RecordTest, RefusesOversizedRecords) {
  Bytes big(kMaxRecordSize + 1, 0);
  ExpectMalformed(big, "larger than");
  ExpectRefused(ParseRecordEntry(big), "larger than");
  ExpectRefused(ParseRecord(Bytes(100, 0), Bytes(kMaxRecordSize - 99, 0)), "larger than");
}

// BirthBundle returns a birth of one device (an item [id, key, model]) and its attachment.
Bytes BirthBundle(Value device) {
  std::vector<Value> items = {std::move(device)};
  return WithList(
      Value::Map({{U(1), U(2)}, {U(2), T(kOrigin)}, {U(3), U(1)}, {U(4), Commit(items)}}), items);
}

TEST(RecordTest, RefusesBadBirths) {
  const AttestationKey key = AttestationKeyFor(0);
  const Value id = T("urn:dev:acme:sn0");
  const Value k = Value::ByteString(key);
  const Value model = T("m1");
  EXPECT_TRUE(ParseRecord(BirthBundle(Value::Array({id, k, model}))).has_value());
  // Wrong key lengths.
  ExpectMalformed(
      BirthBundle(Value::Array({id, Value::ByteString(ByteSpan(key).first(64)), model})),
      "attestation key: must have 65 octets");
  Bytes longer(key.begin(), key.end());
  longer.push_back(0);
  ExpectMalformed(BirthBundle(Value::Array({id, Value::ByteString(longer), model})),
                  "attestation key: must have 65 octets");
  // Not on the curve, compressed-style prefix.
  AttestationKey off = key;
  off[64] ^= 1;
  ExpectMalformed(BirthBundle(Value::Array({id, Value::ByteString(off), model})),
                  "not a point on P-256");
  AttestationKey hybrid = key;
  hybrid[0] = 0x06 | (key[64] & 1);
  ExpectMalformed(BirthBundle(Value::Array({id, Value::ByteString(hybrid), model})),
                  "uncompressed P-256 point");
  // Shape of a device entry.
  ExpectMalformed(BirthBundle(Value::Array({id, k})), "born device");
  ExpectMalformed(BirthBundle(Value::Map({{U(1), id}, {U(2), k}, {U(3), model}})), "born device");
  ExpectMalformed(BirthBundle(id), "born device");
  ExpectMalformed(BirthBundle(Value::Array({id, k, T("")})), "model");
  ExpectMalformed(BirthBundle(Value::Array({id, k, T(std::string(65, 'm'))})), "model");
  ExpectMalformed(BirthBundle(Value::Array({id, k, T("a\nb")})), "control");
  ExpectMalformed(BirthBundle(Value::Array({T("urn:dev:acme"), k, model})), "device id");
}

// KmsBundle returns a KMS-parameters bundle: the payload signs |digest| (key 6) and
// |onboarding| (key 7), and |attachment| follows.
Bytes KmsBundle(Value period, Value kpak, Value digest, Value onboarding, ByteSpan attachment) {
  return Cat(SignRaw(Value::Map({{U(1), U(5)},
                                 {U(2), T(kOrigin)},
                                 {U(3), U(1)},
                                 {U(4), std::move(period)},
                                 {U(5), std::move(kpak)},
                                 {U(6), std::move(digest)},
                                 {U(7), std::move(onboarding)}})),
             attachment);
}

// ZAttachment returns the attachment of KMS parameters: |z| as a CBOR byte string.
Bytes ZAttachment(ByteSpan z) { return *cbor::Encode(Value::ByteString(z)); }

TEST(RecordTest, RefusesBadAdmissionsAndKmsParams) {
  auto admission = [](Value roles, Value key) {
    return SignRaw(Value::Map({{U(1), U(1)},
                               {U(2), T(kOrigin)},
                               {U(3), U(1)},
                               {U(4), T("bob")},
                               {U(5), T("Bob")},
                               {U(6), std::move(roles)},
                               {U(7), std::move(key)}}));
  };
  const Value key = Value::ByteString(OrgKeyFor("bob").PublicKey().Bytes());
  EXPECT_TRUE(ParseRecord(admission(Value::Array({T("owner"), T("sp")}), key)).has_value());
  ExpectMalformed(admission(Value::Array({T("sp"), T("owner")}), key), "canonical order");
  ExpectMalformed(admission(Value::Array({T("sp"), T("sp")}), key), "canonical order");
  ExpectMalformed(admission(Value::Array({T("admin")}), key), "unknown role");
  ExpectMalformed(admission(Value::Array(), key), "roles");
  ExpectMalformed(admission(Value::Array({T("owner")}), Value::ByteString(Bytes(31, 1))),
                  "key: must have 32 octets");

  // kms(period, kpak, z) signs SHA-256(z) and attaches z.
  const Value onboarding = Value::ByteString(OnboardKey());
  auto kms = [&](Value period, Value kpak, ByteSpan z) {
    return KmsBundle(std::move(period), std::move(kpak), Value::ByteString(crypto::Sha256(z)),
                     onboarding, ZAttachment(z));
  };
  const Value kpak = Value::ByteString(Kpak());
  const ibc::SakkePoint z = Z();
  EXPECT_TRUE(ParseRecord(kms(T("2025-01"), kpak, z)).has_value());
  ExpectMalformed(kms(T("2025-13"), kpak, z), "period");
  ExpectMalformed(kms(T("2025-1"), kpak, z), "period");
  ExpectMalformed(kms(U(202501), kpak, z), "period");
  ExpectMalformed(kms(T("2025-01"), Value::ByteString(Bytes(64, 4)), z), "kpak: must have 65");
  ExpectMalformed(kms(T("2025-01"), kpak, Bytes(256, 4)), "z: must have 257");
  ExpectMalformed(kms(T("2025-01"), kpak, Bytes(258, 4)), "z: must have 257");
  Bytes bad_z(257, 0x05);
  ExpectMalformed(kms(T("2025-01"), kpak, bad_z), "SAKKE");
  // The signed parts: the digest and the onboarding key are 32-octet byte strings.
  const Value digest = Value::ByteString(crypto::Sha256(z));
  ExpectMalformed(
      KmsBundle(T("2025-01"), kpak, Value::ByteString(Bytes(31, 1)), onboarding, ZAttachment(z)),
      "z digest: must have 32 octets");
  ExpectMalformed(KmsBundle(T("2025-01"), kpak, Value::ByteString(z), onboarding, ZAttachment(z)),
                  "z digest: must have 32 octets");
  ExpectMalformed(
      KmsBundle(T("2025-01"), kpak, digest, Value::ByteString(Bytes(33, 1)), ZAttachment(z)),
      "onboarding key: must have 32 octets");
  ExpectMalformed(KmsBundle(T("2025-01"), kpak, digest, T("key"), ZAttachment(z)),
                  "onboarding key");
  // The attachment is a byte string, nothing else.
  ExpectMalformed(KmsBundle(T("2025-01"), kpak, digest, onboarding,
                            *cbor::Encode(Value::Array({Value::ByteString(z)}))),
                  "z: must be");
}

TEST(RecordTest, RefusesAZWhoseDigestDiffers) {
  const Value kpak = Value::ByteString(Kpak());
  const Value onboarding = Value::ByteString(OnboardKey());
  ibc::SakkePoint other = Z();
  other[100] ^= 1;
  ExpectMalformed(KmsBundle(T("2025-01"), kpak, Value::ByteString(crypto::Sha256(Z())), onboarding,
                            ZAttachment(other)),
                  "z does not match the digest the record signs");
  // The same with two records made by SignRecord: one's entry, the other's z.
  const auto [entry, z_att] = Split(Bundle({6, KmsParams{{2025, 3}, Kpak(), Z(), OnboardKey()}}));
  const auto [other_entry, other_att] =
      Split(Bundle({6, KmsParams{{2025, 3}, Kpak(), other, OnboardKey()}}));
  EXPECT_TRUE(ParseRecord(entry, z_att).has_value());
  ExpectRefused(ParseRecord(entry, other_att), "z does not match");
  ExpectMalformed(Cat(other_entry, z_att), "z does not match");
}

TEST(RecordTest, RefusesBadRevocationsAndBindings) {
  auto revocation = [](Value kind, Value target) {
    return SignRaw(Value::Map({{U(1), U(6)},
                               {U(2), T(kOrigin)},
                               {U(3), U(1)},
                               {U(4), std::move(kind)},
                               {U(5), std::move(target)}}));
  };
  EXPECT_TRUE(ParseRecord(revocation(U(1), T("urn:dev:acme:1"))).has_value());
  EXPECT_TRUE(ParseRecord(revocation(U(2), T("2025-01|tel:+15550100"))).has_value());
  EXPECT_TRUE(ParseRecord(revocation(U(3), T("bob"))).has_value());
  ExpectMalformed(revocation(U(4), T("bob")), "kind");
  ExpectMalformed(revocation(U(1), T("bob")), "device id");
  ExpectMalformed(revocation(U(2), T("urn:dev:acme:1")), "identity");
  ExpectMalformed(revocation(U(2), T("2025-01|")), "identity URI");
  ExpectMalformed(revocation(U(3), T("urn:dev:acme:1")), "organization id");

  auto binding = [](std::optional<Value> mno, Value sps) {
    const std::vector<Value> items = IdItems({"urn:dev:acme:1"});
    std::vector<MapEntry> m = {{U(1), U(4)},
                               {U(2), T(kOrigin)},
                               {U(3), U(1)},
                               {U(4), Commit(items)},
                               {U(6), std::move(sps)}};
    if (mno.has_value()) {
      m.push_back({U(5), *mno});
    }
    return WithList(Value::Map(std::move(m)), items);
  };
  EXPECT_TRUE(ParseRecord(binding(T("mno1"), Value::Array({T("sp1"), T("sp2")}))).has_value());
  EXPECT_TRUE(ParseRecord(binding(std::nullopt, Value::Array())).has_value());
  ExpectMalformed(binding(T("mno1"), Value::Array({T("sp2"), T("sp1")})), "ascending");
  ExpectMalformed(binding(Value::Null(), Value::Array()), "mno");
  std::vector<Value> many;
  for (int i = 0; i < 17; ++i) {
    many.push_back(T("sp" + std::to_string(10 + i)));
  }
  ExpectMalformed(binding(std::nullopt, Value::Array(std::move(many))), "sps");
}

// --- Attachments (doc/formats/ledger-records.md §4.8) --------------------------------------

TEST(RecordTest, RefusesAMissingAttachment) {
  int checked = 0;
  for (const Record& r : OneOfEach()) {
    if (!HasAttachment(r.type())) {
      continue;
    }
    SCOPED_TRACE(std::string(RecordTypeName(r.type())));
    const Bytes entry = Split(Bundle(r)).first;
    ExpectMalformed(entry, "the attachment is missing");
    ExpectRefused(ParseRecord(entry, {}), "the attachment is missing");
    ++checked;
  }
  EXPECT_EQ(checked, 5);  // a birth, a transfer, two bindings, KMS parameters
}

TEST(RecordTest, RefusesTheAttachmentOfAnotherRecord) {
  // Same count, other ids: only the root tells them apart.
  const Record a{3, OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"}};
  const Record b{3, OwnershipTransfer{{"urn:dev:acme:sn2", "urn:dev:acme:sn3"}, "bob"}};
  const auto [a_entry, a_list] = Split(Bundle(a));
  const auto [b_entry, b_list] = Split(Bundle(b));
  ExpectMalformed(Cat(a_entry, b_list), "does not match the root the record signs");
  ExpectRefused(ParseRecord(b_entry, a_list), "does not match the root the record signs");
  // Births with the same ids, one model changed.
  DeviceBirthBatch births = testing::Births("acme", "sn", 2);
  DeviceBirthBatch remodelled = births;
  remodelled.devices[1].model = "model-y";
  ExpectMalformed(Cat(Split(Bundle({2, births})).first, Split(Bundle({2, remodelled})).second),
                  "does not match the root");
  // A binding of sn0 with the list of a binding of sn1.
  ExpectMalformed(Cat(Split(Bundle({4, Binding{{"urn:dev:acme:sn0"}, "mno1", {}}})).first,
                      Split(Bundle({4, Binding{{"urn:dev:acme:sn1"}, "mno1", {}}})).second),
                  "does not match the root");
  // The same list in another order is no longer ascending.
  ExpectMalformed(Cat(a_entry, ListAttachment(IdItems({"urn:dev:acme:sn1", "urn:dev:acme:sn0"}))),
                  "ascending");
}

TEST(RecordTest, RefusesACountMismatch) {
  const Bytes two =
      Split(Bundle({3, OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"}})).first;
  const Bytes three_list =
      ListAttachment(IdItems({"urn:dev:acme:sn0", "urn:dev:acme:sn1", "urn:dev:acme:sn2"}));
  ExpectMalformed(Cat(two, three_list), "lists 3 device(s) but the record signs a count of 2");
  ExpectMalformed(Cat(two, ListAttachment(IdItems({"urn:dev:acme:sn0"}))),
                  "lists 1 device(s) but the record signs a count of 2");
  // A commitment whose count disagrees with its own root's list.
  std::vector<MapEntry> m = TransferPayload({"urn:dev:acme:sn0", "urn:dev:acme:sn1"});
  m[3].value = Value::Array(
      {U(3), Value::ByteString(RootOf(IdItems({"urn:dev:acme:sn0", "urn:dev:acme:sn1"})))});
  ExpectMalformed(
      WithList(Value::Map(std::move(m)), IdItems({"urn:dev:acme:sn0", "urn:dev:acme:sn1"})),
      "lists 2 device(s) but the record signs a count of 3");
}

TEST(RecordTest, RefusesTrailingOctets) {
  for (const Record& r : OneOfEach()) {
    SCOPED_TRACE(std::string(RecordTypeName(r.type())));
    const Bytes bundle = Bundle(r);
    const auto [entry, attachment] = Split(bundle);
    if (HasAttachment(r.type())) {
      // After the attachment, its decoder finds the octet.
      ExpectMalformed(Cat(bundle, Bytes{0}), "attachment");
      ExpectMalformed(Cat(bundle, Bytes{0}), "trailing");
      // The entry parser takes no attachment.
      ExpectRefused(ParseRecordEntry(bundle), "COSE_Sign1");
    } else {
      ExpectMalformed(Cat(bundle, Bytes{0}),
                      "trailing octets after a record without an attachment");
      ExpectRefused(ParseRecord(entry, Bytes{0xa0}), "trailing octets");
      // Not even another record's attachment.
      ExpectMalformed(Cat(bundle, ListAttachment(IdItems(OneDevice()))), "trailing octets");
    }
  }
}

TEST(RecordTest, ParseRecordEntryParsesTheSignedPartOnly) {
  for (const Record& r : OneOfEach()) {
    SCOPED_TRACE(std::string(RecordTypeName(r.type())));
    const Bytes bundle = Bundle(r);
    auto full = ParseRecord(bundle);
    ASSERT_TRUE(full.has_value()) << full.error().ToString();
    auto entry = ParseRecordEntry(full->encoded());
    ASSERT_TRUE(entry.has_value()) << entry.error().ToString();
    EXPECT_EQ(entry->encoded(), full->encoded());
    EXPECT_TRUE(entry->attachment().empty());
    EXPECT_EQ(entry->Bundle(), full->encoded());
    EXPECT_EQ(entry->complete(), !HasAttachment(r.type()));
    EXPECT_EQ(entry->signer(), "acme");
    EXPECT_EQ(entry->origin(), kOrigin);
    EXPECT_EQ(entry->record().seq, r.seq);
    EXPECT_EQ(entry->record().type(), r.type());
    EXPECT_EQ(ToBytes(entry->payload()), ToBytes(full->payload()));
    EXPECT_EQ(entry->ToBeSigned(), full->ToBeSigned());
    EXPECT_TRUE(entry->VerifyWith(OrgKeyFor("acme").PublicKey().Bytes()).has_value());
    // Everything but the lists and z is there; the lists are empty.
    EXPECT_TRUE(SameBody(entry->record().body, r.body, false));
    EXPECT_EQ(DeviceCount(entry->record().body), 0u);
    if (!HasAttachment(r.type())) {
      EXPECT_TRUE(SameBody(entry->record().body, r.body));
    }
    // batch() says what the signature covers: the count and the root of the full list.
    ASSERT_EQ(entry->batch().has_value(), IsBatch(r.type()));
    if (IsBatch(r.type())) {
      EXPECT_EQ(entry->batch()->count, DeviceCount(r.body));
      EXPECT_EQ(entry->batch()->root, full->batch()->root);
      auto tree = BatchTree(r);
      ASSERT_TRUE(tree.has_value());
      EXPECT_EQ(entry->batch()->root, tree->Root());
    }
  }
}

TEST(RecordTest, SplitFormEqualsTheBundle) {
  for (const Record& r : OneOfEach()) {
    SCOPED_TRACE(std::string(RecordTypeName(r.type())));
    const Bytes bundle = Bundle(r);
    const auto [entry, attachment] = Split(bundle);
    auto whole = ParseRecord(bundle);
    auto split = ParseRecord(entry, attachment);
    ASSERT_TRUE(whole.has_value()) << whole.error().ToString();
    ASSERT_TRUE(split.has_value()) << split.error().ToString();
    EXPECT_EQ(split->encoded(), whole->encoded());
    EXPECT_EQ(split->attachment(), whole->attachment());
    EXPECT_EQ(split->Bundle(), bundle);
    EXPECT_EQ(split->complete(), whole->complete());
    EXPECT_EQ(split->signer(), whole->signer());
    EXPECT_EQ(split->origin(), whole->origin());
    EXPECT_EQ(split->record().seq, whole->record().seq);
    EXPECT_TRUE(SameBody(split->record().body, whole->record().body));
    ASSERT_EQ(split->batch().has_value(), whole->batch().has_value());
    if (split->batch().has_value()) {
      EXPECT_EQ(split->batch()->count, whole->batch()->count);
      EXPECT_EQ(split->batch()->root, whole->batch()->root);
    }
    // A split at any other point is refused.
    ExpectRefused(
        ParseRecord(Bytes(entry.begin(), entry.end() - 1), Cat(Bytes{entry.back()}, attachment)),
        "COSE_Sign1");
  }
}

TEST(RecordTest, AttachmentItemsSplitTheListIntoItsItems) {
  for (const Record& r :
       {Record{2, testing::Births("acme", "sn", 5)},
        Record{3, OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"}}}) {
    const Bytes attachment = Split(Bundle(r)).second;
    auto items = AttachmentItems(attachment);
    ASSERT_TRUE(items.has_value()) << items.error().ToString();
    auto parsed = ParseRecord(Bundle(r));
    ASSERT_TRUE(parsed.has_value());
    ASSERT_EQ(items->size(), parsed->batch()->count);
    for (size_t i = 0; i < items->size(); ++i) {
      EXPECT_EQ(ToBytes((*items)[i]), BatchItem(parsed->record(), i)) << i;
      auto id = ItemDeviceId((*items)[i]);
      ASSERT_TRUE(id.has_value());
      EXPECT_EQ(*id, "urn:dev:acme:sn" + std::to_string(i));
    }
    // Cut short, with a trailing octet, or not an array: refused.
    EXPECT_FALSE(AttachmentItems(ByteSpan(attachment).first(attachment.size() - 1)).has_value());
    Bytes longer = attachment;
    longer.push_back(0x00);
    EXPECT_FALSE(AttachmentItems(longer).has_value());
    Bytes indefinite = attachment;
    indefinite[0] = 0x9f;  // an indefinite-length array (RFC 8949 §3.2.2)
    EXPECT_FALSE(AttachmentItems(indefinite).has_value());
  }
  EXPECT_FALSE(AttachmentItems(Bytes{0x80}).has_value());  // no item
  EXPECT_FALSE(AttachmentItems(Bytes{0x60}).has_value());  // a text string
  EXPECT_FALSE(AttachmentItems(Bytes{}).has_value());
}

TEST(RecordTest, BatchTreeProvesEachDevice) {
  // 13 devices: a tree that is not complete, so that proofs have different lengths.
  const Record r{2, testing::Births("acme", "sn", 13)};
  auto full = ParseRecord(Bundle(r));
  ASSERT_TRUE(full.has_value()) << full.error().ToString();
  auto entry = ParseRecordEntry(full->encoded());
  ASSERT_TRUE(entry.has_value() && entry->batch().has_value());
  const BatchCommitment commitment = *entry->batch();
  ASSERT_EQ(commitment.count, 13u);
  auto tree = BatchTree(full->record());
  ASSERT_TRUE(tree.has_value()) << tree.error().ToString();
  EXPECT_EQ(tree->size(), 13u);
  EXPECT_EQ(tree->Root(), full->batch()->root);
  const auto& devices = std::get<DeviceBirthBatch>(full->record().body).devices;
  for (size_t i = 0; i < devices.size(); ++i) {
    SCOPED_TRACE(i);
    const Bytes item = BatchItem(full->record(), i);
    // The item is the device, in its one encoding.
    auto device = ParseBirthItem(item);
    ASSERT_TRUE(device.has_value()) << device.error().ToString();
    EXPECT_EQ(device->device_id, devices[i].device_id);
    EXPECT_EQ(device->attestation_key, devices[i].attestation_key);
    EXPECT_EQ(device->model, devices[i].model);
    auto proof = InclusionProof(*tree, i, commitment.count);
    ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
    // A device that holds the entry alone checks its membership against the signed root.
    EXPECT_TRUE(
        VerifyInclusion(LeafHash(item), i, commitment.count, *proof, commitment.root).has_value());
    // Another device's item, or another index, does not verify.
    const Bytes other = BatchItem(full->record(), (i + 1) % devices.size());
    auto wrong_item =
        VerifyInclusion(LeafHash(other), i, commitment.count, *proof, commitment.root);
    ASSERT_FALSE(wrong_item.has_value());
    EXPECT_EQ(wrong_item.error().code(), ErrorCode::kUnauthenticated);
    auto wrong_index = VerifyInclusion(LeafHash(item), (i + 1) % devices.size(), commitment.count,
                                       *proof, commitment.root);
    EXPECT_FALSE(wrong_index.has_value());
  }
  // Transfers and bindings have device-id items; other records have no batch.
  const Record t{3, OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"}};
  auto id = ParseDeviceItem(BatchItem(t, 1));
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_EQ(*id, "urn:dev:acme:sn1");
  EXPECT_EQ(BatchTree(t)->Root(), RootOf(IdItems({"urn:dev:acme:sn0", "urn:dev:acme:sn1"})));
  EXPECT_EQ(BatchTree({9, Revocation{RevocationTarget::kOrg, "acme"}}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BatchTree({6, KmsParams{{2025, 3}, Kpak(), Z(), OnboardKey()}}).error().code(),
            ErrorCode::kInvalidArgument);
  // The item parsers are strict: one kind each, no trailing octets.
  EXPECT_EQ(ParseBirthItem(BatchItem(t, 0)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseDeviceItem(BatchItem(r, 0)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseDeviceItem(Cat(BatchItem(t, 0), Bytes{0})).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseDeviceItem(*cbor::Encode(T("urn:dev:Acme:1"))).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(RecordTest, SignRecordRefusesWhatTheParserWouldRefuse) {
  const OrgSigner s = SignerFor("acme");
  auto code = [&](Record r) {
    auto e = SignRecord(r, s);
    return e.has_value() ? std::optional<ErrorCode>() : e.error().code();
  };
  EXPECT_EQ(code({0, OwnershipTransfer{{"urn:dev:acme:1"}, "bob"}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({1, OwnershipTransfer{{"urn:dev:acme:2", "urn:dev:acme:1"}, "bob"}}),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({1, OwnershipTransfer{{}, "bob"}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({1, OrgAdmission{"bob", "Bob", RoleSet{}, {}}}), ErrorCode::kInvalidArgument);
  DeviceBirthBatch bad_key = testing::Births("acme", "x", 1);
  bad_key.devices[0].attestation_key[10] ^= 1;
  EXPECT_EQ(code({1, bad_key}), ErrorCode::kInvalidArgument);
  ibc::SakkePoint bad_z = Z();
  bad_z[0] = 0x05;
  EXPECT_EQ(code({1, KmsParams{{2025, 3}, Kpak(), bad_z, OnboardKey()}}),
            ErrorCode::kInvalidArgument);
  // SortBatch repairs the order.
  Record unsorted{1, OwnershipTransfer{{"urn:dev:acme:2", "urn:dev:acme:1"}, "bob"}};
  SortBatch(unsorted);
  EXPECT_FALSE(code(unsorted).has_value());
}

TEST(RecordTest, ParsesABatchOfTwentyThousandDevices) {
  DeviceBirthBatch b = testing::Births("acme", "serial-", 20000);
  auto bundle = SignRecord({1, b}, SignerFor("acme"));
  ASSERT_TRUE(bundle.has_value());
  auto parsed = ParseRecord(*bundle);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(std::get<DeviceBirthBatch>(parsed->record().body).devices.size(), 20000u);
  // The signed entry stays small: the list is in the attachment.
  EXPECT_LT(parsed->encoded().size(), 256u);
  EXPECT_EQ(parsed->batch()->count, 20000u);
}

// --- Syntax helpers -----------------------------------------------------------------------

TEST(RecordSyntaxTest, OrgIds) {
  EXPECT_TRUE(CheckOrgId("acme"));
  EXPECT_TRUE(CheckOrgId("0x.example-1"));
  EXPECT_TRUE(CheckOrgId(std::string(64, 'a')));
  for (std::string_view bad : {"", "-acme", ".acme", "Acme", "ac me", "ac:me", "ac_me"}) {
    auto s = CheckOrgId(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(CheckOrgId(std::string(65, 'a')));
}

TEST(RecordSyntaxTest, DeviceIds) {
  auto p = ParseDeviceId("urn:dev:acme:SN-01.a_b");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->manufacturer, "acme");
  EXPECT_EQ(p->serial, "SN-01.a_b");
  auto made = MakeDeviceId("acme", "42");
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ(*made, "urn:dev:acme:42");
  for (std::string_view bad : {"urn:dev:acme:", "urn:dev::1", "urn:dev:acme", "URN:dev:acme:1",
                               "urn:dev:acme:1:2", "urn:dev:acme:1 2", "urn:dev:acme:é"}) {
    auto r = ParseDeviceId(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(MakeDeviceId("ACME", "1").has_value());
}

TEST(RecordSyntaxTest, IdentitiesAndPeriods) {
  EXPECT_TRUE(CheckIdentity("2025-01|urn:dev:acme:1"));
  EXPECT_TRUE(CheckIdentity("9999-12|tel:+15550100"));
  for (std::string_view bad : {"2025-00|x", "2025-13|x", "0000-01|x", "2025-1|x", "2025-01",
                               "2025-01|", "2025-01|a|b", "2025-01|a b"}) {
    auto s = CheckIdentity(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  auto p = ParseKeyPeriodText("2025-03");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->year, 2025);
  EXPECT_EQ(p->month, 3);
  EXPECT_EQ(FormatKeyPeriod({7, 11}), "0007-11");
}

TEST(RecordSyntaxTest, Roles) {
  for (int i = 0; i < kRoleCount; ++i) {
    const auto role = static_cast<Role>(i);
    auto parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(ParseRole("admin").error().code(), ErrorCode::kInvalidArgument);
  RoleSet s{Role::kSp, Role::kManufacturer};
  EXPECT_TRUE(s.Has(Role::kSp));
  EXPECT_FALSE(s.Has(Role::kOwner));
  EXPECT_EQ(s.ToString(), "manufacturer,sp");
  EXPECT_EQ(RoleSet::FromBits(0xff).Roles().size(), 6u);
}

TEST(RecordSyntaxTest, OrgSignerChecksItsNames) {
  EXPECT_EQ(OrgSigner::Create("a b", "acme", OrgKeyFor("acme")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(OrgSigner::Create(kOrigin, "a+b", OrgKeyFor("acme")).error().code(),
            ErrorCode::kInvalidArgument);
  auto s = OrgSigner::Create(kOrigin, "acme", OrgKeyFor("acme"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->public_key(), OrgKeyFor("acme").PublicKey().Bytes());
}

}  // namespace
}  // namespace iotsec::ledger
