#include "record_format.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

#include <charconv>

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

}  // namespace

#ifdef PARLEY_BENCH_NO_ENCRYPTION
}  // namespace parley::store::detail
namespace parley::store::bench {
void set_encryption(bool on) noexcept { detail::encryption_on.store(on); }
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
