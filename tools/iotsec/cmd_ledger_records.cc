// Copyright iotsec authors.
// iotsec ledger keygen | admit | birth | transfer | bind | revoke | publish-kms | device: writing
// records to a ledger node and checking a device's state, from the command line (doc/cli.md).
// The records are those of doc/formats/ledger-records.md, built and signed with ledger/record.h
// and sent with server/ledger_client.h; `ledger device` verifies with ledger/state_proof.h.
//
// Exit status of the writing commands: 0 the node committed the record; 1 the node refused it
// (its message is printed); 2 usage, file or network errors. `ledger device`: 0 the state
// verified; 1 it did not (or the node does not know the device); 2 usage or network errors.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "iotsec/common/file.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/kms/files.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/state_proof.h"
#include "iotsec/onboard/seal.h"
#include "iotsec/server/ledger_client.h"

namespace iotsec::cli {
namespace {

// kDevicesFileName is the public device list that `birth --generate` writes into --keys-out.
constexpr char kDevicesFileName[] = "devices.txt";

// UsageError is a kInvalidArgument failure about the command line.
Unexpected UsageError(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// SplitList splits "A,B,C" and refuses empty items and duplicates; |what| names the option.
Result<std::vector<std::string>> SplitList(const std::string& text, const std::string& what) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.empty()) {
      return UsageError(what + ": empty item in \"" + text + "\"");
    }
    if (!seen.insert(item).second) {
      return UsageError(what + ": \"" + item + "\" is given twice");
    }
    out.push_back(std::move(item));
    if (comma == std::string::npos) {
      return out;
    }
    start = comma + 1;
  }
}

// ReadOrgKey reads an organization key file: the raw 32-octet Ed25519 seed (RFC 8032 §5.1.5),
// the format of `ledger keygen` and of a node's node.key.
Result<crypto::Ed25519PrivateKey> ReadOrgKey(const std::string& path) {
  auto key = crypto::Ed25519PrivateKey::FromSeedFile(path);
  if (!key) {
    return Fail(key.error().code(), "--key: " + key.error().message());
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// keygen

struct KeygenArgs {
  std::string out;
};

Outcome Keygen(const KeygenArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    if (Exists(a.out)) {
      return Fail(ErrorCode::kAlreadyExists, "--out " + a.out + " exists; refusing to overwrite");
    }
    IOTSEC_TRY(key, crypto::Ed25519PrivateKey::Generate());
    IOTSEC_TRY(seed, key.Seed());
    IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(a.out, seed.span(), 0600));
    const std::string pub = HexEncode(key.PublicKey().Bytes());
    Outcome o;
    o.line = "new organization key in " + a.out + " (mode 0600); public key " + pub;
    o.json = {{"ok", true}, {"key_file", a.out}, {"public_key", pub}};
    return o;
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

// ---------------------------------------------------------------------------------------------
// The writing commands: fetch origin and next sequence number, sign, submit.

struct WriterOptions {
  std::string server;
  std::string key;
  std::string as;
  void Add(CLI::App* cmd) {
    cmd->add_option("--server", server, "the ledger node, http://HOST:PORT")->required();
    cmd->add_option("--key", key, "the signer's key file (32-octet Ed25519 seed, as keygen)")
        ->required();
    cmd->add_option("--as", as, "the signer's organization id")->required();
  }
};

// IsRefusal returns whether |e|, the answer of the node to a request, is the node refusing the
// request (exit 1) rather than a transport or node failure (exit 2).
bool IsRefusal(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kDataLoss:
      return false;
    default:
      return true;
  }
}

// SignAndSubmit signs |body| as a.as with the next sequence number the node expects and submits it.
Outcome SignAndSubmit(const WriterOptions& a, ledger::RecordBody body) {
  auto usage = [](const Error& e) { return FromError(e, false); };
  auto key = ReadOrgKey(a.key);
  if (!key) {
    return usage(key.error());
  }
  if (auto st = ledger::CheckOrgId(a.as); !st) {
    return usage(Error(ErrorCode::kInvalidArgument, "--as: " + st.error().message()));
  }
  auto client = server::LedgerClient::Create(a.server);
  if (!client) {
    return usage(Error(ErrorCode::kInvalidArgument, "--server: " + client.error().message()));
  }
  auto origin = client->Origin();
  if (!origin) {
    return FromError(origin.error(), false);
  }
  auto seq = client->NextSeq(a.as);
  if (!seq) {
    // An organization the ledger does not know is refused, as its record would be.
    return FromError(seq.error(), seq.error().code() == ErrorCode::kNotFound);
  }
  auto signer = ledger::OrgSigner::Create(*origin, a.as, *key);
  if (!signer) {
    return usage(signer.error());
  }
  ledger::Record record{*seq, std::move(body)};
  ledger::SortBatch(record);
  auto encoded = ledger::SignRecord(record, *signer);
  if (!encoded) {
    return usage(encoded.error());
  }
  const std::string type(ledger::RecordTypeName(record.type()));
  auto landed = client->Submit(*encoded);
  if (!landed) {
    Outcome o = FromError(landed.error(), IsRefusal(landed.error()));
    if (o.exit == kExitCheckFailed) {
      o.line = "refused by the node (" + std::string(ErrorCodeName(landed.error().code())) +
               "): " + landed.error().message();
      o.json["record_type"] = type;
    }
    return o;
  }
  const std::string leaf = HexEncode(landed->leaf_hash);
  Outcome o;
  o.line = type + " by " + a.as + " (seq " + std::to_string(*seq) + ") committed at index " +
           std::to_string(landed->index) + ", leaf hash " + leaf;
  o.json = {{"ok", true}, {"index", landed->index}, {"leaf_hash", leaf}, {"record_type", type}};
  return o;
}

// ---------------------------------------------------------------------------------------------
// admit

struct AdmitArgs {
  WriterOptions w;
  std::string org, roles, public_key, name;
};

Result<ledger::RecordBody> AdmitBody(const AdmitArgs& a) {
  ledger::OrgAdmission adm;
  if (auto st = ledger::CheckOrgId(a.org); !st) {
    return UsageError("--org: " + st.error().message());
  }
  adm.org_id = a.org;
  adm.name = a.name.empty() ? a.org : a.name;
  IOTSEC_TRY(names, SplitList(a.roles, "--role"));
  for (const std::string& n : names) {
    auto role = ledger::ParseRole(n);
    if (!role) {
      return UsageError("--role: \"" + n +
                        "\" is not a role (manufacturer, owner, mno, sp, ledger_node, witness)");
    }
    adm.roles.Add(*role);
  }
  auto key = HexDecodeExact(a.public_key, crypto::kEd25519KeySize, "--public-key");
  if (!key) {
    return UsageError(key.error().message());
  }
  std::copy(key->begin(), key->end(), adm.key.begin());
  return ledger::RecordBody(std::move(adm));
}

// ---------------------------------------------------------------------------------------------
// birth

struct BirthArgs {
  WriterOptions w;
  std::string devices;
  size_t generate = 0;
  std::string prefix, model, keys_out;
  CLI::Option* devices_opt = nullptr;
  CLI::Option* generate_opt = nullptr;
};

// ParseAttestationKey checks an uncompressed P-256 point (SEC 1 v2 §2.3.4, on the curve).
Result<ledger::AttestationKey> ParseAttestationKey(std::string_view hex) {
  IOTSEC_TRY(raw, HexDecodeExact(hex, crypto::kP256UncompressedSize, "attestation key"));
  IOTSEC_TRY(pub, crypto::EcdsaP256PublicKey::FromUncompressed(raw));
  return pub.Uncompressed();
}

// ParseDevicesFile reads lines "SERIAL ATTESTATION_KEY_HEX MODEL": fields separated by spaces
// or tabs, MODEL the rest of the line; empty lines and lines starting with '#' are skipped.
Result<ledger::DeviceBirthBatch> ParseDevicesFile(const std::string& path,
                                                  const std::string& manufacturer) {
  IOTSEC_TRY(data, ReadFile(path));
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  ledger::DeviceBirthBatch batch;
  std::set<std::string> seen;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto field = [&line]() {
      const size_t start = line.find_first_not_of(" \t");
      line.remove_prefix(start == std::string_view::npos ? line.size() : start);
      const size_t stop = line.find_first_of(" \t");
      std::string_view f = line.substr(0, stop);
      line.remove_prefix(f.size());
      return f;
    };
    const std::string_view serial = field();
    const std::string_view key_hex = field();
    const size_t model_start = line.find_first_not_of(" \t");
    if (serial.empty() || key_hex.empty() || model_start == std::string_view::npos) {
      return UsageError(where + "want SERIAL ATTESTATION_KEY_HEX MODEL");
    }
    std::string_view model = line.substr(model_start);
    while (!model.empty() && (model.back() == ' ' || model.back() == '\t')) {
      model.remove_suffix(1);
    }
    auto id = ledger::MakeDeviceId(manufacturer, serial);
    if (!id) {
      return UsageError(where + id.error().message());
    }
    auto key = ParseAttestationKey(key_hex);
    if (!key) {
      return UsageError(where + key.error().message());
    }
    if (!seen.insert(*id).second) {
      return UsageError(where + "device " + *id + " is listed twice");
    }
    if (batch.devices.size() == ledger::kMaxBatchDevices) {
      return UsageError(where + "more than " + std::to_string(ledger::kMaxBatchDevices) +
                        " devices in one birth record");
    }
    batch.devices.push_back({*id, *key, std::string(model)});
  }
  if (batch.devices.empty()) {
    return UsageError(path + ": no devices");
  }
  return batch;
}

// GeneratedKeys are the files that `birth --generate` wrote, removed again if the birth fails.
struct GeneratedKeys {
  std::vector<std::string> files;
  std::string dir;
  bool created_dir = false;
  void Remove() const {
    for (const std::string& f : files) {
      unlink(f.c_str());
    }
    if (created_dir) {
      rmdir(dir.c_str());
    }
  }
};

// GenerateDevices makes |a.generate| P-256 attestation key pairs (FIPS 186-4 key generation in
// crypto/ecdsa.h), serials PREFIX0001..., and writes DIR/<serial>.key (the 32-octet raw
// big-endian private scalar d, mode 0600) and DIR/devices.txt (the --devices format).
Result<ledger::DeviceBirthBatch> GenerateDevices(const BirthArgs& a, GeneratedKeys& files) {
  if (a.generate == 0 || a.generate > ledger::kMaxBatchDevices) {
    return UsageError("--generate: want 1.." + std::to_string(ledger::kMaxBatchDevices));
  }
  if (a.prefix.empty() || a.model.empty() || a.keys_out.empty()) {
    return UsageError("--generate needs --prefix, --model and --keys-out");
  }
  if (a.model.size() > ledger::kMaxModelSize) {
    return UsageError("--model: at most " + std::to_string(ledger::kMaxModelSize) + " octets");
  }
  const std::string manufacturer = a.w.as;
  // Check every name before writing anything.
  std::vector<std::string> serials;
  for (size_t i = 1; i <= a.generate; ++i) {
    char num[24];
    std::snprintf(num, sizeof(num), "%04zu", i);
    serials.push_back(a.prefix + num);
    if (auto id = ledger::MakeDeviceId(manufacturer, serials.back()); !id) {
      return UsageError("--prefix: " + id.error().message());
    }
    if (Exists(a.keys_out + "/" + serials.back() + ".key")) {
      return Fail(ErrorCode::kAlreadyExists,
                  a.keys_out + "/" + serials.back() + ".key exists; refusing to overwrite");
    }
  }
  const std::string list_path = a.keys_out + "/" + kDevicesFileName;
  if (Exists(list_path)) {
    return Fail(ErrorCode::kAlreadyExists, list_path + " exists; refusing to overwrite");
  }
  files.dir = a.keys_out;
  files.created_dir = !Exists(a.keys_out);
  IOTSEC_RETURN_IF_ERROR(MakeDirectory(a.keys_out, 0700));
  ledger::DeviceBirthBatch batch;
  std::string list;
  for (const std::string& serial : serials) {
    IOTSEC_TRY(key, crypto::EcdsaP256PrivateKey::Generate());
    IOTSEC_TRY(scalar, key.Scalar());
    const std::string path = a.keys_out + "/" + serial + ".key";
    IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(path, scalar.span(), 0600));
    files.files.push_back(path);
    const ledger::AttestationKey pub = key.PublicKey().Uncompressed();
    IOTSEC_TRY(id, ledger::MakeDeviceId(manufacturer, serial));
    batch.devices.push_back({id, pub, a.model});
    list += serial + " " + HexEncode(pub) + " " + a.model + "\n";
  }
  IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(list_path, AsBytes(list), 0644));
  files.files.push_back(list_path);
  return batch;
}

Outcome Birth(const BirthArgs& a) {
  const bool from_file = a.devices_opt->count() > 0;
  const bool generate = a.generate_opt->count() > 0;
  if (from_file == generate) {
    return FromError(
        Error(ErrorCode::kInvalidArgument, "give exactly one of --devices FILE and --generate N"),
        false);
  }
  if (from_file && (!a.prefix.empty() || !a.model.empty() || !a.keys_out.empty())) {
    return FromError(Error(ErrorCode::kInvalidArgument,
                           "--prefix, --model and --keys-out go with --generate only"),
                     false);
  }
  if (auto st = ledger::CheckOrgId(a.w.as); !st) {
    return FromError(Error(ErrorCode::kInvalidArgument, "--as: " + st.error().message()), false);
  }
  GeneratedKeys files;
  auto batch = from_file ? ParseDevicesFile(a.devices, a.w.as) : GenerateDevices(a, files);
  if (!batch) {
    files.Remove();
    return FromError(batch.error(), false);
  }
  const size_t count = batch->devices.size();
  Outcome o = SignAndSubmit(a.w, std::move(*batch));
  if (o.exit != kExitOk) {
    files.Remove();  // the devices were not born: their keys are of no use
    return o;
  }
  o.line += "; " + std::to_string(count) + " device(s)";
  o.json["devices"] = count;
  if (generate) {
    o.line += ", keys in " + a.keys_out;
    o.json["keys_out"] = a.keys_out;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// transfer, bind, revoke

// ParseDevices parses --device ID[,ID...]: each urn:dev:<manufacturer>:<serial>.
Result<std::vector<std::string>> ParseDevices(const std::string& text) {
  IOTSEC_TRY(ids, SplitList(text, "--device"));
  if (ids.size() > ledger::kMaxBatchDevices) {
    return UsageError("--device: at most " + std::to_string(ledger::kMaxBatchDevices) + " devices");
  }
  for (const std::string& id : ids) {
    if (auto p = ledger::ParseDeviceId(id); !p) {
      return UsageError("--device: " + p.error().message());
    }
  }
  return ids;
}

Result<std::string> ParseOrg(const std::string& text, const std::string& what) {
  if (auto st = ledger::CheckOrgId(text); !st) {
    return UsageError(what + ": " + st.error().message());
  }
  return text;
}

struct TransferArgs {
  WriterOptions w;
  std::string devices, to;
};

Result<ledger::RecordBody> TransferBody(const TransferArgs& a) {
  ledger::OwnershipTransfer t;
  IOTSEC_TRY(devices, ParseDevices(a.devices));
  IOTSEC_TRY(to, ParseOrg(a.to, "--to"));
  t.devices = std::move(devices);
  t.new_owner = std::move(to);
  return ledger::RecordBody(std::move(t));
}

struct BindArgs {
  WriterOptions w;
  std::string devices, mno, sps;
};

Result<ledger::RecordBody> BindBody(const BindArgs& a) {
  ledger::Binding b;
  IOTSEC_TRY(devices, ParseDevices(a.devices));
  b.devices = std::move(devices);
  if (!a.mno.empty()) {
    IOTSEC_TRY(mno, ParseOrg(a.mno, "--mno"));
    b.mno = std::move(mno);
  }
  if (!a.sps.empty()) {
    IOTSEC_TRY(sps, SplitList(a.sps, "--sp"));
    if (sps.size() > ledger::kMaxSps) {
      return UsageError("--sp: at most " + std::to_string(ledger::kMaxSps) + " providers");
    }
    for (const std::string& sp : sps) {
      IOTSEC_TRY(ok, ParseOrg(sp, "--sp"));
      b.sps.push_back(std::move(ok));
    }
  }
  return ledger::RecordBody(std::move(b));
}

struct RevokeArgs {
  WriterOptions w;
  std::string device, org;
};

Result<ledger::RecordBody> RevokeBody(const RevokeArgs& a) {
  if (a.device.empty() == a.org.empty()) {
    return UsageError("give exactly one of --device ID and --org ID");
  }
  ledger::Revocation r;
  if (!a.device.empty()) {
    if (auto p = ledger::ParseDeviceId(a.device); !p) {
      return UsageError("--device: " + p.error().message());
    }
    r.kind = ledger::RevocationTarget::kDevice;
    r.target = a.device;
  } else {
    IOTSEC_TRY(org, ParseOrg(a.org, "--org"));
    r.kind = ledger::RevocationTarget::kOrg;
    r.target = std::move(org);
  }
  return ledger::RecordBody(std::move(r));
}

// publish-kms: the KMS public parameters of an MNO or SP (X.1365 public parameter lookup from
// the ledger; RFC 6507 KPAK, RFC 6508 Z_S), read from its kms.pub.
struct PublishKmsArgs {
  WriterOptions w;
  std::string kms_pub;
  std::string onboarding_key;
  std::string period;
};

Result<ledger::RecordBody> PublishKmsBody(const PublishKmsArgs& a) {
  auto text = ReadFile(a.kms_pub, size_t{64} << 10);
  if (!text) {
    return Fail(text.error().code(), "--kms-pub: " + text.error().message());
  }
  auto params = kms::ParsePublicParams(*text);
  if (!params) {
    return UsageError("--kms-pub " + a.kms_pub + ": " + params.error().message());
  }
  ledger::KmsParams k;
  if (a.period.empty()) {
    k.period = ibc::CurrentKeyPeriod();
  } else {
    IOTSEC_TRY(period, ibc::ParseKeyPeriod(a.period));
    k.period = period;
  }
  k.kpak = params->kpak;
  k.z = params->z;
  bool created = false;
  auto onboarding = onboard::LoadOrCreateOnboardingKey(a.onboarding_key, &created);
  if (!onboarding) {
    return UsageError("--onboarding-key " + a.onboarding_key + ": " +
                      onboarding.error().message());
  }
  if (created) {
    std::fprintf(stderr, "created the onboarding key %s (mode 0600)\n", a.onboarding_key.c_str());
  }
  k.onboarding_key = onboarding->PublicKey();
  return ledger::RecordBody(k);
}

// Write builds the body with |make| and, if the arguments are good, signs and submits it.
template <typename Args, typename Make>
Outcome Write(const Args& a, Make make) {
  auto body = make(a);
  if (!body) {
    return FromError(body.error(), false);
  }
  return SignAndSubmit(a.w, std::move(*body));
}

// ---------------------------------------------------------------------------------------------
// device

struct DeviceArgs {
  std::string server, device, origin;
  std::vector<std::string> anchors;
  size_t threshold = 1;
};

Outcome Device(const DeviceArgs& a) {
  auto usage = [](const std::string& m) {
    return FromError(Error(ErrorCode::kInvalidArgument, m), false);
  };
  if (auto p = ledger::ParseDeviceId(a.device); !p) {
    return usage("--device: " + p.error().message());
  }
  ledger::DeviceTrust trust;
  for (const std::string& vkey : a.anchors) {
    auto v = ledger::NoteVerifier::Parse(vkey);
    if (!v) {
      return usage("--anchor \"" + vkey + "\": " + v.error().message());
    }
    trust.anchors.push_back(*v);
  }
  if (a.threshold < 1 || a.threshold > trust.anchors.size()) {
    return usage("--threshold: want 1.." + std::to_string(trust.anchors.size()));
  }
  trust.threshold = a.threshold;
  trust.origin = a.origin.empty() ? trust.anchors.front().name() : a.origin;
  if (auto st = ledger::CheckOrigin(trust.origin); !st) {
    return usage("--origin: " + st.error().message());
  }
  auto client = server::LedgerClient::Create(a.server);
  if (!client) {
    return usage("--server: " + client.error().message());
  }
  auto text = client->DeviceStateJson(a.device);
  if (!text) {
    // The node saying that it does not know the device is a failed check, not a usage error.
    return FromError(text.error(), text.error().code() == ErrorCode::kNotFound);
  }
  auto fail = [&](const Error& e) {
    Outcome o = FromError(e, true);
    o.line = "NOT verified: " + e.message();
    o.json["verified"] = false;
    return o;
  };
  auto answer = ledger::ParseDeviceStateJson(*text);
  if (!answer) {
    return fail(Error(answer.error().code(), "malformed answer: " + answer.error().message()));
  }
  auto view = ledger::VerifyDeviceState(*answer, a.device, trust);
  if (!view) {
    return fail(view.error());
  }
  std::string sps;
  for (const std::string& sp : view->sps) {
    sps += (sps.empty() ? "" : ",") + sp;
  }
  Outcome o;
  o.line = "verified " + view->device_id + " (tree size " + std::to_string(answer->tree_size) +
           "): manufacturer " + view->manufacturer + ", model " + view->model + ", owner " +
           view->owner + ", mno " + view->mno.value_or("none") + ", sps " +
           (sps.empty() ? "none" : sps) + ", " + (view->revoked() ? "REVOKED" : "not revoked");
  o.json = {{"ok", true},
            {"verified", true},
            {"device_id", view->device_id},
            {"manufacturer", view->manufacturer},
            {"model", view->model},
            {"attestation_key", HexEncode(view->attestation_key)},
            {"owner", view->owner},
            {"mno", view->mno ? nlohmann::json(*view->mno) : nlohmann::json(nullptr)},
            {"sps", view->sps},
            {"revoked", view->revoked()},
            {"tree_size", answer->tree_size}};
  return o;
}

}  // namespace

void AddLedgerRecordCommands(CLI::App* ledger, std::vector<Command>& out) {
  auto keygen = std::make_shared<KeygenArgs>();
  CLI::App* cmd = ledger->add_subcommand(
      "keygen",
      "Make a new organization key: FILE gets its 32-octet Ed25519 seed (mode 0600); "
      "prints the public key hex (what `ledger admit --public-key` takes)");
  cmd->add_option("--out", keygen->out, "key file to create (never overwritten)")->required();
  out.push_back({cmd, [keygen] { return Keygen(*keygen); }});

  auto admit = std::make_shared<AdmitArgs>();
  cmd = ledger->add_subcommand(
      "admit",
      "Admit an organization (signed by an admitter, e.g. the node's root \"node\" "
      "with the node key)");
  admit->w.Add(cmd);
  cmd->add_option("--org", admit->org, "the new organization's id ([a-z0-9.-], 1..64)")->required();
  cmd->add_option("--role", admit->roles,
                  "its roles, comma-separated: manufacturer, owner, mno, sp, ledger_node, "
                  "witness")
      ->required();
  cmd->add_option("--public-key", admit->public_key,
                  "its Ed25519 public key, 64 hex digits (from `ledger keygen`)")
      ->required();
  cmd->add_option("--name", admit->name, "its display name (default: the id)");
  out.push_back({cmd, [admit] { return Write(*admit, AdmitBody); }});

  auto birth = std::make_shared<BirthArgs>();
  cmd = ledger->add_subcommand(
      "birth",
      "Record the birth of devices, signed by their manufacturer (--as); device ids are "
      "urn:dev:<manufacturer>:<serial>");
  birth->w.Add(cmd);
  birth->devices_opt = cmd->add_option(
      "--devices", birth->devices,
      "file of lines \"SERIAL ATTESTATION_KEY_HEX MODEL\" (uncompressed P-256 key, 130 hex)");
  birth->generate_opt = cmd->add_option("--generate", birth->generate,
                                        "instead: make N new P-256 attestation key pairs");
  cmd->add_option("--prefix", birth->prefix,
                  "with --generate: serial prefix; serials are PREFIX0001, PREFIX0002, ...");
  cmd->add_option("--model", birth->model, "with --generate: the devices' model");
  cmd->add_option("--keys-out", birth->keys_out,
                  "with --generate: directory for SERIAL.key (raw 32-octet P-256 private "
                  "scalar, mode 0600) and devices.txt (the --devices format)");
  out.push_back({cmd, [birth] { return Birth(*birth); }});

  auto transfer = std::make_shared<TransferArgs>();
  cmd = ledger->add_subcommand(
      "transfer", "Transfer devices to a new owner, signed by their current owner (--as)");
  transfer->w.Add(cmd);
  cmd->add_option("--device", transfer->devices, "device ids, comma-separated")->required();
  cmd->add_option("--to", transfer->to, "the new owner's organization id")->required();
  out.push_back({cmd, [transfer] { return Write(*transfer, TransferBody); }});

  auto bind = std::make_shared<BindArgs>();
  cmd = ledger->add_subcommand(
      "bind",
      "Bind devices to an MNO and service providers, signed by their current owner "
      "(--as); replaces their previous binding (neither --mno nor --sp: unbind)");
  bind->w.Add(cmd);
  cmd->add_option("--device", bind->devices, "device ids, comma-separated")->required();
  cmd->add_option("--mno", bind->mno, "the MNO's organization id");
  cmd->add_option("--sp", bind->sps, "service providers' organization ids, comma-separated");
  out.push_back({cmd, [bind] { return Write(*bind, BindBody); }});

  auto revoke = std::make_shared<RevokeArgs>();
  cmd = ledger->add_subcommand(
      "revoke",
      "Revoke a device (by its manufacturer or current owner) or an organization (by "
      "the organization that admitted it)");
  revoke->w.Add(cmd);
  cmd->add_option("--device", revoke->device, "the device id to revoke");
  cmd->add_option("--org", revoke->org, "the organization id to revoke");
  out.push_back({cmd, [revoke] { return Write(*revoke, RevokeBody); }});

  auto publish = std::make_shared<PublishKmsArgs>();
  cmd = ledger->add_subcommand(
      "publish-kms",
      "Publish the KMS public parameters (ECCSI KPAK, SAKKE Z) of an MNO or SP (--as) "
      "from its kms.pub, and the X25519 key devices seal onboarding requests to, valid from a "
      "key period until it publishes a later one");
  publish->w.Add(cmd);
  cmd->add_option("--kms-pub", publish->kms_pub, "the KMS's kms.pub (`iotsec kms init`)")
      ->required();
  cmd->add_option("--onboarding-key", publish->onboarding_key,
                  "the service's X25519 onboarding private key (32 raw octets; created with "
                  "mode 0600 if missing); its public half is published")
      ->required();
  cmd->add_option("--period", publish->period,
                  "first key period YYYY-MM they hold for (default: this month, UTC)");
  out.push_back({cmd, [publish] { return Write(*publish, PublishKmsBody); }});

  auto device = std::make_shared<DeviceArgs>();
  cmd = ledger->add_subcommand(
      "device",
      "What a device does: fetch its state from the node and verify it against its "
      "trust anchors (checkpoint signatures, inclusion proofs, record contents); "
      "exit 0 verified, 1 not verified, 2 usage or network error");
  cmd->add_option("--server", device->server, "the ledger node, http://HOST:PORT")->required();
  cmd->add_option("--device", device->device, "the device id")->required();
  cmd->add_option("--anchor", device->anchors,
                  "a trusted checkpoint verifier key (as `iotsec serve` prints it); repeatable")
      ->required();
  cmd->add_option("--threshold", device->threshold,
                  "how many anchors must have signed the checkpoint")
      ->default_str("1");
  cmd->add_option("--origin", device->origin,
                  "the ledger origin (default: the key name of the first anchor)");
  out.push_back({cmd, [device] { return Device(*device); }});
}

}  // namespace iotsec::cli
