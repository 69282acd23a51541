// Copyright iotsec authors.
// LedgerState: the flow of ARCHITECTURE.md §4 (admission, birth, sale, binding, KMS parameters,
// revocation), every refusal with its exact code and no state change, batches, lookups and
// their log indexes, and transactions.
#include "iotsec/ledger/state.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "record_test_util.h"

namespace iotsec::ledger {
namespace {

using testing::AttestationKeyFor;
using testing::Births;
using testing::Ids;
using testing::kOrigin;
using testing::OrgKeyFor;
using testing::SignerFor;
using testing::TestLedger;

ibc::EccsiPoint Kpak(uint32_t i) {
  const AttestationKey k = AttestationKeyFor(5000 + i);
  ibc::EccsiPoint out;
  std::copy(k.begin(), k.end(), out.begin());
  return out;
}

ibc::SakkePoint Z(uint8_t fill) {
  ibc::SakkePoint z{};
  z.fill(fill);
  z[0] = 0x04;
  return z;
}

// Fixture: a ledger with manufacturer "acme", owners "bob" and "carol", MNO "mno1", SPs "sp1"
// and "sp2", a non-owner "plain" (ledger node), and three born devices.
class StateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    acme_index_ = l_.Admit("acme", RoleSet{Role::kManufacturer});
    l_.Admit("bob", RoleSet{Role::kOwner});
    l_.Admit("carol", RoleSet{Role::kOwner});
    l_.Admit("mno1", RoleSet{Role::kMno});
    l_.Admit("sp1", RoleSet{Role::kSp});
    l_.Admit("sp2", RoleSet{Role::kSp, Role::kOwner});
    l_.Admit("plain", RoleSet{Role::kLedgerNode});
    birth_index_ = l_.MustPut("acme", Births("acme", "sn", 3));
  }

  // ExpectRefused submits |encoded| and expects |code| with |needle| in the message, and no
  // change of the state.
  void ExpectRefused(const Bytes& encoded, ErrorCode code, std::string_view needle) {
    const auto before = l_.state().Digest();
    const uint64_t index = l_.next_index();
    auto s = l_.Submit(encoded);
    ASSERT_FALSE(s.has_value()) << "accepted, expected " << ErrorCodeName(code);
    EXPECT_EQ(s.error().code(), code) << s.error().ToString();
    EXPECT_NE(s.error().message().find(needle), std::string::npos) << s.error().message();
    EXPECT_EQ(l_.state().Digest(), before);
    EXPECT_EQ(l_.next_index(), index);
  }

  void ExpectRefused(const std::string& org, RecordBody body, ErrorCode code,
                     std::string_view needle) {
    ExpectRefused(l_.Sign(org, std::move(body)), code, needle);
  }

  TestLedger l_;
  uint64_t acme_index_ = 0;
  uint64_t birth_index_ = 0;
};

TEST_F(StateTest, GenesisOrganizationsAreAdmitted) {
  auto root = l_.state().LookupOrg("root");
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->admitter);
  EXPECT_FALSE(root->admission_index.has_value());
  EXPECT_FALSE(root->admitted_by.has_value());
  EXPECT_EQ(root->key, OrgKeyFor("root").PublicKey().Bytes());
  auto acme = l_.state().LookupOrg("acme");
  ASSERT_TRUE(acme.has_value());
  EXPECT_EQ(acme->admitted_by, "root");
  EXPECT_EQ(acme->admission_index, acme_index_);
  EXPECT_EQ(acme->roles, RoleSet{Role::kManufacturer});
  EXPECT_EQ(acme->last_seq, 1u);
  EXPECT_EQ(*l_.state().NextSequence("acme"), 2u);
  EXPECT_EQ(l_.state().LookupOrg("nobody").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(l_.state().org_count(), 9u);
  EXPECT_EQ(l_.state().device_count(), 3u);
}

TEST_F(StateTest, TheFlowEstablishesFactsWithTheirIndexes) {
  auto born = l_.state().Lookup("urn:dev:acme:sn1");
  ASSERT_TRUE(born.has_value());
  EXPECT_EQ(born->manufacturer, "acme");
  EXPECT_EQ(born->owner, "acme");  // a newborn device belongs to its manufacturer
  EXPECT_EQ(born->birth_index, birth_index_);
  EXPECT_EQ(born->owner_index, birth_index_);
  EXPECT_EQ(born->attestation_key, AttestationKeyFor(1));
  EXPECT_EQ(born->model, "model-x");
  EXPECT_FALSE(born->binding_index.has_value());
  EXPECT_FALSE(born->revoked());

  // The manufacturer may bind its own devices before selling them.
  l_.MustPut("acme", Binding{{"urn:dev:acme:sn1"}, "mno1", {}});
  const uint64_t sale =
      l_.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "bob"});
  auto sold = l_.state().Lookup("urn:dev:acme:sn1");
  ASSERT_TRUE(sold.has_value());
  EXPECT_EQ(sold->owner, "bob");
  EXPECT_EQ(sold->owner_index, sale);
  EXPECT_EQ(sold->birth_index, birth_index_);
  // The sale ended the manufacturer's binding.
  EXPECT_FALSE(sold->mno.has_value());
  EXPECT_FALSE(sold->binding_index.has_value());

  const uint64_t bind =
      l_.MustPut("bob", Binding{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "mno1", {"sp1", "sp2"}});
  auto bound = l_.state().Lookup("urn:dev:acme:sn0");
  ASSERT_TRUE(bound.has_value());
  EXPECT_EQ(bound->mno, "mno1");
  EXPECT_EQ(bound->sps, (std::vector<std::string>{"sp1", "sp2"}));
  EXPECT_EQ(bound->binding_index, bind);
  EXPECT_EQ(bound->owner_index, sale);

  // A new binding replaces the old one.
  const uint64_t rebind = l_.MustPut("bob", Binding{{"urn:dev:acme:sn0"}, std::nullopt, {"sp1"}});
  bound = l_.state().Lookup("urn:dev:acme:sn0");
  EXPECT_FALSE(bound->mno.has_value());
  EXPECT_EQ(bound->sps, std::vector<std::string>{"sp1"});
  EXPECT_EQ(bound->binding_index, rebind);

  // Resale: bob to sp2 (which also has the owner role).
  const uint64_t resale = l_.MustPut("bob", OwnershipTransfer{{"urn:dev:acme:sn0"}, "sp2"});
  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:sn0")->owner, "sp2");
  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:sn0")->owner_index, resale);

  // KMS parameters.
  const uint64_t kms1 = l_.MustPut("mno1", KmsParams{{2025, 1}, Kpak(1), Z(1)});
  const uint64_t kms2 = l_.MustPut("mno1", KmsParams{{2025, 6}, Kpak(2), Z(2)});
  auto p = l_.state().KmsParamsFor("mno1", {2025, 3});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->log_index, kms1);
  EXPECT_EQ(p->kpak, Kpak(1));
  EXPECT_EQ(l_.state().KmsParamsFor("mno1", {2026, 1})->log_index, kms2);
  EXPECT_EQ(l_.state().KmsParamsFor("mno1", {2024, 12}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(l_.state().LookupOrg("mno1")->kms_params.size(), 2u);

  // Revocations: an identity key of a period, a device, an organization.
  const uint64_t idrev =
      l_.MustPut("mno1", Revocation{RevocationTarget::kIdentity, "2025-02|urn:dev:acme:sn0"});
  EXPECT_EQ(l_.state().IdentityRevocation("mno1", "2025-02|urn:dev:acme:sn0"), idrev);
  EXPECT_FALSE(l_.state().IdentityRevocation("mno1", "2025-03|urn:dev:acme:sn0").has_value());
  EXPECT_FALSE(l_.state().IdentityRevocation("sp1", "2025-02|urn:dev:acme:sn0").has_value());

  const uint64_t devrev =
      l_.MustPut("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn2"});
  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:sn2")->revocation_index, devrev);
  EXPECT_TRUE(l_.state().Lookup("urn:dev:acme:sn2")->revoked());

  const uint64_t orgrev = l_.MustPut("root", Revocation{RevocationTarget::kOrg, "carol"});
  EXPECT_EQ(l_.state().LookupOrg("carol")->revocation_index, orgrev);

  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:nope").error().code(), ErrorCode::kNotFound);
}

TEST_F(StateTest, RefusesBadSignatures) {
  // kid says acme, but bob's key signed.
  Record r{l_.NextSeq("acme"), OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  auto forged_signer = OrgSigner::Create(kOrigin, "acme", OrgKeyFor("bob"));
  ASSERT_TRUE(forged_signer.has_value());
  auto forged = SignRecord(r, *forged_signer);
  ASSERT_TRUE(forged.has_value());
  ExpectRefused(*forged, ErrorCode::kUnauthenticated, "does not verify");

  // One flipped bit of the signature, and one of the payload.
  Bytes good = l_.Sign("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"});
  Bytes flipped = good;
  testing::FlipSignatureBit(flipped);
  ExpectRefused(flipped, ErrorCode::kUnauthenticated, "does not verify");
  Bytes payload_flip = good;
  // Change "bob" into "bod" in the payload: still well formed, no longer signed.
  for (size_t i = 0; i + 4 <= payload_flip.size(); ++i) {
    if (payload_flip[i] == 0x63 && payload_flip[i + 1] == 'b' && payload_flip[i + 2] == 'o' &&
        payload_flip[i + 3] == 'b') {
      payload_flip[i + 3] = 'd';
      break;
    }
  }
  ExpectRefused(payload_flip, ErrorCode::kUnauthenticated, "does not verify");
  // The untouched record still goes in (its sequence number was not consumed by the refusals).
  EXPECT_TRUE(l_.Submit(good));
}

TEST_F(StateTest, PreVerifiedSignatureCountsOnlyUnderTheSignersKey) {
  const OrgKey acme = OrgKeyFor("acme").PublicKey().Bytes();
  const OrgKey bob = OrgKeyFor("bob").PublicKey().Bytes();
  auto good = ParseRecord(l_.Sign("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}));
  ASSERT_TRUE(good.has_value());
  EXPECT_FALSE(good->VerifiedWith(acme));
  ASSERT_TRUE(good->VerifyWith(acme));
  EXPECT_TRUE(good->VerifiedWith(acme));
  // A failed verification forgets the earlier key.
  EXPECT_EQ(good->VerifyWith(bob).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(good->VerifiedWith(acme));
  EXPECT_FALSE(good->VerifiedWith(bob));

  // kid acme, signed by bob: verified under bob's key, which is not acme's key, so Validate
  // still verifies under acme's and refuses.
  Record r{l_.NextSeq("acme"), OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  auto forged_signer = OrgSigner::Create(kOrigin, "acme", OrgKeyFor("bob"));
  ASSERT_TRUE(forged_signer.has_value());
  auto forged_bytes = SignRecord(r, *forged_signer);
  ASSERT_TRUE(forged_bytes.has_value());
  auto forged = ParseRecord(*forged_bytes);
  ASSERT_TRUE(forged.has_value());
  ASSERT_TRUE(forged->VerifyWith(bob));
  EXPECT_EQ(l_.state().Validate(*forged).error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(StateTest, ReplayStoredChecksEverythingButTheSignature) {
  LedgerState replay = l_.state();
  // bob has no authority over acme's device: refused by replay as by validation.
  auto foreign = ParseRecord(l_.Sign("bob", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}));
  ASSERT_TRUE(foreign.has_value());
  const auto before = replay.Digest();
  EXPECT_EQ(replay.ReplayStored(*foreign, l_.next_index()).error().code(),
            l_.state().Validate(*foreign).error().code());
  EXPECT_EQ(replay.Digest(), before);
  // A stored record whose signature was verified when it was appended is applied without
  // verifying it again (here: one flipped signature bit that Validate would refuse).
  Bytes flipped = l_.Sign("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"});
  testing::FlipSignatureBit(flipped);
  auto stored = ParseRecord(flipped);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(replay.Validate(*stored).error().code(), ErrorCode::kUnauthenticated);
  ASSERT_TRUE(replay.ReplayStored(*stored, l_.next_index()));
  EXPECT_EQ(replay.Lookup("urn:dev:acme:sn0")->owner, "bob");
}

TEST_F(StateTest, RefusesUnadmittedRevokedAndForeignSigners) {
  ExpectRefused("stranger", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"},
                ErrorCode::kPermissionDenied, "not an admitted organization");
  // A record for another ledger.
  Record r{l_.NextSeq("acme"), OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"}};
  auto other = SignRecord(r, SignerFor("acme", "other.example/ledger"));
  ASSERT_TRUE(other.has_value());
  ExpectRefused(*other, ErrorCode::kInvalidArgument, "other.example/ledger");
  // A revoked organization signs no more.
  l_.MustPut("root", Revocation{RevocationTarget::kOrg, "acme"});
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"},
                ErrorCode::kPermissionDenied, "was revoked");
}

TEST_F(StateTest, RefusesReplayedAndStaleRecords) {
  Bytes transfer = l_.Sign("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"});
  ASSERT_TRUE(l_.Submit(transfer));
  ExpectRefused(transfer, ErrorCode::kFailedPrecondition, "replayed or stale");
  // Same content, older sequence number.
  Record stale{1, Binding{{"urn:dev:acme:sn1"}, "mno1", {}}};
  auto s = SignRecord(stale, SignerFor("acme"));
  ASSERT_TRUE(s.has_value());
  ExpectRefused(*s, ErrorCode::kFailedPrecondition, "replayed or stale");
  // Sequence numbers may skip ahead.
  Record ahead{100, Binding{{"urn:dev:acme:sn1"}, "mno1", {}}};
  auto a = SignRecord(ahead, SignerFor("acme"));
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(l_.Submit(*a));
  EXPECT_EQ(*l_.state().NextSequence("acme"), 101u);
}

TEST_F(StateTest, RefusesAdmissionsWithoutAuthorityOrAlreadyAdmitted) {
  OrgAdmission dave{"dave", "Dave", RoleSet{Role::kOwner}, OrgKeyFor("dave").PublicKey().Bytes()};
  // "registry" is a root organization but not an admitter; bob is no admitter either.
  ExpectRefused("registry", dave, ErrorCode::kPermissionDenied, "not an admitter");
  ExpectRefused("bob", dave, ErrorCode::kPermissionDenied, "not an admitter");
  OrgAdmission again{"bob", "Bob 2", RoleSet{Role::kOwner}, OrgKeyFor("x").PublicKey().Bytes()};
  ExpectRefused("root", again, ErrorCode::kFailedPrecondition, "already admitted");
  OrgAdmission root_again{"registry", "R", RoleSet{Role::kOwner},
                          OrgKeyFor("x").PublicKey().Bytes()};
  ExpectRefused("root", root_again, ErrorCode::kFailedPrecondition, "already admitted");
}

TEST_F(StateTest, RefusesBirthsWithoutAuthorityOrOfExistingDevices) {
  // Wrong role: bob is no manufacturer.
  ExpectRefused("bob", Births("bob", "x", 1), ErrorCode::kPermissionDenied,
                "does not have the role manufacturer");
  // A manufacturer births only devices in its own name.
  l_.Admit("globex", RoleSet{Role::kManufacturer});
  ExpectRefused("globex", Births("acme", "g", 1), ErrorCode::kPermissionDenied,
                "names another manufacturer");
  // Birth of an existing device, alone or inside a batch of new ones: nothing is applied.
  ExpectRefused("acme", Births("acme", "sn", 1, 1), ErrorCode::kFailedPrecondition, "already born");
  DeviceBirthBatch mixed = Births("acme", "sn", 10);  // sn0..sn2 exist, sn3..sn9 are new
  ExpectRefused("acme", mixed, ErrorCode::kFailedPrecondition, "already born");
  EXPECT_EQ(l_.state().device_count(), 3u);
  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:sn5").error().code(), ErrorCode::kNotFound);
}

TEST_F(StateTest, RefusesTransfersNotByTheCurrentOwner) {
  // bob does not own sn0 (acme does).
  ExpectRefused("bob", OwnershipTransfer{{"urn:dev:acme:sn0"}, "carol"},
                ErrorCode::kPermissionDenied, "current owner is acme");
  // A batch with one device the signer does not own is refused as a whole.
  l_.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:sn1"}, "bob"});
  ExpectRefused("bob", OwnershipTransfer{{"urn:dev:acme:sn0", "urn:dev:acme:sn1"}, "carol"},
                ErrorCode::kPermissionDenied, "urn:dev:acme:sn0");
  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:sn1")->owner, "bob");
}

TEST_F(StateTest, RefusesADoubleTransfer) {
  l_.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"});
  // acme sells the same device again, to carol.
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "carol"},
                ErrorCode::kFailedPrecondition, "already transferred");
  EXPECT_EQ(l_.state().Lookup("urn:dev:acme:sn0")->owner, "bob");
}

TEST_F(StateTest, RefusesTransfersToUnsuitableOwnersAndOfUnknownDevices) {
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "nobody"},
                ErrorCode::kFailedPrecondition, "not an admitted organization");
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "mno1"},
                ErrorCode::kFailedPrecondition, "does not have the role owner");
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "acme"},
                ErrorCode::kInvalidArgument, "own signer");
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn9"}, "bob"},
                ErrorCode::kFailedPrecondition, "has not been born");
  l_.MustPut("root", Revocation{RevocationTarget::kOrg, "carol"});
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "carol"},
                ErrorCode::kFailedPrecondition, "was revoked");
  l_.MustPut("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn2"});
  ExpectRefused("acme", OwnershipTransfer{{"urn:dev:acme:sn2"}, "bob"},
                ErrorCode::kFailedPrecondition, "was revoked");
}

TEST_F(StateTest, RefusesBindingsByNonOwnersOrToUnsuitableOrgs) {
  ExpectRefused("bob", Binding{{"urn:dev:acme:sn0"}, "mno1", {}}, ErrorCode::kPermissionDenied,
                "may not bind");
  // The former owner may no longer bind after selling.
  l_.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"});
  ExpectRefused("acme", Binding{{"urn:dev:acme:sn0"}, "mno1", {}}, ErrorCode::kPermissionDenied,
                "current owner is bob");
  ExpectRefused("bob", Binding{{"urn:dev:acme:sn0"}, "sp1", {}}, ErrorCode::kFailedPrecondition,
                "does not have the role mno");
  ExpectRefused("bob", Binding{{"urn:dev:acme:sn0"}, "mno1", {"mno1"}},
                ErrorCode::kFailedPrecondition, "does not have the role sp");
  ExpectRefused("bob", Binding{{"urn:dev:acme:sn0"}, "mno1", {"ghost"}},
                ErrorCode::kFailedPrecondition, "not an admitted organization");
}

TEST_F(StateTest, RefusesKmsParamsFromNonKmsOrgsOrForOldPeriods) {
  ExpectRefused("bob", KmsParams{{2025, 1}, Kpak(1), Z(1)}, ErrorCode::kPermissionDenied,
                "only an MNO or an SP");
  ExpectRefused("acme", KmsParams{{2025, 1}, Kpak(1), Z(1)}, ErrorCode::kPermissionDenied,
                "only an MNO or an SP");
  l_.MustPut("sp1", KmsParams{{2025, 1}, Kpak(1), Z(1)});
  ExpectRefused("sp1", KmsParams{{2025, 1}, Kpak(2), Z(2)}, ErrorCode::kFailedPrecondition,
                "later period");
  ExpectRefused("sp1", KmsParams{{2024, 12}, Kpak(2), Z(2)}, ErrorCode::kFailedPrecondition,
                "later period");
}

TEST_F(StateTest, RefusesRevocationsWithoutAuthority) {
  // Device: only manufacturer or current owner.
  ExpectRefused("bob", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn0"},
                ErrorCode::kPermissionDenied, "manufacturer or current owner");
  l_.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:sn0"}, "bob"});
  // Now bob (owner) may, and so may acme (manufacturer); carol may not.
  ExpectRefused("carol", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn0"},
                ErrorCode::kPermissionDenied, "manufacturer or current owner");
  l_.MustPut("bob", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn0"});
  ExpectRefused("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:sn0"},
                ErrorCode::kFailedPrecondition, "already revoked");
  ExpectRefused("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:zz"},
                ErrorCode::kFailedPrecondition, "has not been born");

  // Identity: only a KMS owner, for a period its parameters cover.
  ExpectRefused("bob", Revocation{RevocationTarget::kIdentity, "2025-01|urn:dev:acme:sn1"},
                ErrorCode::kPermissionDenied, "runs no KMS");
  ExpectRefused("mno1", Revocation{RevocationTarget::kIdentity, "2025-01|urn:dev:acme:sn1"},
                ErrorCode::kFailedPrecondition, "no KMS parameters");
  l_.MustPut("mno1", KmsParams{{2025, 2}, Kpak(1), Z(1)});
  ExpectRefused("mno1", Revocation{RevocationTarget::kIdentity, "2025-01|urn:dev:acme:sn1"},
                ErrorCode::kFailedPrecondition, "no KMS parameters");
  l_.MustPut("mno1", Revocation{RevocationTarget::kIdentity, "2025-02|urn:dev:acme:sn1"});
  ExpectRefused("mno1", Revocation{RevocationTarget::kIdentity, "2025-02|urn:dev:acme:sn1"},
                ErrorCode::kFailedPrecondition, "already revoked");

  // Organization: only its admitter; root organizations by nobody.
  ExpectRefused("registry", Revocation{RevocationTarget::kOrg, "bob"}, ErrorCode::kPermissionDenied,
                "only the organization that admitted it");
  ExpectRefused("root", Revocation{RevocationTarget::kOrg, "registry"},
                ErrorCode::kPermissionDenied, "root organization");
  ExpectRefused("root", Revocation{RevocationTarget::kOrg, "ghost"}, ErrorCode::kFailedPrecondition,
                "not admitted");
  l_.MustPut("root", Revocation{RevocationTarget::kOrg, "bob"});
  ExpectRefused("root", Revocation{RevocationTarget::kOrg, "bob"}, ErrorCode::kFailedPrecondition,
                "already revoked");
}

TEST_F(StateTest, RefusesMalformedRecordsBeforeTheState) {
  ExpectRefused(Bytes{0xd2, 0x84}, ErrorCode::kInvalidArgument, "COSE_Sign1");
  ExpectRefused(ToBytes(AsBytes("not cbor at all")), ErrorCode::kInvalidArgument, "COSE_Sign1");
}

TEST(StateBatchTest, TenThousandBirthsThenTransfersAndBindings) {
  TestLedger l;
  l.Admit("acme", RoleSet{Role::kManufacturer});
  l.Admit("bob", RoleSet{Role::kOwner});
  l.Admit("mno1", RoleSet{Role::kMno});
  l.Admit("sp1", RoleSet{Role::kSp});
  const DeviceBirthBatch batch = Births("acme", "b", 10000);
  const uint64_t birth = l.MustPut("acme", batch);
  EXPECT_EQ(l.state().device_count(), 10000u);
  // A second batch after the first.
  const uint64_t birth2 = l.MustPut("acme", Births("acme", "c", 10000));
  EXPECT_EQ(l.state().device_count(), 20000u);

  std::vector<std::string> ids = Ids(batch);
  const uint64_t sale = l.MustPut("acme", OwnershipTransfer{ids, "bob"});
  const uint64_t bind = l.MustPut("bob", Binding{ids, "mno1", {"sp1"}});
  for (uint32_t i : {0u, 1u, 4999u, 9999u}) {
    const std::string id = "urn:dev:acme:b" + std::to_string(i);
    auto v = l.state().Lookup(id);
    ASSERT_TRUE(v.has_value()) << id;
    EXPECT_EQ(v->birth_index, birth);
    EXPECT_EQ(v->owner_index, sale);
    EXPECT_EQ(v->binding_index, bind);
    EXPECT_EQ(v->owner, "bob");
    EXPECT_EQ(v->mno, "mno1");
    EXPECT_EQ(v->sps, std::vector<std::string>{"sp1"});
    EXPECT_EQ(v->attestation_key, AttestationKeyFor(i % 64));
    auto c = l.state().Lookup("urn:dev:acme:c" + std::to_string(i));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->birth_index, birth2);
    EXPECT_EQ(c->owner, "acme");
  }
  // Re-birth of the whole batch is refused as a whole.
  auto again = l.Put("acme", batch);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(StateBatchTest, ReplayingTheLogRebuildsTheSameState) {
  TestLedger l;
  std::vector<Bytes> log;
  auto put = [&](const std::string& org, RecordBody body) {
    Bytes b = l.Sign(org, std::move(body));
    ASSERT_TRUE(l.Submit(b));
    log.push_back(b);
  };
  put("root", OrgAdmission{"acme", "ACME", RoleSet{Role::kManufacturer},
                           OrgKeyFor("acme").PublicKey().Bytes()});
  put("root",
      OrgAdmission{"bob", "Bob", RoleSet{Role::kOwner}, OrgKeyFor("bob").PublicKey().Bytes()});
  put("acme", Births("acme", "r", 500));
  put("acme", OwnershipTransfer{{"urn:dev:acme:r1", "urn:dev:acme:r2"}, "bob"});
  put("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:r3"});

  auto fresh = LedgerState::Create(testing::TestGenesis());
  ASSERT_TRUE(fresh.has_value());
  for (size_t i = 0; i < log.size(); ++i) {
    auto parsed = ParseRecord(log[i]);
    ASSERT_TRUE(parsed.has_value());
    ASSERT_TRUE(fresh->ValidateAndApply(*parsed, i));
  }
  EXPECT_EQ(fresh->Digest(), l.state().Digest());
  EXPECT_NE(fresh->Digest(), LedgerState::Create(testing::TestGenesis())->Digest());
}

TEST(StateTransactionTest, RollbackRestoresAndCommitKeeps) {
  TestLedger l;
  l.Admit("acme", RoleSet{Role::kManufacturer});
  l.Admit("bob", RoleSet{Role::kOwner});
  l.Admit("mno1", RoleSet{Role::kMno});
  l.MustPut("acme", Births("acme", "t", 100));
  const auto before = l.state().Digest();
  const size_t orgs = l.state().org_count();

  ASSERT_TRUE(l.state().BeginTransaction());
  EXPECT_EQ(l.state().BeginTransaction().error().code(), ErrorCode::kFailedPrecondition);
  l.Admit("carol", RoleSet{Role::kOwner});
  l.MustPut("acme", Births("acme", "u", 5000));
  l.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:t1", "urn:dev:acme:u7"}, "bob"});
  l.MustPut("bob", Binding{{"urn:dev:acme:t1"}, "mno1", {}});
  l.MustPut("mno1", KmsParams{{2025, 1}, Kpak(1), Z(1)});
  l.MustPut("mno1", Revocation{RevocationTarget::kIdentity, "2025-01|x"});
  l.MustPut("acme", Revocation{RevocationTarget::kDevice, "urn:dev:acme:t2"});
  l.MustPut("root", Revocation{RevocationTarget::kOrg, "bob"});
  EXPECT_NE(l.state().Digest(), before);
  ASSERT_TRUE(l.state().RollbackTransaction());
  EXPECT_FALSE(l.state().in_transaction());
  EXPECT_EQ(l.state().Digest(), before);
  EXPECT_EQ(l.state().org_count(), orgs);
  EXPECT_EQ(l.state().device_count(), 100u);
  EXPECT_EQ(l.state().Lookup("urn:dev:acme:u7").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(l.state().Lookup("urn:dev:acme:t1")->owner, "acme");
  EXPECT_EQ(l.state().LookupOrg("carol").error().code(), ErrorCode::kNotFound);
  // The devices can be born again after the rollback, and the index still finds them all.
  l.MustPut("acme", Births("acme", "u", 5000));
  EXPECT_TRUE(l.state().Lookup("urn:dev:acme:u4999").has_value());
  EXPECT_TRUE(l.state().Lookup("urn:dev:acme:t99").has_value());

  ASSERT_TRUE(l.state().BeginTransaction());
  l.MustPut("acme", OwnershipTransfer{{"urn:dev:acme:t1"}, "bob"});
  const auto after = l.state().Digest();
  ASSERT_TRUE(l.state().CommitTransaction());
  EXPECT_EQ(l.state().Digest(), after);
  EXPECT_EQ(l.state().CommitTransaction().error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(l.state().RollbackTransaction().error().code(), ErrorCode::kFailedPrecondition);
}

TEST(StateCopyTest, CopiesAreIndependent) {
  TestLedger l;
  l.Admit("acme", RoleSet{Role::kManufacturer});
  l.MustPut("acme", Births("acme", "k", 10));
  LedgerState copy = l.state();
  EXPECT_EQ(copy.Digest(), l.state().Digest());
  l.MustPut("acme", Births("acme", "m", 10));
  EXPECT_EQ(copy.device_count(), 10u);
  EXPECT_EQ(l.state().device_count(), 20u);
  EXPECT_TRUE(copy.Lookup("urn:dev:acme:k3").has_value());
  EXPECT_FALSE(copy.Lookup("urn:dev:acme:m3").has_value());
}

TEST(StateCreateTest, RefusesABadGenesis) {
  GenesisConfig g = testing::TestGenesis();
  g.orgs[0].admitter = false;
  EXPECT_EQ(LedgerState::Create(g).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace iotsec::ledger
