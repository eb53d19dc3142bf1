// Unit tests beside the code reach the service's state through this friend (service.hpp).
// (messages_test.cpp holds an identical definition.)
#pragma once

#include "service_state.hpp"

namespace parley::bot {
struct service_test_access {
  static state_ptr get(service& s) { return s.state_; }
};
}  // namespace parley::bot
