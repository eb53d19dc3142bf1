#include "user.hpp"

#include "schedule.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace loadgen {

namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using parley::core::use_tuple;

namespace {

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->as_string());
  return {};
}

std::string http_error(const http_result& r) {
  return r.ec ? r.ec.message() : "http " + std::to_string(r.status);
}

bool parse_object(const std::string& body, json::object& out) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  out = std::move(v.as_object());
  return true;
}

}  // namespace

user::user(worker& w, int index) : w_(w), index_(index), wake_(w.io()), keepalive_(w.io()) {}

asio::awaitable<void> user::sleep(clock::duration d) {
  asio::steady_timer t(w_.io(), d);
  co_await t.async_wait(use_tuple);
}

header_list user::auth_headers() const {
  if (w_.cfg().target == target_kind::peer) return {};  // the peer has no authentication
  return {{"Authorization", "Bearer " + token_}};
}

asio::awaitable<void> user::run(std::shared_ptr<user> /*keeps the user alive*/) {
  const auto& cfg = w_.cfg();
  if (cfg.users > 1) co_await sleep(ramp_delay(cfg.ramp, index_, cfg.users));
  const bool ok = co_await connect();
  if (ok) ++w_.shared().connected;
  ++w_.shared().settled;
  co_await w_.go().wait();
  if (ok && cfg.scenario == scenario_kind::chat) co_await chat();
  ++w_.shared().finished;
  co_await w_.stop().wait();
  if (ok) co_await close_stream();
}

// (One co_await per statement, outside conditions: g++ 12 miscompiles co_await inside `if` and
// short-circuit expressions.)
asio::awaitable<bool> user::connect() {
  const bool shaken = co_await handshake();
  if (!shaken) co_return false;
  const bool started = co_await start();
  if (!started) co_return false;
  if (w_.cfg().mode != transport::stream) co_return true;
  const bool opened = co_await open_stream();
  co_return opened;
}

asio::awaitable<bool> user::handshake() {
  if (w_.cfg().target == target_kind::peer) {
    user_id_ = "dl_bench_" + std::to_string(index_);  // no tokens: the client names itself
    co_return true;
  }
  const auto t0 = clock::now();
  // (Locals, not braced temporaries, in co_await expressions: g++ 12 rejects the latter.)
  const header_list headers{{"Origin", w_.cfg().origin}};
  auto r = co_await w_.bot().request(http::verb::post, w_.ep().token_path, std::string("{}"), headers);
  json::object o;
  if (r.ec || r.status != 200 || !parse_object(r.body, o)) {
    w_.rec().error(step::handshake, r.ec || r.status != 200 ? http_error(r) : "bad json");
    co_return false;
  }
  w_.rec().sample(step::handshake, clock::now() - t0);
  token_ = string_at(o, "token");
  conversation_id_ = string_at(o, "conversationId");
  user_id_ = string_at(o, "userId");
  if (token_.empty() || user_id_.empty()) {
    w_.rec().error(step::handshake, "token or userId missing");
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> user::start() {
  const auto t0 = clock::now();
  const auto headers = auth_headers();
  auto r = co_await w_.channel().request(http::verb::post, w_.ep().directline_path + "/conversations",
                                         std::string("{}"), headers);
  json::object o;
  if (r.ec || (r.status != 200 && r.status != 201) || !parse_object(r.body, o)) {
    w_.rec().error(step::start, r.ec || (r.status != 200 && r.status != 201) ? http_error(r) : "bad json");
    co_return false;
  }
  w_.rec().sample(step::start, clock::now() - t0);
  conversation_id_ = string_at(o, "conversationId");
  if (auto t = string_at(o, "token"); !t.empty()) token_ = std::move(t);
  stream_url_ = string_at(o, "streamUrl");
  if (conversation_id_.empty()) {
    w_.rec().error(step::start, "conversationId missing");
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> user::open_stream() {
  tcp::endpoint ep;
  std::string host, target;
  if (!parse_url(stream_url_, ep, host, target)) {
    w_.rec().error(step::stream, stream_url_.empty() ? "no streamUrl" : "streamUrl not ws://address:port");
    co_return false;
  }
  const auto t0 = clock::now();
  ws_.emplace(w_.io());
  auto& tcp_layer = beast::get_lowest_layer(*ws_);
  tcp_layer.expires_after(w_.cfg().timeout);
  const auto cec = co_await connect_from(tcp_layer.socket(), ep, w_.sources().next());
  if (cec) {
    w_.rec().error(step::stream, cec.message());
    co_return false;
  }
  const std::string origin = w_.cfg().origin;
  ws_->set_option(websocket::stream_base::decorator(
      [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
  ws_->read_message_max(1024 * 1024);
  auto [ec] = co_await ws_->async_handshake(host, target, use_tuple);
  if (ec) {
    w_.rec().error(step::stream, ec.message());
    co_return false;
  }
  w_.rec().sample(step::stream, clock::now() - t0);
  // From here the WebSocket's own timeouts apply (a client's suggested ones: no idle timeout).
  tcp_layer.expires_never();
  ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  auto log = parley::core::logger("loadgen");
  asio::co_spawn(w_.io(), read_stream(shared_from_this()), parley::core::log_exceptions{log, "stream reader"});
  asio::co_spawn(w_.io(), keep_alive(shared_from_this()), parley::core::log_exceptions{log, "keep-alive"});
  co_return true;
}

asio::awaitable<void> user::read_stream(std::shared_ptr<user> /*keeps the user alive*/) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws_->async_read(buffer, use_tuple);
    if (ec) {
      if (!closing_) w_.rec().error(step::stream, "closed while open: " + ec.message());
      break;
    }
    if (buffer.size() > 0) {  // an empty frame is the server's keep-alive
      const auto data = buffer.cdata();
      if (!take_activity_set({static_cast<const char*>(data.data()), data.size()}))
        w_.rec().error(step::stream, "frame is not an ActivitySet");
      wake_.cancel();
    }
    buffer.consume(buffer.size());
  }
  stream_closed_ = true;
  wake_.cancel();
}

asio::awaitable<void> user::keep_alive(std::shared_ptr<user> /*keeps the user alive*/) {
  while (!closing_ && !stream_closed_) {
    keepalive_.expires_after(w_.cfg().keepalive);
    co_await keepalive_.async_wait(use_tuple);
    if (closing_ || stream_closed_) break;
    writing_ = true;  // directlinejs sends ws.send("") every `timeout` ms
    auto [ec, n] = co_await ws_->async_write(asio::const_buffer(nullptr, 0), use_tuple);
    writing_ = false;
    if (ec) break;
  }
}

asio::awaitable<void> user::close_stream() {
  closing_ = true;
  keepalive_.cancel();
  if (!ws_ || stream_closed_) co_return;
  if (writing_) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    co_return;
  }
  co_await ws_->async_close(websocket::close_code::normal, use_tuple);
}

bool user::take_activity_set(std::string_view text) {
  return loadgen::take_activity_set(text, user_id_, clock::now(), inbox_, watermark_);
}

asio::awaitable<std::optional<reply>> user::await_on_stream(const std::string& activity_id, const std::string& text,
                                                            clock::time_point deadline) {
  for (;;) {
    if (auto r = find_reply(inbox_, activity_id, text)) co_return r;
    if (stream_closed_ || clock::now() >= deadline) co_return std::nullopt;
    wake_.expires_at(deadline);
    co_await wake_.async_wait(use_tuple);
  }
}

asio::awaitable<std::optional<reply>> user::await_by_polling(const std::string& activity_id, const std::string& text,
                                                             clock::time_point deadline) {
  const std::string base = w_.ep().directline_path + "/conversations/" + conversation_id_ + "/activities?watermark=";
  for (;;) {
    const auto t0 = clock::now();
    const auto headers = auth_headers();
    auto r = co_await w_.channel().request(http::verb::get, base + watermark_, std::string(), headers);
    if (r.ec || r.status != 200) {
      w_.rec().error(step::poll, http_error(r));
    } else {
      w_.rec().sample(step::poll, clock::now() - t0);
      if (!take_activity_set(r.body)) w_.rec().error(step::poll, "not an ActivitySet");
      if (auto found = find_reply(inbox_, activity_id, text)) co_return found;
    }
    if (clock::now() + w_.cfg().poll_interval >= deadline) co_return std::nullopt;
    co_await sleep(w_.cfg().poll_interval);
  }
}

asio::awaitable<void> user::chat() {
  const auto& cfg = w_.cfg();
  for (int seq = 0; seq < cfg.messages; ++seq) {
    if (cfg.think.count() > 0) co_await sleep(think_time(cfg.think, seq, w_.rng()));
    co_await send_one(seq);
    if (stream_closed_ && cfg.mode == transport::stream) break;
  }
}

asio::awaitable<void> user::send_one(int seq) {
  const std::string text = "message " + std::to_string(index_) + " " + std::to_string(seq);
  json::object activity{{"type", "message"},
                        {"from", {{"id", user_id_}, {"role", "user"}}},
                        {"text", text},
                        {"locale", "en-US"},
                        {"channelData", {{"clientActivityID", std::to_string(index_) + "-" + std::to_string(seq)}}}};
  inbox_.clear();
  const auto t0 = clock::now();
  const auto headers = auth_headers();
  auto r = co_await w_.channel().request(http::verb::post,
                                         w_.ep().directline_path + "/conversations/" + conversation_id_ + "/activities",
                                         json::serialize(activity), headers);
  json::object o;
  if (r.ec || r.status < 200 || r.status > 204 || !parse_object(r.body, o)) {
    w_.rec().error(step::send, r.ec || r.status < 200 || r.status > 204 ? http_error(r) : "bad json");
    co_return;
  }
  w_.rec().sample(step::send, clock::now() - t0);
  const std::string id = string_at(o, "id");
  const auto deadline = t0 + w_.cfg().timeout;
  std::optional<reply> got;
  if (w_.cfg().mode == transport::stream) {
    got = co_await await_on_stream(id, text, deadline);
  } else {
    got = co_await await_by_polling(id, text, deadline);
  }
  if (!got) {
    w_.rec().error(step::reply, stream_closed_ && w_.cfg().mode == transport::stream ? "stream closed" : "timeout");
    co_return;
  }
  // A wrong answer is a failed round trip, not a fast one.
  if (!got->text_matches) {
    w_.rec().error(step::reply, "reply text differs");
    co_return;
  }
  w_.rec().sample(step::reply, got->at - t0);
}

}  // namespace loadgen
