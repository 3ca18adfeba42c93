#include "service/output_mark.h"

#include <algorithm>

#include "provenance/watermark_stage.h"
#include "security/policy.h"
#include "service/node_operators.h"

namespace fl::service {

Result<int64_t> assign_watermark_record(security::AuditLog& audit,
                                        const provenance::MarkLayout& layout,
                                        nlohmann::json context, const std::string& output) {
  context["type"] = "watermark";
  context["action"] = "assigned";
  context["output"] = output;
  context["key"] = layout.key().fingerprint();
  FL_ASSIGN_OR_RETURN(security::AuditHead head, audit.append(std::move(context)));
  if (uint64_t(head.seq) > provenance::kMaxRecord)
    return internal_error("the audit log has outgrown the watermark's 40-bit record numbers");
  return head.seq;
}

nlohmann::json watermark_audit_field(const provenance::MarkLayout& layout, int64_t record) {
  return {{"record", record}, {"key", layout.key().fingerprint()}};
}

std::shared_ptr<const FrameStage> watermark_stage(
    std::shared_ptr<const provenance::MarkLayout> layout, int64_t record, const graph::Plan& plan,
    const render::OutputJob& out) {
  provenance::MarkOptions mark;
  mark.record = uint64_t(record);
  mark.frame_rate = plan.nodes[size_t(out.output().node)].geometry.frame_rate.to_double();
  mark.transfer = out.transfer();
  return std::make_shared<provenance::WatermarkStage>(std::move(layout), mark);
}

provenance::ManifestContext manifest_context(const graph::Graph& graph, const graph::Plan& plan,
                                             const provenance::MarkLayout* layout, int64_t record) {
  provenance::ManifestContext context;
  const auto& generative = security::ai_operators();
  for (const auto& n : node_operators(graph))
    context.steps.push_back(
        {n.node, n.op, std::find(generative.begin(), generative.end(), n.op) != generative.end()});
  context.plan_key = plan.key.hex();
  if (layout && record >= 0) {
    context.watermark_record = record;
    context.watermark_key = layout->key().fingerprint();
  }
  return context;
}

}  // namespace fl::service
