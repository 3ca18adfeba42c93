// Status and Result<T>: the error currency at every framelock boundary.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fl {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // bad parameter, bad JSON, unknown operator
  kNotFound,          // missing file, unknown id
  kPermissionDenied,  // unreadable input, unwritable output
  kCorruptData,       // damaged or truncated media, malformed .cube/.cdl
  kUnsupported,       // codec or format we cannot handle
  kCancelled,         // a render was cancelled by id or superseded
  kIo,                // other I/O failure
  kInternal,
  kConflict,           // the resource's state forbids it: a finished job, a stale version
  kUnauthenticated,    // no credentials, or credentials that are not valid
  kResourceExhausted,  // over a configured limit: output pixels, working set, body size
};
inline constexpr int kLastErrorCode = int(ErrorCode::kResourceExhausted);

std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The JSON path / parameter the error is about ("nodes.grade.params.slope"); may be empty.
  const std::string& field() const { return field_; }

  // Prefixes the message with where it happened, e.g. "node 'grade': ".
  Status with_context(std::string_view where) const;
  Status with_field(std::string field) const;
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status ok_status() { return Status(); }
inline Status invalid_argument(std::string m, std::string f = {}) {
  return {ErrorCode::kInvalidArgument, std::move(m), std::move(f)};
}
inline Status not_found(std::string m, std::string f = {}) {
  return {ErrorCode::kNotFound, std::move(m), std::move(f)};
}
inline Status permission_denied(std::string m) {
  return {ErrorCode::kPermissionDenied, std::move(m)};
}
inline Status corrupt_data(std::string m) { return {ErrorCode::kCorruptData, std::move(m)}; }
inline Status unsupported(std::string m) { return {ErrorCode::kUnsupported, std::move(m)}; }
inline Status cancelled(std::string m = "cancelled") {
  return {ErrorCode::kCancelled, std::move(m)};
}
inline Status io_error(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
inline Status conflict(std::string m, std::string f = {}) {
  return {ErrorCode::kConflict, std::move(m), std::move(f)};
}
inline Status unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
inline Status resource_exhausted(std::string m, std::string f = {}) {
  return {ErrorCode::kResourceExhausted, std::move(m), std::move(f)};
}
inline Status internal_error(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace fl

#define FL_CONCAT_INNER(a, b) a##b
#define FL_CONCAT(a, b) FL_CONCAT_INNER(a, b)

#define FL_RETURN_IF_ERROR(expr)                                               \
  do {                                                                         \
    if (::fl::Status fl_status_ = (expr); !fl_status_.ok()) return fl_status_; \
  } while (0)

#define FL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#define FL_ASSIGN_OR_RETURN(lhs, expr) \
  FL_ASSIGN_OR_RETURN_IMPL(FL_CONCAT(fl_result_, __LINE__), lhs, expr)
