// Copyright iotsec authors.
#include "state_devices.h"

#include <algorithm>
#include <bit>
#include <functional>

namespace iotsec::ledger::internal {

uint64_t DeviceTable::HashOf(std::string_view id) {
  // Ids only enter the table through records signed by admitted manufacturers, so an
  // unkeyed hash is acceptable here.
  return static_cast<uint64_t>(std::hash<std::string_view>{}(id));
}

std::optional<uint32_t> DeviceTable::Find(std::string_view id) const {
  if (slots_.empty()) {
    return std::nullopt;
  }
  const uint64_t h = HashOf(id);
  const uint64_t tag = h >> 32;
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
    const uint64_t s = slots_[i];
    if (s == 0) {
      return std::nullopt;
    }
    if ((s >> 32) == tag) {
      const auto n = static_cast<uint32_t>((s & 0xffffffffu) - 1);
      if (IdOf(n) == id) {
        return n;
      }
    }
  }
}

std::string_view DeviceTable::IdOf(uint32_t n) const {
  const DeviceEntry& e = at(n);
  const std::string& chunk = arena_[e.id_location >> 32];
  return std::string_view(chunk).substr(e.id_location & 0xffffffffu, e.id_size);
}

void DeviceTable::PutSlot(uint64_t hash, uint32_t n) {
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>(hash) & mask;
  while (slots_[i] != 0) {
    i = (i + 1) & mask;
  }
  slots_[i] = ((hash >> 32) << 32) | (static_cast<uint64_t>(n) + 1);
}

void DeviceTable::Rehash(size_t capacity) {
  slots_.assign(capacity, 0);
  for (uint32_t n = 0; n < size_; ++n) {
    PutSlot(HashOf(IdOf(n)), n);
  }
}

void DeviceTable::Reserve(size_t n) {
  const size_t want = std::bit_ceil(std::max<size_t>(16, 2 * n));
  if (want > slots_.size()) {
    Rehash(want);
  }
}

uint32_t DeviceTable::Insert(std::string_view id, const DeviceEntry& entry) {
  if (2 * (size_ + 1) > slots_.size()) {
    Rehash(std::max<size_t>(16, 2 * slots_.size()));
  }
  if (arena_.empty() || arena_.back().size() + id.size() > kArenaChunk) {
    arena_.emplace_back();
    arena_.back().reserve(kArenaChunk);
  }
  if (chunks_.empty() || chunks_.back().size() == kChunkEntries) {
    chunks_.emplace_back();
    chunks_.back().reserve(kChunkEntries);
  }
  DeviceEntry e = entry;
  e.id_location = (static_cast<uint64_t>(arena_.size() - 1) << 32) | arena_.back().size();
  e.id_size = static_cast<uint8_t>(id.size());
  arena_.back().append(id);
  chunks_.back().push_back(e);
  const auto n = static_cast<uint32_t>(size_++);
  PutSlot(HashOf(id), n);
  return n;
}

void DeviceTable::PopBack() {
  if (size_ == 0) {
    return;
  }
  const auto n = static_cast<uint32_t>(size_ - 1);
  const std::string_view id = IdOf(n);
  const uint64_t h = HashOf(id);
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(h) & mask; slots_[i] != 0; i = (i + 1) & mask) {
    if ((slots_[i] & 0xffffffffu) == static_cast<uint64_t>(n) + 1) {
      slots_[i] = 0;
      break;
    }
  }
  const DeviceEntry& e = at(n);
  std::string& chunk = arena_[e.id_location >> 32];
  chunk.resize(e.id_location & 0xffffffffu);
  if (chunk.empty()) {
    arena_.pop_back();
  }
  chunks_.back().pop_back();
  if (chunks_.back().empty()) {
    chunks_.pop_back();
  }
  --size_;
}

size_t DeviceTable::MemoryUsage() const {
  size_t total = slots_.capacity() * sizeof(uint64_t);
  for (const auto& c : chunks_) {
    total += c.capacity() * sizeof(DeviceEntry);
  }
  for (const auto& a : arena_) {
    total += a.capacity();
  }
  return total;
}

}  // namespace iotsec::ledger::internal
