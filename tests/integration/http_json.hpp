// Test helper: one HTTP/1.1 request on a fresh connection to 127.0.0.1 (the raw probe), with the
// answer's JSON body parsed (null when empty or not JSON), and the parts of a loopback URL.
#pragma once

#include "probe.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::test {

struct http_answer {
  int status = 0;
  boost::json::value body;
  [[nodiscard]] std::string str(std::string_view key) const {
    const auto* o = body.if_object();
    const auto* v = o ? o->if_contains(key) : nullptr;
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
};

/// `headers` are complete lines ("Name: value\r\n").
inline http_answer http_call(std::uint16_t port, std::string_view method, const std::string& target,
                             const std::string& headers, const std::string& body = {}) {
  using namespace std::chrono_literals;
  net::test::probe p(port);
  EXPECT_TRUE(p.connected());
  EXPECT_TRUE(p.send(std::string(method) + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                     "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
  http_answer out;
  auto raw = p.read_response(10s);
  if (!raw) return out;
  out.status = raw->status;
  boost::system::error_code ec;
  if (!raw->body.empty()) out.body = boost::json::parse(raw->body, ec);
  if (ec) out.body = nullptr;
  return out;
}

/// "http://127.0.0.1:8402/v3/directline" → port 8402, path "/v3/directline" (port 0 if not such a URL).
struct loopback_url {
  std::uint16_t port = 0;
  std::string path;
  explicit loopback_url(std::string_view url) {
    constexpr std::string_view prefix = "http://127.0.0.1:";
    if (url.substr(0, prefix.size()) != prefix) return;
    url.remove_prefix(prefix.size());
    const auto slash = url.find('/');
    port = static_cast<std::uint16_t>(std::stoi(std::string(url.substr(0, slash))));
    path = slash == std::string_view::npos ? std::string() : std::string(url.substr(slash));
  }
};

}  // namespace parley::test
