#include <parley/net/trace_context.hpp>

#include <algorithm>
#include <cstdint>
#include <random>

namespace parley::net {
namespace {

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// Trace and span ids need to be unique, not secret: a per-thread generator seeded once.
std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  do {
    out.clear();
    while (out.size() < digits) {
      auto v = gen();
      for (int i = 0; i < 16 && out.size() < digits; ++i, v >>= 4) out.push_back(hex[v & 0xf]);
    }
  } while (all_zeros(out));
  return out;
}

}  // namespace

std::string trace_context::traceparent() const {
  return "00-" + trace_id + "-" + span_id + "-" + flags;
}

std::optional<trace_context> parse_traceparent(std::string_view v) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (version != "00" || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) return std::nullopt;
  if (all_zeros(trace) || all_zeros(parent)) return std::nullopt;
  return trace_context{std::string(trace), std::string(parent), std::string(flags)};
}

std::string_view trace_id_of(std::string_view traceparent) {
  return parse_traceparent(traceparent) ? traceparent.substr(3, 32) : std::string_view{};
}

trace_context child_span(const std::optional<trace_context>& parent) {
  trace_context out;
  out.trace_id = parent ? parent->trace_id : random_hex(32);
  out.span_id = random_hex(16);
  out.flags = parent ? parent->flags : "00";
  return out;
}

}  // namespace parley::net
