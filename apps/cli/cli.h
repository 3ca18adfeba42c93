// framelock command line: thin wrappers that parse arguments, call the core, print results.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/output_pipeline.h"
#include "framelock/status.h"
#include "graph/plan.h"
#include "provenance/output_manifest.h"
#include "render/output.h"
#include "render/renderer.h"

namespace fl::provenance {
class MarkLayout;
}
namespace fl::security {
class AuditLog;
}

namespace fl::cli {

// What every file a command writes goes through (its frame stages and finishers), with a ledger
// of what was written: one per command, shared by its render and its side outputs.
struct CommandOutputs {
  std::shared_ptr<OutputPipeline> pipeline;
  std::shared_ptr<OutputLedger> ledger;
};
CommandOutputs command_outputs();

// `--sign-key KEY.pem --sign-cert CHAIN.pem`: who signs a command's Content Credentials (the
// installation's own signer without them; watermark_gate.cpp).
struct SignFlags {
  std::string key, cert;
};
void add_sign_flags(CLI::App* cmd, SignFlags& flags);
// command_outputs() whose media (renders, stills, sheets) are signed with `context`: the signer
// is opened, and a bad one refused, before the command does any work.
Result<CommandOutputs> signed_outputs(const SignFlags& flags, const std::string& data_dir,
                                      provenance::ManifestContext context);

// Each verb registers its subcommand and returns the Status to turn into an exit code.
void add_probe_command(CLI::App& app, Status* result);
void add_ops_command(CLI::App& app, Status* result);
void add_render_commands(CLI::App& app, Status* result);
void add_shots_command(CLI::App& app, Status* result);
void add_characters_command(CLI::App& app, Status* result);
void add_cast_command(CLI::App& app, Status* result);
void add_variants_command(CLI::App& app, Status* result);
void add_look_command(CLI::App& app, Status* result);
void add_watermark_command(CLI::App& app, Status* result);
void add_provenance_command(CLI::App& app, Status* result);

// `--policy FILE [--project P] [--role R] [--cast FILE]... [--data DIR]` (policy_gate.cpp).
struct PolicyFlags {
  std::string file;
  std::string project = "default";
  std::string role = "artist";
  std::vector<std::string> casts;
  std::string data;
};
void add_policy_flags(CLI::App* cmd, PolicyFlags& flags);
// The policy's operator rules (over the nodes of `graph`) and protected likenesses over the
// render of `plan`, its compiled form (every output,
// `range` when given). The notes name the consents a render rests on; an error refuses it.
// `content` is the policy's content check when the plan uses a generative operator (added to
// the command's pipeline: it blocks there; flagged and held outputs are the caller's to report).
struct PolicyDecision {
  std::vector<std::string> notes;
  std::shared_ptr<Finisher> content;
  // After the render: the findings as warnings, or an error for an output held for review
  // (its file removed: a command line has no one to approve it).
  std::function<Status(const std::string& written, std::vector<std::string>& warnings)> after;
};
Result<PolicyDecision> apply_policy(const PolicyFlags& flags, const graph::Graph& graph,
                                    const graph::Plan& plan, render::Renderer& renderer,
                                    const std::optional<graph::FrameRange>& range);

// `--watermark-key KEY [--watermark-all]`, with the policy's `--data DIR`, and the signer of the
// outputs' Content Credentials, `--sign-key KEY.pem --sign-cert CHAIN.pem` (watermark_gate.cpp).
struct MarkFlags {
  std::string key;
  bool all = false;
  SignFlags sign;
};
void add_mark_flags(CLI::App* cmd, MarkFlags& flags);
class OutputMarker {
 public:
  // Null when the flags ask for no mark; an error for a missing key or data directory.
  static Result<std::unique_ptr<OutputMarker>> open(const MarkFlags& flags,
                                                    const std::string& data);
  // Whether the graph's outputs are marked: a generative operator, or --watermark-all.
  bool marks(const graph::Graph& graph) const;
  // A record in the data directory's audit log for `job`'s output (who, which plan, where),
  // the stage that marks its frames with that record, and the finisher that records the
  // finished file beside it.
  struct Marked {
    std::shared_ptr<const FrameStage> stage;
    std::shared_ptr<const Finisher> audit;
    int64_t record = -1;
  };
  Result<Marked> mark(const graph::Plan& plan, const render::OutputJob& job);
  const provenance::MarkLayout* layout() const { return layout_.get(); }

 private:
  OutputMarker() = default;
  std::shared_ptr<const provenance::MarkLayout> layout_;
  std::shared_ptr<security::AuditLog> audit_;
  bool all_ = false;
};

// One line on stderr ("framelock: error: ...") and the process exit code for a Status.
int report(const Status& status);

}  // namespace fl::cli
