// One simulated user: handshake (Parley's POST /api/token) → start the conversation → open the
// stream (or poll) → send messages with a think time, each awaiting its reply.
// Thread-safety: a user lives on its worker's thread; its coroutines hold a shared_ptr to it.
#pragma once

#include "activities.hpp"
#include "worker.hpp"

#include <boost/beast/websocket/stream.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace loadgen {

class user : public std::enable_shared_from_this<user> {
 public:
  user(worker& w, int index);
  /// The whole life of the user; spawned by its worker with `self` = this (a coroutine started
  /// later must own its object: shared_from_this() inside it would come too late).
  asio::awaitable<void> run(std::shared_ptr<user> self);

 private:
  asio::awaitable<bool> connect();
  asio::awaitable<bool> handshake();
  asio::awaitable<bool> start();
  asio::awaitable<bool> open_stream();
  asio::awaitable<void> read_stream(std::shared_ptr<user> self);
  asio::awaitable<void> keep_alive(std::shared_ptr<user> self);
  asio::awaitable<void> chat();
  asio::awaitable<void> send_one(int seq);
  /// Waits for the bot's reply to `activity_id` (its text should be `text`); nullopt on timeout.
  asio::awaitable<std::optional<reply>> await_on_stream(const std::string& activity_id, const std::string& text,
                                                        clock::time_point deadline);
  asio::awaitable<std::optional<reply>> await_by_polling(const std::string& activity_id, const std::string& text,
                                                         clock::time_point deadline);
  /// Takes the activities of an ActivitySet (stream frame or poll answer); false if not one.
  bool take_activity_set(std::string_view json);
  asio::awaitable<void> close_stream();
  asio::awaitable<void> sleep(clock::duration d);
  header_list auth_headers() const;

  worker& w_;
  int index_;
  std::string user_id_;
  std::string token_;
  std::string conversation_id_;
  std::string stream_url_;
  std::string watermark_;
  std::optional<beast::websocket::stream<beast::tcp_stream>> ws_;
  asio::steady_timer wake_;       // the chat waits on it; the stream reader cancels it
  asio::steady_timer keepalive_;
  std::vector<bot_message> inbox_;
  bool stream_closed_ = false;
  bool closing_ = false;
  bool writing_ = false;
};

}  // namespace loadgen
