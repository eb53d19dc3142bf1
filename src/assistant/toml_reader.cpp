#include "toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace parley::assistant::detail {

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    default:
      return "date/time";
  }
}

void error_sink::add(const toml::node* at, std::string_view path, std::string_view message) {
  std::string line = source_;
  if (at && at->source().begin.line > 0) {
    line += ":" + std::to_string(at->source().begin.line) + ":" + std::to_string(at->source().begin.column);
  }
  line += ": ";
  if (!path.empty()) {
    line += path;
    line += ": ";
  }
  line += message;
  errors_.push_back(std::move(line));
}

table_reader::table_reader(error_sink& sink, const toml::table& table, std::string path)
    : sink_(&sink), table_(&table), path_(std::move(path)) {}

std::string table_reader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool table_reader::has(std::string_view key) const {
  return table_->get(key) != nullptr;
}

const toml::node* table_reader::lookup(std::string_view key) {
  if (std::find(used_.begin(), used_.end(), key) == used_.end()) used_.emplace_back(key);
  return table_->get(key);
}

void table_reader::wrong_type(std::string_view key, const toml::node& n, std::string_view expected) {
  sink_->add(&n, key_path(key), "expected " + std::string(expected) + ", found " + std::string(type_name(n)));
}

void table_reader::error(std::string_view key, std::string_view message) {
  const auto* n = table_->get(key);
  sink_->add(n ? n : table_, key_path(key), message);
}

void table_reader::error(std::string_view message) {
  sink_->add(table_, path_, message);
}

std::optional<std::string> table_reader::string(std::string_view key, bool required) {
  const auto* n = lookup(key);
  if (!n) {
    if (required) sink_->add(table_, key_path(key), "missing (required)");
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) return s->get();
  wrong_type(key, *n, "a string");
  return std::nullopt;
}

std::optional<std::int64_t> table_reader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const auto* n = lookup(key);
  if (!n) return std::nullopt;
  const auto* i = n->as_integer();
  if (!i) {
    wrong_type(key, *n, "an integer");
    return std::nullopt;
  }
  if (i->get() < min || i->get() > max) {
    sink_->add(n, key_path(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return i->get();
}

std::optional<double> table_reader::number(std::string_view key, double min, double max) {
  const auto* n = lookup(key);
  if (!n) return std::nullopt;
  double v = 0;
  if (const auto* f = n->as_floating_point()) {
    v = f->get();
  } else if (const auto* i = n->as_integer()) {
    v = static_cast<double>(i->get());
  } else {
    wrong_type(key, *n, "a number");
    return std::nullopt;
  }
  if (!(v >= min && v <= max)) {
    sink_->add(n, key_path(key), fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> table_reader::boolean(std::string_view key) {
  const auto* n = lookup(key);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  wrong_type(key, *n, "true or false");
  return std::nullopt;
}

std::optional<std::vector<std::string>> table_reader::strings(std::string_view key, bool allow_single, bool required) {
  const auto* n = lookup(key);
  if (!n) {
    if (required) sink_->add(table_, key_path(key), "missing (required)");
    return std::nullopt;
  }
  if (allow_single) {
    if (const auto* s = n->as_string()) return std::vector<std::string>{s->get()};
  }
  const auto* arr = n->as_array();
  if (!arr) {
    wrong_type(key, *n, allow_single ? "a string or an array of strings" : "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* s = (*arr)[i].as_string();
    if (!s) {
      sink_->add(&(*arr)[i], key_path(key) + "[" + std::to_string(i) + "]",
                 "expected a string, found " + std::string(type_name((*arr)[i])));
      return std::nullopt;
    }
    out.push_back(s->get());
  }
  return out;
}

std::vector<table_reader> table_reader::tables(std::string_view key) {
  std::vector<table_reader> out;
  const auto* n = lookup(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) {
    wrong_type(key, *n, "an array of tables ([[" + key_path(key) + "]])");
    return out;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string p = key_path(key) + "[" + std::to_string(i) + "]";
    const auto* t = (*arr)[i].as_table();
    if (!t) {
      sink_->add(&(*arr)[i], p, "expected a table, found " + std::string(type_name((*arr)[i])));
      continue;
    }
    out.emplace_back(*sink_, *t, p);
  }
  return out;
}

std::optional<table_reader> table_reader::table(std::string_view key) {
  const auto* n = lookup(key);
  if (!n) return std::nullopt;
  const auto* t = n->as_table();
  if (!t) {
    wrong_type(key, *n, "a table");
    return std::nullopt;
  }
  return table_reader(*sink_, *t, key_path(key));
}

const toml::node* table_reader::node(std::string_view key) {
  return lookup(key);
}

void table_reader::finish() {
  for (const auto& [k, n] : *table_) {
    if (std::find(used_.begin(), used_.end(), k.str()) == used_.end()) {
      sink_->add(&n, key_path(k.str()), "unknown key");
    }
  }
}

}  // namespace parley::assistant::detail
