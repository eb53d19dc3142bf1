// The robustness suite against `parley demo`: floods. A token flood must not become a log flood
// (issue 21, 6: 575 548 lines in 15 s), refused requests are counted in metrics and summarised
// per client, and the service keeps answering others.
#include "demo.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace parley::robustness {
namespace {

TEST_F(demo_test, ATokenFloodWritesABoundedNumberOfLogLines) {
  const auto lines_before = count_lines(demo().log());
  const std::string request = "POST /api/token HTTP/1.1\r\nHost: a\r\nOrigin: " + demo().bot_origin() +
                              "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::atomic<bool> stop{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> flooders;
  for (int t = 0; t < 4; ++t) {
    flooders.emplace_back([&] {
      while (!stop.load()) {
        attack_socket s(demo().bot(), "127.0.0.14");
        // Keep-alive, pipelined in batches of 16: as fast as the server answers.
        while (!stop.load()) {
          std::string batch;
          for (int i = 0; i < 16; ++i) batch += request;
          if (!s.send(batch, 2s)) break;
          int got = 0;
          for (; got < 16; ++got) {
            const auto r = s.read_response(5s);
            if (!r) break;
            (r->status == 200 ? ok : r->status == 429 ? limited : other).fetch_add(1);
          }
          if (got < 16) break;
        }
      }
    });
  }
  std::this_thread::sleep_for(3s);
  stop.store(true);
  for (auto& t : flooders) t.join();
  const auto log = demo().log();
  // Until the log was read: the server may still have been writing after the flood stopped.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto lines = count_lines(log) - lines_before;
  std::printf("token flood: %.1f s, %d answered 200, %d answered 429, %d other; %zu log lines written\n", seconds,
              ok.load(), limited.load(), other.load(), lines);
  EXPECT_GT(limited.load(), 1000) << "the flood was not a flood";
  EXPECT_EQ(other.load(), 0);
  // Far fewer lines than refusals: the 429s are summarised per client, not logged one by one
  // (the few lines are the tokens given before the limit, and the first refusal).
  EXPECT_LT(lines, 100u) << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  // The refusals are summarised per client, not logged one by one.
  EXPECT_NE(log.find("requests from 127.0.0.14 refused: rate limited"), std::string::npos);
  // ... and counted.
  const auto metrics = demo().metrics();
  EXPECT_GE(metric_value(metrics, R"(parley_http_requests_rate_limited_total{listener="bot"})"), limited.load())
      << metrics;
  // Others are still served.
  attack_socket s(demo().bot(), "127.0.0.15");
  ASSERT_TRUE(s.send(request));
  const auto r = s.read_response(5s);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->status == 200 || r->status == 429) << r->status;  // the global limit may still hold
}

// A flood of 404s (every refusal is an info line) is bounded by the same budget.
TEST_F(demo_test, AFloodOfBadRequestsWritesABoundedNumberOfLogLines) {
  const auto lines_before = count_lines(demo().log());
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> flooders;
  for (int t = 0; t < 4; ++t) {
    flooders.emplace_back([&] {
      while (!stop.load()) {
        attack_socket s(demo().channel(), "127.0.0.16");
        std::string batch;
        for (int i = 0; i < 16; ++i) batch += "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n";
        while (!stop.load() && s.send(batch, 2s)) {
          int got = 0;
          while (got < 16 && s.read_response(5s)) ++got;
          answered.fetch_add(got);
          if (got < 16) break;
        }
      }
    });
  }
  std::this_thread::sleep_for(2s);
  stop.store(true);
  for (auto& t : flooders) t.join();
  const auto lines = count_lines(demo().log()) - lines_before;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("404 flood: %.1f s, %d answered; %zu log lines written\n", seconds, answered.load(), lines);
  EXPECT_GT(answered.load(), 1000);
  // At most the log's budget (a burst of 1 000 lines, then 200 a second), plus its notes.
  EXPECT_LT(static_cast<double>(lines), 1000 + 200 * seconds + 50);
}

}  // namespace
}  // namespace parley::robustness
