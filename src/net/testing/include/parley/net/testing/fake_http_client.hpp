// An http_client for other components' tests: records every request and answers from a queue of
// scripted responses (or errors); with an empty queue it answers 599 so that a missing script is
// visible. Thread-safe.
#pragma once

#include <parley/net/client.hpp>

#include <deque>
#include <mutex>
#include <vector>

namespace parley::net::testing {

class fake_http_client final : public http_client {
 public:
  /// Queues the next answer.
  void respond(client_response r) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(std::move(r));
  }
  void fail(errc e) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(make_error_code(e));
  }
  [[nodiscard]] std::vector<client_request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  boost::asio::awaitable<result<client_response>> send(client_request req) override {
    result<client_response> answer = client_response{599, {}, "fake_http_client: no scripted response"};
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(req));
      if (!script_.empty()) {
        answer = std::move(script_.front());
        script_.pop_front();
      }
    }
    co_return answer;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<result<client_response>> script_;
  std::vector<client_request> requests_;
};

}  // namespace parley::net::testing
