// The demo's service desk: two tenants (BankX and Harbour Bank), each with its own identity
// provider from examples/test-idp (started here as a child process, random loopback ports, fresh
// keys and client secrets at each start) and demo accounts (a consultant, a supervisor and an
// admin per tenant, random passwords per start, listed in the ready file's `desk_accounts`: test
// accounts of the embedded IdP only).
#pragma once

#include "desk_wiring.hpp"
#include "test_idp_process.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace parley::app {

struct demo_desk {
  desk_plan plan;
  std::unique_ptr<test_idp_process> idp;
  std::string accounts_json;        ///< [{"tenant","role","username","password"}...]
  std::vector<std::string> banner;  ///< one line per account
};

/// Starts the IdP for a desk at `desk_base` ("http://127.0.0.1:8403"). `bench_consultants` more
/// BankX consultants (bench01.., for bench/desk/load.mjs; 0..200) join the demo accounts. nullopt
/// with `problem` set when it cannot (node missing, npm packages not installed).
[[nodiscard]] std::optional<demo_desk> start_demo_desk(const std::filesystem::path& data_dir,
                                                       const std::string& desk_base, std::string& problem,
                                                       unsigned bench_consultants = 0);

}  // namespace parley::app
