// Copyright iotsec authors.
// Fuzzes ECCSI verification (RFC 6507 §5.2.2) of arbitrary octets under a fixed KPAK and
// identity, those of RFC 6507 Appendix A. The input is the signature, and when it is longer than
// a signature its last 129 octets are the signature and the octets before them the message
// (otherwise the message is Appendix A's "message\0"). Verification must never crash; it must
// refuse a wrong length with kInvalidArgument and anything else it refuses with
// kUnauthenticated; and EccsiVerify and an EccsiVerifier for Appendix A's PVT must agree on
// every signature that carries that PVT.
#include "iotsec/ibc/eccsi.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "iotsec/common/bytes.h"

using namespace iotsec;

namespace {

// RFC 6507 Appendix A.
const char kKpak[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93DBDD37551AFD263B5DFD617F39"
    "60C65A8C298850FF99F20366DCE7D4367217F4";
const char kPvt[] =
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9A79D247692F4EDA3A6BDAB77D6"
    "AA6474A464AE4934663C5265BA7018BA091F79";
const char kId[] = "323031312D30320074656C3A2B34343737303039303031323300";
const char kMessage[] = "6D65737361676500";

struct Keys {
  Bytes kpak = *HexDecode(kKpak);
  Bytes pvt = *HexDecode(kPvt);
  Bytes id = *HexDecode(kId);
  Bytes message = *HexDecode(kMessage);
  ibc::EccsiVerifier verifier = *ibc::EccsiVerifier::Create(kpak, id, pvt);
};

const Keys& GetKeys() {
  static const Keys* keys = new Keys();
  return *keys;
}

void CheckRefusal(const Status& st, size_t sig_size) {
  if (st.has_value()) {
    return;
  }
  const ErrorCode want = sig_size == ibc::kEccsiSignatureSize ? ErrorCode::kUnauthenticated
                                                              : ErrorCode::kInvalidArgument;
  if (st.error().code() != want) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Keys& k = GetKeys();
  ByteSpan in(data, size);
  ByteSpan message = k.message;
  ByteSpan sig = in;
  if (size > ibc::kEccsiSignatureSize) {
    message = in.first(size - ibc::kEccsiSignatureSize);
    sig = in.last(ibc::kEccsiSignatureSize);
  }
  const Status one_shot = ibc::EccsiVerify(k.kpak, k.id, message, sig);
  CheckRefusal(one_shot, sig.size());
  const Status cached = k.verifier.Verify(message, sig);
  CheckRefusal(cached, sig.size());
  const bool same_pvt = sig.size() == ibc::kEccsiSignatureSize &&
                        std::memcmp(sig.data() + 64, k.pvt.data(), k.pvt.size()) == 0;
  if (same_pvt && one_shot.has_value() != cached.has_value()) {
    std::abort();
  }
  if (!same_pvt && cached.has_value()) {
    std::abort();  // a verifier accepts only its own PVT
  }
  return 0;
}
