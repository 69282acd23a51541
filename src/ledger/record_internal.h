// Copyright iotsec authors.
// Internal to ledger/: strict CBOR field readers and syntax checks shared by the record codec
// (record.cc, record_payload.cc) and the genesis config (state_genesis.cc).
#ifndef IOTSEC_LEDGER_RECORD_INTERNAL_H_
#define IOTSEC_LEDGER_RECORD_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cbor.h"
#include "iotsec/ledger/record.h"

namespace iotsec::ledger::internal {

// Field describes one key of a CBOR map read by ReadMap: an unsigned integer key (|text| null)
// or a text key (|text| set; |key| unused).
struct Field {
  uint64_t key;
  const char* text;
  bool required;
  const char* name;  // for error messages
};

// ReadMap checks that |map| is a map whose keys are exactly fields of |fields| (every required
// one present, no other key) and puts a pointer to each field's value into |out| at the
// field's position (nullptr when an optional field is absent). kInvalidArgument naming
// |what| and the offending key otherwise.
Status ReadMap(const cose::cbor::Value& map, std::span<const Field> fields,
               std::span<const cose::cbor::Value*> out, std::string_view what);

// Malformed returns kInvalidArgument "<what>: <message>".
Unexpected Malformed(std::string_view what, std::string_view message);

// GetUint returns an unsigned integer; kInvalidArgument naming |what| otherwise.
Result<uint64_t> GetUint(const cose::cbor::Value& v, std::string_view what);
// GetText returns a text string of |min|..|max| octets; kInvalidArgument otherwise.
Result<std::string_view> GetText(const cose::cbor::Value& v, size_t min, size_t max,
                                 std::string_view what);
// GetBytes returns a byte string of exactly |size| octets; kInvalidArgument otherwise.
Result<ByteSpan> GetBytes(const cose::cbor::Value& v, size_t size, std::string_view what);
// GetArray returns an array of |min|..|max| items; kInvalidArgument otherwise.
Result<std::span<const cose::cbor::Value>> GetArray(const cose::cbor::Value& v, size_t min,
                                                    size_t max, std::string_view what);
// GetBool returns a boolean; kInvalidArgument otherwise.
Result<bool> GetBool(const cose::cbor::Value& v, std::string_view what);

// CopyTo copies |in| (whose size the caller checked) into |out|.
template <size_t N>
void CopyTo(ByteSpan in, std::array<uint8_t, N>& out) {
  for (size_t i = 0; i < N; ++i) {
    out[i] = in[i];
  }
}

// CheckDisplayText returns Ok() if |s| is 1..|max| octets without C0 control characters or
// DEL (UTF-8 validity is the CBOR decoder's and encoder's business); kInvalidArgument
// naming |what| otherwise.
Status CheckDisplayText(std::string_view s, size_t max, std::string_view what);

// CheckP256Point returns Ok() if |point| is an uncompressed P-256 point on the curve (SEC 1 v2
// §2.3.4, SP 800-56A §5.6.2.3.4 partial validation: 0x04 || x || y, coordinates below p, the
// curve equation); kInvalidArgument naming |what| otherwise.
Status CheckP256Point(ByteSpan point, std::string_view what);

// CheckSakkePoint returns Ok() if |point| has the encoding of RFC 6508 §2.1 / RFC 6509 §3
// (kSakkePointSize octets, first octet 0x04); whether it is on the curve is checked by the
// SAKKE code that uses it. kInvalidArgument otherwise.
Status CheckSakkePoint(ByteSpan point, std::string_view what);

// CheckKeyName is ledger::CheckKeyName (names.h).
using ledger::CheckKeyName;

}  // namespace iotsec::ledger::internal

#endif  // IOTSEC_LEDGER_RECORD_INTERNAL_H_
