#include "record_format.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

#include <bit>
#include <charconv>
#include <cstring>

#ifdef PARLEY_BENCH_NO_ENCRYPTION
#include <parley/store/bench_encryption_switch.hpp>

#include <atomic>
#endif

namespace parley::store::detail {
namespace {

constexpr std::string_view record_label = "parley/v1/store-record";

void put_u16_field(std::string& out, std::string_view s) {
  // Every field is bounded far below 64 KiB by the input checks; the length prefix keeps
  // ("ab","c") and ("a","bc") apart.
  out.push_back(static_cast<char>((s.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(s.size() & 0xff));
  out.append(s);
}

template <class U>
void put_uint(std::string& out, U v) {
  for (int shift = static_cast<int>(sizeof(U) * 8) - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

#ifdef PARLEY_BENCH_NO_ENCRYPTION
std::atomic<bool> encryption_on{true};
#endif

// A bounds-checked reader over a decrypted payload.
struct reader {
  std::string_view in;
  std::size_t pos = 0;
  bool take(std::size_t n, std::string_view& out) {
    if (in.size() - pos < n) return false;
    out = in.substr(pos, n);
    pos += n;
    return true;
  }
  template <class U>
  bool uint(U& v) {
    std::string_view b;
    if (!take(sizeof(U), b)) return false;
    v = 0;
    for (char c : b) v = static_cast<U>((v << 8) | static_cast<unsigned char>(c));
    return true;
  }
  bool field16(std::string& out) {
    std::uint16_t n = 0;
    std::string_view b;
    if (!uint(n) || !take(n, b)) return false;
    out.assign(b);
    return true;
  }
};

// Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with
// PURBs", PETS 2019): round up to a multiple of 2^(E - S), E = floor(log2 n), S = floor(log2 E) + 1.
std::size_t padme(std::size_t n) {
  if (n < 2) return n;
  const unsigned e = static_cast<unsigned>(std::bit_width(n)) - 1;
  const unsigned s = static_cast<unsigned>(std::bit_width(e));
  const std::size_t mask = (std::size_t{1} << (e - s)) - 1;
  return (n + mask) & ~mask;
}

}  // namespace

#ifdef PARLEY_BENCH_NO_ENCRYPTION
}  // namespace parley::store::detail
namespace parley::store::bench {
void set_encryption(bool on) noexcept {
  detail::encryption_on.store(on);
}
}  // namespace parley::store::bench
namespace parley::store::detail {
#endif

std::string associated_data(const record_place& p) {
  std::string ad;
  ad.reserve(record_label.size() + 32 + p.tenant_id.size() + p.conversation_id.size() + p.record_id.size() +
             p.extra.size());
  ad.append(record_label);
  ad.push_back('\0');
  ad.push_back(static_cast<char>(p.kind));
  put_u16_field(ad, p.tenant_id);
  put_u16_field(ad, p.conversation_id);
  put_uint<std::uint64_t>(ad, p.seq);
  put_u16_field(ad, p.record_id);
  put_uint<std::uint32_t>(ad, p.key_version);
  put_u16_field(ad, p.extra);
  return ad;
}

std::string activity_extra(nanos timestamp, std::string_view type, std::string_view sender_role) {
  std::string extra;
  put_uint<std::uint64_t>(extra, static_cast<std::uint64_t>(timestamp));
  put_u16_field(extra, type);
  put_u16_field(extra, sender_role);
  return extra;
}

result<bytes> seal_record(crypto::aead_key& key, const record_place& place, std::string_view plaintext) {
#ifdef PARLEY_BENCH_NO_ENCRYPTION
  if (!encryption_on.load(std::memory_order_relaxed)) return bytes(plaintext.begin(), plaintext.end());
#endif
  const auto ad = associated_data(place);
  return key.seal(crypto::as_bytes(plaintext), crypto::as_bytes(ad));
}

result<std::string> open_record(const crypto::aead_key& key, const record_place& place,
                                std::span<const std::uint8_t> sealed) {
#ifdef PARLEY_BENCH_NO_ENCRYPTION
  if (!encryption_on.load(std::memory_order_relaxed)) return std::string(sealed.begin(), sealed.end());
#endif
  const auto ad = associated_data(place);
  auto header = crypto::parse_sealed(sealed);
  if (!header) return errc::corrupt;
  std::string out(header->plaintext_size, '\0');
  auto n = key.open(sealed, crypto::as_bytes(ad),
                    std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out.data()), out.size()));
  if (!n) return errc::corrupt;
  out.resize(*n);
  return out;
}

std::size_t min_padded_size(record_kind kind) noexcept {
  switch (kind) {
    case record_kind::conversation:
      return 128;
    case record_kind::attachment_meta:
      return 256;
    default:
      return 256;
  }
}

std::size_t padded_size(std::size_t n, std::size_t minimum) noexcept {
  return std::max(minimum, padme(n + 4));
}

result<bytes> seal_padded(crypto::aead_key& key, const record_place& place, std::string_view payload) {
  std::string framed(padded_size(payload.size(), min_padded_size(place.kind)), '\0');
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) framed[static_cast<std::size_t>(i)] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  std::memcpy(framed.data() + 4, payload.data(), payload.size());
  auto sealed = seal_record(key, place, framed);
  crypto::secure_wipe(framed);
  return sealed;
}

result<std::string> open_padded(const crypto::aead_key& key, const record_place& place,
                                std::span<const std::uint8_t> sealed) {
  auto framed = open_record(key, place, sealed);
  if (!framed) return framed.error();
  reader r{*framed};
  std::uint32_t n = 0;
  std::string_view payload;
  if (!r.uint(n) || !r.take(n, payload)) return errc::corrupt;
  std::string out(payload);
  crypto::secure_wipe(*framed);
  return out;
}

std::string encode_activity(const activity_header& h, std::string_view body) {
  std::string out;
  out.reserve(8 + 4 + h.type.size() + h.sender_role.size() + body.size());
  put_uint<std::uint64_t>(out, static_cast<std::uint64_t>(h.timestamp));
  put_u16_field(out, h.type);
  put_u16_field(out, h.sender_role);
  out.append(body);
  return out;
}

result<activity_header> decode_activity(std::string_view payload, std::string& body) {
  reader r{payload};
  activity_header h;
  std::uint64_t ts = 0;
  if (!r.uint(ts) || !r.field16(h.type) || !r.field16(h.sender_role)) return errc::corrupt;
  h.timestamp = static_cast<nanos>(ts);
  body.assign(payload.substr(r.pos));
  return h;
}

std::string encode_conversation(const conversation_fields& c) {
  std::string out;
  put_u16_field(out, c.user_id);
  put_u16_field(out, c.bot_id);
  put_uint<std::uint64_t>(out, static_cast<std::uint64_t>(c.created));
  return out;
}

result<conversation_fields> decode_conversation(std::string_view payload) {
  reader r{payload};
  conversation_fields c;
  std::uint64_t created = 0;
  if (!r.field16(c.user_id) || !r.field16(c.bot_id) || !r.uint(created) || r.pos != payload.size()) {
    return errc::corrupt;
  }
  c.created = static_cast<nanos>(created);
  return c;
}

std::string encode_attachment(const attachment_fields& a) {
  std::string out;
  put_u16_field(out, a.content_type);
  put_u16_field(out, a.name);
  put_uint<std::uint64_t>(out, a.size);
  return out;
}

result<attachment_fields> decode_attachment(std::string_view payload) {
  reader r{payload};
  attachment_fields a;
  if (!r.field16(a.content_type) || !r.field16(a.name) || !r.uint(a.size) || r.pos != payload.size()) {
    return errc::corrupt;
  }
  return a;
}

bool valid_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(id.front())) return false;
  for (char c : id) {
    if (!alnum(c) && c != '.' && c != '_' && c != ':' && c != '@' && c != '|' && c != '-') return false;
  }
  return true;
}

bool valid_token(std::string_view s, std::size_t max) noexcept {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

nanos to_nanos(time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

time_point from_nanos(nanos n) noexcept {
  return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::nanoseconds(n)));
}

std::string encode_cursor(nanos last_activity, std::string_view id) {
  return core::base64url_encode(std::to_string(last_activity) + "." + std::string(id));
}

std::optional<std::pair<nanos, std::string>> decode_cursor(std::string_view cursor) {
  if (cursor.size() > 512) return std::nullopt;
  auto text = core::base64url_decode_string(cursor);
  if (!text) return std::nullopt;
  const auto dot = text->find('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  nanos when = 0;
  const char* first = text->data();
  const char* last = text->data() + dot;
  auto [ptr, ec] = std::from_chars(first, last, when);
  if (ec != std::errc{} || ptr != last) return std::nullopt;
  std::string id = text->substr(dot + 1);
  if (!valid_id(id)) return std::nullopt;
  return std::pair{when, std::move(id)};
}

}  // namespace parley::store::detail
