// Copyright iotsec authors.
// Record attachments in a node's store (doc/formats/ledger-records.md §4.8): the device list
// of a batch record, or the SAKKE Z of KMS parameters, kept beside the log entry (the signed
// record) in the index table "attachments", keyed by the entry's log index, and written in the
// same transaction as the entry. Beside the device list of a batch record of more than one
// group of devices, the node also keeps its batch tiles (include/iotsec/ledger/batch_tiles.h) in
// the index table "batch_tiles", written in the same transaction, so that a member proof does
// not rehash the whole list.
#ifndef IOTSEC_LEDGER_ATTACHMENTS_H_
#define IOTSEC_LEDGER_ATTACHMENTS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/store.h"

namespace iotsec::ledger {

// kAttachmentsTable is the index table that holds attachments.
inline constexpr char kAttachmentsTable[] = "attachments";

// AttachmentWrite returns the index write that stores |attachment| for the entry at |index|.
IndexWrite AttachmentWrite(uint64_t index, ByteSpan attachment);

// ReadAttachment returns the attachment of the entry at |index|: empty when it has none.
Result<Bytes> ReadAttachment(LogStore& store, uint64_t index);

// ReadAttachments returns the attachments of the entries [start, start + count), empty for
// those that have none, in one scan.
Result<std::vector<Bytes>> ReadAttachments(LogStore& store, uint64_t start, size_t count);

// kBatchTilesTable is the index table that holds the batch tiles of batch records (births,
// transfers, bindings), keyed like attachments by the 8-octet big-endian log index; the value is
// EncodeBatchTiles of the record's group roots.
inline constexpr char kBatchTilesTable[] = "batch_tiles";

// BatchTilesWrite returns the index write that stores the encoded batch tiles |tiles| of the
// batch record at |index|.
IndexWrite BatchTilesWrite(uint64_t index, ByteSpan tiles);

// ReadBatchTiles returns the encoded batch tiles of the record at |index|, std::nullopt when it
// has none (not a batch record, or one stored before the node kept tiles). Fails with the
// store's error.
Result<std::optional<Bytes>> ReadBatchTiles(LogStore& store, uint64_t index);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_ATTACHMENTS_H_
