// libFuzzer target "websocket": what a client sends after a successful upgrade, read by the real
// server's WebSocket session (Beast's frame parser under Parley's rules: text only (1003), UTF-8
// (1007), max_message_bytes (1009), control frames, fragmentation, the close handshake, the
// bounded send queue). Byte 0 picks the form of the rest:
//   even: raw bytes after the handshake (frame headers, masks and lengths as the fuzzer writes them);
//   odd:  a list of frames, each [flags][length][payload...] (flags: bit 7 FIN, bits 0-3 opcode,
//         bit 4 "no mask"), encoded here with a mask key, so that mutations explore messages and
//         not only the framing.
// Findings: a crash, a sanitizer report, a hook exception, a session that never ends.
#include "fuzz_target.hpp"
#include "loopback.hpp"

#include <boost/asio/steady_timer.hpp>

#include <string>

namespace parley::net::fuzz {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::string_view upgrade =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

router routes() {
  router r;
  websocket_options limits;
  limits.max_message_bytes = 1024;
  limits.max_queued_messages = 4;
  limits.max_queued_bytes = 4096;
  limits.handshake_timeout = 200ms;  // also the close handshake's deadline: an input that waits for it costs this
  limits.liveness_timeout = 5s;
  r.websocket(
      "/ws",
      [](const request&) -> asio::awaitable<websocket_upgrade> {
        websocket_hooks h;
        h.on_open = [](websocket ws) { ws.send("hello"); };
        h.on_message = [](websocket ws, std::string text) -> asio::awaitable<void> {
          // Echo, sometimes twice (to fill the queue), and close on request, as the channel's hooks may.
          if (text == "close") {
            ws.close(close_code::normal, "bye");
            co_return;
          }
          ws.send(text);
          if (text.size() % 3 == 0) ws.send(std::move(text));
          co_return;
        };
        co_return websocket_upgrade::accept(std::move(h));
      },
      limits);
  return r;
}

// Client frames from the structured form (RFC 6455 §5.2), masked unless the flags say otherwise.
std::string frames(std::string_view in) {
  std::string out;
  static constexpr unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::size_t i = 0;
  while (i + 2 <= in.size()) {
    const auto flags = static_cast<unsigned char>(in[i]);
    std::size_t len = static_cast<unsigned char>(in[i + 1]);
    i += 2;
    if (len > 125) len = (len - 125) * 64;  // reach 16-bit lengths too
    len = std::min(len, in.size() - i);
    const bool masked = (flags & 0x10) == 0;
    out += static_cast<char>((flags & 0x80) | (flags & 0x0f));
    if (len <= 125) {
      out += static_cast<char>((masked ? 0x80 : 0) | len);
    } else {
      out += static_cast<char>((masked ? 0x80 : 0) | 126);
      out += static_cast<char>((len >> 8) & 0xff);
      out += static_cast<char>(len & 0xff);
    }
    if (masked) out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t k = 0; k < len; ++k) out += static_cast<char>(in[i + k] ^ (masked ? key[k % 4] : 0));
    i += len;
  }
  return out;
}

}  // namespace
}  // namespace parley::net::fuzz

PARLEY_FUZZ_TARGET(websocket, "frames a client sends after the upgrade, read by the real WebSocket session") {
  using namespace parley::net::fuzz;
  static loopback server(routes(), [] {
    parley::net::server_options o;
    o.shutdown_timeout = 1s;
    return o;
  }());
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string encoded = (data[0] & 1) ? frames(rest) : std::string(rest);
  const auto answer = server.exchange(upgrade, "\r\n\r\n", encoded);
  if (!answer.starts_with("HTTP/1.1 101")) parley::fuzz::violated("the upgrade was refused");
  return 0;
}
