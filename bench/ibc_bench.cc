// Copyright iotsec authors.
// ibc_bench: iotsec's ECCSI (RFC 6507) and SAKKE (RFC 6508/6509) beside OpenSSL's ECDSA P-256,
// in one process (STYLE.md rule 20). wolfSSL's ECCSI/SAKKE are timed by wolfssl_ibc_bench, a
// separate program (wolfSSL is GPL and its headers clash with OpenSSL's); bench/run.sh runs
// both in one run and prints the ratios.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"

namespace iotsec::ibc {
namespace {

// The identity and the message that every benchmark uses (the message is 64 octets, the size
// of a small signed CoAP payload; ECDSA signs the same message).
const std::string kId = "2026-11|urn:dev:acme:0001";
const std::string kMessage(64, 'm');

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "ibc_bench: setup failed: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.has_value()) {
    Die(std::string(what) + ": " + r.error().ToString());
  }
  return std::move(*r);
}

// ---- ECCSI ----

struct EccsiFixture {
  crypto::SecretBytes ksak;
  EccsiPoint kpak{};
  std::optional<EccsiUserKey> key;
  std::optional<EccsiSigner> signer;
  std::optional<EccsiVerifier> verifier;
  EccsiSignature sig{};

  EccsiFixture() {
    ksak = Must(EccsiGenerateKsak(crypto::SystemRng()), "EccsiGenerateKsak");
    kpak = Must(EccsiKpakFromKsak(ksak), "EccsiKpakFromKsak");
    key.emplace(Must(EccsiIssue(ksak, kpak, AsBytes(kId), crypto::SystemRng()), "EccsiIssue"));
    signer.emplace(Must(EccsiSigner::Create(kpak, AsBytes(kId), key->ssk, key->pvt), "signer"));
    verifier.emplace(Must(EccsiVerifier::Create(kpak, AsBytes(kId), key->pvt), "verifier"));
    sig = Must(signer->Sign(AsBytes(kMessage), crypto::SystemRng()), "Sign");
  }
};

EccsiFixture& Eccsi() {
  static EccsiFixture* f = new EccsiFixture();
  return *f;
}

void BM_EccsiSign(benchmark::State& state) {
  auto& f = Eccsi();
  for (auto _ : state) {
    auto sig = f.signer->Sign(AsBytes(kMessage), crypto::SystemRng());
    if (!sig.has_value()) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(*sig);
  }
}

void BM_EccsiVerify(benchmark::State& state) {
  auto& f = Eccsi();
  for (auto _ : state) {
    if (!EccsiVerify(f.kpak, AsBytes(kId), AsBytes(kMessage), f.sig).has_value()) {
      state.SkipWithError("EccsiVerify failed");
      break;
    }
  }
}

void BM_EccsiVerifierCached(benchmark::State& state) {
  auto& f = Eccsi();
  for (auto _ : state) {
    if (!f.verifier->Verify(AsBytes(kMessage), f.sig).has_value()) {
      state.SkipWithError("EccsiVerifier::Verify failed");
      break;
    }
  }
}

void BM_EccsiIssue(benchmark::State& state) {
  auto& f = Eccsi();
  for (auto _ : state) {
    auto key = EccsiIssue(f.ksak, f.kpak, AsBytes(kId), crypto::SystemRng());
    if (!key.has_value()) {
      state.SkipWithError("EccsiIssue failed");
      break;
    }
    benchmark::DoNotOptimize(key->pvt);
  }
}

void BM_EccsiValidateUserKey(benchmark::State& state) {
  auto& f = Eccsi();
  for (auto _ : state) {
    if (!EccsiValidateUserKey(f.kpak, AsBytes(kId), f.key->ssk, f.key->pvt).has_value()) {
      state.SkipWithError("EccsiValidateUserKey failed");
      break;
    }
  }
}

// ---- OpenSSL ECDSA P-256 (EVP) over the same message ----

struct EcdsaFixture {
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* sign_ctx = nullptr;
  EVP_PKEY_CTX* verify_ctx = nullptr;
  EVP_MD_CTX* md_ctx = nullptr;
  std::array<uint8_t, 80> sig{};
  size_t sig_len = 0;

  EcdsaFixture() {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    sign_ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr) : nullptr;
    verify_ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr) : nullptr;
    md_ctx = EVP_MD_CTX_new();
    if (sign_ctx == nullptr || verify_ctx == nullptr || md_ctx == nullptr ||
        EVP_PKEY_sign_init(sign_ctx) != 1 || EVP_PKEY_verify_init(verify_ctx) != 1 || !Sign()) {
      Die("OpenSSL ECDSA P-256 key");
    }
  }

  // Sign hashes the message with SHA-256 and signs the digest with the kept context: what
  // `openssl speed ecdsap256` times, plus the hash (DER signature in |sig|).
  bool Sign() {
    uint8_t digest[32];
    unsigned int dlen = 0;
    if (EVP_Digest(kMessage.data(), kMessage.size(), digest, &dlen, EVP_sha256(), nullptr) != 1) {
      return false;
    }
    sig_len = sig.size();
    return EVP_PKEY_sign(sign_ctx, sig.data(), &sig_len, digest, dlen) == 1;
  }

  bool Verify() {
    uint8_t digest[32];
    unsigned int dlen = 0;
    if (EVP_Digest(kMessage.data(), kMessage.size(), digest, &dlen, EVP_sha256(), nullptr) != 1) {
      return false;
    }
    return EVP_PKEY_verify(verify_ctx, sig.data(), sig_len, digest, dlen) == 1;
  }
};

EcdsaFixture& Ecdsa() {
  static EcdsaFixture* f = new EcdsaFixture();
  return *f;
}

void BM_EcdsaP256Sign(benchmark::State& state) {
  auto& f = Ecdsa();
  std::array<uint8_t, 80> keep = f.sig;
  const size_t keep_len = f.sig_len;
  for (auto _ : state) {
    if (!f.Sign()) {
      state.SkipWithError("EVP_PKEY_sign failed");
      break;
    }
    benchmark::DoNotOptimize(f.sig);
  }
  f.sig = keep;
  f.sig_len = keep_len;
}

void BM_EcdsaP256Verify(benchmark::State& state) {
  auto& f = Ecdsa();
  for (auto _ : state) {
    if (!f.Verify()) {
      state.SkipWithError("EVP_PKEY_verify failed");
      break;
    }
  }
}

// The one-call EVP form (EVP_DigestSignInit + EVP_DigestSign per message), for reference.
void BM_EcdsaP256DigestSign(benchmark::State& state) {
  auto& f = Ecdsa();
  std::array<uint8_t, 80> sig{};
  for (auto _ : state) {
    size_t len = sig.size();
    if (EVP_DigestSignInit(f.md_ctx, nullptr, EVP_sha256(), nullptr, f.pkey) != 1 ||
        EVP_DigestSign(f.md_ctx, sig.data(), &len,
                       reinterpret_cast<const uint8_t*>(kMessage.data()), kMessage.size()) != 1) {
      state.SkipWithError("EVP_DigestSign failed");
      break;
    }
    EVP_MD_CTX_reset(f.md_ctx);
    benchmark::DoNotOptimize(sig);
  }
}

void BM_EcdsaP256DigestVerify(benchmark::State& state) {
  auto& f = Ecdsa();
  for (auto _ : state) {
    if (EVP_DigestVerifyInit(f.md_ctx, nullptr, EVP_sha256(), nullptr, f.pkey) != 1 ||
        EVP_DigestVerify(f.md_ctx, f.sig.data(), f.sig_len,
                         reinterpret_cast<const uint8_t*>(kMessage.data()), kMessage.size()) != 1) {
      state.SkipWithError("EVP_DigestVerify failed");
      break;
    }
    EVP_MD_CTX_reset(f.md_ctx);
  }
}

// ---- SAKKE ----

struct SakkeFixture {
  crypto::SecretBytes z;
  SakkePoint zpub{};
  crypto::SecretBytes rsk;
  std::optional<SakkeSender> sender;
  std::optional<SakkeReceiver> receiver;
  SakkeEncapsulated data{};

  SakkeFixture() {
    z = Must(SakkeGenerateMasterSecret(crypto::SystemRng()), "SakkeGenerateMasterSecret");
    zpub = Must(SakkeZFromMasterSecret(z), "SakkeZFromMasterSecret");
    rsk = Must(SakkeIssueRsk(z, AsBytes(kId)), "SakkeIssueRsk");
    sender.emplace(Must(SakkeSender::Create(zpub, AsBytes(kId)), "SakkeSender"));
    receiver.emplace(Must(SakkeReceiver::Create(zpub, AsBytes(kId), rsk), "SakkeReceiver"));
    data = Must(SakkeEncapsulate(zpub, AsBytes(kId), crypto::SystemRng()), "encapsulate").data;
  }
};

SakkeFixture& Sakke() {
  static SakkeFixture* f = new SakkeFixture();
  return *f;
}

void BM_SakkeEncapsulate(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    auto enc = SakkeEncapsulate(f.zpub, AsBytes(kId), crypto::SystemRng());
    if (!enc.has_value()) {
      state.SkipWithError("SakkeEncapsulate failed");
      break;
    }
    benchmark::DoNotOptimize(enc->data);
  }
}

void BM_SakkeSenderEncapsulate(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    auto enc = f.sender->Encapsulate(crypto::SystemRng());
    if (!enc.has_value()) {
      state.SkipWithError("SakkeSender::Encapsulate failed");
      break;
    }
    benchmark::DoNotOptimize(enc->data);
  }
}

void BM_SakkeDecapsulate(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    auto ssv = SakkeDecapsulate(f.zpub, AsBytes(kId), f.rsk, f.data);
    if (!ssv.has_value()) {
      state.SkipWithError("SakkeDecapsulate failed");
      break;
    }
    benchmark::DoNotOptimize(ssv->data());
  }
}

void BM_SakkeReceiverDecapsulate(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    auto ssv = f.receiver->Decapsulate(f.data);
    if (!ssv.has_value()) {
      state.SkipWithError("SakkeReceiver::Decapsulate failed");
      break;
    }
    benchmark::DoNotOptimize(ssv->data());
  }
}

void BM_SakkeIssueRsk(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    auto rsk = SakkeIssueRsk(f.z, AsBytes(kId));
    if (!rsk.has_value()) {
      state.SkipWithError("SakkeIssueRsk failed");
      break;
    }
    benchmark::DoNotOptimize(rsk->data());
  }
}

void BM_SakkeValidateRsk(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    if (!SakkeValidateRsk(f.zpub, AsBytes(kId), f.rsk).has_value()) {
      state.SkipWithError("SakkeValidateRsk failed");
      break;
    }
  }
}

BENCHMARK(BM_EccsiSign)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EccsiVerify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EccsiVerifierCached)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EccsiIssue)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EccsiValidateUserKey)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdsaP256Sign)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdsaP256Verify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdsaP256DigestSign)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdsaP256DigestVerify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SakkeEncapsulate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SakkeSenderEncapsulate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SakkeDecapsulate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SakkeReceiverDecapsulate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SakkeIssueRsk)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SakkeValidateRsk)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace iotsec::ibc

BENCHMARK_MAIN();
