// libFuzzer target "json": core::parse_json, the strict parser every outside JSON goes through
// (duplicate members refused, size and depth limits, one document, no comments or trailing
// commas). Invariants: what it accepts serialises and parses back to the same value within the
// same limits (no two readings of one document), and parse_json_object agrees with it.
#include "fuzz_target.hpp"

#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>

PARLEY_FUZZ_TARGET(json, "core::parse_json (strict: duplicates, depth, size) and its round trip") {
  namespace core = parley::core;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const core::json_limits limits{64 * 1024, 16};
  auto v = core::parse_json(text, limits);
  auto o = core::parse_json_object(text, limits);
  if (o.has_value() != (v.has_value() && v->is_object())) parley::fuzz::violated("parse_json_object disagrees");
  if (!v) return 0;
  const auto again = boost::json::serialize(*v);
  auto back = core::parse_json(again, {again.size() + 1, limits.max_depth});
  if (!back) parley::fuzz::violated("a parsed document does not parse again once serialised");
  if (*back != *v) parley::fuzz::violated("a parsed document changes when serialised and parsed again");
  return 0;
}
