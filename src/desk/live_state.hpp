// Private: this node's view of the live desk: which desk sessions watch which conversation (the
// owning consultant's, a monitoring supervisor's), and which actor each of those sessions is.
// The queue itself (owners, versions, load) is in the store; this is only where to send events,
// so a restart loses nothing but open WebSockets (the desk app re-opens what it shows).
// Thread-safety: every member may be called from any thread (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace parley::desk::detail {

class live_state {
 public:
  using key = std::pair<std::string, std::string>;  ///< (tenant, conversation or session ref)

  /// Session `ref` of `actor` watches the conversation (until unwatch or the session ends).
  void watch(const std::string& tenant, const std::string& conversation, const std::string& ref,
             const std::string& actor) {
    std::lock_guard lock(mutex_);
    watchers_[{tenant, conversation}].insert(ref);
    actors_[{tenant, ref}] = actor;
  }
  /// Session `ref` is `actor`'s desk (it set its availability): where its assignments are told.
  void note_session(const std::string& tenant, const std::string& ref, const std::string& actor) {
    std::lock_guard lock(mutex_);
    actors_[{tenant, ref}] = actor;
  }
  /// The session refs of `actor` on this node.
  [[nodiscard]] std::vector<std::string> sessions_of(const std::string& tenant, const std::string& actor) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [k, v] : actors_) {
      if (k.first == tenant && v == actor) out.push_back(k.second);
    }
    return out;
  }
  void unwatch_all(const std::string& tenant, const std::string& conversation) {
    std::lock_guard lock(mutex_);
    watchers_.erase({tenant, conversation});
  }
  /// The session refs watching a conversation.
  [[nodiscard]] std::vector<std::string> watchers(const std::string& tenant, const std::string& conversation) const {
    std::lock_guard lock(mutex_);
    auto it = watchers_.find({tenant, conversation});
    if (it == watchers_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }
  /// Forgets a session (it ended); returns its actor if it watched anything.
  std::optional<std::string> forget_session(const std::string& tenant, const std::string& ref) {
    std::lock_guard lock(mutex_);
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      if (it->first.first == tenant) it->second.erase(ref);
      it = it->second.empty() ? watchers_.erase(it) : std::next(it);
    }
    auto a = actors_.find({tenant, ref});
    if (a == actors_.end()) return std::nullopt;
    auto actor = std::move(a->second);
    actors_.erase(a);
    return actor;
  }
  /// Tenants with a desk that used the live desk on this node (the no-answer loop's list).
  [[nodiscard]] std::set<std::string> tenants() const {
    std::lock_guard lock(mutex_);
    std::set<std::string> out = queued_tenants_;
    for (const auto& [k, v] : actors_) out.insert(k.first);
    return out;
  }
  void note_tenant(const std::string& tenant) {
    std::lock_guard lock(mutex_);
    queued_tenants_.insert(tenant);
  }

 private:
  mutable std::mutex mutex_;
  std::map<key, std::set<std::string>> watchers_;
  std::map<key, std::string> actors_;
  std::set<std::string> queued_tenants_;
};

}  // namespace parley::desk::detail
