// The tamper-evident audit log (docs/security.md): append-only JSON lines under DATA/audit/, each
// holding the SHA-256 of the line before it, so an edited, deleted, inserted or reordered record
// breaks the chain; every so often a checkpoint record signs the chain's head with the server's
// Ed25519 key, so rewriting the whole chain is caught too (unless the key is stolen: pin its
// public half elsewhere, with `framelock audit head` and `--key`). A record is on disk (fdatasync)
// before append() returns, so a request is answered only once its record is durable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"

namespace fl::security {

struct AuditOptions {
  std::string dir;       // DATA/audit
  std::string key_path;  // Ed25519 private key (PEM, made with mode 0600 if missing)
  int64_t max_file_bytes = int64_t(64) << 20;  // then the next file (audit-000002.jsonl...)
  int64_t checkpoint_every_records = 1000;
  int64_t checkpoint_every_seconds = 600;
};

// The audit log of a data directory (`framelock serve --data DIR`): DIR/audit, signed with
// DIR/keys/audit-ed25519.key. The server and the command line both write it, one at a time.
AuditOptions audit_options_for(const std::string& data_dir);

struct AuditHead {
  int64_t seq = 0;   // 0: the log is empty
  std::string hash;  // of the last record (64 hex); 64 zeros when empty
  std::string time;
};

class AuditLog {
 public:
  // Opens or creates the log and the key. An append a crash cut short (a last line with no end)
  // is cut off and said so in a "recovery" record: it was never acknowledged.
  static Result<std::unique_ptr<AuditLog>> open(AuditOptions options);
  ~AuditLog();  // writes a checkpoint over any records not yet signed

  // Appends `event` (an object with at least "type") as the next record; durable on return.
  Result<AuditHead> append(nlohmann::json event);
  AuditHead head() const;
  // Signs the head now (also done every N records or minutes, and on close).
  Status checkpoint();
  // The public key, PEM, and its id (the first 16 hex of the SHA-256 of its raw bytes).
  std::string public_key_pem() const;
  std::string key_id() const;

 private:
  struct Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct AuditVerifyReport {
  bool ok = false;
  int64_t records = 0;
  int64_t checkpoints = 0;
  int64_t signed_through = 0;  // seq covered by the last good checkpoint
  AuditHead head;
  std::string first_bad;  // "record 17 (audit-000001.jsonl line 17): ..." when !ok
  std::vector<std::string> warnings;
};

// Checks every record's hash, sequence and link, and every checkpoint's signature against
// `public_key_pem` (empty: the key beside the log, which proves less: say so). kNotFound when
// there is no log; otherwise a report, ok or naming the first bad record.
Result<AuditVerifyReport> verify_audit_log(const std::string& dir,
                                           const std::string& public_key_pem);

struct AuditFilter {
  std::optional<double> since, until;  // unix seconds, inclusive
  std::string type;                    // event type, e.g. "request", "output"
  std::string principal;               // event principal id
  std::string project;                 // event project (a request's, a job's, an output's)
  int64_t after_seq = 0;               // paging cursor
  size_t limit = 100;
};
// The records that match, oldest first, each the whole parsed record (seq, time, prev, hash,
// event); `more` is set when the limit cut the list short.
Result<std::vector<nlohmann::json>> read_audit_log(const std::string& dir,
                                                   const AuditFilter& filter, bool* more = nullptr);

// "2026-12-06T18:40:00.123Z" or unix seconds ("1796580799") to unix seconds.
std::optional<double> parse_audit_time(const std::string& text);

}  // namespace fl::security
