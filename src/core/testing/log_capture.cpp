#include <parley/core/log.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <spdlog/sinks/base_sink.h>

#include <mutex>

namespace parley::core::testing {

struct log_capture::impl : spdlog::sinks::base_sink<std::mutex> {
  std::vector<std::string> captured;
  mutable std::mutex read_mutex;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::lock_guard lock(read_mutex);
    captured.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}
};

log_capture::log_capture() : impl_(std::make_shared<impl>()) { add_log_sink(impl_); }

log_capture::~log_capture() { remove_log_sink(impl_); }

std::vector<std::string> log_capture::lines() const {
  std::lock_guard lock(impl_->read_mutex);
  return impl_->captured;
}

bool log_capture::contains(std::string_view needle) const {
  std::lock_guard lock(impl_->read_mutex);
  for (const auto& l : impl_->captured) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace parley::core::testing
