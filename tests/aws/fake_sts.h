// FakeSts: a local stand-in for AWS STS (query protocol over HTTP on 127.0.0.1) for tests. It is
// a fake, not AWS: it verifies SigV4 signatures with the same verifier ferry sandbox uses
// (ParseAuthorization + ExpectedSignature) against the secrets it knows, records each call's
// form parameters, and answers with scripted failures or freshly minted credentials.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "aws/local_http_server.h"
#include "aws/sigv4.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::aws::test_support {

struct StsCall {
  std::map<std::string, std::string> form;
  bool signed_request = false;
  std::string access_key_id;  // of the signature
  std::string session_token;  // X-Amz-Security-Token sent
};

struct ScriptedReply {
  int status;
  std::string body;
};

class FakeSts {
 public:
  FakeSts()
      : server_([this](httplib::Server& s) {
          s.Post("/",
                 [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
        }) {}

  std::string url() const { return server_.url(); }

  // Secrets the fake accepts for signed calls, by access key id.
  void AddKey(const std::string& access_key_id, const std::string& secret) {
    std::lock_guard lock(mu_);
    secrets_[access_key_id] = secret;
  }
  // Replies used (first in, first out) before the normal behaviour resumes.
  void Script(int status, std::string body) {
    std::lock_guard lock(mu_);
    script_.push_back({status, std::move(body)});
  }
  // Lifetime of minted credentials, relative to `now`.
  void SetExpiration(TimePoint expiration) {
    std::lock_guard lock(mu_);
    expiration_ = expiration;
  }
  std::vector<StsCall> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  size_t call_count() const {
    std::lock_guard lock(mu_);
    return calls_.size();
  }

  static std::string ErrorXml(const std::string& code, const std::string& message) {
    return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>"
           "Sender</Type><Code>" +
           code + "</Code><Message>" + message + "</Message></Error><RequestId>req-" + code +
           "</RequestId></ErrorResponse>";
  }

 private:
  static std::map<std::string, std::string> ParseForm(const std::string& body) {
    std::map<std::string, std::string> out;
    for (const auto& item : Split(body, '&')) {
      auto eq = item.find('=');
      std::string name = item.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
      out[name] = Decode(value);
    }
    return out;
  }
  static std::string Decode(const std::string& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        out.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    StsCall call;
    call.form = ParseForm(req.body);
    HttpRequest received;
    received.method = req.method;
    received.url = "http://127.0.0.1:" + std::to_string(server_.port()) + req.target;
    for (const auto& [name, value] : req.headers) {
      if (!EqualsIgnoreCase(name, "REMOTE_ADDR") && !EqualsIgnoreCase(name, "REMOTE_PORT") &&
          !EqualsIgnoreCase(name, "LOCAL_ADDR") && !EqualsIgnoreCase(name, "LOCAL_PORT")) {
        received.headers.emplace_back(name, value);
      }
    }
    received.body = req.body;
    std::lock_guard lock(mu_);
    auto parts = ParseAuthorization(received);
    if (parts.ok()) {
      call.signed_request = true;
      call.access_key_id = parts->access_key_id;
      call.session_token = parts->security_token;
      auto secret = secrets_.find(parts->access_key_id);
      if (secret == secrets_.end() ||
          !ConstantTimeEquals(ExpectedSignature(received, *parts, secret->second, false).signature,
                              parts->signature) ||
          parts->service != "sts") {
        calls_.push_back(call);
        res.status = 403;
        res.set_content(ErrorXml("SignatureDoesNotMatch", "signature mismatch"), "text/xml");
        return;
      }
    }
    calls_.push_back(call);
    res.set_header("x-amzn-RequestId", "req-" + std::to_string(calls_.size()));
    if (!script_.empty()) {
      ScriptedReply reply = script_.front();
      script_.pop_front();
      res.status = reply.status;
      res.set_content(reply.body, "text/xml");
      return;
    }
    const std::string action = call.form["Action"];
    if (action != "AssumeRoleWithWebIdentity" && !call.signed_request) {
      res.status = 403;
      res.set_content(ErrorXml("MissingAuthenticationToken", "not signed"), "text/xml");
      return;
    }
    if (action == "GetCallerIdentity") {
      res.set_content(
          "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:"
          "user/" +
              call.access_key_id + "</Arn><UserId>AIDA" + call.access_key_id +
              "</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
              "</GetCallerIdentityResponse>",
          "text/xml");
      return;
    }
    if (action == "AssumeRole" || action == "AssumeRoleWithWebIdentity") {
      minted_++;
      std::string key = "ASIAFAKE" + std::to_string(minted_);
      std::string secret = "fake-secret-" + std::to_string(minted_) + "-abcdefgh";
      std::string token = "fake-token-" + std::to_string(minted_) + "-ijklmnop";
      secrets_[key] = secret;
      res.set_content(
          "<" + action + "Response><" + action + "Result><Credentials><AccessKeyId>" + key +
              "</AccessKeyId><SecretAccessKey>" + secret + "</SecretAccessKey><SessionToken>" +
              token + "</SessionToken><Expiration>" + FormatRfc3339(expiration_) +
              "</Expiration></Credentials><AssumedRoleUser><Arn>" + call.form["RoleArn"] + "/" +
              call.form["RoleSessionName"] +
              "</Arn><AssumedRoleId>AROAFAKE:" + call.form["RoleSessionName"] +
              "</AssumedRoleId></AssumedRoleUser></" + action + "Result></" + action + "Response>",
          "text/xml");
      return;
    }
    res.status = 400;
    res.set_content(ErrorXml("InvalidAction", "unknown action"), "text/xml");
  }

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::map<std::string, std::string> secrets_;
  std::deque<ScriptedReply> script_;
  std::vector<StsCall> calls_;
  TimePoint expiration_ = TimePoint(std::chrono::seconds(1'800'003'600));
  int minted_ = 0;
  LocalHttpServer server_;  // last: stops first, before the state it uses
};

}  // namespace ferry::aws::test_support
