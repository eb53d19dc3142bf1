#include <parley/crypto/primitives.hpp>
#include <parley/store/testing/memory_audit_store.hpp>

#include <algorithm>

namespace parley::store::testing {
namespace {

template <class T>
boost::asio::awaitable<result<T>> done(result<T> r) {
  co_return r;
}

nanos now_ns(const core::clock& c) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(c.now().time_since_epoch()).count();
}

std::string digest_input(std::string_view tenant_id, std::uint64_t seq, nanos time, std::string_view plaintext) {
  return std::string(tenant_id) + '\0' + std::to_string(seq) + '\0' + std::to_string(time) + '\0' +
         std::string(plaintext);
}

std::optional<std::string> open(std::string_view tenant_id, std::uint64_t seq, nanos time, const bytes& sealed) {
  if (sealed.size() < 32) return std::nullopt;
  std::string plaintext(sealed.begin() + 32, sealed.end());
  const auto d = crypto::sha256(digest_input(tenant_id, seq, time, plaintext));
  if (!std::equal(d.begin(), d.end(), sealed.begin())) return std::nullopt;
  return plaintext;
}

}  // namespace

bytes memory_audit_store::seal(std::string_view tenant_id, std::uint64_t seq, nanos time, std::string_view plaintext) {
  const auto d = crypto::sha256(digest_input(tenant_id, seq, time, plaintext));
  bytes out(d.size() + plaintext.size());
  std::copy(d.begin(), d.end(), out.begin());
  std::copy(plaintext.begin(), plaintext.end(), out.begin() + static_cast<std::ptrdiff_t>(d.size()));
  return out;
}

void memory_audit_store::tamper(const std::function<void(tables&)>& f) {
  std::lock_guard lock(mutex_);
  f(t_);
}

void memory_audit_store::fail(bool on) {
  std::lock_guard lock(mutex_);
  fail_ = on;
}

boost::asio::awaitable<result<audit_row>> memory_audit_store::append_audit(std::string tenant_id, std::string plaintext,
                                                                           audit_chain_fn chain) {
  std::lock_guard lock(mutex_);
  if (fail_) return done<audit_row>(make_error_code(errc::unavailable));
  if (tenant_id.empty() || plaintext.empty() || plaintext.size() > max_audit_plaintext) {
    return done<audit_row>(make_error_code(errc::invalid_argument));
  }
  auto head = t_.heads.contains(tenant_id) ? t_.heads[tenant_id]
                                           : audit_head_row{tenant_id, 0, bytes(audit_hash_size, 0), 0, 0, 0, 0};
  audit_row row;
  row.tenant_id = tenant_id;
  row.seq = head.seq + 1;
  row.time = std::max(now_ns(clock_), head.time);
  row.prev_hash = head.hash;
  row.sealed = seal(tenant_id, row.seq, row.time, plaintext);
  const audit_link link{tenant_id,           row.seq, row.time, row.prev_hash, row.sealed, head.checkpoint_seq,
                        head.checkpoint_time};
  auto chained = chain(link);
  if (!chained) return done<audit_row>(chained.error());
  if (chained->hash.size() != audit_hash_size) return done<audit_row>(make_error_code(errc::invalid_argument));
  row.hash = chained->hash;
  if (chained->checkpoint) {
    t_.checkpoints[tenant_id].push_back({tenant_id, row.seq, row.time, *chained->checkpoint});
    head.checkpoint_seq = row.seq;
    head.checkpoint_time = row.time;
  }
  t_.entries[tenant_id].push_back(row);
  head.seq = row.seq;
  head.hash = row.hash;
  head.time = row.time;
  ++head.key_uses;
  t_.heads[tenant_id] = head;
  return done<audit_row>(row);
}

boost::asio::awaitable<result<std::uint64_t>> memory_audit_store::checkpoint_audit(std::string tenant_id,
                                                                                   audit_checkpoint_fn sign) {
  std::lock_guard lock(mutex_);
  if (fail_) return done<std::uint64_t>(make_error_code(errc::unavailable));
  auto it = t_.heads.find(tenant_id);
  if (it == t_.heads.end()) return done<std::uint64_t>(make_error_code(errc::not_found));
  auto& head = it->second;
  if (head.seq == 0 || head.seq <= head.checkpoint_seq) return done<std::uint64_t>(std::uint64_t{0});
  const nanos now = std::max(now_ns(clock_), head.time);
  auto signature = sign(head, now);
  if (!signature) return done<std::uint64_t>(signature.error());
  if (!*signature) return done<std::uint64_t>(std::uint64_t{0});
  t_.checkpoints[tenant_id].push_back({tenant_id, head.seq, now, **signature});
  head.checkpoint_seq = head.seq;
  head.checkpoint_time = now;
  return done<std::uint64_t>(head.seq);
}

boost::asio::awaitable<result<std::vector<audit_record>>> memory_audit_store::read_audit(std::string tenant_id,
                                                                                         std::uint64_t after,
                                                                                         nanos since,
                                                                                         std::size_t limit) {
  std::lock_guard lock(mutex_);
  if (fail_) return done<std::vector<audit_record>>(make_error_code(errc::unavailable));
  std::vector<audit_record> out;
  auto rows = t_.entries[tenant_id];
  // As a database would return them: by seq, whatever order the tests left them in.
  std::stable_sort(rows.begin(), rows.end(), [](const audit_row& a, const audit_row& b) { return a.seq < b.seq; });
  for (const auto& r : rows) {
    if (r.seq <= after || r.time < since) continue;
    if (out.size() >= limit) break;
    out.push_back({r, open(tenant_id, r.seq, r.time, r.sealed)});
  }
  return done<std::vector<audit_record>>(std::move(out));
}

boost::asio::awaitable<result<std::vector<audit_checkpoint_row>>> memory_audit_store::read_audit_checkpoints(
    std::string tenant_id, std::uint64_t after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  if (fail_) return done<std::vector<audit_checkpoint_row>>(make_error_code(errc::unavailable));
  auto rows = t_.checkpoints[tenant_id];
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  std::vector<audit_checkpoint_row> out;
  for (const auto& r : rows) {
    if (r.seq <= after) continue;
    if (out.size() >= limit) break;
    out.push_back(r);
  }
  return done<std::vector<audit_checkpoint_row>>(std::move(out));
}

boost::asio::awaitable<result<audit_state>> memory_audit_store::audit_status(std::string tenant_id) {
  std::lock_guard lock(mutex_);
  if (fail_) return done<audit_state>(make_error_code(errc::unavailable));
  audit_state st;
  if (auto it = t_.heads.find(tenant_id); it != t_.heads.end()) st.head = it->second;
  st.key_exists = st.head.has_value();
  return done<audit_state>(st);
}

boost::asio::awaitable<result<std::vector<std::string>>> memory_audit_store::audit_tenants() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [tenant, head] : t_.heads) out.push_back(tenant);
  return done<std::vector<std::string>>(std::move(out));
}

}  // namespace parley::store::testing
