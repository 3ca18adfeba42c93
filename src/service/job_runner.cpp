#include "service/job_runner.h"

#include <chrono>

#include <filesystem>
#include <limits>
#include <set>
#include "core/clock.h"
#include "io/frame_source.h"

#include "core/json_text.h"
#include "core/log.h"
#include "io/oiio/oiio_io.h"
#include "ops/register.h"
#include "render/output.h"
#include "render/scheduler.h"
#include "security/audit_finisher.h"
#include "security/token_store.h"
#include "service/frame_encode.h"
#include "service/json_views.h"
#include "service/node_operators.h"
#include "service/output_mark.h"
#include "service/preview_tap.h"

namespace fl::service {

namespace fs = std::filesystem;

namespace {

// Hidden temp files our sinks leave when a process dies mid-write (core/output_path.h).
void remove_temp_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos)
      fs::remove(e.path(), ec);
  }
}

// Who asked for the output and what made it: the plan's content key and the ops it ran.
nlohmann::json audit_context(const JobInfo& job, const graph::Plan& plan) {
  std::set<std::string> ops;
  for (const auto& n : plan.nodes)
    if (n.def) ops.insert(n.def->schema.name);
  return {{"job", job.id},
          {"project", job.spec.project},
          {"principal", {{"id", job.owner}, {"name", job.owner_name}}},
          {"plan", plan.key.hex()},
          {"ops", ops}};
}

bool valid_output_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(uint8_t(c)) || c == '.' || c == '_' || c == '-')) return false;
  return fs::path(name).has_extension();
}

}  // namespace

JobRunner::JobRunner(std::unique_ptr<JobStore> store, JobRunnerOptions options)
    : store_(std::move(store)),
      options_(std::move(options)),
      renderer_(render::RendererOptions{options_.cache_bytes, 256, 32, options_.analyses}) {}

JobRunner::~JobRunner() { stop(); }

Result<std::unique_ptr<JobRunner>> JobRunner::open(std::shared_ptr<store::Database> db,
                                                   JobRunnerOptions options) {
  FL_ASSIGN_OR_RETURN(auto store, JobStore::open(std::move(db)));
  std::error_code ec;
  fs::create_directories(fs::path(options.data_dir) / "jobs", ec);
  if (ec)
    return permission_denied("cannot create '" + options.data_dir + "/jobs': " + ec.message());
  return std::unique_ptr<JobRunner>(new JobRunner(std::move(store), std::move(options)));
}

std::string JobRunner::job_dir(const std::string& id) const {
  return (fs::path(options_.data_dir) / "jobs" / id).string();
}

namespace {

struct CompiledJob {
  std::shared_ptr<const graph::Plan> plan;
  std::optional<render::OutputJob> out;  // of *plan
};

Result<CompiledJob> compile_job(const JobSpec& spec, const std::string& final_path,
                                render::Renderer& renderer, const graph::PathGuard& guard,
                                const graph::ResourceLimits& limits,
                                std::shared_ptr<const OutputPipeline> pipeline) {
  FL_ASSIGN_OR_RETURN(graph::Graph g, graph::parse_graph(json_text(spec.graph), "graph"));
  std::string node = spec.node;
  if (node.empty()) {
    if (g.outputs.empty())
      return invalid_argument("say which node to render (output.node): the graph has no outputs",
                              "output.node");
    node = g.outputs.front().node;
  }
  // The server decides where outputs go: a graph's own output paths are ignored.
  g.outputs.clear();
  g.outputs.push_back({node, final_path, spec.codec, spec.pixel_format, {}, spec.frames, ""});
  graph::CompileOptions co;
  co.probe = renderer.prober();
  co.guard = guard;
  co.limits = limits;
  CompiledJob cj;
  FL_ASSIGN_OR_RETURN(cj.plan, graph::compile(g, ops::builtin_registry(), co));
  FL_ASSIGN_OR_RETURN(
      cj.out, render::OutputJob::create(renderer, *cj.plan, cj.plan->outputs.front(), final_path,
                                        std::move(pipeline)));
  return cj;
}

}  // namespace

Result<JobInfo> JobRunner::submit(const security::Principal& who, JobSpec spec) {
  if (spec.kind == "characters") {
    FL_ASSIGN_OR_RETURN(MediaInfo info, io::probe(spec.characters.path));
    if (info.frame_count <= 0)
      return invalid_argument("'" + spec.characters.path + "' has no frames to analyse");
    FL_ASSIGN_OR_RETURN(std::string cid, security::random_hex(8));
    JobInfo job;
    job.id = "j_" + cid;
    job.owner = who.id;
    job.owner_name = who.name;
    spec.output_name = "cast.json";
    job.spec = std::move(spec);
    job.first_frame = 0;
    job.last_frame = info.frame_count - 1;
    job.frames_total = info.frame_count;
    job.segment_frames = info.frame_count;
    job.created = unix_seconds();
    FL_RETURN_IF_ERROR(store_->insert(job));
    publish_state(job);
    wake_.notify_one();
    return job;
  }
  if (spec.output_name.empty()) spec.output_name = "output.mov";
  if (!valid_output_name(spec.output_name))
    return invalid_argument(
        "output.name must be a plain file name with an extension (letters, "
        "digits, . _ -), got '" +
            spec.output_name + "'",
        "output.name");
  if (io::is_image_path(spec.output_name))
    return invalid_argument(
        "job outputs are clips (.mov .mkv .mp4 .mxf .nut); image sequences "
        "are not supported for jobs yet",
        "output.name");
  FL_ASSIGN_OR_RETURN(std::string rid, security::random_hex(8));
  JobInfo job;
  job.id = "j_" + rid;
  job.owner = who.id;
  job.owner_name = who.name;
  job.spec = std::move(spec);
  std::string final_path = (fs::path(job_dir(job.id)) / "out" / job.spec.output_name).string();
  FL_ASSIGN_OR_RETURN(CompiledJob cj, compile_job(job.spec, final_path, renderer_,
                                                  options_.guard_for(job.spec.project),
                                                  options_.limits, options_.pipeline));
  job.first_frame = cj.out->output().first;
  job.last_frame = cj.out->output().last;
  job.frames_total = job.last_frame - job.first_frame + 1;
  job.warnings = cj.plan->warnings;
  if (options_.admit) {
    FL_ASSIGN_OR_RETURN(
        auto notes, options_.admit(job.spec, *cj.plan, job.first_frame, job.last_frame, renderer_));
    job.warnings.insert(job.warnings.end(), notes.begin(), notes.end());
  }
  auto any = io::segment_any_frame(final_path, cj.out->sink_options());
  if (!any.ok()) return any.status().with_field("output.name");
  job.segment_frames = *any ? 1 : options_.inter_segment_frames;
  job.created = unix_seconds();
  FL_RETURN_IF_ERROR(store_->insert(job));
  publish_state(job);
  wake_.notify_one();
  return job;
}

Result<JobInfo> JobRunner::get(const std::string& id) const { return store_->get(id); }

Result<std::vector<JobInfo>> JobRunner::list(const JobFilter& filter) const {
  return store_->list(filter);
}

Result<int64_t> JobRunner::remove_project_jobs(const std::string& project) {
  std::lock_guard lock(mu_);
  JobFilter filter;
  filter.limit = std::numeric_limits<int>::max();
  filter.projects = std::vector<std::string>{project};
  FL_ASSIGN_OR_RETURN(auto jobs, store_->list(filter));
  for (const auto& j : jobs)
    if (!is_final(j.state))
      return conflict("job '" + j.id + "' of project '" + project + "' is " +
                          std::string(job_state_name(j.state)) +
                          ": cancel it, or let it end, before deleting the project",
                      "jobs");
  for (const auto& j : jobs) {
    FL_RETURN_IF_ERROR(store_->remove(j.id));
    std::error_code ec;
    fs::remove_all(job_dir(j.id), ec);
  }
  return int64_t(jobs.size());
}

Result<std::string> JobRunner::output_path(const std::string& id, bool reviewing) const {
  FL_ASSIGN_OR_RETURN(JobInfo job, get(id));
  if (job.state != JobState::kSucceeded)
    return conflict(
        "job '" + id + "' is " + std::string(job_state_name(job.state)) + ": it has no output",
        "state");
  if (job.review == "held" && !reviewing)
    return conflict("job '" + id + "' is held by the content policy until a project admin " +
                        "approves it (POST /v1/jobs/" + id + "/review)",
                    "review");
  if (job.review == "rejected")
    return conflict("job '" + id + "''s output was rejected in review", "review");
  return (fs::path(job_dir(id)) / "out" / job.spec.output_name).string();
}

Result<JobInfo> JobRunner::cancel(const std::string& id, const security::Principal& who) {
  {
    std::unique_lock lock(mu_);
    FL_ASSIGN_OR_RETURN(JobInfo job, get(id));
    if (!who.role_in(job.spec.project)) return not_found("no job '" + id + "'");
    bool own = job.owner == who.id;
    if (!(own ? who.may(security::Action::kCancelOwnJob, job.spec.project)
              : who.may(security::Action::kCancelAnyJob, job.spec.project)))
      return permission_denied(own ? "your role may not cancel jobs"
                                   : "only an admin may cancel another user's job");
    if (is_final(job.state))
      return conflict("job '" + id + "' already " + std::string(job_state_name(job.state)),
                      "state");
    if (job.state == JobState::kQueued) {
      job.state = JobState::kCancelled;
      job.cancel_requested = true;
      job.finished = unix_seconds();
      FL_RETURN_IF_ERROR(store_->save(job));
      std::error_code ec;
      fs::remove_all(job_dir(id), ec);
      publish_state(job);
      return job;
    }
    FL_RETURN_IF_ERROR(store_->request_cancel(id));
    if (auto it = running_.find(id); it != running_.end()) it->second->cancel();
  }
  // Cancellation is checked per tile: the job ends within a frame's worth of tiles.
  for (int i = 0; i < 250; ++i) {
    FL_ASSIGN_OR_RETURN(JobInfo job, get(id));
    if (is_final(job.state)) return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return get(id);
}

Status JobRunner::start() {
  // A cancel asked for before the crash still holds; running jobs go back to the queue.
  FL_ASSIGN_OR_RETURN(auto unfinished, store_->recover(unix_seconds()));
  for (const auto& id : unfinished) {
    remove_temp_files(fs::path(job_dir(id)) / "segments");
    remove_temp_files(fs::path(job_dir(id)) / "out");
  }
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.workers); ++i)
    workers_.emplace_back([this] { worker_loop(); });
  return ok_status();
}

void JobRunner::stop() {
  std::lock_guard stop_lock(stop_mu_);  // the signal thread and main may both call it
  {
    std::lock_guard lock(mu_);
    if (workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, token] : running_) token->cancel();
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void JobRunner::worker_loop() {
  for (;;) {
    JobInfo job;
    std::shared_ptr<graph::CancelToken> token;
    {
      std::unique_lock lock(mu_);
      std::optional<JobInfo> next;
      for (;;) {
        if (stopping_) return;
        auto claimed = store_->claim_next(unix_seconds());
        if (claimed.ok() && *claimed) {
          next = std::move(*claimed);
          break;
        }
        wake_.wait_for(lock, std::chrono::seconds(1));
      }
      job = std::move(*next);
      token = std::make_shared<graph::CancelToken>();
      running_[job.id] = token;
    }
    publish_state(job);
    Status result;
    try {
      result = run(job, token);
    } catch (const std::exception& e) {
      result = internal_error(std::string("job failed: ") + e.what());
    }
    finish(job, result);
  }
}

void JobRunner::finish(JobInfo& job, const Status& result) {
  std::lock_guard lock(mu_);
  running_.erase(job.id);
  auto now = get(job.id);
  bool cancel_requested = now.ok() && now->cancel_requested;
  std::error_code ec;
  if (result.ok() && !cancel_requested) {
    job.state = JobState::kSucceeded;
    job.frames_done = job.frames_total;
    fs::remove_all(fs::path(job_dir(job.id)) / "segments", ec);
  } else if (result.code() == ErrorCode::kCancelled && stopping_ && !cancel_requested) {
    // Parked by a shutdown: back in the queue, segments kept for the resume.
    job.state = JobState::kQueued;
  } else if (result.ok() || result.code() == ErrorCode::kCancelled) {
    job.state = JobState::kCancelled;
    job.cancel_requested = true;
    fs::remove_all(job_dir(job.id), ec);
  } else {
    job.state = JobState::kFailed;
    job.error = result;
    fs::remove_all(job_dir(job.id), ec);
  }
  if (is_final(job.state)) job.finished = unix_seconds();
  if (is_final(job.state) && options_.audit) {
    nlohmann::json event = {{"type", "job"},
                            {"job", job.id},
                            {"project", job.spec.project},
                            {"kind", job.spec.kind.empty() ? "render" : job.spec.kind},
                            {"principal", {{"id", job.owner}, {"name", job.owner_name}}},
                            {"state", std::string(job_state_name(job.state))},
                            {"frames", job.frames_done}};
    if (!job.error.ok()) event["error"] = job.error.message();
    if (!job.output_xxh128.empty()) event["output_xxh128"] = job.output_xxh128;
    // A job whose end cannot be recorded is still ended; the failure is in the server's log.
    if (auto a = options_.audit->append(std::move(event)); !a.ok())
      log::event(log::Level::kError, "audit",
                 {log::str("job", job.id), log::str("error", a.status().message())});
  }
  (void)store_->save(job);
  publish_state(job);
}

void JobRunner::publish(const std::string& id, const std::string& type, nlohmann::json data) {
  if (!options_.events) return;
  data["job"] = id;
  options_.events->publish("job:" + id, {type, std::move(data), false});
}

void JobRunner::publish_state(const JobInfo& job) {
  if (job.state == JobState::kFailed)
    log::event(log::Level::kWarn, "job",
               {log::str("id", job.id), log::str("state", std::string(job_state_name(job.state))),
                log::str("owner", job.owner), log::str("error", job.error.to_string())});
  else
    log::event(log::Level::kInfo, "job",
               {log::str("id", job.id), log::str("state", std::string(job_state_name(job.state))),
                log::str("owner", job.owner), log::num("frames_done", double(job.frames_done)),
                log::num("frames_total", double(job.frames_total))});
  if (!options_.events) return;
  options_.events->publish("job:" + job.id, {"state", job_to_json(job), is_final(job.state)},
                           /*sticky=*/true);
  options_.events->publish("jobs", {"job", job_to_json(job), false});
}

Status JobRunner::run(JobInfo& job, const std::shared_ptr<graph::CancelToken>& cancel) {
  if (job.spec.kind == "characters") return run_characters(job, cancel);
  const fs::path dir = job_dir(job.id);
  const fs::path seg_dir = dir / "segments";
  const std::string final_path = (dir / "out" / job.spec.output_name).string();
  std::error_code ec;
  fs::create_directories(seg_dir, ec);
  fs::create_directories(dir / "out", ec);
  if (ec) return permission_denied("cannot create '" + dir.string() + "': " + ec.message());
  // The server's stages and finishers, and a ledger that records what the job wrote.
  auto pipeline =
      std::make_shared<OutputPipeline>(options_.pipeline ? *options_.pipeline : OutputPipeline());
  auto ledger = std::make_shared<OutputLedger>();
  pipeline->add_finisher(ledger);
  // The content check before the audit record: an output it blocks was never delivered. The
  // manifest after the ledger (the render's own identity) and before the audit record (the
  // delivered bytes); both name the plan, so they are put in place once it is compiled.
  auto content = options_.content_check ? options_.content_check(job.spec) : nullptr;
  if (content) pipeline->add_finisher(content);
  auto manifest = std::make_shared<DeferredFinisher>("c2pa");
  auto audit = std::make_shared<DeferredFinisher>("audit");
  pipeline->add_finisher(manifest).add_finisher(audit);
  FL_ASSIGN_OR_RETURN(CompiledJob cj,
                      compile_job(job.spec, final_path, renderer_,
                                  options_.guard_for(job.spec.project), options_.limits, pipeline));
  nlohmann::json context = audit_context(job, *cj.plan);
  const render::OutputJob& out = *cj.out;
  const graph::Plan& plan = *cj.plan;
  std::shared_ptr<const FrameStage> mark;
  if (options_.watermark &&
      (options_.watermark_all || security::uses_ai_operator(node_operators(job.spec.graph)))) {
    // The record is chosen once, before the first frame, and kept: a resumed job marks the rest
    // of its frames as the first run did.
    if (!options_.audit) return internal_error("the watermark needs the audit log for its records");
    if (job.watermark_record < 0) {
      FL_ASSIGN_OR_RETURN(
          job.watermark_record,
          assign_watermark_record(*options_.audit, *options_.watermark, audit_context(job, plan),
                                  job.spec.output_name, plan, out));
      FL_RETURN_IF_ERROR(store_->set_watermark_record(job.id, job.watermark_record));
    }
    context["watermark"] = watermark_audit_field(*options_.watermark, job.watermark_record);
    mark = watermark_stage(options_.watermark, job.watermark_record, plan, out);
  }
  if (options_.signer)
    manifest->set(std::make_shared<provenance::ManifestFinisher>(
        options_.signer,
        manifest_context(job.spec.graph, "", mark ? options_.watermark.get() : nullptr,
                         job.watermark_record)));
  if (options_.audit)
    audit->set(std::make_shared<security::AuditFinisher>(options_.audit, context));
  const std::string ext = fs::path(final_path).extension().string();
  const int64_t first = job.first_frame, last = job.last_frame;
  const int64_t seg = job.segment_frames;
  const int64_t count = (job.frames_total + seg - 1) / seg;
  auto seg_path = [&](int64_t k) {
    char name[32];
    std::snprintf(name, sizeof name, "seg_%06lld", (long long)k);
    return (seg_dir / (name + ext)).string();
  };

  std::set<int64_t> done;
  FL_ASSIGN_OR_RETURN(auto committed, store_->segments(job.id));
  for (int64_t k : committed)
    if (fs::exists(seg_path(k), ec)) done.insert(k);
  auto frames_in = [&](int64_t k) {
    return std::min(last, first + (k + 1) * seg - 1) - (first + k * seg) + 1;
  };
  int64_t frames_done = 0;
  for (int64_t k : done) frames_done += frames_in(k);
  job.frames_done = frames_done;

  // Analysis passes first (scene lock fits a grade per shot before any frame renders), each
  // reporting its own progress; the segments then find the states in the renderer.
  auto last_analysis = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  render::AnalysisEvents events;
  events.progress = [&](int node, int64_t done, int64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_analysis < std::chrono::milliseconds(250) && done < total) return;
    last_analysis = now;
    publish(job.id, "progress",
            {{"node", plan.nodes[size_t(node)].id},
             {"phase", "analysis"},
             {"done", done},
             {"total", total}});
  };
  // Where the state came from: a restarted server loads what it analysed before.
  events.ready = [&](int node, render::AnalysisOrigin origin) {
    publish(job.id, "progress",
            {{"node", plan.nodes[size_t(node)].id},
             {"phase", "analysis"},
             {"done", 1},
             {"total", 1},
             {"analysis", render::analysis_origin_name(origin)}});
  };
  // Analyses yield the cores to jobs and previews, jobs to previews (render/scheduler.h).
  Status analysed;
  render::run_as(render::Role::kAnalysis, [&] { analysed = out.analyse(cancel, events); });
  FL_RETURN_IF_ERROR(analysed);

  auto t0 = std::chrono::steady_clock::now();
  auto last_progress = t0 - std::chrono::seconds(1);
  auto last_thumb = t0 - std::chrono::seconds(10);
  const int64_t resumed_from = frames_done;
  const std::string node_id = plan.nodes[size_t(out.output().node)].id;
  auto tap = std::make_shared<PreviewTap>(320);
  for (int64_t k = 0; k < count; ++k) {
    if (done.count(k)) continue;
    if (cancel->cancelled()) return cancelled("job cancelled");
    const int64_t seg_first = first + k * seg, seg_last = std::min(last, seg_first + seg - 1);
    render::OutputOptions oo;
    oo.cancel = cancel;
    if (mark) oo.stages.push_back(mark);
    oo.stages.push_back(tap);  // after the mark: previews show what is delivered
    const int64_t base = frames_done;
    oo.progress = [&](const render::Progress& p) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_progress < std::chrono::milliseconds(250)) return;
      last_progress = now;
      double secs = std::chrono::duration<double>(now - t0).count();
      int64_t this_run = base + p.frames_done - resumed_from;
      double fps = secs > 0 ? double(this_run) / secs : 0;
      int64_t total_done = base + p.frames_done;
      publish(job.id, "progress",
              {{"node", node_id},
               {"phase", "render"},
               {"frames_done", total_done},
               {"frames_total", job.frames_total},
               {"fps", fps},
               {"eta_seconds", fps > 0 ? double(job.frames_total - total_done) / fps : -1}});
    };
    Status rendered;
    render::run_as(render::Role::kJob,
                   [&] { rendered = out.render_segment(seg_first, seg_last, seg_path(k), oo); });
    FL_RETURN_IF_ERROR(rendered);
    frames_done += seg_last - seg_first + 1;
    job.frames_done = frames_done;
    // Committed only once the segment's file is in place: a kill before this line re-renders
    // the segment, a kill after it skips it.
    FL_RETURN_IF_ERROR(store_->commit_segment(job.id, k, frames_done));
    auto now = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(now - t0).count();
    double fps = secs > 0 ? double(frames_done - resumed_from) / secs : 0;
    nlohmann::json progress = {
        {"node", node_id},
        {"frames_done", frames_done},
        {"frames_total", job.frames_total},
        {"fps", fps},
        {"eta_seconds", fps > 0 ? double(job.frames_total - frames_done) / fps : -1}};
    publish(job.id, "progress", progress);
    if (now - last_thumb >= std::chrono::seconds(1)) {
      if (auto shot = tap->take_jpeg(out.transfer()); shot.ok()) {
        last_thumb = now;
        publish(
            job.id, "preview",
            {{"frame", shot->first}, {"image", "data:image/jpeg;base64," + base64(shot->second)}});
      }
      tap->request();
    }
  }
  if (cancel->cancelled()) return cancelled("job cancelled");
  std::vector<std::string> segments;
  for (int64_t k = 0; k < count; ++k) segments.push_back(seg_path(k));
  FL_RETURN_IF_ERROR(out.join(segments));
  for (const auto& e : ledger->entries()) {
    job.output_xxh128 = e.xxh128;
    job.output_bytes = e.bytes;
  }
  if (content && !content->findings().empty()) {
    const auto findings = content->findings();
    const bool hold = content->rule().action == security::ContentAction::kHold;
    job.warnings.push_back("the content policy " + std::string(hold ? "holds" : "flags") +
                           " this output for review: " + describe(findings.front()) +
                           (findings.size() > 1
                                ? " and " + std::to_string(findings.size() - 1) + " more"
                                : std::string()));
    if (hold) job.review = "held";
    if (options_.audit)
      FL_RETURN_IF_ERROR(options_.audit
                             ->append({{"type", "content"},
                                       {"action", hold ? "held" : "flagged"},
                                       {"job", job.id},
                                       {"project", job.spec.project},
                                       {"findings", findings_to_json(findings)}})
                             .status());
  }
  return ok_status();
}

Result<JobInfo> JobRunner::review(const std::string& id, const std::string& decision) {
  if (decision != "approve" && decision != "reject")
    return invalid_argument("decision must be approve or reject", "decision");
  FL_ASSIGN_OR_RETURN(JobInfo job, store_->get(id));
  if (job.review != "held") return conflict("job '" + id + "' is not held for review", "decision");
  job.review = decision == "approve" ? "approved" : "rejected";
  if (decision == "reject") {
    std::error_code ec;
    fs::remove_all(fs::path(job_dir(id)) / "out", ec);
  }
  FL_RETURN_IF_ERROR(store_->save(job));
  publish_state(job);
  return job;
}

}  // namespace fl::service
