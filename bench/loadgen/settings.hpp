// The load generator's settings (command line, see main.cpp) and the state its workers share.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace loadgen {

enum class target_kind { parley, peer };      ///< peer: offline-directline (no tokens, polling only)
enum class transport { stream, polling };     ///< how replies are received
enum class scenario_kind { chat, idle, handshake };

struct settings {
  target_kind target = target_kind::parley;
  transport mode = transport::stream;
  scenario_kind scenario = scenario_kind::chat;
  std::string token_url;   ///< Parley: the bot's POST /api/token
  std::string directline;  ///< Direct Line base URL: http://H:P/v3/directline (Parley), http://H:P/directline (peer)
  std::string origin = "http://127.0.0.1";  ///< Origin of /api/token calls (must be allowed by the bot)
  int users = 100;                               ///< concurrent conversations (handshake: concurrent callers)
  int messages = 10;                             ///< messages per user (chat)
  std::chrono::milliseconds think{1000};         ///< mean think time between a reply and the next message
  std::chrono::milliseconds poll_interval{200};  ///< polling: between polls while a reply is awaited
  std::chrono::milliseconds ramp{2000};          ///< users connect spread over this time
  std::chrono::milliseconds keepalive{20000};    ///< empty text frame on the stream (directlinejs: 20 s)
  std::chrono::milliseconds timeout{30000};      ///< every HTTP exchange and every awaited reply
  std::chrono::seconds hold{10};                 ///< idle: how long the streams stay open once all are
  std::chrono::seconds duration{10};             ///< handshake: measured time
  unsigned threads = 1;                          ///< worker threads (one io_context each)
  std::size_t http_connections = 0;              ///< per worker and server; 0: users per worker, at most 1000
  std::vector<boost::asio::ip::address> sources; ///< local addresses for connections (127.0.0.x)
  std::vector<int> server_pids;                  ///< processes whose CPU and memory are reported
  std::string json_out;                          ///< where the JSON summary goes (also printed)
  std::string label;                             ///< free text copied into the summary
};

/// Counters every worker updates; read by the main thread to move between phases.
struct shared_state {
  std::atomic<int> settled{0};       ///< users whose connect phase is over (ok or failed)
  std::atomic<int> connected{0};     ///< ... of which succeeded
  std::atomic<int> finished{0};      ///< users whose messaging phase is over
  std::atomic<bool> measuring{false};
  std::atomic<std::uint64_t> handshakes{0};  ///< handshake scenario: completed while measuring
};

}  // namespace loadgen
