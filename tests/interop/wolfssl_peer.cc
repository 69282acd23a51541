// Copyright iotsec authors.
// wolfssl_peer: every ECCSI (RFC 6507) and SAKKE (RFC 6508, parameter set 1 of RFC 6509) role,
// performed by wolfSSL, on hex arguments, for the interop tests (tests/interop/README.md).
//
// wolfSSL is GPL and Debian's wolfssl/options.h defines OpenSSL-compatibility macros, so this
// program links libwolfssl only: never OpenSSL, never an iotsec library (PEERS.md).
//
// Usage: wolfssl_peer COMMAND HEX...   Output: one `name=hex` line per result on stdout.
// Exit status: 0 success; 1 refused (a signature, key or encapsulation that does not verify);
// 2 usage error or malformed argument; 3 wolfSSL failed in a way that no input explains.
// clang-format off
#include <wolfssl/options.h>  // first, as wolfSSL requires
// clang-format on

#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

// RFC 6507 §2.1 with P-256: N = 32; points are 0x04 || x || y (RFC 6507 §3.2).
constexpr size_t kEccsiN = 32;
constexpr size_t kEccsiPoint = 2 * kEccsiN + 1;
constexpr size_t kEccsiSig = 4 * kEccsiN + 1;  // RFC 6507 §3.3: r || s || PVT
// RFC 6509 §3 parameter set 1: 1024-bit p (128-octet coordinates), n = 128-bit SSV.
constexpr size_t kSakkeN = 128;
constexpr size_t kSakkePoint = 2 * kSakkeN + 1;
constexpr size_t kSakkeSsv = 16;

using Bytes = std::vector<uint8_t>;

// Failure carries an exit status and a message for stderr.
struct Failure {
  int status;
  std::string message;
};

[[noreturn]] void Fail(int status, const std::string& message) { throw Failure{status, message}; }

// Check turns a wolfSSL error code into a Failure with |status|.
void Check(int rc, int status, const char* what) {
  if (rc != 0) {
    Fail(status, std::string(what) + " failed: wolfSSL error " + std::to_string(rc) + " (" +
                     wc_GetErrorString(rc) + ")");
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Hex parses |hex| (an even number of hex digits, possibly none); |len|, if not 0, is required.
Bytes Hex(std::string_view hex, const char* what, size_t len = 0) {
  if (hex.size() % 2 != 0) {
    Fail(kExitUsage, std::string(what) + ": odd number of hex digits");
  }
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      Fail(kExitUsage, std::string(what) + ": not hex");
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (len != 0 && out.size() != len) {
    Fail(kExitUsage, std::string(what) + ": want " + std::to_string(len) + " octets, got " +
                         std::to_string(out.size()));
  }
  return out;
}

void Print(const char* name, const uint8_t* p, size_t n) {
  std::printf("%s=", name);
  for (size_t i = 0; i < n; ++i) {
    std::printf("%02x", p[i]);
  }
  std::printf("\n");
}
void Print(const char* name, const Bytes& b) { Print(name, b.data(), b.size()); }

// A non-null pointer for empty inputs: wolfSSL refuses NULL even with a zero length.
const uint8_t* Ptr(const Bytes& b) {
  static const uint8_t kEmpty = 0;
  return b.empty() ? &kEmpty : b.data();
}

// RAII holders for wolfSSL objects.
struct Rng {
  WC_RNG rng;
  Rng() { Check(wc_InitRng(&rng), kExitInternal, "wc_InitRng"); }
  ~Rng() { wc_FreeRng(&rng); }
};

struct Eccsi {
  std::unique_ptr<EccsiKey> key = std::make_unique<EccsiKey>();
  Eccsi() { Check(wc_InitEccsiKey(key.get(), nullptr, INVALID_DEVID), kExitInternal, "init"); }
  ~Eccsi() { wc_FreeEccsiKey(key.get()); }
  EccsiKey* get() { return key.get(); }
};

struct Sakke {
  std::unique_ptr<SakkeKey> key = std::make_unique<SakkeKey>();
  Sakke() { Check(wc_InitSakkeKey(key.get(), nullptr, INVALID_DEVID), kExitInternal, "init"); }
  ~Sakke() { wc_FreeSakkeKey(key.get()); }
  SakkeKey* get() { return key.get(); }
};

struct Mp {
  mp_int v;
  Mp() { Check(mp_init(&v), kExitInternal, "mp_init"); }
  ~Mp() { mp_forcezero(&v); }
};

struct Point {
  ecc_point* p = wc_ecc_new_point();
  Point() {
    if (p == nullptr) {
      Fail(kExitInternal, "wc_ecc_new_point failed");
    }
  }
  ~Point() { wc_ecc_del_point(p); }
};

// ---- ECCSI (RFC 6507) ----

// eccsi-kms-make: KSAK random in [1, q-1] and KPAK = [KSAK]G (RFC 6507 §4.2).
int EccsiKmsMake() {
  Rng rng;
  Eccsi k;
  Check(wc_MakeEccsiKey(k.get(), &rng.rng), kExitInternal, "wc_MakeEccsiKey");
  // wc_ExportEccsiKey lays out KSAK || KPAK_x || KPAK_y, 32 octets each.
  Bytes all(3 * kEccsiN);
  word32 sz = all.size();
  Check(wc_ExportEccsiKey(k.get(), all.data(), &sz), kExitInternal, "wc_ExportEccsiKey");
  Bytes kpak(kEccsiPoint);
  sz = kpak.size();
  Check(wc_ExportEccsiPublicKey(k.get(), kpak.data(), &sz, 0), kExitInternal, "export KPAK");
  Print("ksak", all.data(), kEccsiN);
  Print("kpak", kpak);
  return kExitOk;
}

// eccsi-kpak KSAK: KPAK = [KSAK]G, with wolfSSL's generic ECC (a known-answer check).
int EccsiKpak(const Bytes& ksak) {
  ecc_key ecc;
  Check(wc_ecc_init(&ecc), kExitInternal, "wc_ecc_init");
  int rc = wc_ecc_import_private_key_ex(ksak.data(), ksak.size(), nullptr, 0, &ecc, ECC_SECP256R1);
  if (rc == 0) {
    rc = wc_ecc_make_pub(&ecc, nullptr);
  }
  Bytes kpak(kEccsiPoint);
  word32 sz = kpak.size();
  if (rc == 0) {
    rc = wc_ecc_export_x963(&ecc, kpak.data(), &sz);
  }
  wc_ecc_free(&ecc);
  Check(rc, kExitUsage, "KPAK from KSAK");
  Print("kpak", kpak);
  return kExitOk;
}

// ImportKms loads KSAK and KPAK into |k| as a KMS key.
void ImportKms(Eccsi& k, const Bytes& ksak, const Bytes& kpak) {
  Bytes all = ksak;
  all.insert(all.end(), kpak.begin() + 1, kpak.end());  // KSAK || x || y, no 0x04
  if (kpak[0] != 0x04) {
    Fail(kExitUsage, "KPAK: not an uncompressed point");
  }
  Check(wc_ImportEccsiKey(k.get(), all.data(), all.size()), kExitUsage, "wc_ImportEccsiKey");
}

// eccsi-issue KSAK KPAK ID: (SSK, PVT) for ID (RFC 6507 §5.1.1); v comes from wolfSSL's RNG.
int EccsiIssue(const Bytes& ksak, const Bytes& kpak, const Bytes& id) {
  Rng rng;
  Eccsi k;
  ImportKms(k, ksak, kpak);
  Mp ssk;
  Point pvt;
  Check(wc_MakeEccsiPair(k.get(), &rng.rng, WC_HASH_TYPE_SHA256, Ptr(id), id.size(), &ssk.v, pvt.p),
        kExitInternal, "wc_MakeEccsiPair");
  Bytes ssk_out(kEccsiN);
  word32 sz = ssk_out.size();
  Check(wc_EncodeEccsiSsk(k.get(), &ssk.v, ssk_out.data(), &sz), kExitInternal, "encode SSK");
  Bytes pvt_out(kEccsiPoint);
  sz = pvt_out.size();
  Check(wc_EncodeEccsiPvt(k.get(), pvt.p, pvt_out.data(), &sz, 0), kExitInternal, "encode PVT");
  Print("ssk", ssk_out);
  Print("pvt", pvt_out);
  return kExitOk;
}

// ImportKpak loads KPAK into |k| as a client does, checking that it is on the curve.
void ImportKpak(Eccsi& k, const Bytes& kpak) {
  Check(wc_ImportEccsiPublicKey(k.get(), kpak.data(), kpak.size(), 0), kExitUsage,
        "wc_ImportEccsiPublicKey");
}

// ValidatePair refuses (exit 1) an (SSK, PVT) that does not belong to ID (RFC 6507 §5.1.2).
void ValidatePair(Eccsi& k, const Bytes& id, Mp& ssk, Point& pvt) {
  int valid = 0;
  Check(wc_ValidateEccsiPvt(k.get(), pvt.p, &valid), kExitRefused, "wc_ValidateEccsiPvt");
  if (!valid) {
    Fail(kExitRefused, "PVT is not a valid point");
  }
  Check(
      wc_ValidateEccsiPair(k.get(), WC_HASH_TYPE_SHA256, Ptr(id), id.size(), &ssk.v, pvt.p, &valid),
      kExitRefused, "wc_ValidateEccsiPair");
  if (!valid) {
    Fail(kExitRefused, "(SSK, PVT) does not validate for this identity and KPAK");
  }
}

void DecodePair(Eccsi& k, const Bytes& ssk_in, const Bytes& pvt_in, Mp& ssk, Point& pvt) {
  Check(wc_DecodeEccsiSsk(k.get(), ssk_in.data(), ssk_in.size(), &ssk.v), kExitUsage, "SSK");
  Check(wc_DecodeEccsiPvt(k.get(), pvt_in.data(), pvt_in.size(), pvt.p), kExitUsage, "PVT");
}

// eccsi-validate KPAK ID SSK PVT: exit 0 if the pair validates, 1 if not.
int EccsiValidate(const Bytes& kpak, const Bytes& id, const Bytes& ssk_in, const Bytes& pvt_in) {
  Eccsi k;
  ImportKpak(k, kpak);
  Mp ssk;
  Point pvt;
  DecodePair(k, ssk_in, pvt_in, ssk, pvt);
  ValidatePair(k, id, ssk, pvt);
  std::printf("valid=1\n");
  return kExitOk;
}

// eccsi-hs KPAK ID PVT: HS = SHA-256(G || KPAK || ID || PVT) (RFC 6507 §5.1.1 step 3).
int EccsiHs(const Bytes& kpak, const Bytes& id, const Bytes& pvt_in) {
  Eccsi k;
  ImportKpak(k, kpak);
  Point pvt;
  Check(wc_DecodeEccsiPvt(k.get(), pvt_in.data(), pvt_in.size(), pvt.p), kExitUsage, "PVT");
  uint8_t hs[WC_MAX_DIGEST_SIZE];
  byte hs_size = sizeof(hs);
  Check(wc_HashEccsiId(k.get(), WC_HASH_TYPE_SHA256, Ptr(id), id.size(), pvt.p, hs, &hs_size),
        kExitInternal, "wc_HashEccsiId");
  Print("hs", hs, hs_size);
  return kExitOk;
}

// eccsi-sign KPAK ID SSK PVT MSG: validates the pair, then signs (RFC 6507 §5.2.1).
int EccsiSign(const Bytes& kpak, const Bytes& id, const Bytes& ssk_in, const Bytes& pvt_in,
              const Bytes& msg) {
  Rng rng;
  Eccsi k;
  ImportKpak(k, kpak);
  Mp ssk;
  Point pvt;
  DecodePair(k, ssk_in, pvt_in, ssk, pvt);
  ValidatePair(k, id, ssk, pvt);
  Check(wc_SetEccsiPair(k.get(), &ssk.v, pvt.p), kExitInternal, "wc_SetEccsiPair");
  uint8_t hs[WC_MAX_DIGEST_SIZE];
  byte hs_size = sizeof(hs);
  Check(wc_HashEccsiId(k.get(), WC_HASH_TYPE_SHA256, Ptr(id), id.size(), pvt.p, hs, &hs_size),
        kExitInternal, "wc_HashEccsiId");
  Bytes sig(kEccsiSig);
  word32 sz = sig.size();
  Check(wc_SignEccsiHash(k.get(), &rng.rng, WC_HASH_TYPE_SHA256, Ptr(msg), msg.size(), sig.data(),
                         &sz),
        kExitInternal, "wc_SignEccsiHash");
  Print("sig", sig.data(), sz);
  return kExitOk;
}

// eccsi-verify KPAK ID MSG SIG: exit 0 if SIG is a valid signature (RFC 6507 §5.2.2), else 1.
// HS is computed over the PVT that the signature carries.
int EccsiVerify(const Bytes& kpak, const Bytes& id, const Bytes& msg, const Bytes& sig) {
  Eccsi k;
  ImportKpak(k, kpak);
  if (sig.size() != kEccsiSig) {
    Fail(kExitRefused, "signature length " + std::to_string(sig.size()));
  }
  Point pvt;
  Check(wc_DecodeEccsiPvtFromSig(k.get(), sig.data(), sig.size(), pvt.p), kExitRefused,
        "PVT of the signature");
  uint8_t hs[WC_MAX_DIGEST_SIZE];
  byte hs_size = sizeof(hs);
  Check(wc_HashEccsiId(k.get(), WC_HASH_TYPE_SHA256, Ptr(id), id.size(), pvt.p, hs, &hs_size),
        kExitRefused, "wc_HashEccsiId");
  int verified = 0;
  Check(wc_VerifyEccsiHash(k.get(), WC_HASH_TYPE_SHA256, Ptr(msg), msg.size(), sig.data(),
                           sig.size(), &verified),
        kExitRefused, "wc_VerifyEccsiHash");
  if (!verified) {
    Fail(kExitRefused, "signature does not verify");
  }
  std::printf("verified=1\n");
  return kExitOk;
}

// ---- SAKKE (RFC 6508, RFC 6509 parameter set 1) ----

// EncodePoint writes |p| as 0x04 || x || y with 128-octet coordinates.
Bytes EncodePoint(Sakke& k, ecc_point* p) {
  Bytes out(kSakkePoint);
  word32 sz = out.size();
  Check(wc_EncodeSakkeRsk(k.get(), p, out.data(), &sz, 0), kExitInternal, "encode point");
  return out;
}

// sakke-kms-make: z random below q and Z = [z]P (RFC 6508 §2.2).
int SakkeKmsMake() {
  Rng rng;
  Sakke k;
  Check(wc_MakeSakkeKey(k.get(), &rng.rng), kExitInternal, "wc_MakeSakkeKey");
  Bytes z(kSakkeN);
  word32 sz = z.size();
  Check(wc_ExportSakkePrivateKey(k.get(), z.data(), &sz), kExitInternal, "export z");
  Bytes zpub(kSakkePoint);
  sz = zpub.size();
  Check(wc_ExportSakkePublicKey(k.get(), zpub.data(), &sz, 0), kExitInternal, "export Z");
  Print("z", z);
  Print("zpub", zpub);
  return kExitOk;
}

// sakke-zpub z: Z = [z]P.
int SakkeZpub(const Bytes& z) {
  Sakke k;
  Check(wc_ImportSakkePrivateKey(k.get(), z.data(), z.size()), kExitUsage, "import z");
  Point zpub;
  Check(wc_MakeSakkePublicKey(k.get(), zpub.p), kExitInternal, "wc_MakeSakkePublicKey");
  Print("zpub", EncodePoint(k, zpub.p));
  return kExitOk;
}

// sakke-issue z ID: RSK = [(b + z)^-1]P, b being ID read as a big-endian integer (RFC 6508
// §6.1.1); wc_MakeSakkeRsk takes the identity's octets themselves, not a hash of them.
int SakkeIssue(const Bytes& z, const Bytes& id) {
  Sakke k;
  Check(wc_ImportSakkePrivateKey(k.get(), z.data(), z.size()), kExitUsage, "import z");
  Point rsk;
  Check(wc_MakeSakkeRsk(k.get(), Ptr(id), id.size(), rsk.p), kExitUsage, "wc_MakeSakkeRsk");
  Print("rsk", EncodePoint(k, rsk.p));
  return kExitOk;
}

void ImportZ(Sakke& k, const Bytes& zpub) {
  Check(wc_ImportSakkePublicKey(k.get(), zpub.data(), zpub.size(), 0), kExitUsage, "import Z");
}

// sakke-validate Z ID RSK: exit 0 if <[b]P + Z, RSK> = g (RFC 6508 §6.1.2), else 1.
int SakkeValidate(const Bytes& zpub, const Bytes& id, const Bytes& rsk_in) {
  Sakke k;
  ImportZ(k, zpub);
  Point rsk;
  Check(wc_DecodeSakkeRsk(k.get(), rsk_in.data(), rsk_in.size(), rsk.p), kExitUsage, "RSK");
  int valid = 0;
  Check(wc_ValidateSakkeRsk(k.get(), Ptr(id), id.size(), rsk.p, &valid), kExitRefused,
        "wc_ValidateSakkeRsk");
  if (!valid) {
    Fail(kExitRefused, "RSK does not validate for this identity and Z");
  }
  std::printf("valid=1\n");
  return kExitOk;
}

// sakke-encap Z ID [SSV]: Encapsulated Data R_(b,S) || H (RFC 6508 §6.2.1, §4) and the SSV,
// which is random unless given. wolfSSL derives r from SSV || b, so a given SSV makes the
// output deterministic (RFC 6508 Appendix A).
int SakkeEncap(const Bytes& zpub, const Bytes& id, const Bytes* ssv_in) {
  Rng rng;
  Sakke k;
  ImportZ(k, zpub);
  Check(wc_SetSakkeIdentity(k.get(), Ptr(id), id.size()), kExitUsage, "wc_SetSakkeIdentity");
  Bytes ssv(kSakkeSsv);
  if (ssv_in != nullptr) {
    ssv = *ssv_in;
  } else {
    word16 n = ssv.size();
    Check(wc_GenerateSakkeSSV(k.get(), &rng.rng, ssv.data(), &n), kExitInternal, "SSV");
  }
  Bytes h = ssv;  // wolfSSL overwrites the SSV with H
  Bytes data(kSakkePoint + kSakkeSsv);
  word16 auth_size = kSakkePoint;
  Check(wc_MakeSakkeEncapsulatedSSV(k.get(), WC_HASH_TYPE_SHA256, h.data(), h.size(), data.data(),
                                    &auth_size),
        kExitUsage, "wc_MakeSakkeEncapsulatedSSV");
  if (auth_size != kSakkePoint) {
    Fail(kExitInternal, "unexpected R size " + std::to_string(auth_size));
  }
  std::memcpy(data.data() + kSakkePoint, h.data(), kSakkeSsv);
  Print("data", data);
  Print("ssv", ssv);
  return kExitOk;
}

// sakke-decap Z ID RSK DATA: the SSV (RFC 6508 §6.2.2), or exit 1 if DATA does not
// authenticate. The RSK is not validated here (sakke-validate does that).
int SakkeDecap(const Bytes& zpub, const Bytes& id, const Bytes& rsk_in, const Bytes& data) {
  Sakke k;
  ImportZ(k, zpub);
  Point rsk;
  Check(wc_DecodeSakkeRsk(k.get(), rsk_in.data(), rsk_in.size(), rsk.p), kExitUsage, "RSK");
  Check(wc_SetSakkeRsk(k.get(), rsk.p, nullptr, 0), kExitInternal, "wc_SetSakkeRsk");
  Check(wc_SetSakkeIdentity(k.get(), Ptr(id), id.size()), kExitUsage, "wc_SetSakkeIdentity");
  if (data.size() != kSakkePoint + kSakkeSsv) {
    Fail(kExitRefused, "encapsulated data length " + std::to_string(data.size()));
  }
  Bytes ssv(data.begin() + kSakkePoint, data.end());  // H; wolfSSL turns it into the SSV
  Check(wc_DeriveSakkeSSV(k.get(), WC_HASH_TYPE_SHA256, ssv.data(), ssv.size(), data.data(),
                          kSakkePoint),
        kExitRefused, "wc_DeriveSakkeSSV");
  Print("ssv", ssv);
  return kExitOk;
}

int Usage() {
  std::fprintf(stderr,
               "usage: wolfssl_peer COMMAND ARGS (all hex)\n"
               "  eccsi-kms-make\n"
               "  eccsi-kpak KSAK\n"
               "  eccsi-issue KSAK KPAK ID\n"
               "  eccsi-validate KPAK ID SSK PVT\n"
               "  eccsi-hs KPAK ID PVT\n"
               "  eccsi-sign KPAK ID SSK PVT MSG\n"
               "  eccsi-verify KPAK ID MSG SIG\n"
               "  sakke-kms-make\n"
               "  sakke-zpub Z_SECRET\n"
               "  sakke-issue Z_SECRET ID\n"
               "  sakke-validate ZPUB ID RSK\n"
               "  sakke-encap ZPUB ID [SSV]\n"
               "  sakke-decap ZPUB ID RSK DATA\n");
  return kExitUsage;
}

int Run(int argc, char** argv) {
  if (argc < 2) {
    return Usage();
  }
  const std::string_view cmd = argv[1];
  const int n = argc - 2;
  auto arg = [&](int i) { return std::string_view(argv[2 + i]); };
  if (cmd == "eccsi-kms-make" && n == 0) {
    return EccsiKmsMake();
  }
  if (cmd == "eccsi-kpak" && n == 1) {
    return EccsiKpak(Hex(arg(0), "KSAK", kEccsiN));
  }
  if (cmd == "eccsi-issue" && n == 3) {
    return EccsiIssue(Hex(arg(0), "KSAK", kEccsiN), Hex(arg(1), "KPAK", kEccsiPoint),
                      Hex(arg(2), "ID"));
  }
  if (cmd == "eccsi-validate" && n == 4) {
    return EccsiValidate(Hex(arg(0), "KPAK", kEccsiPoint), Hex(arg(1), "ID"),
                         Hex(arg(2), "SSK", kEccsiN), Hex(arg(3), "PVT", kEccsiPoint));
  }
  if (cmd == "eccsi-hs" && n == 3) {
    return EccsiHs(Hex(arg(0), "KPAK", kEccsiPoint), Hex(arg(1), "ID"),
                   Hex(arg(2), "PVT", kEccsiPoint));
  }
  if (cmd == "eccsi-sign" && n == 5) {
    return EccsiSign(Hex(arg(0), "KPAK", kEccsiPoint), Hex(arg(1), "ID"),
                     Hex(arg(2), "SSK", kEccsiN), Hex(arg(3), "PVT", kEccsiPoint),
                     Hex(arg(4), "MSG"));
  }
  if (cmd == "eccsi-verify" && n == 4) {
    return EccsiVerify(Hex(arg(0), "KPAK", kEccsiPoint), Hex(arg(1), "ID"), Hex(arg(2), "MSG"),
                       Hex(arg(3), "SIG"));
  }
  if (cmd == "sakke-kms-make" && n == 0) {
    return SakkeKmsMake();
  }
  if (cmd == "sakke-zpub" && n == 1) {
    return SakkeZpub(Hex(arg(0), "z", kSakkeN));
  }
  if (cmd == "sakke-issue" && n == 2) {
    return SakkeIssue(Hex(arg(0), "z", kSakkeN), Hex(arg(1), "ID"));
  }
  if (cmd == "sakke-validate" && n == 3) {
    return SakkeValidate(Hex(arg(0), "Z", kSakkePoint), Hex(arg(1), "ID"),
                         Hex(arg(2), "RSK", kSakkePoint));
  }
  if (cmd == "sakke-encap" && (n == 2 || n == 3)) {
    const Bytes ssv = n == 3 ? Hex(arg(2), "SSV", kSakkeSsv) : Bytes();
    return SakkeEncap(Hex(arg(0), "Z", kSakkePoint), Hex(arg(1), "ID"), n == 3 ? &ssv : nullptr);
  }
  if (cmd == "sakke-decap" && n == 4) {
    return SakkeDecap(Hex(arg(0), "Z", kSakkePoint), Hex(arg(1), "ID"),
                      Hex(arg(2), "RSK", kSakkePoint), Hex(arg(3), "DATA"));
  }
  return Usage();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int rc = Run(argc, argv);
    std::fflush(stdout);
    return rc;
  } catch (const Failure& f) {
    std::fprintf(stderr, "wolfssl_peer: %s\n", f.message.c_str());
    return f.status;
  }
}
