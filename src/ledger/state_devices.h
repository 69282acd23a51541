// Copyright iotsec authors.
// Internal to ledger/: the compact device table of LedgerState. It is sized for millions of
// devices: one fixed-size entry per device (about 136 octets) in chunks that never move as a
// whole, device ids packed into a chunked arena, and an open-addressing hash index of 8
// octets per slot (at most half full), so about 190 octets per device in all.
#ifndef IOTSEC_LEDGER_STATE_DEVICES_H_
#define IOTSEC_LEDGER_STATE_DEVICES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/ledger/record.h"

namespace iotsec::ledger::internal {

// kNoOrg marks an absent organization number; kNoIndex an absent log index.
inline constexpr uint32_t kNoOrg = UINT32_MAX;
inline constexpr uint64_t kNoIndex = UINT64_MAX;

// DeviceEntry is what the state keeps per device. Organizations are numbers into the state's
// organization table; the model and the set of SPs are interned numbers.
struct DeviceEntry {
  uint64_t id_location = 0;  // chunk << 32 | offset, in the id arena
  uint64_t birth_index = kNoIndex;
  uint64_t owner_index = kNoIndex;
  uint64_t binding_index = kNoIndex;
  uint64_t revocation_index = kNoIndex;
  uint32_t manufacturer = kNoOrg;
  uint32_t owner = kNoOrg;
  uint32_t previous_owner = kNoOrg;  // the owner before the latest transfer
  uint32_t mno = kNoOrg;
  uint32_t sp_set = 0;  // 0 is the empty set
  uint32_t model = 0;
  uint8_t id_size = 0;
  AttestationKey attestation_key{};
};

// DeviceTable maps device ids to numbered entries. Numbers are dense, in insertion order, and
// never change. Copyable.
class DeviceTable {
 public:
  // Find returns the number of the device |id|, or std::nullopt.
  std::optional<uint32_t> Find(std::string_view id) const;
  // Insert adds device |id| (which must not be present, and is at most 255 octets) with
  // |entry| (whose id fields it sets) and returns its number.
  uint32_t Insert(std::string_view id, const DeviceEntry& entry);
  // PopBack removes the device inserted last. Removing devices in the reverse order of their
  // insertion keeps the index exact: no device inserted earlier probed past the slot of a
  // later one (that slot was empty when it was inserted, and Rehash reinserts in number
  // order).
  void PopBack();
  // Reserve prepares the index for |n| devices in all.
  void Reserve(size_t n);

  DeviceEntry& at(uint32_t n) { return chunks_[n / kChunkEntries][n % kChunkEntries]; }
  const DeviceEntry& at(uint32_t n) const { return chunks_[n / kChunkEntries][n % kChunkEntries]; }
  // IdOf returns the id of device |n| (valid until the next Insert).
  std::string_view IdOf(uint32_t n) const;
  size_t size() const { return size_; }
  // MemoryUsage returns the heap octets held.
  size_t MemoryUsage() const;

 private:
  static constexpr size_t kChunkEntries = 4096;
  static constexpr size_t kArenaChunk = size_t{1} << 20;

  static uint64_t HashOf(std::string_view id);
  void Rehash(size_t capacity);
  void PutSlot(uint64_t hash, uint32_t n);

  std::vector<std::vector<DeviceEntry>> chunks_;
  std::vector<std::string> arena_;
  // slots_[i] = (hash >> 32) << 32 | (number + 1); 0 is empty. Linear probing, power-of-two
  // capacity, at most half full.
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace iotsec::ledger::internal

#endif  // IOTSEC_LEDGER_STATE_DEVICES_H_
