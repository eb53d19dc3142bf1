#include <parley/core/config.hpp>
#include <parley/core/config_keys.hpp>
#include <parley/core/toml_text.hpp>

#include <toml++/toml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

extern char** environ;

namespace parley::core {
namespace {

void secure_zero(void* p, std::size_t n) noexcept { OPENSSL_cleanse(p, n); }

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    default: return "date/time";
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// PARLEY_NET__HTTP_PORT=8080 -> net.http_port = 8080. The value is read as a TOML value when it
// is one (numbers, booleans, quoted strings, arrays) and as a plain string otherwise.
void apply_env_overrides(toml::table& root, const env_map& env, std::vector<std::string>& errors) {
  constexpr std::string_view prefix = "PARLEY_";
  for (const auto& [name, value] : env) {
    if (!name.starts_with(prefix) || name.find("__") == std::string::npos) continue;
    std::vector<std::string> path;
    std::string_view rest = std::string_view(name).substr(prefix.size());
    for (std::size_t pos; (pos = rest.find("__")) != std::string_view::npos;) {
      path.push_back(lower(rest.substr(0, pos)));
      rest.remove_prefix(pos + 2);
    }
    path.push_back(lower(rest));
    if (std::any_of(path.begin(), path.end(), [](const std::string& p) { return p.empty(); })) {
      errors.push_back("environment " + name + ": malformed override name");
      continue;
    }
    toml::table* t = &root;
    bool ok = true;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      auto* child = t->get(path[i]);
      if (!child) {
        t->insert(path[i], toml::table{});
        child = t->get(path[i]);
      }
      if (!child->is_table()) {
        errors.push_back("environment " + name + ": " + path[i] + " is not a table");
        ok = false;
        break;
      }
      t = child->as_table();
    }
    if (!ok) continue;
    // A value TOML cannot read is taken as a plain string (toml_text.hpp: some never reach toml++).
    bool typed = false;
    if (!toml_character_error(value)) {
      try {
        toml::table parsed = toml::parse("v = " + value);
        t->insert_or_assign(path.back(), *parsed.get("v"));
        typed = true;
      } catch (const toml::parse_error&) {
      }
    }
    if (!typed) t->insert_or_assign(path.back(), value);
  }
}

}  // namespace

env_map process_environment() {
  env_map env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::int64_t n = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc{} || n < 0 || p == text.data()) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(end - p));
  using namespace std::chrono;
  constexpr std::int64_t max_seconds = 100LL * 365 * 86400;
  std::int64_t ms = 0;
  if (unit == "ms") ms = n;
  else if (unit.empty() || unit == "s") ms = n * 1000;
  else if (unit == "m") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return std::nullopt;
  if (n > max_seconds * 1000 || ms / 1000 > max_seconds) return std::nullopt;
  return milliseconds{ms};
}

result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error_code(errc::io_error);
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_bytes) return make_error_code(errc::too_large);
  }
  if (in.bad()) return make_error_code(errc::io_error);
  return data;
}

result<secret_string> read_secret_file(const std::filesystem::path& file) {
  // Opened without following a symlink, then checked on the open descriptor (no race between
  // the check and the read): a regular file of this user (or root), nothing for group or others.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return make_error_code(errno == ELOOP ? errc::insecure_file : errc::io_error);
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return make_error_code(errc::io_error);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) return make_error_code(errc::insecure_file);
  if (st.st_uid != ::geteuid() && st.st_uid != 0) return make_error_code(errc::insecure_file);
  constexpr std::size_t max_bytes = 64 * 1024;
  secret_string out;
  std::string data;
  data.reserve(4096);
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      secret_string wipe(std::move(data));
      return make_error_code(errc::io_error);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max_bytes) {
      secret_string wipe(std::move(data));
      return make_error_code(errc::too_large);
    }
  }
  secure_zero(buf, sizeof buf);
  if (!data.empty() && data.back() == '\n') data.pop_back();
  if (!data.empty() && data.back() == '\r') data.pop_back();
  return secret_string{std::move(data)};
}

void scrub_environment(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    // unsetenv() only drops the pointer: the initial environment block stays readable through
    // /proc/PID/environ. So the whole "NAME=value" is overwritten where it is, after the unset
    // (which finds the entry by its name).
    char* value = ::getenv(name.c_str());
    (void)::unsetenv(name.c_str());
    if (value == nullptr) continue;
    char* entry = value - name.size() - 1;
    const bool whole = std::memcmp(entry, name.data(), name.size()) == 0 && entry[name.size()] == '=';
    if (whole) {
      secure_zero(entry, name.size() + 1 + std::strlen(value));
    } else {
      secure_zero(value, std::strlen(value));
    }
  }
}

// ---- config ----

config::config() : root_(std::make_unique<toml::table>()) {}
config::~config() = default;

std::unique_ptr<config> config::parse(std::string_view toml_text, const env_map& env, std::string source_name) {
  std::unique_ptr<config> c(new config());
  c->env_ = env;
  // Debian builds toml++ with exceptions: parse errors arrive as toml::parse_error.
  try {
    if (auto bad = toml_character_error(toml_text)) {
      c->add_error(source_name + ":" + *bad);
      toml_text = {};
    }
    *c->root_ = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& err) {
    std::ostringstream msg;
    msg << source_name << ":" << err.source().begin.line << ":" << err.source().begin.column << ": "
        << err.description();
    c->add_error(msg.str());
  }
  apply_env_overrides(*c->root_, env, c->errors_);
  return c;
}

std::unique_ptr<config> config::load_file(const std::filesystem::path& file, const env_map& env) {
  auto text = read_file(file);
  if (!text) {
    auto c = parse("", env, file.string());
    c->add_error(file.string() + ": cannot read (" + text.error().message() + ")");
    return c;
  }
  auto c = parse(*text, env, file.string());
  c->base_dir_ = file.parent_path();
  return c;
}

config_section config::section(std::string_view name) {
  const auto* node = root_->get(name);
  if (node && !node->is_table()) {
    add_error(std::string(name) + ": expected a table, found " + type_name(*node));
    node = nullptr;
  }
  return config_section(this, node ? node->as_table() : nullptr, std::string(name));
}

void config::check_sections(const std::vector<std::string_view>& known) {
  for (const auto& [key, node] : *root_) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      add_error(std::string(key.str()) + ": unknown section");
    }
  }
}

// ---- config_section ----

config_section::config_section(config* owner, const toml::table* table, std::string path)
    : owner_(owner), table_(table), path_(std::move(path)) {}

std::string config_section::key_path(std::string_view key) const { return path_ + "." + std::string(key); }

void config_section::error(std::string_view key, std::string_view message) {
  owner_->add_error(key_path(key) + ": " + std::string(message));
}

bool config_section::has(std::string_view key) const { return table_ && table_->get(key) != nullptr; }

std::string config_section::string(std::string_view key, std::string fallback) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return fallback;
  if (const auto* s = n->as_string()) return s->get();
  error(key, "expected a string, found " + type_name(*n));
  return fallback;
}

std::int64_t config_section::integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return fallback;
  const auto* i = n->as_integer();
  if (!i) {
    error(key, "expected an integer, found " + type_name(*n));
    return fallback;
  }
  if (i->get() < min || i->get() > max) {
    error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return fallback;
  }
  return i->get();
}

bool config_section::boolean(std::string_view key, bool fallback) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return fallback;
  if (const auto* b = n->as_boolean()) return b->get();
  error(key, "expected true or false, found " + type_name(*n));
  return fallback;
}

std::chrono::milliseconds config_section::duration(std::string_view key, std::chrono::milliseconds fallback) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return fallback;
  if (const auto* i = n->as_integer()) {
    if (i->get() >= 0 && i->get() <= 100LL * 365 * 86400) return std::chrono::seconds{i->get()};
  } else if (const auto* s = n->as_string()) {
    if (auto d = parse_duration(s->get())) return *d;
  }
  error(key, "expected a duration such as \"250ms\", \"15s\", \"30m\", \"1h\" or a number of seconds");
  return fallback;
}

std::vector<std::string> config_section::strings(std::string_view key, std::vector<std::string> fallback) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return fallback;
  const auto* arr = n->as_array();
  if (!arr) {
    error(key, "expected an array of strings, found " + type_name(*n));
    return fallback;
  }
  std::vector<std::string> out;
  for (const auto& el : *arr) {
    const auto* s = el.as_string();
    if (!s) {
      error(key, "expected an array of strings");
      return fallback;
    }
    out.push_back(s->get());
  }
  return out;
}

std::optional<secret_string> config_section::secret(std::string_view key) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return std::nullopt;
  const auto* t = n->as_table();
  if (!t) {
    error(key, "secrets must be references: { file = \"/path\" } or { env = \"NAME\" }, never inline values");
    return std::nullopt;
  }
  const auto* file = t->get("file");
  const auto* env = t->get("env");
  if (t->size() != 1 || (!file && !env)) {
    error(key, "a secret reference has exactly one of `file` or `env`");
    return std::nullopt;
  }
  if (file) {
    const auto* s = file->as_string();
    if (!s) {
      error(key, "`file` must be a string");
      return std::nullopt;
    }
    std::filesystem::path p(s->get());
    if (p.is_relative() && !owner_->base_dir_.empty()) p = owner_->base_dir_ / p;
    auto value = read_secret_file(p);
    if (!value) {
      error(key, "cannot use secret file " + p.string() + ": " + value.error().message() +
                     (value.error() == errc::insecure_file ? " (chmod 600 it)" : ""));
      return std::nullopt;
    }
    return std::move(*value);
  }
  const auto* s = env->as_string();
  if (!s) {
    error(key, "`env` must be a string");
    return std::nullopt;
  }
  // A variable read before (two keys may name the same one) is in the config's secret copies.
  if (const auto seen = owner_->env_secrets_.find(s->get()); seen != owner_->env_secrets_.end()) {
    return seen->second.clone();
  }
  const auto it = owner_->env_.find(s->get());
  if (it == owner_->env_.end() || it->second.empty()) {
    error(key, "environment variable " + s->get() + " is not set");
    return std::nullopt;
  }
  // The config's plain copy of the environment keeps no secret: it moves into a secret_string
  // (wiped when the config goes), and the name is recorded for scrub_environment().
  secret_string value{std::move(it->second)};
  secure_zero(it->second.data(), it->second.capacity());  // a moved-from short string keeps its bytes
  owner_->env_.erase(it);
  owner_->secret_env_.push_back(s->get());
  auto copy = value.clone();
  owner_->env_secrets_.emplace(s->get(), std::move(value));
  return copy;
}

config_section config_section::section(std::string_view key) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (n && !n->is_table()) {
    error(key, "expected a table, found " + type_name(*n));
    n = nullptr;
  }
  return config_section(owner_, n ? n->as_table() : nullptr, key_path(key));
}

std::vector<config_section> config_section::sections(std::string_view key) {
  used_.emplace_back(key);
  config_key_recorder::note(path_, key);
  std::vector<config_section> out;
  const auto* n = table_ ? table_->get(key) : nullptr;
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) {
    error(key, "expected an array of tables ([[" + key_path(key) + "]])");
    return out;
  }
  std::size_t i = 0;
  for (const auto& el : *arr) {
    const std::string p = key_path(key) + "[" + std::to_string(i++) + "]";
    if (!el.is_table()) {
      owner_->add_error(p + ": expected a table");
      continue;
    }
    out.push_back(config_section(owner_, el.as_table(), p));
  }
  return out;
}

void config_section::finish() {
  if (!table_) return;
  for (const auto& [k, node] : *table_) {
    if (std::find(used_.begin(), used_.end(), k.str()) == used_.end()) {
      owner_->add_error(key_path(k.str()) + ": unknown key");
    }
  }
}

namespace {
thread_local config_key_recorder* active_recorder = nullptr;
}  // namespace

config_key_recorder::config_key_recorder() { active_recorder = this; }
config_key_recorder::~config_key_recorder() { active_recorder = nullptr; }

void config_key_recorder::note(const std::string& section_path, std::string_view key) {
  if (active_recorder == nullptr) return;
  std::string path;
  path.reserve(section_path.size() + 1 + key.size());
  bool in_index = false;
  for (const char c : section_path) {  // "channel.bots[0]" -> "channel.bots"
    if (c == '[') in_index = true;
    if (!in_index) path.push_back(c);
    if (c == ']') in_index = false;
  }
  path.append(".").append(key);
  auto& keys = active_recorder->keys_;
  if (std::find(keys.begin(), keys.end(), path) == keys.end()) keys.push_back(std::move(path));
}

}  // namespace parley::core
