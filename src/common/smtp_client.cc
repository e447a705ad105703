#include "common/smtp_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace ferry::smtp {
namespace {

struct Upload {
  const std::string& data;
  size_t offset = 0;
};

size_t Read(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

bool Printable(const std::string& text) {
  return std::none_of(text.begin(), text.end(),
                      [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

Error Failed(ErrorCode code, const Server& server, const std::string& what) {
  return Error{code,
               "SMTP server " + server.host + ":" + std::to_string(server.port) + ": " + what,
               {{"reason", what}}};
}

}  // namespace

Status Send(const Server& server, const Mail& mail) {
  if (server.host.empty() || !Printable(server.host) ||
      server.host.find('/') != std::string::npos || server.port < 1 || server.port > 65535) {
    return Error{ErrorCode::kInvalidArgument, "the SMTP host or port is unusable", {}};
  }
  if (mail.to.empty() || !Printable(mail.from) ||
      !std::all_of(mail.to.begin(), mail.to.end(), Printable)) {
    return Error{ErrorCode::kInvalidArgument, "the mail's sender or recipients are unusable", {}};
  }
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return Internal("libcurl failed to initialise");
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Internal("libcurl could not start a transfer");
  CURL* c = curl.get();
  const std::string host =
      server.host.find(':') != std::string::npos ? "[" + server.host + "]" : server.host;
  const std::string url = "smtp://" + host + ":" + std::to_string(server.port);
  const std::string from = "<" + mail.from + ">";
  curl_slist* rcpt = nullptr;
  for (const auto& to : mail.to) rcpt = curl_slist_append(rcpt, ("<" + to + ">").c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> recipients(rcpt, curl_slist_free_all);
  Upload upload{mail.data};
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
  curl_easy_setopt(c, CURLOPT_USE_SSL, server.start_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!server.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, server.ca_bundle.c_str());
  if (!server.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, server.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, server.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &Read);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(server.timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(server.timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OK) return Ok();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  switch (code) {
    case CURLE_LOGIN_DENIED:
      return Failed(ErrorCode::kPermissionDenied, server, "the login was refused");
    case CURLE_USE_SSL_FAILED:
      return Failed(ErrorCode::kFailedPrecondition, server,
                    "STARTTLS is required (startTls) but the server does not offer it");
    case CURLE_OPERATION_TIMEDOUT:
      return Failed(ErrorCode::kDeadlineExceeded, server, "timed out");
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return Failed(ErrorCode::kUnavailable, server, "cannot connect");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return Failed(ErrorCode::kUnavailable, server, "TLS failed: " + std::string(errbuf));
    default:
      break;
  }
  if (reply >= 500) {
    return Failed(ErrorCode::kFailedPrecondition, server,
                  "refused the mail (reply " + std::to_string(reply) + ")");
  }
  if (reply >= 400) {
    return Failed(ErrorCode::kUnavailable, server,
                  "deferred the mail (reply " + std::to_string(reply) + ")");
  }
  return Failed(ErrorCode::kUnavailable, server, std::string(curl_easy_strerror(code)));
}

}  // namespace ferry::smtp
