// Copyright iotsec authors.
// iotsec ibc bench: µs per operation for ECCSI and SAKKE, and for OpenSSL ECDSA P-256 measured
// in the same run as the reference (BENCHMARKS.md). Each figure is the mean over a timed loop
// after a warm-up; the machine's noise is why the ratios, not the absolute values, matter.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "commands.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"
#include "iotsec/kms/kms.h"

namespace iotsec::cli {
namespace {

// Discard keeps only the success or failure of |r|.
template <typename T>
Status Discard(const Result<T>& r) {
  if (!r) {
    return Unexpected(r.error());
  }
  return Ok();
}

// TimeUs runs |op| |iterations| times after |iterations|/10 + 1 warm-up calls and returns the
// mean µs per call; a failing call aborts the benchmark with its error.
Result<double> TimeUs(int iterations, const std::function<Status()>& op) {
  for (int i = 0; i < iterations / 10 + 1; ++i) {
    IOTSEC_RETURN_IF_ERROR(op());
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    IOTSEC_RETURN_IF_ERROR(op());
  }
  std::chrono::duration<double, std::micro> d = std::chrono::steady_clock::now() - start;
  return d.count() / iterations;
}

struct Row {
  const char* name;
  double us;
};

Result<std::vector<Row>> Measure(int scale) {
  crypto::Rng& rng = crypto::SystemRng();
  IOTSEC_TRY(kms, kms::Kms::Initialize(rng));
  const kms::PublicParams& pub = kms.public_params();
  IOTSEC_TRY(id, ibc::MakeIdentity(ibc::CurrentKeyPeriod(), "urn:dev:bench:0001"));
  IOTSEC_TRY(key, kms.Issue(id, ibc::CurrentKeyPeriod(), rng));
  IOTSEC_TRY(signer, ibc::EccsiSigner::Create(pub.kpak, id, key.ssk, key.pvt));
  IOTSEC_TRY(verifier, ibc::EccsiVerifier::Create(pub.kpak, id, key.pvt));
  IOTSEC_TRY(sender, ibc::SakkeSender::Create(pub.z, id));
  IOTSEC_TRY(receiver, ibc::SakkeReceiver::Create(pub.z, id, key.rsk));
  IOTSEC_TRY(ecdsa, crypto::EcdsaP256PrivateKey::Generate());
  const crypto::EcdsaP256PublicKey ecdsa_pub = ecdsa.PublicKey();

  // Issuing is timed with master secrets of the bench's own, as a KMS holds them.
  IOTSEC_TRY(ksak, ibc::EccsiGenerateKsak(rng));
  IOTSEC_TRY(kpak, ibc::EccsiKpakFromKsak(ksak));
  IOTSEC_TRY(z, ibc::SakkeGenerateMasterSecret(rng));

  Bytes msg(32, 0x5a);
  IOTSEC_TRY(sig, signer.Sign(msg, rng));
  IOTSEC_TRY(enc, sender.Encapsulate(rng));
  IOTSEC_TRY(ecdsa_sig, ecdsa.Sign(msg));

  std::vector<Row> rows;
  auto add = [&](const char* name, int n, const std::function<Status()>& op) -> Status {
    IOTSEC_TRY(us, TimeUs(n * scale, op));
    rows.push_back({name, us});
    return Ok();
  };
  IOTSEC_RETURN_IF_ERROR(add("ecdsa_p256_sign_us", 2000, [&]() -> Status {
    return Discard(ecdsa.Sign(msg));
  }));
  IOTSEC_RETURN_IF_ERROR(add("ecdsa_p256_verify_us", 1000,
                             [&]() -> Status { return ecdsa_pub.Verify(msg, ecdsa_sig); }));
  IOTSEC_RETURN_IF_ERROR(add("eccsi_sign_us", 2000, [&]() -> Status {
    return Discard(signer.Sign(msg, rng));
  }));
  IOTSEC_RETURN_IF_ERROR(add("eccsi_verify_us", 1000,
                             [&]() -> Status { return ibc::EccsiVerify(pub.kpak, id, msg, sig); }));
  IOTSEC_RETURN_IF_ERROR(add("eccsi_verify_cached_us", 1000,
                             [&]() -> Status { return verifier.Verify(msg, sig); }));
  // RFC 6507 §5.1.2: what a device does with the key pair its MNO issued it.
  IOTSEC_RETURN_IF_ERROR(add("eccsi_validate_us", 1000, [&]() -> Status {
    return ibc::EccsiValidateUserKey(pub.kpak, id, key.ssk, key.pvt);
  }));
  IOTSEC_RETURN_IF_ERROR(add("eccsi_issue_us", 500, [&]() -> Status {
    return Discard(ibc::EccsiIssue(ksak, kpak, id, rng));
  }));
  IOTSEC_RETURN_IF_ERROR(add("sakke_issue_us", 100, [&]() -> Status {
    return Discard(ibc::SakkeIssueRsk(z, id));
  }));
  IOTSEC_RETURN_IF_ERROR(add("sakke_encapsulate_us", 100, [&]() -> Status {
    return Discard(ibc::SakkeEncapsulate(pub.z, id, rng));
  }));
  IOTSEC_RETURN_IF_ERROR(add("sakke_encapsulate_cached_us", 200, [&]() -> Status {
    return Discard(sender.Encapsulate(rng));
  }));
  IOTSEC_RETURN_IF_ERROR(add("sakke_decapsulate_us", 30, [&]() -> Status {
    return Discard(ibc::SakkeDecapsulate(pub.z, id, key.rsk, enc.data));
  }));
  IOTSEC_RETURN_IF_ERROR(add("sakke_decapsulate_cached_us", 100, [&]() -> Status {
    return Discard(receiver.Decapsulate(enc.data));
  }));
  return rows;
}

}  // namespace

Outcome RunIbcBench(int scale) {
  auto rows = Measure(scale);
  if (!rows) {
    return FromError(rows.error(), false);
  }
  Outcome o;
  o.json = {{"ok", true}};
  for (const Row& r : *rows) {
    o.json[r.name] = r.us;
    char line[96];
    std::snprintf(line, sizeof line, "%-30s %12.1f\n", r.name, r.us);
    o.line += line;
  }
  return o;
}

}  // namespace iotsec::cli
