// Result<T>: a value or an Error, shaped like std::expected (which g++ 12 lacks in C++20).
//
//   Result<Function> GetFunction(const FunctionRef& fn);
//   FERRY_ASSIGN_OR_RETURN(auto fn, GetFunction(ref));
//   FERRY_RETURN_IF_ERROR(store.Put(entity));
//
// Accessing value() of an error Result (or error() of a value) is a programming error and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/error.h"

namespace ferry {

namespace internal {
[[noreturn]] inline void ResultAccessFailure(const char* what) {
  std::fprintf(stderr, "ferry: fatal: %s\n", what);
  std::abort();
}
}  // namespace internal

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit
  template <typename U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Error> && !std::is_same_v<std::decay_t<U>, Result>)
  Result(U&& value) : data_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    if (!ok()) internal::ResultAccessFailure("value() of an error Result");
    return std::get<0>(data_);
  }
  const T& value() const& {
    if (!ok()) internal::ResultAccessFailure("value() of an error Result");
    return std::get<0>(data_);
  }
  T&& value() && {
    if (!ok()) internal::ResultAccessFailure("value() of an error Result");
    return std::get<0>(std::move(data_));
  }
  const Error& error() const {
    if (ok()) internal::ResultAccessFailure("error() of an ok Result");
    return std::get<1>(data_);
  }
  T value_or(T fallback) const& { return ok() ? std::get<0>(data_) : std::move(fallback); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    if (ok_) internal::ResultAccessFailure("error() of an ok Result");
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;
inline Status Ok() { return Status(); }

}  // namespace ferry

#define FERRY_CONCAT_INNER(a, b) a##b
#define FERRY_CONCAT(a, b) FERRY_CONCAT_INNER(a, b)

#define FERRY_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    auto&& ferry_status_ = (expr);                  \
    if (!ferry_status_.ok()) return ferry_status_.error(); \
  } while (false)

#define FERRY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.error();                \
  lhs = std::move(tmp).value()

#define FERRY_ASSIGN_OR_RETURN(lhs, expr) \
  FERRY_ASSIGN_OR_RETURN_IMPL(FERRY_CONCAT(ferry_result_, __LINE__), lhs, expr)
