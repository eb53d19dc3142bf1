#include <parley/audit/sink.hpp>

#include <string>

namespace parley::audit {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.audit"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_argument:
        return "audit entry refused: a field is empty, too long or malformed";
      case errc::unavailable:
        return "the audit log cannot be written";
      case errc::not_found:
        return "no such audit log or entry";
      case errc::tampered:
        return "the audit log failed verification";
    }
    return "unknown audit error";
  }
};

}  // namespace

const boost::system::error_category& audit_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::audit
