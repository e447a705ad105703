#include "common/ids.h"

#include <chrono>

#include "common/crypto.h"

namespace ferry {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Encodes the low `chars * 5` bits of value, most significant first.
void AppendBase32(uint64_t value, int chars, std::string& out) {
  for (int i = chars - 1; i >= 0; --i) {
    out.push_back(kCrockford[(value >> (i * 5)) & 31]);
  }
}

uint64_t SecureSeed() {
  std::string bytes = SecureRandomBytes(8);
  uint64_t seed = 0;
  for (unsigned char c : bytes) seed = (seed << 8) | c;
  return seed;
}

}  // namespace

RandomIdGenerator::RandomIdGenerator(const Clock& clock) : clock_(clock), rng_(SecureSeed()) {}

std::string RandomIdGenerator::NewId() {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch())
          .count();
  uint64_t hi, lo;
  {
    std::lock_guard lock(mu_);
    hi = rng_();
    lo = rng_();
  }
  std::string id;
  id.reserve(26);
  AppendBase32(static_cast<uint64_t>(ms), 10, id);  // 48-bit timestamp in 10 chars (50 bits).
  AppendBase32(hi, 8, id);                          // 40 random bits
  AppendBase32(lo, 8, id);                          // 40 random bits
  return id;
}

double RandomIdGenerator::NextUnit() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::string RandomIdGenerator::RandomBytes(size_t n) { return SecureRandomBytes(n); }

SequentialIdGenerator::SequentialIdGenerator(uint64_t seed) : rng_(seed) {}

std::string SequentialIdGenerator::NewId() {
  std::lock_guard lock(mu_);
  std::string id;
  id.reserve(26);
  AppendBase32(0, 10, id);
  AppendBase32(0, 4, id);
  AppendBase32(next_++, 12, id);
  return id;
}

double SequentialIdGenerator::NextUnit() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::string SequentialIdGenerator::RandomBytes(size_t n) {
  std::lock_guard lock(mu_);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng_() & 0xff);
  return out;
}

}  // namespace ferry
