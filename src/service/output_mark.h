// The watermark of one output (provenance/watermark_stage.h), the same way for a server job and
// for the command line: a `watermark assigned` record in the audit log, whose sequence number is
// the payload's record, and the frame stage that marks the output with it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/output_pipeline.h"
#include "provenance/output_manifest.h"
#include "provenance/watermark_informed.h"
#include "provenance/watermark_pattern.h"
#include "render/output.h"
#include "security/audit_log.h"
#include "security/policy.h"

namespace fl::service {

// Appends `context` (who asked, which plan) as a `watermark assigned` record naming `output` and
// the key's fingerprint; its sequence number is the record the payload carries.
// With it, how long the output runs (frames, frame rate): the epochs its marks can carry, which
// informed detection tests.
Result<int64_t> assign_watermark_record(security::AuditLog& audit,
                                        const provenance::MarkLayout& layout,
                                        nlohmann::json context, const std::string& output,
                                        const graph::Plan& plan, const render::OutputJob& out);

// Every mark of `layout`'s key the audit log in `dir` issued, for informed detection. A record
// written before its output's length was kept gets kUnknownOutputEpochs (2 hours).
inline constexpr uint32_t kUnknownOutputEpochs = 1800;
Result<std::vector<provenance::IssuedMark>> issued_marks(const std::string& dir,
                                                         const provenance::MarkLayout& layout);

// What the output's own audit record says of its mark: {"record", "key"}.
nlohmann::json watermark_audit_field(const provenance::MarkLayout& layout, int64_t record);

// The stage that marks `out`'s frames with `record` (its frame rate sets the epochs; its curve
// the float path's code values).
std::shared_ptr<const FrameStage> watermark_stage(
    std::shared_ptr<const provenance::MarkLayout> layout, int64_t record, const graph::Plan& plan,
    const render::OutputJob& out);

// What an output's Content Credentials say of its making (provenance/output_manifest.h): the
// graph's operators in order (generative ones flagged), the graph's content key, and the mark's
// record when the output is marked (`layout` null or `record` < 0: not marked). `graph` is the
// edit graph as JSON (graph::graph_to_json, or a job's), relative paths from `base_dir`.
provenance::ManifestContext manifest_context(const nlohmann::json& graph,
                                             const std::string& base_dir,
                                             const provenance::MarkLayout* layout, int64_t record);

// The graph's content key: SHA-256 (hex) of the graph with each source named by the hash of its
// bytes, not its path, and no outputs. The same edit of the same footage has the same key,
// wherever the files lie and whatever the output is called, so a render can be reproduced.
std::string graph_content_key(const nlohmann::json& graph, const std::string& base_dir);

}  // namespace fl::service
