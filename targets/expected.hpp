#pragma once
#include <string>
#include <utility>
#include <variant>

namespace reachprobe::targets {

// A value or a one-line, user-facing error. std::expected is not available in g++ 12's C++20.
template <typename T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  static Expected failure(std::string message) { return Expected(Error{std::move(message)}); }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }
  const std::string& error() const { return std::get<Error>(state_).message; }

 private:
  struct Error {
    std::string message;
  };
  explicit Expected(Error error) : state_(std::move(error)) {}
  std::variant<T, Error> state_;
};

}  // namespace reachprobe::targets
