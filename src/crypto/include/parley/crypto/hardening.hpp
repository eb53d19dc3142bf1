// Process hardening for a process that holds keys and client tokens (SECURITY.md promise 8).
// The `parley` binary calls harden_process() first thing, for every subcommand except `version`.
//
// Steps: prctl(PR_SET_DUMPABLE, 0) (no core dump, no ptrace attach by same-uid processes, and
// /proc/PID/{mem,environ,maps...} owned by root:root), setrlimit(RLIMIT_CORE, {0, 0}), and the
// secure heap (init_secure_heap; see secure_memory.hpp).
//
// Checking the state from another process (e.g. a test that scans /proc/PID/mem as root):
//   - /proc/PID/limits: the line "Max core file size  0  0  bytes";
//   - dumpable 0: files under /proc/PID are owned by root:root instead of the process's euid
//     (proc(5)), visible when the process runs as a non-root user; from inside, prctl(PR_GET_DUMPABLE);
//   - the secure arena: in /proc/PID/smaps, a mapping whose VmFlags include "dd" (excluded from
//     dumps) and, when locked, "lo"; /proc/PID/status shows it in VmLck;
//   - the start-up log line "process hardening: dumpable=off core_limit=0 secure_heap=...".
// Root (CAP_SYS_PTRACE) can still read /proc/PID/mem of a non-dumpable process: that is what a
// memory-scan test relies on, and why secrets are also sealed, not just hidden.
//
// Thread-safety: call once, before other threads start. current_hardening_state() is read-only.
#pragma once

#include <parley/crypto/secure_memory.hpp>

namespace parley::crypto {

struct hardening_report {
  bool dumpable_off = false;    ///< PR_GET_DUMPABLE reads 0 after the call
  bool core_limit_zero = false;  ///< RLIMIT_CORE soft and hard limits are 0
  secure_heap_status secure_heap = secure_heap_status::failed;

  /// False only when keys could not be kept in protected memory at all; the binary then refuses to start.
  [[nodiscard]] bool acceptable() const noexcept { return secure_heap != secure_heap_status::failed; }
};

/// Applies every step and reports which succeeded. Never throws; never aborts.
hardening_report harden_process(const secure_heap_options& heap = {});

/// Reads the current state without changing it.
[[nodiscard]] hardening_report current_hardening_state();

/// Logs one line on the "crypto" logger: info when all steps succeeded, warn otherwise.
void log_hardening(const hardening_report& report);

}  // namespace parley::crypto
