// A jwks_fetcher for tests: serves documents from a map (URL -> body or error) and records every
// request. Thread-safe.
#pragma once

#include <parley/jose/error.hpp>
#include <parley/jose/remote_jwks.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace parley::jose::testing {

class fake_jwks_fetcher final : public jwks_fetcher {
 public:
  void serve(const std::string& url, std::string body) {
    std::lock_guard lock(mutex_);
    docs_[url] = std::move(body);
  }
  /// Makes `url` fail (as a network error would).
  void fail(const std::string& url) {
    std::lock_guard lock(mutex_);
    docs_.erase(url);
  }
  boost::asio::awaitable<result<std::string>> fetch(std::string url) override {
    std::string body;
    bool found = false;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(url);
      if (auto it = docs_.find(url); it != docs_.end()) {
        body = it->second;
        found = true;
      }
    }
    if (!found) co_return make_error_code(errc::fetch_failed);
    co_return body;
  }
  [[nodiscard]] std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  [[nodiscard]] std::size_t count(const std::string& url) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_) n += r == url ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> docs_;
  std::vector<std::string> requests_;
};

}  // namespace parley::jose::testing
