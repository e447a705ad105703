// OutboxSender: the background delivery of the notification outbox. Each round claims due rows
// one at a time with a lease (so several server replicas deliver each row once), delivers it
// through a ChannelDelivery and records the outcome:
//   delivered                     → delivered
//   a permanent error             → failed at once (HTTP 4xx, a refused URL scheme, a secret
//                                   that does not resolve, a deleted or disabled channel)
//   a transient error             → pending again after an exponential backoff with jitter
//                                   (first_backoff doubling up to max_backoff, each wait drawn
//                                   uniformly from its upper half), until max_attempts or
//                                   give_up_after since the event: then failed, "gave up after
//                                   N attempts: <last error>".
// The loop runs on its own std::jthread, so a slow or dead receiver delays other notifications
// at most (one attempt is bounded by the delivery's timeout) and never an execution.
//
// Thread-safe: Wake from any thread; RunOnce is for tests and is not to be called while Start
// runs the loop.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "notify/delivery.h"
#include "store/store.h"

namespace ferry::notify {

struct OutboxSenderOptions {
  std::string owner = "notifier";  // lease owner, unique per process
  // Longer than one attempt can take (the delivery's timeout): another replica takes a row over
  // only when its sender died.
  Duration lease = std::chrono::seconds(120);
  int max_attempts = 8;
  Duration give_up_after = std::chrono::hours(24);
  Duration first_backoff = std::chrono::seconds(5);
  Duration max_backoff = std::chrono::minutes(30);
  Duration idle_poll = std::chrono::seconds(5);  // re-check for due rows at least this often
};

class OutboxSender {
 public:
  OutboxSender(store::Store& store, ChannelDelivery& delivery, Clock& clock, IdGenerator& ids,
               OutboxSenderOptions options);
  ~OutboxSender();

  // Delivers every row due now; how many attempts were made.
  Result<int> RunOnce();

  void Start();
  void Stop();  // prompt: waits for at most the attempt in progress
  void Wake();

  // The wait before attempt `attempts + 1` after `attempts` failed ones (jitter from `unit`,
  // uniform in [0, 1)).
  Duration Backoff(int attempts, double unit) const;

 private:
  Status Attempt(const store::NotificationRecord& row);

  store::Store& store_;
  ChannelDelivery& delivery_;
  Clock& clock_;
  IdGenerator& ids_;
  const OutboxSenderOptions options_;

  std::mutex mu_;
  std::condition_variable_any cv_;
  bool woken_ = false;  // Guarded by mu_.
  std::jthread thread_;
};

}  // namespace ferry::notify
