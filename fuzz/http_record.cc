// Copyright iotsec authors.
// Fuzzes what the ledger node's HTTP API parses from a request before touching any state
// (doc/api.md): the tile path of GET /tile/... (c2sp.org/tlog-tiles path encoding, which must
// accept exactly one canonical form: whatever parses formats back to the same octets) and the
// body of POST /v1/ledger/records, a record bundle: the signed entry followed by its
// attachment (doc/formats/ledger-records.md §4.8). ParseRecord must never crash and refuses
// with kInvalidArgument only; a body that parses is exactly its entry and attachment, and its
// entry (what the node logs) parses alone. The first octet picks the parser.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/ledger/record.h"
#include "iotsec/server/tlog_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    auto path = iotsec::server::ParseTilePath(rest);
    if (path && iotsec::server::FormatTilePath(*path) != rest) {
      std::abort();  // a second encoding of one tile was accepted
    }
    return 0;
  }
  const iotsec::ByteSpan body(data + 1, size - 1);
  auto record = iotsec::ledger::ParseRecord(body);
  if (!record.has_value()) {
    if (record.error().code() != iotsec::ErrorCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  if (record->Bundle() != iotsec::ToBytes(body) || !record->complete()) {
    std::abort();
  }
  auto entry = iotsec::ledger::ParseRecordEntry(record->encoded());
  if (!entry.has_value() || entry->encoded() != record->encoded()) {
    std::abort();
  }
  return 0;
}
