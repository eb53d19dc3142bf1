// Server-side WebSocket sessions (RFC 6455), text frames only.
//
// A route registered with router::websocket() runs its handler on the upgrade request *before*
// the handshake: the handler authenticates (the channel checks the `t=` token) and returns either
// a refusal (any response, e.g. 401) or websocket_upgrade::accept(hooks). The session then:
//  - delivers each text message to hooks.on_message, awaited before the next read (back-pressure);
//  - closes with 1009 on a message over max_message_bytes, 1003 on a binary message, 1007 on
//    invalid UTF-8;
//  - pings when nothing was received for half of liveness_timeout and drops the connection when
//    nothing (not even a pong) arrives within liveness_timeout;
//  - calls hooks.on_idle when nothing was sent for keepalive_interval (the channel sends "");
//  - keeps outgoing messages in a bounded queue: a consumer that falls max_queued_bytes or
//    max_queued_messages behind is closed with 1008 "send queue overflow" and its queue is freed;
//  - calls hooks.on_close exactly once, whoever closed and however.
// On server shutdown every session is closed with 1001 (going away).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::net {

struct request;
struct response;

/// Close codes Parley uses (RFC 6455 §7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;       ///< server shutdown
inline constexpr std::uint16_t unsupported_data = 1003;  ///< a binary frame
inline constexpr std::uint16_t abnormal = 1006;          ///< no close frame (connection dropped); never sent
inline constexpr std::uint16_t bad_payload = 1007;       ///< invalid UTF-8
inline constexpr std::uint16_t policy = 1008;            ///< slow consumer (send queue overflow), owner's choice
inline constexpr std::uint16_t too_big = 1009;           ///< message over max_message_bytes
inline constexpr std::uint16_t internal_error = 1011;    ///< a hook threw
}  // namespace close_code

struct websocket_options {
  std::size_t max_message_bytes = 64 * 1024;        ///< incoming; larger closes with 1009
  std::size_t max_queued_bytes = 1024 * 1024;       ///< outgoing bytes not yet written; more closes with 1008
  std::size_t max_queued_messages = 1024;           ///< outgoing messages not yet written
  std::chrono::milliseconds liveness_timeout{60'000};  ///< ping after half, drop after all without input
  std::chrono::milliseconds keepalive_interval{0};  ///< 0: no on_idle calls
  std::chrono::milliseconds handshake_timeout{10'000};  ///< the upgrade response and the close handshake
};

namespace detail {
class websocket_core;
}

/// How a session ended: the close code sent or received (1006 when the connection dropped
/// without one) and the reason (no secrets: it may be logged).
struct websocket_close {
  std::uint16_t code = close_code::abnormal;
  std::string reason;
};

/// A handle on one session: copyable, cheap, and weak: it does not keep the session alive, so it
/// is safe to keep after the session ended (its calls then do nothing). Thread-safety: every
/// member function may be called from any thread; the work is posted to the session's strand.
class websocket {
 public:
  websocket() = default;
  explicit websocket(const std::shared_ptr<detail::websocket_core>& core) : core_(core) {}

  /// Queues a text message. Returns false when the session is closed or closing, or when this
  /// message overflowed the send queue (the session is then closed with 1008).
  bool send(std::string text) const;
  /// Sends a close frame with `code` and `reason` (≤ 123 bytes) after the queued messages;
  /// the connection is dropped if the peer does not answer within handshake_timeout.
  void close(std::uint16_t code, std::string reason = {}) const;
  [[nodiscard]] bool is_open() const noexcept;
  /// Unique within the process, for log lines and maps.
  [[nodiscard]] std::uint64_t id() const noexcept;
  /// Outgoing bytes queued and not yet written (for tests and metrics).
  [[nodiscard]] std::size_t queued_bytes() const noexcept;
  /// False for a default-constructed handle and once the session is gone.
  explicit operator bool() const noexcept { return !core_.expired(); }

 private:
  std::weak_ptr<detail::websocket_core> core_;
};

/// Callbacks of one session. All run on the session's strand, one at a time. None may block;
/// on_message is a coroutine and may await (the next message is read after it completes).
/// An exception escaping a hook closes the session with 1011 and is logged (never its text).
struct websocket_hooks {
  /// The subprotocol to answer with (Sec-WebSocket-Protocol), one the client offered; empty: none.
  std::string subprotocol;
  std::function<void(websocket)> on_open;
  std::function<boost::asio::awaitable<void>(websocket, std::string)> on_message;
  std::function<void(websocket)> on_idle;
  std::function<void(websocket, const websocket_close&)> on_close;
};

/// The answer of a WebSocket route's handler.
class websocket_upgrade {
 public:
  [[nodiscard]] static websocket_upgrade accept(websocket_hooks hooks);
  /// Refuses the upgrade with an ordinary HTTP response (e.g. error_response(errc::unauthorized, ...)).
  [[nodiscard]] static websocket_upgrade reject(response r);

  websocket_upgrade(websocket_upgrade&&) noexcept;
  websocket_upgrade& operator=(websocket_upgrade&&) noexcept;
  ~websocket_upgrade();

  [[nodiscard]] bool accepted() const noexcept { return rejection_ == nullptr; }
  [[nodiscard]] websocket_hooks& hooks() noexcept { return hooks_; }
  /// The refusal; only when !accepted().
  [[nodiscard]] response& rejection() noexcept { return *rejection_; }

 private:
  websocket_upgrade() = default;
  websocket_hooks hooks_;
  std::unique_ptr<response> rejection_;
};

/// A WebSocket route's handler: authenticates the upgrade request and decides.
using websocket_handler = std::function<boost::asio::awaitable<websocket_upgrade>(const request&)>;

namespace detail {
/// Implemented by the session (private); the public handle forwards to it.
class websocket_core {
 public:
  virtual ~websocket_core() = default;
  virtual bool send(std::string text) = 0;
  virtual void close(std::uint16_t code, std::string reason) = 0;
  [[nodiscard]] virtual bool is_open() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t id() const noexcept = 0;
  [[nodiscard]] virtual std::size_t queued_bytes() const noexcept = 0;
};
}  // namespace detail

}  // namespace parley::net
