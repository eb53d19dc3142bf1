// One HTTP/1.1 connection: a coroutine on the connection's strand that reads a request with a
// fresh parser, routes it, runs the handler, writes the response (one write in flight, since the
// same coroutine does both), and loops while keep-alive holds. Ported from the fixed Beast ≥ 1.85
// examples (see ../../shared/reference/style-anchors.md §1.9): a new parser per request, a strand
// per connection, no second write while one is in flight.
#include "beast_types.hpp"
#include "http_rules.hpp"
#include "uri.hpp"

#include <parley/core/async.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/value.hpp>

#include <iterator>
#include <optional>
#include <typeinfo>

namespace parley::net {
namespace detail {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using parser_type = http::request_parser<http::string_body>;
using asio::ip::tcp;

// What the connection does after an exchange.
enum class next { keep_alive, close, linger_close, handed_over };

// A request being served: its view, where it was routed, and what the response must carry.
struct exchange {
  clock_type::time_point start;
  request req;
  const router::endpoint* endpoint = nullptr;
  header_map cors_headers;
  bool must_close = false;
  // W3C Trace Context (trace_context.hpp): this request's span, and the traceparent naming it,
  // which the handler sees as the request's traceparent header and the response carries.
  trace_context trace;
  std::string traceparent;
};

tcp::socket& lowest(plain_stream& s) { return s; }
tcp::socket& lowest(tls_stream& s) { return s.next_layer(); }

template <class Stream>
class http_connection final : public connection, public std::enable_shared_from_this<http_connection<Stream>> {
 public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  http_connection(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l, connection_slot slot,
                  tcp::socket socket)
      : server_(std::move(st)),
        listener_(std::move(l)),
        slot_(std::move(slot)),
        timer_(socket.get_executor()),
        tls_(is_tls ? listener_->current_tls() : nullptr),
        stream_(make_stream(std::move(socket))),
        opts_(server_->options),
        buffer_(opts_.max_header_bytes) {
    boost::system::error_code ec;
    const auto remote = lowest(stream_).remote_endpoint(ec);
    if (!ec) {
      const auto a = remote.address();
      peer_bytes_ =
          a.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes() : a.to_v6().to_bytes();
      peer_.address = to_string(peer_bytes_);
      peer_.port = remote.port();
      peer_key_ = client_key(peer_bytes_);
      peer_trusted_ = listener_->trusted(peer_bytes_);
    }
    peer_.id = slot_.id();
    // Nagle would hold the second segment of a response for the client's delayed ACK.
    lowest(stream_).set_option(tcp::no_delay(true), ec);
  }

  static asio::awaitable<void> run(std::shared_ptr<http_connection> self) { co_await self->serve(); }

  void shutdown() override {
    asio::post(timer_.get_executor(), [self = this->shared_from_this()] {
      self->stopping_ = true;
      // Idle keep-alive connections go at once; a request in flight finishes with Connection: close.
      if (self->idle_ && !self->handed_over_) {
        boost::system::error_code ec;
        lowest(self->stream_).cancel(ec);
      }
    });
  }

  void force_close() override {
    asio::post(timer_.get_executor(), [self = this->shared_from_this()] {
      if (self->handed_over_) return;
      boost::system::error_code ec;
      lowest(self->stream_).close(ec);
    });
  }

 private:
  Stream make_stream(tcp::socket&& socket) {
    if constexpr (is_tls) {
      return Stream(std::move(socket), *tls_);
    } else {
      return std::move(socket);
    }
  }

  // ---- deadlines ----
  // One timer per connection, re-armed lazily: a later deadline only moves a number, and the timer
  // re-arms itself when it fires early. Keep-alive traffic thus costs no timer operation per request.
  void set_deadline(std::chrono::milliseconds d) {
    timed_out_ = false;
    deadline_ = clock_type::now() + d;
    if (!timer_armed_ || timer_expiry_ > deadline_) arm_timer();
  }

  void clear_deadline() { deadline_ = clock_type::time_point::max(); }

  void arm_timer() {
    timer_armed_ = true;
    timer_expiry_ = deadline_;
    timer_.expires_at(deadline_);
    timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock()) self->on_timer(ec);
    });
  }

  void on_timer(boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed: a newer wait is pending
    timer_armed_ = false;
    if (deadline_ == clock_type::time_point::max() || handed_over_) return;
    if (clock_type::now() < deadline_) {
      arm_timer();
      return;
    }
    // Cancel rather than close, so that a 408 can still be written.
    timed_out_ = true;
    lowest(stream_).cancel(ec);
  }

  // ---- the connection loop ----

  asio::awaitable<void> serve() {
    slot_.attach(this->weak_from_this());
    if constexpr (is_tls) {
      // A silent connection goes after first_byte_timeout, not after the handshake's.
      set_deadline(opts_.first_byte_timeout);
      auto [wait_ec] = co_await lowest(stream_).async_wait(tcp::socket::wait_read, core::use_tuple);
      clear_deadline();
      if (wait_ec) {
        boost::system::error_code ignored;
        lowest(stream_).close(ignored);
        co_return;
      }
      set_deadline(opts_.header_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, core::use_tuple);
      clear_deadline();
      if (ec) {
        server_->log->debug("{} #{}: TLS handshake failed: {}", listener_->info.name, peer_.id, ec.message());
        // A peer that closes without a word (a TCP health check) is no failed handshake.
        if (ec != asio::error::eof && ec != asio::ssl::error::stream_truncated) {
          listener_->tls_handshake_failures->inc();
        }
        boost::system::error_code ignored;
        lowest(stream_).close(ignored);
        co_return;
      }
    }
    for (;;) {
      if (!co_await wait_for_request()) break;
      const next n = co_await serve_one();
      ++served_;
      if (n == next::keep_alive) continue;
      if (n == next::handed_over) co_return;
      co_await close(n == next::linger_close);
      co_return;
    }
    co_await close(false);
  }

  // Waits for the first bytes of the next request: first_byte_timeout on a new connection (one
  // that never speaks must not hold a slot for long), idle_timeout between requests.
  asio::awaitable<bool> wait_for_request() {
    if (buffer_.size() > 0) co_return true;  // pipelined
    if (stopping_) co_return false;
    idle_ = true;
    set_deadline(served_ == 0 ? opts_.first_byte_timeout : opts_.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(1024), core::use_tuple);
    idle_ = false;
    clear_deadline();
    if (ec) co_return false;  // silent client, peer closed, or shutdown: no response is owed
    buffer_.commit(n);
    co_return true;
  }

  [[nodiscard]] bool header_buffered() const {
    const auto data = buffer_.data();
    const std::string_view s(static_cast<const char*>(data.data()), data.size());
    return s.find("\r\n\r\n") != std::string_view::npos;
  }

  asio::awaitable<next> serve_one() {
    exchange x;
    x.start = clock_type::now();
    parser_type parser;  // fresh for every request (the 1.81 awaitable example reused one)
    parser.header_limit(static_cast<std::uint32_t>(opts_.max_header_bytes));
    parser.body_limit(opts_.max_body_bytes);
    if (!header_buffered()) set_deadline(opts_.header_timeout);
    auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, core::use_tuple);
    clear_deadline();
    if (ec) co_return co_await fail_read(x, ec);
    header_bytes_ = n;
    co_return co_await dispatch(x, parser);
  }

  void fill_view(exchange& x, const parser_type& parser, std::string_view path) {
    const auto& msg = parser.get();
    x.req.method_token = msg.method_string();
    x.req.method = parse_method(x.req.method_token);
    x.req.path = path;
    // Every traceparent the client sent is replaced by this hop's: the parent taken when there was
    // exactly one and it is valid, else a new trace (never a half-trusted one).
    std::optional<trace_context> parent;
    int traceparents = 0;
    for (const auto& f : msg) {
      if (iequals(f.name_string(), "traceparent")) {
        if (++traceparents == 1) parent = parse_traceparent(f.value());
        continue;
      }
      x.req.headers.add(f.name_string(), f.value());
    }
    x.trace = child_span(traceparents == 1 ? parent : std::nullopt);
    x.traceparent = x.trace.traceparent();
    x.req.headers.add("traceparent", x.traceparent);
    x.req.remote_address = peer_.address;
    x.req.remote_port = peer_.port;
    if (peer_trusted_) {
      // From a trusted proxy: the client is the address its forwarded header names.
      const auto client = resolve_client(peer_bytes_, x.req.headers, listener_->trusted_proxies, listener_->forwarded);
      if (forwarded_address_.empty() || client != forwarded_bytes_) {  // keep-alive: usually the same client
        forwarded_bytes_ = client;
        forwarded_address_ = to_string(client);
        forwarded_key_ = client_key(client);
      }
      x.req.client_address = forwarded_address_;
      x.req.client_key = forwarded_key_;
    } else {
      x.req.client_address = peer_.address;
      x.req.client_key = peer_key_;
    }
    x.req.tls = is_tls;
    x.req.secure = is_tls || listener_->behind_tls_proxy;
    x.req.listener = listener_->info.name;
    x.req.connection_id = peer_.id;
    x.req.route = "(unmatched)";
  }

  asio::awaitable<next> dispatch(exchange& x, parser_type& parser) {
    const std::string_view target = origin_form(parser.get().target());
    const auto parts = split_target(target);
    fill_view(x, parser, parts.path);
    // Framing first (RFC 9112 §3.2, §6): a request two servers could read differently is refused.
    if (auto refusal = framing_refusal(x.req.headers, parser.get().version())) {
      x.must_close = true;
      co_return co_await respond(x, parser, error_response(refusal->code, refusal->message));
    }
    if (target == "*" && x.req.method == method::options) co_return co_await respond(x, parser, empty_response(204));
    if (!target.starts_with('/')) co_return co_await respond_error(x, parser, errc::bad_syntax, "malformed request target");
    if (!parse_query(parts.query, x.req.query)) {
      co_return co_await respond_error(x, parser, errc::bad_syntax, "malformed query string");
    }
    auto m = listener_->routes->match(x.req.method, x.req.path);
    using kind = router::match_result::kind;
    if (m.outcome == kind::bad_path) co_return co_await respond_error(x, parser, errc::bad_syntax, "malformed path");
    if (m.outcome == kind::not_found) co_return co_await respond_error(x, parser, errc::not_found, "no such resource");
    x.req.route = m.pattern;
    if (m.outcome == kind::method_not_allowed) {
      if (x.req.method == method::options) co_return co_await respond(x, parser, options_answer(x.req, m));
      auto r = error_response(errc::method_not_allowed, "method not allowed on this resource");
      r.headers.set("Allow", allow_header(m.allowed));
      co_return co_await respond(x, parser, std::move(r));
    }
    const router::endpoint& ep = *m.target;
    x.endpoint = &ep;
    x.req.path_params = std::move(m.params);
    if (ep.options.cors) {
      const auto origin = x.req.headers.get("Origin");
      if (origin) {
        auto d = evaluate_actual(*ep.options.cors, *origin);
        x.cors_headers = std::move(d.headers);
        if (!d.allowed && ep.options.cors->reject_disallowed_origins) {
          co_return co_await respond_error(x, parser, errc::forbidden, "origin not allowed");
        }
      } else {
        x.cors_headers.set("Vary", "Origin");
      }
    }
    if (ep.on_upgrade) co_return co_await upgrade(x, parser, ep);
    if (auto failed = co_await read_body(x, parser, ep)) co_return *failed;
    co_return co_await call_handler(x, parser, ep);
  }

  // Reads the body within the route's limit; returns a value only when the exchange already ended.
  asio::awaitable<std::optional<next>> read_body(exchange& x, parser_type& parser, const router::endpoint& ep) {
    const std::size_t limit = std::min(ep.options.max_body_bytes, opts_.max_body_bytes);
    if (const auto cl = parser.content_length(); cl && *cl > limit) {
      co_return co_await respond_error(x, parser, errc::payload_too_large,
                                       "request body over the limit of " + std::to_string(limit) + " bytes");
    }
    if (parser.is_done()) co_return std::nullopt;
    parser.body_limit(limit);
    const auto& msg = parser.get();
    if (const auto expect = msg[http::field::expect]; iequals(expect, "100-continue") && buffer_.size() == 0) {
      set_deadline(opts_.write_timeout);
      static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(continue_line), core::use_tuple);
      clear_deadline();
      if (ec) co_return next::close;
    }
    const auto cl = parser.content_length();
    if (!cl || buffer_.size() < *cl) set_deadline(opts_.body_timeout);
    const std::size_t fields_before = parser.chunked() ? field_count(msg) : 0;
    auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, core::use_tuple);
    clear_deadline();
    if (ec) co_return co_await fail_read(x, ec);
    // Trailer fields (merged into the fields by the parser) count against the header limit too;
    // the buffer's own cap (max_header_bytes) bounds what a trailer section can hold meanwhile.
    if (parser.chunked() && field_count(msg) != fields_before) {
      std::size_t trailer = 0, i = 0;
      for (const auto& f : msg) {
        if (i++ >= fields_before) trailer += f.name_string().size() + f.value().size() + 4;
      }
      if (header_bytes_ + trailer > opts_.max_header_bytes) {
        server_->protocol_errors_total.inc();
        co_return co_await respond_error(
            x, parser, errc::headers_too_large,
            "request headers and trailers over the limit of " + std::to_string(opts_.max_header_bytes) + " bytes");
      }
    }
    co_return std::nullopt;
  }

  asio::awaitable<next> call_handler(exchange& x, parser_type& parser, const router::endpoint& ep) {
    x.req.body = parser.get().body();
    boost::json::value json;  // lives until the handler completes, like the rest of the view
    if (ep.options.json_body) {
      if (x.req.body.empty()) {
        if (ep.options.require_json_body) co_return co_await respond_error(x, parser, errc::bad_request, "a JSON body is required");
      } else {
        if (!is_json_type(x.req.headers.get("Content-Type").value_or(""))) {
          co_return co_await respond_error(x, parser, errc::unsupported_media_type, "Content-Type must be application/json");
        }
        auto parsed = core::parse_json(x.req.body, {x.req.body.size() + 1, ep.options.max_json_depth});
        if (!parsed) {
          co_return co_await respond_error(x, parser, errc::bad_syntax,
                                           json_refusal(parsed.error(), ep.options.max_json_depth));
        }
        json = std::move(*parsed);
        x.req.json_body = &json;
      }
    }
    response r;
    try {
      r = co_await ep.on_request(x.req);
    } catch (const std::exception& e) {
      // The type, not what(): exception texts may quote request data.
      server_->log->error("{} #{}: handler for {} {} threw {}", listener_->info.name, peer_.id,
                          method_name(x.req.method), x.req.route, typeid(e).name());
      r = error_response(errc::internal_error, "internal error");
    } catch (...) {
      server_->log->error("{} #{}: handler for {} {} threw a non-standard exception", listener_->info.name, peer_.id,
                          method_name(x.req.method), x.req.route);
      r = error_response(errc::internal_error, "internal error");
    }
    co_return co_await respond(x, parser, std::move(r));
  }

  asio::awaitable<next> upgrade(exchange& x, parser_type& parser, const router::endpoint& ep) {
    namespace websocket = beast::websocket;
    if (!websocket::is_upgrade(parser.get())) {
      auto r = error_response(errc::upgrade_required, "this resource is a WebSocket");
      r.headers.set("Upgrade", "websocket");
      co_return co_await respond(x, parser, std::move(r));
    }
    if (!parser.is_done()) co_return co_await respond_error(x, parser, errc::bad_syntax, "an upgrade request has no body");
    if (stopping_) co_return co_await respond_error(x, parser, errc::service_unavailable, "shutting down");
    std::optional<websocket_upgrade> decision;
    try {
      decision.emplace(co_await ep.on_upgrade(x.req));
    } catch (const std::exception& e) {
      server_->log->error("{} #{}: upgrade handler for {} threw {}", listener_->info.name, peer_.id, x.req.route,
                          typeid(e).name());
    } catch (...) {
      server_->log->error("{} #{}: upgrade handler for {} threw", listener_->info.name, peer_.id, x.req.route);
    }
    if (!decision) co_return co_await respond_error(x, parser, errc::internal_error, "internal error");
    if (!decision->accepted()) {
      x.must_close = true;
      co_return co_await respond(x, parser, std::move(decision->rejection()));
    }
    finish_log(x, 101, 0, 0);
    clear_deadline();
    handed_over_ = true;
    start_websocket_session(server_, listener_, std::move(stream_), parser.release(), ep.ws,
                            std::move(decision->hooks()), std::move(slot_), peer_, std::string(x.req.route));
    co_return next::handed_over;
  }

  // ---- responses ----

  asio::awaitable<next> respond_error(exchange& x, parser_type& parser, errc e, std::string_view message) {
    // A client that sends malformed requests gets no second chance on this connection.
    if (e == errc::bad_syntax || e == errc::headers_too_large) x.must_close = true;
    co_return co_await respond(x, parser, error_response(e, message));
  }

  asio::awaitable<next> respond(exchange& x, parser_type& parser, response r) {
    const auto& msg = parser.get();
    // A body we did not read would be parsed as the next request: such exchanges end the connection.
    const bool unread_body = !parser.is_done();
    const bool keep = msg.keep_alive() && !stopping_ && !x.must_close && !unread_body;
    for (auto& [name, value] : x.cors_headers) r.headers.set(name, std::move(value));
    if (!x.traceparent.empty()) r.headers.set("traceparent", x.traceparent);
    const std::size_t body_in = msg.body().size();
    auto out = to_beast(std::move(r), {opts_, msg.version(), keep, x.req.secure, x.req.method == method::head},
                        *server_->log);
    // Closing with request bytes unread (a refused body, a pipelined request after a refusal) would
    // reset the connection and could destroy this answer: those closes linger.
    const bool linger = unread_body || x.must_close || buffer_.size() > 0;
    co_return co_await write(x, out, body_in, keep ? next::keep_alive : linger ? next::linger_close : next::close);
  }

  asio::awaitable<next> write(exchange& x, beast_response& out, std::size_t body_in, next after) {
    const int status = static_cast<int>(out.result_int());
    const std::size_t body_out = out.body().size();
    set_deadline(opts_.write_timeout);
    auto [ec, n] = co_await http::async_write(stream_, out, core::use_tuple);
    clear_deadline();
    finish_log(x, status, body_in, body_out);
    co_return ec ? next::close : after;
  }

  // Request bytes never reached a handler: malformed, too large or too slow.
  asio::awaitable<next> fail_read(exchange& x, const boost::system::error_code& ec) {
    auto refusal = refusal_for(ec, timed_out_, opts_);
    if (!refusal) co_return next::close;  // the peer went away or we are shutting down: nobody to answer
    server_->protocol_errors_total.inc();
    server_->log->info("{} #{}: refusing request: {} ({})", listener_->info.name, peer_.id, http_status(refusal->code),
                       ec.message());
    auto out = to_beast(error_response(refusal->code, refusal->message),
                        {opts_, 11, false, is_tls || listener_->behind_tls_proxy, false}, *server_->log);
    if (x.req.route.empty()) x.req.route = "(unmatched)";
    co_return co_await write(x, out, 0, next::linger_close);
  }

  void finish_log(exchange& x, int status, std::size_t body_in, std::size_t body_out) {
    const double seconds = std::chrono::duration<double>(clock_type::now() - x.start).count();
    listener_->stats_for(x.endpoint).record(status, seconds);
    if (status == 429) {
      // Rate-limited: counted, and summarised per client (a flood must not become a log flood).
      listener_->rate_limited->inc();
      server_->refusals.record(listener_->info.name, x.req.client_key.empty() ? peer_key_ : x.req.client_key);
      return;
    }
    const auto level = status >= 500 ? spdlog::level::warn : status >= 400 ? spdlog::level::info : spdlog::level::debug;
    const core::log_fields ids{.request_id = x.trace.span_id, .trace_id = x.trace.trace_id};
    const core::log_fields_scope scope(ids);
    // Method, route pattern, status, time and sizes only: never the target, query or header values.
    server_->log->log(level, "{} #{} {} {} {} {:.3f}ms in={} out={}", listener_->info.name, peer_.id,
                      method_name(x.req.method), x.req.route, status, seconds * 1000, body_in, body_out);
  }

  asio::awaitable<void> close(bool linger) {
    boost::system::error_code ec;
    if (linger && opts_.linger_timeout.count() > 0) {
      // Lingering close: say we are done (FIN; for TLS without close_notify, the answer had its
      // length), then read and discard what the client is still sending until it stops, goes
      // quiet for a second, or linger_timeout passes. Closing with unread data would reset the
      // connection, and a reset can destroy the answer before the client has read it.
      lowest(stream_).shutdown(tcp::socket::shutdown_send, ec);
      const auto until = clock_type::now() + opts_.linger_timeout;
      std::vector<char> sink(64 * 1024);
      while (!ec) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
        if (left.count() <= 0) break;
        set_deadline(std::min<std::chrono::milliseconds>(left, 1s));
        auto [read_ec, n] = co_await lowest(stream_).async_read_some(asio::buffer(sink), core::use_tuple);
        clear_deadline();
        ec = read_ec;
      }
    } else if constexpr (is_tls) {
      set_deadline(1s);
      auto [shutdown_ec] = co_await stream_.async_shutdown(core::use_tuple);
      clear_deadline();
    } else {
      lowest(stream_).shutdown(tcp::socket::shutdown_send, ec);
    }
    lowest(stream_).close(ec);
  }

  static std::size_t field_count(const beast_request& msg) {
    return static_cast<std::size_t>(std::distance(msg.begin(), msg.end()));
  }

  std::shared_ptr<server::state> server_;
  std::shared_ptr<listener_state> listener_;
  connection_slot slot_;
  asio::steady_timer timer_;
  std::shared_ptr<asio::ssl::context> tls_;  // the listener's context when this connection began
  Stream stream_;
  const server_options& opts_;
  beast::flat_buffer buffer_;  // capped at max_header_bytes: bounds trailers and chunk headers too
  peer_info peer_;
  ip_bytes peer_bytes_{};
  std::string peer_key_;        // client_key of the peer
  bool peer_trusted_ = false;   // a trusted proxy: clients come from its forwarded header
  ip_bytes forwarded_bytes_{};  // the current request's client, behind a trusted proxy
  std::string forwarded_address_, forwarded_key_;
  std::size_t header_bytes_ = 0;  // of the current request
  std::uint64_t served_ = 0;
  clock_type::time_point deadline_ = clock_type::time_point::max();
  clock_type::time_point timer_expiry_{};
  bool timer_armed_ = false;
  bool timed_out_ = false;
  bool idle_ = false;
  bool stopping_ = false;
  bool handed_over_ = false;
};

template <class Stream>
void spawn(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l, tcp::socket socket,
           connection_slot slot) {
  const auto ex = socket.get_executor();
  auto log = st->log;
  auto c = std::make_shared<http_connection<Stream>>(std::move(st), std::move(l), std::move(slot), std::move(socket));
  asio::co_spawn(ex, http_connection<Stream>::run(std::move(c)), core::log_exceptions{std::move(log), "http connection"});
}

}  // namespace
}  // namespace detail

void start_http_connection(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l,
                           asio::ip::tcp::socket socket, connection_slot slot) {
  if (l->info.tls) {
    detail::spawn<detail::tls_stream>(std::move(st), std::move(l), std::move(socket), std::move(slot));
  } else {
    detail::spawn<detail::plain_stream>(std::move(st), std::move(l), std::move(socket), std::move(slot));
  }
}

}  // namespace parley::net
