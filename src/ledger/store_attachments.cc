// Copyright iotsec authors.
// Record attachments in the store (include/iotsec/ledger/attachments.h).
#include "iotsec/ledger/attachments.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace iotsec::ledger {
namespace {

// Key returns the 8-octet big-endian log index: keys then sort in log order.
std::array<uint8_t, 8> Key(uint64_t index) {
  std::array<uint8_t, 8> k{};
  for (int i = 7; i >= 0; --i) {
    k[i] = static_cast<uint8_t>(index);
    index >>= 8;
  }
  return k;
}

Result<uint64_t> IndexOf(ByteSpan key) {
  if (key.size() != 8) {
    return Fail(ErrorCode::kDataLoss, "attachments: a key is not an 8-octet log index");
  }
  uint64_t index = 0;
  for (uint8_t b : key) {
    index = (index << 8) | b;
  }
  return index;
}

}  // namespace

IndexWrite AttachmentWrite(uint64_t index, ByteSpan attachment) {
  const auto key = Key(index);
  return IndexWrite{kAttachmentsTable, Bytes(key.begin(), key.end()), ToBytes(attachment)};
}

Result<Bytes> ReadAttachment(LogStore& store, uint64_t index) {
  auto value = store.IndexGet(kAttachmentsTable, Key(index));
  if (!value && value.error().code() == ErrorCode::kNotFound) {
    return Bytes{};
  }
  return value;
}

Result<std::vector<Bytes>> ReadAttachments(LogStore& store, uint64_t start, size_t count) {
  std::vector<Bytes> out(count);
  if (count == 0) {
    return out;
  }
  IOTSEC_TRY(rows, store.IndexScanFrom(kAttachmentsTable, Key(start), count));
  for (auto& [key, value] : rows) {
    IOTSEC_TRY(index, IndexOf(key));
    if (index - start >= count) {
      break;  // keys are in log order
    }
    out[index - start] = std::move(value);
  }
  return out;
}

IndexWrite BatchTilesWrite(uint64_t index, ByteSpan tiles) {
  const auto key = Key(index);
  return IndexWrite{kBatchTilesTable, Bytes(key.begin(), key.end()), ToBytes(tiles)};
}

Result<std::optional<Bytes>> ReadBatchTiles(LogStore& store, uint64_t index) {
  auto value = store.IndexGet(kBatchTilesTable, Key(index));
  if (!value) {
    if (value.error().code() == ErrorCode::kNotFound) {
      return std::optional<Bytes>();
    }
    return Unexpected(value.error());
  }
  return std::optional<Bytes>(std::move(*value));
}

}  // namespace iotsec::ledger
