// Every route the router holds, called by every built-in role, an anonymous caller, a delegate
// token and a user whose binding does not cover the target application, against the table in
// tests/api/data/route_roles.tsv. The routes come from the server itself (ApiServer::Routes), so
// a new route without a row in the table fails here, and so does a row for a route that is gone.
// A cell is "allow" (the request passed the permission checks: any answer but 401 and 403) or
// the status of a refusal (401, 403).
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api_fixture.h"
#include "common/strings.h"

namespace ferry::api::testing {
namespace {

const std::vector<std::string> kCallers = {"anonymous", "viewer",   "deployer",
                                           "admin",     "delegate", "scoped"};

struct Row {
  std::map<std::string, std::string> expected;  // caller -> allow / 401 / 403
};

std::map<std::string, Row> LoadTable(std::vector<std::string>& problems) {
  std::ifstream in(std::string(FERRY_SOURCE_ROOT) + "/tests/api/data/route_roles.tsv");
  std::map<std::string, Row> table;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells = Split(line, '\t');
    if (header) {
      std::vector<std::string> want = {"method", "pattern"};
      want.insert(want.end(), kCallers.begin(), kCallers.end());
      if (cells != want) problems.push_back("the header must be: " + Join(want, " "));
      header = false;
      continue;
    }
    if (cells.size() != kCallers.size() + 2) {
      problems.push_back("malformed row: " + line);
      continue;
    }
    Row row;
    for (size_t i = 0; i < kCallers.size(); ++i) row.expected[kCallers[i]] = cells[i + 2];
    if (!table.emplace(cells[0] + " " + cells[1], row).second) {
      problems.push_back("duplicate row: " + cells[0] + " " + cells[1]);
    }
  }
  if (table.empty()) problems.push_back("tests/api/data/route_roles.tsv is missing or empty");
  return table;
}

// A concrete path and body for a pattern, aimed at application "shop", environment "dev".
struct Call {
  std::string path;
  std::string body = "{}";
};

class RouteRolesTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    ApplySampleConfig();
    execution_ = CreateExecution("shop", "orders", "dev").id;
    auto issue = [&](const std::string& name, const std::string& scope,
                     const std::string& owner = "") {
      auto issued =
          store_->tokens().Issue({.name = name, .scopes = {scope}, .owner = owner}, "test");
      EXPECT_TRUE(issued.ok()) << issued.error().ToString();
      return issued.ok() ? issued->secret : std::string();
    };
    tokens_["viewer"] = issue("viewer", "read");
    tokens_["deployer"] = issue("deployer", "deploy");
    tokens_["admin"] = issue("admin", "admin");
    tokens_["delegate"] = issue("edge", "delegate");
    // A user who may deploy, roll back and view, but only application "other".
    EXPECT_TRUE(store_->access().CreateAccount({.name = "carol"}, "test").ok());
    EXPECT_TRUE(
        store_->access()
            .AddBinding({.role = "deployer", .account = "carol", .applications = {"other"}}, "test")
            .ok());
    tokens_["scoped"] = issue("carol-cli", "admin", "carol");
  }

  Call CallFor(const std::string& method, const std::string& pattern) {
    Call call;
    std::string path = pattern;
    auto put = [&](const std::string& name, const std::string& value) {
      size_t at = path.find(name);
      if (at != std::string::npos) path.replace(at, name.size(), value);
    };
    const bool under_app = pattern.find("/applications/{app}/") != std::string::npos;
    put("{app}", "shop");
    put("{kind}", under_app ? "services" : "cloud-providers");
    put("{name}", under_app ? "orders" : "sandbox");
    put("{id}", pattern.starts_with("/api/v1/executions/") ? execution_ : "nope");
    call.path = path;
    if (pattern == "/api/v1/deployments" || pattern == "/api/v1/rollbacks" ||
        pattern == "/api/v1/plans" || pattern == "/api/v1/drift") {
      call.body = R"({"application":"shop","service":"orders","environment":"dev"})";
    }
    if (pattern == "/api/v1/plans" || pattern == "/api/v1/plans/{id}" ||
        pattern == "/api/v1/drift") {
      call.path += "?wait=0";
    }
    (void)method;
    return call;
  }

  int Send(const std::string& method, const Call& call, const std::string& caller) {
    httplib::Headers headers;
    if (caller != "anonymous") headers.emplace("Authorization", "Bearer " + tokens_[caller]);
    auto send = [&]() -> httplib::Result {
      if (method == "GET") return client_->Get(call.path, headers);
      if (method == "POST") return client_->Post(call.path, headers, call.body, "application/json");
      if (method == "PUT") return client_->Put(call.path, headers, call.body, "application/json");
      return client_->Delete(call.path, headers);
    };
    httplib::Result result = send();
    return result ? result->status : -1;
  }

  std::string execution_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(RouteRolesTest, EveryRouteAnswersEveryCallerAsTheTableSays) {
  std::vector<std::string> problems;
  std::map<std::string, Row> table = LoadTable(problems);
  std::set<std::string> seen;
  std::ostringstream actual;  // the observed table, printed on failure
  for (const ApiServer::RouteEntry& route : server_->Routes()) {
    const std::string key = route.method + " " + route.pattern;
    seen.insert(key);
    auto row = table.find(key);
    if (row == table.end()) problems.push_back("no row in route_roles.tsv for " + key);
    actual << route.method << "\t" << route.pattern;
    for (const std::string& caller : kCallers) {
      int status = Send(route.method, CallFor(route.method, route.pattern), caller);
      std::string got = status == 401 || status == 403 ? std::to_string(status) : "allow";
      actual << "\t" << got;
      if (row == table.end()) continue;
      const std::string& want = row->second.expected[caller];
      if (got != want) {
        problems.push_back(key + " as " + caller + ": " + std::to_string(status) +
                           " (table: " + want + ")");
      }
    }
    actual << "\n";
  }
  for (const auto& [key, row] : table) {
    if (!seen.contains(key)) problems.push_back("route_roles.tsv names no route: " + key);
  }
  EXPECT_TRUE(problems.empty()) << Join(problems, "\n") << "\n\nobserved:\n" << actual.str();
}

}  // namespace
}  // namespace ferry::api::testing
