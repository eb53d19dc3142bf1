// A strict multipart/form-data parser (RFC 7578 / RFC 2046 §5.1) for Direct Line uploads, and the
// Content-Disposition / Content-Type pieces it needs. Works on the whole body in memory (the route
// bounds its size); refuses anything ambiguous: a missing or over-long boundary, a part without
// Content-Disposition: form-data, over-long part headers, too many parts, no closing delimiter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::channel {

struct form_part {
  std::string name;          ///< Content-Disposition name
  std::string filename;      ///< Content-Disposition filename (may be empty)
  std::string content_type;  ///< lower-case media type without parameters ("" if absent)
  std::string_view body;     ///< points into the parsed body
};

/// The boundary parameter of a multipart/form-data Content-Type, or nullopt.
[[nodiscard]] std::optional<std::string> multipart_boundary(std::string_view content_type);

/// Splits `body` into parts. nullopt when malformed or when it has more than `max_parts` parts.
[[nodiscard]] std::optional<std::vector<form_part>> parse_multipart(std::string_view body, std::string_view boundary,
                                                                   std::size_t max_parts);

/// Lower-case media type of a Content-Type value, parameters dropped ("Image/PNG; x=y" → "image/png").
[[nodiscard]] std::string media_type(std::string_view content_type);

/// The value of parameter `name` in a header value like `form-data; name="file"; filename="a.png"`.
[[nodiscard]] std::optional<std::string> header_parameter(std::string_view value, std::string_view name);

}  // namespace parley::channel
