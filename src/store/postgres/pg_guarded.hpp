// Private: pg_session::guarded(), shared by the files that define pg_session's members
// (pg_session.cpp, pg_desk.cpp): runs one libpqxx step and turns its exceptions into store errc.
#pragma once

#include "pg_session.hpp"

#include <typeinfo>

namespace parley::store::postgres::detail {

template <class R>
R guarded_failure(error_code e) {
  return R(boost::system::in_place_error, e);
}

template <class R, class F>
R pg_session::guarded(std::string_view what, F&& f) {
  if (!conn_) {
    // A connection lost inside a transaction cannot be replaced: the transaction is gone.
    if (in_transaction_) return guarded_failure<R>(errc::unavailable);
    auto c = source_.connect();
    if (!c) return guarded_failure<R>(c.error());
    conn_ = std::move(*c);
  }
  try {
    pqxx::nontransaction tx(*conn_);
    return f(tx);
  } catch (const pqxx::broken_connection&) {
    log_->warn("postgres: connection lost during {}", what);
    drop_connection();
  } catch (const pqxx::sql_error& e) {
    // A failed statement aborts the transaction until ROLLBACK TO SAVEPOINT; remember that, as
    // COMMIT would otherwise quietly roll back.
    if (in_transaction_) aborted_ = true;
    // The SQLSTATE says what went wrong; the message may quote values, so it is not logged.
    if (e.sqlstate() == "23505") return guarded_failure<R>(errc::already_exists);
    log_->warn("postgres: {} failed: SQLSTATE {}", what, e.sqlstate());
  } catch (const std::exception& e) {
    log_->warn("postgres: {} failed: {}", what, typeid(e).name());
  }
  return guarded_failure<R>(errc::unavailable);
}

}  // namespace parley::store::postgres::detail
