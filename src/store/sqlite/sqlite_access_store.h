// AccessStore on SQLite (tables of migration 0007). Thread-safe.
#pragma once

#include "store/access_store.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteAccessStore final : public AccessStore {
 public:
  explicit SqliteAccessStore(Context& context) : context_(context) {}

  Result<Account> CreateAccount(const NewAccount& account, std::string_view actor) override;
  Result<Account> GetAccount(std::string_view name) override;
  Result<std::vector<Account>> ListAccounts() override;
  Result<Account> SetDisabled(std::string_view name, bool disabled,
                              std::string_view actor) override;
  Result<Account> SetPasswordHash(std::string_view name, std::string_view hash,
                                  std::string_view actor) override;
  Result<std::string> PasswordHash(std::string_view name) override;
  Result<IssuedSession> CreateSession(const NewSession& session) override;
  Result<SessionRecord> TouchSession(std::string_view secret, Duration idle) override;
  Status DeleteSession(std::string_view secret) override;
  Result<Group> PutGroup(std::string_view name, const std::vector<std::string>& members,
                         std::string_view actor) override;
  Status DeleteGroup(std::string_view name, std::string_view actor) override;
  Result<std::vector<Group>> ListGroups() override;
  Result<Role> PutRole(std::string_view name, const std::vector<std::string>& permissions,
                       std::string_view actor) override;
  Status DeleteRole(std::string_view name, std::string_view actor) override;
  Result<std::vector<Role>> ListRoles() override;
  Result<RoleBinding> AddBinding(const NewRoleBinding& binding, std::string_view actor) override;
  Status DeleteBinding(std::string_view id, std::string_view actor) override;
  Result<std::vector<RoleBinding>> ListBindings() override;
  Result<std::vector<EffectiveGrant>> GrantsOf(std::string_view account) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::sqlite
