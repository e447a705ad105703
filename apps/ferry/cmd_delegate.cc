// `ferry delegate --server URL --token TOKEN [--name N] [--selectors a,b] [--max-tasks K]
// [--lease 30s] [--heartbeat 10s] [--region R] [--ca-file PEM]`: a remote delegate. It connects
// out to the server only (HttpTaskTransport: long-polled claims, heartbeats, log lines, results;
// reconnecting with backoff), runs the same LambdaTaskHandler as the embedded delegate with the
// AWS credential chain of the machine it runs on, and reads `env`/`file` secrets on this host.
// The token may come from --token-file (e.g. a systemd credential, deploy/systemd) or
// FERRY_DELEGATE_TOKEN instead of --token (which other users of the machine can see in the
// process list). Bad flags exit 2; SIGINT/SIGTERM stop it after its
// running tasks finish (exit 0). Logs go to stderr; one line "ferry delegate NAME connecting to
// URL" on stdout once it runs.
// `ferry delegates [--server URL --token T] [-o json]`: GET /api/v1/delegates as a table.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "aws/credentials_chain.h"
#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "cli/commands.h"
#include "commands.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "delegate/lambda/aws_lambda_provider.h"
#include "delegate/lambda/lambda_tasks.h"
#include "delegate/protocol/agent.h"
#include "delegate/remote/http_transport.h"
#include "server_runtime.h"
#include "store/checks.h"

namespace ferry::app {
namespace {

struct DelegateFlags {
  std::string server;
  std::string token;
  std::string token_file;
  std::string name;
  std::string selectors;
  int max_tasks = 4;
  std::string lease = "30s";
  std::string heartbeat = "10s";
  std::string region = "us-east-1";
  std::string ca_file;
};

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "local";
  return host;
}

int Usage(const Error& error) {
  std::cerr << "ferry delegate: " << error.message << "\n";
  return 2;
}

// The token in `path`: its first line, which must be all there is; a file readable by group or
// others is refused, as the server's secret key file is.
Result<std::string> ReadTokenFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return InvalidArgument("--token-file " + QuoteForMessage(path) + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return InvalidArgument("--token-file " + QuoteForMessage(path) +
                           " is readable by group or others; chmod 600 it");
  }
  std::ifstream in(path);
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty() || text.find_first_of("\r\n \t") != std::string::npos) {
    return InvalidArgument("--token-file " + QuoteForMessage(path) +
                           " must hold one delegate token (fry_...) on one line");
  }
  return text;
}

int Run(DelegateFlags flags) {
  if (!flags.token_file.empty()) {
    if (!flags.token.empty()) {
      return Usage(InvalidArgument("--token and --token-file exclude each other"));
    }
    auto token = ReadTokenFile(flags.token_file);
    if (!token.ok()) return Usage(token.error());
    flags.token = std::move(*token);
  }
  if (flags.token.empty()) {
    const char* env = std::getenv("FERRY_DELEGATE_TOKEN");
    if (env != nullptr) flags.token = env;
  }
  if (flags.token.empty()) {
    return Usage(InvalidArgument(
        "a delegate token is required: --token-file, FERRY_DELEGATE_TOKEN or --token (create "
        "one with `ferry delegate-token create NAME`)"));
  }
  if (flags.name.empty()) flags.name = HostName();
  if (Status s = store::CheckName(flags.name, "--name"); !s.ok()) return Usage(s.error());
  // The lease, heartbeat and selectors follow the server's flags' rules.
  ServerRuntimeOptions parsed;
  if (Status s = ApplyLeaseFlags(flags.lease, flags.heartbeat, flags.selectors, parsed); !s.ok()) {
    std::string message = s.error().message;
    for (auto [from, to] : {std::pair{"--delegate-selectors", "--selectors"}}) {
      if (auto at = message.find(from); at != std::string::npos) {
        message.replace(at, std::string(from).size(), to);
      }
    }
    return Usage(InvalidArgument(message));
  }

  Clock& clock = SystemClock::Instance();
  RandomIdGenerator ids(clock);
  delegate::HttpTransportOptions transport_options;
  transport_options.server_url = flags.server;
  transport_options.token = flags.token;
  transport_options.name = flags.name;
#ifdef FERRY_VERSION
  transport_options.version = FERRY_VERSION;
#endif
  transport_options.ca_bundle = flags.ca_file;
  auto transport = delegate::HttpTaskTransport::Create(transport_options, clock);
  if (!transport.ok()) {
    if (transport.error().code == ErrorCode::kInvalidArgument) return Usage(transport.error());
    std::cerr << "ferry delegate: " << transport.error().message << "\n";
    return 1;
  }

  TerminationSignals signals;
  auto http = aws::CurlTransport::Create();
  if (!http.ok()) {
    std::cerr << "ferry delegate: " << http.error().message << "\n";
    return 1;
  }
  aws::CredentialsContext credentials_context;
  credentials_context.transport = http->get();
  credentials_context.clock = &clock;
  credentials_context.region = flags.region;
  auto credentials = aws::DefaultCredentialsChain(credentials_context);
  aws::RateLimiterRegistry limiters(clock);
  aws::RetryQuota retry_quota;
  // Secrets are read here, on the delegate's host: the server only says where they live.
  delegate::HttpTaskTransport& server = **transport;
  SecretResolver secrets = [&server](std::string_view name) { return server.ResolveSecret(name); };
  delegate::AwsLambdaApiProvider lambda_apis(**http, *credentials, clock, ids, limiters,
                                             retry_quota, delegate::WaiterOptions{},
                                             aws::RetryOptions{}, secrets);
  delegate::LambdaTaskOptions task_options;
  task_options.default_concurrency = static_cast<size_t>(flags.max_tasks);
  task_options.secrets = secrets;
  delegate::LambdaTaskHandler lambda_tasks(lambda_apis, task_options);

  delegate::AgentOptions agent_options;
  agent_options.delegate_id = "remote-" + flags.name + "-" + ids.NewId();
  agent_options.selectors = parsed.delegate_selectors;
  agent_options.lease = parsed.lease;
  agent_options.heartbeat = parsed.heartbeat;
  agent_options.max_concurrent_tasks = static_cast<size_t>(flags.max_tasks);
  // A claim already waits on the server (a long-poll): ask again soon after it comes back
  // empty. Outages are paced by the transport's backoff, not by this.
  agent_options.idle_poll = std::chrono::milliseconds(50);
  delegate::DelegateAgent agent(server, clock, agent_options);
  for (const std::string& kind : delegate::LambdaTaskHandler::Kinds()) {
    agent.Register(kind, lambda_tasks);
  }
  std::jthread worker([&agent](std::stop_token stop) { agent.Run(stop); });
  log::Info("ferry delegate started", {{"name", flags.name},
                                       {"id", agent_options.delegate_id},
                                       {"server", flags.server},
                                       {"selectors", Join(agent_options.selectors, ",")}});
  std::cout << "ferry delegate " << flags.name << " connecting to " << flags.server << std::endl;
  signals.Wait();
  log::Info("ferry delegate stopping: finishing its running tasks", {{"name", flags.name}});
  server.Shutdown();
  worker.request_stop();
  worker.join();
  log::Info("ferry delegate stopped", {{"name", flags.name}});
  return 0;
}

}  // namespace

void AddDelegateCommand(CLI::App& root, CommandContext& ctx) {
  auto flags = std::make_shared<DelegateFlags>();
  auto* cmd = root.add_subcommand(
      "delegate",
      "Run a remote delegate: claims tasks from a Ferry server and calls AWS from here");
  cmd->add_option("--server", flags->server, "The Ferry server's URL, e.g. https://ferry:8443")
      ->required();
  cmd->add_option("--token", flags->token,
                  "A delegate token (`ferry delegate-token create`; env FERRY_DELEGATE_TOKEN)");
  cmd->add_option("--token-file", flags->token_file,
                  "File holding the delegate token on one line, mode 0600 or stricter (e.g. "
                  "$CREDENTIALS_DIRECTORY/delegate-token under systemd)");
  cmd->add_option("--name", flags->name, "This delegate's name (default: the host name)");
  cmd->add_option("--selectors", flags->selectors,
                  "Comma-separated selectors it offers: it runs tasks whose required selectors "
                  "it all carries (default: none, so only tasks without any)");
  cmd->add_option("--max-tasks", flags->max_tasks, "Tasks run at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--lease", flags->lease,
                  "Task lease: how long the server waits before another delegate takes over the "
                  "tasks of this one if it vanishes")
      ->capture_default_str();
  cmd->add_option("--heartbeat", flags->heartbeat, "How often it renews its leases (< --lease)")
      ->capture_default_str();
  cmd->add_option("--region", flags->region, "Region used when a cloud provider names none")
      ->capture_default_str();
  cmd->add_option("--ca-file", flags->ca_file,
                  "PEM file of the CAs that signed an https server's certificate (default: the "
                  "system store)");
  cmd->callback([flags, &ctx] { ctx.exit_code = Run(*flags); });

  auto client = std::make_shared<cli::ClientFlags>();
  auto* list = root.add_subcommand(
      "delegates", "List the delegates the server has seen and the tasks waiting for one");
  AddClientFlags(*list, *client);
  list->callback([client, &ctx] {
    cli::CommandIo io{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, SystemClock::Instance()};
    ctx.exit_code = cli::RunListDelegates(*client, io);
  });

  auto trigger_flags = std::make_shared<cli::ClientFlags>();
  auto application = std::make_shared<std::string>();
  auto* triggers = root.add_subcommand(
      "triggers", "List triggers: type, target, enabled, last fire, next run, last error");
  triggers->add_option("app", *application, "Only this application");
  AddClientFlags(*triggers, *trigger_flags);
  triggers->callback([trigger_flags, application, &ctx] {
    cli::CommandIo io{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, SystemClock::Instance()};
    ctx.exit_code = cli::RunListTriggers(*application, *trigger_flags, io);
  });
}

}  // namespace ferry::app
