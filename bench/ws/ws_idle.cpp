// Opens N idle WebSockets to a server and reports the server's resident memory per connection.
// Usage: bench_ws_idle PORT SERVER_PID N. Each connection does the RFC 6455 handshake and then
// stays silent (the server's liveness pings are answered by the kernel buffering them: for the
// measurement window that is enough). Prints one line: N, RSS before/after (KiB), bytes per socket.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

long rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

int open_websocket(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  static const std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (::send(fd, upgrade.data(), upgrade.size(), 0) != static_cast<ssize_t>(upgrade.size())) {
    ::close(fd);
    return -1;
  }
  std::string response;
  char buf[512];
  while (response.find("\r\n\r\n") == std::string::npos) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    response.append(buf, static_cast<std::size_t>(n));
  }
  if (response.rfind("HTTP/1.1 101", 0) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_ws_idle PORT SERVER_PID N\n");
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const int pid = std::atoi(argv[2]);
  const int n = std::atoi(argv[3]);
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);

  const long before = rss_kib(pid);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int fd = open_websocket(port);
    if (fd < 0) {
      std::fprintf(stderr, "connection %d failed\n", i);
      break;
    }
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the server settle
  const long after = rss_kib(pid);
  const double per = fds.empty() ? 0 : (after - before) * 1024.0 / static_cast<double>(fds.size());
  std::printf("%zu %ld %ld %.0f\n", fds.size(), before, after, per);
  for (const int fd : fds) ::close(fd);
  return fds.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
