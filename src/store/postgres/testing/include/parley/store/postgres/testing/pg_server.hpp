// A real PostgreSQL server for tests and benchmarks, from Debian's `postgresql` package: initdb
// in a temporary directory, a random free port on 127.0.0.1, the unix socket inside that
// directory, password (SCRAM) authentication over TCP and trust over the socket. As root the
// server runs as the `postgres` user (`runuser -u postgres --`, which PostgreSQL requires); as
// anyone else it runs as that user. Stopped and deleted when the object goes away.
//
// The binaries are found in $PARLEY_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin.
//
// Errors: start() and the other calls throw std::runtime_error with the command and the tail of
// the server log: this is test support, where a failure must stop the test loudly.
// Thread-safety: one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace parley::store::postgres::testing {

struct pg_server_options {
  /// fsync, full_page_writes and synchronous_commit on (benchmarks); off makes tests faster.
  bool durable = true;
  std::string user = "parley";
};

class pg_server {
 public:
  [[nodiscard]] static std::unique_ptr<pg_server> start(pg_server_options options = {});
  ~pg_server();
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] const std::string& user() const noexcept { return opts_.user; }
  /// The user's password (random per server); tests pass it as a secret, never in the DSN.
  [[nodiscard]] const std::string& password() const noexcept { return password_; }
  /// "host=127.0.0.1 port=N dbname=<db> user=parley" (no password).
  [[nodiscard]] std::string dsn(const std::string& database) const;

  /// Creates a database owned by the test user.
  void create_database(const std::string& name);
  /// Runs SQL through psql (over the socket) and returns its unaligned output.
  std::string psql(const std::string& database, const std::string& sql) const;
  /// pg_dump of one database (schema and data, plain SQL).
  [[nodiscard]] std::string dump(const std::string& database) const;
  /// Runs a SQL script (e.g. a dump) through psql -f, stopping at the first error.
  void load(const std::string& database, const std::string& script) const;

  /// Fast shutdown / start again on the same port and data: a lost connection for clients.
  void stop();
  void start_again();

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  explicit pg_server(pg_server_options o) : opts_(std::move(o)) {}
  void init();
  [[nodiscard]] bool try_start();
  std::string run_tool(const std::string& tool, const std::vector<std::string>& args, bool as_server_user) const;

  pg_server_options opts_;
  std::filesystem::path dir_;
  std::filesystem::path bin_;
  std::string password_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace parley::store::postgres::testing
