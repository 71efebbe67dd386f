#pragma once
// Small JSON value helpers the report writers share: a fact never learned is null, not "".
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace reachprobe::exporters {

inline nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

template <typename T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace reachprobe::exporters
