// adapters/storage/postgres_connection.cpp — see postgres_connection.hpp.
#include "adapters/storage/postgres_connection.hpp"

#include <libpq-fe.h>

#include <poll.h>

#include <cstdlib>
#include <cstring>

namespace so::adapters::pg {

namespace {

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

// ---- result -------------------------------------------------------------------------------

result& result::operator=(result&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

result::~result() {
  if (r_) PQclear(r_);
}

int result::rows() const {
  return r_ ? PQntuples(r_) : 0;
}

bool result::is_null(int row, int col) const {
  return PQgetisnull(r_, row, col) != 0;
}

std::string result::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::optional<std::string> result::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

std::int64_t result::int64(int row, int col) const {
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

std::int64_t result::affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

// ---- connection ---------------------------------------------------------------------------

connection::connection(const std::string& conninfo, int connect_timeout_s) {
  // PQconnectdbParams with expand_dbname=1 accepts both the URL and the key=value
  // form in "dbname"; connect_timeout bounds a boot against an unreachable host.
  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), timeout.c_str(), "smooth-operator", nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ == nullptr) throw storage_error("database connection failed: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw storage_error("database connection failed: " + why);
  }
  // Server notices ("relation already exists, skipping") are not errors: keep
  // them off stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  // Timestamps travel as epoch microseconds; still pin the session time zone so
  // any text rendering is UTC.
  exec_simple("SET TIME ZONE 'UTC'", "set time zone");
}

connection::~connection() {
  if (conn_) PQfinish(conn_);
}

bool connection::broken() const {
  return conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK;
}

bool connection::still_alive() {
  if (broken()) return false;
  // An idle connection has nothing to read. Anything readable now is the server
  // saying goodbye ("terminating connection", then EOF): treat it as dead. (A rare
  // unsolicited ParameterStatus costs one needless reconnect, nothing more.)
  pollfd p{PQsocket(conn_), POLLIN, 0};
  const int ready = ::poll(&p, 1, 0);
  return ready == 0;
}

int connection::backend_pid() const {
  return conn_ ? PQbackendPID(conn_) : 0;
}

result connection::check(pg_result* r, const char* what, bool expect_rows) {
  result owned(r);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || (expect_rows && status == PGRES_TUPLES_OK)) return owned;
  if (status == PGRES_TUPLES_OK) return owned;
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string why = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  if (why.empty()) why = trimmed(PQerrorMessage(conn_));
  if (state && std::strcmp(state, "23505") == 0)
    throw storage_conflict(std::string(what) + ": conflict: " + why);
  if (broken()) throw storage_error(std::string(what) + ": database connection lost: " + why);
  throw storage_error(std::string(what) + ": " + why);
}

result connection::exec(const char* name, const char* sql, const std::vector<param>& params,
                        const char* what) {
  if (broken()) throw storage_error(std::string(what) + ": database connection lost");
  if (prepared_.count(name) == 0) {
    check(PQprepare(conn_, name, sql, 0, nullptr), what, false);
    prepared_.insert(name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecPrepared(conn_, name, static_cast<int>(values.size()), values.data(), nullptr,
                              nullptr, 0),
               what, true);
}

result connection::exec_simple(const std::string& sql, const char* what) {
  if (broken()) throw storage_error(std::string(what) + ": database connection lost");
  return check(PQexec(conn_, sql.c_str()), what, true);
}

}  // namespace so::adapters::pg
