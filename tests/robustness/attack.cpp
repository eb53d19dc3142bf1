#include "attack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace parley::robustness {

attack_socket::attack_socket(std::uint16_t port, std::string_view source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  const std::string src(source);
  if (::inet_pton(AF_INET, src.c_str(), &from.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

attack_socket::~attack_socket() {
  if (fd_ >= 0) ::close(fd_);
}

attack_socket::attack_socket(attack_socket&& o) noexcept
    : fd_(o.fd_), buffer_(std::move(o.buffer_)), eof_(o.eof_), reset_(o.reset_) {
  o.fd_ = -1;
}

bool attack_socket::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!bytes.empty()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) {
      if (errno == ECONNRESET) reset_ = true;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void attack_socket::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

bool attack_socket::fill(std::chrono::milliseconds timeout) {
  if (eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[65536];
  const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
  if (n <= 0) {
    if (n < 0 && errno == ECONNRESET) reset_ = true;
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<raw_response> attack_socket::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    raw_response r;
    if (const auto used = net::test::parse_response(buffer_, r); used > 0) {
      buffer_.erase(0, used);
      return r;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) return std::nullopt;
  }
}

bool attack_socket::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (eof_) return true;
    // A timeout of 0 (or one that has passed) still looks once: a closed socket is seen at once.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    const bool got = fill(left);
    if (eof_) return true;
    if (!got || left.count() == 0) return false;
    if (buffer_.size() > (1 << 20)) buffer_.clear();
  }
}

std::string ws_frame(std::uint8_t opcode, std::string_view payload, bool fin, bool mask, std::uint8_t rsv) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f));
  const std::uint8_t m = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    f += static_cast<char>(m | payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(m | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(m | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xff);
  }
  const char key[4] = {0x37, static_cast<char>(0xfa), 0x21, 0x3d};
  if (mask) f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xff);
  p.append(reason);
  return p;
}

std::uint16_t ws_frame_in::close_code() const {
  if (payload.size() < 2) return 1005;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                    static_cast<unsigned char>(payload[1]));
}

std::optional<ws_frame_in> read_ws_frame(attack_socket& s, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto& b = s.received();
    if (b.size() >= 2) {
      const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(b[i])); };
      std::size_t header = 2;
      std::uint64_t len = byte(1) & 0x7f;
      if (len == 126) {
        header = 4;
        if (b.size() >= 4) len = (byte(2) << 8) | byte(3);
      } else if (len == 127) {
        header = 10;
        if (b.size() >= 10) {
          len = 0;
          for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | byte(i);
        }
      }
      if (b.size() >= header && b.size() >= header + len) {
        ws_frame_in f{static_cast<std::uint8_t>(byte(0) & 0x0f), b.substr(header, len)};
        s.consume(header + len);
        return f;
      }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !s.fill(left)) return std::nullopt;
  }
}

std::uint16_t read_close_code(attack_socket& s, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    const auto f = read_ws_frame(s, left);
    if (!f) return 0;
    if (f->opcode == 8) return f->close_code();
  }
}

std::optional<raw_response> ws_upgrade(attack_socket& s, std::string_view target, std::string_view extra_headers) {
  const std::string req = "GET " + std::string(target) +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                          std::string(extra_headers) + "\r\n";
  if (!s.send(req)) return std::nullopt;
  return s.read_response();
}

double metric_value(std::string_view metrics, std::string_view series) {
  double total = 0;
  std::size_t pos = 0;
  while (pos < metrics.size()) {
    auto end = metrics.find('\n', pos);
    if (end == std::string_view::npos) end = metrics.size();
    const auto line = metrics.substr(pos, end - pos);
    pos = end + 1;
    if (!line.starts_with(series)) continue;
    const auto rest = line.substr(series.size());
    // `series` may name the metric without labels: the next character must end the name.
    if (!rest.empty() && rest.front() != ' ' && rest.front() != '{' && series.back() != '}' && series.back() != ',') {
      continue;
    }
    const auto space = line.rfind(' ');
    total += std::strtod(std::string(line.substr(space + 1)).c_str(), nullptr);
  }
  return total;
}

}  // namespace parley::robustness
