// The conformance suite (store/testing/store_suite.hpp) over a real PostgreSQL server.
#include "pg_test_env.hpp"

namespace parley::store::testing {
namespace {

std::unique_ptr<backend_env> make_postgres_env() { return std::make_unique<postgres::testing::postgres_env>(); }

INSTANTIATE_TEST_SUITE_P(postgres, store_suite, ::testing::Values(&make_postgres_env),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace parley::store::testing
