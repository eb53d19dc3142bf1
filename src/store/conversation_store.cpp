#include <parley/store/conversation_store.hpp>

#include <string>

namespace parley::store {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.store"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::not_found:
        return "not found";
      case errc::already_exists:
        return "already exists";
      case errc::etag_mismatch:
        return "etag mismatch";
      case errc::corrupt:
        return "record failed its integrity check";
      case errc::erased:
        return "conversation erased";
      case errc::too_large:
        return "too large";
      case errc::unavailable:
        return "store unavailable";
      case errc::wrong_root_key:
        return "wrong root key";
      case errc::limit_exceeded:
        return "key use limit reached";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::key_retired:
        return "a key this data needs was retired (rotated or erased) after it was written";
      case errc::stale_erasure_secrets:
        return "the erasure secrets file does not fit this database (another installation, or older than it)";
    }
    return "unknown store error";
  }
};

}  // namespace

const boost::system::error_category& store_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view to_string(conversation_state s) noexcept {
  switch (s) {
    case conversation_state::with_bot:
      return "with_bot";
    case conversation_state::waiting_for_consultant:
      return "waiting_for_consultant";
    case conversation_state::with_consultant:
      return "with_consultant";
    case conversation_state::ended:
      return "ended";
  }
  return "with_bot";
}

std::optional<conversation_state> conversation_state_from_string(std::string_view s) noexcept {
  for (auto st : {conversation_state::with_bot, conversation_state::waiting_for_consultant,
                  conversation_state::with_consultant, conversation_state::ended}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace parley::store
