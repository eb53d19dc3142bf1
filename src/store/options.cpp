#include <parley/store/options.hpp>

#include <limits>

namespace parley::store {

std::chrono::milliseconds options::retention_for(std::string_view tenant_id) const {
  if (auto it = retention.find(tenant_id); it != retention.end()) return it->second;
  return default_retention;
}

options parse_options(core::config_section s) {
  options o;
  const auto backend = s.string("backend", "sqlite");
  if (backend == "sqlite") {
    o.backend = backend_kind::sqlite;
  } else if (backend == "postgres") {
    o.backend = backend_kind::postgres;
  } else {
    s.error("backend", "expected \"sqlite\" or \"postgres\"");
  }
  o.threads = static_cast<unsigned>(s.integer("threads", o.threads, 1, 64));
  o.max_batch = static_cast<std::size_t>(s.integer("max_batch", static_cast<std::int64_t>(o.max_batch), 1, 4096));
  o.max_activity_bytes = static_cast<std::size_t>(
      s.integer("max_activity_bytes", static_cast<std::int64_t>(o.max_activity_bytes), 1024, 16 << 20));
  o.max_attachment_bytes = static_cast<std::size_t>(
      s.integer("max_attachment_bytes", static_cast<std::int64_t>(o.max_attachment_bytes), 1024, 64 << 20));
  o.max_bot_state_bytes = static_cast<std::size_t>(
      s.integer("max_bot_state_bytes", static_cast<std::int64_t>(o.max_bot_state_bytes), 1024, 16 << 20));
  o.key_cache_size =
      static_cast<std::size_t>(s.integer("key_cache_size", static_cast<std::int64_t>(o.key_cache_size), 16, 1 << 20));
  o.bot_state_cache_size = static_cast<std::size_t>(
      s.integer("bot_state_cache_size", static_cast<std::int64_t>(o.bot_state_cache_size), 0, 1 << 20));
  o.bot_state_cache_bytes = static_cast<std::size_t>(
      s.integer("bot_state_cache_bytes", static_cast<std::int64_t>(o.bot_state_cache_bytes), 1 << 16, 1LL << 32));
  o.migrate_on_open = s.boolean("migrate_on_open", o.migrate_on_open);
  o.default_retention = s.duration("default_retention", o.default_retention);
  if (o.default_retention.count() < 0) s.error("default_retention", "must not be negative");
  for (auto r : s.sections("retention")) {
    const auto tenant = r.string("tenant");
    const auto keep = r.duration("keep", std::chrono::milliseconds{-1});
    if (tenant.empty()) r.error("tenant", "required");
    if (keep.count() < 0) r.error("keep", "required (a duration; 0 keeps forever)");
    if (!tenant.empty() && !o.retention.emplace(tenant, keep).second) r.error("tenant", "listed twice");
    r.finish();
  }
  s.finish();
  return o;
}

}  // namespace parley::store
