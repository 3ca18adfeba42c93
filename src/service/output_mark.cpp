#include "service/output_mark.h"

#include <algorithm>
#include <filesystem>

#include "core/content_id.h"
#include "core/json_text.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/watermark_stage.h"
#include "security/policy.h"
#include "service/node_operators.h"

namespace fl::service {

namespace {

double output_frame_rate(const graph::Plan& plan, const render::OutputJob& out) {
  return plan.nodes[size_t(out.output().node)].geometry.frame_rate.to_double();
}

}  // namespace

Result<int64_t> assign_watermark_record(security::AuditLog& audit,
                                        const provenance::MarkLayout& layout,
                                        nlohmann::json context, const std::string& output,
                                        const graph::Plan& plan, const render::OutputJob& out) {
  context["type"] = "watermark";
  context["action"] = "assigned";
  context["output"] = output;
  context["key"] = layout.key().fingerprint();
  // Output frame numbers run to `last` (the stage's epochs count from them).
  context["frames"] = out.output().last + 1;
  context["frame_rate"] = output_frame_rate(plan, out);
  FL_ASSIGN_OR_RETURN(security::AuditHead head, audit.append(std::move(context)));
  if (uint64_t(head.seq) > provenance::kMaxRecord)
    return internal_error("the audit log has outgrown the watermark's 40-bit record numbers");
  return head.seq;
}

Result<std::vector<provenance::IssuedMark>> issued_marks(const std::string& dir,
                                                         const provenance::MarkLayout& layout) {
  std::vector<provenance::IssuedMark> out;
  security::AuditFilter f;
  f.type = "watermark";
  f.limit = 1000;
  const std::string fingerprint = layout.key().fingerprint();
  for (bool more = true; more;) {
    more = false;
    FL_ASSIGN_OR_RETURN(auto records, security::read_audit_log(dir, f, &more));
    for (const auto& r : records) {
      f.after_seq = r.value("seq", f.after_seq);
      const auto& e = r["event"];
      if (e.value("action", "") != "assigned" || e.value("key", "") != fingerprint) continue;
      provenance::IssuedMark m{uint64_t(r.value("seq", int64_t(0))), kUnknownOutputEpochs};
      const int64_t frames = e.value("frames", int64_t(0));
      const double rate = e.value("frame_rate", 0.0);
      if (frames > 0)
        m.epochs = uint32_t(std::clamp<int64_t>((frames - 1) / provenance::epoch_frames(rate) + 1,
                                                1, int64_t(UINT32_MAX)));
      out.push_back(m);
    }
    if (records.empty()) break;
  }
  return out;
}

nlohmann::json watermark_audit_field(const provenance::MarkLayout& layout, int64_t record) {
  return {{"record", record}, {"key", layout.key().fingerprint()}};
}

std::shared_ptr<const FrameStage> watermark_stage(
    std::shared_ptr<const provenance::MarkLayout> layout, int64_t record, const graph::Plan& plan,
    const render::OutputJob& out) {
  provenance::MarkOptions mark;
  mark.record = uint64_t(record);
  mark.frame_rate = output_frame_rate(plan, out);
  mark.transfer = out.transfer();
  return std::make_shared<provenance::WatermarkStage>(std::move(layout), mark);
}

std::string graph_content_key(const nlohmann::json& graph, const std::string& base_dir) {
  nlohmann::json keyed = graph;
  keyed.erase("outputs");
  if (keyed.contains("sources") && keyed["sources"].is_object()) {
    for (auto& [id, source] : keyed["sources"].items()) {
      if (!source.is_object() || !source.contains("path") || !source["path"].is_string()) continue;
      std::filesystem::path p = source["path"].get<std::string>();
      if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
      auto content = ContentIds::shared().identify_fully(p.string());
      if (!content.ok() || content->xxh128.empty()) continue;
      source.erase("path");
      source["content"] = "xxh128:" + content->xxh128;
    }
  }
  const std::string digest = c2pa::sha256(json_text(keyed));
  std::string hex;
  for (unsigned char c : digest)
    hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
  return hex;
}

provenance::ManifestContext manifest_context(const nlohmann::json& graph,
                                             const std::string& base_dir,
                                             const provenance::MarkLayout* layout, int64_t record) {
  provenance::ManifestContext context;
  const auto& generative = security::ai_operators();
  for (const auto& n : node_operators(graph))
    context.steps.push_back(
        {n.node, n.op, std::find(generative.begin(), generative.end(), n.op) != generative.end()});
  context.graph_key = graph_content_key(graph, base_dir);
  if (layout && record >= 0) {
    context.watermark_record = record;
    context.watermark_key = layout->key().fingerprint();
  }
  return context;
}

}  // namespace fl::service
