#include <parley/core/clock.hpp>

namespace parley::core {
namespace {

class real_clock final : public clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point steady_now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

const clock& system_clock() noexcept {
  static const real_clock instance;
  return instance;
}

}  // namespace parley::core
