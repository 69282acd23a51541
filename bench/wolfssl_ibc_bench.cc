// Copyright iotsec authors.
// wolfssl_ibc_bench: wolfSSL 5.5.4's ECCSI (RFC 6507) and SAKKE (RFC 6508/6509), timed with
// the same harness and workload as ibc_bench (same identity, same 64-octet message). It links
// wolfSSL only: wolfSSL is GPL and Debian's wolfssl/options.h defines OpenSSL-compatibility
// macros, so it never shares a program with OpenSSL or iotsec (PEERS.md). Run it with
// --benchmark_format=json for JSON; bench/run.sh does, and compares it with ibc_bench.
// clang-format off
#include <wolfssl/options.h>  // first, as wolfSSL requires
// clang-format on

#include <benchmark/benchmark.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

const std::string kId = "2026-11|urn:dev:acme:0001";
const std::string kMessage(64, 'm');

constexpr size_t kEccsiSig = 129;
constexpr size_t kSakkePoint = 257;
constexpr size_t kSakkeSsv = 16;

const uint8_t* IdPtr() { return reinterpret_cast<const uint8_t*>(kId.data()); }
const uint8_t* MsgPtr() { return reinterpret_cast<const uint8_t*>(kMessage.data()); }

void Must(int rc, const char* what) {
  if (rc != 0) {
    std::fprintf(stderr, "wolfssl_ibc_bench: %s failed: %d (%s)\n", what, rc,
                 wc_GetErrorString(rc));
    std::exit(1);
  }
}

WC_RNG& Rng() {
  static WC_RNG* rng = [] {
    auto* r = new WC_RNG;
    Must(wc_InitRng(r), "wc_InitRng");
    return r;
  }();
  return *rng;
}

// ---- ECCSI ----

// EccsiFixture: a KMS, a signing key for kId, a signer key object with the pair and HS set
// (as iotsec's EccsiSigner caches HS), a verifier key object with KPAK, and one signature.
struct EccsiFixture {
  EccsiKey kms;
  EccsiKey signer;
  EccsiKey verifier;
  mp_int ssk;
  ecc_point* pvt = wc_ecc_new_point();
  std::vector<uint8_t> kpak = std::vector<uint8_t>(65);
  std::vector<uint8_t> sig = std::vector<uint8_t>(kEccsiSig);

  EccsiFixture() {
    Must(wc_InitEccsiKey(&kms, nullptr, INVALID_DEVID), "init");
    Must(wc_InitEccsiKey(&signer, nullptr, INVALID_DEVID), "init");
    Must(wc_InitEccsiKey(&verifier, nullptr, INVALID_DEVID), "init");
    Must(mp_init(&ssk), "mp_init");
    Must(wc_MakeEccsiKey(&kms, &Rng()), "wc_MakeEccsiKey");
    word32 sz = kpak.size();
    Must(wc_ExportEccsiPublicKey(&kms, kpak.data(), &sz, 0), "export KPAK");
    Must(wc_MakeEccsiPair(&kms, &Rng(), WC_HASH_TYPE_SHA256, IdPtr(), kId.size(), &ssk, pvt),
         "wc_MakeEccsiPair");
    Must(wc_ImportEccsiPublicKey(&signer, kpak.data(), kpak.size(), 0), "import KPAK");
    Must(wc_SetEccsiPair(&signer, &ssk, pvt), "wc_SetEccsiPair");
    uint8_t hs[WC_MAX_DIGEST_SIZE];
    byte hs_size = sizeof(hs);
    Must(wc_HashEccsiId(&signer, WC_HASH_TYPE_SHA256, IdPtr(), kId.size(), pvt, hs, &hs_size),
         "wc_HashEccsiId");
    sz = sig.size();
    Must(wc_SignEccsiHash(&signer, &Rng(), WC_HASH_TYPE_SHA256, MsgPtr(), kMessage.size(),
                          sig.data(), &sz),
         "wc_SignEccsiHash");
    Must(wc_ImportEccsiPublicKey(&verifier, kpak.data(), kpak.size(), 0), "import KPAK");
  }
};

EccsiFixture& Eccsi() {
  static EccsiFixture* f = new EccsiFixture();
  return *f;
}

// Sign with the pair and HS set once (iotsec's EccsiSigner::Sign likewise caches HS).
void BM_WolfEccsiSign(benchmark::State& state) {
  auto& f = Eccsi();
  std::vector<uint8_t> sig(kEccsiSig);
  for (auto _ : state) {
    word32 sz = sig.size();
    if (wc_SignEccsiHash(&f.signer, &Rng(), WC_HASH_TYPE_SHA256, MsgPtr(), kMessage.size(),
                         sig.data(), &sz) != 0) {
      state.SkipWithError("wc_SignEccsiHash failed");
      break;
    }
    benchmark::DoNotOptimize(sig.data());
  }
}

// A whole verification as iotsec's EccsiVerify does one (KPAK already imported): take the PVT
// from the signature, HS = hash(G || KPAK || ID || PVT), then RFC 6507 §5.2.2.
void BM_WolfEccsiVerify(benchmark::State& state) {
  auto& f = Eccsi();
  ecc_point* pvt = wc_ecc_new_point();
  for (auto _ : state) {
    uint8_t hs[WC_MAX_DIGEST_SIZE];
    byte hs_size = sizeof(hs);
    int verified = 0;
    if (wc_DecodeEccsiPvtFromSig(&f.verifier, f.sig.data(), f.sig.size(), pvt) != 0 ||
        wc_HashEccsiId(&f.verifier, WC_HASH_TYPE_SHA256, IdPtr(), kId.size(), pvt, hs, &hs_size) !=
            0 ||
        wc_VerifyEccsiHash(&f.verifier, WC_HASH_TYPE_SHA256, MsgPtr(), kMessage.size(),
                           f.sig.data(), f.sig.size(), &verified) != 0 ||
        !verified) {
      state.SkipWithError("verification failed");
      break;
    }
  }
  wc_ecc_del_point(pvt);
}

// Verification with HS computed once for the signer (wolfSSL's only per-identity cache).
void BM_WolfEccsiVerifyCachedHs(benchmark::State& state) {
  auto& f = Eccsi();
  ecc_point* pvt = wc_ecc_new_point();
  uint8_t hs[WC_MAX_DIGEST_SIZE];
  byte hs_size = sizeof(hs);
  Must(wc_DecodeEccsiPvtFromSig(&f.verifier, f.sig.data(), f.sig.size(), pvt), "PVT");
  Must(wc_HashEccsiId(&f.verifier, WC_HASH_TYPE_SHA256, IdPtr(), kId.size(), pvt, hs, &hs_size),
       "wc_HashEccsiId");
  for (auto _ : state) {
    int verified = 0;
    if (wc_VerifyEccsiHash(&f.verifier, WC_HASH_TYPE_SHA256, MsgPtr(), kMessage.size(),
                           f.sig.data(), f.sig.size(), &verified) != 0 ||
        !verified) {
      state.SkipWithError("verification failed");
      break;
    }
  }
  wc_ecc_del_point(pvt);
}

void BM_WolfEccsiIssue(benchmark::State& state) {
  auto& f = Eccsi();
  mp_int ssk;
  Must(mp_init(&ssk), "mp_init");
  ecc_point* pvt = wc_ecc_new_point();
  for (auto _ : state) {
    if (wc_MakeEccsiPair(&f.kms, &Rng(), WC_HASH_TYPE_SHA256, IdPtr(), kId.size(), &ssk, pvt) !=
        0) {
      state.SkipWithError("wc_MakeEccsiPair failed");
      break;
    }
  }
  wc_ecc_del_point(pvt);
  mp_forcezero(&ssk);
}

// ---- SAKKE ----

// SakkeFixture: a KMS, an RSK for kId, a sender key object (Z, identity) and a receiver key
// object (Z, identity, RSK, and wolfSSL's RSK table when this build makes one), and one
// Encapsulated Data.
struct SakkeFixture {
  SakkeKey kms;
  SakkeKey sender;
  SakkeKey receiver;
  ecc_point* rsk = wc_ecc_new_point();
  std::vector<uint8_t> zpub = std::vector<uint8_t>(kSakkePoint);
  std::vector<uint8_t> rsk_table;
  std::vector<uint8_t> data = std::vector<uint8_t>(kSakkePoint + kSakkeSsv);

  SakkeFixture() {
    Must(wc_InitSakkeKey(&kms, nullptr, INVALID_DEVID), "init");
    Must(wc_InitSakkeKey(&sender, nullptr, INVALID_DEVID), "init");
    Must(wc_InitSakkeKey(&receiver, nullptr, INVALID_DEVID), "init");
    Must(wc_MakeSakkeKey(&kms, &Rng()), "wc_MakeSakkeKey");
    word32 sz = zpub.size();
    Must(wc_ExportSakkePublicKey(&kms, zpub.data(), &sz, 0), "export Z");
    Must(wc_MakeSakkeRsk(&kms, IdPtr(), kId.size(), rsk), "wc_MakeSakkeRsk");
    Must(wc_ImportSakkePublicKey(&sender, zpub.data(), zpub.size(), 0), "import Z");
    Must(wc_SetSakkeIdentity(&sender, IdPtr(), kId.size()), "identity");
    Must(wc_ImportSakkePublicKey(&receiver, zpub.data(), zpub.size(), 0), "import Z");
    Must(wc_SetSakkeIdentity(&receiver, IdPtr(), kId.size()), "identity");
    word32 len = 0;
    int rc = wc_GenerateSakkeRskTable(&receiver, rsk, nullptr, &len);
    if (rc == LENGTH_ONLY_E && len > 0) {
      rsk_table.resize(len);
      Must(wc_GenerateSakkeRskTable(&receiver, rsk, rsk_table.data(), &len), "RSK table");
    }
    Must(wc_SetSakkeRsk(&receiver, rsk, rsk_table.empty() ? nullptr : rsk_table.data(),
                        rsk_table.size()),
         "wc_SetSakkeRsk");
    uint8_t ssv[kSakkeSsv];
    word16 n = sizeof(ssv);
    Must(wc_GenerateSakkeSSV(&sender, &Rng(), ssv, &n), "SSV");
    word16 auth = kSakkePoint;
    Must(wc_MakeSakkeEncapsulatedSSV(&sender, WC_HASH_TYPE_SHA256, ssv, sizeof(ssv), data.data(),
                                     &auth),
         "encapsulate");
    std::memcpy(data.data() + kSakkePoint, ssv, kSakkeSsv);
  }
};

SakkeFixture& Sakke() {
  static SakkeFixture* f = new SakkeFixture();
  return *f;
}

// Encapsulate(SSV) with one key object per receiver: wolfSSL keeps [b]P + Z for the identity
// after the first call (as iotsec's SakkeSender does). The SSV is drawn each time.
void BM_WolfSakkeEncapsulate(benchmark::State& state) {
  auto& f = Sakke();
  std::vector<uint8_t> out(kSakkePoint);
  for (auto _ : state) {
    uint8_t ssv[kSakkeSsv];
    word16 n = sizeof(ssv);
    word16 auth = kSakkePoint;
    if (wc_GenerateSakkeSSV(&f.sender, &Rng(), ssv, &n) != 0 ||
        wc_MakeSakkeEncapsulatedSSV(&f.sender, WC_HASH_TYPE_SHA256, ssv, sizeof(ssv), out.data(),
                                    &auth) != 0) {
      state.SkipWithError("encapsulation failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
}

// A one-shot encapsulation, as iotsec's SakkeEncapsulate: new key object, Z imported, identity
// set, SSV drawn, encapsulated. Z is imported as trusted: wolfSSL's check of Z (its order, about
// 3 ms) would otherwise dominate, and iotsec checks a Z's order once and caches the result, so
// neither side pays for it per message here.
void BM_WolfSakkeEncapsulateOneShot(benchmark::State& state) {
  auto& f = Sakke();
  std::vector<uint8_t> out(kSakkePoint);
  for (auto _ : state) {
    SakkeKey key;
    uint8_t ssv[kSakkeSsv];
    word16 n = sizeof(ssv);
    word16 auth = kSakkePoint;
    int rc = wc_InitSakkeKey(&key, nullptr, INVALID_DEVID);
    if (rc == 0) {
      rc = wc_ImportSakkePublicKey(&key, f.zpub.data(), f.zpub.size(), 1);
      if (rc == 0) {
        rc = wc_SetSakkeIdentity(&key, IdPtr(), kId.size());
      }
      if (rc == 0) {
        rc = wc_GenerateSakkeSSV(&key, &Rng(), ssv, &n);
      }
      if (rc == 0) {
        rc = wc_MakeSakkeEncapsulatedSSV(&key, WC_HASH_TYPE_SHA256, ssv, sizeof(ssv), out.data(),
                                         &auth);
      }
      wc_FreeSakkeKey(&key);
    }
    if (rc != 0) {
      state.SkipWithError("encapsulation failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
}

// Decapsulate with Z, identity and RSK (and its table, if any) set once: wolfSSL's cached form.
void BM_WolfSakkeDecapsulate(benchmark::State& state) {
  auto& f = Sakke();
  state.counters["rsk_table_octets"] = static_cast<double>(f.rsk_table.size());
  for (auto _ : state) {
    uint8_t ssv[kSakkeSsv];
    std::memcpy(ssv, f.data.data() + kSakkePoint, kSakkeSsv);
    if (wc_DeriveSakkeSSV(&f.receiver, WC_HASH_TYPE_SHA256, ssv, sizeof(ssv), f.data.data(),
                          kSakkePoint) != 0) {
      state.SkipWithError("wc_DeriveSakkeSSV failed");
      break;
    }
    benchmark::DoNotOptimize(ssv);
  }
}

// A one-shot decapsulation, as iotsec's SakkeDecapsulate: new key object, Z imported (as
// trusted, see above), RSK decoded and set (no table), identity set, SSV derived.
void BM_WolfSakkeDecapsulateOneShot(benchmark::State& state) {
  auto& f = Sakke();
  std::vector<uint8_t> rsk(kSakkePoint);
  word32 rsk_size = rsk.size();
  Must(wc_EncodeSakkeRsk(&f.kms, f.rsk, rsk.data(), &rsk_size, 0), "encode RSK");
  ecc_point* point = wc_ecc_new_point();
  for (auto _ : state) {
    SakkeKey key;
    uint8_t ssv[kSakkeSsv];
    std::memcpy(ssv, f.data.data() + kSakkePoint, kSakkeSsv);
    int rc = wc_InitSakkeKey(&key, nullptr, INVALID_DEVID);
    if (rc == 0) {
      rc = wc_ImportSakkePublicKey(&key, f.zpub.data(), f.zpub.size(), 1);
      if (rc == 0) {
        rc = wc_DecodeSakkeRsk(&key, rsk.data(), rsk.size(), point);
      }
      if (rc == 0) {
        rc = wc_SetSakkeRsk(&key, point, nullptr, 0);
      }
      if (rc == 0) {
        rc = wc_SetSakkeIdentity(&key, IdPtr(), kId.size());
      }
      if (rc == 0) {
        rc = wc_DeriveSakkeSSV(&key, WC_HASH_TYPE_SHA256, ssv, sizeof(ssv), f.data.data(),
                               kSakkePoint);
      }
      wc_FreeSakkeKey(&key);
    }
    if (rc != 0) {
      state.SkipWithError("decapsulation failed");
      break;
    }
    benchmark::DoNotOptimize(ssv);
  }
  wc_ecc_del_point(point);
}

void BM_WolfSakkeIssueRsk(benchmark::State& state) {
  auto& f = Sakke();
  ecc_point* rsk = wc_ecc_new_point();
  for (auto _ : state) {
    if (wc_MakeSakkeRsk(&f.kms, IdPtr(), kId.size(), rsk) != 0) {
      state.SkipWithError("wc_MakeSakkeRsk failed");
      break;
    }
  }
  wc_ecc_del_point(rsk);
}

void BM_WolfSakkeValidateRsk(benchmark::State& state) {
  auto& f = Sakke();
  for (auto _ : state) {
    int valid = 0;
    if (wc_ValidateSakkeRsk(&f.receiver, IdPtr(), kId.size(), f.rsk, &valid) != 0 || !valid) {
      state.SkipWithError("wc_ValidateSakkeRsk failed");
      break;
    }
  }
}

BENCHMARK(BM_WolfEccsiSign)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfEccsiVerify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfEccsiVerifyCachedHs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfEccsiIssue)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfSakkeEncapsulate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfSakkeEncapsulateOneShot)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfSakkeDecapsulate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfSakkeDecapsulateOneShot)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfSakkeIssueRsk)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolfSakkeValidateRsk)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("wolfssl_version", LIBWOLFSSL_VERSION_STRING);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
