// RequestIdJournal: an HttpTransport decorator that hands the AWS request id of every response to
// the calling thread's open RequestIdScope. The aws clients return typed results without request
// ids; deployments must record them (F-DEPLOY 6), and every client call runs on the caller's
// thread, so a thread-local scope attributes each exchange (retries included) to the call that
// made it.
//
// Thread-safe: Send may be called from any number of threads; each thread sees only its scope.
#pragma once

#include <string>
#include <vector>

#include "aws/http.h"

namespace ferry::delegate::lambda {

class RequestIdJournal final : public aws::HttpTransport {
 public:
  explicit RequestIdJournal(aws::HttpTransport& inner) : inner_(inner) {}
  Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override;

 private:
  aws::HttpTransport& inner_;
};

// While alive, request ids of this thread's exchanges through a RequestIdJournal are appended to
// *sink (which may be null: nothing recorded). Scopes nest; the innermost wins.
class RequestIdScope {
 public:
  explicit RequestIdScope(std::vector<std::string>* sink);
  ~RequestIdScope();
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

 private:
  std::vector<std::string>* previous_;
};

}  // namespace ferry::delegate::lambda
