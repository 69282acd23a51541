// Copyright iotsec authors.
// Record attachments in a node's store (doc/formats/ledger-records.md §4.8): the device list
// of a batch record, or the SAKKE Z of KMS parameters, kept beside the log entry (the signed
// record) in the index table "attachments", keyed by the entry's log index, and written in the
// same transaction as the entry.
#ifndef IOTSEC_LEDGER_ATTACHMENTS_H_
#define IOTSEC_LEDGER_ATTACHMENTS_H_

#include <cstddef>
#include <cstdint>
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

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_ATTACHMENTS_H_
