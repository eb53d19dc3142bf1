#include "key_file.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/config.hpp>
#include <parley/core/json.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/jwk.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace parley::jose::detail {
namespace {

namespace json = boost::json;
constexpr std::string_view format_name = "parley-jose-signing-keys/1";
constexpr std::size_t max_file_bytes = 4 << 20;
constexpr std::size_t max_keys = 1024;

error_code io_error() { return make_error_code(errc::key_file_io); }
error_code corrupt() { return make_error_code(errc::key_file_corrupt); }

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

error_code ensure_dir(const std::filesystem::path& file) {
  const auto dir = file.parent_path();
  if (dir.empty()) return {};
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return {};
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error();
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  return {};
}

}  // namespace

bool valid_purpose(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string wrap_associated_data(const stored_key& k) {
  std::string ad = "parley/jose/signing-key/1";
  for (const std::string_view part : {std::string_view(k.purpose), to_string(k.alg), std::string_view(k.kid)}) {
    ad += '\n';
    ad += part;
  }
  ad += '\n' + std::to_string(k.created) + '\n' + std::to_string(k.activates);
  return ad;
}

result<std::vector<stored_key>> parse_key_file(std::string_view text) {
  auto doc = core::parse_json_object(text, {.max_bytes = max_file_bytes, .max_depth = 8});
  if (!doc) return corrupt();
  if (core::get_string(*doc, "format") != std::optional<std::string_view>(format_name)) return corrupt();
  const auto* keys = core::get_array(*doc, "keys");
  if (keys == nullptr || keys->size() > max_keys || doc->size() != 2) return corrupt();
  std::vector<stored_key> out;
  for (const auto& v : *keys) {
    if (!v.is_object()) return corrupt();
    const auto& o = v.get_object();
    stored_key k;
    const auto kid = core::get_string(o, "kid");
    const auto purpose = core::get_string(o, "purpose");
    const auto alg = core::get_string(o, "alg");
    const auto created = core::get_int(o, "created");
    const auto activates = core::get_int(o, "activates");
    const auto wrapped = core::get_string(o, "wrapped");
    if (!kid || !purpose || !alg || !created || !activates || !wrapped || o.size() != 6) return corrupt();
    const auto a = algorithm_from_string(*alg);
    auto bytes = core::base64url_decode(*wrapped);
    if (!valid_kid(*kid) || !valid_purpose(*purpose) || !a || !bytes || *created < 0 || *activates < *created) {
      return corrupt();
    }
    k.kid = *kid;
    k.purpose = *purpose;
    k.alg = *a;
    k.created = *created;
    k.activates = *activates;
    k.wrapped = std::move(*bytes);
    const bool duplicate = std::any_of(out.begin(), out.end(), [&](const stored_key& s) { return s.kid == k.kid; });
    if (duplicate) return corrupt();
    out.push_back(std::move(k));
  }
  return out;
}

std::string serialize_key_file(const std::vector<stored_key>& keys) {
  json::array a;
  for (const auto& k : keys) {
    json::object o;
    o["kid"] = k.kid;
    o["purpose"] = k.purpose;
    o["alg"] = to_string(k.alg);
    o["created"] = k.created;
    o["activates"] = k.activates;
    o["wrapped"] = core::base64url_encode(k.wrapped);
    a.emplace_back(std::move(o));
  }
  json::object doc;
  doc["format"] = format_name;
  doc["keys"] = std::move(a);
  return json::serialize(doc) + "\n";
}

result<std::vector<stored_key>> read_key_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (ec) return io_error();
    return std::vector<stored_key>{};
  }
  auto text = core::read_file(file, max_file_bytes);
  if (!text) return text.error() == core::errc::too_large ? corrupt() : io_error();
  return parse_key_file(*text);
}

error_code write_key_file(const std::filesystem::path& file, const std::vector<stored_key>& keys) {
  if (auto ec = ensure_dir(file)) return ec;
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error();
  const bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, serialize_key_file(keys)) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_error();
  }
  fsync_dir(file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path());
  return {};
}

result<file_lock> file_lock::acquire(const std::filesystem::path& file) {
  if (auto ec = ensure_dir(file)) return ec;
  const auto path = std::filesystem::path(file.string() + ".lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error();
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      ::close(fd);
      return io_error();
    }
  }
  return file_lock(fd);
}

file_lock::~file_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace parley::jose::detail
