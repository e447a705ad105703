// What Ferry can run today (config/runnable.h): the warnings `ferry validate` prints, one per part
// of the configuration the deploy path would refuse, located like the loader's problems.
#include "config/runnable.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/test_util.h"
#include "model/enums.h"

namespace ferry::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A configuration every part of which runs today: no warning.
constexpr char kRunnable[] = R"(kind: CloudProvider
name: aws
credentials:
  mode: keys
  accessKeyId: AKIAIOSFODNN7EXAMPLE
  secretAccessKey: aws-key
region: eu-west-1
---
kind: Secret
name: aws-key
source: env
ref: FERRY_AWS_SECRET_ACCESS_KEY
---
kind: Secret
name: db
source: file
ref: /run/secrets/db
---
kind: Application
name: shop
---
kind: Service
application: shop
name: orders
artifact:
  cloudProvider: aws
  s3:
    bucket: builds
    key: orders.zip
defaults:
  runtime: python3.12
  packageType: Zip
  environment:
    DB: ${secrets.db}
functions:
  - name: api
    handler: api.handler
    packageType: Zip
---
kind: Environment
application: shop
name: dev
type: non-production
overrides:
  - service: orders
    defaults:
      packageType: Zip
infrastructure:
  - name: dev-eu
    cloudProvider: aws
    executionRole: arn:aws:iam::123456789012:role/orders-dev
---
kind: Workflow
application: shop
name: ship
strategy: basic
environment: dev
service: orders
failureStrategy: abort
steps:
  - name: deploy
    type: deploy
    timeout: 10m
)";

// Loads `yaml` with kRunnable's entities as reference targets (they give no warning).
LoadedConfig Load(const std::string& yaml) {
  static const std::vector<model::Entity> known = LoadConfigFiles({{"k.yaml", kRunnable}}).entities;
  LoadedConfig loaded = LoadConfigFiles({{"c.yaml", yaml}}, {}, known);
  EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(testing::Lines(loaded));
  return loaded;
}

// The warnings as "c.yaml:LINE:COL: warning: FIELD: MESSAGE".
std::vector<std::string> Warnings(const LoadedConfig& loaded) {
  std::vector<std::string> out;
  for (const ConfigProblem& w : loaded.warnings) out.push_back(w.ToString("warning"));
  return out;
}

// Workflow w of shop/orders in dev; `strategy` is on line 6, `body` starts on line 7.
std::string Workflow(const std::string& body, const std::string& strategy = "basic") {
  return "kind: Workflow\napplication: shop\nname: w\nenvironment: dev\nservice: orders\n"
         "strategy: " +
         strategy + "\n" + body;
}

TEST(RunnableTest, AConfigurationThatRunsGivesNoWarning) {
  LoadedConfig loaded = Load(kRunnable);
  EXPECT_THAT(loaded.warnings, IsEmpty()) << ::testing::PrintToString(Warnings(loaded));
  for (const model::Entity& e : loaded.entities) EXPECT_THAT(EntityNotRunnable(e), IsEmpty());
}

TEST(RunnableTest, OnlyBlueGreenWarnsAtTheStrategy) {
  for (const auto& [strategy, name] : model::EnumTable<model::WorkflowStrategy>()) {
    std::string extra =
        strategy == model::WorkflowStrategy::kCanary || strategy == model::WorkflowStrategy::kLinear
            ? "trafficShift: {percent: 10, interval: 5m}\n"
        : strategy == model::WorkflowStrategy::kCustom
            ? "steps:\n  - name: deploy\n    type: deploy\n"
            : "";
    LoadedConfig loaded = Load(Workflow(extra, std::string(name)));
    EXPECT_TRUE(loaded.ok()) << name << ::testing::PrintToString(testing::Lines(loaded));
    if (strategy != model::WorkflowStrategy::kBlueGreen) {
      EXPECT_THAT(loaded.warnings, IsEmpty()) << name;
      continue;
    }
    EXPECT_THAT(
        Warnings(loaded),
        ElementsAre("c.yaml:6:11: warning: strategy: workflow w uses the blue-green strategy, "
                    "which Ferry cannot run yet (not yet implemented: blue-green traffic "
                    "switching; Ferry runs basic, canary, linear or custom workflows); deploying "
                    "with this workflow is refused (HTTP 501) until Ferry runs it"));
  }
}

TEST(RunnableTest, EveryStepTypeThatDoesNotRunWarnsAtItsType) {
  for (const auto& [type, name] : model::EnumTable<model::StepType>()) {
    if (type == model::StepType::kDeploy || type == model::StepType::kTrafficShift ||
        type == model::StepType::kWait || type == model::StepType::kInvokeTest ||
        type == model::StepType::kVerify || type == model::StepType::kApproval) {
      continue;  // they run: release_plan_test.cc
    }
    LoadedConfig loaded = Load(Workflow("steps:\n  - name: s1\n    type: " + std::string(name) +
                                        "\n    with: {token: hunter2}\n"));
    ASSERT_EQ(loaded.warnings.size(), 1u) << name;
    const ConfigProblem& w = loaded.warnings[0];
    EXPECT_EQ(w.path, "/steps/0/type");
    EXPECT_EQ(w.position.line, 9);
    EXPECT_EQ(w.position.column, 11);
    EXPECT_THAT(w.message, HasSubstr("workflow w: step s1 is of type " + std::string(name) +
                                     ", which Ferry cannot run yet (not yet implemented: "));
    EXPECT_THAT(w.message,
                HasSubstr("; Ferry runs deploy, traffic-shift, verify, approval, invoke-test or wait steps)"));
    EXPECT_THAT(w.message, Not(HasSubstr("hunter2")));
    EXPECT_THAT(w.message, Not(HasSubstr("not listed")));
  }
}

TEST(RunnableTest, EveryVerifyModeRunsWithoutAWarning) {
  for (const std::string with :
       {"mode: previous",
        "mode: fixed-baseline\n      baselineStart: \"2026-12-01T10:00:00Z\"\n"
        "      baselineEnd: \"2026-12-01T11:00:00Z\""}) {
    LoadedConfig loaded =
        Load(Workflow("steps:\n  - name: deploy\n    type: deploy\n"
                      "  - name: verify\n    type: verify\n    with:\n      " +
                      with + "\n"));
    EXPECT_THAT(Warnings(loaded), IsEmpty()) << with;
    for (const model::Entity& e : loaded.entities) EXPECT_THAT(EntityNotRunnable(e), IsEmpty());
  }
}

TEST(RunnableTest, ASecondDeployStepWarnsOnce) {
  LoadedConfig loaded =
      Load(Workflow("steps:\n  - name: one\n    type: deploy\n  - name: two\n    type: deploy\n"
                    "  - name: three\n    type: deploy\n"));
  EXPECT_THAT(Warnings(loaded),
              ElementsAre("c.yaml:10:5: warning: steps[1]: workflow w has several deploy steps "
                          "(one, two), which Ferry cannot run yet (not yet implemented: more "
                          "than 1 deploy step(s) per workflow); deploying with this workflow "
                          "is refused (HTTP 501) until Ferry runs it"));
}

// Approvals do not run yet: a rule asking for approval.waiting warns at that event; the rest of
// a notification configuration gives no warning.
TEST(RunnableTest, ApprovalWaitingNotificationsWarnAtTheEvent) {
  LoadedConfig loaded = LoadConfigFiles(
      {{"c.yaml",
        "kind: Secret\nname: u\nsource: ferry\n---\n"
        "kind: NotificationChannel\nname: team\nslack: {urlSecret: u}\n---\n"
        "kind: Application\nname: app\nnotifications:\n"
        "  - {channel: team, events: [execution.failed, approval.waiting]}\n"}});
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(testing::Lines(loaded));
  EXPECT_THAT(Warnings(loaded),
              ElementsAre("c.yaml:12:48: warning: notifications[0].events[1]: application app: "
                          "event approval.waiting is never sent yet (not yet implemented: "
                          "approval notifications); the rule's other events are delivered"));
}

TEST(RunnableTest, ManualInterventionWarnsAtTheFailureStrategy) {
  for (const auto& [strategy, name] : model::EnumTable<model::FailureStrategy>()) {
    LoadedConfig loaded = Load(Workflow("failureStrategy: " + std::string(name) + "\n"));
    if (strategy != model::FailureStrategy::kManualIntervention) {
      EXPECT_THAT(loaded.warnings, IsEmpty()) << name;
      continue;
    }
    EXPECT_THAT(Warnings(loaded),
                ElementsAre("c.yaml:7:18: warning: failureStrategy: workflow w asks for failure "
                            "strategy manual-intervention, which Ferry cannot run yet (not yet "
                            "implemented: manual intervention; use rollback, abort or ignore); "
                            "deploying with this workflow is refused (HTTP 501) until Ferry "
                            "runs it"));
  }
}

TEST(RunnableTest, EverySecretSourceRunsSoNoneWarns) {
  for (const auto& [source, name] : model::EnumTable<model::SecretSource>()) {
    LoadedConfig loaded =
        Load("kind: Secret\nname: s\nsource: " + std::string(name) + "\nref: HUNTER2_REF\n");
    EXPECT_THAT(loaded.warnings, IsEmpty()) << name;
  }
  EXPECT_THAT(Load("kind: Secret\nname: s\n").warnings, IsEmpty());
}

TEST(RunnableTest, ImageFunctionsWarnWhereverPackageTypeImageIsWritten) {
  const std::string service = R"(kind: Service
application: shop
name: boxes
artifact:
  ecr:
    repository: boxes
defaults:
  packageType: Image
functions:
  - name: a
    packageType: Image
  - name: b
---
kind: Environment
application: shop
name: dev
type: non-production
overrides:
  - service: boxes
    defaults:
      packageType: Image
    functions:
      - name: a
        packageType: Image
infrastructure:
  - name: i
    cloudProvider: aws
)";
  LoadedConfig loaded = Load(service);
  std::vector<std::string> where;
  for (const ConfigProblem& w : loaded.warnings) {
    where.push_back(std::to_string(w.position.line) + ":" + w.path);
    EXPECT_THAT(w.message, HasSubstr("is an image function (packageType Image), which Ferry "
                                     "cannot deploy yet (not yet implemented: image functions; "
                                     "Ferry deploys Zip packages); deploying it is refused"));
  }
  EXPECT_THAT(where, ElementsAre("8:/defaults/packageType", "11:/functions/0/packageType",
                                 "21:/overrides/0/defaults/packageType",
                                 "24:/overrides/0/functions/0/packageType"));
  EXPECT_THAT(loaded.warnings[1].message, HasSubstr("function a is an image function"));
  EXPECT_THAT(loaded.warnings[3].message,
              HasSubstr("function a (environment dev, service boxes) is an image function"));
}

// Pipelines run (docs/pipelines.md), approvals too, and triggers that start them.
TEST(RunnableTest, PipelinesAndTriggersThatStartThemRun) {
  LoadedConfig loaded = Load(R"(kind: Pipeline
application: shop
name: release
stages:
  - name: ok
    approval: {}
---
kind: Trigger
application: shop
name: nightly
schedule:
  cron: "0 2 * * *"
pipeline: release
artifactSelection: last-collected
)");
  EXPECT_THAT(Warnings(loaded),
              IsEmpty());
}

TEST(RunnableTest, WorkflowTriggersRunButLastDeployedAndPipelineCompletedWarn) {
  LoadedConfig loaded = Load(R"(kind: Trigger
application: shop
name: nightly
schedule:
  cron: "0 2 * * *"
workflow: ship
artifactSelection: last-deployed
)");
  std::vector<std::string> warnings = Warnings(loaded);
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_THAT(warnings[0], ::testing::HasSubstr("trigger nightly deploys the last deployed "
                                                "artifact, which Ferry cannot choose yet"));
  model::Trigger t;
  t.name = "t";
  t.workflow = "basic";
  t.artifact_selection = model::ArtifactSelection::kLastCollected;
  EXPECT_THAT(TriggerNotRunnable(t), IsEmpty());
  t.pipeline_completed = model::PipelineCompletedCondition{"release"};
  ASSERT_EQ(TriggerNotRunnable(t).size(), 1u);
  EXPECT_EQ(TriggerNotRunnable(t)[0].path, "/pipelineCompleted");
}

// The parts the deploy path refuses are exactly the warnings' parts, with the warning's text
// minus its effect.
TEST(RunnableTest, TheRefusalIsTheWarningsMessage) {
  model::Workflow w;
  w.name = "w";
  w.strategy = model::WorkflowStrategy::kBlueGreen;
  w.steps.push_back({"smoke", model::StepType::kShell, std::nullopt, {}});
  auto parts = WorkflowNotRunnable(w);
  ASSERT_EQ(parts.size(), 2u);
  Error e = parts[0].ToError();
  EXPECT_EQ(e.code, ErrorCode::kUnimplemented);
  EXPECT_EQ(e.message, parts[0].message);
  EXPECT_EQ(parts[0].Warning(), parts[0].message + "; " + parts[0].effect);
  EXPECT_FALSE(PackageNotRunnable(model::PackageType::kZip, "function f").has_value());
  EXPECT_TRUE(PackageNotRunnable(model::PackageType::kImage, "function f").has_value());
}

TEST(RunnableTest, CheckRunnableSkipsEntitiesBeyondTheCheckedOnes) {
  model::Trigger t;
  t.name = "t";
  t.pipeline_completed = model::PipelineCompletedCondition{"release"};  // still warns
  std::vector<model::Entity> entities = {model::Application{"shop", {}, {}}, t};
  EXPECT_EQ(CheckRunnable(entities).size(), 1u);
  EXPECT_EQ(CheckRunnable(entities).front().entity, 1u);
  EXPECT_THAT(CheckRunnable(entities, 1), IsEmpty());
}

// examples/ is a complete configuration that uses features that do not run yet: exactly these
// warnings ("FILE:LINE:COL FIELD: the message up to its first comma"), and no problem.
TEST(RunnableTest, TheExamplesValidateWithExactlyTheseWarnings) {
  LoadedConfig loaded = LoadConfig(testing::ExamplesDir());
  EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(testing::Lines(loaded));
  std::vector<std::string> warnings;
  for (const ConfigProblem& w : loaded.warnings) {
    warnings.push_back(std::filesystem::path(w.file).filename().string() + ":" +
                       std::to_string(w.position.line) + ":" + std::to_string(w.position.column) +
                       " " + w.path + ": " + w.message.substr(0, w.message.find(',')));
  }
  EXPECT_THAT(warnings, IsEmpty());
}

}  // namespace
}  // namespace ferry::config
