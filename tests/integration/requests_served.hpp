// How many requests a listener served on a route so far, read from the server's own metrics
// (parley_http_requests_total{listener="..",route="..",method="..",code=".."} N, summed over
// methods and codes): the integration tests' proof of which path a message took.
#pragma once

#include <parley/net/metrics.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::testing {

[[nodiscard]] inline std::uint64_t requests_served(const net::metrics_registry& metrics, std::string_view listener,
                                                   std::string_view route) {
  const std::string text = metrics.render();
  const std::string key =
      "parley_http_requests_total{listener=\"" + std::string(listener) + "\",route=\"" + std::string(route) + "\",";
  std::uint64_t n = 0;
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const auto space = text.find("} ", at);
    if (space != std::string::npos) n += std::stoull(text.substr(space + 2, text.find('\n', space) - space - 2));
  }
  return n;
}

}  // namespace parley::testing
