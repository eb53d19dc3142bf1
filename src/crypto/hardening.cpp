#include <parley/core/log.hpp>
#include <parley/crypto/hardening.hpp>

#include <openssl/crypto.h>

#include <sys/prctl.h>
#include <sys/resource.h>

namespace parley::crypto {
namespace {

bool dumpable_off() { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0; }

bool core_limit_zero() {
  rlimit rl{};
  return ::getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 && rl.rlim_max == 0;
}

}  // namespace

hardening_report harden_process(const secure_heap_options& heap) {
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit zero{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &zero);
  hardening_report r;
  r.dumpable_off = dumpable_off();
  r.core_limit_zero = core_limit_zero();
  r.secure_heap = init_secure_heap(heap);
  return r;
}

hardening_report current_hardening_state() {
  hardening_report r;
  r.dumpable_off = dumpable_off();
  r.core_limit_zero = core_limit_zero();
  r.secure_heap = CRYPTO_secure_malloc_initialized() == 1 ? init_secure_heap() : secure_heap_status::failed;
  return r;
}

void log_hardening(const hardening_report& r) {
  const bool all = r.dumpable_off && r.core_limit_zero && r.secure_heap == secure_heap_status::protected_ok;
  core::logger("crypto")->log(all ? spdlog::level::info : spdlog::level::warn,
                              "process hardening: dumpable={} core_limit={} secure_heap={}",
                              r.dumpable_off ? "off" : "ON (prctl failed)",
                              r.core_limit_zero ? "0" : "not zero (setrlimit failed)", to_string(r.secure_heap));
}

}  // namespace parley::crypto
