#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/test_util.h"
#include "support/temp_dir.h"

namespace ferry::config {
namespace {

using test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Lines;

constexpr const char* kApp = "kind: Application\nname: shop\n";
constexpr const char* kProvider =
    "kind: CloudProvider\nname: aws\ncredentials: {mode: delegate}\nregion: eu-west-1\n";

std::vector<std::string> Check(std::vector<std::pair<std::string, std::string>> files) {
  return Lines(LoadConfigFiles(files));
}

TEST(LoaderTest, ExamplesValidateClean) {
  LoadedConfig loaded = LoadConfig(testing::ExamplesDir());
  EXPECT_THAT(Lines(loaded), IsEmpty());
  EXPECT_EQ(loaded.files, 10u);
  EXPECT_EQ(loaded.entities.size(), 24u);
}

// The issue's acceptance test: a copy of the example with a dozen mistakes reports all of them,
// each at the right place.
TEST(LoaderTest, ReportsEveryInjectedMistakeWithItsPosition) {
  TempDir dir;
  struct Mistake {
    const char* file;
    const char* from;
    const char* to;
  };
  const Mistake kMistakes[] = {
      {"service-orders.yaml", "    memory: 512", "    memory: 64"},
      {"service-orders.yaml", "runtime: python3.12", "runtime: python3.21"},
      {"service-orders.yaml", "timeout: 300", "timeout: 1000"},
      {"service-orders.yaml", "    handler: orders.api.handler", "    hander: orders.api.handler"},
      {"service-orders.yaml", "${serviceVariable.logLevel}", "${serviceVariable.loglevel}"},
      {"environments.yaml", "cloudProvider: aws-prod", "cloudProvider: aws-production"},
      {"environments.yaml", "type: production", "type: prod"},
      {"pipeline.yaml", "workflow: canary-prod", "workflow: canary-production"},
      {"pipeline.yaml", "environment: qa", "environment: staging"},
      {"workflows.yaml", "${workflow.variables.sensitivity}", "${workflow.variables.sensitivty}"},
      {"triggers.yaml", "cron: \"0 2 * * MON-FRI\"", "cron: \"0 25 * * MON-FRI\""},
      {"providers.yaml", "durationSeconds: 3600", "durationSeconds: \"3600\""},
      {"secrets.yaml", "name: orders-db-password-prod", "name: orders-db-password"},
      {"application.yaml", "cost-center: \"4711\"", "cost-center: 4711"},
  };
  for (const auto& entry : std::filesystem::directory_iterator(testing::ExamplesDir())) {
    dir.Write(entry.path().filename().string(), testing::ReadFile(entry.path()));
  }
  for (const Mistake& m : kMistakes) {
    std::string text = testing::ReadFile(dir.path() / m.file);
    size_t at = text.find(m.from);
    ASSERT_NE(at, std::string::npos) << m.from;
    ASSERT_EQ(text.find(m.from, at + 1), std::string::npos) << m.from << " is not unique";
    text.replace(at, std::string(m.from).size(), m.to);
    dir.Write(m.file, text);
  }
  LoadedConfig loaded = LoadConfig(dir.path());
  EXPECT_THAT(
      Lines(loaded, dir.path().string() + "/"),
      ElementsAre(
          "application.yaml:6:16: tags.cost-center: expected a string, got an integer (quote "
          "the value to make it a string)",
          "environments.yaml:33:7: type: unknown value \"prod\"; expected one of production, "
          "non-production; did you mean 'production'?",
          // A consequence of the duplicate secret below: the second one is not defined.
          "environments.yaml:42:17: overrides[0].variables[2].secret: no secret named "
          "\"orders-db-password-prod\"",
          "environments.yaml:55:20: infrastructure[0].cloudProvider: no cloud provider named "
          "\"aws-production\"",
          "pipeline.yaml:13:18: stages[1].environment: no environment named \"staging\" in "
          "application \"shop\"",
          "pipeline.yaml:22:15: stages[3].workflow: no workflow named \"canary-production\" in "
          "application \"shop\"",
          "providers.yaml:20:20: assumeRole.durationSeconds: expected an integer, got a string",
          "secrets.yaml:11:7: name: duplicate secret \"orders-db-password\" (first defined at " +
              (dir.path() / "secrets.yaml").string() + ":3:7)",
          "service-orders.yaml:15:12: defaults.runtime: unknown Lambda runtime \"python3.21\"; "
          "did you mean 'python3.11'?",
          "service-orders.yaml:22:16: defaults.environment.LOG_LEVEL: "
          "${serviceVariable.loglevel}: service \"orders\" declares no variable \"loglevel\"; "
          "did you mean 'logLevel'?",
          "service-orders.yaml:30:5: functions[0]: missing 'handler' (in the function or the "
          "service defaults)",
          "service-orders.yaml:32:5: functions[0].hander: unknown field \"hander\"; did you mean "
          "'handler'?",
          "service-orders.yaml:34:13: functions[0].memory: must be between 128 and 10240 MB, got "
          "64",
          "service-orders.yaml:39:14: functions[1].timeout: must be between 1 and 900 seconds, "
          "got 1000",
          "triggers.yaml:17:9: schedule.cron: hour 25 is out of range 0-23",
          "workflows.yaml:54:20: steps[2].with.sensitivity: ${workflow.variables.sensitivty}: "
          "workflow \"canary-prod\" declares no variable \"sensitivty\"; did you mean "
          "'sensitivity'?"));
}

TEST(LoaderTest, MalformedYaml) {
  EXPECT_THAT(Check({{"a.yaml", "kind: Application\nname: [shop\n"}}),
              ElementsAre(HasSubstr("a.yaml:3:1: malformed YAML: ")));
  EXPECT_THAT(Check({{"a.yaml", "kind: Application\n name: shop\n"}}),
              ElementsAre(HasSubstr("a.yaml:2:6: malformed YAML: ")));
}

TEST(LoaderTest, WrongTypesAndUnknownFields) {
  EXPECT_THAT(
      Check({{"app.yaml", kApp},
             {"s.yaml",
              "kind: Service\napplication: shop\nname: orders\nartifact:\n  locl: {path: x}\n"
              "functions:\n  - name: api\n    runtime: python3.12\n    handler: a.b\n"
              "    memory: lots\n    layers: arn\n"}}),
      ElementsAre("s.yaml:4:1: artifact: an artifact source: set one of s3, http, local, ecr",
                  "s.yaml:5:3: artifact.locl: unknown field \"locl\"; did you mean 'local'?",
                  "s.yaml:10:13: functions[0].memory: expected an integer, got a string",
                  "s.yaml:11:13: functions[0].layers: expected a list, got a string"));
}

TEST(LoaderTest, MissingOrUnknownKind) {
  EXPECT_THAT(Check({{"a.yaml", "name: shop\n---\nkind: Aplication\nname: x\n"}}),
              ElementsAre(HasSubstr("a.yaml:1:1: missing required field 'kind'"),
                          "a.yaml:3:7: kind: unknown value \"Aplication\"; expected one of "
                          "CloudProvider, Secret, Application, Service, Environment, Workflow, "
                          "Pipeline, Trigger, FreezeWindow, NotificationChannel; did you mean "
                          "'Application'?"));
}

TEST(LoaderTest, DuplicateNamesAcrossFiles) {
  EXPECT_THAT(Check({{"a.yaml", kApp}, {"b.yaml", std::string("# again\n") + kApp}}),
              ElementsAre("b.yaml:3:7: name: duplicate application \"shop\" (first defined at "
                          "a.yaml:2:7)"));
}

TEST(LoaderTest, DanglingReferences) {
  std::string pipeline =
      "kind: Pipeline\napplication: shop\nname: release\nstages:\n"
      "  - name: dev\n    workflow: rollin\n"
      "  - name: qa\n    workflow: rolling\n    environment: qa\n";
  std::string workflow =
      "kind: Workflow\napplication: shop\nname: rolling\nstrategy: basic\n"
      "environment: ${workflow.variables.env}\nservice: orders\n"
      "variables:\n  - {name: env, required: true}\n";
  std::string service =
      "kind: Service\napplication: shop\nname: orders\n"
      "artifact: {cloudProvider: aws-dev, local: {path: x.zip}}\n"
      "functions: [{name: api, runtime: python3.12, handler: a.b}]\n";
  EXPECT_THAT(
      Check({{"app.yaml", kApp},
             {"p.yaml", pipeline},
             {"w.yaml", workflow},
             {"s.yaml", service},
             {"t.yaml",
              "kind: Trigger\napplication: shopp\nname: t\nnewArtifact: {service: x}\n"
              "pipeline: release\n"}}),
      ElementsAre("p.yaml:6:15: stages[0].workflow: no workflow named \"rollin\" in application "
                  "\"shop\"; did you mean 'rolling'?",
                  "p.yaml:9:18: stages[1].environment: no environment named \"qa\" in "
                  "application \"shop\"",
                  "s.yaml:4:27: artifact.cloudProvider: no cloud provider named \"aws-dev\"",
                  "t.yaml:2:14: application: no application named \"shopp\"; did you mean "
                  "'shop'?",
                  "t.yaml:4:24: newArtifact.service: no service named \"x\" in application "
                  "\"shopp\"",
                  "t.yaml:5:11: pipeline: no pipeline named \"release\" in application "
                  "\"shopp\""));
}

TEST(LoaderTest, StageVariablesMustMatchTheWorkflow) {
  std::string env =
      "kind: Environment\napplication: shop\nname: dev\ntype: non-production\n"
      "infrastructure: [{name: dev, cloudProvider: aws}]\n";
  std::string service =
      "kind: Service\napplication: shop\nname: orders\nartifact: {local: {path: x.zip}}\n"
      "functions: [{name: api, runtime: python3.12, handler: a.b}]\n";
  std::string workflow =
      "kind: Workflow\napplication: shop\nname: rolling\nstrategy: basic\n"
      "environment: ${workflow.variables.env}\nservice: orders\n"
      "variables:\n  - {name: env, required: true}\n  - {name: level, required: true}\n";
  std::string pipeline =
      "kind: Pipeline\napplication: shop\nname: release\nstages:\n"
      "  - name: dev\n    workflow: rolling\n    environment: dev\n"
      "    variables: {levl: x}\n";
  EXPECT_THAT(
      Check({{"a.yaml", std::string(kApp) + "---\n" + kProvider + "---\n" + env + "---\n" +
                            service + "---\n" + workflow + "---\n" + pipeline}}),
      ElementsAre("a.yaml:35:5: stages[0]: workflow \"rolling\" requires variable \"level\"; set "
                  "it in this stage's 'variables'",
                  "a.yaml:38:17: stages[0].variables.levl: workflow \"rolling\" declares no "
                  "variable \"levl\"; did you mean 'level'?"));
}

TEST(LoaderTest, TriggerVariablesMustBeDeclaredByTheTarget) {
  std::string pipeline =
      "kind: Pipeline\napplication: shop\nname: release\nstages: [{name: a, approval: {}}]\n"
      "variables: [{name: reason}]\n";
  std::string trigger =
      "kind: Trigger\napplication: shop\nname: nightly\nschedule: {cron: '0 2 * * *'}\n"
      "pipeline: release\nartifactSelection: last-deployed\nvariables:\n  reasn: nightly\n";
  EXPECT_THAT(Check({{"a.yaml", kApp}, {"p.yaml", pipeline}, {"t.yaml", trigger}}),
              ElementsAre("t.yaml:8:3: variables.reasn: pipeline \"release\" declares no "
                          "variable \"reasn\"; did you mean 'reason'?"));
}

TEST(LoaderTest, TriggerPayloadTemplatesAreKnownOnlyInATriggersVariables) {
  std::string pipeline =
      "kind: Pipeline\napplication: shop\nname: release\nstages: [{name: a, approval: {}}]\n"
      "variables: [{name: commit}, {name: by}]\n";
  std::string trigger =
      "kind: Trigger\napplication: shop\nname: gh\nwebhook: {type: github-push, secret: s}\n"
      "pipeline: release\nvariables:\n  commit: ${trigger.payload.head_commit.id}\n"
      "  by: ${trigger.name}\n---\nkind: Secret\nname: s\nsource: env\nref: S\n";
  EXPECT_THAT(Check({{"a.yaml", kApp}, {"p.yaml", pipeline}, {"t.yaml", trigger}}), ElementsAre());
  std::string misplaced =
      "kind: Pipeline\napplication: shop\nname: other\nstages: [{name: a, approval: {}}]\n"
      "description: ${trigger.payload.x}\n";
  EXPECT_THAT(Check({{"a.yaml", kApp}, {"m.yaml", misplaced}}),
              ElementsAre(::testing::HasSubstr("is only known in a trigger's variables")));
}

TEST(LoaderTest, InvalidLambdaValues) {
  std::string service =
      "kind: Service\napplication: shop\nname: orders\nartifact: {local: {path: x.zip}}\n"
      "functions:\n"
      "  - name: api\n"
      "    functionName: orders api\n"
      "    runtime: nodejs99.x\n"
      "    handler: index handler\n"
      "    memory: 10241\n"
      "    timeout: 0\n"
      "    aliases: ['42']\n";
  EXPECT_THAT(
      Check({{"app.yaml", kApp}, {"s.yaml", service}}),
      ElementsAre(
          "s.yaml:7:19: functions[0].functionName: must contain only letters, digits, '-' and "
          "'_' (Lambda's FunctionName pattern)",
          "s.yaml:8:14: functions[0].runtime: unknown Lambda runtime \"nodejs99.x\"; did you "
          "mean 'nodejs10.x'?",
          "s.yaml:9:14: functions[0].handler: must be non-empty and contain no whitespace",
          "s.yaml:10:13: functions[0].memory: must be between 128 and 10240 MB, got 10241",
          "s.yaml:11:14: functions[0].timeout: must be between 1 and 900 seconds, got 0",
          "s.yaml:12:15: functions[0].aliases[0]: must contain only letters, digits, '-' and '_' "
          "and not be all digits (Lambda's Alias pattern)"));
}

TEST(LoaderTest, TemplateNames) {
  std::string service =
      "kind: Service\napplication: shop\nname: orders\nartifact: {local: {path: x.zip}}\n"
      "functions:\n"
      "  - name: api\n    runtime: python3.12\n    handler: a.b\n"
      "    functionName: ${env.nme}-api\n"
      "    environment:\n"
      "      PW: ${secrets.db}\n"
      "      LEVEL: ${serviceVariable.level}\n"
      "      BROKEN: ${env.name\n"
      "variables: [{name: level, value: info}]\n";
  EXPECT_THAT(
      Check({{"app.yaml", kApp}, {"s.yaml", service}}),
      ElementsAre("s.yaml:9:19: functions[0].functionName: unknown template name ${env.nme}; "
                  "did you mean ${env.name}?",
                  "s.yaml:11:11: functions[0].environment.PW: ${secrets.db}: no secret named "
                  "\"db\" (declare a Secret)",
                  "s.yaml:13:15: functions[0].environment.BROKEN: unterminated template "
                  "expression starting at \"${env.name\" (missing '}')"));
}

TEST(LoaderTest, SecretValuesAreNeverEchoed) {
  auto lines = Check({{"s.yaml", "kind: Secret\nname: db\nvalue: hunter2-very-secret\n"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("s.yaml:3:1: value: a secret's value never goes in "));
  EXPECT_THAT(lines[0], ::testing::Not(HasSubstr("hunter2")));
}

TEST(LoaderTest, HugeFilesAreRejectedUnread) {
  TempDir dir;
  std::string big =
      "kind: Application\nname: shop\ndescription: \"" + std::string(4 * 1024 * 1024, 'x') + "\"\n";
  dir.Write("big.yaml", big);
  LoadedConfig loaded = LoadConfig(dir.path());
  EXPECT_THAT(Lines(loaded, dir.path().string() + "/"),
              ElementsAre("big.yaml: file is " + std::to_string(big.size()) +
                          " bytes; the limit is 4194304 bytes per file"));
  // In-memory input has the same limit; a smaller limit is honoured.
  LoadLimits limits;
  limits.max_file_bytes = 10;
  EXPECT_THAT(Lines(LoadConfigFiles({{"a.yaml", kApp}}, limits)),
              ElementsAre(HasSubstr("a.yaml: file is 29 bytes; the limit is 10 bytes")));
}

TEST(LoaderTest, NotUtf8) {
  EXPECT_THAT(Check({{"a.yaml", "kind: Application\nname: sh\xffop\n"}}),
              ElementsAre("a.yaml:2:9: file is not valid UTF-8"));
  EXPECT_THAT(Check({{"a.yaml", "kind: Application\nname: \xc3\n"}}),
              ElementsAre("a.yaml:2:7: file is not valid UTF-8"));
  EXPECT_THAT(Check({{"a.yaml", std::string("kind: Application\nname: a\0b\n", 28)}}),
              ElementsAre("a.yaml:2:8: file contains a NUL byte; configuration must be text"));
  // A byte-order mark and multi-byte text are fine.
  EXPECT_THAT(Check({{"a.yaml",
                      "\xEF\xBB\xBFkind: Application\nname: shop\n"
                      "description: \"Caf\xc3\xa9 \xe2\x82\xac\"\n"}}),
              IsEmpty());
}

TEST(LoaderTest, YamlBombs) {
  std::string bomb = "kind: Application\nname: shop\ntags:\n  a: &a [x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (std::string name : {"b", "c", "d", "e", "f", "g", "h"}) {
    bomb += "  " + name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    prev = name;
  }
  auto lines = Check({{"bomb.yaml", bomb}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("bomb.yaml:"));
  EXPECT_THAT(lines[0], HasSubstr("more than 100000 values"));
}

TEST(LoaderTest, DirectoriesSkipHiddenAndOtherFiles) {
  TempDir dir;
  dir.Write("app.yaml", kApp);
  dir.Write("nested/provider.yml", kProvider);
  dir.Write(".hidden/broken.yaml", "kind: [");
  dir.Write(".broken.yaml", "kind: [");
  dir.Write("README.md", "kind: [");
  LoadedConfig loaded = LoadConfig(dir.path());
  EXPECT_THAT(Lines(loaded), IsEmpty());
  EXPECT_EQ(loaded.files, 2u);
  EXPECT_EQ(loaded.entities.size(), 2u);
  loaded = LoadConfig(dir.path() / "missing");
  EXPECT_THAT(Lines(loaded, dir.path().string() + "/"),
              ElementsAre("missing: no such file or directory"));
}

TEST(LoaderTest, KnownEntitiesSatisfyReferences) {
  LoadedConfig first = LoadConfigFiles({{"app.yaml", kApp}, {"p.yaml", kProvider}});
  ASSERT_TRUE(first.ok());
  std::string env =
      "kind: Environment\napplication: shop\nname: dev\ntype: non-production\n"
      "infrastructure: [{name: dev, cloudProvider: aws}]\n";
  EXPECT_THAT(Check({{"e.yaml", env}}), ::testing::SizeIs(2));
  EXPECT_THAT(Lines(LoadConfigFiles({{"e.yaml", env}}, {}, first.entities)), IsEmpty());
}

}  // namespace
// Notification channels and rules: hostile and malformed settings are refused at their
// position, with nothing stored (validation runs before any write).
TEST(LoaderTest, NotificationChannelsAndRulesRefuseMalformedAndHostileSettings) {
  const std::string secrets =
      "kind: Secret\nname: key\nsource: ferry\n---\nkind: Secret\nname: url\nsource: ferry\n";
  auto one = [&](const std::string& channel) {
    return Check({{"s.yaml", secrets}, {"c.yaml", "kind: NotificationChannel\nname: c\n" + channel}});
  };
  EXPECT_THAT(one("webhook: {url: \"file:///etc/passwd\", signingSecret: key}\n"),
              ElementsAre(HasSubstr("c.yaml:3:16: webhook.url: must be an http:// or https:// URL")));
  EXPECT_THAT(one("webhook: {url: \"gopher://x\", signingSecret: key}\n"),
              ElementsAre(HasSubstr("must be an http:// or https:// URL")));
  EXPECT_THAT(one("webhook: {url: \"https://u:p@x.example/h\", signingSecret: key}\n"),
              ElementsAre(HasSubstr("must not carry credentials")));
  EXPECT_THAT(one("webhook: {url: \"https://x.example/h\", urlSecret: url, signingSecret: key}\n"),
              ElementsAre(HasSubstr("set only one of url, urlSecret")));
  EXPECT_THAT(one("webhook: {url: \"https://x.example/h\", signingSecret: nope}\n"),
              ElementsAre(HasSubstr("webhook.signingSecret: no secret named \"nope\"")));
  EXPECT_THAT(one("slack: {urlSecret: url}\nemail: {host: h, from: a@b.c, to: [d@e.f]}\n"),
              ElementsAre(HasSubstr("set only one of slack, email")));
  EXPECT_THAT(one("description: nothing\n"), ElementsAre(HasSubstr("set one of slack, webhook, email")));
  EXPECT_THAT(one("slack: {url: \"https://hooks.slack.com/services/T/B/X\"}\n"),
              ElementsAre(HasSubstr("missing required field 'urlSecret'"),
                          HasSubstr("slack.urlSecret: must be 1-128"),
                          HasSubstr("slack.url: unknown field \"url\"")));
  // CR/LF in recipients, sender and subject (header injection), oversized subjects, bad ports.
  EXPECT_THAT(one("email: {host: mail.example.com, from: a@b.c, to: [\"x@y.z\\r\\nBcc: v@w.x\"]}\n"),
              ElementsAre(HasSubstr("email.to[0]: must be a plain address")));
  EXPECT_THAT(one("email: {host: mail.example.com, from: \"Ferry <a@b.c>\", to: [x@y.z]}\n"),
              ElementsAre(HasSubstr("email.from: must be a plain address")));
  EXPECT_THAT(one("email: {host: mail.example.com, from: a@b.c, to: [\"x@y.z, v@w.x\"]}\n"),
              ElementsAre(HasSubstr("email.to[0]: must be a plain address")));
  EXPECT_THAT(one("email: {host: mail.example.com, from: a@b.c, to: [x@y.z], subject: \"hi\\r\\nBcc: v@w.x\"}\n"),
              ElementsAre(HasSubstr("email.subject: must be one line without control characters")));
  EXPECT_THAT(one("email: {host: mail.example.com, from: a@b.c, to: [x@y.z], subject: " +
                  std::string(5000, 's') + "}\n"),
              ElementsAre(HasSubstr("email.subject: must be 1-200 characters")));
  EXPECT_THAT(one("email: {host: \"mail/../x\", port: 70000, from: a@b.c, to: []}\n"),
              ElementsAre(HasSubstr("email.host: must be a host name"),
                          HasSubstr("email.port: must be 1-65535"),
                          HasSubstr("email.to: must list at least one recipient")));
  EXPECT_THAT(one("email: {host: m.example.com, from: a@b.c, to: [x@y.z], passwordSecret: key}\n"),
              ElementsAre(HasSubstr("email.passwordSecret: needs a username")));
  // Rules: an unknown channel (with a suggestion), an unknown event, no events.
  const std::string channel =
      "kind: NotificationChannel\nname: team\nslack: {urlSecret: url}\n";
  EXPECT_THAT(Check({{"s.yaml", secrets},
                     {"c.yaml", channel},
                     {"a.yaml",
                      "kind: Application\nname: shop\nnotifications:\n"
                      "  - {channel: teem, events: [execution.failed]}\n"
                      "  - {channel: team, events: [execution.exploded]}\n"
                      "  - {channel: team, events: []}\n"}}),
              ElementsAre(HasSubstr("a.yaml:4:15: notifications[0].channel: no notification "
                                    "channel named \"teem\"; did you mean 'team'?"),
                          HasSubstr("notifications[1].events[0]: unknown value \"execution.exploded\""),
                          HasSubstr("notifications[2].events: must list at least one event")));
}

}  // namespace ferry::config
