#include <parley/core/random.hpp>
#include <parley/store/postgres/testing/pg_server.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace parley::store::postgres::testing {
namespace {

namespace fs = std::filesystem;

fs::path find_bin_dir() {
  if (const char* env = std::getenv("PARLEY_PG_BIN"); env && *env) return env;
  fs::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto name = entry.path().filename().string();
    const int v = std::atoi(name.c_str());
    if (v > best_version && fs::exists(entry.path() / "bin" / "initdb")) {
      best_version = v;
      best = entry.path() / "bin";
    }
  }
  if (best.empty()) {
    throw std::runtime_error("pg_server: no PostgreSQL binaries (install `postgresql`, or set PARLEY_PG_BIN)");
  }
  return best;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("pg_server: cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string tail(const fs::path& file, std::size_t bytes = 2000) {
  std::ifstream in(file, std::ios::binary);
  std::string all{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

// Runs argv, output (stdout and stderr) into `out_file`; returns the exit status.
int spawn_and_wait(const std::vector<std::string>& argv, const fs::path& out_file) {
  const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("pg_server: cannot write " + out_file.string());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out, STDERR_FILENO);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out);
  if (rc != 0) throw std::runtime_error("pg_server: cannot run " + argv[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

bool running_as_root() {
  return ::geteuid() == 0;
}

// PostgreSQL refuses to run as root: as root, files it writes belong to `postgres`.
void give_to_server_user(const fs::path& p) {
  if (!running_as_root()) return;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) throw std::runtime_error("pg_server: running as root but there is no `postgres` user");
  if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("pg_server: chown failed");
}

}  // namespace

std::unique_ptr<pg_server> pg_server::start(pg_server_options options) {
  std::unique_ptr<pg_server> s(new pg_server(std::move(options)));
  s->init();
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (s->try_start()) return s;
  }
  throw std::runtime_error("pg_server: the server did not start:\n" + tail(s->dir_ / "server.log"));
}

void pg_server::init() {
  bin_ = find_bin_dir();
  std::string templ = (fs::temp_directory_path() / "parley-pg-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("pg_server: mkdtemp failed");
  dir_ = templ;
  give_to_server_user(dir_);
  password_ = core::random_id(core::os_random(), "", 18);
  const auto pwfile = dir_ / "pw";
  {
    std::ofstream pw(pwfile, std::ios::binary);
    pw << password_ << "\n";
  }
  ::chmod(pwfile.c_str(), 0600);
  give_to_server_user(pwfile);
  fs::create_directories(dir_ / "socket");
  give_to_server_user(dir_ / "socket");
  run_tool("initdb",
           {"-D", (dir_ / "data").string(), "-U", opts_.user, "--pwfile=" + pwfile.string(), "--auth-local=trust",
            "--auth-host=scram-sha-256", "--locale=C", "-E", "UTF8", "--no-sync"},
           true);
  fs::remove(pwfile);
}

bool pg_server::try_start() {
  port_ = free_port();
  std::string server_opts = "-p " + std::to_string(port_) + " -k " + (dir_ / "socket").string() +
                            " -c listen_addresses=127.0.0.1 -c max_connections=200";
  if (!opts_.durable) server_opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  try {
    run_tool("pg_ctl",
             {"-D", (dir_ / "data").string(), "-l", (dir_ / "server.log").string(), "-w", "-t", "60", "-o", server_opts,
              "start"},
             true);
  } catch (const std::runtime_error&) {
    return false;  // most likely the port was taken meanwhile: the caller tries another
  }
  running_ = true;
  return true;
}

pg_server::~pg_server() {
  try {
    stop();
  } catch (...) {
    // Best effort: the directory goes anyway.
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

void pg_server::stop() {
  if (!running_) return;
  running_ = false;
  run_tool("pg_ctl", {"-D", (dir_ / "data").string(), "-m", "fast", "-w", "-t", "60", "stop"}, true);
}

void pg_server::start_again() {
  if (running_) return;
  std::string server_opts = "-p " + std::to_string(port_) + " -k " + (dir_ / "socket").string() +
                            " -c listen_addresses=127.0.0.1 -c max_connections=200";
  if (!opts_.durable) server_opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  run_tool("pg_ctl",
           {"-D", (dir_ / "data").string(), "-l", (dir_ / "server.log").string(), "-w", "-t", "60", "-o", server_opts,
            "start"},
           true);
  running_ = true;
}

std::string pg_server::dsn(const std::string& database) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + database + " user=" + opts_.user;
}

void pg_server::create_database(const std::string& name) {
  psql("postgres", "CREATE DATABASE \"" + name + "\" OWNER \"" + opts_.user + "\"");
}

std::string pg_server::psql(const std::string& database, const std::string& sql) const {
  return run_tool("psql",
                  {"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", (dir_ / "socket").string(), "-p",
                   std::to_string(port_), "-U", opts_.user, "-d", database, "-c", sql},
                  false);
}

std::string pg_server::dump(const std::string& database) const {
  return run_tool("pg_dump",
                  {"-h", (dir_ / "socket").string(), "-p", std::to_string(port_), "-U", opts_.user, "-d", database},
                  false);
}

void pg_server::load(const std::string& database, const std::string& script) const {
  const auto file = dir_ / ("script-" + core::random_id(core::os_random(), "", 6) + ".sql");
  {
    std::ofstream out(file, std::ios::binary);
    out << script;
  }
  struct cleanup {
    fs::path f;
    ~cleanup() {
      std::error_code ec;
      fs::remove(f, ec);
    }
  } remove_after{file};
  run_tool("psql",
           {"-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", (dir_ / "socket").string(), "-p", std::to_string(port_), "-U",
            opts_.user, "-d", database, "-f", file.string()},
           false);
}

std::string pg_server::run_tool(const std::string& tool, const std::vector<std::string>& args,
                                bool as_server_user) const {
  std::vector<std::string> argv;
  if (as_server_user && running_as_root()) argv = {"runuser", "-u", "postgres", "--"};
  argv.push_back((bin_ / tool).string());
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out_file = dir_ / ("tool-" + core::random_id(core::os_random(), "", 6) + ".out");
  const int status = spawn_and_wait(argv, out_file);
  std::ifstream in(out_file, std::ios::binary);
  std::string output{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::error_code ec;
  fs::remove(out_file, ec);
  if (status != 0) {
    throw std::runtime_error("pg_server: " + tool + " failed (" + std::to_string(status) + "): " + output +
                             "\nserver log:\n" + tail(dir_ / "server.log"));
  }
  return output;
}

}  // namespace parley::store::postgres::testing
