// login_leak_helper: the bot side of the token-leak test (login_leak_test.cpp), in a process of
// its own so that the test can scan its memory. Hardens itself like the `parley` binary, logs a
// customer in at a BankX Login API through login::flow (push, approved by the test on the phone),
// calls the accounts API with the sealed token, then waits on stdin so that the test can read its
// memory while the user is logged in; "logout" logs out and exits.
//
//   login_leak_helper <login-api-base-url> <client-secret-file> <customer-id>
// stdout, one line per step: "started", "approved", "called <status> <status> <status>", "ready", "bye".
#include <parley/core/async.hpp>
#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/crypto/hardening.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/login/flow.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdio>
#include <future>
#include <iostream>
#include <string>

namespace asio = boost::asio;
using namespace parley;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: login_leak_helper BASE_URL SECRET_FILE CUSTOMER\n");
    return 2;
  }
  const auto hardening = crypto::harden_process();
  crypto::log_hardening(hardening);
  if (!hardening.acceptable()) return 1;
  auto secret = core::read_secret_file(argv[2]);
  if (!secret) return 2;

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  auto http = net::pooled_http_client::create(io, {});
  auto sealer = crypto::secret_sealer::create();
  if (!http || !sealer) return 1;
  login::tenant_options t;
  t.tenant = "bankx";
  t.base_url = argv[1];
  t.client_id = "parley";
  t.client_secret = std::move(*secret);
  login::options opts;
  login::flow flow(io, core::system_clock(), opts);
  flow.add_tenant(std::make_unique<login::api_client>(std::move(t), **http, *sealer));
  core::thread_group threads(io, 2, "helper");
  const login::conversation_key key{"bankx", "leak-test-conversation"};

  auto run = [&](auto aw) { return asio::co_spawn(io, std::move(aw), asio::use_future).get(); };
  std::promise<login::outcome> done;
  auto started = run(flow.start(key, argv[3], login::method::push,
                                [&](const login::conversation_key&, login::outcome o) { done.set_value(o); }));
  if (!started) return 3;
  std::cout << "started" << std::endl;
  if (done.get_future().get() != login::outcome::approved) return 4;
  std::cout << "approved" << std::endl;
  std::string statuses;
  for (const char* path : {"/accounts", "/transactions?limit=5", "/accounts"}) {
    net::client_request req;
    req.url = path;
    auto res = run(flow.call_api(key, std::move(req)));
    statuses += " " + std::to_string(res ? res->status : 0);
    if (res) parley::crypto::secure_wipe(res->body);
  }
  std::cout << "called" << statuses << std::endl;
  std::cout << "ready" << std::endl;
  std::string line;
  std::getline(std::cin, line);
  auto out = run(flow.logout(key));
  std::cout << (out ? "bye" : "logout-failed") << std::endl;
  flow.shutdown();
  work.reset();
  io.stop();
  threads.join();
  return 0;
}
