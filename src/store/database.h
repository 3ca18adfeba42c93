// SQLite, the embedded default store: one connection per Database, WAL journal (readers never
// block the writer, a kill -9 loses at most the transaction in flight), busy timeout instead of
// SQLITE_BUSY errors, and prepared statements bound by position. No sqlite3 type leaks out.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "framelock/status.h"

namespace fl::store {

using Value = std::variant<std::monostate, int64_t, double, std::string>;

// One result row; columns by index, in the order of the SELECT.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  bool is_null(size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  int64_t integer(size_t i) const;
  double real(size_t i) const;
  std::string text(size_t i) const;  // empty for NULL
  size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};

class Database {
 public:
  // Creates the file (mode 0600: tokens and job graphs live here) if it does not exist.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Statements with `?` placeholders, values bound in order. Thread-safe: one statement at a
  // time on this connection (the server's writes are tiny; SQLite serialises writers anyway).
  Status exec(std::string_view sql, const std::vector<Value>& args = {});
  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& args = {});
  Result<std::optional<Row>> query_one(std::string_view sql, const std::vector<Value>& args = {});
  // Runs several statements (schema scripts); no arguments.
  Status exec_script(std::string_view sql);

  // `fn` runs inside BEGIN IMMEDIATE ... COMMIT; a non-ok Status rolls back. Other threads'
  // statements wait: on one connection they would otherwise land inside this transaction.
  template <class Fn>
  Status transaction(Fn&& fn) {
    std::lock_guard lock(mu_);
    FL_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    Status s = fn();
    if (!s.ok()) {
      (void)exec("ROLLBACK");
      return s;
    }
    return exec("COMMIT");
  }

  const std::string& path() const { return path_; }

 private:
  Database() = default;
  Status run(std::string_view sql, const std::vector<Value>& args, std::vector<Row>* rows);

  std::string path_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::recursive_mutex mu_;
};

}  // namespace fl::store
