// Copyright iotsec authors.
#include "iotsec/ledger/sequencer.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>

namespace iotsec::ledger {

Sequencer::~Sequencer() = default;

std::future<Result<uint64_t>> Sequencer::SubmitAsync(Bytes entry, std::any prepared) {
  auto promise = std::make_shared<std::promise<Result<uint64_t>>>();
  std::future<Result<uint64_t>> future = promise->get_future();
  Status s = Submit(std::move(entry),
                    [promise](Result<uint64_t> index) { promise->set_value(std::move(index)); },
                    std::move(prepared));
  if (!s) {
    promise->set_value(Unexpected(s.error()));
  }
  return future;
}

LocalSequencer::LocalSequencer(LogStore& store, LocalSequencerOptions options)
    : store_(store), options_(std::move(options)) {
  writer_ = std::thread([this] { Run(); });
}

LocalSequencer::~LocalSequencer() { Close(); }

Status LocalSequencer::Submit(Bytes entry, Done done, std::any prepared) {
  if (entry.size() > options_.max_entry_bytes) {
    return Fail(ErrorCode::kInvalidArgument, "a ledger entry of " + std::to_string(entry.size()) +
                                                 " bytes is over the limit of " +
                                                 std::to_string(options_.max_entry_bytes));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) {
      return Fail(ErrorCode::kFailedPrecondition, "the ledger sequencer is closed");
    }
    if (stats_.queued_entries >= options_.max_queue_entries ||
        stats_.queued_bytes + entry.size() > options_.max_queue_bytes) {
      ++stats_.rejected_full;
      return Fail(ErrorCode::kUnavailable,
                  "the ledger sequencer queue is full (" + std::to_string(stats_.queued_entries) +
                      " entries, " + std::to_string(stats_.queued_bytes) +
                      " bytes waiting; limits " + std::to_string(options_.max_queue_entries) +
                      " entries, " + std::to_string(options_.max_queue_bytes) +
                      " bytes); retry later");
    }
    ++stats_.accepted;
    ++stats_.queued_entries;
    stats_.queued_bytes += entry.size();
    queue_.push_back(Item{std::move(entry), std::move(done), std::move(prepared)});
  }
  cv_.notify_one();
  return Ok();
}

void LocalSequencer::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_one();
  if (writer_.joinable()) {
    writer_.join();
  }
}

SequencerStats LocalSequencer::Stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void LocalSequencer::Run() {
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) {
        return;  // closing, and everything accepted has been answered
      }
      // Group commit: everything that queued up while the previous commit was syncing goes
      // into this one, within the batch bounds.
      size_t bytes = 0;
      while (!queue_.empty() && batch.size() < options_.max_batch_entries &&
             (batch.empty() || bytes + queue_.front().entry.size() <= options_.max_batch_bytes)) {
        bytes += queue_.front().entry.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queued_entries -= batch.size();
      stats_.queued_bytes -= bytes;
    }
    Process(batch);
    batch.clear();
  }
}

namespace {

// The hooks and callbacks are the caller's code: an exception from them is caught here, at the
// edge, so that it cannot kill the writer thread (STYLE.md rule 11).
void Answer(const Sequencer::Done& done, Result<uint64_t> r) {
  if (!done) {
    return;
  }
  try {
    done(std::move(r));
  } catch (...) {
  }
}

}  // namespace

void LocalSequencer::Process(std::vector<Item>& batch) {
  Result<uint64_t> size = store_.Size();
  if (!size) {
    for (Item& item : batch) {
      Answer(item.done, Unexpected(size.error()));
    }
    std::lock_guard<std::mutex> lock(mu_);
    stats_.failed += batch.size();
    return;
  }
  std::vector<Bytes> entries;
  std::vector<Done> dones;
  entries.reserve(batch.size());
  dones.reserve(batch.size());
  uint64_t refused = 0;
  for (Item& item : batch) {
    uint64_t index = *size + entries.size();
    Status verdict = Ok();
    if (options_.apply) {
      try {
        verdict = options_.apply(item.entry, index, item.prepared);
      } catch (const std::exception& e) {
        verdict = Fail(ErrorCode::kInternal, std::string("the apply hook threw: ") + e.what());
      } catch (...) {
        verdict = Fail(ErrorCode::kInternal, "the apply hook threw");
      }
    }
    if (!verdict) {
      ++refused;
      Answer(item.done, Unexpected(verdict.error()));
      continue;
    }
    entries.push_back(std::move(item.entry));
    dones.push_back(std::move(item.done));
  }
  if (entries.empty()) {
    if (options_.on_batch) {
      try {
        options_.on_batch(*size, 0, Ok());
      } catch (...) {
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    stats_.refused += refused;
    return;
  }
  std::vector<IndexWrite> writes;
  Status hook_status = Ok();
  if (options_.index_writes) {
    try {
      writes = options_.index_writes();
    } catch (...) {
      hook_status = Fail(ErrorCode::kInternal, "the index hook threw");
    }
  }
  Result<std::vector<uint64_t>> indexes =
      hook_status ? store_.AppendBatch(entries, writes)
                  : Result<std::vector<uint64_t>>(Unexpected(hook_status.error()));
  Status outcome = indexes ? Ok() : Status(Unexpected(indexes.error()));
  if (options_.on_batch) {
    uint64_t first = indexes && !indexes->empty() ? indexes->front() : *size;
    try {
      options_.on_batch(first, entries.size(), outcome);
    } catch (...) {
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.refused += refused;
    ++stats_.batches;
    if (indexes) {
      stats_.appended += entries.size();
      if (entries.size() > stats_.largest_batch) {
        stats_.largest_batch = entries.size();
      }
    } else {
      stats_.failed += entries.size();
    }
  }
  for (size_t i = 0; i < dones.size(); ++i) {
    if (indexes) {
      Answer(dones[i], (*indexes)[i]);
    } else {
      Answer(dones[i], Unexpected(indexes.error()));
    }
  }
}

}  // namespace iotsec::ledger
