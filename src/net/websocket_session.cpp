// One WebSocket session: a read loop coroutine on the connection's strand, and a callback-driven
// write chain over a bounded queue (the Beast chat-multi pattern, with the queue bounded and the
// front kept until its write completes). Callbacks instead of a writer coroutine keep an idle
// session small: no frame is held for a writer that has nothing to write.
#include "beast_types.hpp"
#include "close_code_guard.hpp"

#include <parley/core/async.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <typeinfo>
#include <vector>

namespace parley::net::detail {
namespace {

using namespace std::chrono_literals;
namespace websocket = beast::websocket;
using clock_type = std::chrono::steady_clock;

std::string truncate_reason(std::string reason) {
  // RFC 6455 §5.5: a control frame payload is at most 125 bytes, two of which carry the code.
  if (reason.size() > 123) reason.resize(123);
  return reason;
}

template <class Stream>
class ws_session final : public connection,
                         public websocket_core,
                         public std::enable_shared_from_this<ws_session<Stream>> {
 public:
  ws_session(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l, Stream&& stream,
             const websocket_options& options, websocket_hooks&& hooks, connection_slot&& slot, peer_info peer,
             std::string route)
      : server_(std::move(st)),
        listener_(std::move(l)),
        slot_(std::move(slot)),
        ws_(std::move(stream)),
        timer_(ws_.get_executor()),
        options_(options),
        hooks_(std::move(hooks)),
        peer_(std::move(peer)),
        route_(std::move(route)) {}

  // The upgrade request waits in the session until the handshake.
  void set_upgrade_request(beast_request&& req) { upgrade_request_.emplace(std::move(req)); }

  // Keep this entry point trivial: g++ 12 mis-compiled `if (!co_await self->handshake(...))` here
  // (the frame's copy of `self` was garbage when the coroutine first ran).
  static asio::awaitable<void> run(std::shared_ptr<ws_session> self) { co_await self->serve(); }

  // ---- websocket_core: any thread ----

  bool send(std::string text) override {
    if (!open_.load() || closing_.load()) return false;
    const std::size_t size = text.size();
    // Counted here, before posting, so that a producer faster than the strand cannot queue
    // unbounded handlers either.
    const std::size_t bytes = queued_bytes_.fetch_add(size) + size;
    const std::size_t count = queued_count_.fetch_add(1) + 1;
    if (bytes > options_.max_queued_bytes || count > options_.max_queued_messages) {
      queued_bytes_.fetch_sub(size);
      queued_count_.fetch_sub(1);
      overflow(bytes, count);
      return false;
    }
    asio::post(timer_.get_executor(),
               [self = this->shared_from_this(), t = std::move(text)]() mutable { self->enqueue(std::move(t)); });
    return true;
  }

  void close(std::uint16_t code, std::string reason) override {
    if (closing_.exchange(true)) return;
    asio::post(timer_.get_executor(),
               [self = this->shared_from_this(), code, r = truncate_reason(std::move(reason))]() mutable {
                 self->begin_close(code, std::move(r), true);
               });
  }

  bool is_open() const noexcept override { return open_.load() && !closing_.load(); }
  [[nodiscard]] asio::any_io_executor executor() { return timer_.get_executor(); }
  std::uint64_t id() const noexcept override { return peer_.id; }
  std::size_t queued_bytes() const noexcept override { return queued_bytes_.load(); }

  // ---- connection: server shutdown ----

  void shutdown() override { close(close_code::going_away, "server shutting down"); }

  void force_close() override {
    asio::post(timer_.get_executor(), [self = this->shared_from_this()] {
      boost::system::error_code ec;
      beast::get_lowest_layer(self->ws_).close(ec);
    });
  }

 private:
  asio::awaitable<void> serve() {
    const bool opened = co_await handshake();
    if (opened) co_await read_loop();
  }

  asio::awaitable<bool> handshake() {
    slot_.attach(this->weak_from_this());
    ws_.set_option(websocket::stream_base::timeout{options_.handshake_timeout, options_.liveness_timeout, true});
    ws_.set_option(websocket::stream_base::decorator([protocol = hooks_.subprotocol](websocket::response_type& res) {
      res.set(http::field::server, "parley");
      if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, protocol);
    }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.auto_fragment(false);
    auto [ec] = co_await ws_.async_accept(*upgrade_request_, core::use_tuple);
    upgrade_request_.reset();  // an open session keeps none of its HTTP request
    if (ec) {
      server_->log->debug("{} ws #{}: handshake failed: {}", listener_->info.name, peer_.id, ec.message());
      co_return false;
    }
    open_.store(true);
    server_->websockets.fetch_add(1);
    server_->ws_opened_total.inc();
    last_send_ = clock_type::now();
    server_->log->debug("{} ws #{} opened on {}", listener_->info.name, peer_.id, route_);
    if (server_->stopping.load()) close(close_code::going_away, "server shutting down");
    invoke("on_open", [&] {
      if (hooks_.on_open) hooks_.on_open(handle());
    });
    if (pending_close_) {
      initiate_close();  // asked for (server shutdown) while the handshake was in progress
    } else if (options_.keepalive_interval.count() > 0) {
      arm_keepalive();
    }
    co_return true;
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      std::size_t n = 0;
      std::tie(ec, n) =
          co_await ws_.async_read(buffer, asio::bind_cancellation_slot(read_cancel_.slot(), core::use_tuple));
      if (ec) break;
      if (!ws_.got_text()) {
        buffer.consume(buffer.size());
        close(close_code::unsupported_data, "text frames only");
        continue;  // the read ends with `closed` once the close handshake completes
      }
      std::string message = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      // An idle session should not keep the largest message it ever received.
      if (buffer.capacity() > 4096) buffer.shrink_to_fit();
      server_->ws_messages_in_total.inc();
      if (!hooks_.on_message || closing_.load()) continue;
      try {
        co_await hooks_.on_message(handle(), std::move(message));
      } catch (const std::exception& e) {
        server_->log->error("{} ws #{}: on_message threw {}", listener_->info.name, peer_.id, typeid(e).name());
        close(close_code::internal_error, "internal error");
      } catch (...) {
        server_->log->error("{} ws #{}: on_message threw", listener_->info.name, peer_.id);
        close(close_code::internal_error, "internal error");
      }
    }
    finish(ec);
  }

  // How the session ended, from the read loop's final error.
  void finish(const boost::system::error_code& ec) {
    websocket_close result;
    if (sent_close_) {
      result = *sent_close_;
    } else if (ec == websocket::error::closed) {
      result = {ws_.reason().code, std::string(ws_.reason().reason.c_str())};
    } else if (ec == websocket::error::message_too_big) {
      result = {close_code::too_big, "message too big"};  // Beast has sent the 1009 close frame
    } else if (ec == websocket::error::bad_frame_payload) {
      result = {close_code::bad_payload, "invalid UTF-8"};
    } else if (ec == beast::error::timeout) {
      result = {close_code::abnormal, "liveness timeout"};
    } else {
      result = {close_code::abnormal, "connection lost"};
    }
    open_.store(false);
    closing_.store(true);
    finished_ = true;
    discard_ = true;
    drop_queue();
    timer_.cancel();
    server_->websockets.fetch_sub(1);
    server_->log->debug("{} ws #{} closed: {} {}", listener_->info.name, peer_.id, result.code, result.reason);
    invoke("on_close", [&] {
      if (hooks_.on_close) hooks_.on_close(handle(), result);
    });
    // The hooks often capture the owner's state (and handles to this session): let them go.
    hooks_ = {};
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    // Owners may keep handles after the end; the connection must not count as open because of them.
    slot_ = connection_slot{};
  }

  // ---- writing (strand) ----

  void enqueue(std::string text) {
    // Not closing_: messages accepted before close() was called must still go out before the
    // close frame (both were posted in order); only a discarding close or the end drops them.
    if (discard_ || sent_close_ || !open_.load()) {
      queued_bytes_.fetch_sub(text.size());
      queued_count_.fetch_sub(1);
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) write_next();
  }

  void write_next() {
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      writing_ = false;
      if (pending_close_ && !sent_close_) start_close();
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        asio::buffer(queue_[head_]),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(const boost::system::error_code& ec) {
    // The front stays queued until its write completed: the fixed Beast write loop.
    std::string done = std::move(queue_[head_++]);
    queued_bytes_.fetch_sub(done.size());
    queued_count_.fetch_sub(1);
    last_send_ = clock_type::now();
    if (ec) {
      writing_ = false;
      drop_queue();
      return;  // the read loop sees the failure too and finishes the session
    }
    server_->ws_messages_out_total.inc();
    write_next();
  }

  void drop_queue() {
    // The message being written (if any) stays: its buffer is in use until on_write.
    const std::size_t keep = writing_ ? head_ + 1 : head_;
    for (std::size_t i = keep; i < queue_.size(); ++i) {
      queued_bytes_.fetch_sub(queue_[i].size());
      queued_count_.fetch_sub(1);
    }
    queue_.resize(keep);
    queue_.shrink_to_fit();
  }

  // ---- closing ----

  // Any thread (from send()).
  void overflow(std::size_t bytes, std::size_t count) {
    if (closing_.exchange(true)) return;
    server_->ws_slow_consumer_total.inc();
    server_->log->info("{} ws #{}: send queue overflow ({} bytes in {} messages); closing slow consumer",
                       listener_->info.name, peer_.id, bytes, count);
    asio::post(timer_.get_executor(), [self = this->shared_from_this()] {
      self->drop_queue();
      self->begin_close(close_code::policy, "send queue overflow", false);
    });
  }

  // Strand.
  void begin_close(std::uint16_t code, std::string reason, bool flush) {
    if (finished_ || pending_close_) return;
    pending_close_ = websocket_close{code, std::move(reason)};
    if (!flush) {
      discard_ = true;
      drop_queue();
    }
    if (open_.load()) initiate_close();  // else the handshake initiates it once open
  }

  void initiate_close() {
    // A peer that reads nothing never lets the close frame out (or answers it): cut it off.
    // Beast 1.81 can also deadlock here: when the peer sends a bad frame while our close frame is
    // being written, the read (holding the read lock, waiting for the write lock to send 1002) and
    // the close (holding the write lock, waiting for the read lock) wait for each other with no I/O
    // pending, so closing the socket wakes neither. Both were started with a cancellation slot:
    // cancelling them ends the read loop, and the session, at the deadline.
    timer_.expires_after(options_.handshake_timeout);
    timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->open_.load()) return;
      boost::system::error_code ignored;
      beast::get_lowest_layer(self->ws_).close(ignored);
      self->close_cancel_.emit(asio::cancellation_type::terminal);
      self->read_cancel_.emit(asio::cancellation_type::terminal);
    });
    if (!writing_) start_close();
  }

  void start_close() {
    sent_close_ = pending_close_;
    websocket::close_reason cr(pending_close_->code);
    cr.reason = pending_close_->reason;
    ws_.async_close(cr, asio::bind_cancellation_slot(close_cancel_.slot(),
                                                     [self = this->shared_from_this()](boost::system::error_code ec) {
                                                       if (ec) {
                                                         boost::system::error_code ignored;
                                                         beast::get_lowest_layer(self->ws_).close(ignored);
                                                       }
                                                     }));
  }

  // ---- keep-alive hook (strand) ----

  void arm_keepalive() {
    timer_.expires_at(last_send_ + options_.keepalive_interval);
    timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->on_keepalive();
    });
  }

  void on_keepalive() {
    if (closing_.load() || !open_.load()) return;
    if (clock_type::now() - last_send_ >= options_.keepalive_interval && !writing_) {
      last_send_ = clock_type::now();  // even if the hook sends nothing, wait a full interval again
      invoke("on_idle", [&] {
        if (hooks_.on_idle) hooks_.on_idle(handle());
      });
    }
    arm_keepalive();
  }

  template <class Fn>
  void invoke(const char* what, Fn&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      server_->log->error("{} ws #{}: {} threw {}", listener_->info.name, peer_.id, what, typeid(e).name());
      close(close_code::internal_error, "internal error");
    } catch (...) {
      server_->log->error("{} ws #{}: {} threw", listener_->info.name, peer_.id, what);
      close(close_code::internal_error, "internal error");
    }
  }

  [[nodiscard]] net::websocket handle() { return net::websocket(this->shared_from_this()); }

  std::shared_ptr<server::state> server_;
  std::shared_ptr<listener_state> listener_;
  connection_slot slot_;
  websocket::stream<close_code_guard<Stream>> ws_;  // the guard turns close codes >= 5000 into 1002
  asio::steady_timer timer_;                        // keep-alive hook, then the close deadline
  asio::cancellation_signal read_cancel_;           // strand: the read loop's async_read (see initiate_close)
  asio::cancellation_signal close_cancel_;          // strand: async_close
  const websocket_options options_;
  websocket_hooks hooks_;
  peer_info peer_;
  std::string route_;
  std::optional<beast_request> upgrade_request_;

  std::vector<std::string> queue_;  // [head_, end) waits; queue_[head_] is being written while writing_
  std::size_t head_ = 0;
  bool writing_ = false;
  bool discard_ = false;   // strand: drop queued and arriving messages (overflow, end)
  bool finished_ = false;  // strand: the read loop ended and on_close ran
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<std::size_t> queued_count_{0};
  std::atomic<bool> open_{false};
  std::atomic<bool> closing_{false};
  std::optional<websocket_close> pending_close_;
  std::optional<websocket_close> sent_close_;
  clock_type::time_point last_send_{};
};

template <class Stream>
void spawn(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l, Stream&& stream, beast_request&& req,
           const websocket_options& options, websocket_hooks&& hooks, connection_slot&& slot, peer_info peer,
           std::string route) {
  auto log = st->log;
  auto s = std::make_shared<ws_session<Stream>>(std::move(st), std::move(l), std::move(stream), options,
                                                std::move(hooks), std::move(slot), std::move(peer), std::move(route));
  const auto ex = s->executor();
  s->set_upgrade_request(std::move(req));
  asio::co_spawn(ex, ws_session<Stream>::run(std::move(s)), core::log_exceptions{std::move(log), "websocket session"});
}

}  // namespace

void start_websocket_session(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l,
                             plain_stream&& stream, beast_request&& req, const websocket_options& options,
                             websocket_hooks&& hooks, connection_slot&& slot, peer_info peer, std::string route) {
  spawn(std::move(st), std::move(l), std::move(stream), std::move(req), options, std::move(hooks), std::move(slot),
        std::move(peer), std::move(route));
}

void start_websocket_session(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l, tls_stream&& stream,
                             beast_request&& req, const websocket_options& options, websocket_hooks&& hooks,
                             connection_slot&& slot, peer_info peer, std::string route) {
  spawn(std::move(st), std::move(l), std::move(stream), std::move(req), options, std::move(hooks), std::move(slot),
        std::move(peer), std::move(route));
}

}  // namespace parley::net::detail
