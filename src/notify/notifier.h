// Notifier::Publish — the one entry point for every part of Ferry that has something to tell
// (the engine's execution outcomes, the verify step's failures, freeze refusals; approvals call
// it with kApprovalWaiting once they exist). It reads the application's notification rules
// (Application.notifications) and writes one outbox row per matching, enabled channel, then
// wakes the sender. It never delivers and never waits on a receiver: a publish costs one entity
// read and one short store write per channel, so a dead receiver cannot slow a deployment.
// The same event published twice (a retried request, two replicas) is enqueued once per channel
// (notify::DeliveryKey).
//
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "common/result.h"
#include "notify/event.h"
#include "store/store.h"

namespace ferry::notify {

struct NotifierOptions {
  // The server's public URL ("https://ferry.example.com"): an event of an execution links to
  // BASE/api/v1/executions/ID. "" = no link.
  std::string base_url;
  std::function<void()> wake_sender;  // called after something was enqueued
};

class Notifier {
 public:
  Notifier(store::Store& store, NotifierOptions options);

  // How many deliveries were enqueued (0 when no rule matches). Errors: the store's, and
  // kInternal when a stored application or channel does not decode.
  Result<int> Publish(Event event);

  // Publish for callers that must not fail because of notifications (the engine, a refused
  // deployment): a failure is logged, never returned.
  void PublishLogged(Event event);

  // Replaces options.base_url (a server that learns its URL once it listens).
  void SetBaseUrl(std::string base_url);

 private:
  store::Store& store_;
  const NotifierOptions options_;
  mutable std::mutex mu_;
  std::string base_url_;  // Guarded by mu_.
};

}  // namespace ferry::notify
