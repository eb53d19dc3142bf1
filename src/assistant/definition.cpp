#include "model.hpp"

#include <parley/assistant/action.hpp>
#include <parley/assistant/definition.hpp>

namespace parley::assistant {

std::string_view to_string(action_kind kind) noexcept {
  switch (kind) {
    case action_kind::handoff:
      return "handoff";
    case action_kind::start_login:
      return "start_login";
    case action_kind::call_api:
      return "call_api";
    case action_kind::end_conversation:
      return "end_conversation";
  }
  return "unknown";
}

definition::definition(std::unique_ptr<const detail::model> model) : model_(std::move(model)) {}
definition::~definition() = default;

const std::string& definition::name() const noexcept {
  return model_->name;
}
std::int64_t definition::version() const noexcept {
  return model_->version;
}
const intent_matcher& definition::matcher() const noexcept {
  return model_->matcher;
}

std::vector<std::string> definition::intent_ids() const {
  std::vector<std::string> out;
  for (const auto& i : model_->intents) out.push_back(i.id);
  return out;
}

}  // namespace parley::assistant
