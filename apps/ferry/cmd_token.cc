// ferry token create NAME [--data DIR | --store URL] [--expires 30d] [--scope S]... / token list /
// token revoke NAME, and ferry delegate-token create NAME [--data DIR | --store URL] [--expires
// 30d]: API tokens, managed on the server's store directly (like apply/export). The new secret is
// printed once, alone on stdout, and is stored only as its SHA-256. A token belongs to the service
// account of its name (store/token_store.h), created with the built-in role of its scope.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "api/scopes.h"
#include "commands.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "store_choice.h"

namespace ferry::app {
namespace {

std::string DefaultDataDir() {
  const char* env = std::getenv("FERRY_DATA_DIR");
  return env && *env ? env : "./ferry-data";
}

std::string Actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user && *user ? user : "unknown");
}

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir,
                                                const std::string& store_url) {
  static RandomIdGenerator ids(SystemClock::Instance());
  return OpenChosenStore({.data_dir = data_dir, .store_url = store_url}, SystemClock::Instance(),
                         ids);
}

// "30d", "12h", "90m": a positive count of days, hours or minutes (ParseDuration's units plus d).
std::optional<Duration> ParseExpiry(const std::string& text) {
  if (text.size() >= 2 && text.back() == 'd') {
    auto days = ParseInt(std::string_view(text).substr(0, text.size() - 1));
    if (!days || *days <= 0 || *days > 36500) return std::nullopt;
    return std::chrono::duration_cast<Duration>(std::chrono::hours(24 * *days));
  }
  auto d = ParseDuration(text);
  if (!d || d->count() <= 0) return std::nullopt;
  return d;
}

std::string When(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : "-"; }

int Fail(const Error& error, int code = 1) {
  std::cerr << "ferry: " << error.message << "\n";
  return code;
}

// Issues `request` (with --expires applied) on the chosen store and prints its secret once, alone
// on stdout; the exit code (2 for a bad --expires or name, 1 for other failures).
int IssueToken(store::NewToken request, const std::string& expires, const std::string& data_dir,
               const std::string& store_url) {
  if (!expires.empty()) {
    auto lifetime = ParseExpiry(expires);
    if (!lifetime) {
      return Fail(InvalidArgument("--expires " + QuoteForMessage(expires) +
                                  " is not a lifetime such as 30d, 12h or 90m"),
                  2);
    }
    request.expires_at = SystemClock::Instance().Now() + *lifetime;
  }
  auto store = OpenStore(data_dir, store_url);
  if (!store.ok()) return Fail(store.error());
  auto issued = (*store)->tokens().Issue(request, Actor());
  if (!issued.ok()) {
    return Fail(issued.error(), issued.error().code == ErrorCode::kInvalidArgument ? 2 : 1);
  }
  std::cout << issued->secret << std::endl;
  return 0;
}

}  // namespace

void AddTokenCommands(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    std::string name;
    std::string delegate_name;  // delegate-token create --name
    std::string data_dir = DefaultDataDir();
    std::string store_url;
    std::string expires;
    std::vector<std::string> scopes;
    std::string output = "text";
  };
  auto flags = std::make_shared<Flags>();
  auto* token = root.add_subcommand("token", "Create, list and revoke API tokens");
  token->require_subcommand(1);

  auto* create = token->add_subcommand("create", "Create a token; prints its secret once");
  create->add_option("name", flags->name, "Unique token name, e.g. ci-deployer")->required();
  create->add_option("--data", flags->data_dir, "Data directory (env FERRY_DATA_DIR)");
  AddStoreFlag(*create, flags->store_url);
  create->add_option("--expires", flags->expires, "Lifetime, e.g. 30d, 12h (default: never)");
  create->add_option("--scope", flags->scopes,
                     "read, deploy or admin (repeatable; default admin); see docs/api.md");
  create->callback([flags, &ctx] {
    store::NewToken request;
    request.name = flags->name;
    request.scopes = flags->scopes.empty() ? std::vector<std::string>{"admin"} : flags->scopes;
    for (const std::string& scope : request.scopes) {
      if (scope == api::ScopeName(api::Scope::kDelegate)) {
        ctx.exit_code = Fail(InvalidArgument("a delegate token is made by `ferry delegate-token "
                                             "create NAME`, and holds no other scope"),
                             2);
        return;
      }
      if (auto parsed = api::ParseScope(scope); !parsed.ok()) {
        ctx.exit_code = Fail(parsed.error(), 2);
        return;
      }
    }
    ctx.exit_code =
        IssueToken(std::move(request), flags->expires, flags->data_dir, flags->store_url);
  });

  // Delegate tokens: their own kind (scope `delegate` only, api/scopes.h), listed and revoked
  // with the other tokens.
  auto* delegate_token =
      root.add_subcommand("delegate-token", "Create tokens for remote `ferry delegate`s");
  delegate_token->require_subcommand(1);
  auto* delegate_create = delegate_token->add_subcommand(
      "create", "Create a delegate token (usable only by `ferry delegate`); prints it once");
  delegate_create->add_option("token", flags->name, "Unique token name, e.g. delegate-eu-1")
      ->required();
  delegate_create->add_option("--name", flags->delegate_name,
                              "The one delegate name the token may register under (default: "
                              "none, a fleet token its delegates share under their own names)");
  delegate_create->add_option("--data", flags->data_dir, "Data directory (env FERRY_DATA_DIR)");
  AddStoreFlag(*delegate_create, flags->store_url);
  delegate_create->add_option("--expires", flags->expires,
                              "Lifetime, e.g. 30d, 12h (default: never)");
  delegate_create->callback([flags, &ctx] {
    store::NewToken request;
    request.name = flags->name;
    request.scopes = {std::string(api::ScopeName(api::Scope::kDelegate))};
    if (!flags->delegate_name.empty()) request.delegate_name = flags->delegate_name;
    ctx.exit_code =
        IssueToken(std::move(request), flags->expires, flags->data_dir, flags->store_url);
  });

  auto* list = token->add_subcommand("list", "List tokens (names and dates, never secrets)");
  list->add_option("--data", flags->data_dir, "Data directory (env FERRY_DATA_DIR)");
  AddStoreFlag(*list, flags->store_url);
  list->add_option("-o,--output", flags->output, "text or json");
  list->callback([flags, &ctx] {
    if (flags->output != "text" && flags->output != "json") {
      ctx.exit_code = Fail(InvalidArgument("-o " + QuoteForMessage(flags->output) +
                                           " is not an output format: use text or json"),
                           2);
      return;
    }
    auto store = OpenStore(flags->data_dir, flags->store_url);
    if (!store.ok()) {
      ctx.exit_code = Fail(store.error());
      return;
    }
    auto tokens = (*store)->tokens().List();
    if (!tokens.ok()) {
      ctx.exit_code = Fail(tokens.error());
      return;
    }
    if (flags->output == "json") {
      Json items = Json::array();
      for (const store::TokenRecord& t : *tokens) {
        Json item = {{"id", t.id},
                     {"name", t.name},
                     {"scopes", t.scopes},
                     {"owner", t.owner},
                     {"delegateName", t.delegate_name ? Json(*t.delegate_name) : Json(nullptr)},
                     {"createdBy", t.created_by},
                     {"createdAt", FormatRfc3339(t.created_at)}};
        item["expiresAt"] = t.expires_at ? Json(FormatRfc3339(*t.expires_at)) : Json();
        item["lastUsedAt"] = t.last_used_at ? Json(FormatRfc3339(*t.last_used_at)) : Json();
        item["revokedAt"] = t.revoked_at ? Json(FormatRfc3339(*t.revoked_at)) : Json();
        items.push_back(std::move(item));
      }
      std::cout << DumpJson(Json{{"items", items}}, 2) << "\n";
    } else if (tokens->empty()) {
      std::cout << "no tokens (create one with `ferry token create NAME`)\n";
    } else {
      for (const store::TokenRecord& t : *tokens) {
        std::cout << t.name << "\t" << Join(t.scopes, ",") << "\tcreated " << When(t.created_at)
                  << "\texpires " << When(t.expires_at) << "\tlast used " << When(t.last_used_at)
                  << (t.delegate_name ? "\tdelegate " + *t.delegate_name : "")
                  << (t.revoked_at ? "\tREVOKED " + When(t.revoked_at) : "") << "\n";
      }
    }
    ctx.exit_code = 0;
  });

  auto* revoke = token->add_subcommand("revoke", "Revoke a token (at once, for every server)");
  revoke->add_option("name", flags->name, "Token name")->required();
  revoke->add_option("--data", flags->data_dir, "Data directory (env FERRY_DATA_DIR)");
  AddStoreFlag(*revoke, flags->store_url);
  revoke->callback([flags, &ctx] {
    auto store = OpenStore(flags->data_dir, flags->store_url);
    if (!store.ok()) {
      ctx.exit_code = Fail(store.error());
      return;
    }
    auto revoked = (*store)->tokens().Revoke(flags->name, Actor());
    if (!revoked.ok()) {
      ctx.exit_code = Fail(revoked.error());
      return;
    }
    std::cout << "revoked " << revoked->name << "\n";
    ctx.exit_code = 0;
  });
}

}  // namespace ferry::app
