// Base64url (RFC 4648 §5) without padding, with a strict decoder: it refuses padding, characters
// outside the alphabet, a length of 1 mod 4, and non-canonical encodings (set trailing bits), so
// that one byte string has exactly one accepted encoding. Also standard base64 for MIME/PEM use.
#pragma once

#include <parley/core/error.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> data);
[[nodiscard]] std::string base64url_encode(std::string_view data);
/// Strict decode; errc::parse_error on anything but canonical unpadded base64url.
[[nodiscard]] result<std::vector<std::uint8_t>> base64url_decode(std::string_view text);
/// Strict decode into a string (for JSON segments).
[[nodiscard]] result<std::string> base64url_decode_string(std::string_view text);

/// Standard alphabet with padding.
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> data);
[[nodiscard]] result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

/// Lower-case hex.
[[nodiscard]] std::string hex_encode(std::span<const std::uint8_t> data);

}  // namespace parley::core
