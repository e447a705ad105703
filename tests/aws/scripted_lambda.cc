#include "aws/scripted_lambda.h"

#include "common/strings.h"

namespace ferry::aws::test_support {

void ScriptedLambda::Routes(httplib::Server& s) {
  using Req = httplib::Request;
  using Res = httplib::Response;
  s.Get(R"(/2015-03-31/functions/([^/]+))", [this](const Req& req, Res& res) {
    Handle("GetFunction", req, res, [&](Res& r) {
      auto it = functions_.find(req.matches[1]);
      if (it == functions_.end()) {
        return SendError(r, 404, "ResourceNotFoundException",
                         "Function not found: " + std::string(req.matches[1]));
      }
      std::string q = req.get_param_value("Qualifier");
      Send(r, 200,
           {{"Configuration", FunctionJson(it->second, q.empty() ? "$LATEST" : q)},
            {"Code", {{"RepositoryType", "S3"}, {"Location", "https://x/y?sig"}}},
            {"Tags", {{"team", "payments"}}}});
    });
  });
  s.Get(R"(/2015-03-31/functions/([^/]+)/configuration)", [this](const Req& req, Res& res) {
    Handle("GetFunctionConfiguration", req, res, [&](Res& r) {
      auto it = functions_.find(req.matches[1]);
      if (it == functions_.end()) {
        return SendError(r, 404, "ResourceNotFoundException", "Function not found");
      }
      std::string q = req.get_param_value("Qualifier");
      Send(r, 200, FunctionJson(it->second, q.empty() ? "$LATEST" : q));
    });
  });
  s.Post("/2015-03-31/functions", [this](const Req& req, Res& res) {
    Handle("CreateFunction", req, res, [&](Res& r) {
      Json body = Json::parse(req.body);
      Function f;
      f.name = body["FunctionName"];
      f.role = body["Role"];
      f.handler = body.value("Handler", "");
      f.runtime = body.value("Runtime", "");
      f.description = body.value("Description", "");
      f.code_sha256 = Base64Encode(
          Sha256(Base64Decode(body["Code"]["ZipFile"].get<std::string>()).value_or("")));
      if (functions_.count(f.name)) {
        return SendError(r, 409, "ResourceConflictException", "Function already exist: " + f.name);
      }
      functions_[f.name] = f;
      Send(r, 201, FunctionJson(f));
    });
  });
  s.Put(R"(/2015-03-31/functions/([^/]+)/code)", [this](const Req& req, Res& res) {
    Handle("UpdateFunctionCode", req, res, [&](Res& r) {
      auto it = functions_.find(req.matches[1]);
      if (it == functions_.end()) return SendError(r, 404, "ResourceNotFoundException", "nf");
      Json body = Json::parse(req.body);
      Function& f = it->second;
      if (body.contains("RevisionId") &&
          body["RevisionId"] != "rev-" + std::to_string(f.revision)) {
        return SendError(r, 412, "PreconditionFailedException",
                         "The Revision Id provided does not match the latest Revision Id.");
      }
      f.code_sha256 =
          Base64Encode(Sha256(Base64Decode(body["ZipFile"].get<std::string>()).value_or("")));
      ++f.revision;
      Send(r, 200, FunctionJson(f));
    });
  });
  s.Post(R"(/2015-03-31/functions/([^/]+)/versions)", [this](const Req& req, Res& res) {
    Handle("PublishVersion", req, res, [&](Res& r) {
      auto it = functions_.find(req.matches[1]);
      if (it == functions_.end()) return SendError(r, 404, "ResourceNotFoundException", "nf");
      Function& f = it->second;
      Json body = Json::parse(req.body);
      if (body.contains("CodeSha256") && body["CodeSha256"] != f.code_sha256) {
        return SendError(r, 412, "PreconditionFailedException", "CodeSha256 does not match");
      }
      // Deliberately publishes every time (no "unchanged" dedup) so tests see client-side care.
      f.versions.push_back(
          {std::to_string(f.versions.size() + 1), f.code_sha256, body.value("Description", "")});
      Send(r, 201, FunctionJson(f, f.versions.back().number));
    });
  });
  s.Get(R"(/2015-03-31/functions/([^/]+)/versions)", [this](const Req& req, Res& res) {
    Handle("ListVersionsByFunction", req, res, [&](Res& r) {
      auto it = functions_.find(req.matches[1]);
      if (it == functions_.end()) return SendError(r, 404, "ResourceNotFoundException", "nf");
      std::vector<Json> all = {FunctionJson(it->second)};
      for (const auto& v : it->second.versions) all.push_back(FunctionJson(it->second, v.number));
      size_t start = ParseInt(req.get_param_value("Marker")).value_or(0);
      Json page = Json::array();
      for (size_t i = start; i < all.size() && i < start + page_size; ++i) page.push_back(all[i]);
      Json body = {{"Versions", page}};
      if (start + page_size < all.size()) body["NextMarker"] = std::to_string(start + page_size);
      Send(r, 200, body);
    });
  });
  s.Post(R"(/2015-03-31/functions/([^/]+)/aliases)", [this](const Req& req, Res& res) {
    Handle("CreateAlias", req, res, [&](Res& r) {
      Json body = Json::parse(req.body);
      auto& aliases = aliases_[req.matches[1]];
      std::string name = body["Name"];
      if (aliases.count(name)) return SendError(r, 409, "ResourceConflictException", "exists");
      Alias a{body["FunctionVersion"], body.value("Description", ""), {}, 1};
      if (body.contains("RoutingConfig")) {
        a.routing =
            body["RoutingConfig"]["AdditionalVersionWeights"].get<std::map<std::string, double>>();
      }
      aliases[name] = a;
      Send(r, 201, AliasJson(req.matches[1], name, a));
    });
  });
  s.Get(R"(/2015-03-31/functions/([^/]+)/aliases/([^/]+))", [this](const Req& req, Res& res) {
    Handle("GetAlias", req, res, [&](Res& r) {
      auto& aliases = aliases_[req.matches[1]];
      auto it = aliases.find(req.matches[2]);
      if (it == aliases.end()) return SendError(r, 404, "ResourceNotFoundException", "no alias");
      Send(r, 200, AliasJson(req.matches[1], it->first, it->second));
    });
  });
  s.Put(R"(/2015-03-31/functions/([^/]+)/aliases/([^/]+))", [this](const Req& req, Res& res) {
    Handle("UpdateAlias", req, res, [&](Res& r) {
      auto& aliases = aliases_[req.matches[1]];
      auto it = aliases.find(req.matches[2]);
      if (it == aliases.end()) return SendError(r, 404, "ResourceNotFoundException", "no alias");
      Json body = Json::parse(req.body);
      Alias& a = it->second;
      if (body.contains("RevisionId") &&
          body["RevisionId"] != "alias-rev-" + std::to_string(a.revision)) {
        return SendError(r, 412, "PreconditionFailedException", "revision moved");
      }
      if (body.contains("FunctionVersion")) a.version = body["FunctionVersion"];
      if (body.contains("RoutingConfig")) {
        a.routing =
            body["RoutingConfig"]["AdditionalVersionWeights"].get<std::map<std::string, double>>();
      }
      ++a.revision;
      Send(r, 200, AliasJson(req.matches[1], it->first, a));
    });
  });
  s.Delete(R"(/2015-03-31/functions/([^/]+)/aliases/([^/]+))", [this](const Req& req, Res& res) {
    Handle("DeleteAlias", req, res, [&](Res& r) {
      auto& aliases = aliases_[req.matches[1]];
      if (aliases.erase(req.matches[2]) == 0) {
        return SendError(r, 404, "ResourceNotFoundException", "no alias");
      }
      r.status = 204;
      r.set_header("x-amzn-RequestId", "req-204");  // as Lambda does, also without a body
    });
  });
  s.Post(R"(/2015-03-31/functions/([^/]+)/invocations)", [this](const Req& req, Res& res) {
    Handle("Invoke", req, res, [&](Res& r) {
      r.status = req.get_header_value("X-Amz-Invocation-Type") == "Event" ? 202 : 200;
      r.set_header("X-Amz-Executed-Version", req.has_param("Qualifier") ? "7" : "$LATEST");
      if (req.get_header_value("X-Amz-Log-Type") == "Tail") {
        r.set_header("X-Amz-Log-Result", Base64Encode("START RequestId: 1\nhello\nEND\n"));
      }
      if (req.body.find("fail") != std::string::npos) {
        r.set_header("X-Amz-Function-Error", "Unhandled");
      }
      r.set_content("{\"echo\":" + req.body + "}", "application/json");
    });
  });
}

}  // namespace ferry::aws::test_support
