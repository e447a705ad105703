// NotificationOutbox: the durable outbox of notifications (docs/notifications.md). An event
// that a rule routes to a channel becomes one row here, written by whoever publishes it (the
// engine's thread, an API request) in its own short transaction; senders in any number of
// server replicas claim due rows with a lease, deliver them and record the outcome, so each is
// delivered once (at least once when a sender dies after delivering and before recording).
// Rows hold the event (a JSON object the notify module defines), never a credential. Delivery
// bookkeeping is engine traffic and not audited (as task leases are not). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

// The largest event a row holds.
inline constexpr size_t kMaxNotificationEventBytes = size_t{64} * 1024;
// The longest last_error kept (longer ones are cut).
inline constexpr size_t kMaxNotificationErrorBytes = 1024;

enum class DeliveryStatus {
  kPending,    // waiting for its (next) attempt
  kDelivered,  // the receiver accepted it
  kFailed,     // given up: out of attempts or time, or refused for good (last_error says why)
};
// "pending", "delivered", "failed".
std::string_view DeliveryStatusName(DeliveryStatus status);
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);

struct NewNotification {
  // Unique: enqueueing the same key again returns the first row (an event published twice, by a
  // retry or by two replicas, is delivered once). E.g. "execution.succeeded/EXEC/CHANNEL".
  std::string key;
  std::string channel;
  std::string event;              // "execution.succeeded"
  std::string application;        // "" for events of no application
  std::string execution_id;       // "" when none
  std::string event_json = "{}";  // a JSON object of at most kMaxNotificationEventBytes
};

struct NotificationRecord {
  std::string id;
  std::string key;
  std::string channel;
  std::string event;
  std::string application;
  std::string execution_id;
  std::string event_json;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  std::string last_error;
  TimePoint created_at;
  TimePoint next_attempt_at;
  std::optional<TimePoint> ended_at;  // delivered or given up
  std::string lease_owner;            // "" when not leased
  std::optional<TimePoint> lease_until;
};

// What one attempt came to. The attempt count grows by one with every outcome.
struct DeliveryOutcome {
  DeliveryStatus status = DeliveryStatus::kDelivered;  // kPending: retry at retry_at
  std::string error;                                   // "" when delivered
  TimePoint retry_at;                                  // for kPending
};

struct NotificationFilter {
  std::string channel;      // "" for all
  std::string application;  // "" for all
  std::optional<DeliveryStatus> status;
  int limit = 50;  // 1..kMaxPageSize
};

class NotificationOutbox {
 public:
  virtual ~NotificationOutbox() = default;
  // A pending row due now. kInvalidArgument for an empty key, channel or event, names that
  // fail CheckName, or an event that is not a JSON object; kPayloadTooLarge past the limit.
  // The same key again returns the stored row, whatever the rest says.
  virtual Result<NotificationRecord> Enqueue(const NewNotification& notification) = 0;
  // Up to `limit` pending rows whose next attempt is due and whose lease is free or expired,
  // oldest due first, each leased to `owner` until now + lease. Two concurrent callers never
  // receive the same row.
  virtual Result<std::vector<NotificationRecord>> ClaimDue(std::string_view owner, Duration lease,
                                                           int limit) = 0;
  // Records an attempt's outcome and frees the lease. kNotFound; kFailedPrecondition when
  // `owner` no longer holds an unexpired lease on it (another sender took it over).
  virtual Result<NotificationRecord> Finish(std::string_view id, std::string_view owner,
                                            const DeliveryOutcome& outcome) = 0;
  // Newest first.
  virtual Result<std::vector<NotificationRecord>> List(const NotificationFilter& filter) = 0;
};

}  // namespace ferry::store
