// The executor runs one "session" per conversation while a login action is open: a question
// waiting for an answer (customer id, method) or a code login waiting for codes. consume(), called
// by the bot for every user message, feeds it; the flow's on_done ends it.
#include <parley/bot/error.hpp>
#include <parley/core/async.hpp>
#include <parley/login/bot_login.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cctype>
#include <variant>

namespace parley::login {

namespace asio = boost::asio;
using assistant::action_result;
using assistant::action_status;
using namespace asio::experimental::awaitable_operators;

namespace {

using text_channel = asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;
using outcome_channel = asio::experimental::concurrent_channel<void(boost::system::error_code, outcome)>;

action_result fail(std::string id, action_status status, std::string reason) {
  action_result r;
  r.action_id = std::move(id);
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string lowered(std::string_view s) {
  std::string out = trimmed(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string reason_for(const error_code& ec) {
  if (ec == errc::login_in_progress) return "login_in_progress";
  if (ec == errc::rate_limited) return "rate_limited";
  if (ec == errc::unknown_tenant || ec == errc::shutting_down) return "login_unavailable";
  if (ec == errc::invalid_request) return "customer_id_invalid";
  return "login_start_failed";
}

std::string fill(std::string text, std::string_view name, std::string_view value) {
  const std::string key = "{" + std::string(name) + "}";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

// The digits of a code as typed ("492 816", "492-816"), or empty when it is not one.
std::string code_digits(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != ' ' && c != '-' && c != '\t' && c != '\n' && c != '\r') {
      return {};
    }
  }
  return digits.size() >= 4 && digits.size() <= 10 ? digits : std::string();
}

}  // namespace

struct bot_login::session {
  session(const asio::any_io_executor& ex) : answers(ex, 4), done(ex, 1) {}
  enum class waiting { answer, code, nothing };
  std::mutex mutex;
  waiting state = waiting::nothing;
  int digits = 6;
  std::function<void(bot::login_prompt)> say;
  text_channel answers;   // the user's answers to a question
  outcome_channel done;   // the login's end

  void tell(bot::login_prompt p) const {
    if (say) say(std::move(p));
  }
};

namespace {

// One answer to a question, or nullopt on timeout, cancel or shutdown.
asio::awaitable<std::optional<std::string>> ask(bot_login::session& s, bot::login_prompt p,
                                                std::chrono::seconds timeout) {
  {
    std::lock_guard lock(s.mutex);
    s.state = bot_login::session::waiting::answer;
  }
  s.tell(std::move(p));
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto got = co_await (s.answers.async_receive(core::use_tuple) || timer.async_wait(core::use_tuple));
  std::lock_guard lock(s.mutex);
  s.state = bot_login::session::waiting::nothing;
  if (got.index() != 0) co_return std::nullopt;
  auto [ec, text] = std::get<0>(std::move(got));
  if (ec) co_return std::nullopt;
  co_return std::move(text);
}

}  // namespace

bot_login::bot_login(flow& f, bot_login_texts texts) : flow_(f), texts_(std::move(texts)) {}
bot_login::~bot_login() = default;

std::shared_ptr<bot_login::session> bot_login::find(const conversation_key& key) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  return it == sessions_.end() ? nullptr : it->second;
}

asio::awaitable<action_result> bot_login::start_login(bot::login_request request) {
  const auto key = key_of(request.conversation);
  const auto* tenant = flow_.tenant(key.tenant);
  if (!tenant) co_return fail(std::move(request.action_id), action_status::failed, "login_unavailable");
  auto ex = co_await asio::this_coro::executor;
  auto s = std::make_shared<session>(ex);
  s->say = std::move(request.say);
  {
    std::lock_guard lock(mutex_);
    if (!sessions_.emplace(key, s).second) {
      co_return fail(std::move(request.action_id), action_status::failed, "login_in_progress");
    }
  }
  struct leave {
    bot_login& self;
    conversation_key key;
    ~leave() {
      std::lock_guard lock(self.mutex_);
      self.sessions_.erase(key);
    }
  } cleanup{*this, key};

  std::string customer = trimmed(request.arguments["customer_id"]);
  if (customer.empty() && s->say) {
    // A named prompt, not a braced temporary: GCC 12 destroys a braced coroutine argument twice.
    bot::login_prompt prompt{texts_.ask_customer_id, false, {}};
    auto answer = co_await ask(*s, std::move(prompt), texts_.answer_timeout);
    if (!answer) co_return fail(std::move(request.action_id), action_status::failed, "login_cancelled");
    customer = trimmed(*answer);
  }
  if (customer.empty()) co_return fail(std::move(request.action_id), action_status::failed, "customer_id_missing");

  method m = tenant->methods.front();
  std::string wanted = lowered(request.arguments["method"]);
  if (wanted.empty() && tenant->methods.size() > 1 && s->say) {
    bot::login_prompt p{texts_.ask_method, false, {}};
    for (auto each : tenant->methods) p.choices.push_back(texts_.method_titles.count(each) ? texts_.method_titles.at(each) : std::string(to_string(each)));
    auto answer = co_await ask(*s, std::move(p), texts_.answer_timeout);
    if (!answer) co_return fail(std::move(request.action_id), action_status::failed, "login_cancelled");
    wanted = lowered(*answer);
    for (const auto& [each, title] : texts_.method_titles) {
      if (lowered(title) == wanted) wanted = std::string(to_string(each));
    }
  }
  if (!wanted.empty()) {
    const auto parsed = parse_method(wanted);
    if (!parsed || std::find(tenant->methods.begin(), tenant->methods.end(), *parsed) == tenant->methods.end()) {
      co_return fail(std::move(request.action_id), action_status::failed, "method_not_offered");
    }
    m = *parsed;
  }

  // Named, not a temporary in the co_await operand: GCC 12 destroys such a temporary twice.
  flow::on_done report = [s](const conversation_key&, outcome o) { s->done.try_send(boost::system::error_code{}, o); };
  // Before the bank sends (or the user reads) a code: the channel masks bare codes from now on,
  // even if the user types one before the prompt below is stored.
  if (uses_code(m)) s->tell({{}, false, {}, true});
  auto started = co_await flow_.start(key, customer, m, std::move(report), request.traceparent);
  if (!started) co_return fail(std::move(request.action_id), action_status::failed, reason_for(started.error()));
  if (uses_code(m)) {
    {
      std::lock_guard lock(s->mutex);
      s->digits = started->otp_length.value_or(6);
      s->state = session::waiting::code;
    }
    std::string text = m == method::totp ? texts_.totp_prompt : texts_.code_sent;
    text = fill(fill(std::move(text), "digits", std::to_string(s->digits)), "sent_to", started->otp_sent_to.value_or("your phone"));
    s->tell({std::move(text), true, {}});
  } else {
    s->tell({m == method::ussd ? texts_.ussd_sent : texts_.push_sent, false, {}});
  }

  auto [ec, o] = co_await s->done.async_receive(core::use_tuple);
  if (ec) co_return fail(std::move(request.action_id), action_status::failed, "login_cancelled");
  switch (o) {
    case outcome::approved: {
      action_result r;
      r.action_id = std::move(request.action_id);
      r.status = action_status::ok;
      co_return r;
    }
    case outcome::denied: co_return fail(std::move(request.action_id), action_status::denied, "login_denied");
    case outcome::expired: co_return fail(std::move(request.action_id), action_status::timeout, "login_expired");
    case outcome::cancelled: co_return fail(std::move(request.action_id), action_status::failed, "login_cancelled");
    case outcome::failed: break;
  }
  co_return fail(std::move(request.action_id), action_status::failed, "login_failed");
}

asio::awaitable<bool> bot_login::consume(bot::conversation_ref conversation, std::string text) {
  const auto key = key_of(conversation);
  auto s = find(key);
  if (!s) co_return false;
  session::waiting state;
  int digits = 6;
  {
    std::lock_guard lock(s->mutex);
    state = s->state;
    digits = s->digits;
  }
  const auto canonical = lowered(text);
  if (std::find(texts_.cancel_words.begin(), texts_.cancel_words.end(), canonical) != texts_.cancel_words.end()) {
    if (!flow_.cancel(key)) s->answers.close();  // nothing started yet: end the question
    co_return true;
  }
  switch (state) {
    case session::waiting::answer:
      s->answers.try_send(boost::system::error_code{}, std::move(text));
      co_return true;
    case session::waiting::code: {
      auto code = code_digits(text);
      if (code.size() != static_cast<std::size_t>(digits)) {
        s->tell({fill(texts_.not_a_code, "digits", std::to_string(digits)), true, {}});
        co_return true;
      }
      core::secret_string typed(std::move(code));
      auto r = co_await flow_.verify_otp(key, std::move(typed));
      if (r && r->status == login_status::wrong_code && r->attempts_left > 0) {
        s->tell({fill(texts_.wrong_code, "attempts", std::to_string(r->attempts_left)), true, {}});
      }
      // approved, denied, expired: on_done ends start_login, which resumes the dialog.
      co_return true;
    }
    case session::waiting::nothing:
      break;
  }
  co_return false;  // a push/USSD login runs: the assistant answers (it says it is busy)
}

bool bot_login::logged_in(const bot::conversation_ref& conversation) { return flow_.logged_in(key_of(conversation)); }

asio::awaitable<result<core::secret_string>> bot_login::token(bot::conversation_ref conversation) {
  auto copy = flow_.vault().with_token(key_of(conversation), [](const crypto::sealed_secret& s) {
    return s.with_plaintext([](std::string_view t) { return core::secret_string(std::string(t)); });
  });
  if (!copy) co_return copy.error();
  if (!*copy) co_return copy->error();
  co_return std::move(**copy);
}

void bot_login::forget(const bot::conversation_ref& conversation) {
  // Conversation end: stop a login in progress and revoke the token at the bank in the background.
  const auto key = key_of(conversation);
  if (auto s = find(key)) s->answers.close();
  flow_.cancel(key);
  flow_.forget(key);
}

asio::awaitable<result<net::client_response>> bot_login::send_with_token(bot::conversation_ref conversation,
                                                                        net::client_request request) {
  const auto key = key_of(conversation);
  auto r = co_await flow_.call_api(key, std::move(request));
  if (!r && (r.error() == errc::not_logged_in || r.error() == errc::token_rejected)) {
    co_return make_error_code(bot::errc::not_logged_in);
  }
  co_return r;
}

asio::awaitable<result<void>> bot_login::logout(bot::conversation_ref conversation) {
  const auto key = key_of(conversation);
  auto r = co_await flow_.logout(key);
  if (!r && r.error() == errc::not_logged_in) co_return make_error_code(bot::errc::not_logged_in);
  co_return r;
}

}  // namespace parley::login
