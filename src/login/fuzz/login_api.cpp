// libFuzzer target "login_api": the bank's answers to the Login API calls (docs/login-api.yaml),
// parsed by the real login::api_client behind a fake transport: startLogin, pollLogin, verifyOtp
// and logout, any status, any body, any Retry-After. Byte 0 picks the call, byte 1 the status; for
// a 429 the first line of the rest is the Retry-After value. Invariants: a success carries what the
// contract promises (a token-shaped polling token, positive interval and lifetime, a sealed access
// token only when approved, no pending answer to a code); nothing throws.
#include "fuzz_target.hpp"

#include <parley/crypto/sealed_secret.hpp>
#include <parley/login/api_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>

namespace parley::login::fuzz {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Answers every request with the one scripted response (records nothing: it runs millions of times).
class scripted_bank final : public net::http_client {
 public:
  net::client_response next;
  asio::awaitable<result<net::client_response>> send(net::client_request) override { co_return next; }
};

constexpr int statuses[] = {200, 200, 200, 204, 400, 401, 403, 404, 429, 500, 503, 302, 0, 999};

struct fixture {
  asio::io_context io;
  scripted_bank bank;
  crypto::secret_sealer sealer = *crypto::secret_sealer::create();
  api_client client{[] {
                      tenant_options t;
                      t.tenant = "bankx";
                      t.base_url = "https://bank.example/api/v1";
                      t.client_id = "parley";
                      t.client_secret = core::secret_string("fuzz-client-secret");
                      t.methods = {method::push, method::otp_sms, method::totp};
                      return t;
                    }(),
                    bank, sealer};
  crypto::sealed_secret token = *sealer.seal("bxa_fuzz_access_token", "ctx");
  crypto::sealed_secret polling = *sealer.seal("ptk_0123456789abcdef", "polling:conv-1");

  template <class T>
  T run(asio::awaitable<T> op) {
    auto f = asio::co_spawn(io, std::move(op), asio::use_future);
    io.restart();
    while (f.wait_for(0s) != std::future_status::ready) io.run_one();
    return f.get();
  }
};

bool token_shaped(std::string_view t) {
  return !t.empty() && t.find_first_of(" \r\n\t\"") == std::string_view::npos;
}

}  // namespace
}  // namespace parley::login::fuzz

PARLEY_FUZZ_TARGET(login_api,
                   "Login API answers (startLogin, pollLogin, verifyOtp, logout) through login::api_client") {
  using namespace parley::login;
  using namespace parley::login::fuzz;
  static fixture f;
  if (size < 2) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  parley::net::client_response answer;
  answer.status = statuses[data[1] % std::size(statuses)];
  if (answer.status == 429) {
    const auto nl = rest.find('\n');
    answer.headers.set("Retry-After", std::string(rest.substr(0, nl)));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  answer.headers.set("Content-Type", "application/json");
  answer.body = std::string(rest);
  f.bank.next = std::move(answer);
  switch (data[0] % 4) {
    case 0: {
      auto r = f.run(f.client.start_login("anna.schmidt", method::otp_sms, "conv-1"));
      bool shaped = false;
      if (r) {
        const auto opened = r->polling_token.with_plaintext([](std::string_view t) { return token_shaped(t); });
        shaped = opened && *opened;
      }
      if (r && (!shaped || r->interval.count() < 1 || r->expires_in.count() < 1)) {
        parley::fuzz::violated("startLogin accepted an answer off the contract");
      }
      break;
    }
    case 1: {
      auto r = f.run(f.client.poll(f.polling, "ctx"));
      if (r && r->status == login_status::approved && r->token_expires_in.count() < 1) {
        parley::fuzz::violated("an approved poll without a lifetime");
      }
      break;
    }
    case 2: {
      auto r = f.run(f.client.verify_otp(f.polling, parley::core::secret_string("492816"), "ctx"));
      if (r && (r->status == login_status::pending || r->status == login_status::slow_down)) {
        parley::fuzz::violated("a pending answer to a code was accepted");
      }
      break;
    }
    default:
      (void)f.run(f.client.logout(f.token));
      break;
  }
  (void)f.client.last_retry_after();
  return 0;
}
