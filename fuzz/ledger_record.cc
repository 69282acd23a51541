// Copyright iotsec authors.
// Fuzzes ledger record parsing and validation, and the genesis config parsers
// (include/iotsec/ledger/record.h, state.h, state_genesis.h). Whatever the input, nothing may
// crash; a refusal is kInvalidArgument from the parser and one of the documented codes from
// Validate. The input is parsed as a record bundle (ParseRecord), split where its entry ends
// (ParseRecord(entry, attachment), which must agree) and as an entry alone
// (ParseRecordEntry); a record that parses re-encodes to a record that parses to the same
// content and attachment, its entry parses alone with the same commitment, and its batch tree
// has the signed root. A genesis config that parses re-encodes to the same octets (CBOR). The
// seed corpus holds record bundles signed with the fixed keys below (generated with them;
// acme's sequence numbers start at 2), so that some inputs get through validation into the
// state.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/state.h"
#include "iotsec/ledger/state_genesis.h"

namespace {

using namespace iotsec;
using namespace iotsec::ledger;

constexpr std::string_view kOrigin = "ledger.example/fuzz";

// The key of |org|: seed = SHA-256("org key " || org), as in src/ledger/record_test_util.h.
crypto::Ed25519PrivateKey KeyFor(std::string_view org) {
  const auto seed = crypto::Sha256(AsBytes(std::string("org key ") + std::string(org)));
  auto key = crypto::Ed25519PrivateKey::FromSeed(seed);
  if (!key.has_value()) {
    std::abort();
  }
  return *key;
}

struct Fixture {
  LedgerState state;
  OrgSigner acme;
};

// "acme" (every role but witness, an admitter) and "bob" (owner, MNO, SP) are root orgs.
Fixture* MakeFixture() {
  GenesisConfig g;
  g.origin = std::string(kOrigin);
  g.orgs.push_back(
      {"acme", "ACME",
       RoleSet{Role::kManufacturer, Role::kOwner, Role::kMno, Role::kSp, Role::kLedgerNode},
       KeyFor("acme").PublicKey().Bytes(), true});
  g.orgs.push_back({"bob", "Bob", RoleSet{Role::kOwner, Role::kMno, Role::kSp},
                    KeyFor("bob").PublicKey().Bytes(), false});
  g.checkpoint_signer = {"ledger.example/fuzz-signer", KeyFor("ckpt").PublicKey().Bytes()};
  auto state = LedgerState::Create(g);
  auto acme = OrgSigner::Create(kOrigin, "acme", KeyFor("acme"));
  if (!state.has_value() || !acme.has_value()) {
    std::abort();
  }
  // Devices urn:dev:acme:sn0..sn2 are born (acme's sequence number 1), so that transfers,
  // bindings and revocations of the corpus can pass.
  DeviceBirthBatch births;
  for (uint8_t i = 0; i < 3; ++i) {
    std::array<uint8_t, 32> scalar{};
    scalar[31] = static_cast<uint8_t>(i + 1);
    auto key = crypto::EcdsaP256PrivateKey::FromScalar(scalar);
    if (!key.has_value()) {
      std::abort();
    }
    births.devices.push_back(
        {"urn:dev:acme:sn" + std::to_string(i), key->PublicKey().Uncompressed(), "m1"});
  }
  auto birth = SignRecord(Record{1, births}, *acme);
  if (!birth.has_value()) {
    std::abort();
  }
  auto parsed = ParseRecord(*birth);
  if (!parsed.has_value() || !state->ValidateAndApply(*parsed, 0).has_value()) {
    std::abort();
  }
  return new Fixture{std::move(*state), std::move(*acme)};
}

void CheckValidateCode(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
      return;
    default:
      std::abort();
  }
}

// SameRecord returns whether |a| and |b| hold the same signed entry, attachment, commitment
// and signer.
bool SameRecord(const SignedRecord& a, const SignedRecord& b) {
  const bool same_batch = a.batch().has_value() == b.batch().has_value() &&
                          (!a.batch().has_value() || (a.batch()->count == b.batch()->count &&
                                                      a.batch()->root == b.batch()->root));
  return a.encoded() == b.encoded() && a.attachment() == b.attachment() &&
         a.complete() == b.complete() && same_batch && a.signer() == b.signer() &&
         a.origin() == b.origin() && a.record().seq == b.record().seq &&
         a.record().type() == b.record().type();
}

// CheckEntryAlone parses the signed entry of a record that parsed whole (doc/formats/
// ledger-records.md §4.8): it must parse alone, incomplete exactly when its type has an
// attachment, with the same commitment, and LedgerState must refuse it when incomplete.
void CheckEntryAlone(const Fixture& f, const SignedRecord& whole) {
  auto entry = ParseRecordEntry(whole.encoded());
  if (!entry.has_value()) {
    std::abort();
  }
  const bool has_attachment = HasAttachment(whole.record().type());
  if (entry->encoded() != whole.encoded() || !entry->attachment().empty() ||
      entry->complete() == has_attachment || entry->Bundle() != whole.encoded() ||
      entry->batch().has_value() != whole.batch().has_value() ||
      (entry->batch().has_value() && (entry->batch()->count != whole.batch()->count ||
                                      entry->batch()->root != whole.batch()->root))) {
    std::abort();
  }
  if (!entry->complete()) {
    auto v = f.state.Validate(*entry);
    if (v.has_value() || v.error().code() != ErrorCode::kInvalidArgument) {
      std::abort();
    }
  }
}

// CheckBatch checks that the commitment of a whole birth, transfer or binding is the root of
// its batch tree, and that its first and last devices are proven by it (RFC 9162 §2.1.3).
void CheckBatch(const SignedRecord& whole) {
  if (!whole.batch().has_value()) {
    return;
  }
  auto tree = BatchTree(whole.record());
  if (!tree.has_value() || tree->size() != whole.batch()->count ||
      tree->Root() != whole.batch()->root) {
    std::abort();
  }
  const uint64_t n = whole.batch()->count;
  for (uint64_t i : {uint64_t{0}, n - 1}) {
    auto proof = InclusionProof(*tree, i, n);
    if (!proof.has_value() ||
        !VerifyInclusion(LeafHash(BatchItem(whole.record(), i)), i, n, *proof, whole.batch()->root)
             .has_value()) {
      std::abort();
    }
  }
}

// FuzzRecord parses |in| as a bundle, split, and as an entry alone, and checks that the answers
// agree; what parses is validated against the fixture and re-signed.
void FuzzRecord(Fixture& f, ByteSpan in) {
  // The input as a bundle (entry || attachment), as a node receives it.
  auto parsed = ParseRecord(in);
  // The same octets split where the entry ends must give the same answer.
  if (auto entry_size = EntrySize(in); entry_size.has_value()) {
    auto split = ParseRecord(in.first(*entry_size), in.subspan(*entry_size));
    if (split.has_value() != parsed.has_value() ||
        (split.has_value() && !SameRecord(*split, *parsed))) {
      std::abort();
    }
  } else if (parsed.has_value() || entry_size.error().code() != ErrorCode::kInvalidArgument) {
    std::abort();
  }
  // The input as an entry alone, as a device holds it: it parses exactly when the input is a
  // whole record without an attachment, or the entry of one with its attachment missing.
  auto alone = ParseRecordEntry(in);
  if (alone.has_value()) {
    const bool has_attachment = HasAttachment(alone->record().type());
    if (alone->complete() == has_attachment || parsed.has_value() == has_attachment) {
      std::abort();
    }
  } else if (alone.error().code() != ErrorCode::kInvalidArgument) {
    std::abort();
  }
  if (!parsed.has_value()) {
    if (parsed.error().code() != ErrorCode::kInvalidArgument) {
      std::abort();
    }
    return;
  }
  if (parsed->Bundle() != ToBytes(in) || !parsed->complete() ||
      !CheckRecord(parsed->record()).has_value()) {
    std::abort();
  }
  CheckEntryAlone(f, *parsed);
  CheckBatch(*parsed);
  // Validate against the fixture, and apply to a copy (the fixture stays the same for every
  // input, so that runs are reproducible).
  auto v = f.state.Validate(*parsed);
  if (v.has_value()) {
    LedgerState copy = f.state;
    copy.Apply(*parsed, 0);
    (void)copy.Digest();
  } else {
    CheckValidateCode(v.error());
  }
  // Re-signing the parsed content must give a record that parses to the same content, with
  // the same attachment (the attachment is not signed over, so the signer does not change it).
  auto again = SignRecord(parsed->record(), f.acme);
  if (!again.has_value()) {
    std::abort();
  }
  auto reparsed = ParseRecord(*again);
  if (!reparsed.has_value() || reparsed->attachment() != parsed->attachment()) {
    std::abort();
  }
  auto third = SignRecord(reparsed->record(), f.acme);
  if (!third.has_value() || *third != *again) {
    std::abort();
  }
}

void FuzzGenesis(ByteSpan in) {
  auto g = GenesisConfig::FromCbor(in);
  if (g.has_value()) {
    auto out = g->ToCbor();
    if (!out.has_value() || *out != ToBytes(in)) {
      std::abort();
    }
  } else if (g.error().code() != ErrorCode::kInvalidArgument) {
    std::abort();
  }
  auto j = GenesisConfig::FromJson(
      std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  if (j.has_value()) {
    auto text = j->ToJson();
    if (!text.has_value() || !GenesisConfig::FromJson(*text).has_value()) {
      std::abort();
    }
  } else if (j.error().code() != ErrorCode::kInvalidArgument) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = MakeFixture();
  const ByteSpan in(data, size);
  FuzzRecord(*fixture, in);
  FuzzGenesis(in);
  return 0;
}
