// IdGenerator: the only source of identifiers and randomness, injected so tests are repeatable.
//
// Ids are 26-character, lexicographically time-ordered strings (ULID layout, Crockford base32),
// so sorting ids sorts by creation time. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "common/clock.h"

namespace ferry {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId() = 0;
  // Uniform in [0, 1): for jitter and traffic splitting.
  virtual double NextUnit() = 0;
  // n bytes of cryptographically secure randomness (tokens, keys); tests may get fixed bytes.
  virtual std::string RandomBytes(size_t n) = 0;
};

// Time-ordered ids from the clock plus OS randomness.
class RandomIdGenerator final : public IdGenerator {
 public:
  explicit RandomIdGenerator(const Clock& clock);
  std::string NewId() override;
  double NextUnit() override;
  std::string RandomBytes(size_t n) override;

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // Guarded by mu_; seeded from the OS.
};

// Deterministic: "00000000000000000000000001", "…02", …; NextUnit from a seeded generator.
class SequentialIdGenerator final : public IdGenerator {
 public:
  explicit SequentialIdGenerator(uint64_t seed = 42);
  std::string NewId() override;
  double NextUnit() override;
  std::string RandomBytes(size_t n) override;

 private:
  std::mutex mu_;
  uint64_t next_ = 1;    // Guarded by mu_.
  std::mt19937_64 rng_;  // Guarded by mu_.
};

}  // namespace ferry
