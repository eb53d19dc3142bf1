// Test helpers: a raw TCP probe that speaks HTTP/1.1 by hand (so that tests can send malformed,
// slow or oversized input), with poll() timeouts so that no test can hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::net::test {

using namespace std::chrono_literals;

struct raw_response {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const;
};

class probe {
 public:
  /// Connects to 127.0.0.1:port. connected() tells whether it worked. rcvbuf > 0 shrinks the
  /// receive buffer before connecting (to make a slow reader).
  explicit probe(std::uint16_t port, int rcvbuf = 0);
  ~probe();
  probe(const probe&) = delete;
  probe& operator=(const probe&) = delete;

  [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }
  bool send(std::string_view bytes);
  /// Half-closes: the peer sees end-of-stream after what was sent.
  void shutdown_write();
  /// Reads one response (Content-Length or no body); nullopt on timeout, close or garbage.
  std::optional<raw_response> read_response(std::chrono::milliseconds timeout = 5s);
  /// Reads the response head and the whole body until the peer closes.
  std::optional<std::string> read_raw_until_close(std::chrono::milliseconds timeout = 5s);
  /// True when the peer closed (EOF or reset) within `timeout`, discarding what arrives.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  bool fill(std::chrono::milliseconds timeout);  // reads more into buffer_; false on timeout/close
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

/// One GET on a fresh connection.
std::optional<raw_response> get(std::uint16_t port, std::string_view target, std::string_view extra_headers = {});

/// Parses one response at the start of `data`; returns bytes used, or 0 when incomplete/malformed.
std::size_t parse_response(std::string_view data, raw_response& out);

}  // namespace parley::net::test
