#include "service/content_check.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "analysis/display_frame.h"
#include "io/frame_source.h"
#include "ml/content_classifier.h"

namespace fl::service {

std::string describe(const ContentFinding& f) {
  char text[160];
  std::snprintf(text, sizeof text, "frame %lld: %s %.2f (threshold %.2f)", (long long)f.frame,
                f.label.c_str(), f.score, f.threshold);
  return text;
}

nlohmann::json findings_to_json(const std::vector<ContentFinding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings)
    out.push_back(
        {{"frame", f.frame}, {"class", f.label}, {"score", f.score}, {"threshold", f.threshold}});
  return out;
}

Result<std::vector<ContentFinding>> scan_content(const std::string& path,
                                                 const security::ContentRule& rule) {
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(path, {}));
  FL_ASSIGN_OR_RETURN(ml::ContentClassifier classifier, ml::ContentClassifier::open());
  const int64_t count = source->info().frame_count;
  std::vector<int64_t> frames;
  for (int64_t f = 0; f < count; f += rule.every) frames.push_back(f);
  if (count > 0 && frames.back() != count - 1) frames.push_back(count - 1);
  std::vector<ContentFinding> found;
  for (int64_t f : frames) {
    FL_ASSIGN_OR_RETURN(cv::Mat bgr, analysis::display_bgr(*source, f));
    const ml::ContentScores scores = classifier.classify(bgr);
    for (size_t k = 0; k < ml::kContentClasses; ++k) {
      const std::string label(ml::content_class_name(ml::ContentClass(k)));
      auto t = rule.thresholds.find(label);
      if (t != rule.thresholds.end() && scores.p[k] >= t->second)
        found.push_back({f, label, scores.p[k], t->second});
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const ContentFinding& a, const ContentFinding& b) {
                     return a.score - a.threshold > b.score - b.threshold;
                   });
  return found;
}

Status ContentCheck::finish(const OutputRecord& record) const {
  if (record.kind != OutputKind::kRender) return ok_status();
  auto found = scan_content(record.path, rule_);
  if (!found.ok()) return Status(found.status()).with_context("the content check: ");
  {
    std::lock_guard lock(mu_);
    findings_.insert(findings_.end(), found->begin(), found->end());
  }
  if (found->empty() || rule_.action != security::ContentAction::kBlock) return ok_status();
  return permission_denied(
      "the studio's content policy (/content) blocks this output: " + describe(found->front()) +
      (found->size() > 1 ? " and " + std::to_string(found->size() - 1) + " more finding(s)"
                         : std::string()));
}

std::vector<ContentFinding> ContentCheck::findings() const {
  std::lock_guard lock(mu_);
  return findings_;
}

}  // namespace fl::service
