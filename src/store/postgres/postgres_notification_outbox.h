// NotificationOutbox on PostgreSQL (table notifications, migration 0009). Thread-safe.
#pragma once

#include "store/notification_outbox.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresNotificationOutbox final : public NotificationOutbox {
 public:
  explicit PostgresNotificationOutbox(Context& context) : context_(context) {}
  Result<NotificationRecord> Enqueue(const NewNotification& notification) override;
  Result<std::vector<NotificationRecord>> ClaimDue(std::string_view owner, Duration lease,
                                                   int limit) override;
  Result<NotificationRecord> Finish(std::string_view id, std::string_view owner,
                                    const DeliveryOutcome& outcome) override;
  Result<std::vector<NotificationRecord>> List(const NotificationFilter& filter) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
