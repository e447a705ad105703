#include "aws/endpoints.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"

namespace ferry::aws {
namespace {

bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Endpoint prefixes and signing names: lower-case letters, digits and '-', not at the ends.
bool IsValidServiceName(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLowerAlpha(c) || IsDigit(c) || c == '-'; });
}

struct Suffixes {
  std::string_view dns;       // amazonaws.com
  std::string_view dual_dns;  // api.aws
};

Suffixes SuffixesOf(Partition p) {
  switch (p) {
    case Partition::kAwsCn:
      return {"amazonaws.com.cn", "api.amazonwebservices.com.cn"};
    case Partition::kAws:
    case Partition::kAwsUsGov:
      break;
  }
  return {"amazonaws.com", "api.aws"};
}

bool IsIpv4Shaped(std::string_view s) {
  std::vector<std::string> parts = Split(s, '.');
  return parts.size() == 4 && std::all_of(parts.begin(), parts.end(), [](const std::string& p) {
           return !p.empty() && std::all_of(p.begin(), p.end(), IsDigit);
         });
}

Status ValidateBucket(std::string_view b) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("S3 bucket name " + QuoteForMessage(b, 70) +
                           " is invalid: " + std::string(why));
  };
  if (b.size() < 3 || b.size() > 63) return bad("it must be 3 to 63 characters long");
  if (!std::all_of(b.begin(), b.end(),
                   [](char c) { return IsLowerAlpha(c) || IsDigit(c) || c == '.' || c == '-'; })) {
    return bad("only lower-case letters, digits, '.' and '-' are allowed");
  }
  auto alnum = [](char c) { return IsLowerAlpha(c) || IsDigit(c); };
  if (!alnum(b.front()) || !alnum(b.back()))
    return bad("it must start and end with a letter or digit");
  if (b.find("..") != std::string_view::npos || b.find(".-") != std::string_view::npos ||
      b.find("-.") != std::string_view::npos) {
    return bad("dots may not be adjacent to dots or dashes");
  }
  if (IsIpv4Shaped(b)) return bad("it may not look like an IP address");
  if (b.starts_with("xn--") || b.ends_with("-s3alias") || b.ends_with("--ol-s3")) {
    return bad("the prefix or suffix is reserved by AWS");
  }
  return Ok();
}

std::string OverrideBase(std::string_view url) {
  std::string out(url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

Status ValidateRegion(std::string_view region) {
  auto bad = [&] {
    return InvalidArgument("AWS region " + QuoteForMessage(region, 40) +
                           " is not a region name like \"us-east-1\"");
  };
  if (region.size() < 9 || region.size() > 32) return bad();
  std::vector<std::string> parts = Split(region, '-');
  if (parts.size() < 3) return bad();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].empty() || !std::all_of(parts[i].begin(), parts[i].end(), IsLowerAlpha)) {
      return bad();
    }
  }
  if (parts[0].size() != 2) return bad();
  const std::string& number = parts.back();
  if (number.empty() || number.size() > 2 || !std::all_of(number.begin(), number.end(), IsDigit)) {
    return bad();
  }
  if (parts[1].starts_with("iso")) {
    return InvalidArgument("AWS region " + QuoteForMessage(region, 40) +
                           " is in an isolated partition Ferry does not support");
  }
  return Ok();
}

Partition PartitionOf(std::string_view region) {
  if (region.starts_with("cn-")) return Partition::kAwsCn;
  if (region.starts_with("us-gov-")) return Partition::kAwsUsGov;
  return Partition::kAws;
}

std::string_view PartitionName(Partition partition) {
  switch (partition) {
    case Partition::kAwsCn:
      return "aws-cn";
    case Partition::kAwsUsGov:
      return "aws-us-gov";
    case Partition::kAws:
      break;
  }
  return "aws";
}

Status ValidateEndpointOverride(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("endpoint override " + QuoteForMessage(url, 80) +
                           " is invalid: " + std::string(why));
  };
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return bad("it must start with http:// or https://");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return bad("it has no host");
  std::string_view host = rest;
  std::string_view port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    host = rest.substr(1, close - 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return bad("malformed IPv6 address");
    }
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("only scheme, host and port are allowed");
      port = after.substr(1);
    }
  } else {
    auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return bad("empty port");
    }
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
        })) {
      return bad("only scheme, host and port are allowed");
    }
  }
  if (!port.empty() || rest.back() == ':') {
    auto n = ParseInt(port);
    if (!n || *n < 1 || *n > 65535) return bad("the port must be 1-65535");
  }
  return Ok();
}

Result<ResolvedEndpoint> ResolveEndpoint(std::string_view service, std::string_view region,
                                         const EndpointOptions& options) {
  if (!IsValidServiceName(service)) {
    return InvalidArgument("invalid AWS service name " + QuoteForMessage(service, 40));
  }
  FERRY_RETURN_IF_ERROR(ValidateRegion(region));
  ResolvedEndpoint out;
  out.partition = PartitionOf(region);
  out.signing_region = std::string(region);
  out.signing_name = std::string(service);
  if (!options.override_url.empty()) {
    FERRY_RETURN_IF_ERROR(ValidateEndpointOverride(options.override_url));
    out.url = OverrideBase(options.override_url);
    return out;
  }
  if (options.use_fips && out.partition == Partition::kAwsCn) {
    return InvalidArgument("FIPS endpoints are not offered in the aws-cn partition");
  }
  Suffixes suffixes = SuffixesOf(out.partition);
  std::string prefix = std::string(service) + (options.use_fips ? "-fips" : "");
  std::string host;
  if (service == "s3") {
    // S3 keeps its legacy dual-stack form "s3[-fips].dualstack.<region>.amazonaws.com".
    host = prefix + (options.use_dual_stack ? ".dualstack." : ".") + std::string(region) + "." +
           std::string(suffixes.dns);
  } else {
    host = prefix + "." + std::string(region) + "." +
           std::string(options.use_dual_stack ? suffixes.dual_dns : suffixes.dns);
  }
  out.url = "https://" + host;
  return out;
}

Result<ResolvedEndpoint> ResolveS3BucketEndpoint(std::string_view bucket, std::string_view region,
                                                 const EndpointOptions& options) {
  FERRY_RETURN_IF_ERROR(ValidateBucket(bucket));
  FERRY_ASSIGN_OR_RETURN(ResolvedEndpoint out, ResolveEndpoint("s3", region, options));
  bool path_style = options.s3_force_path_style || !options.override_url.empty() ||
                    bucket.find('.') != std::string_view::npos;
  if (path_style) {
    out.url += "/" + std::string(bucket);
  } else {
    out.url = "https://" + std::string(bucket) + "." + out.url.substr(8);
  }
  return out;
}

}  // namespace ferry::aws
