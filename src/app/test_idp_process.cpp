#include "test_idp_process.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/config.hpp>
#include <parley/core/json.hpp>
#include <parley/core/random.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <thread>

namespace parley::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string config_json(const test_idp_config& c) {
  json::array tenants;
  for (const auto& t : c.tenants) {
    json::array clients;
    for (const auto& cl : t.clients) {
      clients.push_back(json::object{{"client_id", cl.client_id},
                                     {"client_secret", cl.client_secret},
                                     {"redirect_uris", strings(cl.redirect_uris)},
                                     {"post_logout_redirect_uris", strings(cl.post_logout_redirect_uris)},
                                     {"backchannel_logout_uri", cl.backchannel_logout_uri}});
    }
    json::array accounts;
    for (const auto& a : t.accounts) {
      accounts.push_back(json::object{{"username", a.username},
                                      {"password", a.password},
                                      {"name", a.name},
                                      {"roles", strings(a.roles)},
                                      {"groups", json::array{}}});
    }
    tenants.push_back(json::object{{"id", t.id}, {"name", t.name}, {"clients", clients}, {"accounts", accounts}});
  }
  return json::serialize(json::object{{"tenants", tenants}, {"control", c.control}});
}

bool write_private(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

}  // namespace

std::string demo_password() {
  std::array<std::uint8_t, 9> raw{};
  core::os_random().fill(raw);
  return core::base64url_encode(raw);
}

std::unique_ptr<test_idp_process> test_idp_process::start(const test_idp_config& config, std::string& problem) {
  std::error_code ec;
  fs::create_directories(config.dir, ec);
  if (ec || ::chmod(config.dir.c_str(), 0700) != 0) {
    problem = "cannot create " + config.dir.string();
    return nullptr;
  }
  if (!fs::exists(config.script) || !fs::exists(config.script.parent_path() / "node_modules" / "oidc-provider")) {
    problem = config.script.string() + " or its npm packages are missing (run scripts/install-npm.sh)";
    return nullptr;
  }
  const fs::path config_file = config.dir / "config.json";
  const fs::path ready_file = config.dir / "ready.json";
  fs::remove(ready_file, ec);
  if (!write_private(config_file, config_json(config))) {
    problem = "cannot write " + config_file.string();
    return nullptr;
  }
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    problem = "pipe failed";
    return nullptr;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    problem = "fork failed";
    return nullptr;
  }
  if (pid == 0) {
    // The child dies with the thread that forked it (the parent's main thread): never an orphan
    // IdP, even when the demo is killed with SIGKILL.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(1);
    ::dup2(in[0], 0);
    const std::string script = config.script.string();
    const std::string cfg = config_file.string();
    const std::string ready = ready_file.string();
    const char* argv[] = {"node",        script.c_str(),        "--config", cfg.c_str(), "--ready-file",
                          ready.c_str(), "--exit-on-stdin-eof", nullptr};
    ::execvp("node", const_cast<char* const*>(argv));
    _exit(127);
  }
  ::close(in[0]);
  std::unique_ptr<test_idp_process> p(new test_idp_process());
  p->pid_ = pid;
  p->stdin_fd_ = in[1];
  const auto until = std::chrono::steady_clock::now() + config.ready_timeout;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      p->pid_ = -1;
      problem = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "node is not installed (not on PATH)"
                                                                : "the test identity provider exited at start";
      return nullptr;
    }
    if (auto text = core::read_file(ready_file, 64 * 1024)) {
      auto doc = core::parse_json_object(*text);
      const auto* tenants = doc ? core::get_object(*doc, "tenants") : nullptr;
      if (tenants) {
        for (const auto& [id, v] : *tenants) {
          if (const auto* t = v.if_object())
            p->issuers_[std::string(id)] = std::string(core::get_string(*t, "issuer").value_or(""));
        }
        p->control_token_ = std::string(core::get_string(*doc, "control_token").value_or(""));
        return p;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  problem =
      "the test identity provider wrote no ready file within " + std::to_string(config.ready_timeout.count()) + " s";
  return nullptr;  // the destructor stops it
}

void test_idp_process::stop(std::chrono::milliseconds grace) {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

test_idp_process::~test_idp_process() {
  stop();
}

}  // namespace parley::app
