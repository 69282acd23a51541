// Copyright iotsec authors.
// Ledger records: every kind round-trips; the parser refuses every malformed form with
// kInvalidArgument; the syntax helpers.
#include "iotsec/ledger/record.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "iotsec/cose/cbor.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/sign1.h"
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

ibc::EccsiPoint Kpak() {
  const AttestationKey k = AttestationKeyFor(1000);
  ibc::EccsiPoint out;
  std::copy(k.begin(), k.end(), out.begin());
  return out;
}

ibc::SakkePoint Z() {
  ibc::SakkePoint z{};
  z[0] = 0x04;
  for (size_t i = 1; i < z.size(); ++i) {
    z[i] = static_cast<uint8_t>(i * 7);
  }
  return z;
}

std::vector<Record> OneOfEach() {
  std::vector<Record> out;
  out.push_back({1, OrgAdmission{"acme", "ACME Devices, Inc.", RoleSet{Role::kManufacturer},
                                 OrgKeyFor("acme").PublicKey().Bytes()}});
  out.push_back({2, testing::Births("acme", "sn", 3)});
  out.push_back({3, OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"}});
  out.push_back({4, Binding{{"urn:dev:acme:sn0"}, "mno1", {"sp1", "sp2"}}});
  out.push_back({5, Binding{{"urn:dev:acme:sn1"}, std::nullopt, {}}});
  out.push_back({6, KmsParams{{2025, 3}, Kpak(), Z()}});
  out.push_back({7, Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn2"}});
  out.push_back({8, Revocation{RevocationTarget::kIdentity, "2025-03|urn:dev:acme:sn0"}});
  out.push_back({9, Revocation{RevocationTarget::kOrg, "acme"}});
  return out;
}

bool SameBody(const RecordBody& a, const RecordBody& b) {
  if (a.index() != b.index()) {
    return false;
  }
  if (auto* x = std::get_if<OrgAdmission>(&a)) {
    auto& y = std::get<OrgAdmission>(b);
    return x->org_id == y.org_id && x->name == y.name && x->roles == y.roles && x->key == y.key;
  }
  if (auto* x = std::get_if<DeviceBirthBatch>(&a)) {
    auto& y = std::get<DeviceBirthBatch>(b);
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
    return x->devices == y.devices && x->new_owner == y.new_owner;
  }
  if (auto* x = std::get_if<Binding>(&a)) {
    auto& y = std::get<Binding>(b);
    return x->devices == y.devices && x->mno == y.mno && x->sps == y.sps;
  }
  if (auto* x = std::get_if<KmsParams>(&a)) {
    auto& y = std::get<KmsParams>(b);
    return x->period == y.period && x->kpak == y.kpak && x->z == y.z;
  }
  auto& x = std::get<Revocation>(a);
  auto& y = std::get<Revocation>(b);
  return x.kind == y.kind && x.target == y.target;
}

TEST(RecordTest, EveryKindRoundTrips) {
  const OrgSigner signer = SignerFor("acme");
  for (const Record& r : OneOfEach()) {
    SCOPED_TRACE(std::string(RecordTypeName(r.type())));
    auto encoded = SignRecord(r, signer);
    ASSERT_TRUE(encoded.has_value()) << encoded.error().ToString();
    auto parsed = ParseRecord(*encoded);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    EXPECT_EQ(parsed->encoded(), *encoded);
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
    EXPECT_EQ(*again, *encoded);
    // The COSE library agrees that it is a valid COSE_Sign1 with kid = the org id.
    auto verified =
        cose::VerifySign1(*encoded, cose::Sign1Verifier::EdDsa(OrgKeyFor("acme").PublicKey()), {});
    ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
    auto kid = verified->headers.kid();
    ASSERT_TRUE(kid.has_value());
    EXPECT_EQ(ToBytes(*kid), ToBytes(AsBytes("acme")));
  }
}

TEST(RecordTest, PayloadHasTheDocumentedShape) {
  Record r{7, OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  auto encoded = SignRecord(r, SignerFor("acme"));
  ASSERT_TRUE(encoded.has_value());
  auto parsed = ParseRecord(*encoded);
  ASSERT_TRUE(parsed.has_value());
  auto payload = cbor::Decode(parsed->payload());
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(cbor::ToDiagnostic(*payload),
            R"({1: 3, 2: "ledger.example/test", 3: 7, 4: ["urn:dev:acme:sn0"], 5: "bob"})");
  auto header = cbor::Decode(parsed->protected_header());
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(cbor::ToDiagnostic(*header), "{1: -8, 4: h'61636d65'}");
  EXPECT_EQ((*encoded)[0], 0xd2);  // tag 18
}

TEST(RecordTest, EqualContentsWithDistinctSequenceNumbersAreDistinctRecords) {
  Record a{1, OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  Record b = a;
  b.seq = 2;
  auto ea = SignRecord(a, SignerFor("acme"));
  auto eb = SignRecord(b, SignerFor("acme"));
  ASSERT_TRUE(ea.has_value() && eb.has_value());
  EXPECT_NE(*ea, *eb);
}

// --- Malformed records --------------------------------------------------------------------

// SignRaw signs an arbitrary payload with the headers a record has (or |headers|), so that
// the parser's schema checks, not the signature, decide.
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

Value U(uint64_t v) { return Value::Uint(v); }
Value T(std::string_view s) { return Value::TextString(s); }

// TransferPayload returns the payload map of a valid transfer, to be spoiled by a test.
std::vector<MapEntry> TransferPayload() {
  return {{U(1), U(3)},
          {U(2), T(kOrigin)},
          {U(3), U(1)},
          {U(4), Value::Array({T("urn:dev:acme:sn0")})},
          {U(5), T("bob")}};
}

void ExpectMalformed(const Bytes& encoded, std::string_view needle) {
  auto r = ParseRecord(encoded);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

TEST(RecordTest, RawHelperMakesAValidRecord) {
  auto r = ParseRecord(SignRaw(Value::Map(TransferPayload())));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
}

TEST(RecordTest, RefusesNonCborAndWrongEnvelopes) {
  ExpectMalformed({}, "COSE_Sign1");
  ExpectMalformed({0xd2}, "COSE_Sign1");
  ExpectMalformed(ToBytes(AsBytes("hello")), "COSE_Sign1");
  const Bytes good = SignRaw(Value::Map(TransferPayload()));
  // Truncated and with a trailing byte.
  ExpectMalformed(Bytes(good.begin(), good.end() - 1), "COSE_Sign1");
  Bytes trailing = good;
  trailing.push_back(0);
  ExpectMalformed(trailing, "COSE_Sign1");
  // Untagged: one canonical form only.
  ExpectMalformed(SignRaw(Value::Map(TransferPayload()), "acme", {}, cose::Tagging::kUntagged),
                  "tag 18");
  // Another tag (COSE_Mac0) around the same array.
  Bytes retagged = good;
  retagged[0] = 0xd1;
  ExpectMalformed(retagged, "tag 18");
}

TEST(RecordTest, RefusesWrongHeaders) {
  const Value payload = Value::Map(TransferPayload());
  // No kid.
  ExpectMalformed(SignRaw(payload, ""), "missing kid");
  // kid in the unprotected bucket.
  cose::Headers unprot;
  unprot.SetKid(AsBytes("acme"));
  ExpectMalformed(SignRaw(payload, "", unprot), "unprotected header must be an empty map");
  // An extra protected parameter (content type).
  cose::Headers ct;
  ct.SetContentType(60);
  ExpectMalformed(SignRaw(payload, "acme", ct), "unknown key 3");
  // A kid that is not an organization id.
  ExpectMalformed(SignRaw(payload, "ACME"), "kid");
  // alg ES256 instead of EdDSA.
  auto ec = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(ec.has_value());
  cose::Headers kid;
  kid.SetProtected(cose::kHeaderKid, Value::ByteString(AsBytes("acme")));
  auto es = cose::Sign1(cose::Sign1Signer::Es256(*ec), *cbor::Encode(payload), {}, kid);
  ASSERT_TRUE(es.has_value());
  ExpectMalformed(*es, "alg must be EdDSA");
}

TEST(RecordTest, RefusesAShortSignature) {
  Bytes good = SignRaw(Value::Map(TransferPayload()));
  // The signature is the last 64 octets after the head 0x58 0x40; rebuild it with 63.
  ASSERT_EQ(good[good.size() - 66], 0x58);
  ASSERT_EQ(good[good.size() - 65], 0x40);
  Bytes shorter(good.begin(), good.end() - 1);
  shorter[shorter.size() - 64] = 0x3f;
  ExpectMalformed(shorter, "signature");
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
    return Value::Map(std::move(m));
  };
  auto without = [](uint64_t key) {
    std::vector<MapEntry> m;
    for (MapEntry& e : TransferPayload()) {
      if (!(e.key == U(key))) {
        m.push_back(e);
      }
    }
    return Value::Map(std::move(m));
  };
  ExpectMalformed(SignRaw(with(6, U(1))), "unknown key 6");
  ExpectMalformed(SignRaw(with(99, T("x"))), "unknown key 99");
  {
    std::vector<MapEntry> m = TransferPayload();
    m.push_back({T("note"), T("x")});
    ExpectMalformed(SignRaw(Value::Map(std::move(m))), "unknown key \"note\"");
  }
  ExpectMalformed(SignRaw(without(5)), "missing new owner");
  ExpectMalformed(SignRaw(without(3)), "missing seq");
  ExpectMalformed(SignRaw(without(2)), "missing origin");
  ExpectMalformed(SignRaw(without(1)), "missing type");
  ExpectMalformed(SignRaw(with(3, T("1"))), "seq");
  ExpectMalformed(SignRaw(with(3, Value::Int(-1))), "seq");
  ExpectMalformed(SignRaw(with(3, U(0))), "sequence number must be at least 1");
  ExpectMalformed(SignRaw(with(1, U(7))), "unknown record type 7");
  ExpectMalformed(SignRaw(with(1, U(0))), "unknown record type 0");
  ExpectMalformed(SignRaw(with(5, Value::ByteString(AsBytes("bob")))), "new owner");
  ExpectMalformed(SignRaw(with(5, T("Bob"))), "organization id");
  ExpectMalformed(SignRaw(with(2, T("has space"))), "origin");
  ExpectMalformed(SignRaw(with(4, T("urn:dev:acme:sn0"))), "devices");
  ExpectMalformed(SignRaw(with(4, Value::Array())), "devices");
  ExpectMalformed(SignRaw(Value::Array({U(1)})), "payload");
  ExpectMalformed(SignRaw(U(3)), "payload");
}

TEST(RecordTest, RefusesBadDeviceLists) {
  auto transfer = [](std::vector<std::string> ids) {
    std::vector<MapEntry> m = TransferPayload();
    std::vector<Value> v;
    for (auto& id : ids) {
      v.push_back(T(id));
    }
    m[3].value = Value::Array(std::move(v));
    return SignRaw(Value::Map(std::move(m)));
  };
  ExpectMalformed(transfer({"urn:dev:acme:b", "urn:dev:acme:a"}), "ascending");
  ExpectMalformed(transfer({"urn:dev:acme:a", "urn:dev:acme:a"}), "ascending");
  ExpectMalformed(transfer({"urn:dev:acme"}), "device id");
  ExpectMalformed(transfer({"urn:device:acme:1"}), "device id");
  ExpectMalformed(transfer({"urn:dev:Acme:1"}), "device id");
  ExpectMalformed(transfer({"urn:dev:acme:1/2"}), "device id");
  ExpectMalformed(transfer({"urn:dev:acme:" + std::string(65, 'a')}), "device id");
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
  // The parser refuses it too.
  std::vector<MapEntry> m = TransferPayload();
  std::vector<Value> v;
  for (auto& id : ids) {
    v.push_back(T(id));
  }
  m[3].value = Value::Array(std::move(v));
  ExpectMalformed(SignRaw(Value::Map(std::move(m))), "devices");
}

TEST(RecordTest, RefusesOversizedRecords) {
  Bytes big(kMaxRecordSize + 1, 0);
  ExpectMalformed(big, "larger than");
}

// BirthPayload returns a birth payload with one device [id, key, model].
Value BirthPayload(Value device) {
  return Value::Map(
      {{U(1), U(2)}, {U(2), T(kOrigin)}, {U(3), U(1)}, {U(4), Value::Array({std::move(device)})}});
}

TEST(RecordTest, RefusesBadBirths) {
  const AttestationKey key = AttestationKeyFor(0);
  const Value id = T("urn:dev:acme:sn0");
  const Value k = Value::ByteString(key);
  const Value model = T("m1");
  EXPECT_TRUE(ParseRecord(SignRaw(BirthPayload(Value::Array({id, k, model})))).has_value());
  // Wrong key lengths.
  ExpectMalformed(
      SignRaw(BirthPayload(Value::Array({id, Value::ByteString(ByteSpan(key).first(64)), model}))),
      "attestation key: must have 65 octets");
  Bytes longer(key.begin(), key.end());
  longer.push_back(0);
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, Value::ByteString(longer), model}))),
                  "attestation key: must have 65 octets");
  // Not on the curve, compressed-style prefix.
  AttestationKey off = key;
  off[64] ^= 1;
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, Value::ByteString(off), model}))),
                  "not a point on P-256");
  AttestationKey hybrid = key;
  hybrid[0] = 0x06 | (key[64] & 1);
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, Value::ByteString(hybrid), model}))),
                  "uncompressed P-256 point");
  // Shape of a device entry.
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, k}))), "born device");
  ExpectMalformed(SignRaw(BirthPayload(Value::Map({{U(1), id}, {U(2), k}, {U(3), model}}))),
                  "born device");
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, k, T("")}))), "model");
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, k, T(std::string(65, 'm'))}))), "model");
  ExpectMalformed(SignRaw(BirthPayload(Value::Array({id, k, T("a\nb")}))), "control");
}

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

  auto kms = [](Value period, Value kpak, Value z) {
    return SignRaw(Value::Map({{U(1), U(5)},
                               {U(2), T(kOrigin)},
                               {U(3), U(1)},
                               {U(4), std::move(period)},
                               {U(5), std::move(kpak)},
                               {U(6), std::move(z)}}));
  };
  const Value kpak = Value::ByteString(Kpak());
  const Value z = Value::ByteString(Z());
  EXPECT_TRUE(ParseRecord(kms(T("2025-01"), kpak, z)).has_value());
  ExpectMalformed(kms(T("2025-13"), kpak, z), "period");
  ExpectMalformed(kms(T("2025-1"), kpak, z), "period");
  ExpectMalformed(kms(U(202501), kpak, z), "period");
  ExpectMalformed(kms(T("2025-01"), Value::ByteString(Bytes(64, 4)), z), "kpak: must have 65");
  ExpectMalformed(kms(T("2025-01"), kpak, Value::ByteString(Bytes(256, 4))), "z: must have 257");
  Bytes bad_z(257, 0x05);
  ExpectMalformed(kms(T("2025-01"), kpak, Value::ByteString(bad_z)), "SAKKE");
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
    std::vector<MapEntry> m = {{U(1), U(4)},
                               {U(2), T(kOrigin)},
                               {U(3), U(1)},
                               {U(4), Value::Array({T("urn:dev:acme:1")})},
                               {U(6), std::move(sps)}};
    if (mno.has_value()) {
      m.push_back({U(5), *mno});
    }
    return SignRaw(Value::Map(std::move(m)));
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

TEST(RecordTest, SignRecordRefusesWhatTheParserWouldRefuse) {
  const OrgSigner s = SignerFor("acme");
  auto code = [&](Record r) {
    auto e = SignRecord(r, s);
    return e.has_value() ? std::optional<ErrorCode>() : e.error().code();
  };
  EXPECT_EQ(code({0, OwnershipTransfer{{"urn:dev:acme:1"}, "bob"}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({1, OwnershipTransfer{{"urn:dev:acme:2", "urn:dev:acme:1"}, "bob"}}),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({1, OrgAdmission{"bob", "Bob", RoleSet{}, {}}}), ErrorCode::kInvalidArgument);
  DeviceBirthBatch bad_key = testing::Births("acme", "x", 1);
  bad_key.devices[0].attestation_key[10] ^= 1;
  EXPECT_EQ(code({1, bad_key}), ErrorCode::kInvalidArgument);
  // SortBatch repairs the order.
  Record unsorted{1, OwnershipTransfer{{"urn:dev:acme:2", "urn:dev:acme:1"}, "bob"}};
  SortBatch(unsorted);
  EXPECT_FALSE(code(unsorted).has_value());
}

TEST(RecordTest, ParsesABatchOfTwentyThousandDevices) {
  DeviceBirthBatch b = testing::Births("acme", "serial-", 20000);
  auto encoded = SignRecord({1, b}, SignerFor("acme"));
  ASSERT_TRUE(encoded.has_value());
  auto parsed = ParseRecord(*encoded);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(std::get<DeviceBirthBatch>(parsed->record().body).devices.size(), 20000u);
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
