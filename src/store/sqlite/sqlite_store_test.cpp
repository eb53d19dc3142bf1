// The conformance suite (store/testing/store_suite.hpp) over SQLite.
#include "sqlite_test_env.hpp"

namespace parley::store::testing {
namespace {

std::unique_ptr<backend_env> make_sqlite_env() { return std::make_unique<sqlite::testing::sqlite_env>(); }

INSTANTIATE_TEST_SUITE_P(sqlite, store_suite, ::testing::Values(&make_sqlite_env),
                         [](const auto&) { return std::string("sqlite"); });

}  // namespace
}  // namespace parley::store::testing
