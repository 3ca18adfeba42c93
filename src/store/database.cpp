#include "store/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fl::store {

namespace {

Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return invalid_argument(msg);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return permission_denied(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return corrupt_data(msg);
    default:
      return io_error(msg);
  }
}

}  // namespace

int64_t Row::integer(size_t i) const {
  const Value& v = values_.at(i);
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* d = std::get_if<double>(&v)) return int64_t(*d);
  return 0;
}

double Row::real(size_t i) const {
  const Value& v = values_.at(i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* p = std::get_if<int64_t>(&v)) return double(*p);
  return 0;
}

std::string Row::text(size_t i) const {
  const Value& v = values_.at(i);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

struct Database::Impl {
  sqlite3* db = nullptr;
  ~Impl() {
    if (db) sqlite3_close_v2(db);
  }
};

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  // Create it private before SQLite does (SQLite would use the umask: often world-readable).
  if (::access(path.c_str(), F_OK) != 0) {
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return permission_denied("cannot create database '" + path + "'");
    ::close(fd);
  }
  std::unique_ptr<Database> d(new Database());
  d->path_ = path;
  d->impl_ = std::make_unique<Impl>();
  int rc = sqlite3_open_v2(path.c_str(), &d->impl_->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK)
    return sqlite_status(d->impl_->db, rc, "cannot open database '" + path + "'");
  sqlite3_busy_timeout(d->impl_->db, 5000);
  sqlite3_extended_result_codes(d->impl_->db, 1);
  // WAL + synchronous=NORMAL: a committed transaction survives kill -9 of this process (only a
  // power loss can drop the last few), and readers (GET /v1/jobs) never wait for the writer.
  FL_RETURN_IF_ERROR(d->exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  auto check = d->query_one("PRAGMA quick_check");
  if (!check.ok()) return check.status().with_context("database '" + path + "': ");
  if (*check && (*check)->text(0) != "ok")
    return corrupt_data("database '" + path + "' is damaged: " + (*check)->text(0));
  return d;
}

Status Database::run(std::string_view sql, const std::vector<Value>& args, std::vector<Row>* rows) {
  std::lock_guard lock(mu_);
  sqlite3* db = impl_->db;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db, rc, "SQL error");
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
  for (size_t i = 0; i < args.size(); ++i) {
    int idx = int(i) + 1;
    const Value& v = args[i];
    if (std::holds_alternative<std::monostate>(v))
      rc = sqlite3_bind_null(stmt, idx);
    else if (auto* n = std::get_if<int64_t>(&v))
      rc = sqlite3_bind_int64(stmt, idx, *n);
    else if (auto* d = std::get_if<double>(&v))
      rc = sqlite3_bind_double(stmt, idx, *d);
    else {
      const auto& s = std::get<std::string>(v);
      rc = sqlite3_bind_text(stmt, idx, s.data(), int(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return sqlite_status(db, rc, "SQL bind");
  }
  for (;;) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return ok_status();
    if (rc != SQLITE_ROW) return sqlite_status(db, rc, "SQL step");
    if (!rows) continue;
    int n = sqlite3_column_count(stmt);
    std::vector<Value> values(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          values[size_t(c)] = int64_t(sqlite3_column_int64(stmt, c));
          break;
        case SQLITE_FLOAT:
          values[size_t(c)] = sqlite3_column_double(stmt, c);
          break;
        case SQLITE_NULL:
          break;
        default: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt, c));
          values[size_t(c)] = std::string(p ? p : "", size_t(sqlite3_column_bytes(stmt, c)));
        }
      }
    }
    rows->emplace_back(std::move(values));
  }
}

Status Database::exec(std::string_view sql, const std::vector<Value>& args) {
  return run(sql, args, nullptr);
}

Result<std::vector<Row>> Database::query(std::string_view sql, const std::vector<Value>& args) {
  std::vector<Row> rows;
  FL_RETURN_IF_ERROR(run(sql, args, &rows));
  return rows;
}

Result<std::optional<Row>> Database::query_one(std::string_view sql,
                                               const std::vector<Value>& args) {
  FL_ASSIGN_OR_RETURN(auto rows, query(sql, args));
  if (rows.empty()) return std::optional<Row>{};
  return std::optional<Row>(std::move(rows.front()));
}

Status Database::exec_script(std::string_view sql) {
  std::lock_guard lock(mu_);
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(impl_->db, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return io_error("SQL error: " + msg);
  }
  return ok_status();
}

}  // namespace fl::store
