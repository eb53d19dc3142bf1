#include <parley/core/json.hpp>
#include <parley/jose/claims.hpp>

#include <boost/json/serialize.hpp>

namespace parley::jose {

namespace json = boost::json;

claims& claims::set(std::string_view name, std::string_view value) {
  obj_[name] = json::string(value);
  return *this;
}

claims& claims::set(std::string_view name, std::int64_t value) {
  obj_[name] = value;
  return *this;
}

claims& claims::set(std::string_view name, const std::vector<std::string>& values) {
  json::array a;
  a.reserve(values.size());
  for (const auto& v : values) a.emplace_back(v);
  obj_[name] = std::move(a);
  return *this;
}

claims& claims::set(std::string_view name, const claims& object) {
  obj_[name] = object.obj_;
  return *this;
}

claims& claims::set_bool(std::string_view name, bool value) {
  obj_[name] = value;
  return *this;
}

claims& claims::set_time(std::string_view name, std::chrono::system_clock::time_point t) {
  return set(name, static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count()));
}

claims& claims::erase(std::string_view name) {
  obj_.erase(name);
  return *this;
}

bool claims::has(std::string_view name) const noexcept { return obj_.contains(name); }

std::optional<std::string_view> claims::string(std::string_view name) const noexcept {
  return core::get_string(obj_, name);
}

std::optional<std::int64_t> claims::integer(std::string_view name) const noexcept { return core::get_int(obj_, name); }

std::optional<bool> claims::boolean(std::string_view name) const noexcept { return core::get_bool(obj_, name); }

std::optional<std::vector<std::string>> claims::strings(std::string_view name) const {
  const auto* a = core::get_array(obj_, name);
  if (a == nullptr) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(a->size());
  for (const auto& v : *a) {
    if (!v.is_string()) return std::nullopt;
    out.emplace_back(v.get_string());
  }
  return out;
}

std::optional<claims> claims::object(std::string_view name) const {
  const auto* o = core::get_object(obj_, name);
  if (o == nullptr) return std::nullopt;
  return claims(*o);
}

std::optional<std::chrono::system_clock::time_point> claims::time(std::string_view name) const noexcept {
  const auto v = integer(name);
  // Bounded to years 1970..9999 so that the conversion to a time_point cannot overflow.
  if (!v || *v < 0 || *v > 253'402'300'799LL) return std::nullopt;
  return std::chrono::system_clock::time_point{std::chrono::seconds{*v}};
}

std::vector<std::string> claims::audiences() const {
  if (auto s = string("aud")) return {std::string(*s)};
  if (auto a = strings("aud")) return *a;
  return {};
}

std::string claims::to_json() const { return json::serialize(obj_); }

}  // namespace parley::jose
