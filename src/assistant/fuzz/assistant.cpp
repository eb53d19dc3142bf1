// libFuzzer target "assistant": an assistant definition (TOML, docs/assistant-format.md) through
// the loader: toml++, then every check of intents, flows, slots, templates, actions and messages.
// Invariant: a definition is either loaded or refused with at least one error, never both or
// neither; a loaded one answers its own intents' ids.
#include "fuzz_target.hpp"

#include <parley/assistant/definition.hpp>

PARLEY_FUZZ_TARGET(assistant, "the assistant definition loader (TOML + validation)") {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = parley::assistant::load_definition(text, "fuzz");
  if (r.ok() == !r.errors.empty()) parley::fuzz::violated("a definition both loaded and refused, or neither");
  if (r.ok()) {
    (void)r.def->name();
    (void)r.def->intent_ids();
  }
  return 0;
}
