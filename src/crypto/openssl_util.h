// Copyright iotsec authors.
// Private helpers shared by the OpenSSL wrappers of crypto/: error reporting (STYLE.md rule 10),
// owning pointers for OpenSSL objects, and algorithm objects fetched once per process.
#ifndef IOTSEC_CRYPTO_OPENSSL_UTIL_H_
#define IOTSEC_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string_view>

#include "iotsec/common/result.h"

namespace iotsec::crypto::internal {

// OpenSslFail returns a failure with |code| whose message is |what|, followed by the text of the
// oldest error in OpenSSL's thread-local queue when there is one. It clears the queue.
Unexpected OpenSslFail(ErrorCode code, std::string_view what);

// ClearOpenSslErrors empties OpenSSL's thread-local error queue (used where an OpenSSL failure
// is an expected outcome, such as a signature that does not verify).
void ClearOpenSslErrors();

// OpenSslAbort reports |what| and the OpenSSL error text on stderr and aborts. Only for failures
// that cannot happen short of memory exhaustion, in functions whose API has no error path.
[[noreturn]] void OpenSslAbort(std::string_view what);

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
// SecretBnPtr is for BIGNUMs that hold secrets: BN_clear_free wipes them.
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

// PkeyPtr is a shared, immutable OpenSSL key (the public key classes hold one).
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// WrapPkey takes ownership of |pkey| (which may be nullptr) into a PkeyPtr.
PkeyPtr WrapPkey(EVP_PKEY* pkey);

// Sha256Md returns SHA-256 fetched from the default provider once per process (never nullptr:
// aborts if the provider lacks SHA-256).
const EVP_MD* Sha256Md();

}  // namespace iotsec::crypto::internal

#endif  // IOTSEC_CRYPTO_OPENSSL_UTIL_H_
