#include <parley/core/error.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace parley::core {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.core"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::unknown_key: return "unknown key";
      case errc::wrong_type: return "wrong type";
      case errc::missing: return "missing value";
      case errc::io_error: return "i/o error";
      case errc::parse_error: return "parse error";
      case errc::too_large: return "too large";
      case errc::duplicate_key: return "duplicate key";
      case errc::insecure_file: return "file permissions too open";
      case errc::too_deep: return "nested too deeply";
      case errc::non_finite_number: return "number out of range";
    }
    return "unknown core error";
  }
};

}  // namespace

const boost::system::error_category& core_category() noexcept {
  static const category instance;
  return instance;
}

void fail_check(const char* expr, const char* file, int line, std::string_view msg) noexcept {
  std::fprintf(stderr, "parley: fatal: %.*s (%s) at %s:%d\n", static_cast<int>(msg.size()), msg.data(), expr,
               file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace parley::core
