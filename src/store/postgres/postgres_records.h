// ArtifactStore, TokenStore and DeploymentStore on PostgreSQL: the small record-keeping stores.
// Thread-safe.
#pragma once

#include "store/artifact_store.h"
#include "store/deployment_store.h"
#include "store/postgres/context.h"
#include "store/token_store.h"

namespace ferry::store::postgres {

class PostgresArtifactStore final : public ArtifactStore {
 public:
  explicit PostgresArtifactStore(Context& context) : context_(context) {}
  Result<RecordedArtifact> Record(const NewArtifact& artifact, const Actor& actor) override;
  Result<ArtifactRecord> Get(std::string_view id) override;
  Result<ArtifactRecord> Find(std::string_view source, std::string_view key,
                              std::string_view version) override;
  Result<std::vector<ArtifactRecord>> List(const ArtifactFilter& filter) override;

 private:
  Context& context_;
};

class PostgresTokenStore final : public TokenStore {
 public:
  explicit PostgresTokenStore(Context& context) : context_(context) {}
  Result<IssuedToken> Issue(const NewToken& token, const Actor& actor) override;
  Result<TokenRecord> Authenticate(std::string_view secret) override;
  Result<TokenRecord> Revoke(std::string_view name, const Actor& actor) override;
  Result<std::vector<TokenRecord>> List() override;
  Result<DelegateBinding> BindDelegateName(std::string_view token_name,
                                           std::string_view delegate_name,
                                           const Actor& actor) override;

 private:
  Context& context_;
};

class PostgresDeploymentStore final : public DeploymentStore {
 public:
  explicit PostgresDeploymentStore(Context& context) : context_(context) {}
  Result<DeploymentRecord> Record(const NewDeployment& deployment, const Actor& actor) override;
  Result<DeploymentRecord> SetState(std::string_view id, DeploymentState state,
                                    const Actor& actor) override;
  Result<std::vector<DeploymentRecord>> List(const DeploymentFilter& filter) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
