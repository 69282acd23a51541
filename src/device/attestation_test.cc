// Copyright iotsec authors.
#include "iotsec/device/attestation.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sys/stat.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "../common/temp_dir_test_util.h"
#include "iotsec/common/file.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/device/swtpm.h"

namespace iotsec::device {
namespace {

using iotsec::testing::TempDir;

constexpr uint32_t kHandle = 0x81010001;

// The P-256 group order n (FIPS 186-4 D.1.2.3).
constexpr char kOrderHex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

const Bytes kTranscript = ToBytes(AsBytes("onboarding transcript: nonce 0123456789abcdef"));
const Bytes kOtherTranscript = ToBytes(AsBytes("onboarding transcript: nonce 0123456789abcdee"));

void ExpectCode(const Status& s, ErrorCode code) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), code) << s.error().ToString();
}

template <typename T>
void ExpectCode(const Result<T>& r, ErrorCode code) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
}

// OpenSslVerify checks |sig| (r || s) over SHA-256(|message|) with |pub65| using OpenSSL's EVP
// interface directly (DER-encoding the signature itself), independently of crypto::.
bool OpenSslVerify(const std::array<uint8_t, 65>& pub65, ByteSpan message,
                   const std::array<uint8_t, 64>& sig) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub65.data(), pub65.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* fctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = fctx != nullptr && EVP_PKEY_fromdata_init(fctx) == 1 &&
            EVP_PKEY_fromdata(fctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(fctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  if (!ok) {
    ADD_FAILURE() << "OpenSSL refused the public key";
    return false;
  }
  ECDSA_SIG* esig = ECDSA_SIG_new();
  ECDSA_SIG_set0(esig, BN_bin2bn(sig.data(), 32, nullptr), BN_bin2bn(sig.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(esig, &der);
  ECDSA_SIG_free(esig);
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  bool verified = der_len > 0 &&
                  EVP_DigestVerifyInit(mctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
                  EVP_DigestVerify(mctx, der, der_len, message.data(), message.size()) == 1;
  EVP_MD_CTX_free(mctx);
  OPENSSL_free(der);
  EVP_PKEY_free(pkey);
  return verified;
}

// SignAndCheck signs |kTranscript| with |key| and checks the signature with crypto:: and with
// OpenSSL directly, and that it does not verify another transcript or when altered.
void SignAndCheck(AttestationKey& key) {
  auto pub = crypto::EcdsaP256PublicKey::FromUncompressed(key.PublicKey());
  ASSERT_TRUE(pub.has_value()) << pub.error().ToString();
  auto sig = key.Sign(kTranscript);
  ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
  EXPECT_TRUE(pub->Verify(kTranscript, *sig).has_value());
  EXPECT_TRUE(OpenSslVerify(key.PublicKey(), kTranscript, *sig));
  ExpectCode(pub->Verify(kOtherTranscript, *sig), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(OpenSslVerify(key.PublicKey(), kOtherTranscript, *sig));
  std::array<uint8_t, 64> altered = *sig;
  altered[40] ^= 0x01;
  ExpectCode(pub->Verify(kTranscript, altered), ErrorCode::kUnauthenticated);
  // ECDSA is randomized: a second signature differs and verifies as well.
  auto sig2 = key.Sign(kTranscript);
  ASSERT_TRUE(sig2.has_value()) << sig2.error().ToString();
  EXPECT_NE(*sig, *sig2);
  EXPECT_TRUE(pub->Verify(kTranscript, *sig2).has_value());
}

// ---------------------------------------------------------------------------------------------
// Software keys.

TEST(SoftwareAttestationKeyTest, GeneratedKeySignsVerifiably) {
  auto key = GenerateSoftwareAttestationKey();
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ((*key)->PublicKey()[0], 0x04);
  SignAndCheck(**key);
  auto other = GenerateSoftwareAttestationKey();
  ASSERT_TRUE(other.has_value());
  EXPECT_NE((*key)->PublicKey(), (*other)->PublicKey());
}

TEST(SoftwareAttestationKeyTest, LoadsTheBirthKeyFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto priv = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(priv.has_value());
  auto scalar = priv->Scalar();
  ASSERT_TRUE(scalar.has_value());
  const std::string path = dir.path() + "/DEV0001.key";
  ASSERT_TRUE(WriteFileAtomic(path, scalar->span(), 0600).has_value());

  auto key = LoadSoftwareAttestationKey(path);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ((*key)->PublicKey(), priv->PublicKey().Uncompressed());
  SignAndCheck(**key);
  // A signature by the loaded key verifies with the public key the file's key pair has.
  auto sig = (*key)->Sign(kTranscript);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(priv->PublicKey().Verify(kTranscript, *sig).has_value());
}

TEST(SoftwareAttestationKeyTest, RefusesBadKeyFiles) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto write = [&](const std::string& name, const Bytes& data) {
    const std::string path = dir.path() + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(path, data, 0600).has_value());
    return path;
  };
  Bytes valid(32, 0x11);
  ExpectCode(LoadSoftwareAttestationKey(write("empty", {})), ErrorCode::kInvalidArgument);
  ExpectCode(LoadSoftwareAttestationKey(write("short", Bytes(31, 0x11))),
             ErrorCode::kInvalidArgument);
  ExpectCode(LoadSoftwareAttestationKey(write("long", Bytes(33, 0x11))),
             ErrorCode::kInvalidArgument);
  // Hex text of a scalar is not the raw format.
  ExpectCode(LoadSoftwareAttestationKey(write("hex", ToBytes(AsBytes(HexEncode(valid))))),
             ErrorCode::kInvalidArgument);
  // d must be in [1, n-1].
  ExpectCode(LoadSoftwareAttestationKey(write("zero", Bytes(32, 0))), ErrorCode::kInvalidArgument);
  ExpectCode(LoadSoftwareAttestationKey(write("order", *HexDecode(kOrderHex))),
             ErrorCode::kInvalidArgument);
  ExpectCode(LoadSoftwareAttestationKey(write("ones", Bytes(32, 0xff))),
             ErrorCode::kInvalidArgument);
  ExpectCode(LoadSoftwareAttestationKey(dir.path() + "/missing"), ErrorCode::kNotFound);
  ExpectCode(LoadSoftwareAttestationKey(dir.path()), ErrorCode::kInvalidArgument);
  // The same 32 octets are accepted, so the refusals above are about the content.
  auto ok = LoadSoftwareAttestationKey(write("valid", valid));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  // The error message names the file but does not contain the scalar.
  auto bad = LoadSoftwareAttestationKey(write("short2", Bytes(31, 0xab)));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("short2"), std::string::npos);
  EXPECT_EQ(bad.error().message().find("abab"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// TPM keys, against swtpm.

class TpmAttestationKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    swtpm_binary_ = FindExecutable("swtpm");
    if (swtpm_binary_.empty()) {
      GTEST_SKIP() << "swtpm is not installed (apt-get install swtpm); TPM tests not run";
    }
    ASSERT_FALSE(dir_.path().empty());
  }

  // StartTpm starts |tpm| on state directory |name| under the test's directory.
  void StartTpm(Swtpm& tpm, const std::string& name) {
    Status st =
        tpm.Start(swtpm_binary_, dir_.path() + "/" + name, dir_.path() + "/" + name + ".log");
    ASSERT_TRUE(st) << st.error().ToString();
  }

  std::string swtpm_binary_;
  TempDir dir_;
};

TEST_F(TpmAttestationKeyTest, SignsVerifiably) {
  Swtpm tpm;
  ASSERT_NO_FATAL_FAILURE(StartTpm(tpm, "tpm"));
  auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ((*key)->PublicKey()[0], 0x04);
  SignAndCheck(**key);
  // Messages of other lengths, including empty, are hashed outside the TPM and signed.
  auto pub = crypto::EcdsaP256PublicKey::FromUncompressed((*key)->PublicKey());
  ASSERT_TRUE(pub.has_value());
  for (size_t len : {0, 1, 64, 5000}) {
    Bytes msg(len, 0x5a);
    auto sig = (*key)->Sign(msg);
    ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
    EXPECT_TRUE(pub->Verify(msg, *sig).has_value()) << len;
  }
}

TEST_F(TpmAttestationKeyTest, ReopeningGivesTheSameKeyEvenAfterRestart) {
  Swtpm tpm;
  ASSERT_NO_FATAL_FAILURE(StartTpm(tpm, "tpm"));
  std::array<uint8_t, 65> first;
  {
    auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    first = (*key)->PublicKey();
  }
  {
    auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    EXPECT_EQ((*key)->PublicKey(), first);
    // Another handle in the same TPM gets a key of its own.
    auto other = OpenTpmAttestationKey(tpm.Tcti(), kHandle + 1);
    ASSERT_TRUE(other.has_value()) << other.error().ToString();
    EXPECT_NE((*other)->PublicKey(), first);
  }
  // Restart swtpm on the same state: the persistent key survives.
  tpm.Stop();
  ASSERT_NO_FATAL_FAILURE(StartTpm(tpm, "tpm"));
  auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ((*key)->PublicKey(), first);
  auto sig = (*key)->Sign(kTranscript);
  ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
  auto pub = crypto::EcdsaP256PublicKey::FromUncompressed(first);
  ASSERT_TRUE(pub.has_value());
  EXPECT_TRUE(pub->Verify(kTranscript, *sig).has_value());
  ExpectCode(pub->Verify(kOtherTranscript, *sig), ErrorCode::kUnauthenticated);
}

TEST_F(TpmAttestationKeyTest, StartsATpmThatWasNotStarted) {
  Swtpm tpm;
  Status st = tpm.Start(swtpm_binary_, dir_.path() + "/tpm", dir_.path() + "/tpm.log",
                        /*startup=*/false);
  ASSERT_TRUE(st) << st.error().ToString();
  auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  SignAndCheck(**key);
}

TEST_F(TpmAttestationKeyTest, TwoTpmsGiveDifferentKeys) {
  Swtpm a;
  Swtpm b;
  ASSERT_NO_FATAL_FAILURE(StartTpm(a, "a"));
  ASSERT_NO_FATAL_FAILURE(StartTpm(b, "b"));
  auto ka = OpenTpmAttestationKey(a.Tcti(), kHandle);
  auto kb = OpenTpmAttestationKey(b.Tcti(), kHandle);
  ASSERT_TRUE(ka.has_value()) << ka.error().ToString();
  ASSERT_TRUE(kb.has_value()) << kb.error().ToString();
  EXPECT_NE((*ka)->PublicKey(), (*kb)->PublicKey());
  // A signature of one TPM's key does not verify under the other's.
  auto sig = (*ka)->Sign(kTranscript);
  ASSERT_TRUE(sig.has_value());
  auto pub_b = crypto::EcdsaP256PublicKey::FromUncompressed((*kb)->PublicKey());
  ASSERT_TRUE(pub_b.has_value());
  ExpectCode(pub_b->Verify(kTranscript, *sig), ErrorCode::kUnauthenticated);
}

// MakeStoragePrimaryPersistent puts a restricted decryption key (not a signing key) at |handle|
// with ESAPI directly, as other software sharing the TPM might.
void MakeStoragePrimaryPersistent(const std::string& tcti, uint32_t handle) {
  TSS2_TCTI_CONTEXT* tcti_ctx = nullptr;
  ASSERT_EQ(Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_ctx), TSS2_RC_SUCCESS);
  ESYS_CONTEXT* esys = nullptr;
  ASSERT_EQ(Esys_Initialize(&esys, tcti_ctx, nullptr), TSS2_RC_SUCCESS);
  TPM2B_SENSITIVE_CREATE sensitive;
  std::memset(&sensitive, 0, sizeof(sensitive));
  TPM2B_PUBLIC tmpl;
  std::memset(&tmpl, 0, sizeof(tmpl));
  tmpl.publicArea.type = TPM2_ALG_ECC;
  tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
  tmpl.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                     TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                     TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  tmpl.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  tmpl.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
  tmpl.publicArea.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  tmpl.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  tmpl.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  tmpl.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  TPM2B_DATA outside;
  std::memset(&outside, 0, sizeof(outside));
  TPML_PCR_SELECTION pcrs;
  std::memset(&pcrs, 0, sizeof(pcrs));
  ESYS_TR primary = ESYS_TR_NONE;
  TPM2B_PUBLIC* out_public = nullptr;
  TPM2B_CREATION_DATA* creation_data = nullptr;
  TPM2B_DIGEST* creation_hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  EXPECT_EQ(Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                               &sensitive, &tmpl, &outside, &pcrs, &primary, &out_public,
                               &creation_data, &creation_hash, &ticket),
            TSS2_RC_SUCCESS);
  Esys_Free(out_public);
  Esys_Free(creation_data);
  Esys_Free(creation_hash);
  Esys_Free(ticket);
  ESYS_TR persistent = ESYS_TR_NONE;
  EXPECT_EQ(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                              ESYS_TR_NONE, handle, &persistent),
            TSS2_RC_SUCCESS);
  Esys_FlushContext(esys, primary);
  Esys_Finalize(&esys);
  Tss2_TctiLdr_Finalize(&tcti_ctx);
}

TEST_F(TpmAttestationKeyTest, RefusesAnObjectThatIsNotASigningKey) {
  Swtpm tpm;
  ASSERT_NO_FATAL_FAILURE(StartTpm(tpm, "tpm"));
  ASSERT_NO_FATAL_FAILURE(MakeStoragePrimaryPersistent(tpm.Tcti(), kHandle));
  auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ExpectCode(key, ErrorCode::kFailedPrecondition);
  // The refused object is left in place, and another handle still works.
  auto again = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ExpectCode(again, ErrorCode::kFailedPrecondition);
  auto other = OpenTpmAttestationKey(tpm.Tcti(), kHandle + 1);
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
}

TEST_F(TpmAttestationKeyTest, RefusesBadArgumentsAndUnreachableTpm) {
  Swtpm tpm;
  ASSERT_NO_FATAL_FAILURE(StartTpm(tpm, "tpm"));
  ExpectCode(OpenTpmAttestationKey("", kHandle), ErrorCode::kInvalidArgument);
  // Transient, NV, platform-range and endorsement-range persistent handles are refused.
  for (uint32_t h : {0x80000000u, 0x01000000u, 0x81800000u, 0x81ffffffu, 0x80ffffffu}) {
    ExpectCode(OpenTpmAttestationKey(tpm.Tcti(), h), ErrorCode::kInvalidArgument);
  }
  // The bounds of the owner range are accepted.
  EXPECT_TRUE(OpenTpmAttestationKey(tpm.Tcti(), 0x81000000u).has_value());
  EXPECT_TRUE(OpenTpmAttestationKey(tpm.Tcti(), 0x817fffffu).has_value());
  // Nothing listens on the TPM's port after it stops.
  const std::string tcti = tpm.Tcti();
  tpm.Stop();
  auto key = OpenTpmAttestationKey(tcti, kHandle);
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().code(), ErrorCode::kUnavailable) << key.error().ToString();
}

TEST_F(TpmAttestationKeyTest, SignFailsCleanlyWhenTheTpmGoesAway) {
  Swtpm tpm;
  ASSERT_NO_FATAL_FAILURE(StartTpm(tpm, "tpm"));
  auto key = OpenTpmAttestationKey(tpm.Tcti(), kHandle);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  tpm.Stop();
  auto sig = (*key)->Sign(kTranscript);
  ASSERT_FALSE(sig.has_value());
  EXPECT_EQ(sig.error().code(), ErrorCode::kUnavailable) << sig.error().ToString();
}

}  // namespace
}  // namespace iotsec::device
