#include <parley/bus/testing/fake_bus.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

namespace parley::bus::testing {

namespace asio = boost::asio;

struct fake_bus::sub {
  subscription_options opts;
  asio::any_io_executor ex;
  handler h;
  bool closed = false;
};

namespace {

class handle final : public subscription {
 public:
  handle(std::shared_ptr<fake_bus::sub> s, std::mutex& m) : s_(std::move(s)), m_(m) {}
  ~handle() override { close(); }
  void close() override {
    std::lock_guard lock(m_);
    s_->closed = true;
  }
  bool attached() const override {
    std::lock_guard lock(m_);
    return !s_->closed;
  }

 private:
  std::shared_ptr<fake_bus::sub> s_;
  std::mutex& m_;
};

asio::awaitable<std::vector<error_code>> run_all(std::vector<std::shared_ptr<fake_bus::sub>> subs, message m) {
  std::vector<error_code> out;
  for (auto& s : subs) {
    auto [e, ec] = co_await asio::co_spawn(s->ex, s->h(m), asio::as_tuple(asio::use_awaitable));
    out.push_back(e ? make_error_code(errc::bad_message) : ec);
  }
  co_return out;
}

}  // namespace

fake_bus::fake_bus(std::string node_id) : node_(std::move(node_id)) {}
fake_bus::~fake_bus() = default;

void fake_bus::publish(message m, publish_callback done) {
  error_code ec;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      ec = make_error_code(errc::stopped);
    } else if (fail_) {
      ec = fail_;
    } else {
      m.id = node_ + "-" + std::to_string(++counter_);
      m.origin = node_;
      m.published_at = std::chrono::system_clock::now();
      published_.push_back(std::move(m));
    }
  }
  done(ec);
}

result<std::unique_ptr<subscription>> fake_bus::subscribe(subscription_options o, asio::any_io_executor ex, handler h) {
  if (!valid_name(o.topic) || !h) return make_error_code(errc::invalid_argument);
  auto s = std::make_shared<sub>();
  s->opts = std::move(o);
  s->ex = std::move(ex);
  s->h = std::move(h);
  std::lock_guard lock(mutex_);
  if (stopped_) return make_error_code(errc::stopped);
  subs_.push_back(s);
  return std::unique_ptr<subscription>(new handle(s, mutex_));
}

health fake_bus::status() const {
  std::lock_guard lock(mutex_);
  if (stopped_) return {make_error_code(errc::stopped), "stopped"};
  if (fail_) return {fail_, "failing on purpose"};
  return {};
}

void fake_bus::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

std::vector<message> fake_bus::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

void fake_bus::fail_publishes(error_code ec) {
  std::lock_guard lock(mutex_);
  fail_ = ec;
}

std::future<std::vector<error_code>> fake_bus::deliver(message m) {
  std::vector<std::shared_ptr<sub>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : subs_) {
      if (!s->closed && s->opts.topic == m.topic) targets.push_back(s);
    }
  }
  if (m.id.empty()) m.id = "injected-" + std::to_string(m.seq);
  if (m.published_at == std::chrono::system_clock::time_point{}) m.published_at = std::chrono::system_clock::now();
  if (targets.empty()) {
    std::promise<std::vector<error_code>> none;
    none.set_value({});
    return none.get_future();
  }
  auto ex = targets.front()->ex;
  return asio::co_spawn(ex, run_all(std::move(targets), std::move(m)), asio::use_future);
}

void fake_bus::reattach() {
  std::lock_guard lock(mutex_);
  for (const auto& s : subs_) {
    if (!s->closed && s->opts.on_reattached) asio::post(s->ex, s->opts.on_reattached);
  }
}

std::size_t fake_bus::subscriptions() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& s : subs_) n += s->closed ? 0 : 1;
  return n;
}

}  // namespace parley::bus::testing
