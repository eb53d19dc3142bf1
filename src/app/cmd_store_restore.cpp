// `parley store restore`: after an operator put a backup of the database back (their own tools:
// a copy of the SQLite files, pg_restore/psql for PostgreSQL), opens it with today's root key and
// erasure-secrets file, which finishes in the restored copy every erasure made since the backup
// (their conversations cannot be read any more: their rows are removed), and reports per tenant
// what it did and whether the tenant can be read (docs/adr/0018-scoped-erasure.md,
// docs/operations.md "Backups and erasure"). Exit status 0 when every tenant reads, 1 otherwise.
#include "commands.hpp"
#include "store_cli.hpp"

namespace parley::app {

command add_store_restore(CLI::App& group) {
  auto* sub = group.add_subcommand(
      "restore", "Bring a database restored from a backup in line with today's erasures, and report what reads");
  auto t = std::make_shared<store_target>();
  add_store_target(sub, *t);
  return [t] {
    return with_store(*t, /*migrate=*/true, [](const settings&, store::encrypted_store& st) {
      const auto& report = st.report();
      int status = 0;
      if (report.upgraded_conversations > 0) {
        std::printf("upgraded %zu conversation(s) from the format before erasure subjects\n",
                    report.upgraded_conversations);
      }
      for (const auto& tenant : report.tenants) {
        std::printf("tenant %s: ", tenant.tenant_id.c_str());
        if (tenant.erasures_in_file > tenant.erasures_in_database) {
          std::printf("%llu erasure(s) made since this copy, %zu conversation(s) removed; ",
                      static_cast<unsigned long long>(tenant.erasures_in_file - tenant.erasures_in_database),
                      tenant.conversations_removed);
        } else {
          std::printf("no erasure to finish; ");
        }
        if (tenant.readable) {
          std::printf("readable\n");
        } else {
          std::printf("NOT readable: %s\n", tenant.problem.c_str());
          status = 1;
        }
      }
      if (auto r = run_sync(st.reclaim()); !r) {
        std::fprintf(stderr,
                     "parley: store restore: the space of removed rows was not reclaimed yet (%s); the next "
                     "erasure retries\n",
                     r.error().message().c_str());
      }
      std::printf(status == 0 ? "restore: done; every tenant reads\n"
                              : "restore: done; some tenants cannot be read (see above)\n");
      return status;
    });
  };
}

}  // namespace parley::app
