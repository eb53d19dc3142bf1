// encrypted_store: bringing the database in line with the erasure secrets file at start-up.
//
// The file counts each tenant's erasures (its epoch) and the database records the count it has
// applied (data_meta "erasure_epoch:<tenant>", written with the erasure's deletions). At start:
// - database behind the file (a copy restored from a backup, or an erasure whose rows were not
//   deleted): the conversations whose subjects are erased are unreadable already; their keys and
//   rows are deleted now, which finishes those erasures in this copy too;
// - database ahead of the file (an erasure-secrets file restored from a backup): the file would
//   bring erased conversations back into older copies, so the store refuses to start;
// - the subject counter is raised above every erased subject, so that no new conversation is
//   given a subject that is already erased.
#include "store_impl.hpp"

#include <algorithm>

namespace parley::store {

namespace {

constexpr std::size_t scan_page = 2000;

std::uint64_t read_be64(const std::optional<bytes>& b) {
  if (!b || b->size() != 8) return 0;
  std::uint64_t v = 0;
  for (auto x : *b) v = (v << 8) | x;
  return v;
}

bytes be64(std::uint64_t v) {
  bytes out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

}  // namespace

result<void> encrypted_store::impl::reconcile() {
  auto ws = db->write_session();
  if (!ws) return ws.error();
  session& s = **ws;
  auto tenants = s.list_tenants();
  if (!tenants) return tenants.error();
  std::uint64_t floor = 1;
  for (const auto& tenant : *tenants) {
    floor = std::max(floor, keys.subject_floor(tenant));
    auto stored = s.get_meta(meta_scope::data, "erasure_epoch:" + tenant);
    if (!stored) return stored.error();
    const auto in_db = read_be64(*stored);
    const auto in_file = keys.erasure_epoch(tenant);
    auto entry = std::find_if(report.tenants.begin(), report.tenants.end(),
                              [&](const reconcile_report::tenant& t) { return t.tenant_id == tenant; });
    if (entry == report.tenants.end()) {
      report.tenants.push_back({tenant});
      entry = std::prev(report.tenants.end());
    }
    entry->erasures_in_file = in_file;
    entry->erasures_in_database = in_db;
    if (in_db > in_file) {
      log->error(
          "tenant {}: the database has seen {} erasure(s), the erasure secrets file only {}: the file is older "
          "than the database (restored from a backup?) and would make erased conversations readable again in "
          "older copies; start with the current file. Nothing was changed",
          tenant, in_db, in_file);
      return errc::stale_erasure_secrets;
    }
    if (in_db == in_file) continue;
    // Conversations erased since this copy was made (or whose rows an interrupted erasure left).
    std::vector<std::string> key_ids;
    std::vector<std::int64_t> pks;
    std::vector<std::string> ids;
    for (std::int64_t after = 0;;) {
      auto page = s.scan_subjects(tenant, after, scan_page);
      if (!page) return page.error();
      if (page->empty()) break;
      after = page->back().pk;
      for (const auto& row : *page) {
        if (row.subject == 0 || !keys.subject_erased(tenant, row.subject)) continue;
        ids.push_back(row.id);
        pks.push_back(row.pk);
      }
    }
    for (const auto& id : ids) {
      auto row = s.get_conversation(tenant, id);
      if (!row) return row.error();
      if (*row) key_ids.push_back((*row)->key_id);
    }
    if (auto b = s.begin(); !b) return b;
    auto done = delete_rows(s, tenant, key_ids, pks);
    if (done) done = s.put_meta(meta_scope::data, "erasure_epoch:" + tenant, be64(in_file));
    if (!done) {
      s.rollback();
      return done;
    }
    if (s.commit() != commit_outcome::all) return errc::unavailable;
    entry->conversations_removed = pks.size();
    log->warn(
        "tenant {}: the database had seen {} of the {} erasure(s) in the erasure secrets file; removed {} "
        "conversation(s) erased since",
        tenant, in_db, in_file, pks.size());
    if (!pks.empty()) {
      if (auto r = db->reclaim(); !r) log->warn("reclaiming the space of the removed conversations failed");
    }
  }
  if (auto b = s.begin(); !b) return b;
  if (auto r = s.subjects_at_least(floor); !r) {
    s.rollback();
    return r;
  }
  if (s.commit() != commit_outcome::all) return errc::unavailable;
  return {};
}

}  // namespace parley::store
