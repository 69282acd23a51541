// Copyright iotsec authors.
// TPM 2.0 attestation keys through the tpm2-tss ESAPI. Section numbers refer to the TPM 2.0
// Library Specification, Part 2 (Structures) and Part 3 (Commands), revision 1.59.
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/device/attestation.h"

namespace iotsec::device {
namespace {

// The owner hierarchy's persistent handle range (Part 3 §28.5, TPM2_EvictControl: with
// auth = TPM_RH_OWNER, persistentHandle shall be in 81 00 00 00 .. 81 7F FF FF).
constexpr uint32_t kOwnerPersistentFirst = 0x81000000;
constexpr uint32_t kOwnerPersistentLast = 0x817FFFFF;

// kSigningKeyAttributes are the object attributes of an attestation key (Part 2 §8.3): a
// non-restricted signing key created in and bound to this TPM, used with its authValue.
constexpr TPMA_OBJECT kSigningKeyAttributes =
    TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;

// Hex32 formats |v| as 0x%08x.
std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, v);
  return buf;
}

// TpmFail turns a TSS2 response code into an Error: the operation, the decoded code and its
// value. Failures of the transport (the TCTI layer) mean the TPM cannot be reached.
Unexpected TpmFail(const std::string& what, TSS2_RC rc) {
  const ErrorCode code = (rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER ? ErrorCode::kUnavailable
                                                                         : ErrorCode::kInternal;
  return Fail(code, what + " failed: " + Tss2_RC_Decode(rc) + " (" + Hex32(rc) + ")");
}

// EsysFreer releases memory that ESAPI allocated for an output parameter.
struct EsysFreer {
  void operator()(void* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFreer>;

// TpmConnection owns a TCTI context and the ESAPI context on top of it.
class TpmConnection {
 public:
  TpmConnection() = default;
  ~TpmConnection() {
    if (esys_ != nullptr) {
      Esys_Finalize(&esys_);
    }
    if (tcti_ != nullptr) {
      Tss2_TctiLdr_Finalize(&tcti_);
    }
  }
  TpmConnection(const TpmConnection&) = delete;
  TpmConnection& operator=(const TpmConnection&) = delete;

  // Open connects through the TCTI named by |tcti|.
  Status Open(const std::string& tcti) {
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_);
    if (rc != TSS2_RC_SUCCESS) {
      tcti_ = nullptr;
      return TpmFail("connecting to the TPM through TCTI \"" + tcti + "\"", rc);
    }
    rc = Esys_Initialize(&esys_, tcti_, nullptr);
    if (rc != TSS2_RC_SUCCESS) {
      esys_ = nullptr;
      return TpmFail("Esys_Initialize", rc);
    }
    return Ok();
  }

  ESYS_CONTEXT* esys() const { return esys_; }

 private:
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

// TransientObject flushes a transient object from the TPM when it goes out of scope.
class TransientObject {
 public:
  explicit TransientObject(ESYS_CONTEXT* esys) : esys_(esys) {}
  ~TransientObject() {
    if (handle_ != ESYS_TR_NONE) {
      Esys_FlushContext(esys_, handle_);
    }
  }
  TransientObject(const TransientObject&) = delete;
  TransientObject& operator=(const TransientObject&) = delete;

  ESYS_TR* out() { return &handle_; }
  ESYS_TR get() const { return handle_; }

 private:
  ESYS_CONTEXT* esys_;
  ESYS_TR handle_ = ESYS_TR_NONE;
};

// PersistentHandleExists asks the TPM whether |handle| holds an object (Part 3 §30.2,
// TPM2_GetCapability with TPM_CAP_HANDLES lists the handles from |handle| on, in order). If the
// TPM has not been started (TPM_RC_INITIALIZE), it sends TPM2_Startup(TPM_SU_CLEAR) first, as a
// platform would (Part 3 §9.3); a simulator started without it needs this.
Result<bool> PersistentHandleExists(ESYS_CONTEXT* esys, uint32_t handle) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
                                  handle, 1, &more, &raw);
  if (rc == TPM2_RC_INITIALIZE) {
    rc = Esys_Startup(esys, TPM2_SU_CLEAR);
    if (rc != TSS2_RC_SUCCESS) {
      return TpmFail("TPM2_Startup", rc);
    }
    rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
                            handle, 1, &more, &raw);
  }
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS) {
    return TpmFail("TPM2_GetCapability(TPM_CAP_HANDLES)", rc);
  }
  if (data == nullptr || data->capability != TPM2_CAP_HANDLES) {
    return Fail(ErrorCode::kInternal, "TPM2_GetCapability(TPM_CAP_HANDLES): unexpected answer");
  }
  return data->data.handles.count >= 1 && data->data.handles.handle[0] == handle;
}

// PrimaryStorageTemplate is the ECC P-256 storage root key template of the TCG TPM v2.0
// Provisioning Guidance (restricted decryption key, AES-128-CFB, zero-filled unique of 32
// octets per coordinate), so that the primary is the same SRK other software derives.
TPM2B_PUBLIC PrimaryStorageTemplate() {
  TPM2B_PUBLIC t;
  std::memset(&t, 0, sizeof(t));
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.eccDetail.symmetric.keyBits.aes = 128;
  p.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  p.unique.ecc.x.size = 32;
  p.unique.ecc.y.size = 32;
  return t;
}

// SigningKeyTemplate is the attestation key's template (Part 2 §12.2.4 TPMT_PUBLIC): ECC
// P-256, its scheme fixed to ECDSA with SHA-256 (Part 2 §12.2.3.6 TPMS_ECC_PARMS).
TPM2B_PUBLIC SigningKeyTemplate() {
  TPM2B_PUBLIC t;
  std::memset(&t, 0, sizeof(t));
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = kSigningKeyAttributes;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  return t;
}

// CheckSigningKey checks that the public area of an existing object is a key this class may use:
// an ECC P-256 signing key that is not restricted and not also a decryption key, whose private
// part was generated in and cannot leave this TPM, and whose scheme (if any) is ECDSA-SHA256.
Status CheckSigningKey(const TPMT_PUBLIC& p, uint32_t handle) {
  const std::string where = "TPM object at " + Hex32(handle) + ": ";
  if (p.type != TPM2_ALG_ECC || p.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256) {
    return Fail(ErrorCode::kFailedPrecondition, where + "not an ECC P-256 key");
  }
  if ((p.objectAttributes & kSigningKeyAttributes) != kSigningKeyAttributes ||
      (p.objectAttributes & (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                where + "attributes " + Hex32(p.objectAttributes) +
                    " are not those of an attestation key (sign, fixedTPM, fixedParent, "
                    "sensitiveDataOrigin, userWithAuth; not restricted, not decrypt)");
  }
  const TPMT_ECC_SCHEME& s = p.parameters.eccDetail.scheme;
  if (s.scheme != TPM2_ALG_NULL &&
      (s.scheme != TPM2_ALG_ECDSA || s.details.ecdsa.hashAlg != TPM2_ALG_SHA256)) {
    return Fail(ErrorCode::kFailedPrecondition, where + "its scheme is not ECDSA with SHA-256");
  }
  return Ok();
}

// LeftPad32 copies a big-endian TPM2B_ECC_PARAMETER into 32 octets at |out|, restoring the
// leading zero octets a TPM may strip (Part 2 §11.2.5.1). Fails if it is longer than 32.
Status LeftPad32(const TPM2B_ECC_PARAMETER& v, uint8_t* out, const char* what) {
  if (v.size > 32) {
    return Fail(ErrorCode::kInternal, std::string("TPM returned a ") + what + " of " +
                                          std::to_string(v.size) + " octets for P-256");
  }
  std::memset(out, 0, 32 - v.size);
  std::memcpy(out + (32 - v.size), v.buffer, v.size);
  return Ok();
}

// PublicPoint returns the key's public point, validated as a P-256 point.
Result<crypto::EcdsaP256PublicKey> PublicPoint(const TPMT_PUBLIC& p) {
  std::array<uint8_t, 65> point;
  point[0] = 0x04;  // SEC 1 v2 §2.3.3, uncompressed
  IOTSEC_RETURN_IF_ERROR(LeftPad32(p.unique.ecc.x, point.data() + 1, "public x"));
  IOTSEC_RETURN_IF_ERROR(LeftPad32(p.unique.ecc.y, point.data() + 33, "public y"));
  auto key = crypto::EcdsaP256PublicKey::FromUncompressed(point);
  if (!key.has_value()) {
    return Fail(ErrorCode::kInternal,
                "TPM returned an invalid public key: " + key.error().message());
  }
  return *key;
}

// CreatePersistentKey creates the attestation key under the owner hierarchy's primary storage
// key and makes it persistent at |handle| (Part 3 §24.1 TPM2_CreatePrimary, §12.1 TPM2_Create,
// §12.2 TPM2_Load, §28.5 TPM2_EvictControl). The transient objects are flushed again.
Status CreatePersistentKey(ESYS_CONTEXT* esys, uint32_t handle) {
  TPM2B_SENSITIVE_CREATE sensitive;
  std::memset(&sensitive, 0, sizeof(sensitive));  // empty authValue, no sealed data
  TPM2B_DATA outside_info;
  std::memset(&outside_info, 0, sizeof(outside_info));
  TPML_PCR_SELECTION creation_pcr;
  std::memset(&creation_pcr, 0, sizeof(creation_pcr));

  TransientObject primary(esys);
  {
    const TPM2B_PUBLIC tmpl = PrimaryStorageTemplate();
    TPM2B_PUBLIC* out_public = nullptr;
    TPM2B_CREATION_DATA* creation_data = nullptr;
    TPM2B_DIGEST* creation_hash = nullptr;
    TPMT_TK_CREATION* creation_ticket = nullptr;
    TSS2_RC rc =
        Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           &sensitive, &tmpl, &outside_info, &creation_pcr, primary.out(),
                           &out_public, &creation_data, &creation_hash, &creation_ticket);
    Esys_Free(out_public);
    Esys_Free(creation_data);
    Esys_Free(creation_hash);
    Esys_Free(creation_ticket);
    if (rc != TSS2_RC_SUCCESS) {
      return TpmFail("TPM2_CreatePrimary(owner storage key)", rc);
    }
  }

  TransientObject key(esys);
  {
    const TPM2B_PUBLIC tmpl = SigningKeyTemplate();
    TPM2B_PRIVATE* out_private = nullptr;
    TPM2B_PUBLIC* out_public = nullptr;
    TPM2B_CREATION_DATA* creation_data = nullptr;
    TPM2B_DIGEST* creation_hash = nullptr;
    TPMT_TK_CREATION* creation_ticket = nullptr;
    TSS2_RC rc = Esys_Create(esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                             &sensitive, &tmpl, &outside_info, &creation_pcr, &out_private,
                             &out_public, &creation_data, &creation_hash, &creation_ticket);
    EsysPtr<TPM2B_PRIVATE> priv(out_private);
    EsysPtr<TPM2B_PUBLIC> pub(out_public);
    Esys_Free(creation_data);
    Esys_Free(creation_hash);
    Esys_Free(creation_ticket);
    if (rc != TSS2_RC_SUCCESS) {
      return TpmFail("TPM2_Create(attestation key)", rc);
    }
    rc = Esys_Load(esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv.get(),
                   pub.get(), key.out());
    if (rc != TSS2_RC_SUCCESS) {
      return TpmFail("TPM2_Load(attestation key)", rc);
    }
  }

  ESYS_TR persistent = ESYS_TR_NONE;
  TSS2_RC rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, key.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, handle, &persistent);
  if (rc != TSS2_RC_SUCCESS) {
    return TpmFail("TPM2_EvictControl(" + Hex32(handle) + ")", rc);
  }
  Esys_TR_Close(esys, &persistent);
  return Ok();
}

// TpmAttestationKey signs with a persistent TPM key. The ESAPI context is not thread-safe, so
// Sign holds |mu_|.
class TpmAttestationKey final : public AttestationKey {
 public:
  TpmAttestationKey(std::unique_ptr<TpmConnection> tpm, ESYS_TR key,
                    crypto::EcdsaP256PublicKey public_key)
      : tpm_(std::move(tpm)), key_(key), public_key_(std::move(public_key)) {}

  std::array<uint8_t, 65> PublicKey() const override { return public_key_.Uncompressed(); }

  Result<std::array<uint8_t, 64>> Sign(ByteSpan message) override {
    // FIPS 186-4 §6.4: ECDSA signs the hash of the message; it is computed here, outside the TPM.
    const crypto::Sha256Digest hash = crypto::Sha256(message);
    TPM2B_DIGEST digest;
    std::memset(&digest, 0, sizeof(digest));
    digest.size = static_cast<UINT16>(hash.size());
    std::memcpy(digest.buffer, hash.data(), hash.size());
    TPMT_SIG_SCHEME scheme;
    std::memset(&scheme, 0, sizeof(scheme));
    scheme.scheme = TPM2_ALG_ECDSA;
    scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    // Part 3 §20.2 (TPM2_Sign): for a key that is not restricted, |validation| may be a NULL
    // ticket (tag TPM_ST_HASHCHECK, hierarchy TPM_RH_NULL, empty digest; Part 2 §10.7.6).
    TPMT_TK_HASHCHECK validation;
    std::memset(&validation, 0, sizeof(validation));
    validation.tag = TPM2_ST_HASHCHECK;
    validation.hierarchy = TPM2_RH_NULL;

    TPMT_SIGNATURE* raw = nullptr;
    TSS2_RC rc;
    {
      std::lock_guard<std::mutex> lock(mu_);
      rc = Esys_Sign(tpm_->esys(), key_, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &digest,
                     &scheme, &validation, &raw);
    }
    EsysPtr<TPMT_SIGNATURE> signature(raw);
    if (rc != TSS2_RC_SUCCESS) {
      return TpmFail("TPM2_Sign", rc);
    }
    if (signature == nullptr || signature->sigAlg != TPM2_ALG_ECDSA ||
        signature->signature.ecdsa.hash != TPM2_ALG_SHA256) {
      return Fail(ErrorCode::kInternal, "TPM2_Sign returned a signature that is not ECDSA-SHA256");
    }
    // Part 2 §11.3.1 TPMS_SIGNATURE_ECDSA: r and s as TPM2B_ECC_PARAMETER, big-endian.
    std::array<uint8_t, 64> out;
    IOTSEC_RETURN_IF_ERROR(LeftPad32(signature->signature.ecdsa.signatureR, out.data(), "r"));
    IOTSEC_RETURN_IF_ERROR(LeftPad32(signature->signature.ecdsa.signatureS, out.data() + 32, "s"));
    // A faulty TPM must not make the device release a bad signature: check it before returning.
    if (!public_key_.VerifyDigest(hash, out).has_value()) {
      return Fail(ErrorCode::kInternal, "TPM2_Sign returned a signature that does not verify");
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::unique_ptr<TpmConnection> tpm_;
  ESYS_TR key_;
  crypto::EcdsaP256PublicKey public_key_;
};

}  // namespace

Result<std::unique_ptr<AttestationKey>> OpenTpmAttestationKey(const std::string& tcti,
                                                              uint32_t persistent_handle) {
  if (tcti.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "TCTI configuration is empty (want e.g. \"device:/dev/tpmrm0\" or "
                "\"swtpm:host=127.0.0.1,port=2321\")");
  }
  if (persistent_handle < kOwnerPersistentFirst || persistent_handle > kOwnerPersistentLast) {
    return Fail(ErrorCode::kInvalidArgument,
                "persistent handle " + Hex32(persistent_handle) +
                    " is not in the owner range 0x81000000..0x817fffff");
  }
  auto tpm = std::make_unique<TpmConnection>();
  IOTSEC_RETURN_IF_ERROR(tpm->Open(tcti));
  ESYS_CONTEXT* esys = tpm->esys();

  IOTSEC_TRY(exists, PersistentHandleExists(esys, persistent_handle));
  if (!exists) {
    IOTSEC_RETURN_IF_ERROR(CreatePersistentKey(esys, persistent_handle));
  }
  ESYS_TR key = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys, persistent_handle, ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &key);
  if (rc != TSS2_RC_SUCCESS) {
    return TpmFail("loading the TPM object at " + Hex32(persistent_handle), rc);
  }
  TPM2B_PUBLIC* out_public = nullptr;
  TPM2B_NAME* name = nullptr;
  TPM2B_NAME* qualified_name = nullptr;
  rc = Esys_ReadPublic(esys, key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out_public, &name,
                       &qualified_name);
  EsysPtr<TPM2B_PUBLIC> pub(out_public);
  Esys_Free(name);
  Esys_Free(qualified_name);
  if (rc != TSS2_RC_SUCCESS) {
    return TpmFail("TPM2_ReadPublic(" + Hex32(persistent_handle) + ")", rc);
  }
  IOTSEC_RETURN_IF_ERROR(CheckSigningKey(pub->publicArea, persistent_handle));
  IOTSEC_TRY(public_key, PublicPoint(pub->publicArea));
  return std::make_unique<TpmAttestationKey>(std::move(tpm), key, std::move(public_key));
}

}  // namespace iotsec::device
