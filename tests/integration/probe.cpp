#include "probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace parley::net::test {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string raw_response::header(std::string_view name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

bool raw_response::has(std::string_view name) const { return headers.count(lower(name)) > 0; }

probe::probe(std::uint16_t port, int rcvbuf) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

probe::~probe() {
  if (fd_ >= 0) ::close(fd_);
}

bool probe::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void probe::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool probe::fill(std::chrono::milliseconds timeout) {
  if (eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[16384];
  const auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::size_t parse_response(std::string_view data, raw_response& out) {
  const auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  std::string_view head = data.substr(0, end);
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return 0;
  out = raw_response{};
  out.status = std::stoi(std::string(status_line.substr(9, 3)));
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!head.empty()) {
    const auto e = head.find("\r\n");
    const auto line = head.substr(0, e);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      out.headers.emplace(lower(line.substr(0, colon)), std::string(value));
    }
    head = e == std::string_view::npos ? std::string_view{} : head.substr(e + 2);
  }
  std::size_t length = 0;
  const bool bodyless = out.status / 100 == 1 || out.status == 204 || out.status == 304;
  if (!bodyless && out.has("content-length")) length = std::stoul(out.header("content-length"));
  if (data.size() < end + 4 + length) return 0;
  out.body = std::string(data.substr(end + 4, length));
  return end + 4 + length;
}

std::optional<raw_response> probe::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    raw_response r;
    if (const auto used = parse_response(buffer_, r); used > 0) {
      buffer_.erase(0, used);
      return r;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) return std::nullopt;
  }
}

std::optional<std::string> probe::read_raw_until_close(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (!fill(left) && !eof_) return std::nullopt;
  }
  return buffer_;
}

bool probe::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (!fill(left) && !eof_) return false;
    if (buffer_.size() > (1 << 20)) buffer_.clear();
  }
  return true;
}

std::optional<raw_response> get(std::uint16_t port, std::string_view target, std::string_view extra_headers) {
  probe p(port);
  if (!p.connected()) return std::nullopt;
  std::string req = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers) +
                    "Connection: close\r\n\r\n";
  if (!p.send(req)) return std::nullopt;
  return p.read_response();
}

}  // namespace parley::net::test
