// Copyright iotsec authors.
// Sequencer: gives ledger entries their place in the log. A submitter hands over an entry and is
// told its index only once the entry is durable. The interface hides where ordering happens:
// LocalSequencer orders in this process (one writer thread, group commit into a LogStore); an
// etcd-backed sequencer for several nodes can implement the same interface later (design in
// doc/ledger-storage.md, "Sequencing").
#ifndef IOTSEC_LEDGER_SEQUENCER_H_
#define IOTSEC_LEDGER_SEQUENCER_H_

#include <any>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/store.h"

namespace iotsec::ledger {

// ApplyHook validates one entry, in log order, at the index it will get if it is committed, and
// may apply it to the node's state (records against LedgerState). |prepared| is what the
// submitter handed to Submit with the entry (empty if nothing): work done on the submitter's
// thread, e.g. the parsed record with its signature verified, so that the one sequencing thread
// need not do it again. Returning a failure refuses the entry: it is not appended, takes no
// index, and its submitter gets exactly that error.
using ApplyHook = std::function<Status(ByteSpan entry, uint64_t index, std::any& prepared)>;

// IndexHook is called once per batch, after the ApplyHook ran on every entry of it; the index
// writes it returns are committed in the same transaction as the batch's entries.
using IndexHook = std::function<std::vector<IndexWrite>()>;

// BatchHook is told the outcome of each batch once the ApplyHook ran on all of its entries:
// the first index and the number of the entries it accepted (0 when it refused them all), and
// Ok() if they were committed or the error if not. On an error, state applied by the ApplyHook
// for them must be rolled back (LedgerState::RollbackTransaction): none of them is in the log,
// unless the error says the outcome is unknown, after which the store refuses every write until
// it is reopened (and the node rebuilds its state from the log).
using BatchHook = std::function<void(uint64_t first_index, size_t count, const Status& result)>;

// Sequencer orders entries into the log.
class Sequencer {
 public:
  // Done receives the index of a committed, durable entry, or the reason it was not appended.
  using Done = std::function<void(Result<uint64_t> index)>;

  virtual ~Sequencer();

  // Submit queues |entry| and returns Ok(); |done| is then called exactly once, from the
  // sequencer's thread, with the entry's index after the commit that made it durable, or with
  // the error (the ApplyHook's refusal, or the store's failure). On failure Submit returns the
  // error at once and never calls |done|: kUnavailable when the queue is full (back-pressure:
  // retry later, e.g. HTTP 503), kInvalidArgument for an entry over the size limit,
  // kFailedPrecondition once the sequencer is closed. |done| must be quick and must not block on
  // the sequencer.
  // |prepared| is passed to the ApplyHook with the entry (see ApplyHook).
  virtual Status Submit(Bytes entry, Done done, std::any prepared) = 0;
  Status Submit(Bytes entry, Done done) { return Submit(std::move(entry), std::move(done), {}); }

  // SubmitAsync is Submit with a future: it becomes ready with the index once the entry is
  // durable, or with the error (including Submit's own refusal).
  std::future<Result<uint64_t>> SubmitAsync(Bytes entry, std::any prepared = {});

  // Close stops accepting entries, sequences every entry already accepted, answers all their
  // submitters, and returns. Idempotent.
  virtual void Close() = 0;
};

// LocalSequencerOptions configure a LocalSequencer.
struct LocalSequencerOptions {
  // The queue of accepted, not yet committed entries is bounded in entries and bytes; Submit
  // returns kUnavailable beyond either bound.
  size_t max_queue_entries = 65536;
  size_t max_queue_bytes = size_t{64} << 20;
  // max_entry_bytes bounds one entry (kInvalidArgument beyond).
  size_t max_entry_bytes = size_t{1} << 20;
  // One commit takes at most this many queued entries / bytes (at least one entry).
  size_t max_batch_entries = 8192;
  size_t max_batch_bytes = size_t{16} << 20;
  // Hooks; each may be empty.
  ApplyHook apply;
  IndexHook index_writes;
  BatchHook on_batch;
};

// SequencerStats are counters since the sequencer started (for metrics and tests).
struct SequencerStats {
  uint64_t accepted = 0;       // Submit returned Ok()
  uint64_t rejected_full = 0;  // Submit returned kUnavailable (queue full)
  uint64_t refused = 0;        // the ApplyHook refused the entry
  uint64_t appended = 0;       // committed and acknowledged
  uint64_t failed = 0;         // the store failed to commit them
  uint64_t batches = 0;        // commits attempted (failed ones included)
  uint64_t largest_batch = 0;  // most entries in one commit
  size_t queued_entries = 0;   // waiting now
  size_t queued_bytes = 0;
};

// LocalSequencer sequences in this process: Submit only queues; one writer thread takes every
// queued entry (up to the batch bounds), runs the ApplyHook on each in order, appends those it
// accepts with one LogStore::AppendBatch (one transaction, one fsync: group commit), and then
// calls their Done callbacks. While it runs it must be the only writer of entries to |store|.
class LocalSequencer final : public Sequencer {
 public:
  // LocalSequencer starts its writer thread; |store| must outlive it.
  explicit LocalSequencer(LogStore& store, LocalSequencerOptions options = {});
  // ~LocalSequencer closes it (see Close).
  ~LocalSequencer() override;
  LocalSequencer(const LocalSequencer&) = delete;
  LocalSequencer& operator=(const LocalSequencer&) = delete;

  // Submit and Close behave as Sequencer says; Close also stops the writer thread.
  using Sequencer::Submit;
  Status Submit(Bytes entry, Done done, std::any prepared) override;
  void Close() override;

  // Stats returns a snapshot of the counters.
  SequencerStats Stats();

 private:
  struct Item {
    Bytes entry;
    Done done;
    std::any prepared;
  };

  void Run();
  void Process(std::vector<Item>& batch);

  LogStore& store_;
  const LocalSequencerOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool closing_ = false;
  SequencerStats stats_;

  std::mutex close_mu_;
  std::thread writer_;
};

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_SEQUENCER_H_
