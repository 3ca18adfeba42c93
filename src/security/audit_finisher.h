// The audit record of an output (docs/security.md): a finisher of the one output pipeline, so
// every file a job delivers is in the audit log with what it was made from, by whom, and the
// SHA-256 of its bytes.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "core/output_pipeline.h"
#include "security/audit_log.h"

namespace fl::security {

class AuditFinisher final : public Finisher {
 public:
  // `context` goes into the record as it is: the job, its principal, the plan's key, the ops.
  AuditFinisher(std::shared_ptr<AuditLog> log, nlohmann::json context)
      : log_(std::move(log)), context_(std::move(context)) {}
  std::string_view name() const override { return "audit"; }
  Status finish(const OutputRecord& record) const override;

 private:
  std::shared_ptr<AuditLog> log_;
  nlohmann::json context_;
};

// SHA-256 of a file's bytes (hex), read in blocks.
Result<std::string> sha256_file(const std::string& path);

}  // namespace fl::security
