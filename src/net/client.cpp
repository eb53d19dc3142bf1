// The outbound client: a keep-alive pool per scheme://host:port, deadline-based timeouts (one
// deadline per request covers DNS, connect, TLS, write and read), verification always on.
#include "tls_context.hpp"
#include "uri.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>

#include <map>
#include <mutex>
#include <variant>

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct target_url {
  bool tls = false;
  std::string host;         // for DNS / IP connect, SNI and verification (no brackets)
  bool host_is_ip = false;
  std::uint16_t port = 0;
  std::string host_header;  // host[:port]
  std::string target;       // origin-form: path?query
  std::string pool_key;
};

result<target_url> parse_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return make_error_code(errc::invalid_url);
  const auto& u = *parsed;
  target_url t;
  if (u.scheme() == "https") {
    t.tls = true;
  } else if (u.scheme() != "http") {
    return make_error_code(errc::invalid_url);
  }
  if (u.has_userinfo() || u.has_fragment() || u.encoded_host().empty()) return make_error_code(errc::invalid_url);
  const auto host_type = u.host_type();
  if (host_type == boost::urls::host_type::ipv4 || host_type == boost::urls::host_type::ipv6) {
    t.host = std::string(u.host_address());
    t.host_is_ip = true;
  } else if (host_type == boost::urls::host_type::name) {
    t.host = std::string(u.encoded_host());
    if (t.host.find('%') != std::string::npos) return make_error_code(errc::invalid_url);
  } else {
    return make_error_code(errc::invalid_url);
  }
  const std::uint16_t default_port = t.tls ? 443 : 80;
  t.port = u.has_port() ? u.port_number() : default_port;
  if (u.has_port() && t.port == 0) return make_error_code(errc::invalid_url);
  const std::string shown_host = host_type == boost::urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.host_header = t.port == default_port ? shown_host : shown_host + ":" + std::to_string(t.port);
  t.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) t.target += "?" + std::string(u.encoded_query());
  t.pool_key = std::string(t.tls ? "https://" : "http://") + t.host_header;
  return t;
}

http::verb to_verb(method m) {
  switch (m) {
    case method::get: return http::verb::get;
    case method::head: return http::verb::head;
    case method::post: return http::verb::post;
    case method::put: return http::verb::put;
    case method::patch: return http::verb::patch;
    case method::delete_: return http::verb::delete_;
    case method::options: return http::verb::options;
    case method::other: break;
  }
  return http::verb::unknown;
}

bool idempotent(method m) { return m != method::post && m != method::patch; }

void cleanse(char* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

// Wipes the full capacity: a shorter value may have left bytes of a longer one behind.
void cleanse(std::string& s) noexcept {
  s.resize(s.capacity());
  cleanse(s.data(), s.size());
  s.clear();
}

// Beast keeps each field's value in the field's own allocation; the views are const only to stop
// accidental edits, and the storage is ours.
template <class Fields>
void cleanse_fields(Fields& fields) noexcept {
  for (auto& f : fields) {
    cleanse(const_cast<char*>(f.value().data()), f.value().size());
  }
}

// The whole allocation of a flat_buffer, including bytes already consumed by a parser.
void cleanse_buffer(beast::flat_buffer& buffer) noexcept {
  buffer.clear();
  if (buffer.capacity() == 0) return;
  const auto all = buffer.prepare(buffer.capacity());
  cleanse(static_cast<char*>(all.data()), all.size());
}

void cleanse_request(client_request& req) noexcept {
  for (const auto& [name, value] : req.headers) cleanse(const_cast<char*>(value.data()), value.size());
  cleanse(req.body);
}

using plain = beast::tcp_stream;
using secure = beast::ssl_stream<beast::tcp_stream>;

struct pooled_connection {
  std::variant<plain, secure> stream;
  beast::flat_buffer buffer;
  clock_type::time_point idle_since{};

  tcp::socket& socket() {
    return std::visit([](auto& s) -> tcp::socket& { return beast::get_lowest_layer(s).socket(); }, stream);
  }
  beast::tcp_stream& transport() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream);
  }
};

// An idle pooled connection is usable when the peer has neither closed it nor sent anything.
bool still_open(pooled_connection& c) {
  char probe;
  const auto n = ::recv(c.socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

errc classify(const boost::system::error_code& ec, bool got_bytes) {
  if (ec == beast::error::timeout) return errc::timeout;
  if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return errc::response_too_large;
  }
  if (!got_bytes && (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
                     ec == asio::error::broken_pipe || ec == http::error::partial_message)) {
    return errc::connection_closed;
  }
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) {
    return errc::connection_closed;
  }
  return errc::bad_response;
}

}  // namespace

struct pooled_http_client::impl {
  asio::io_context& io;
  client_options options;
  std::unique_ptr<asio::ssl::context> tls;
  std::shared_ptr<spdlog::logger> log = core::logger("net");
  mutable std::mutex mutex;
  std::map<std::string, std::vector<std::unique_ptr<pooled_connection>>, std::less<>> idle;

  impl(asio::io_context& ctx, client_options o, std::unique_ptr<asio::ssl::context> t)
      : io(ctx), options(std::move(o)), tls(std::move(t)) {}

  std::unique_ptr<pooled_connection> take_idle(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (clock_type::now() - c->idle_since < options.idle_timeout && still_open(*c)) return c;
    }
    return nullptr;
  }

  void give_back(const std::string& key, std::unique_ptr<pooled_connection> c) {
    c->transport().expires_never();
    c->idle_since = clock_type::now();
    std::lock_guard lock(mutex);
    auto& list = idle[key];
    // Drop the stale ones while here, so that a quiet host does not keep sockets for ever.
    std::erase_if(list, [&](const auto& x) { return clock_type::now() - x->idle_since >= options.idle_timeout; });
    if (list.size() < options.max_idle_per_host) list.push_back(std::move(c));
  }

  asio::awaitable<result<std::unique_ptr<pooled_connection>>> connect(const target_url& t,
                                                                      clock_type::time_point deadline) {
    const auto ex = co_await asio::this_coro::executor;
    const auto connect_deadline = std::min(deadline, clock_type::now() + options.connect_timeout);
    // The resolver has no timeout of its own: a timer cancels it (shared, since the timer's handler
    // may run after this frame moved on).
    auto resolver = std::make_shared<tcp::resolver>(io);
    asio::steady_timer timer(ex, connect_deadline);
    timer.async_wait([resolver](boost::system::error_code ec) {
      if (!ec) resolver->cancel();
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(t.host, std::to_string(t.port), core::use_tuple);
    timer.cancel();
    if (rec) {
      log->debug("client: cannot resolve {}: {}", t.host, rec.message());
      co_return make_error_code(rec == asio::error::operation_aborted ? errc::timeout : errc::resolve_failed);
    }
    // A strand: tcp_stream's timeout handlers and I/O completions must not run concurrently when
    // the io_context has several threads.
    const auto strand = asio::make_strand(io);
    auto c = std::make_unique<pooled_connection>(pooled_connection{
        t.tls ? std::variant<plain, secure>(std::in_place_index<1>, plain(strand), *tls)
              : std::variant<plain, secure>(std::in_place_index<0>, strand),
        {}, {}});
    c->transport().expires_at(connect_deadline);
    auto [cec, ep] = co_await c->transport().async_connect(endpoints, core::use_tuple);
    if (cec) {
      log->debug("client: cannot connect to {}:{}: {}", t.host, t.port, cec.message());
      co_return make_error_code(cec == beast::error::timeout ? errc::timeout : errc::connect_failed);
    }
    boost::system::error_code ignored;
    c->socket().set_option(tcp::no_delay(true), ignored);
    if (t.tls) {
      if (auto failed = co_await handshake(std::get<secure>(c->stream), t, connect_deadline)) co_return *failed;
    }
    co_return c;
  }

  asio::awaitable<std::optional<boost::system::error_code>> handshake(secure& s, const target_url& t,
                                                                     clock_type::time_point deadline) {
    SSL* ssl = s.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (t.host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, t.host.c_str());
      X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), t.host.size());
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    beast::get_lowest_layer(s).expires_at(deadline);
    auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::client, core::use_tuple);
    if (!ec) co_return std::nullopt;
    const long verify = SSL_get_verify_result(ssl);
    log->warn("client: TLS handshake with {}:{} failed: {}{}", t.host, t.port, ec.message(),
              verify == X509_V_OK ? std::string() : std::string(" (") + X509_verify_cert_error_string(verify) + ")");
    co_return make_error_code(ec == beast::error::timeout ? errc::timeout : errc::tls_failed);
  }

  struct outcome {
    result<client_response> response = make_error_code(errc::connection_closed);
    bool keep_alive = false;
    bool got_bytes = false;
  };

  template <class Stream>
  asio::awaitable<outcome> exchange(Stream& stream, beast::flat_buffer& buffer, const client_request& req,
                                    const target_url& t, clock_type::time_point deadline) {
    outcome out;
    http::request<http::string_body> msg{to_verb(req.method), t.target, 11};
    for (const auto& [name, value] : req.headers) {
      // Framing is ours to set, and a CR or LF would let a header value inject another request.
      if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection") ||
          iequals(name, "Host") || name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        log->error("client: dropping request header (name length {}): framing or CR/LF", name.size());
        continue;
      }
      msg.insert(name, value);
    }
    msg.set(http::field::host, t.host_header);
    msg.set(http::field::user_agent, options.user_agent);
    msg.body() = req.body;
    msg.keep_alive(true);
    msg.prepare_payload();
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [wec, wn] = co_await http::async_write(stream, msg, core::use_tuple);
    if (req.sensitive) {
      cleanse_fields(msg);
      cleanse(msg.body());
    }
    if (wec) {
      out.response = make_error_code(classify(wec, false));
      co_return out;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    if (req.method == method::head) parser.skip(true);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, core::use_tuple);
    out.got_bytes = parser.got_some();
    if (req.sensitive) cleanse_buffer(buffer);
    if (rec) {
      if (req.sensitive) cleanse(parser.get().body());
      out.response = make_error_code(classify(rec, out.got_bytes));
      co_return out;
    }
    auto& res = parser.get();
    client_response r;
    r.status = static_cast<int>(res.result_int());
    for (const auto& f : res) r.headers.add(f.name_string(), std::string(f.value()));
    r.body = std::move(res.body());
    out.keep_alive = res.keep_alive() && !parser.need_eof();
    out.response = std::move(r);
    co_return out;
  }

  asio::awaitable<result<client_response>> send(client_request req) {
    struct wipe_on_exit {
      client_request& r;
      ~wipe_on_exit() {
        if (r.sensitive) cleanse_request(r);
      }
    } wipe{req};
    const auto t = parse_url(req.url);
    if (!t) co_return t.error();
    if (req.method == method::other) co_return make_error_code(errc::invalid_url);
    if (t->tls && !tls) co_return make_error_code(errc::tls_failed);
    const auto deadline = clock_type::now() + req.timeout.value_or(options.request_timeout);
    const auto start = clock_type::now();
    for (int attempt = 0;; ++attempt) {
      auto c = take_idle(t->pool_key);
      const bool reused = c != nullptr;
      if (!c) {
        auto made = co_await connect(*t, deadline);
        if (!made) co_return made.error();
        c = std::move(*made);
      }
      outcome o = co_await std::visit(
          [&](auto& s) { return exchange(s, c->buffer, req, *t, deadline); }, c->stream);
      // A pooled connection the server closed meanwhile fails before any answer: retry once on a
      // fresh one when repeating the request is safe.
      if (!o.response && reused && attempt == 0 && !o.got_bytes && idempotent(req.method) &&
          o.response.error() == make_error_code(errc::connection_closed)) {
        continue;
      }
      if (o.response) {
        log->debug("client: {} {}:{} -> {} in {}ms", method_name(req.method), t->host, t->port, o.response->status,
                   std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count());
        if (o.keep_alive) give_back(t->pool_key, std::move(c));
      } else {
        log->debug("client: {} {}:{} failed: {}", method_name(req.method), t->host, t->port,
                   o.response.error().message());
      }
      co_return std::move(o.response);
    }
  }
};

result<std::unique_ptr<pooled_http_client>> pooled_http_client::create(asio::io_context& io, client_options options) {
  std::string why;
  auto ctx = detail::make_client_tls(options, why);
  if (!ctx) {
    core::logger("net")->error("client: {}", why);
    return ctx.error();
  }
  return std::unique_ptr<pooled_http_client>(
      new pooled_http_client(std::make_shared<impl>(io, std::move(options), std::move(*ctx))));
}

pooled_http_client::pooled_http_client(std::shared_ptr<impl> i) : impl_(std::move(i)) {}
pooled_http_client::~pooled_http_client() = default;

asio::awaitable<result<client_response>> pooled_http_client::send(client_request req) {
  // Keep the pool alive for the whole call even if the client object goes away meanwhile.
  auto keep = impl_;
  co_return co_await keep->send(std::move(req));
}

std::size_t pooled_http_client::idle_connections() const {
  std::lock_guard lock(impl_->mutex);
  std::size_t n = 0;
  for (const auto& [key, list] : impl_->idle) n += list.size();
  return n;
}

client_request client_request::json(net::method m, std::string url, const boost::json::value& body) {
  client_request r;
  r.method = m;
  r.url = std::move(url);
  r.headers.set("Content-Type", "application/json");
  r.headers.set("Accept", "application/json");
  r.body = boost::json::serialize(body);
  return r;
}

client_request client_request::form(std::string url, const std::vector<std::pair<std::string, std::string>>& fields) {
  client_request r;
  r.method = method::post;
  r.url = std::move(url);
  r.headers.set("Content-Type", "application/x-www-form-urlencoded");
  r.body = form_encode(fields);
  return r;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += detail::percent_encode(k, true);
    out += '=';
    out += detail::percent_encode(v, true);
  }
  return out;
}

}  // namespace parley::net
