// Clock-skew correction, as the official AWS SDKs do it (AWS SDK for Java v2 ClockSkewAdjuster,
// JavaScript v3 getUpdatedSystemClockOffset): SigV4 signatures are valid for 5 minutes around
// the server's time, so a host whose clock is off (a VM resumed from suspend, a container without
// NTP) has every request refused. When the service refuses a request for its signing time and
// the response's Date header confirms the local clock is off, the offset (server time − local
// time) is remembered, and the request is re-signed with the corrected time and sent again at
// once. Requests refused this way had no effect, so the repeat is safe for every operation.
//
// Refusals recognised (the codes AWS uses per protocol):
//   * RequestTimeTooSkewed (S3), RequestExpired (query services), RequestInTheFuture: the code
//     alone names the cause;
//   * InvalidSignatureException (Lambda, CloudWatch's JSON protocol), SignatureDoesNotMatch
//     (STS, CloudWatch's query protocol), AuthFailure (EC2): only with a message "Signature
//     expired: ..." or "Signature not yet current: ..." (otherwise the secret key is wrong, and
//     retrying would be pointless).
// In each case the Date header must show a difference of at least kSkewThreshold from the time
// the request was signed with; no Date header (or an unparseable one), no correction.
//
// Thread-safe: the offset is an atomic shared by every call of one client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "aws/http.h"
#include "common/clock.h"

namespace ferry::aws {

// AWS accepts signatures within 5 minutes; four leaves room for the Date header's granularity.
inline constexpr std::chrono::minutes kSkewThreshold{4};

// Whether an error response is a refusal for the signing time (see above), by code and message.
bool IsClockSkewError(std::string_view aws_code, std::string_view message);

// Parses an HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). nullopt for
// anything else.
std::optional<TimePoint> ParseHttpDate(std::string_view text);

class ClockSkew {
 public:
  // The time to sign a request with: local `now` plus the learnt offset.
  TimePoint Corrected(TimePoint now) const;
  std::chrono::milliseconds offset() const;

  // Called with a failed response. `signed_at` is the (corrected) time the request was signed
  // with, `local_now` the local clock now. When the response is a clock-skew refusal whose Date
  // is at least kSkewThreshold from signed_at, stores offset = Date − local_now and returns true:
  // re-sign and resend. Otherwise changes nothing and returns false.
  bool AdjustFrom(std::string_view aws_code, std::string_view message, const HttpResponse& response,
                  TimePoint signed_at, TimePoint local_now);

 private:
  std::atomic<int64_t> offset_ms_{0};
};

}  // namespace ferry::aws
