// Copyright iotsec authors.
// Ledger records (ARCHITECTURE.md §4, §5): what organizations write onto the identity ledger.
// Every record is a COSE_Sign1 (RFC 9052 §4.2, EdDSA with the signer organization's Ed25519
// key, kid = the signer's organization id) over a deterministic CBOR payload (RFC 8949
// §4.2.1). The wire format, every field, its limits and the validation rules are in
// doc/formats/ledger-records.md. Whether a record is allowed (signature, authority, state) is
// decided by LedgerState (state.h); this header only builds and parses records.
#ifndef IOTSEC_LEDGER_RECORD_H_
#define IOTSEC_LEDGER_RECORD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/keys.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/ibc/sakke.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/names.h"

namespace iotsec::ledger {

// kMaxBatchDevices bounds the devices of one birth, transfer or binding record.
inline constexpr size_t kMaxBatchDevices = 100'000;
// kMaxRecordSize bounds the encoded size of one record bundle (the COSE_Sign1 and its
// attachment): 2^24 - 1, the most that the uint24 length of an entry bundle (doc/api.md) can
// carry.
inline constexpr size_t kMaxRecordSize = (size_t{1} << 24) - 1;
// kMaxModelSize bounds a device model; kMaxSps the service providers of one binding;
// kMaxUriSize the URI of an IBC identity. The bounds of names are in names.h.
inline constexpr size_t kMaxModelSize = 64;
inline constexpr size_t kMaxSps = 16;
inline constexpr size_t kMaxUriSize = 256;

// OnboardingKey is a service's static X25519 public key (RFC 7748 §5), to which devices seal
// their onboarding requests (doc/protocol/onboarding.md §3.1).
using OnboardingKey = std::array<uint8_t, 32>;

// OrgKey is an organization's Ed25519 public key (RFC 8032 §5.1.5), which signs its records.
using OrgKey = std::array<uint8_t, crypto::kEd25519KeySize>;
// AttestationKey is a device's ECDSA P-256 attestation public key, uncompressed (0x04||x||y).
using AttestationKey = std::array<uint8_t, crypto::kP256UncompressedSize>;

// Role is what an organization may do on the ledger. The numbering is internal; on the wire
// roles are the names of RoleName.
enum class Role : uint8_t {
  kManufacturer = 0,  // births devices
  kOwner = 1,         // may receive devices and bind them
  kMno = 2,           // network operator: runs a KMS, may be bound to devices
  kSp = 3,            // service provider: runs a KMS, may be bound to devices
  kLedgerNode = 4,    // runs a ledger node
  kWitness = 5,       // cosigns checkpoints
};
// kRoleCount is the number of roles.
inline constexpr int kRoleCount = 6;

// RoleName returns the wire name of |role|: "manufacturer", "owner", "mno", "sp",
// "ledger_node", "witness".
std::string_view RoleName(Role role);

// ParseRole returns the role named |name|; kInvalidArgument for any other text.
Result<Role> ParseRole(std::string_view name);

// RoleSet is a set of roles (a bit per Role).
class RoleSet {
 public:
  RoleSet() = default;
  // RoleSet(roles) holds |roles|.
  RoleSet(std::initializer_list<Role> roles);
  // FromBits returns the set of bit mask |bits|; bits beyond kRoleCount are dropped.
  static RoleSet FromBits(uint8_t bits);

  // Has returns whether |role| is in the set.
  bool Has(Role role) const { return (bits_ >> static_cast<int>(role)) & 1; }
  // Add puts |role| into the set.
  void Add(Role role) { bits_ |= static_cast<uint8_t>(1u << static_cast<int>(role)); }
  // empty returns whether the set has no role.
  bool empty() const { return bits_ == 0; }
  // bits returns the bit mask.
  uint8_t bits() const { return bits_; }
  // Roles returns the members in Role order (the canonical wire order).
  std::vector<Role> Roles() const;
  // ToString returns the names joined by ",", e.g. "manufacturer,owner".
  std::string ToString() const;
  friend bool operator==(RoleSet, RoleSet) = default;

 private:
  uint8_t bits_ = 0;
};


// CheckIdentity returns Ok() if |identity| is an IBC identity with a key period,
// "<YYYY-MM>|<uri>" (ARCHITECTURE.md §5), with a URI of 1..kMaxUriSize printable ASCII
// characters other than '|'; kInvalidArgument otherwise.
Status CheckIdentity(std::string_view identity);

// FormatKeyPeriod returns "YYYY-MM". ParseKeyPeriodText parses exactly that form (month 01-12,
// year 0001-9999); kInvalidArgument otherwise.
std::string FormatKeyPeriod(const ibc::KeyPeriod& period);
Result<ibc::KeyPeriod> ParseKeyPeriodText(std::string_view text);

// RecordType is the type of a record, as carried in its payload (key 1).
enum class RecordType : uint8_t {
  kOrgAdmission = 1,
  kDeviceBirth = 2,
  kOwnershipTransfer = 3,
  kBinding = 4,
  kKmsParams = 5,
  kRevocation = 6,
};

// RecordTypeName returns "org_admission", "device_birth", "ownership_transfer", "binding",
// "kms_params" or "revocation".
std::string_view RecordTypeName(RecordType type);

// OrgAdmission admits an organization; signed by an admitter named in the genesis config.
struct OrgAdmission {
  std::string org_id;
  std::string name;  // 1..kMaxNameSize octets of UTF-8 without control characters
  RoleSet roles;     // at least one role
  OrgKey key;
};

// DeviceBirth is one device of a birth record.
struct DeviceBirth {
  std::string device_id;  // urn:dev:<manufacturer>:<serial>, manufacturer = the signer
  AttestationKey attestation_key;
  std::string model;  // 1..kMaxModelSize octets of UTF-8 without control characters
};

// DeviceBirthBatch records the birth of 1..kMaxBatchDevices devices; signed by their
// manufacturer. Devices are in strictly ascending order of device_id (bytewise), which also
// rules out duplicates; SortBatch puts them in that order.
struct DeviceBirthBatch {
  std::vector<DeviceBirth> devices;
};

// OwnershipTransfer moves 1..kMaxBatchDevices devices (strictly ascending ids) to |new_owner|;
// signed by their current owner.
struct OwnershipTransfer {
  std::vector<std::string> devices;
  std::string new_owner;
};

// Binding names the MNO (optional) and the service providers (0..kMaxSps, strictly ascending)
// of 1..kMaxBatchDevices devices (strictly ascending ids), replacing their previous binding;
// signed by their current owner.
struct Binding {
  std::vector<std::string> devices;
  std::optional<std::string> mno;
  std::vector<std::string> sps;
};

// KmsParams publishes the public parameters of the signer's KMS (X.1365; RFC 6507 KPAK,
// RFC 6508 Z_S) for identities of key period |period| and later, until the signer publishes
// parameters for a later period, and the key devices seal onboarding requests to; signed by
// an MNO or SP. The signed payload carries SHA-256(z); z itself is the record's attachment.
struct KmsParams {
  ibc::KeyPeriod period;
  ibc::EccsiPoint kpak;
  ibc::SakkePoint z;
  OnboardingKey onboarding_key{};
};

// RevocationTarget says what a revocation revokes.
enum class RevocationTarget : uint8_t {
  kDevice = 1,    // a device id; by its manufacturer or current owner
  kIdentity = 2,  // "<YYYY-MM>|<uri>": that identity's key of that period in the signer's KMS
  kOrg = 3,       // an organization id; by the organization that admitted it
};

// Revocation revokes |target| of kind |kind|.
struct Revocation {
  RevocationTarget kind = RevocationTarget::kDevice;
  std::string target;
};

// RecordBody is the type-specific content of a record.
using RecordBody =
    std::variant<OrgAdmission, DeviceBirthBatch, OwnershipTransfer, Binding, KmsParams, Revocation>;

// BatchCommitment is what the signed payload of a birth, transfer or binding record says of
// its device list (doc/formats/ledger-records.md §4.8): how many devices, and the RFC 9162
// Merkle tree hash of their items (BatchItem) in list order. The list itself is the record's
// attachment, so that one device is proven by the short signed record and its path.
struct BatchCommitment {
  uint64_t count = 0;
  Hash root{};
};

// Record is the content of one record, without its signer (the COSE kid) and origin.
struct Record {
  // seq is the signer's sequence number: >= 1 and greater than that of every earlier record
  // of the same signer on the ledger, so that equal contents make distinct records and a
  // replayed record is refused.
  uint64_t seq = 0;
  RecordBody body;

  // type returns the type that |body| holds.
  RecordType type() const;
};

// SortBatch sorts the device list of a birth, transfer or binding record, and the service
// providers of a binding, into the ascending order the format requires. Other records are
// left as they are.
void SortBatch(Record& record);

// CheckRecord returns Ok() if |record| obeys every rule of the format that does not depend on
// ledger state (syntax of ids, lengths, counts, orders, key encodings); kInvalidArgument
// naming the first problem otherwise.
Status CheckRecord(const Record& record);

// OrgSigner is an organization's signing identity on one ledger: the ledger origin, the
// organization id (the COSE kid) and its Ed25519 private key. Copyable (the key is shared).
class OrgSigner {
 public:
  // Create returns the signer of organization |org_id| on the ledger |origin| with |key|.
  // kInvalidArgument if |origin| (CheckOrigin) or |org_id| (CheckOrgId) is malformed.
  static Result<OrgSigner> Create(std::string_view origin, std::string_view org_id,
                                  crypto::Ed25519PrivateKey key);

  // origin returns the ledger origin that its records name.
  const std::string& origin() const { return origin_; }
  // org_id returns the organization id, the kid of its records.
  const std::string& org_id() const { return org_id_; }
  // public_key returns the organization's public key (what its admission record carries).
  const OrgKey& public_key() const { return public_key_; }
  // signer returns the COSE signer (alg EdDSA).
  const cose::Sign1Signer& signer() const { return signer_; }

 private:
  OrgSigner(std::string origin, std::string org_id, crypto::Ed25519PrivateKey key);
  std::string origin_;
  std::string org_id_;
  OrgKey public_key_;
  cose::Sign1Signer signer_;
};

// SignRecord returns |record| signed by |signer| as a record bundle: the log entry, a tagged
// COSE_Sign1 (protected header: alg EdDSA, kid = the org id; no unprotected parameters),
// followed by the record's attachment, if its type has one (doc/formats/ledger-records.md
// §4.8). The bundle is what is submitted to a node. Fails with kInvalidArgument when
// CheckRecord fails or the bundle would exceed kMaxRecordSize, kInternal if signing fails.
Result<Bytes> SignRecord(const Record& record, const OrgSigner& signer);

// HasAttachment returns whether records of |type| carry an attachment: births, transfers and
// bindings (their device list) and KMS parameters (the SAKKE Z).
bool HasAttachment(RecordType type);

// BatchItem returns the deterministic CBOR encoding of device |i| of a birth ([device id,
// attestation key, model]), transfer or binding (the device id) record: a leaf of the tree
// that BatchCommitment::root commits to; empty when |i| is not below the device count.
Bytes BatchItem(const Record& record, size_t i);

// BatchTree returns the Merkle tree of the device items of |record| (a birth, transfer or
// binding with its device list), whose root is its BatchCommitment::root; kInvalidArgument
// for another type.
Result<MemoryTree> BatchTree(const Record& record);

// BatchMember proves that a device is in the device list of a batch record (a birth,
// transfer or binding, doc/formats/ledger-records.md §4.8): its item (BatchItem) at
// |position| of the list, and the RFC 9162 inclusion proof of the item's leaf in the tree of
// the list, whose size and root the signed record states.
struct BatchMember {
  uint64_t position = 0;
  std::vector<Hash> proof;
  Bytes item;
};

// AttachmentItems returns the encodings of the items of a batch record's attachment (its one
// CBOR array), in order, as views into |attachment|, from the CBOR heads alone, without
// checking what they say: for a node proving members of records it validated when it appended
// them. kInvalidArgument if it is not a definite-length array of 1..kMaxBatchDevices items
// that fills |attachment|. ItemDeviceId returns the device id an item names (a born device's first element, or
// the id itself) without checking the rest of it.
Result<std::vector<ByteSpan>> AttachmentItems(ByteSpan attachment);
Result<std::string> ItemDeviceId(ByteSpan item);

// VerifyBatchMember checks that |member| proves a device item in the batch that |commitment|
// describes (RFC 9162 §2.1.3.2 with the item's leaf hash) and returns the device id the item
// names (a born device's or a plain id). kDataLoss when the proof does not verify,
// kInvalidArgument when the item is not a device item.
Result<std::string> VerifyBatchMember(const BatchCommitment& commitment,
                                      const BatchMember& member);

// ParseBirthItem and ParseDeviceItem parse one batch item strictly (the encoding BatchItem
// gives): a born device, or a device id. kInvalidArgument otherwise.
Result<DeviceBirth> ParseBirthItem(ByteSpan item);
Result<std::string> ParseDeviceItem(ByteSpan item);

// SignedRecord is a parsed record: its content, who claims to have signed it, and the octets
// needed to verify that claim. Parsing does not verify the signature (that needs the signer's
// key, which LedgerState holds). Copyable and movable.
class SignedRecord {
 public:
  // encoded returns the signed record exactly as received: the ledger entry, the octets that
  // the log's leaf hash covers.
  const Bytes& encoded() const { return encoded_; }
  // attachment returns the attachment exactly as received (empty when the type has none or
  // when the record was parsed without it, see complete()).
  const Bytes& attachment() const { return attachment_; }
  // complete returns whether record() is whole: false only after ParseRecordEntry of a record
  // whose type has an attachment; its device list (or z) is then empty, and batch() (or the
  // z digest) says what the signature covers.
  bool complete() const { return complete_; }
  // batch returns the device-list commitment of a birth, transfer or binding record.
  const std::optional<BatchCommitment>& batch() const { return batch_; }
  // Bundle returns encoded() followed by attachment(): what SignRecord returned.
  Bytes Bundle() const;
  // signer returns the kid: the id of the organization that claims to have signed.
  const std::string& signer() const { return signer_; }
  // origin returns the ledger origin the record names.
  const std::string& origin() const { return origin_; }
  // record returns the content.
  const Record& record() const { return record_; }
  // protected_header, payload and signature view parts of encoded() (RFC 9052 §4.2).
  ByteSpan protected_header() const { return Part(protected_); }
  ByteSpan payload() const { return Part(payload_); }
  ByteSpan signature() const { return Part(signature_); }
  // ToBeSigned returns the Sig_structure that the signature covers (RFC 9052 §4.4).
  Bytes ToBeSigned() const;

  // VerifyWith checks the signature under |key| (RFC 9052 §4.4, RFC 8032 §5.1.7) and, when it
  // verifies, remembers |key|: LedgerState::Validate then skips verifying again if |key| is
  // still the signer's key. This lets a node verify signatures on many threads before its one
  // sequencing thread validates records in log order. Fails with kUnauthenticated otherwise
  // (and forgets any earlier key).
  Status VerifyWith(const OrgKey& key);
  // VerifiedWith returns whether VerifyWith accepted the signature under exactly |key|.
  bool VerifiedWith(const OrgKey& key) const {
    return verified_key_.has_value() && *verified_key_ == key;
  }

 private:
  friend Result<SignedRecord> ParseRecordImpl(ByteSpan entry, const ByteSpan* attachment);
  struct Range {
    size_t offset = 0;
    size_t size = 0;
  };
  ByteSpan Part(Range r) const { return ByteSpan(encoded_).subspan(r.offset, r.size); }

  Bytes encoded_;
  Bytes attachment_;
  bool complete_ = true;
  std::optional<BatchCommitment> batch_;
  std::string signer_;
  std::string origin_;
  Record record_;
  Range protected_;
  Range payload_;
  Range signature_;
  std::optional<OrgKey> verified_key_;
};

// ParseRecordImpl is internal to the record codec (use the ParseRecord functions below).
Result<SignedRecord> ParseRecordImpl(ByteSpan entry, const ByteSpan* attachment);

// ParseRecord parses a record bundle (SignRecord) strictly: the entry, a tagged COSE_Sign1 in
// deterministic CBOR whose protected header is exactly {alg: EdDSA, kid: org id} and whose
// unprotected header is empty, a 64-octet signature, and a payload that follows the schema of
// its type exactly (every key present, no unknown key, exact types, lengths and orders,
// attestation keys and KPAKs on P-256) and passes CheckRecord; then exactly the attachment its
// type has, in its one encoding, matching the payload's commitment (device count and Merkle
// root, or SHA-256 of z). On failure returns kInvalidArgument naming the problem; it never
// crashes, whatever the bytes. The signature is not verified here.
Result<SignedRecord> ParseRecord(ByteSpan bundle);

// ParseRecord(entry, attachment) is ParseRecord of the bundle entry || attachment, for a
// store that keeps them apart.
Result<SignedRecord> ParseRecord(ByteSpan entry, ByteSpan attachment);

// ParseRecordEntry parses a log entry alone, as a device does with a compact proof: the same
// checks of the signed record, but the attachment is absent (see SignedRecord::complete).
Result<SignedRecord> ParseRecordEntry(ByteSpan entry);

// EntrySize returns the length of the entry at the start of |bundle| (the tagged
// COSE_Sign1's octets) from its CBOR heads; kInvalidArgument if it is not one.
Result<size_t> EntrySize(ByteSpan bundle);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_RECORD_H_
