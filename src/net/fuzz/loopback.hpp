// Shared by the net fuzz targets: the real server (net::server) on 127.0.0.1, port 0, with small
// limits so that inputs of a few KiB reach them, and one client connection per input driven on the
// same io_context (one thread: no scheduling noise, and the input is the whole story).
#pragma once

#include <parley/net/metrics.hpp>
#include <parley/net/router.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::net::fuzz {

class loopback {
 public:
  /// Starts a server with `routes` on a free loopback port.
  loopback(router routes, server_options options);
  ~loopback();

  /// One connection: writes `first`, and once `wait_for` (if not empty) has been read, `then`;
  /// half-closes; reads until the server closes; returns what it read. Returns only once the
  /// server has closed its side of the connection too.
  std::string exchange(std::string_view first, std::string_view wait_for = {}, std::string_view then = {});

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  boost::asio::io_context io_;
  metrics_registry metrics_;
  std::unique_ptr<server> server_;
  std::uint16_t port_ = 0;
};

}  // namespace parley::net::fuzz
