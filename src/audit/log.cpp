#include "entry_format.hpp"

#include <parley/audit/checkpoint.hpp>
#include <parley/audit/format.hpp>
#include <parley/audit/log.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/log.hpp>

#include <vector>

namespace parley::audit {

using boost::asio::awaitable;

namespace {

// What the log's callers learn: their entry was refused, or the log could not take it.
error_code caller_error(error_code e) {
  if (e == store::errc::invalid_argument || e == errc::invalid_argument) return errc::invalid_argument;
  return errc::unavailable;
}

}  // namespace

log::log(store::audit_store& store, jose::signing_key_store& keys, options opts, const core::clock& clock,
         std::shared_ptr<spdlog::logger> logger)
    : store_(store),
      keys_(keys),
      opts_(std::move(opts)),
      clock_(clock),
      log_(logger ? std::move(logger) : core::logger("audit")) {}

void log::witness(std::string_view tenant_id, std::uint64_t seq, std::span<const std::uint8_t> hash) {
  // Not a secret: the hash of a sealed entry. A copy of it outside the database is what reveals
  // a removed tail together with its checkpoints (`parley audit verify --expect SEQ:HASH`).
  log_->info("audit checkpoint: tenant {} seq {} hash {}", tenant_id, seq, core::hex_encode(hash));
}

bool log::due(std::uint64_t seq, store::nanos time, std::uint64_t cp_seq, store::nanos cp_time) const {
  if (opts_.checkpoint_every != 0 && seq - cp_seq >= opts_.checkpoint_every) return true;
  const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.checkpoint_interval).count();
  return interval != 0 && time - cp_time >= interval;
}

result<std::optional<std::string>> log::sign(std::string_view tenant_id, std::uint64_t seq,
                                             std::span<const std::uint8_t> hash, std::uint64_t prev, store::nanos now) {
  if (hash.size() != chain_hash{}.size()) return make_error_code(errc::unavailable);  // a damaged head row
  auto key = keys_.signer(checkpoint_purpose);
  if (!key) {
    log_->error("audit: tenant {}: no checkpoint signing key: {}", tenant_id, key.error().message());
    return make_error_code(errc::unavailable);
  }
  checkpoint c;
  c.tenant_id = std::string(tenant_id);
  c.seq = seq;
  std::copy(hash.begin(), hash.end(), c.hash.begin());
  c.prev = prev;
  c.time = now;
  auto token = sign_checkpoint(**key, c);
  if (!token) {
    log_->error("audit: tenant {}: signing checkpoint #{} failed", tenant_id, seq);
    return make_error_code(errc::unavailable);
  }
  return std::optional<std::string>(std::move(*token));
}

awaitable<result<std::uint64_t>> log::append(entry e) {
  if (auto ec = detail::check_entry(e)) co_return ec;
  std::string plaintext = detail::encode_entry(e);
  auto checkpointed = std::make_shared<bool>(false);
  // Runs on the store's writer, inside the transaction that holds the tenant's head.
  auto chain = [this, tenant = e.tenant_id, checkpointed](const store::audit_link& l) -> result<store::audit_chained> {
    if (l.prev_hash.size() != store::audit_hash_size) return make_error_code(errc::unavailable);
    const auto h = entry_hash(tenant, l.seq, l.time, l.prev_hash, l.sealed);
    store::audit_chained out;
    out.hash.assign(h.begin(), h.end());
    if (due(l.seq, l.time, l.checkpoint_seq, l.checkpoint_time)) {
      auto cp = sign(tenant, l.seq, out.hash, l.checkpoint_seq, l.time);
      if (!cp) return cp.error();
      out.checkpoint = std::move(*cp);
    }
    *checkpointed = out.checkpoint.has_value();
    return out;
  };
  auto row = co_await store_.append_audit(e.tenant_id, std::move(plaintext), std::move(chain));
  if (!row) {
    // Ids and the event name only: never the actor, subject or details.
    log_->error("audit: tenant {}: entry {} not appended: {}", e.tenant_id, e.event, row.error().message());
    co_return caller_error(row.error());
  }
  {
    std::lock_guard lock(mutex_);
    tenants_.insert(e.tenant_id);
  }
  if (*checkpointed) witness(e.tenant_id, row->seq, row->hash);
  co_return row->seq;
}

awaitable<result<std::size_t>> log::checkpoint_due(bool force) {
  std::vector<std::string> tenants;
  {
    std::lock_guard lock(mutex_);
    tenants.assign(tenants_.begin(), tenants_.end());
  }
  std::size_t written = 0;
  error_code first_error;
  for (const auto& tenant : tenants) {
    auto signed_hash = std::make_shared<store::bytes>();
    auto fn = [this, tenant, force, signed_hash](const store::audit_head_row& head,
                                                 store::nanos now) -> result<std::optional<std::string>> {
      const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.checkpoint_interval).count();
      if (!force && (interval == 0 || now - head.checkpoint_time < interval)) return std::optional<std::string>{};
      *signed_hash = head.hash;
      return sign(tenant, head.seq, head.hash, head.checkpoint_seq, now);
    };
    auto seq = co_await store_.checkpoint_audit(tenant, std::move(fn));
    if (!seq) {
      log_->error("audit: tenant {}: checkpoint failed: {}", tenant, seq.error().message());
      if (!first_error) first_error = caller_error(seq.error());
      continue;
    }
    if (*seq != 0) {
      ++written;
      witness(tenant, *seq, *signed_hash);
    }
  }
  if (first_error) co_return first_error;
  co_return written;
}

}  // namespace parley::audit
