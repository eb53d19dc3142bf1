#include "loader_impl.hpp"

#include <parley/assistant/definition.hpp>
#include <parley/core/config.hpp>
#include <parley/core/toml_text.hpp>

#include <algorithm>
#include <set>

namespace parley::assistant::detail {
namespace {

constexpr std::size_t max_id_length = 64;
constexpr std::size_t max_title_length = 100;
constexpr std::size_t max_text_length = 4000;

const std::vector<std::string> default_cancel_phrases = {
    "cancel", "cancel that", "cancel it", "stop",      "stop it",         "quit",      "exit",
    "abort",  "never mind",  "nevermind", "forget it", "forget about it", "start over"};

std::string default_title(std::string_view id) {
  std::string out(id);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

say_spec fixed(std::string_view text) {
  std::string err;
  say_spec s;
  s.variations.push_back(*text_template::parse(text, err));
  return s;
}

messages_def default_messages() {
  messages_def m;
  m.ambiguous = fixed("I'm not sure which one you mean. Please choose:");
  m.busy = fixed("One moment please, I'm still working on your previous request.");
  m.cancelled = fixed("OK, I've stopped that. What else can I do for you?");
  m.invalid = fixed("Sorry, that isn't an answer I can use.");
  m.give_up = fixed("Sorry, I still couldn't understand. Let's leave that for now.");
  m.login_required = fixed("To do that, you need to log in first.");
  m.login_failed = fixed("Sorry, the login did not work. Please try again later.");
  m.login_denied = fixed("The login was declined, so I can't do that.");
  m.login_timeout = fixed("The login was not confirmed in time. Please try again.");
  m.login_expired = fixed("Your session at the bank has ended, so I couldn't finish that. Please log in again.");
  m.action_failed = fixed("Sorry, something went wrong on our side. Please try again later.");
  return m;
}

}  // namespace

bool loader::check_id(table_reader& t, std::string_view key, const std::string& id) {
  const bool ok = !id.empty() && id.size() <= max_id_length && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok) t.error(key, "\"" + id + "\" is not an id: use 1 to 64 lower-case letters, digits and '_'");
  return ok;
}

void loader::check_placeholders(table_reader& t, std::string_view key, const text_template& tpl, const scope& sc,
                                std::string_view what) {
  for (const auto& name : tpl.names()) {
    if (std::find(std::begin(builtin_names), std::end(builtin_names), name) != std::end(builtin_names)) continue;
    if (std::find(sc.names.begin(), sc.names.end(), name) != sc.names.end()) continue;
    std::string msg = std::string(what) + "{" + name + "} names no slot or action result";
    if (!sc.context.empty()) msg += " " + sc.context;
    t.error(key, msg);
  }
}

say_spec loader::read_variations(table_reader& t, std::string_view key, const scope& sc, bool required) {
  say_spec out;
  auto texts = t.strings(key, true, required);
  if (!texts) return out;
  if (texts->empty()) {
    t.error(key, "needs at least one variation");
    return out;
  }
  for (std::size_t i = 0; i < texts->size(); ++i) {
    const auto& text = (*texts)[i];
    const std::string where = texts->size() > 1 ? "[" + std::to_string(i) + "] " : "";
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      t.error(key, where + "is empty");
      continue;
    }
    if (text.size() > max_text_length) {
      t.error(key, where + "is longer than " + std::to_string(max_text_length) + " bytes");
      continue;
    }
    std::string err;
    auto tpl = text_template::parse(text, err);
    if (!tpl) {
      t.error(key, where + err);
      continue;
    }
    check_placeholders(t, key, *tpl, sc);
    out.variations.push_back(std::move(*tpl));
  }
  return out;
}

std::vector<suggested_action> loader::read_buttons(table_reader& t, std::string_view key) {
  std::vector<suggested_action> out;
  for (auto& b : t.tables(key)) {
    suggested_action a;
    auto title = b.string("title", true);
    if (title) {
      if (title->empty() || title->size() > max_title_length) {
        b.error("title", "must be 1 to " + std::to_string(max_title_length) + " bytes");
      }
      a.title = *title;
    }
    auto value = b.string("value");
    auto intent = b.string("intent");
    auto type = b.string("type");
    if (value.has_value() == intent.has_value()) {
      b.error("a button has exactly one of `value` (text to send back) or `intent` (an intent to run)");
    } else if (value) {
      if (value->empty() || value->size() > max_text_length) b.error("value", "must not be empty");
      a.value = boost::json::string(*value);
      a.kind = button_kind::im_back;
      if (type && *type == "postBack") {
        a.kind = button_kind::post_back;
      } else if (type && *type != "imBack") {
        b.error("type", "must be \"imBack\" or \"postBack\"");
      }
    } else {
      if (type) b.error("type", "an intent button is always a postBack");
      a.kind = button_kind::post_back;
      a.value = boost::json::object{{"intent", *intent}};
      intent_refs_.push_back({*intent, b.node("intent"), b.key_path("intent")});
    }
    b.finish();
    out.push_back(std::move(a));
  }
  return out;
}

say_spec loader::read_say(table_reader& t, const scope& sc, bool required) {
  say_spec out;
  const bool has_say = t.has("say");
  const bool has_response = t.has("response");
  if (has_say && has_response) t.error("response", "give either `say` or `response`, not both");
  if (has_response) {
    if (auto id = t.string("response")) {
      const auto it = responses_.find(*id);
      if (it == responses_.end()) {
        t.error("response", "no response \"" + *id + "\" in [[responses]]");
      } else {
        out = it->second.say;
        for (const auto& v : out.variations) {
          check_placeholders(t, "response", v, sc, "response \"" + *id + "\" uses ");
        }
      }
    }
  } else {
    out = read_variations(t, "say", sc, required && !has_response);
  }
  auto buttons = read_buttons(t, "buttons");
  if (!buttons.empty()) {
    if (has_response && !out.buttons.empty()) t.error("buttons", "the response already has buttons");
    out.buttons = std::move(buttons);
  }
  return out;
}

void loader::read_assistant(table_reader& root, model& m) {
  auto a = root.table("assistant");
  if (!a) {
    root.error("assistant", "missing (required): [assistant] with at least `name`");
    return;
  }
  if (auto name = a->string("name", true)) {
    if (name->empty() || name->size() > max_title_length) a->error("name", "must be 1 to 100 bytes");
    m.name = *name;
  }
  if (auto v = a->integer("version", 1, INT32_MAX)) m.version = *v;
  if (auto t = a->string("yes_title")) m.yes_title = *t;
  if (auto t = a->string("no_title")) m.no_title = *t;
  if (auto t = a->string("login_again_title")) m.login_again_title = *t;
  auto cancel = a->strings("cancel", false).value_or(default_cancel_phrases);
  for (const auto& phrase : cancel) {
    auto c = intent_matcher::canonical(phrase);
    if (c.empty()) {
      a->error("cancel", "\"" + phrase + "\" has no words");
    } else {
      m.cancel_phrases.push_back(std::move(c));
    }
  }
  a->finish();
}

void loader::read_messages(table_reader& root, model& m) {
  m.messages = default_messages();
  auto t = root.table("messages");
  if (!t) return;
  const scope sc{};
  struct entry {
    std::string_view key;
    say_spec messages_def::*member;
  };
  static constexpr entry entries[] = {
      {"ambiguous", &messages_def::ambiguous},
      {"busy", &messages_def::busy},
      {"cancelled", &messages_def::cancelled},
      {"invalid", &messages_def::invalid},
      {"give_up", &messages_def::give_up},
      {"login_required", &messages_def::login_required},
      {"login_failed", &messages_def::login_failed},
      {"login_denied", &messages_def::login_denied},
      {"login_timeout", &messages_def::login_timeout},
      {"login_expired", &messages_def::login_expired},
      {"action_failed", &messages_def::action_failed},
  };
  for (const auto& e : entries) {
    if (!t->has(e.key)) continue;
    auto s = read_variations(*t, e.key, sc, false);
    if (!s.empty()) m.messages.*(e.member) = std::move(s);
  }
  t->finish();
}

void loader::read_responses(table_reader& root) {
  const scope any{{}, {}};
  for (auto& r : root.tables("responses")) {
    auto id = r.string("id", true);
    if (!id || !check_id(r, "id", *id)) {
      (void)r.strings("say", true);
      (void)r.node("buttons");
      r.finish();
      continue;
    }
    // Placeholders are checked where the response is used (each use has its own slots).
    say_spec s;
    if (auto texts = r.strings("say", true, true)) {
      if (texts->empty()) r.error("say", "needs at least one variation");
      for (const auto& text : *texts) {
        std::string err;
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
          r.error("say", "has an empty variation");
        } else if (auto tpl = text_template::parse(text, err)) {
          s.variations.push_back(std::move(*tpl));
        } else {
          r.error("say", err);
        }
      }
    }
    s.buttons = read_buttons(r, "buttons");
    if (responses_.count(*id)) {
      r.error("id", "duplicate response id \"" + *id + "\"");
    } else {
      responses_.emplace(*id, response_entry{std::move(s), r.node("id")});
    }
    r.finish();
  }
}

void loader::read_intents(table_reader& root, model& m, std::vector<intent_examples>& examples) {
  std::map<std::string, std::string> canonical_seen;  // canonical example -> where
  const scope builtins{};
  for (auto& t : root.tables("intents")) {
    intent_def intent;
    auto id = t.string("id", true);
    const bool id_ok = id && check_id(t, "id", *id);
    if (id_ok) {
      intent.id = *id;
      if (!intent_ids_.emplace(*id, m.intents.size()).second) t.error("id", "duplicate intent id \"" + *id + "\"");
    }
    intent.title = t.string("title").value_or(default_title(intent.id));
    intent_examples ex{intent.id, {}};
    if (auto list = t.strings("examples", false, true)) {
      if (list->empty()) t.error("examples", "needs at least one example utterance");
      for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& text = (*list)[i];
        const std::string where = t.key_path("examples") + "[" + std::to_string(i) + "]";
        const auto c = intent_matcher::canonical(text);
        if (c.empty()) {
          t.error("examples", "[" + std::to_string(i) + "] has no words");
          continue;
        }
        if (auto [it, added] = canonical_seen.emplace(c, where); !added) {
          t.error("examples", "[" + std::to_string(i) + "] \"" + text + "\" is the same utterance as " + it->second);
          continue;
        }
        ex.examples.push_back(text);
      }
    }
    intent.say = read_say(t, builtins, false);
    if (auto flow = t.string("flow"))
      intent_flows_.push_back({m.intents.size(), *flow, t.node("flow"), t.key_path("flow")});
    if (intent.say.empty() && !t.has("flow")) t.error("an intent needs `say`, `response` or `flow`");
    intent.requires_login = t.boolean("requires_login").value_or(false);
    if (t.has("not_logged_in")) {
      if (!intent.requires_login) t.error("not_logged_in", "only for intents with requires_login = true");
      intent.not_logged_in = read_variations(t, "not_logged_in", builtins, false);
    }
    t.finish();
    intent.examples = ex.examples;
    m.intents.push_back(std::move(intent));
    examples.push_back(std::move(ex));
  }
}

void loader::read_welcome_and_fallback(table_reader& root, model& m) {
  const scope builtins{};
  if (auto w = root.table("welcome")) {
    m.welcome = read_say(*w, builtins, true);
    m.welcome_events = w->strings("events", false).value_or(std::vector<std::string>{});
    w->finish();
  }
  m.fallback = fixed("Sorry, I didn't get that.");
  if (auto f = root.table("fallback")) {
    auto s = read_say(*f, builtins, true);
    if (!s.empty()) m.fallback = std::move(s);
    m.handoff_after = f->integer("handoff_after", 0, 10).value_or(0);
    if (auto flow = f->string("handoff_flow")) {
      fallback_flow_ = *flow;
      fallback_flow_at_ = f->node("handoff_flow");
      fallback_flow_path_ = f->key_path("handoff_flow");
    }
    if ((m.handoff_after > 0) != !fallback_flow_.empty()) {
      f->error("handoff_after and handoff_flow go together: after handoff_after misses in a row, handoff_flow starts");
    }
    f->finish();
  }
}

void loader::resolve_intents(model& m) {
  for (const auto& ref : intent_flows_) {
    const auto it = flow_ids_.find(ref.flow);
    if (it == flow_ids_.end()) {
      sink_.add(ref.at, ref.path, "no flow \"" + ref.flow + "\" in [[flows]]");
    } else {
      m.intents[ref.intent].flow = it->second;
    }
  }
  for (const auto& ref : intent_refs_) {
    if (!intent_ids_.count(ref.intent)) sink_.add(ref.at, ref.path, "no intent \"" + ref.intent + "\" in [[intents]]");
  }
  if (!fallback_flow_.empty()) {
    const auto it = flow_ids_.find(fallback_flow_);
    if (it == flow_ids_.end()) {
      sink_.add(fallback_flow_at_, fallback_flow_path_, "no flow \"" + fallback_flow_ + "\" in [[flows]]");
    } else {
      m.handoff_flow = it->second;
    }
  }
}

std::unique_ptr<model> loader::load(const toml::table& root_table) {
  auto m = std::make_unique<model>();
  table_reader root(sink_, root_table, "");
  read_assistant(root, *m);
  matcher_options mo;
  if (auto t = root.table("matcher")) {
    mo.threshold = t->number("threshold", 0.0, 1.0).value_or(mo.threshold);
    mo.margin = t->number("margin", 0.0, 1.0).value_or(mo.margin);
    t->finish();
  }
  read_messages(root, *m);
  read_responses(root);
  std::vector<intent_examples> examples;
  read_intents(root, *m, examples);
  read_welcome_and_fallback(root, *m);
  read_flows(root, *m);
  resolve_intents(*m);
  root.finish();
  if (!sink_.errors().empty()) return nullptr;
  m->matcher = intent_matcher(examples, mo);
  return m;
}

}  // namespace parley::assistant::detail

namespace parley::assistant {

load_result load_definition(std::string_view toml_text, std::string_view source_name) {
  load_result out;
  detail::error_sink sink{std::string(source_name)};
  toml::table root;
  if (auto bad = core::toml_character_error(toml_text)) {  // toml++ 3.3.0 asserts on some (toml_text.hpp)
    out.errors.push_back(std::string(source_name) + ":" + *bad);
    return out;
  }
  // Debian builds toml++ with exceptions: syntax errors arrive as toml::parse_error.
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& err) {
    out.errors.push_back(std::string(source_name) + ":" + std::to_string(err.source().begin.line) + ":" +
                         std::to_string(err.source().begin.column) + ": " + std::string(err.description()));
    return out;
  }
  detail::loader l(sink);
  auto m = l.load(root);
  out.errors = sink.take();
  if (m && out.errors.empty()) out.def = std::make_shared<const definition>(std::move(m));
  return out;
}

load_result load_definition_file(const std::filesystem::path& file) {
  auto text = core::read_file(file, 4 << 20);
  if (!text) {
    load_result out;
    out.errors.push_back(file.string() + ": cannot read (" + text.error().message() + ")");
    return out;
  }
  return load_definition(*text, file.string());
}

}  // namespace parley::assistant
