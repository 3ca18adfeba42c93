// The watermark of one output (provenance/watermark_stage.h), the same way for a server job and
// for the command line: a `watermark assigned` record in the audit log, whose sequence number is
// the payload's record, and the frame stage that marks the output with it.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/output_pipeline.h"
#include "graph/graph.h"
#include "provenance/output_manifest.h"
#include "provenance/watermark_pattern.h"
#include "render/output.h"
#include "security/audit_log.h"

namespace fl::service {

// Appends `context` (who asked, which plan) as a `watermark assigned` record naming `output` and
// the key's fingerprint; its sequence number is the record the payload carries.
Result<int64_t> assign_watermark_record(security::AuditLog& audit,
                                        const provenance::MarkLayout& layout,
                                        nlohmann::json context, const std::string& output);

// What the output's own audit record says of its mark: {"record", "key"}.
nlohmann::json watermark_audit_field(const provenance::MarkLayout& layout, int64_t record);

// The stage that marks `out`'s frames with `record` (its frame rate sets the epochs; its curve
// the float path's code values).
std::shared_ptr<const FrameStage> watermark_stage(
    std::shared_ptr<const provenance::MarkLayout> layout, int64_t record, const graph::Plan& plan,
    const render::OutputJob& out);

// What an output's Content Credentials say of its making (provenance/output_manifest.h): the
// graph's operators in order (generative ones flagged), the plan's content key, and the mark's
// record when the output is marked (`layout` null or `record` < 0: not marked).
provenance::ManifestContext manifest_context(const graph::Graph& graph, const graph::Plan& plan,
                                             const provenance::MarkLayout* layout, int64_t record);

}  // namespace fl::service
