#include <parley/core/error.hpp>
#include <parley/net/metrics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <variant>

namespace parley::net {
namespace {

enum metric_type { counter_type = 0, gauge_type = 1, histogram_type = 2 };

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) { return valid_metric_name(n) && n.find(':') == std::string_view::npos; }

void escape_into(std::string& out, std::string_view v, bool quote) {
  for (const char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
}

// `a="1",b="2"` (no braces), the key of one series inside its family.
std::string label_text(const labels& l) {
  std::string out;
  for (const auto& [k, v] : l) {
    PARLEY_CHECK(valid_label_name(k) && k != "le", "invalid metric label name");
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    escape_into(out, v, true);
    out += '"';
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

void series_line(std::string& out, std::string_view name, std::string_view labels_text, std::string_view extra,
                 std::string_view value) {
  out += name;
  if (!labels_text.empty() || !extra.empty()) {
    out += '{';
    out += labels_text;
    if (!labels_text.empty() && !extra.empty()) out += ',';
    out += extra;
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  PARLEY_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()) &&
                   std::adjacent_find(bounds_.begin(), bounds_.end()) == bounds_.end(),
               "histogram bounds must be strictly ascending");
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
}

void histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v: "le"
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

struct metrics_registry::family {
  std::string help;
  int type = 0;
  std::vector<double> bounds;
  std::map<std::string, std::variant<std::unique_ptr<counter>, std::unique_ptr<gauge>, std::unique_ptr<histogram>>>
      series;
  struct callback {
    std::string labels_text;
    std::function<double()> fn;
    const void* owner;
  };
  std::vector<callback> callbacks;
};

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

metrics_registry::family& metrics_registry::family_for(std::string_view name, std::string_view help, int type) {
  PARLEY_CHECK(valid_metric_name(name), "invalid metric name");
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto f = std::make_unique<family>();
    f->help = std::string(help);
    f->type = type;
    it = families_.emplace(std::string(name), std::move(f)).first;
  }
  PARLEY_CHECK(it->second->type == type, "metric registered twice with different types");
  return *it->second;
}

counter& metrics_registry::counter_for(std::string_view name, std::string_view help, const labels& l) {
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, counter_type);
  auto [it, inserted] = f.series.try_emplace(label_text(l), std::unique_ptr<counter>());
  if (inserted) it->second = std::make_unique<counter>();
  return *std::get<0>(it->second);
}

gauge& metrics_registry::gauge_for(std::string_view name, std::string_view help, const labels& l) {
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, gauge_type);
  auto [it, inserted] = f.series.try_emplace(label_text(l), std::unique_ptr<gauge>());
  if (inserted) it->second = std::make_unique<gauge>();
  return *std::get<1>(it->second);
}

histogram& metrics_registry::histogram_for(std::string_view name, std::string_view help,
                                           const std::vector<double>& bounds, const labels& l) {
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, histogram_type);
  if (f.series.empty() && f.bounds.empty()) f.bounds = bounds;
  PARLEY_CHECK(f.bounds == bounds, "histogram registered twice with different buckets");
  auto [it, inserted] = f.series.try_emplace(label_text(l), std::unique_ptr<histogram>());
  if (inserted) it->second = std::make_unique<histogram>(bounds);
  return *std::get<2>(it->second);
}

void metrics_registry::gauge_callback(std::string_view name, std::string_view help, const labels& l,
                                      std::function<double()> fn, const void* owner) {
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, gauge_type);
  f.callbacks.push_back({label_text(l), std::move(fn), owner});
}

void metrics_registry::remove_callbacks(const void* owner) {
  std::lock_guard lock(mutex_);
  for (auto& [name, f] : families_) {
    std::erase_if(f->callbacks, [&](const family::callback& c) { return c.owner == owner; });
  }
}

std::string metrics_registry::render() const {
  static constexpr std::string_view type_names[] = {"counter", "gauge", "histogram"};
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    escape_into(out, f->help, false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type_names[f->type];
    out += '\n';
    for (const auto& [lt, metric] : f->series) {
      if (const auto* c = std::get_if<0>(&metric)) {
        series_line(out, name, lt, {}, std::to_string((*c)->value()));
      } else if (const auto* g = std::get_if<1>(&metric)) {
        series_line(out, name, lt, {}, format_value((*g)->value()));
      } else {
        const histogram& h = *std::get<2>(metric);
        const std::string bucket_name = name + "_bucket";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
          cumulative += h.bucket(i);
          const std::string le =
              "le=\"" + (i < h.bounds().size() ? format_value(h.bounds()[i]) : std::string("+Inf")) + "\"";
          series_line(out, bucket_name, lt, le, std::to_string(cumulative));
        }
        series_line(out, name + "_sum", lt, {}, format_value(h.sum()));
        // The +Inf bucket, not count(): a scrape racing observe() must still see them equal.
        series_line(out, name + "_count", lt, {}, std::to_string(cumulative));
      }
    }
    for (const auto& cb : f->callbacks) series_line(out, name, cb.labels_text, {}, format_value(cb.fn()));
  }
  return out;
}

}  // namespace parley::net
