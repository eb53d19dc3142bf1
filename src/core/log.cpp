#include <parley/core/error.hpp>
#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/core/log_format.hpp>

#include <openssl/crypto.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace parley::core {
namespace {

bool is_b64url(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

bool iequals_at(std::string_view s, std::size_t pos, std::string_view word) {
  if (pos + word.size() > s.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != word[i]) return false;
  }
  return true;
}

// Length of a JWS/JWE-looking run starting at pos ("eyJ" + base64url segments joined by dots),
// or 0 when the text there is not one.
std::size_t jwt_length(std::string_view s, std::size_t pos) {
  if (s.compare(pos, 3, "eyJ") != 0) return 0;
  std::size_t i = pos;
  int dots = 0;
  while (i < s.size() && (is_b64url(s[i]) || s[i] == '.')) {
    if (s[i] == '.') ++dots;
    ++i;
  }
  return dots >= 1 ? i - pos : 0;
}

// Parameter names whose values are always masked ("secret=...", "password: ...").
constexpr std::array<std::string_view, 8> secret_params = {"secret",        "password",     "passwd",        "token",
                                                           "client_secret", "access_token", "refresh_token", "apikey"};

std::size_t secret_param_value_start(std::string_view s, std::size_t pos) {
  for (const auto name : secret_params) {
    if (!iequals_at(s, pos, name)) continue;
    const std::size_t end = pos + name.size();
    if (pos > 0 && is_b64url(s[pos - 1])) return 0;  // part of a longer word
    if (end < s.size() && (s[end] == '=' || s[end] == ':')) {
      std::size_t v = end + 1;
      while (v < s.size() && s[v] == ' ') ++v;
      return v;
    }
  }
  return 0;
}

std::atomic<std::uint64_t> dropped_total{0};

class redacting_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit redacting_sink(std::shared_ptr<spdlog::sinks::dist_sink_mt> inner) : inner_(std::move(inner)) {}

  void set_budget(double per_second, double burst) {
    std::lock_guard lock(mutex_);
    per_second_ = per_second;
    burst_ = std::max(1.0, burst);
    for (auto& b : buckets_) b.tokens = burst_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    // Errors have a budget of their own: a flood of refusals (info) must not hide a bug's line.
    auto& b = buckets_[msg.level >= spdlog::level::err ? 1 : 0];
    if (!admit(b)) {
      ++b.dropped;
      dropped_total.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (b.dropped > 0 && b.last - b.last_note >= std::chrono::seconds(1)) {
      // Told by the next line that passes, at most once a second: how many went missing.
      const auto text = fmt::format("log budget ({}/s) exceeded: {} line(s) dropped", per_second_, b.dropped);
      spdlog::details::log_msg note(msg.time, spdlog::source_loc{}, "core", spdlog::level::warn, text);
      inner_->log(note);
      b.dropped = 0;
      b.last_note = b.last;
    }
    const std::string clean = redact_secrets({msg.payload.data(), msg.payload.size()});
    spdlog::details::log_msg copy = msg;
    copy.payload = clean;
    inner_->log(copy);
  }
  void flush_() override { inner_->flush(); }

 private:
  // A token bucket over lines (under the sink's mutex).
  struct bucket {
    double tokens = log_options{}.burst_lines;
    std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
    std::uint64_t dropped = 0;
    std::chrono::steady_clock::time_point last_note{};
  };
  bool admit(bucket& b) const {
    if (per_second_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    b.tokens = std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.last).count() * per_second_);
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  std::shared_ptr<spdlog::sinks::dist_sink_mt> inner_;
  double per_second_ = log_options{}.max_lines_per_second;
  double burst_ = log_options{}.burst_lines;
  std::array<bucket, 2> buckets_;  // [0]: trace to warn, [1]: error and critical
};

struct shared_sinks {
  std::shared_ptr<spdlog::sinks::dist_sink_mt> dist = std::make_shared<spdlog::sinks::dist_sink_mt>();
  std::shared_ptr<redacting_sink> front = std::make_shared<redacting_sink>(dist);
  std::shared_ptr<spdlog::sinks::sink> primary;
  spdlog::level::level_enum level = spdlog::level::info;
  std::mutex mutex;

  shared_sinks() {
    primary = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    dist->add_sink(primary);
    dist->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %n: %v");
  }
};

shared_sinks& sinks() {
  static shared_sinks instance;
  return instance;
}

// The bytes of `s` as the inside of a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD (a log line stays valid JSON whatever it quotes).
void append_json_string(spdlog::memory_buf_t& out, std::string_view s) {
  constexpr std::string_view hex = "0123456789abcdef";
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20 || c == 0x7f) {
        const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out.append(esc, esc + sizeof esc);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, continuation bytes 10xxxxxx, no overlong
    // forms, no surrogates, nothing above U+10FFFF.
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07;
    }
    bool ok = n != 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3f);
    }
    ok = ok && !(n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) &&
         !(n == 4 && (cp < 0x10000 || cp > 0x10ffff));
    if (ok) {
      out.append(s.data() + i, s.data() + i + n);
      i += n;
    } else {
      constexpr std::string_view replacement = "\\ufffd";
      out.append(replacement.data(), replacement.data() + replacement.size());
      ++i;
    }
  }
}

void append(spdlog::memory_buf_t& out, std::string_view s) {
  out.append(s.data(), s.data() + s.size());
}

// One line per message in the chosen format (log_format.hpp); the payload is already redacted.
class line_formatter final : public spdlog::formatter {
 public:
  explicit line_formatter(log_format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const std::string_view component(msg.logger_name.data(), msg.logger_name.size());
    if (format_ == log_format::journal) {
      // sd-daemon(3) priority prefixes: journald stores the level, and adds the time itself.
      static constexpr std::array<std::string_view, 7> priority = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
      append(dest, priority[static_cast<std::size_t>(msg.level)]);
      append(dest, component);
      append(dest, ": ");
      append(dest, payload);
      dest.push_back('\n');
      return;
    }
    const auto since_epoch = msg.time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const std::time_t tt = seconds.count();
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char ts[40];
    const auto len =
        std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    append(dest, "{\"ts\":\"");
    append(dest, std::string_view(ts, static_cast<std::size_t>(std::max(0, len))));
    append(dest, "\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    append(dest, std::string_view(level.data(), level.size()));
    append(dest, "\",\"component\":\"");
    append_json_string(dest, component);
    if (const auto* ids = log_fields_scope::current()) {
      for (const auto& [name, value] : {std::pair{"conversation", ids->conversation}, std::pair{"tenant", ids->tenant},
                                        std::pair{"request_id", ids->request_id}, std::pair{"trace_id", ids->trace_id}}) {
        if (value.empty()) continue;
        append(dest, "\",\"");
        append(dest, name);
        append(dest, "\":\"");
        append_json_string(dest, value);
      }
    }
    append(dest, "\",\"msg\":\"");
    append_json_string(dest, payload);
    append(dest, "\"}\n");
  }

  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(format_);
  }

 private:
  log_format format_;
};

// JOURNAL_STREAM="DEV:INODE" names the journal's stream when systemd connected stderr to it.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace

std::string redact_secrets(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (const auto n = jwt_length(s, i); n > 0) {
      out += "[jwt redacted]";
      i += n;
      continue;
    }
    if (iequals_at(s, i, "bearer ") && (i == 0 || !is_b64url(s[i - 1]))) {
      out.append(s.substr(i, 7));
      i += 7;
      std::size_t end = i;
      while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end])) && s[end] != '"' && s[end] != ',')
        ++end;
      if (end > i) out += "[redacted]";
      i = end;
      continue;
    }
    if (const auto v = secret_param_value_start(s, i); v > 0) {
      out.append(s.substr(i, v - i));
      std::size_t end = v;
      while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end])) && s[end] != '&' && s[end] != '"' &&
             s[end] != ',' && s[end] != ';')
        ++end;
      if (end > v) out += "[redacted]";
      i = end;
      continue;
    }
    out += s[i++];
  }
  return out;
}

boost::system::error_code init_logging(const log_options& opts) {
  const auto level = spdlog::level::from_str(opts.level);
  if (level == spdlog::level::off && opts.level != "off") return make_error_code(errc::invalid_argument);
  auto& st = sinks();
  std::lock_guard lock(st.mutex);
  std::shared_ptr<spdlog::sinks::sink> primary;
  try {
    if (opts.file.empty()) {
      primary = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      primary = std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.file, false);
    }
  } catch (const spdlog::spdlog_ex&) {
    return make_error_code(errc::io_error);
  }
  primary->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %n: %v");
  st.dist->remove_sink(st.primary);
  st.dist->add_sink(primary);
  st.primary = primary;
  st.level = level;
  st.front->set_budget(opts.max_lines_per_second, opts.burst_lines);
  spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
  return {};
}

std::optional<log_format> parse_log_format(std::string_view name) {
  if (name == "auto") return log_format::automatic;
  if (name == "text") return log_format::text;
  if (name == "journal") return log_format::journal;
  if (name == "json") return log_format::json;
  return std::nullopt;
}

boost::system::error_code set_log_format(log_format format) {
  auto& st = sinks();
  std::lock_guard lock(st.mutex);
  if (format == log_format::automatic) {
    const bool to_stderr = std::dynamic_pointer_cast<spdlog::sinks::stderr_sink_mt>(st.primary) != nullptr;
    format = to_stderr && stderr_is_journal() ? log_format::journal : log_format::text;
  }
  if (format == log_format::text) {
    st.primary->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %n: %v");
  } else {
    st.primary->set_formatter(std::make_unique<line_formatter>(format));
  }
  return {};
}

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  auto& st = sinks();
  std::lock_guard lock(st.mutex);
  const std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto l = std::make_shared<spdlog::logger>(name, st.front);
  l->set_level(st.level);
  l->flush_on(spdlog::level::warn);
  spdlog::register_logger(l);
  return l;
}

bool log_throttle::due() noexcept {
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::int64_t next = next_.load(std::memory_order_relaxed);
  if (now < next) return false;
  const std::int64_t later = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_).count();
  return next_.compare_exchange_strong(next, later, std::memory_order_relaxed);
}

std::uint64_t dropped_log_lines() noexcept {
  return dropped_total.load(std::memory_order_relaxed);
}

void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
  sinks().dist->add_sink(std::move(sink));
}

void remove_log_sink(const std::shared_ptr<spdlog::sinks::sink>& sink) {
  sinks().dist->remove_sink(sink);
}

secret_string::secret_string(secret_string&& other) noexcept : value_(std::move(other.value_)) {
  other.wipe();
}

secret_string& secret_string::operator=(secret_string&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

secret_string::~secret_string() {
  wipe();
}

void secret_string::wipe() noexcept {
  // capacity(), not size(): a moved-from short string keeps its old bytes in the inline buffer.
  OPENSSL_cleanse(value_.data(), value_.capacity());
  value_.clear();
}

namespace {
thread_local const log_fields* current_log_fields = nullptr;
}  // namespace

log_fields_scope::log_fields_scope(const log_fields& fields) noexcept : previous_(current_log_fields) {
  current_log_fields = &fields;
}
log_fields_scope::~log_fields_scope() { current_log_fields = previous_; }
const log_fields* log_fields_scope::current() noexcept { return current_log_fields; }

}  // namespace parley::core
