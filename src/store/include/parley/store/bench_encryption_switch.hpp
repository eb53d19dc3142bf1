// Benchmark builds only (bench/store): switches record encryption off so that its cost can be
// measured beside the real thing in one run. Only the benchmark target compiles the store with
// PARLEY_BENCH_NO_ENCRYPTION; the parley binary refuses to build with it (src/app/main.cpp).
// Thread-safety: set it before the store is used.
#pragma once

#ifndef PARLEY_BENCH_NO_ENCRYPTION
#error "bench_encryption_switch.hpp is for the store benchmark build only (PARLEY_BENCH_NO_ENCRYPTION)"
#endif

namespace parley::store::bench {

/// true (the default): records are sealed as always; false: stored as plaintext.
void set_encryption(bool on) noexcept;

}  // namespace parley::store::bench
