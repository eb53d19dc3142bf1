#include "entry_format.hpp"

#include <parley/audit/export.hpp>
#include <parley/audit/format.hpp>
#include <parley/core/base64.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace parley::audit {

using boost::asio::awaitable;

namespace {

constexpr std::size_t page = 1000;

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

std::string line_of(const store::audit_record& rec, const detail::decoded_entry& d) {
  boost::json::object o;
  o["tenant"] = rec.row.tenant_id;
  o["seq"] = rec.row.seq;
  o["time"] = format_time(rec.row.time);
  o["event"] = d.fields.event;
  o["actor"] = d.fields.actor;
  o["role"] = d.fields.actor_role;
  o["subject"] = d.fields.subject;
  o["source"] = d.fields.source;
  o["details"] = d.details;
  o["hash"] = core::hex_encode(rec.row.hash);
  return boost::json::serialize(o);
}

}  // namespace

awaitable<result<export_summary>> export_entries(store::audit_store& st, std::string tenant_id, std::int64_t since_ns,
                                                 std::function<bool(std::string_view line)> write) {
  export_summary out;
  auto state = co_await st.audit_status(tenant_id);
  if (!state) co_return make_error_code(state.error() == store::errc::not_found ? errc::not_found : errc::unavailable);
  if (!state->head) co_return make_error_code(errc::not_found);
  std::uint64_t after = 0;
  std::optional<store::audit_row> prev;
  auto stop = [&](std::uint64_t seq, problem kind, std::string why) {
    out.stopped = finding{kind, seq, seq, "entry #" + std::to_string(seq) + " " + why};
  };
  while (!out.stopped) {
    auto records = co_await st.read_audit(tenant_id, after, since_ns, page);
    if (!records) co_return make_error_code(errc::unavailable);
    if (records->empty()) break;
    for (const auto& rec : *records) {
      const auto& r = rec.row;
      const auto own = entry_hash(tenant_id, r.seq, r.time, r.prev_hash, r.sealed);
      if (prev && r.seq != prev->seq + 1) {
        stop(prev->seq + 1, problem::removed, "is missing");
      } else if (!same(r.hash, own)) {
        stop(r.seq, problem::modified, "does not match its hash");
      } else if (prev && !same(r.prev_hash, prev->hash)) {
        stop(r.seq, problem::broken_link, "does not hold the hash of the entry before it");
      } else if (!rec.plaintext) {
        stop(r.seq, problem::modified, "does not authenticate");
      }
      if (out.stopped) break;
      auto decoded = detail::decode_entry(*rec.plaintext);
      if (!decoded) {
        stop(r.seq, problem::modified, "is not a well-formed entry");
        break;
      }
      if (!write(line_of(rec, *decoded))) co_return make_error_code(errc::unavailable);
      if (out.first_seq == 0) out.first_seq = r.seq;
      out.last_seq = r.seq;
      ++out.lines;
      prev = r;
    }
    after = records->back().row.seq;
  }
  co_return out;
}

}  // namespace parley::audit
