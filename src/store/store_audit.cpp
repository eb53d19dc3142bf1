// encrypted_store: the audit log's chains (audit_store.hpp). Appends and checkpoints are write
// operations of the group-commit writers; the head row, locked first, serialises them per tenant
// across threads, stores and processes. Reads open each entry on the pool.
#include "store_impl.hpp"

#include <parley/crypto/error.hpp>

#include <algorithm>

namespace parley::store {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_audit_page = 10000;
constexpr std::uint32_t audit_key_version = 1;

// The associated data's `extra` of an entry: its time, so that a changed time fails to open.
std::string audit_extra(nanos time) {
  std::string extra;
  for (int shift = 56; shift >= 0; shift -= 8) {
    extra.push_back(static_cast<char>((static_cast<std::uint64_t>(time) >> shift) & 0xff));
  }
  return extra;
}

detail::record_place audit_place(std::string_view tenant_id, std::uint64_t seq, const std::string& extra) {
  return {detail::record_kind::audit_entry, tenant_id, {}, seq, {}, audit_key_version, extra};
}

error_code seal_error(error_code e) {
  if (e == crypto::errc::key_exhausted) return errc::limit_exceeded;
  return errc::unavailable;
}

template <class T>
awaitable<result<T>> fail(error_code e) {
  co_return e;
}

// A write operation that locks `tenant`'s head: the writer runs these first, in tenant order.
template <class T>
class audit_op final : public detail::write_op {
 public:
  audit_op(std::string tenant, std::unique_ptr<detail::basic_op<T>> inner)
      : tenant_(std::move(tenant)), inner_(std::move(inner)) {}
  void run(session& s) override { inner_->run(s); }
  [[nodiscard]] bool failed() const override { return inner_->failed(); }
  void fail(error_code e) override { inner_->fail(e); }
  void finish(commit_outcome c) override { inner_->finish(c); }
  [[nodiscard]] std::string_view audit_tenant() const noexcept override { return tenant_; }

 private:
  std::string tenant_;
  std::unique_ptr<detail::basic_op<T>> inner_;
};

template <class T>
awaitable<result<T>> write_audit(encrypted_store::impl& impl, std::string tenant,
                                 typename detail::basic_op<T>::body_fn body,
                                 typename detail::basic_op<T>::after_fn after = {}) {
  return detail::async_result_of<T>([&impl, tenant = std::move(tenant), b = std::move(body),
                                     a = std::move(after)](detail::completion_ptr<T> done) mutable {
    impl.writer->submit(std::make_unique<audit_op<T>>(
        std::move(tenant), std::make_unique<detail::basic_op<T>>(std::move(b), std::move(done), std::move(a))));
  });
}

}  // namespace

awaitable<result<audit_row>> encrypted_store::append_audit(std::string tenant_id, std::string plaintext,
                                                           audit_chain_fn chain) {
  if (!detail::valid_id(tenant_id) || plaintext.empty() || plaintext.size() > max_audit_plaintext || !chain) {
    return fail<audit_row>(errc::invalid_argument);
  }
  auto body = [this, tenant_id, plaintext = std::move(plaintext),
               chain = std::move(chain)](session& s) -> result<audit_row> {
    if (auto t = impl_->ensure_tenant_row(s, tenant_id); !t) return t.error();
    auto head = s.lock_audit_head(tenant_id);
    if (!head) return head.error();
    if (head->key_uses >= crypto::gcm_random_nonce_limit) return errc::limit_exceeded;
    auto key = impl_->keys.audit_key(s, tenant_id, head->key_uses, true);
    if (!key) return key.error();

    audit_row row;
    row.tenant_id = tenant_id;
    row.seq = head->seq + 1;
    // Never earlier than the entry before: times within a chain only grow, whatever the clocks
    // of the processes that append to it say.
    row.time = std::max(impl_->now(), head->time);
    row.prev_hash = head->hash;
    const auto extra = audit_extra(row.time);
    auto sealed = detail::seal_record(**key, audit_place(tenant_id, row.seq, extra), plaintext);
    if (!sealed) return seal_error(sealed.error());
    row.sealed = std::move(*sealed);

    const audit_link link{
        tenant_id, row.seq, row.time, row.prev_hash, row.sealed, head->checkpoint_seq, head->checkpoint_time};
    auto chained = chain(link);
    if (!chained) return chained.error();
    if (chained->hash.size() != audit_hash_size) return errc::invalid_argument;
    row.hash = std::move(chained->hash);
    if (auto r = s.insert_audit_entry(row); !r) return r.error();
    if (chained->checkpoint) {
      if (chained->checkpoint->empty() || chained->checkpoint->size() > max_audit_signature) {
        return errc::invalid_argument;
      }
      if (auto r = s.insert_audit_checkpoint({tenant_id, row.seq, row.time, std::move(*chained->checkpoint)}); !r) {
        return r.error();
      }
      head->checkpoint_seq = row.seq;
      head->checkpoint_time = row.time;
    }
    head->seq = row.seq;
    head->hash = row.hash;
    head->time = row.time;
    head->key_uses += 1;
    if (auto r = s.update_audit_head(*head); !r) return r.error();
    return row;
  };
  auto after = [this, tenant_id](detail::key_fate fate, const result<audit_row>&) {
    if (fate != detail::key_fate::committed) impl_->keys.forget_audit_key(tenant_id);
  };
  return write_audit<audit_row>(*impl_, tenant_id, std::move(body), std::move(after));
}

awaitable<result<std::uint64_t>> encrypted_store::checkpoint_audit(std::string tenant_id, audit_checkpoint_fn sign) {
  if (!detail::valid_id(tenant_id) || !sign) return fail<std::uint64_t>(errc::invalid_argument);
  auto tenant = tenant_id;
  return write_audit<std::uint64_t>(
      *impl_, std::move(tenant),
      [this, tenant_id = std::move(tenant_id), sign = std::move(sign)](session& s) -> result<std::uint64_t> {
        auto exists = s.get_audit_head(tenant_id);
        if (!exists) return exists.error();
        if (!*exists) return errc::not_found;
        auto head = s.lock_audit_head(tenant_id);
        if (!head) return head.error();
        if (head->seq == 0 || head->seq <= head->checkpoint_seq) return std::uint64_t{0};
        const nanos now = std::max(impl_->now(), head->time);
        auto signature = sign(*head, now);
        if (!signature) return signature.error();
        if (!*signature) return std::uint64_t{0};
        if ((*signature)->empty() || (*signature)->size() > max_audit_signature) return errc::invalid_argument;
        if (auto r = s.insert_audit_checkpoint({tenant_id, head->seq, now, std::move(**signature)}); !r)
          return r.error();
        head->checkpoint_seq = head->seq;
        head->checkpoint_time = now;
        if (auto r = s.update_audit_head(*head); !r) return r.error();
        return head->seq;
      });
}

awaitable<result<std::vector<audit_record>>> encrypted_store::read_audit(std::string tenant_id, std::uint64_t after,
                                                                         nanos since, std::size_t limit) {
  if (limit == 0 || limit > max_audit_page) return fail<std::vector<audit_record>>(errc::invalid_argument);
  if (!detail::valid_id(tenant_id)) return fail<std::vector<audit_record>>(errc::not_found);
  return impl_->read<std::vector<audit_record>>(
      [this, tenant_id = std::move(tenant_id), after, since, limit](session& s) -> result<std::vector<audit_record>> {
        auto rows = s.read_audit_entries(tenant_id, after, since, limit);
        if (!rows) return rows.error();
        std::vector<audit_record> out;
        out.reserve(rows->size());
        if (rows->empty()) return out;
        // A missing or unopenable key leaves every entry unopened (reported by the verifier).
        auto key = impl_->keys.audit_key(s, tenant_id, 0, false);
        if (!key && key.error() == errc::unavailable) return key.error();
        for (auto& row : *rows) {
          audit_record rec{std::move(row), std::nullopt};
          if (key) {
            const auto extra = audit_extra(rec.row.time);
            auto opened = detail::open_record(**key, audit_place(tenant_id, rec.row.seq, extra), rec.row.sealed);
            if (opened) rec.plaintext = std::move(*opened);
          }
          out.push_back(std::move(rec));
        }
        return out;
      });
}

awaitable<result<std::vector<audit_checkpoint_row>>> encrypted_store::read_audit_checkpoints(std::string tenant_id,
                                                                                             std::uint64_t after,
                                                                                             std::size_t limit) {
  if (limit == 0 || limit > max_audit_page) return fail<std::vector<audit_checkpoint_row>>(errc::invalid_argument);
  if (!detail::valid_id(tenant_id)) return fail<std::vector<audit_checkpoint_row>>(errc::not_found);
  return impl_->read<std::vector<audit_checkpoint_row>>(
      [tenant_id = std::move(tenant_id), after, limit](session& s) -> result<std::vector<audit_checkpoint_row>> {
        return s.read_audit_checkpoints(tenant_id, after, limit);
      });
}

awaitable<result<audit_state>> encrypted_store::audit_status(std::string tenant_id) {
  if (!detail::valid_id(tenant_id)) return fail<audit_state>(errc::not_found);
  return impl_->read<audit_state>([tenant_id = std::move(tenant_id)](session& s) -> result<audit_state> {
    audit_state st;
    auto head = s.get_audit_head(tenant_id);
    if (!head) return head.error();
    st.head = std::move(*head);
    auto key = s.get_data_key(tenant_id, detail::audit_key_id, audit_key_version);
    if (!key) return key.error();
    st.key_exists = key->has_value();
    return st;
  });
}

awaitable<result<std::vector<std::string>>> encrypted_store::audit_tenants() {
  return impl_->read<std::vector<std::string>>(
      [](session& s) -> result<std::vector<std::string>> { return s.audit_tenants(); });
}

}  // namespace parley::store
