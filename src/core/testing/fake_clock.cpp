#include <parley/core/testing/fake_clock.hpp>

namespace parley::core::testing {

using namespace std::chrono;

fake_clock::fake_clock() : wall_ms_(1'767'225'600'000LL) {}

system_clock::time_point fake_clock::now() const { return system_clock::time_point{milliseconds{wall_ms_.load()}}; }

steady_clock::time_point fake_clock::steady_now() const {
  return steady_clock::time_point{duration_cast<steady_clock::duration>(milliseconds{steady_ms_.load()})};
}

void fake_clock::advance(milliseconds d) {
  wall_ms_ += d.count();
  steady_ms_ += d.count();
}

void fake_clock::set_now(system_clock::time_point t) {
  wall_ms_ = duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace parley::core::testing
