// Copyright iotsec authors.
// Fuzzes SAKKE decapsulation (RFC 6508 §6.2.2) of arbitrary octets with a fixed valid key: the
// identity, KMS public key Z and RSK of RFC 6508 Appendix A. Any input must be refused with
// kInvalidArgument (wrong length) or kUnauthenticated, or yield a 16-octet SSV; it must never
// crash. Whatever a SakkeReceiver accepts, the one-shot SakkeDecapsulate must accept with the
// same SSV.
#include "iotsec/ibc/sakke.h"

#include <cstdlib>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/ct.h"

using namespace iotsec;

namespace {

// RFC 6508 Appendix A.
const char kId[] = "323031312D30320074656C3A2B34343737303039303031323300";
const char kZ[] =
    "04"
    "5958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F38CB4AD53DDEF4260B0FE8BB45C4C"
    "1FF510EFFE300367A37B61F701D914AEF09724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE6"
    "40697DE747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D37514DCF7A8E143"
    "A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B63383866E0753C5AC0E72709F8445F2E6178E065857E0EDA"
    "10F68206B63505ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8FC67C6D19487F"
    "B449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE";
const char kRsk[] =
    "04"
    "93AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A9B5C5023597BD82D8062D34019563BA1"
    "D25C0DC56B7B979D74AA50F29FBF11CC2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C456F052"
    "59A6FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69036B155F0A27241094B04BFB"
    "0BDFAC6C670A65C325D39A069F03659D44CA27D3BE8DF311172B554160181CBE94A2A783320CED590BC42644702C"
    "F371271E496BF20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800280B28356497F871"
    "35BAB9612A17260424409AC15FEE996B744C332151235DECB0F5";

struct Keys {
  Bytes id = *HexDecode(kId);
  Bytes z = *HexDecode(kZ);
  crypto::SecretBytes rsk{ByteSpan(*HexDecode(kRsk))};
  ibc::SakkeReceiver receiver = *ibc::SakkeReceiver::Create(z, id, rsk);
};

const Keys& GetKeys() {
  static const Keys* keys = new Keys();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Keys& k = GetKeys();
  ByteSpan in(data, size);
  auto ssv = k.receiver.Decapsulate(in);
  if (!ssv.has_value()) {
    const ErrorCode code = ssv.error().code();
    const bool right_length = size == ibc::kSakkeEncapsulatedSize;
    if (code != (right_length ? ErrorCode::kUnauthenticated : ErrorCode::kInvalidArgument)) {
      std::abort();
    }
    return 0;
  }
  if (ssv->size() != ibc::kSakkeSsvSize) {
    std::abort();
  }
  auto again = ibc::SakkeDecapsulate(k.z, k.id, k.rsk, in);
  if (!again.has_value() || !crypto::CtEqual(again->span(), ssv->span())) {
    std::abort();
  }
  return 0;
}
