// Durable render jobs. A job is a graph, one output node and an output file name; it lives in
// SQLite from submission to its final state (queued -> running -> succeeded | failed |
// cancelled, the vocabulary of Runway's task API). Clips render in segments, each a complete
// file committed (renamed, then recorded) before the next starts; at the end the segments are
// joined without re-encoding. So a kill -9 loses at most the segment in flight, a restart
// resumes at the first missing segment, and the output holds every frame exactly once, with the
// same bytes as a render that was never interrupted (both go through the same segments).
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/output_pipeline.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "provenance/c2pa/signing.h"
#include "provenance/watermark_pattern.h"
#include "render/renderer.h"
#include "security/audit_log.h"
#include "security/auth.h"
#include "service/content_check.h"
#include "service/event_hub.h"
#include "service/job.h"
#include "service/job_store.h"

namespace fl::service {

struct JobRunnerOptions {
  std::string data_dir;  // jobs/<id>/segments, jobs/<id>/out
  int workers = 1;       // jobs rendered at once (each uses every core through the renderer)
  // The paths a job's graph may read: its project's media roots.
  std::function<graph::PathGuard(const std::string& project)> guard_for;
  EventHub* events = nullptr;     // topic "job:<id>"
  int inter_segment_frames = 48;  // segment length for inter codecs (H.264/H.265)
  size_t cache_bytes = size_t(512) << 20;
  std::shared_ptr<render::AnalysisStore> analyses;  // empty: the renderer's own, in memory
  // Stages and finishers every job's output goes through (the watermark, the manifest).
  std::shared_ptr<const OutputPipeline> pipeline;
  graph::ResourceLimits limits;  // refused at submit, with 422
  // Each job's outputs and its end (succeeded, failed, cancelled) are recorded here.
  std::shared_ptr<security::AuditLog> audit;
  // The studio's watermark (provenance/watermark_stage.h): the outputs of graphs with a
  // generative operator carry it, every output with `watermark_all`; its record is the audit
  // log's, so `audit` must be set. Null: nothing is marked.
  std::shared_ptr<const provenance::MarkLayout> watermark;
  bool watermark_all = false;
  // Signs every job's output (provenance/output_manifest.h); null: no Content Credentials.
  std::shared_ptr<const c2pa::SigningIdentity> signer;
  // The content policy's check for a job's output (service/content_check.h); null when none
  // applies (no policy content rule for its project, or no generative operator in its graph).
  std::function<std::shared_ptr<ContentCheck>(const JobSpec& spec)> content_check;
  // Asked at submission, with the compiled plan and the node frames to render: an error
  // refuses the job (the policy's protected likenesses); the notes join the job's warnings.
  std::function<Result<std::vector<std::string>>(const JobSpec& spec, const graph::Plan& plan,
                                                 int64_t first, int64_t last,
                                                 render::Renderer& renderer)>
      admit;
};

// The cast of a registered media (casts/<media id>.json under the data directory), and how a
// graph names it in an op's `cast` param: `cast:<media id>`.
std::string media_cast_path(const std::string& data_dir, const std::string& media_id);
inline constexpr std::string_view kMediaCastScheme = "cast:";

class JobRunner {
 public:
  static Result<std::unique_ptr<JobRunner>> open(std::shared_ptr<store::Database> db,
                                                 JobRunnerOptions options);
  ~JobRunner();

  // Jobs a previous process left running go back to the queue (their committed segments stay;
  // temp files of the segment in flight are removed); then the workers start.
  Status start();
  // Stops taking jobs and parks the running ones: cancelled at the next tile, state back to
  // queued with their segments kept, so the next start() resumes them. Returns when workers end.
  void stop();

  // Compiles the graph now, so a bad graph is refused at submission (naming node and field).
  Result<JobInfo> submit(const security::Principal& who, JobSpec spec);
  Result<JobInfo> get(const std::string& id) const;
  Result<std::vector<JobInfo>> list(const JobFilter& filter = {}) const;
  // not_found (also a job of a project the caller is no member of), permission_denied (someone
  // else's job without the right), or kInvalidArgument
  // with field "state" when the job already ended (the server answers 409). A running job is
  // cancelled at the next tile; this waits (up to ~5 s) for it to end, then returns its state.
  Result<JobInfo> cancel(const std::string& id, const security::Principal& who);
  // Where the cast of a registered media lives (casts/<media id>.json under the data directory).
  std::string cast_path(const std::string& media_id) const {
    return media_cast_path(options_.data_dir, media_id);
  }
  // A project admin's decision on a job the content policy held: "approve" delivers its output,
  // "reject" removes it. kInvalidArgument (field "decision") for another word; kConflict when the
  // job is not held.
  Result<JobInfo> review(const std::string& id, const std::string& decision);
  // Removes every job of `project`, records and files, for the project's deletion: kConflict
  // (nothing removed) while one of them is queued or running. Returns how many went.
  Result<int64_t> remove_project_jobs(const std::string& project);
  // The finished output's path (succeeded jobs only). A held output is given only to its
  // reviewer (`reviewing`: a project admin who must look at it before deciding).
  Result<std::string> output_path(const std::string& id, bool reviewing = false) const;

 private:
  JobRunner(std::unique_ptr<JobStore> store, JobRunnerOptions options);
  void worker_loop();
  Status run(JobInfo& job, const std::shared_ptr<graph::CancelToken>& cancel);
  // A character analysis (character_job.cpp): the clip's cast, carried over from the cast the
  // media had (its corrections), written to the job's output and as the media's cast.
  Status run_characters(JobInfo& job, const std::shared_ptr<graph::CancelToken>& cancel);
  void finish(JobInfo& job, const Status& result);
  void publish_state(const JobInfo& job);
  void publish(const std::string& id, const std::string& type, nlohmann::json data);
  std::string job_dir(const std::string& id) const;

  std::unique_ptr<JobStore> store_;
  JobRunnerOptions options_;
  render::Renderer renderer_;  // its own: streaming jobs must not fight previews over decoders

  std::mutex mu_;  // guards the maps below and every final state transition
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<graph::CancelToken>> running_;
  std::vector<std::thread> workers_;
  std::mutex stop_mu_;
};

}  // namespace fl::service
