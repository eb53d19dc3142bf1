// JWT claims (RFC 7519): built by the signing side, and handed back read-only, with typed
// accessors, once a token profile has validated a token. Accessors return nullopt when a claim is
// absent or of another JSON type; nothing here throws on a peer's input.
//
// Thread-safety: a value type; concurrent reads of one object are safe.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

class claims {
 public:
  claims() = default;

  // ---- building (signing side); each setter replaces an existing claim of that name ----
  claims& set(std::string_view name, std::string_view value);
  claims& set(std::string_view name, const char* value) { return set(name, std::string_view(value)); }
  claims& set(std::string_view name, std::int64_t value);
  claims& set(std::string_view name, int value) { return set(name, std::int64_t{value}); }
  claims& set(std::string_view name, const std::vector<std::string>& values);
  claims& set(std::string_view name, const claims& object);
  claims& set_bool(std::string_view name, bool value);
  /// A NumericDate (whole seconds since the epoch), for exp, nbf, iat.
  claims& set_time(std::string_view name, std::chrono::system_clock::time_point t);
  claims& erase(std::string_view name);

  // ---- reading ----
  [[nodiscard]] bool has(std::string_view name) const noexcept;
  [[nodiscard]] std::optional<std::string_view> string(std::string_view name) const noexcept;
  [[nodiscard]] std::optional<std::int64_t> integer(std::string_view name) const noexcept;
  [[nodiscard]] std::optional<bool> boolean(std::string_view name) const noexcept;
  /// An array whose elements are all strings (a single string is not an array).
  [[nodiscard]] std::optional<std::vector<std::string>> strings(std::string_view name) const;
  /// A nested object (e.g. `cnf`).
  [[nodiscard]] std::optional<claims> object(std::string_view name) const;
  /// A NumericDate claim as a time point (integers only).
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> time(std::string_view name) const noexcept;

  [[nodiscard]] std::optional<std::string_view> issuer() const noexcept { return string("iss"); }
  [[nodiscard]] std::optional<std::string_view> subject() const noexcept { return string("sub"); }
  [[nodiscard]] std::optional<std::string_view> id() const noexcept { return string("jti"); }
  /// `aud` as a list: one element for a string, the elements of an array of strings, else empty.
  [[nodiscard]] std::vector<std::string> audiences() const;
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> expires_at() const noexcept { return time("exp"); }
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> not_before() const noexcept { return time("nbf"); }
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> issued_at() const noexcept { return time("iat"); }

  /// Compact JSON of the claims (the JWS payload).
  [[nodiscard]] std::string to_json() const;
  [[nodiscard]] std::size_t size() const noexcept { return obj_.size(); }

  /// Wraps an already-validated JSON object (jose's own use).
  explicit claims(boost::json::object obj) noexcept : obj_(std::move(obj)) {}

 private:
  boost::json::object obj_;
};

}  // namespace parley::jose
