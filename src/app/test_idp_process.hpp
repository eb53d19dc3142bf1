// The demo's identity provider (examples/test-idp: npm oidc-provider, one provider per tenant on
// a random loopback port) as a child process of `parley demo` and of the desk's integration tests.
//
// start() writes the IdP's configuration (clients and demo accounts: it holds their secrets, so
// 0600 in a 0700 directory), runs `node idp.mjs` (node from PATH) with its stdin on a pipe and
// PR_SET_PDEATHSIG: the child dies with its parent, even on SIGKILL of the parent, and exits at
// EOF on stdin. It waits for the IdP's ready file and returns each tenant's issuer URL. The
// destructor stops the child (SIGTERM, then SIGKILL) and reaps it.
// Thread-safety: one owner.
#pragma once

#include <parley/core/error.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace parley::app {

struct test_idp_account {
  std::string username;
  std::string password;
  std::string name;
  std::vector<std::string> roles;
  std::string role;  ///< the desk role these roles map to (for the demo's ready file)
};

struct test_idp_client {
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  std::string backchannel_logout_uri;
};

struct test_idp_tenant {
  std::string id;
  std::string name;
  std::vector<test_idp_client> clients;
  std::vector<test_idp_account> accounts;
};

struct test_idp_config {
  std::filesystem::path script;  ///< examples/test-idp/idp.mjs
  std::filesystem::path dir;     ///< for its config and ready files (created 0700)
  std::vector<test_idp_tenant> tenants;
  bool control = false;  ///< enable the test-control endpoint (tests only)
  std::chrono::seconds ready_timeout{60};
};

class test_idp_process {
 public:
  /// Starts the IdP and waits until it is ready. On failure the message says why (node missing,
  /// npm packages not installed, no ready file in time...).
  [[nodiscard]] static std::unique_ptr<test_idp_process> start(const test_idp_config& config, std::string& problem);
  ~test_idp_process();
  test_idp_process(const test_idp_process&) = delete;
  test_idp_process& operator=(const test_idp_process&) = delete;

  /// Tenant id → issuer URL ("http://127.0.0.1:PORT").
  [[nodiscard]] const std::map<std::string, std::string>& issuers() const noexcept { return issuers_; }
  /// The bearer token of the test-control endpoint (config.control only).
  [[nodiscard]] const std::string& control_token() const noexcept { return control_token_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// Stops the child now (SIGTERM, SIGKILL after `grace`).
  void stop(std::chrono::milliseconds grace = std::chrono::seconds{5});

 private:
  test_idp_process() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::map<std::string, std::string> issuers_;
  std::string control_token_;
};

/// A random password for a demo account (72 bits, base64url).
[[nodiscard]] std::string demo_password();

}  // namespace parley::app
