#include <parley/assistant/error.hpp>

#include <string>

namespace parley::assistant {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.assistant"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_definition:
        return "invalid assistant definition";
      case errc::corrupt_state:
        return "corrupt dialog state";
      case errc::state_too_large:
        return "dialog state too large";
      case errc::state_version:
        return "dialog state of another format version";
    }
    return "unknown assistant error";
  }
};

}  // namespace

const boost::system::error_category& assistant_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::assistant
