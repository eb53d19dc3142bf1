#include <parley/core/async.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/remote_jwks.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

namespace parley::jose {
namespace {

namespace asio = boost::asio;

// The host of "http://host[:port]/..." is loopback: 127.0.0.0/8, [::1] or localhost.
bool loopback_http(std::string_view url) {
  auto rest = url.substr(7);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string_view::npos) return false;
  std::string_view host = rest;
  if (host.starts_with("[")) {
    const auto end = host.find(']');
    if (end == std::string_view::npos) return false;
    return host.substr(1, end - 1) == "::1";
  }
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  // 127.a.b.c, each part 0..255
  if (!host.starts_with("127.")) return false;
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    const auto dot = host.find('.', i);
    const auto part = host.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return parts == 4;
}

// https://, or http:// only to a loopback host when the cache allows http at all: a metadata
// document (even one fetched from loopback) cannot send key fetches to plain http elsewhere.
bool acceptable_url(std::string_view url, bool allow_http) {
  constexpr std::size_t max_url = 2048;
  if (url.size() > max_url) return false;
  if (url.rfind("https://", 0) == 0) return url.size() > 8;
  return allow_http && url.rfind("http://", 0) == 0 && url.size() > 7 && loopback_http(url);
}

}  // namespace

remote_jwks_cache::remote_jwks_cache(remote_jwks_options opts, jwks_fetcher& fetcher, const core::clock& clock)
    : opts_(std::move(opts)), fetcher_(fetcher), clock_(clock) {}

remote_jwks_cache::~remote_jwks_cache() = default;

std::shared_ptr<const jwks> remote_jwks_cache::snapshot() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

remote_jwks_cache::counters remote_jwks_cache::stats() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

asio::awaitable<std::shared_ptr<const jwks>> remote_jwks_cache::keys_for(std::string kid) {
  bool fetch = false;
  {
    std::lock_guard lock(mutex_);
    const bool known = keys_ && (kid.empty() || keys_->find(kid) != nullptr);
    if (!known) {
      const auto now = clock_.steady_now();
      fetch = fetching_ || !last_attempt_ || now - *last_attempt_ >= opts_.unknown_kid_cooldown;
    }
  }
  if (fetch) co_await fetch_once();
  co_return snapshot();
}

asio::awaitable<void> remote_jwks_cache::refresh_if_due() {
  bool due = false;
  {
    std::lock_guard lock(mutex_);
    due = !fetching_ && clock_.steady_now() >= next_due_locked();
  }
  if (due) co_await fetch_once();
}

remote_jwks_cache::steady::time_point remote_jwks_cache::next_due_locked() const {
  if (!last_attempt_) return steady::time_point::min();
  if (last_failed_ || !last_success_) return *last_attempt_ + opts_.retry_after_failure;
  return *last_success_ + opts_.max_age;
}

asio::awaitable<void> remote_jwks_cache::fetch_once() {
  {
    std::unique_lock lock(mutex_);
    if (fetching_) {
      lock.unlock();
      co_await wait_for_fetch();
      co_return;
    }
    fetching_ = true;
    last_attempt_ = clock_.steady_now();
    ++counters_.fetches;
  }
  result<jwks> got = make_error_code(errc::fetch_failed);
  std::string_view why = "fetcher threw";
  try {
    got = co_await download(why);
  } catch (const std::exception&) {
    // A fetcher that throws is a bug in it; the cache keeps its last good keys all the same.
    got = make_error_code(errc::fetch_failed);
  }
  std::vector<std::function<void()>> waiters;
  std::size_t known = 0;
  {
    std::lock_guard lock(mutex_);
    fetching_ = false;
    last_failed_ = !got;
    if (got) {
      keys_ = std::make_shared<const jwks>(std::move(*got));
      last_success_ = last_attempt_;
    } else {
      ++counters_.failures;
    }
    known = keys_ ? keys_->keys().size() : 0;
    waiters.swap(waiters_);
  }
  if (!got) {
    core::logger("jose")->warn("jwks refresh from {} failed: {}; keeping {} known key(s)", opts_.url, why, known);
  }
  for (auto& w : waiters) w();
}

asio::awaitable<void> remote_jwks_cache::wait_for_fetch() {
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto resume = [ex, h] { asio::post(ex, [h] { std::move (*h)(); }); };
        {
          std::lock_guard lock(mutex_);
          if (fetching_) {
            waiters_.emplace_back(std::move(resume));
            return;
          }
        }
        resume();  // the fetch ended between the check and here
      },
      asio::use_awaitable);
}

asio::awaitable<result<jwks>> remote_jwks_cache::download(std::string_view& why) {
  const auto failed = make_error_code(errc::fetch_failed);
  std::string jwks_url = opts_.url;
  why = "url refused (https only)";
  if (!acceptable_url(jwks_url, opts_.allow_http)) co_return failed;
  const core::json_limits limits{.max_bytes = opts_.max_document_bytes, .max_depth = 16};
  if (opts_.discovery) {
    auto body = co_await fetcher_.fetch(opts_.url);
    why = "metadata fetch failed";
    if (!body) co_return failed;
    auto meta = core::parse_json_object(*body, limits);
    why = "metadata is not a JSON object";
    if (!meta) co_return failed;
    const auto issuer = core::get_string(*meta, "issuer");
    why = "metadata issuer is not the expected issuer";
    if (!opts_.expected_issuer.empty() && issuer != std::optional<std::string_view>(opts_.expected_issuer)) {
      co_return failed;
    }
    const auto uri = core::get_string(*meta, "jwks_uri");
    why = "metadata jwks_uri missing or refused (https only)";
    if (!uri || !acceptable_url(*uri, opts_.allow_http)) co_return failed;
    jwks_url = *uri;
  }
  auto body = co_await fetcher_.fetch(jwks_url);
  why = "jwks fetch failed";
  if (!body) co_return failed;
  auto set = parse_jwks(*body, {.max_bytes = opts_.max_document_bytes});
  why = "jwks refused by the strict parser";
  if (!set) co_return failed;
  // An empty set would lock every token out until the next refresh: keep the previous one instead.
  why = "jwks has no usable signing key";
  if (set->empty()) co_return failed;
  co_return std::move(*set);
}

asio::awaitable<void> remote_jwks_cache::run(std::chrono::milliseconds max_wait) {
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mutex_);
    timer_ = timer;
  }
  while (!stopped_.load()) {
    co_await refresh_if_due();
    std::chrono::milliseconds wait = max_wait;
    {
      std::lock_guard lock(mutex_);
      const auto due = next_due_locked();
      const auto now = clock_.steady_now();
      if (due > now) wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(due - now));
    }
    if (stopped_.load()) break;
    if (woken_.exchange(false)) continue;  // woken while not asleep: look again now
    timer->expires_after(std::max(wait, std::chrono::milliseconds{10}));
    co_await timer->async_wait(core::use_tuple);
  }
  std::lock_guard lock(mutex_);
  timer_.reset();
}

void remote_jwks_cache::stop() {
  stopped_.store(true);
  interrupt_sleep();
}

void remote_jwks_cache::wake() {
  woken_.store(true);
  interrupt_sleep();
}

void remote_jwks_cache::interrupt_sleep() {
  std::shared_ptr<asio::steady_timer> timer;
  {
    std::lock_guard lock(mutex_);
    timer = timer_;
  }
  // The timer is only touched on run()'s executor (a strand); cancel it there.
  if (timer) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

}  // namespace parley::jose
