#include <parley/audit/options.hpp>

namespace parley::audit {

options parse_options(core::config_section s) {
  options o;
  o.key_file = s.string("key_file", o.key_file);
  if (o.key_file.empty()) s.error("key_file", "must name the checkpoint signing-key file");
  o.checkpoint_every = static_cast<std::uint64_t>(
      s.integer("checkpoint_every", static_cast<std::int64_t>(o.checkpoint_every), 0, 1'000'000));
  o.checkpoint_interval = s.duration("checkpoint_interval", o.checkpoint_interval);
  if (o.checkpoint_interval.count() < 0 || o.checkpoint_interval > std::chrono::hours{24 * 7}) {
    s.error("checkpoint_interval", "must be from 0 to 7d");
    o.checkpoint_interval = options{}.checkpoint_interval;
  }
  if (o.checkpoint_interval.count() > 0 && o.checkpoint_interval < std::chrono::seconds{1}) {
    s.error("checkpoint_interval", "must be 0 (off) or at least 1s");
  }
  if (o.checkpoint_every == 0 && o.checkpoint_interval.count() == 0) {
    s.error("checkpoint_every", "checkpoint_every and checkpoint_interval cannot both be 0 (no checkpoints)");
  }
  s.finish();
  return o;
}

}  // namespace parley::audit
