#include "delegate/lambda/request_id_journal.h"

namespace ferry::delegate::lambda {
namespace {
thread_local std::vector<std::string>* current_sink = nullptr;
}  // namespace

RequestIdScope::RequestIdScope(std::vector<std::string>* sink) : previous_(current_sink) {
  current_sink = sink;
}

RequestIdScope::~RequestIdScope() { current_sink = previous_; }

Result<aws::HttpResponse> RequestIdJournal::Send(const aws::HttpRequest& request) {
  auto response = inner_.Send(request);
  if (response.ok() && current_sink != nullptr) {
    std::string id = response->Header("x-amzn-requestid");
    if (id.empty()) id = response->Header("x-amz-request-id");
    // Request ids are short opaque tokens; bound what a hostile endpoint can make us store.
    if (!id.empty() && id.size() <= 128) current_sink->push_back(id);
  }
  return response;
}

}  // namespace ferry::delegate::lambda
