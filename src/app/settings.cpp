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

// [store] and its backend tables [store.sqlite] / [store.postgres].
void read_store(core::config_section s, settings& out) {
  out.store_sqlite = store::sqlite::parse_options(s.section("sqlite"));
#ifdef PARLEY_WITH_POSTGRES
  out.store_postgres = store::postgres::parse_options(s.section("postgres"));
#else
  (void)s.section("postgres");
#endif
  out.store = store::parse_options(s);
  if (out.store.backend == store::backend_kind::postgres) {
#ifdef PARLEY_WITH_POSTGRES
    if (out.store_postgres.dsn.empty()) s.error("postgres", "backend = \"postgres\" needs [store.postgres] dsn");
#else
    s.error("backend", "this build has no PostgreSQL backend (PARLEY_WITH_POSTGRES=OFF)");
#endif
  }
}

}  // namespace

settings read_settings(core::config& cfg) {
  settings out;
  out.log = read_log(cfg.section("log"));
  out.crypto = crypto::parse_options(cfg.section("crypto"));
  read_store(cfg.section("store"), out);
  cfg.check_sections({"log", "crypto", "store"});
  return out;
}

}  // namespace parley::app
