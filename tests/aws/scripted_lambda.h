// ScriptedLambda: a scripted stand-in for the Lambda API (NOT the real service and not ferry
// sandbox): a cpp-httplib server on 127.0.0.1 holding functions, versions and aliases in memory,
// with faults the test queues per operation. It implements only what the client tests need, in
// the shapes of the official model, so the client's plumbing (signing, retries, reconciliation,
// parsing) is exercised over real HTTP.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "aws/scripted_server.h"
#include "common/crypto.h"
#include "common/json.h"

namespace ferry::aws::test_support {

enum class Fault {
  kThrottle,    // 429 TooManyRequestsException before doing anything
  kFailBefore,  // 500 ServiceException before doing anything
  kFailAfter,   // do the work, then answer 500 (the client can't know it happened)
  kConflict,    // 409 ResourceConflictException before doing anything
};

class ScriptedLambda {
 public:
  struct Version {
    std::string number;
    std::string code_sha256;
    std::string description;
  };
  struct Function {
    std::string name;
    std::string role, handler, runtime, description;
    std::string code_sha256;
    int revision = 1;
    std::vector<Version> versions;
  };
  struct Alias {
    std::string version;
    std::string description;
    std::map<std::string, double> routing;
    int revision = 1;
  };

  ScriptedLambda() : server_([this](httplib::Server& s) { Routes(s); }) {}

  std::string url() const { return server_.url(); }

  void QueueFault(const std::string& operation, Fault fault) {
    std::lock_guard lock(mu_);
    faults_[operation].push_back(fault);
  }
  // Makes the next response to `operation` this exact status and body.
  void QueueRaw(const std::string& operation, int status, std::string body,
                std::map<std::string, std::string> headers = {}) {
    std::lock_guard lock(mu_);
    raw_[operation].push_back({status, std::move(body), std::move(headers)});
  }
  int Requests(const std::string& operation) {
    std::lock_guard lock(mu_);
    return requests_[operation];
  }
  std::map<std::string, Function> functions() {
    std::lock_guard lock(mu_);
    return functions_;
  }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mu_);
    return authorizations_;
  }
  int page_size = 2;

 private:
  struct Raw {
    int status;
    std::string body;
    std::map<std::string, std::string> headers;
  };

  static void Send(httplib::Response& res, int status, const Json& body) {
    res.status = status;
    if (!res.has_header("x-amzn-RequestId")) {
      res.set_header("x-amzn-RequestId", "req-" + std::to_string(status));
    }
    res.set_content(DumpJson(body), "application/json");
  }
  static void SendError(httplib::Response& res, int status, const std::string& code,
                        const std::string& message) {
    res.set_header("X-Amzn-ErrorType", code + ":http://internal.amazon.com/coral/");
    res.set_header("x-amzn-RequestId", "err-req-1");
    Json body = {{"Type", "User"}, {"message", message}};
    if (code == "TooManyRequestsException") {
      body["retryAfterSeconds"] = "2";
      body["Reason"] = "CallerRateLimitExceeded";
    }
    Send(res, status, body);
  }

  Json FunctionJson(const Function& f, const std::string& version = "$LATEST") {
    std::string sha = f.code_sha256, description = f.description;
    for (const auto& v : f.versions) {
      if (v.number == version) sha = v.code_sha256, description = v.description;
    }
    return {{"FunctionName", f.name},
            {"FunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:" + f.name},
            {"Role", f.role},
            {"Handler", f.handler},
            {"Runtime", f.runtime},
            {"Description", description},
            {"CodeSha256", sha},
            {"Version", version},
            {"RevisionId", "rev-" + std::to_string(f.revision)},
            {"State", "Active"},
            {"LastUpdateStatus", "Successful"},
            {"Timeout", 3},
            {"MemorySize", 128}};
  }
  Json AliasJson(const std::string& fn, const std::string& name, const Alias& a) {
    Json j = {{"AliasArn", "arn:aws:lambda:us-east-1:123456789012:function:" + fn + ":" + name},
              {"Name", name},
              {"FunctionVersion", a.version},
              {"Description", a.description},
              {"RevisionId", "alias-rev-" + std::to_string(a.revision)}};
    if (!a.routing.empty()) j["RoutingConfig"] = {{"AdditionalVersionWeights", a.routing}};
    return j;
  }

  // Runs `work` under the lock, applying queued faults for `operation`.
  void Handle(const std::string& operation, const httplib::Request& req, httplib::Response& res,
              const std::function<void(httplib::Response&)>& work) {
    std::lock_guard lock(mu_);
    ++requests_[operation];
    authorizations_.push_back(req.get_header_value("Authorization"));
    if (auto& raw = raw_[operation]; !raw.empty()) {
      Raw r = raw.front();
      raw.pop_front();
      res.status = r.status;
      for (const auto& [k, v] : r.headers) res.set_header(k, v);
      res.set_content(r.body, "application/json");
      return;
    }
    auto& queue = faults_[operation];
    if (!queue.empty()) {
      const Fault fault = queue.front();
      queue.pop_front();
      switch (fault) {
        case Fault::kThrottle:
          return SendError(res, 429, "TooManyRequestsException", "Rate exceeded");
        case Fault::kFailBefore:
          return SendError(res, 500, "ServiceException", "internal failure");
        case Fault::kConflict:
          return SendError(res, 409, "ResourceConflictException", "update in progress");
        case Fault::kFailAfter:
          work(res);
          return SendError(res, 500, "ServiceException", "internal failure after the work");
      }
    }
    work(res);
  }

  void Routes(httplib::Server& s);

  std::mutex mu_;
  std::map<std::string, std::deque<Fault>> faults_;
  std::map<std::string, std::deque<Raw>> raw_;
  std::map<std::string, int> requests_;
  std::vector<std::string> authorizations_;
  std::map<std::string, Function> functions_;
  std::map<std::string, std::map<std::string, Alias>> aliases_;
  ScriptedServer server_;  // last: stops before the state above is destroyed
};

}  // namespace ferry::aws::test_support
