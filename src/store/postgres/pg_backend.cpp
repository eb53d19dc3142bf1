#include "pg_schema.hpp"
#include "pg_session.hpp"

#include <parley/crypto/primitives.hpp>
#include <parley/store/postgres/postgres_backend.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace parley::store::postgres {
namespace {

using detail::connection_source;
using detail::pg_session;

// A lock id of our own for pg_advisory_xact_lock: two processes never migrate at once.
constexpr std::int64_t migration_lock_id = 0x7061726c65790001;  // "parley" 0001

// Quotes a libpq connection-string value: single quotes, with \ and ' escaped.
std::string conninfo_value(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// keyword=value pairs of a dsn (values may be single-quoted). Returns false if it is not that form.
bool parse_dsn(std::string_view dsn, std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
  };
  for (;;) {
    skip_space();
    if (i == dsn.size()) return true;
    const auto eq = dsn.find('=', i);
    if (eq == std::string_view::npos) return false;
    std::string key(dsn.substr(i, eq - i));
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    i = eq + 1;
    skip_space();
    std::string value;
    if (i < dsn.size() && dsn[i] == '\'') {
      ++i;
      while (i < dsn.size() && dsn[i] != '\'') {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        value.push_back(dsn[i++]);
      }
      if (i == dsn.size()) return false;
      ++i;
    } else {
      while (i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i]))) value.push_back(dsn[i++]);
    }
    if (key.empty()) return false;
    out.emplace_back(std::move(key), std::move(value));
  }
}

class pg_backend final : public store::backend, public connection_source {
 public:
  pg_backend(options o, std::shared_ptr<spdlog::logger> log) : o_(std::move(o)), log_(std::move(log)) {
    // statement_timeout: no statement waits forever (locks included); search_path: our schema.
    conninfo_ = o_.dsn + " application_name=parley connect_timeout=" +
                std::to_string(std::max<long long>(
                    1, std::chrono::duration_cast<std::chrono::seconds>(o_.connect_timeout).count())) +
                " options=" +
                conninfo_value("-c search_path=parley_store -c statement_timeout=" +
                               std::to_string(o_.statement_timeout.count()));
    if (o_.password) conninfo_ += " password=" + conninfo_value(o_.password->reveal());
  }
  ~pg_backend() override { crypto::secure_wipe(conninfo_); }

  std::string_view name() const noexcept override { return "postgres"; }
  int latest_schema_version() const noexcept override { return detail::migrations().back().version; }
  unsigned max_writers() const noexcept override { return std::max(1u, o_.writer_threads); }

  result<std::unique_ptr<pqxx::connection>> connect() override {
    try {
      return std::make_unique<pqxx::connection>(conninfo_);
    } catch (const std::exception&) {
      // libpq's message can echo connection parameters: log none of it.
      log_->warn("postgres: cannot connect");
      return make_error_code(errc::unavailable);
    }
  }

  void give_back(std::unique_ptr<pqxx::connection> c) override {
    std::lock_guard lock(mutex_);
    if (idle_.size() < o_.pool_size) idle_.push_back(std::move(c));
  }

  void lost() override {
    std::lock_guard lock(mutex_);
    idle_.clear();
  }

  result<std::unique_ptr<store::session>> read_session() override {
    std::unique_ptr<pqxx::connection> c;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    // A null connection is made on first use, so that a server that is down fails the statement
    // (errc::unavailable), not the session.
    return std::unique_ptr<store::session>(std::make_unique<pg_session>(*this, std::move(c), true, log_));
  }

  result<std::unique_ptr<store::session>> write_session() override {
    return std::unique_ptr<store::session>(std::make_unique<pg_session>(*this, nullptr, false, log_));
  }

  result<int> schema_version() override {
    auto c = connect();
    if (!c) return c.error();
    try {
      pqxx::nontransaction tx(**c);
      auto exists = tx.exec("SELECT to_regclass('parley_store.schema_version') IS NOT NULL");
      if (!exists[0][0].as<bool>()) return 0;
      return tx.exec("SELECT COALESCE(MAX(version), 0) FROM parley_store.schema_version")[0][0].as<int>();
    } catch (const std::exception&) {
      log_->warn("postgres: cannot read the schema version");
      return make_error_code(errc::unavailable);
    }
  }

  int upgrade_barrier() const noexcept override { return detail::upgrade_barrier(); }

  result<void> reclaim() override {
    // Dead row versions of the erased rows stay readable in their pages (to anything that reads
    // the files, and to tools that show dead rows) until VACUUM prunes them. VACUUM cannot run
    // in a transaction block, hence a connection of its own.
    auto c = connect();
    if (!c) return c.error();
    try {
      pqxx::nontransaction tx(**c);
      tx.exec("VACUUM activities, idempotency, bot_state, attachments, conversations, data_keys");
      return {};
    } catch (const pqxx::sql_error& e) {
      log_->warn("postgres: VACUUM after an erasure failed: SQLSTATE {}", e.sqlstate());
    } catch (const std::exception&) {
      log_->warn("postgres: VACUUM after an erasure failed (connection)");
    }
    return make_error_code(errc::unavailable);
  }

  result<int> migrate(int up_to) override {
    auto c = connect();
    if (!c) return c.error();
    const auto steps = detail::migrations();
    const int target = up_to == 0 ? steps.back().version : up_to;
    try {
      for (const auto& m : steps) {
        // One transaction per version, under an advisory lock: concurrent starts migrate once.
        pqxx::work tx(**c);
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_id);
        tx.exec("CREATE SCHEMA IF NOT EXISTS parley_store");
        tx.exec(
            "CREATE TABLE IF NOT EXISTS parley_store.schema_version (version BIGINT PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        const int current =
            tx.exec("SELECT COALESCE(MAX(version), 0) FROM parley_store.schema_version")[0][0].as<int>();
        if (current > steps.back().version) {
          log_->error("postgres: schema version {} is newer than this build ({})", current, steps.back().version);
          return make_error_code(errc::invalid_argument);
        }
        if (m.version <= current) continue;
        if (m.version > target) break;
        tx.exec(m.sql);
        tx.exec_params("INSERT INTO parley_store.schema_version (version) VALUES ($1)", m.version);
        tx.commit();
        log_->info("postgres: migrated to schema version {}", m.version);
      }
    } catch (const pqxx::sql_error& e) {
      log_->error("postgres: migration failed: SQLSTATE {}", e.sqlstate());
      return make_error_code(errc::unavailable);
    } catch (const std::exception&) {
      log_->error("postgres: migration failed (connection)");
      return make_error_code(errc::unavailable);
    }
    return std::min(target, steps.back().version);
  }

 private:
  options o_;
  std::shared_ptr<spdlog::logger> log_;
  std::string conninfo_;  // holds the password: wiped on destruction, never logged
  std::mutex mutex_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

}  // namespace

std::string check_dsn(std::string_view dsn) {
  std::vector<std::pair<std::string, std::string>> kv;
  if (dsn.empty()) return "required";
  if (!parse_dsn(dsn, kv)) return "must be keyword=value pairs (libpq form), not a URI";
  std::string host, sslmode;
  for (const auto& [k, v] : kv) {
    if (k == "password") return "must not contain the password: use store.postgres.password = { file = ... }";
    if (k == "options" || k == "application_name") return "must not set " + k + " (the store sets it)";
    if (k == "host" || k == "hostaddr") host = v;
    if (k == "sslmode") sslmode = v;
  }
  const bool local = host.empty() || host == "127.0.0.1" || host == "::1" || host == "localhost" || host[0] == '/';
  if (!local && sslmode != "verify-full" && sslmode != "verify-ca") {
    return "a remote host needs sslmode=verify-full (or verify-ca): conversation data only travels over verified TLS";
  }
  return {};
}

options parse_options(core::config_section s) {
  options o;
  o.dsn = s.string("dsn");
  if (auto pw = s.secret("password")) o.password = std::make_shared<const core::secret_string>(std::move(*pw));
  o.pool_size = static_cast<unsigned>(s.integer("pool_size", o.pool_size, 1, 256));
  o.writer_threads = static_cast<unsigned>(s.integer("writer_threads", o.writer_threads, 1, 64));
  o.connect_timeout = s.duration("connect_timeout", o.connect_timeout);
  o.statement_timeout = s.duration("statement_timeout", o.statement_timeout);
  // Presence is the caller's check (only needed with backend = "postgres"); shape is checked here.
  if (!o.dsn.empty()) {
    if (auto problem = check_dsn(o.dsn); !problem.empty()) s.error("dsn", problem);
  }
  s.finish();
  return o;
}

result<std::unique_ptr<store::backend>> open(const options& opts, std::shared_ptr<spdlog::logger> log) {
  if (auto problem = check_dsn(opts.dsn); !problem.empty()) {
    (log ? log : core::logger("store"))->error("postgres: dsn {}", problem);
    return make_error_code(errc::invalid_argument);
  }
  auto b = std::make_unique<pg_backend>(opts, log ? std::move(log) : core::logger("store"));
  auto c = b->connect();  // fail early on a wrong dsn or password
  if (!c) return c.error();
  b->give_back(std::move(*c));
  return std::unique_ptr<store::backend>(std::move(b));
}

}  // namespace parley::store::postgres
