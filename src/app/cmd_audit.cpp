// `parley audit ...`: the audit log (docs/audit.md).
//   verify --tenant T [--expect SEQ:HASH]...   check the whole chain and every checkpoint
//   export --tenant T [--since TIME] [--output FILE]   JSON lines for a SIEM (itself audited)
//   rotate-key                                  a new checkpoint signing key (old ones kept)
// Each names the store and the root key like every subcommand: --config FILE or --data-dir DIR.
#include "audit_wiring.hpp"
#include "commands.hpp"
#include "store_cli.hpp"

#include <parley/audit/checkpoint.hpp>
#include <parley/audit/export.hpp>
#include <parley/audit/format.hpp>
#include <parley/audit/verify.hpp>
#include <parley/core/base64.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

struct opened_log {
  std::shared_ptr<store::encrypted_store> store;
  std::unique_ptr<audit_runtime> runtime;
};

// The store and the audit log that `t` names; nullopt after printing why.
std::optional<opened_log> open_log(const store_target& t, bool signing) {
  auto s = target_settings(t);
  if (!s) return std::nullopt;
  opened_log out;
  out.store = open_store(*s, false);
  if (!out.store) return std::nullopt;
  out.runtime = audit_runtime::create(make_audit_plan(*s, out.store), signing);
  if (!out.runtime) return std::nullopt;
  return out;
}

// "SEQ:HASH" with HASH 64 hex digits (a checkpoint line of the service log, or an export's last line).
std::optional<audit::anchor> parse_anchor(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || text.size() - colon - 1 != 64) return std::nullopt;
  audit::anchor a;
  try {
    std::size_t used = 0;
    a.seq = std::stoull(text.substr(0, colon), &used);
    if (used != colon || a.seq == 0) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < 32; ++i) {
    const auto byte = text.substr(colon + 1 + 2 * i, 2);
    if (byte.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    a.hash[i] = static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16));
  }
  return a;
}

struct verify_args {
  store_target target;
  std::string tenant;
  std::vector<std::string> expect;
};

int run_verify(const verify_args& a) {
  std::vector<audit::anchor> anchors;
  for (const auto& e : a.expect) {
    auto anchor = parse_anchor(e);
    if (!anchor) {
      std::fprintf(stderr, "parley: audit verify: --expect wants SEQ:HASH (64 lower-case hex digits), not %s\n",
                   e.c_str());
      return 2;
    }
    anchors.push_back(*anchor);
  }
  auto opened = open_log(a.target, false);
  if (!opened) return 1;
  auto r = run_sync(audit::verify(*opened->store, opened->runtime->checkpoint_keys(), a.tenant, anchors));
  if (!r) {
    if (r.error() == audit::errc::not_found) {
      std::fprintf(stderr, "parley: audit verify: tenant %s has no audit log\n", a.tenant.c_str());
    } else {
      std::fprintf(stderr, "parley: audit verify: %s\n", r.error().message().c_str());
    }
    return 1;
  }
  const auto& rep = *r;
  std::printf("audit log of tenant %s: %llu entries", a.tenant.c_str(), static_cast<unsigned long long>(rep.entries));
  if (rep.entries != 0) {
    std::printf(" (#%llu..#%llu)", static_cast<unsigned long long>(rep.first_seq),
                static_cast<unsigned long long>(rep.last_seq));
  }
  std::printf(", %llu signed checkpoints verified", static_cast<unsigned long long>(rep.checkpoints));
  if (rep.covered_seq != 0) {
    std::printf(", the newest covers #%llu (signed %s)", static_cast<unsigned long long>(rep.covered_seq),
                audit::format_time(rep.covered_time).c_str());
  }
  std::printf("\n");
  for (const auto& f : rep.findings) std::printf("FAILED: %s\n", f.message.c_str());
  if (rep.more_findings != 0) std::printf("FAILED: ... and %zu more problem(s)\n", rep.more_findings);
  if (!rep.ok()) {
    std::printf("the audit log of tenant %s FAILED verification: %zu problem(s)\n", a.tenant.c_str(),
                rep.findings.size() + rep.more_findings);
    return 1;
  }
  if (rep.last_seq > rep.covered_seq) {
    std::printf("entries #%llu..#%llu are not covered by a signed checkpoint yet (the chain checks them)\n",
                static_cast<unsigned long long>(rep.covered_seq + 1), static_cast<unsigned long long>(rep.last_seq));
  }
  std::printf("OK: the audit log of tenant %s verified\n", a.tenant.c_str());
  return 0;
}

struct export_args {
  store_target target;
  std::string tenant;
  std::string since;
  std::string output;
};

// Who runs the command, as the export's audit entry names them (no personal data beyond the
// operating-system account).
std::string operator_id() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return std::string("os:") + pw->pw_name;
  }
  return "os:uid" + std::to_string(::geteuid());
}

int run_export(const export_args& a) {
  std::int64_t since = 0;
  if (!a.since.empty()) {
    auto t = audit::parse_time(a.since);
    if (!t) {
      std::fprintf(stderr, "parley: audit export: --since wants RFC 3339 (2026-12-07T08:00:00Z) or a date, not %s\n",
                   a.since.c_str());
      return 2;
    }
    since = *t;
  }
  if (!a.output.empty() && fs::exists(fs::symlink_status(a.output))) {
    std::fprintf(stderr, "parley: audit export: %s exists; an export never overwrites a file\n", a.output.c_str());
    return 1;
  }
  auto opened = open_log(a.target, true);
  if (!opened) return 1;
  // The output is created before anything is recorded, so that a bad path changes nothing.
  FILE* out = stdout;
  const fs::path tmp = a.output.empty() ? fs::path{} : fs::path(a.output + ".tmp");
  if (!a.output.empty()) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || (out = ::fdopen(fd, "w")) == nullptr) {
      if (fd >= 0) ::close(fd);
      std::fprintf(stderr, "parley: audit export: cannot create %s\n", tmp.c_str());
      return 1;
    }
  }
  auto discard = [&] {
    if (out != stdout) {
      std::fclose(out);
      std::error_code ec;
      fs::remove(tmp, ec);
    }
  };
  // Exporting is itself audited, before anything leaves the log (fail closed).
  boost::json::object details;
  details["since"] = a.since.empty() ? std::string("beginning") : audit::format_time(since);
  details["destination"] = a.output.empty() ? "stdout" : "file";
  auto& log = opened->runtime->log();
  auto recorded = run_sync(log.append(audit::entry{a.tenant, "audit.export", operator_id(), "operator", a.tenant,
                                                   "local", boost::json::serialize(details)}));
  if (!recorded) {
    discard();
    std::fprintf(stderr, "parley: audit export: cannot record the export in the audit log (%s); nothing exported\n",
                 recorded.error().message().c_str());
    return 1;
  }
  auto summary = run_sync(audit::export_entries(*opened->store, a.tenant, since, [out](std::string_view line) {
    return std::fwrite(line.data(), 1, line.size(), out) == line.size() && std::fputc('\n', out) != EOF;
  }));
  // Covers the export's own entry with a checkpoint now: this process will not be there later.
  (void)run_sync(log.checkpoint_due(true));
  if (!summary || summary->stopped) {
    discard();
    if (!summary) {
      std::fprintf(stderr, "parley: audit export: %s\n", summary.error().message().c_str());
    } else {
      std::fprintf(stderr, "parley: audit export: stopped: %s; run `parley audit verify --tenant %s`\n",
                   summary->stopped->message.c_str(), a.tenant.c_str());
    }
    return 1;
  }
  if (out != stdout) {
    const bool written = std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
    std::fclose(out);
    // Never over a file that appeared meanwhile (RENAME_NOREPLACE).
    const bool placed =
        written && ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, a.output.c_str(), RENAME_NOREPLACE) == 0;
    if (!placed) {
      std::error_code ec;
      fs::remove(tmp, ec);
      std::fprintf(stderr, "parley: audit export: cannot write %s\n", a.output.c_str());
      return 1;
    }
  } else {
    std::fflush(stdout);
  }
  if (summary->lines == 0) {
    std::fprintf(stderr, "parley: exported no entries of tenant %s\n", a.tenant.c_str());
    return 0;
  }
  std::fprintf(stderr, "parley: exported %llu entries (#%llu..#%llu) of tenant %s%s%s\n",
               static_cast<unsigned long long>(summary->lines), static_cast<unsigned long long>(summary->first_seq),
               static_cast<unsigned long long>(summary->last_seq), a.tenant.c_str(), a.output.empty() ? "" : " to ",
               a.output.c_str());
  return 0;
}

command add_verify(CLI::App& group) {
  auto* sub = group.add_subcommand("verify", "Check a tenant's whole audit chain and every signed checkpoint");
  auto a = std::make_shared<verify_args>();
  sub->add_option("--tenant", a->tenant, "Tenant id")->required();
  sub->add_option("--expect", a->expect,
                  "SEQ:HASH known from outside the database (a checkpoint line of the service log, the last line "
                  "of an export): the log must still hold that entry; repeatable");
  add_store_target(sub, a->target);
  return [a] { return run_verify(*a); };
}

command add_export(CLI::App& group) {
  auto* sub = group.add_subcommand("export", "Write a tenant's audit log as JSON lines (recorded as audit.export)");
  auto a = std::make_shared<export_args>();
  sub->add_option("--tenant", a->tenant, "Tenant id")->required();
  sub->add_option("--since", a->since, "Only entries at or after this time (RFC 3339, or a date)");
  sub->add_option("--output", a->output, "Write to this new file (mode 0600) instead of stdout");
  add_store_target(sub, a->target);
  return [a] { return run_export(*a); };
}

command add_rotate_key(CLI::App& group) {
  auto* sub = group.add_subcommand("rotate-key",
                                   "Make a new checkpoint signing key; older ones stay to verify what they signed");
  auto t = std::make_shared<store_target>();
  add_store_target(sub, *t);
  return [t] {
    auto opened = open_log(*t, true);
    if (!opened) return 1;
    auto k = opened->runtime->keys().rotate(audit::checkpoint_purpose);
    if (!k) {
      std::fprintf(stderr, "parley: audit rotate-key: %s\n", k.error().message().c_str());
      return 1;
    }
    std::printf("checkpoint signing key %s is active; running services pick it up when they restart\n", k->kid.c_str());
    return 0;
  };
}

}  // namespace

command add_audit(CLI::App& app) {
  auto* group = app.add_subcommand("audit", "Verify and export the audit log");
  group->require_subcommand(1);
  auto commands = std::make_shared<std::map<const CLI::App*, command>>();
  auto add = [&](auto factory) {
    auto cmd = factory(*group);
    commands->emplace(group->get_subcommands({}).back(), std::move(cmd));
  };
  add(add_verify);
  add(add_export);
  add(add_rotate_key);
  return [group, commands] {
    for (const auto* sub : group->get_subcommands()) return commands->at(sub)();
    return 1;
  };
}

}  // namespace parley::app
