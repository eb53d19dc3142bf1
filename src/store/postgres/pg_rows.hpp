// Private: the helpers the PostgreSQL session's files share: parameter encodings, array
// literals; pg_session::guarded comes from pg_guarded.hpp.
#pragma once

#include "pg_guarded.hpp"
#include "pg_session.hpp"

#include <string>
#include <string_view>
#include <typeinfo>

namespace parley::store::postgres::detail {

inline constexpr std::size_t chunk_rows = 500;  // rows per multi-row statement (7 params each: far below 65535)

template <class R>
inline R failure(error_code e) {
  return R(boost::system::in_place_error, e);
}

inline std::string str(std::string_view s) {
  return std::string(s);
}

inline pqxx::binarystring blob(std::span<const std::uint8_t> b) {
  static const std::uint8_t empty = 0;
  return b.empty() ? pqxx::binarystring(&empty, 0) : pqxx::binarystring(b.data(), b.size());
}

inline bytes to_bytes(const pqxx::field& f) {
  pqxx::binarystring b(f);
  return bytes(b.data(), b.data() + b.size());
}

// Binary-format parameters for multi-row statements, whose SQL casts each one ($n::bigint,
// $n::text, $n::bytea) so that the server knows how to read it.
inline pqxx::binarystring bin_int8(std::int64_t v) {
  std::uint8_t buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (56 - 8 * i));
  return pqxx::binarystring(buf, sizeof buf);
}
inline pqxx::binarystring bin_text(std::string_view s) {
  return blob({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

// A text[] literal. Ids are validated printable ASCII; quotes and backslashes are escaped anyway.
template <class Range, class Get>
inline std::string text_array(const Range& items, Get get) {
  std::string out = "{";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    for (char c : std::string_view(get(item))) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

template <class Range, class Get>
inline std::string int_array(const Range& items, Get get) {
  std::string out = "{";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.push_back(',');
    first = false;
    out += std::to_string(get(item));
  }
  out.push_back('}');
  return out;
}

// "($1::bigint,$2::text),($3::bigint,$4::text)" for `rows` rows of `casts`.
inline std::string values_list(std::size_t rows, std::initializer_list<const char*> casts) {
  std::string out;
  int n = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    out += r ? ",(" : "(";
    bool first = true;
    for (const char* cast : casts) {
      if (!first) out.push_back(',');
      first = false;
      out += "$" + std::to_string(n++) + "::" + cast;
    }
    out.push_back(')');
  }
  return out;
}

}  // namespace parley::store::postgres::detail
