// Copyright iotsec authors.
// Fuzzes the strict deterministic-CBOR decoder (include/iotsec/cose/cbor.h). Whatever the
// input, Decode must not crash; when it accepts an input, re-encoding the value must give back
// exactly the input octets (the decoder accepts only the deterministic encoding, which is the
// one the encoder emits), and the diagnostic printer must cope with the value.
#include "iotsec/cose/cbor.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace iotsec::cose::cbor;
  const iotsec::ByteSpan in(data, size);
  auto v = Decode(in);
  if (!v.has_value()) {
    return 0;
  }
  auto out = Encode(*v);
  if (!out.has_value() || *out != iotsec::Bytes(in.begin(), in.end())) {
    std::fprintf(stderr, "cbor fuzzer: decode/encode round trip changed %s\n",
                 iotsec::HexEncode(in).c_str());
    std::abort();
  }
  std::string diag = ToDiagnostic(*v);
  if (diag.empty()) {
    std::abort();
  }
  return 0;
}
