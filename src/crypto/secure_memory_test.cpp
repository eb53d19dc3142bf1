#include "test_util.hpp"

#include <parley/crypto/error.hpp>
#include <parley/crypto/hardening.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <type_traits>

namespace parley::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<secure_buffer> && !std::is_copy_assignable_v<secure_buffer>);
static_assert(std::is_nothrow_move_constructible_v<secure_buffer>);

constexpr char pattern[] = "parley test secret: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
constexpr std::size_t pattern_size = 64;

// The VmFlags line of the /proc/self/smaps mapping that contains `address`.
std::string vm_flags_of(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = a >= lo && a < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return {};
}

TEST(SecureBuffer, AllocatesZeroedProtectedMemory) {
  auto b = secure_buffer::allocate(48);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 48u);
  EXPECT_TRUE(b->is_protected());
  EXPECT_TRUE(std::all_of(b->data(), b->data() + 48, [](std::uint8_t x) { return x == 0; }));
  EXPECT_GT(secure_heap_used(), 0u);
  auto empty = secure_buffer::allocate(0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(empty->is_protected());
}

TEST(SecureBuffer, ArenaIsExcludedFromDumpsAndLockedWhenAllowed) {
  auto b = secure_buffer::allocate(32);
  ASSERT_TRUE(b);
  const auto flags = vm_flags_of(b->data());
  ASSERT_FALSE(flags.empty());
  EXPECT_NE(flags.find(" dd"), std::string::npos) << flags;
  if (init_secure_heap() == secure_heap_status::protected_ok) {
    EXPECT_NE(flags.find(" lo"), std::string::npos) << flags;
  }
}

TEST(SecureBuffer, WipeZeroesButKeepsTheAllocation) {
  auto b = *secure_buffer::copy_of(std::span(reinterpret_cast<const std::uint8_t*>(pattern), pattern_size));
  EXPECT_EQ(std::memcmp(b.data(), pattern, pattern_size), 0);
  const auto* p = b.data();
  b.wipe();
  EXPECT_EQ(b.data(), p);
  EXPECT_TRUE(std::all_of(b.data(), b.data() + pattern_size, [](std::uint8_t x) { return x == 0; }));
}

TEST(SecureBuffer, BytesAreGoneFromMemoryAfterDestruction) {
  const std::uint8_t* address = nullptr;
  {
    auto b = *secure_buffer::copy_of(std::span(reinterpret_cast<const std::uint8_t*>(pattern), pattern_size));
    address = b.data();
    std::uint8_t live[pattern_size];
    ASSERT_TRUE(test::read_own_memory(address, live, pattern_size));
    ASSERT_EQ(std::memcmp(live, pattern, pattern_size), 0);  // the probe sees live secrets
  }
  std::uint8_t after[pattern_size];
  ASSERT_TRUE(test::read_own_memory(address, after, pattern_size));
  // The allocator may keep free-list links in the first 16 bytes; the rest must be zero.
  EXPECT_NE(std::memcmp(after, pattern, 16), 0);
  EXPECT_TRUE(std::all_of(after + 16, after + pattern_size, [](std::uint8_t x) { return x == 0; }));
}

TEST(SecureBuffer, MoveTransfersOwnership) {
  auto a = *secure_buffer::allocate(32);
  const auto* p = a.data();
  secure_buffer b = std::move(a);
  EXPECT_EQ(b.data(), p);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  b = *secure_buffer::allocate(16);
  EXPECT_EQ(b.size(), 16u);
}

TEST(SecureBuffer, ExhaustedArenaIsAnError) {
  auto huge = secure_buffer::allocate(std::size_t{64} << 20);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error(), errc::secure_memory_exhausted);
}

TEST(Hardening, ForkedChildEndsUpNonDumpableWithoutCoreDumps) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const auto report = harden_process();
    rlimit rl{1, 1};
    ::getrlimit(RLIMIT_CORE, &rl);
    int code = 0;
    if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) code |= 1;
    if (rl.rlim_cur != 0 || rl.rlim_max != 0) code |= 2;
    if (!report.dumpable_off || !report.core_limit_zero || !report.acceptable()) code |= 4;
    const auto state = current_hardening_state();
    if (!state.dumpable_off || !state.core_limit_zero) code |= 8;
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: dumpable, 2: RLIMIT_CORE, 4: report, 8: state";
  // The test process itself stays debuggable.
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
  EXPECT_FALSE(current_hardening_state().dumpable_off);
}

}  // namespace
}  // namespace parley::crypto
