// Copyright iotsec authors.
// iotsec ibc ...: ECCSI signatures and SAKKE key transport from the command line.
#include <unistd.h>

#include <memory>

#include "commands.h"
#include "iotsec/common/file.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"
#include "iotsec/kms/kms.h"

namespace iotsec::cli {
namespace {

constexpr size_t kMaxKeyFileSize = 16 * 1024;

Result<kms::PublicParams> LoadPublic(const std::string& path) {
  IOTSEC_TRY(text, ReadFile(path, kMaxKeyFileSize));
  auto p = kms::ParsePublicParams(text);
  if (!p) {
    return Fail(p.error().code(), path + ": " + p.error().message());
  }
  return p;
}

Result<kms::UserKey> LoadKey(const std::string& path) {
  crypto::SecretBytes text;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(path, text, kMaxKeyFileSize));
  auto k = kms::ParseKeyFile(text.span());
  if (!k) {
    return Fail(k.error().code(), path + ": " + k.error().message());
  }
  return k;
}

// CheckRelyingParty applies what a relying party checks of an identity before trusting it: its
// key period against |now| and, when given, the KMS's revocation list.
Status CheckRelyingParty(ByteSpan id, const PeriodOption& at, const std::string& revocations) {
  IOTSEC_TRY(now, at.Get());
  IOTSEC_RETURN_IF_ERROR(ibc::CheckKeyPeriod(id, now));
  if (!revocations.empty()) {
    auto list = kms::LoadRevocations(revocations);
    if (!list) {
      return Fail(list.error().code(), revocations + ": " + list.error().message());
    }
    if (list->Contains(id)) {
      return Fail(ErrorCode::kPermissionDenied, "the identity is revoked");
    }
  }
  return Ok();
}

bool IsCheckFailure(const Error& e) {
  return e.code() == ErrorCode::kUnauthenticated || e.code() == ErrorCode::kFailedPrecondition ||
         e.code() == ErrorCode::kPermissionDenied;
}

struct SignArgs {
  std::string key, kms_pub, in, out;
  PeriodOption at;
};

Outcome Sign(const SignArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    IOTSEC_TRY(params, LoadPublic(a.kms_pub));
    IOTSEC_TRY(key, LoadKey(a.key));
    IOTSEC_TRY(now, a.at.Get());
    IOTSEC_RETURN_IF_ERROR(ibc::CheckKeyPeriod(key.id, now));
    IOTSEC_TRY(msg, ReadFile(a.in));
    auto signer = ibc::EccsiSigner::Create(params.kpak, key.id, key.ssk, key.pvt);
    if (!signer) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the key in " + a.key + " does not belong to " + a.kms_pub + ": " +
                      signer.error().message());
    }
    IOTSEC_TRY(sig, signer->Sign(msg, crypto::SystemRng()));
    IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(a.out, sig));
    Outcome o;
    o.line = "signed " + std::to_string(msg.size()) + " octets; signature (129 octets) in " + a.out;
    o.json = {{"ok", true}, {"id", HexEncode(key.id)}, {"signature", HexEncode(sig)}};
    return o;
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

struct VerifyArgs {
  std::string kms_pub, in, sig, revocations;
  IdentityOption id;
  PeriodOption at;
};

Outcome Verify(const VerifyArgs& a) {
  auto prepare = [&]() -> Result<std::tuple<kms::PublicParams, Bytes, Bytes, Bytes>> {
    IOTSEC_TRY(id, a.id.Get());
    IOTSEC_TRY(params, LoadPublic(a.kms_pub));
    IOTSEC_TRY(msg, ReadFile(a.in));
    IOTSEC_TRY(sig, ReadFile(a.sig, 4096));
    if (sig.size() != ibc::kEccsiSignatureSize) {
      return Fail(ErrorCode::kInvalidArgument, a.sig + ": a signature is 129 octets, got " +
                                                   std::to_string(sig.size()));
    }
    return std::make_tuple(params, id, msg, sig);
  };
  auto in = prepare();
  if (!in) {
    return FromError(in.error(), false);
  }
  auto& [params, id, msg, sig] = *in;
  Status st = CheckRelyingParty(id, a.at, a.revocations);
  if (st) {
    st = ibc::EccsiVerify(params.kpak, id, msg, sig);
  }
  if (!st) {
    Outcome o = FromError(st.error(), IsCheckFailure(st.error()));
    if (o.exit == kExitCheckFailed) {
      o.line = "signature refused: " + st.error().message();
      o.json["valid"] = false;
    }
    return o;
  }
  Outcome o;
  o.line = "signature valid";
  o.json = {{"ok", true}, {"valid", true}, {"id", HexEncode(id)}};
  return o;
}

struct EncapsulateArgs {
  std::string kms_pub, out, ssv_out, revocations;
  IdentityOption id;
  PeriodOption at;
};

Outcome Encapsulate(const EncapsulateArgs& a) {
  auto run = [&]() -> Result<Outcome> {
    IOTSEC_TRY(id, a.id.Get());
    if (a.out == a.ssv_out) {
      return Fail(ErrorCode::kInvalidArgument, "--out and --ssv-out must be different files");
    }
    IOTSEC_TRY(params, LoadPublic(a.kms_pub));
    IOTSEC_RETURN_IF_ERROR(CheckRelyingParty(id, a.at, a.revocations));
    IOTSEC_TRY(enc, ibc::SakkeEncapsulate(params.z, id, crypto::SystemRng()));
    IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(a.out, enc.data));
    if (auto st = WriteFileAtomic(a.ssv_out, enc.ssv.span(), 0600); !st) {
      ::unlink(a.out.c_str());  // leave no partial output behind
      return Unexpected(st.error());
    }
    Outcome o;
    o.line = "encapsulated a fresh 128-bit SSV to the identity: " + a.out + " (273 octets), " +
             a.ssv_out + " (16 octets, mode 0600)";
    o.json = {{"ok", true}, {"id", HexEncode(id)}, {"encapsulated", HexEncode(enc.data)}};
    return o;
  };
  auto r = run();
  return r ? *r : FromError(r.error(), false);
}

struct DecapsulateArgs {
  std::string key, kms_pub, in, ssv_out;
  PeriodOption at;
};

Outcome Decapsulate(const DecapsulateArgs& a) {
  auto prepare = [&]() -> Result<std::tuple<kms::PublicParams, kms::UserKey, Bytes>> {
    IOTSEC_TRY(params, LoadPublic(a.kms_pub));
    IOTSEC_TRY(key, LoadKey(a.key));
    IOTSEC_TRY(now, a.at.Get());
    IOTSEC_RETURN_IF_ERROR(ibc::CheckKeyPeriod(key.id, now));
    IOTSEC_TRY(enc, ReadFile(a.in, 4096));
    if (enc.size() != ibc::kSakkeEncapsulatedSize) {
      return Fail(ErrorCode::kInvalidArgument, a.in + ": encapsulated data is 273 octets, got " +
                                                   std::to_string(enc.size()));
    }
    return std::make_tuple(params, std::move(key), enc);
  };
  auto in = prepare();
  if (!in) {
    return FromError(in.error(), false);
  }
  auto& [params, key, enc] = *in;
  auto receiver = ibc::SakkeReceiver::Create(params.z, key.id, key.rsk);
  if (!receiver) {
    return FromError(Error(ErrorCode::kInvalidArgument, "the key in " + a.key +
                                                            " does not belong to " + a.kms_pub +
                                                            ": " + receiver.error().message()),
                     false);
  }
  auto ssv = receiver->Decapsulate(enc);
  if (!ssv) {
    Outcome o = FromError(ssv.error(), ssv.error().code() == ErrorCode::kUnauthenticated);
    if (o.exit == kExitCheckFailed) {
      o.line = "encapsulated data refused: " + ssv.error().message();
    }
    return o;
  }
  if (auto st = WriteFileAtomic(a.ssv_out, ssv->span(), 0600); !st) {
    return FromError(st.error(), false);
  }
  Outcome o;
  o.line = "recovered the SSV into " + a.ssv_out + " (16 octets, mode 0600)";
  o.json = {{"ok", true}, {"id", HexEncode(key.id)}};
  return o;
}

}  // namespace

void AddIbcCommands(CLI::App& root, std::vector<Command>& out) {
  CLI::App* ibc = root.add_subcommand(
      "ibc", "Identity-based signatures (ECCSI, RFC 6507) and key transport (SAKKE, RFC 6508)");
  ibc->require_subcommand(1);

  auto s = std::make_shared<SignArgs>();
  CLI::App* sign = ibc->add_subcommand("sign", "Sign MSGFILE with an identity's key (ECCSI); "
                                               "SIGFILE gets the 129 octets r || s || PVT");
  sign->add_option("--key", s->key, "key file from `kms issue`")->required();
  sign->add_option("--kms-pub", s->kms_pub, "the KMS's kms.pub")->required();
  sign->add_option("--in", s->in, "message file")->required();
  sign->add_option("--out", s->out, "signature file to write")->required();
  s->at.Add(sign);
  out.push_back({sign, [s] { return Sign(*s); }});

  auto v = std::make_shared<VerifyArgs>();
  CLI::App* verify = ibc->add_subcommand(
      "verify", "Verify an ECCSI signature by an identity, knowing only the KMS's KPAK; "
                "exit 0 valid, 1 invalid, 2 error");
  verify->add_option("--kms-pub", v->kms_pub, "the KMS's kms.pub")->required();
  v->id.Add(verify);
  verify->add_option("--in", v->in, "message file")->required();
  verify->add_option("--sig", v->sig, "signature file (129 octets)")->required();
  verify->add_option("--revocations", v->revocations, "the KMS's revocations file (optional)");
  v->at.Add(verify);
  out.push_back({verify, [v] { return Verify(*v); }});

  auto e = std::make_shared<EncapsulateArgs>();
  CLI::App* encap = ibc->add_subcommand(
      "encapsulate", "Send a fresh 128-bit secret (SSV) to an identity with SAKKE: ENCFILE gets "
                     "the 273 octets R || H, SSVFILE the 16-octet SSV");
  encap->add_option("--kms-pub", e->kms_pub, "the KMS's kms.pub")->required();
  e->id.Add(encap);
  encap->add_option("--out", e->out, "encapsulated data file to write")->required();
  encap->add_option("--ssv-out", e->ssv_out, "SSV file to write (mode 0600)")->required();
  encap->add_option("--revocations", e->revocations, "the KMS's revocations file (optional)");
  e->at.Add(encap);
  out.push_back({encap, [e] { return Encapsulate(*e); }});

  auto d = std::make_shared<DecapsulateArgs>();
  CLI::App* decap = ibc->add_subcommand(
      "decapsulate", "Recover the SSV from SAKKE encapsulated data with an identity's key; "
                     "exit 0 recovered, 1 the data does not authenticate, 2 error");
  decap->add_option("--key", d->key, "key file from `kms issue`")->required();
  decap->add_option("--kms-pub", d->kms_pub, "the KMS's kms.pub")->required();
  decap->add_option("--in", d->in, "encapsulated data file (273 octets)")->required();
  decap->add_option("--ssv-out", d->ssv_out, "SSV file to write (mode 0600)")->required();
  d->at.Add(decap);
  out.push_back({decap, [d] { return Decapsulate(*d); }});

  auto scale = std::make_shared<int>(1);
  CLI::App* bench = ibc->add_subcommand(
      "bench", "Time ECCSI, SAKKE and, in the same run, OpenSSL ECDSA P-256 (µs per operation)");
  bench->add_option("--scale", *scale, "multiply the iteration counts (default 1)")
      ->check(CLI::Range(1, 1000));
  out.push_back({bench, [scale] { return RunIbcBench(*scale); }});
}

}  // namespace iotsec::cli
