// The policy's content check (security::ContentRule, docs/security.md): a finisher on what a
// generative operator made. Once the file is in place, sampled frames are scored by the content
// classifier (ml/content_classifier.h); a frame at or over a class's threshold is a finding.
// `block` fails the output (the pipeline removes the file); `flag` and `hold` leave it in place
// and the caller (a job, the CLI) reads the findings and acts.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/output_pipeline.h"
#include "security/policy.h"

namespace fl::service {

struct ContentFinding {
  int64_t frame = 0;  // of the file
  std::string label;  // the class
  float score = 0;
  double threshold = 0;
};
// "frame 12: porn 0.72 (threshold 0.60)"
std::string describe(const ContentFinding& f);
nlohmann::json findings_to_json(const std::vector<ContentFinding>& findings);

// Frames 0, every, 2 x every, ... and the last of a rendered file: the findings, worst first.
Result<std::vector<ContentFinding>> scan_content(const std::string& path,
                                                 const security::ContentRule& rule);

class ContentCheck final : public Finisher {
 public:
  explicit ContentCheck(security::ContentRule rule) : rule_(std::move(rule)) {}
  std::string_view name() const override { return "content"; }
  Status finish(const OutputRecord& record) const override;  // renders only
  const security::ContentRule& rule() const { return rule_; }
  std::vector<ContentFinding> findings() const;  // of every output it saw

 private:
  security::ContentRule rule_;
  mutable std::mutex mu_;
  mutable std::vector<ContentFinding> findings_;
};

}  // namespace fl::service
