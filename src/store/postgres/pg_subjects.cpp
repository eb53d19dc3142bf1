// The PostgreSQL session's erasure-subject counter (a sequence: several processes take numbers
// without waiting for each other; gaps are fine) and its part of the one-time upgrade of rows
// written before erasure subjects (backend.hpp). The legacy statements name columns that schema
// version 5 drops: they run only before it.
#include "pg_rows.hpp"

namespace parley::store::postgres::detail {

result<std::uint64_t> pg_session::next_subject() {
  return guarded<result<std::uint64_t>>("next_subject", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec("SELECT nextval('subject_index')");
    return result<std::uint64_t>(static_cast<std::uint64_t>(r[0][0].as<std::int64_t>()));
  });
}

result<void> pg_session::subjects_at_least(std::uint64_t floor) {
  return guarded<result<void>>("subjects_at_least", [&](pqxx::nontransaction& tx) -> result<void> {
    // The next value nextval() would return; raised (never lowered) to `floor`.
    tx.exec_params(
        "SELECT setval('subject_index', $1, false) FROM subject_index "
        "WHERE (CASE WHEN is_called THEN last_value + 1 ELSE last_value END) < $1",
        static_cast<std::int64_t>(floor));
    return {};
  });
}

result<std::vector<legacy_conversation_row>> pg_session::legacy_conversations(std::size_t limit) {
  using out_t = std::vector<legacy_conversation_row>;
  return guarded<result<out_t>>("legacy_conversations", [&](pqxx::nontransaction& tx) {
    out_t out;
    for (const auto& r : tx.exec_params(
             "SELECT pk, tenant_id, id, bot_id, user_sealed, key_id, key_version, created, key_uses FROM conversations "
             "WHERE NOT upgraded ORDER BY pk LIMIT $1",
             static_cast<std::int64_t>(limit))) {
      out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                     to_bytes(r[4]), r[5].as<std::string>(), static_cast<std::uint32_t>(r[6].as<std::int64_t>()),
                     r[7].as<std::int64_t>(), static_cast<std::uint64_t>(r[8].as<std::int64_t>())});
    }
    return result<out_t>(std::move(out));
  });
}

result<std::vector<legacy_activity_row>> pg_session::legacy_activities(std::int64_t conv_pk) {
  using out_t = std::vector<legacy_activity_row>;
  return guarded<result<out_t>>("legacy_activities", [&](pqxx::nontransaction& tx) {
    out_t out;
    for (const auto& r : tx.exec_params(
             "SELECT seq, activity_id, ts, type, sender_role, body FROM activities WHERE conv_pk = $1 ORDER BY seq",
             conv_pk)) {
      out.push_back({static_cast<std::uint64_t>(r[0].as<std::int64_t>()), r[1].as<std::string>(),
                     r[2].as<std::int64_t>(), r[3].as<std::string>(), r[4].as<std::string>(), to_bytes(r[5])});
    }
    return result<out_t>(std::move(out));
  });
}

result<std::vector<legacy_attachment_row>> pg_session::legacy_attachments(std::int64_t conv_pk) {
  using out_t = std::vector<legacy_attachment_row>;
  return guarded<result<out_t>>("legacy_attachments", [&](pqxx::nontransaction& tx) {
    out_t out;
    for (const auto& r : tx.exec_params(
             "SELECT id, content_type, name, content FROM attachments WHERE conv_pk = $1 ORDER BY id", conv_pk)) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), to_bytes(r[2]), to_bytes(r[3])});
    }
    return result<out_t>(std::move(out));
  });
}

result<void> pg_session::upgrade_conversation(const upgraded_conversation& c) {
  return guarded<result<void>>("upgrade_conversation", [&](pqxx::nontransaction& tx) -> result<void> {
    if (!c.data_key.empty()) {
      tx.exec_params0(
          "UPDATE data_keys SET sealed = $4, parent_version = $5, subject = $6 "
          "WHERE tenant_id = $1 AND key_id = $2 AND version = $3",
          c.tenant_id, c.key_id, static_cast<std::int64_t>(c.key_version), blob(c.data_key),
          static_cast<std::int64_t>(c.data_key_parent), static_cast<std::int64_t>(c.subject));
    }
    const char* null = nullptr;
    if (c.has_sealed) {
      tx.exec_params0(
          "UPDATE conversations SET sealed = $2, subject = $3, user_ref = $4, key_uses = $5, bot_id = '', "
          "user_sealed = '\\x'::bytea, created = 0, upgraded = true WHERE pk = $1",
          c.pk, blob(c.sealed), static_cast<std::int64_t>(c.subject), c.user_ref,
          static_cast<std::int64_t>(c.key_uses));
    } else {
      tx.exec_params0(
          "UPDATE conversations SET sealed = $2, subject = $3, user_ref = $4, key_uses = $5, bot_id = '', "
          "user_sealed = '\\x'::bytea, created = 0, upgraded = true WHERE pk = $1",
          c.pk, null, static_cast<std::int64_t>(c.subject), c.user_ref, static_cast<std::int64_t>(c.key_uses));
    }
    tx.exec_params0("UPDATE activities SET ts = 0, type = '', sender_role = '' WHERE conv_pk = $1", c.pk);
    for (const auto& [seq, body] : c.activities) {
      tx.exec_params0("UPDATE activities SET body = $3 WHERE conv_pk = $1 AND seq = $2", c.pk,
                      static_cast<std::int64_t>(seq), blob(body));
    }
    tx.exec_params0(
        "UPDATE attachments SET content_type = '', size = 0, name = '\\x'::bytea, created = 0 WHERE conv_pk = $1",
        c.pk);
    for (const auto& a : c.attachments) {
      tx.exec_params0("UPDATE attachments SET meta = $3, content = $4 WHERE conv_pk = $1 AND id = $2", c.pk, a.id,
                      blob(a.meta), blob(a.content));
    }
    if (c.has_bot_state) {
      tx.exec_params0("UPDATE bot_state SET data = $2 WHERE conv_pk = $1", c.pk, blob(c.bot_state.data));
    }
    return {};
  });
}

}  // namespace parley::store::postgres::detail
