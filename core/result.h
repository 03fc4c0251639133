// core/result.h: the error value every fallible call returns, and Result<T>.
// Result mirrors std::expected (has_value, value, error, *, ->) so that moving to C++23 is one
// alias. Value types, no shared state: safe to pass between threads.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace citywatch::core {

// Each code maps to one sysexits exit status (see exit_code()).
enum class ErrorCode {
  kUsage,        // 64: the command line is wrong
  kBadInput,     // 65: input data is malformed
  kNotFound,     // 66: an input file or a record is missing
  kUnavailable,  // 69: a service or database cannot be used right now
  kInternal,     // 70: a bug
  kIo,           // 74: reading or writing failed
  kConfig,       // 78: the configuration is wrong
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string where;  // file:line, "packet 1843", a URL or a path; may be empty

  // "where: message", the form every CLI error line uses.
  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

int exit_code(ErrorCode code);

// Wraps an Error for construction of a failed Result, like std::unexpected.
struct Failure {
  Error error;
};

inline Failure fail(ErrorCode code, std::string message, std::string where = {}) {
  return Failure{Error{code, std::move(message), std::move(where)}};
}
inline Failure fail(Error error) { return Failure{std::move(error)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Failure failure)                                                // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  const Error& error() const { return std::get<1>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  T& checked() {
    if (state_.index() != 0) {
      std::abort();  // reading a failed Result is a bug, as with std::expected
    }
    return std::get<0>(state_);
  }
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Failure failure) : error_(std::move(failure.error)), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  void value() const {
    if (failed_) {
      std::abort();
    }
  }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

inline Result<void> ok() { return {}; }

}  // namespace citywatch::core

// Propagates a failed Result from the enclosing function, like absl's RETURN_IF_ERROR.
#define CITYWATCH_TRY(expr)                                   \
  do {                                                        \
    if (auto citywatch_try_ = (expr); !citywatch_try_) {      \
      return ::citywatch::core::fail(citywatch_try_.error()); \
    }                                                         \
  } while (false)
