#include "settings.hpp"

namespace parley::app {
namespace {

core::log_options read_log(core::config_section s) {
  core::log_options o;
  o.level = s.string("level", o.level);
  o.file = s.string("file", o.file);
  s.finish();
  return o;
}

}  // namespace

settings read_settings(core::config& cfg) {
  settings out;
  out.log = read_log(cfg.section("log"));
  out.crypto = crypto::parse_options(cfg.section("crypto"));
  out.jose = jose::parse_options(cfg.section("jose"));
  out.bankx = bankx::parse_options(cfg.section("bankx"));
  cfg.check_sections({"log", "crypto", "jose", "bankx"});
  return out;
}

}  // namespace parley::app
