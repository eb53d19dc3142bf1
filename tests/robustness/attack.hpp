// Test helper of the robustness suite: a raw TCP client that behaves as an attacker would (a
// chosen loopback source address, silent, slow, flooding, hand-made HTTP and WebSocket frames).
// Every call takes a timeout, so that no attack can hang a test.
#pragma once

#include "probe.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::robustness {

using namespace std::chrono_literals;
using net::test::raw_response;

class attack_socket {
 public:
  /// Connects to 127.0.0.1:port from `source` (any 127.0.0.0/8 address: a different client).
  explicit attack_socket(std::uint16_t port, std::string_view source = "127.0.0.1");
  ~attack_socket();
  attack_socket(attack_socket&& o) noexcept;
  attack_socket& operator=(attack_socket&&) = delete;
  attack_socket(const attack_socket&) = delete;

  [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }
  /// Sends everything within `timeout`; false when the peer closed or reset, or on timeout.
  bool send(std::string_view bytes, std::chrono::milliseconds timeout = 5s);
  void shutdown_write();
  /// One HTTP response (Content-Length or bodyless); nullopt on timeout, close or garbage.
  std::optional<raw_response> read_response(std::chrono::milliseconds timeout = 5s);
  /// True when the peer closed (EOF or reset) within `timeout`; what arrives is kept.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  /// True when the peer reset the connection (ECONNRESET seen).
  [[nodiscard]] bool was_reset() const noexcept { return reset_; }
  /// Bytes received and not yet consumed.
  [[nodiscard]] const std::string& received() const noexcept { return buffer_; }
  void consume(std::size_t n) { buffer_.erase(0, n); }
  /// Reads more into received(); false on timeout or close.
  bool fill(std::chrono::milliseconds timeout);
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  bool reset_ = false;
};

/// A WebSocket frame as a client sends it (masked unless `mask` is false).
[[nodiscard]] std::string ws_frame(std::uint8_t opcode, std::string_view payload, bool fin = true, bool mask = true,
                                   std::uint8_t rsv = 0);
/// A close frame's payload: the code (big-endian) and the reason.
[[nodiscard]] std::string close_payload(std::uint16_t code, std::string_view reason = {});

struct ws_frame_in {
  std::uint8_t opcode = 0;
  std::string payload;
  /// For a close frame: its code (1005 when it has none).
  [[nodiscard]] std::uint16_t close_code() const;
};
/// The next frame the server sent (server frames are unmasked); nullopt on timeout or close.
[[nodiscard]] std::optional<ws_frame_in> read_ws_frame(attack_socket& s, std::chrono::milliseconds timeout = 5s);
/// Reads frames until a close frame; its code, or 0 when the connection ended without one.
[[nodiscard]] std::uint16_t read_close_code(attack_socket& s, std::chrono::milliseconds timeout = 5s);

/// Sends a WebSocket upgrade request for `target` (path and query) and reads the answer.
[[nodiscard]] std::optional<raw_response> ws_upgrade(attack_socket& s, std::string_view target,
                                                     std::string_view extra_headers = {});

/// The value of the first line of a Prometheus text that starts with `series` (e.g.
/// `parley_http_connections_refused_total{listener="channel",reason="per_client"}`), summed over
/// every matching line; 0 when none.
[[nodiscard]] double metric_value(std::string_view metrics, std::string_view series);

}  // namespace parley::robustness
