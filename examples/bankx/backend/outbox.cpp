#include <bankx/outbox.hpp>

namespace bankx {

void outbox::send(std::string_view customer_id, outbox_message message) {
  std::lock_guard lock(mutex_);
  auto it = boxes_.find(customer_id);
  if (it == boxes_.end()) it = boxes_.emplace(std::string(customer_id), std::deque<outbox_message>{}).first;
  it->second.push_front(std::move(message));
  while (it->second.size() > per_customer_) it->second.pop_back();
}

std::vector<outbox_message> outbox::messages(std::string_view customer_id) const {
  std::lock_guard lock(mutex_);
  const auto it = boxes_.find(customer_id);
  if (it == boxes_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace bankx
