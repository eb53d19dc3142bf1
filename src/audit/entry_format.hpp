// Private: the rules an entry must keep (sink.hpp) and its sealed form, a canonical JSON object
//   {"v":1,"event":...,"actor":...,"role":...,"subject":...,"source":...,"details":{...}}
// (docs/audit.md). Only the log writes it and only the readers (export, verify) read it back.
#pragma once

#include <parley/audit/sink.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace parley::audit::detail {

/// errc::invalid_argument if the entry breaks a rule of sink.hpp: required fields, sizes, event
/// names of [A-Za-z0-9._-], no control characters, valid UTF-8, details a JSON object.
[[nodiscard]] error_code check_entry(const entry& e);

/// The sealed plaintext of a checked entry.
[[nodiscard]] std::string encode_entry(const entry& e);

/// What an opened entry says (tenant_id is not part of it: the chain names the tenant).
struct decoded_entry {
  entry fields;                 ///< tenant_id empty; details as compact JSON ("" when none)
  boost::json::object details;  ///< details parsed (empty object when none)
};

/// Parses a sealed plaintext strictly. errc::tampered for anything encode_entry() cannot write.
[[nodiscard]] result<decoded_entry> decode_entry(std::string_view plaintext);

}  // namespace parley::audit::detail
