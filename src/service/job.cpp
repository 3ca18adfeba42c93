#include "service/job.h"

#include "security/auth.h"
#include "service/json_views.h"

namespace fl::service {

std::optional<JobState> parse_job_state(std::string_view s) {
  for (JobState st : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                      JobState::kFailed, JobState::kCancelled})
    if (job_state_name(st) == s) return st;
  return std::nullopt;
}

nlohmann::json job_spec_to_json(const JobSpec& s) {
  nlohmann::json j = {{"graph", s.graph},
                      {"output",
                       {{"node", s.node},
                        {"name", s.output_name},
                        {"codec", s.codec},
                        {"pix_fmt", s.pixel_format}}}};
  if (s.frames) j["output"]["frames"] = {s.frames->first, s.frames->last};
  j["project"] = s.project;
  if (s.kind == "characters") {
    nlohmann::json refs = nlohmann::json::array();
    for (const auto& [name, path] : s.characters.references)
      refs.push_back({{"name", name}, {"path", path}});
    j["kind"] = s.kind;
    j["characters"] = {
        {"media", s.characters.media}, {"path", s.characters.path}, {"references", refs}};
  }
  return j;
}

std::string_view job_state_name(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "failed";
}

bool is_final(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kFailed || s == JobState::kCancelled;
}

nlohmann::json job_to_json(const JobInfo& j) {
  nlohmann::json out = {{"id", j.id},
                        {"project", j.spec.project},
                        {"state", job_state_name(j.state)},
                        {"owner", {{"id", j.owner}, {"name", j.owner_name}}},
                        {"output", job_spec_to_json(j.spec)["output"]},
                        {"frames", {{"first", j.first_frame}, {"last", j.last_frame}}},
                        {"frames_total", j.frames_total},
                        {"frames_done", j.frames_done},
                        {"progress", j.frames_total ? double(j.frames_done) / j.frames_total : 0.0},
                        {"segment_frames", j.segment_frames},
                        {"attempts", j.attempts},
                        {"cancel_requested", j.cancel_requested},
                        {"created", j.created},
                        {"started", j.started},
                        {"finished", j.finished}};
  if (!j.error.ok()) {
    out["error"] = status_to_json(j.error);
    out["error"]["message"] = without_server_paths(j.error.message());
  }
  if (!j.warnings.empty()) {
    out["warnings"] = nlohmann::json::array();
    for (const auto& w : j.warnings) out["warnings"].push_back(without_server_paths(w));
  }
  if (j.state == JobState::kSucceeded && (j.review.empty() || j.review == "approved"))
    out["output"]["url"] = "/v1/jobs/" + j.id + "/output";
  if (!j.review.empty()) out["review"] = j.review;
  if (j.watermark_record >= 0) out["watermark"] = {{"record", j.watermark_record}};
  if (!j.output_xxh128.empty()) {
    out["output"]["xxh128"] = j.output_xxh128;
    out["output"]["bytes"] = j.output_bytes;
  }
  return out;
}

Result<JobSpec> job_spec_from_json(const nlohmann::json& body) {
  if (!body.is_object()) return invalid_argument("the request body must be a JSON object");
  JobSpec s;
  if (body.contains("project")) {
    if (!body["project"].is_string() ||
        !security::valid_project_id(body["project"].get<std::string>()))
      return invalid_argument("'project' must be a project id", "project");
    s.project = body["project"].get<std::string>();
  }
  if (body.value("kind", "") == "characters" && body.contains("characters")) {
    // As stored by job_spec_to_json (the API makes these from the media and its references).
    const auto& c = body["characters"];
    s.kind = "characters";
    s.output_name = "cast.json";
    s.characters.media = c.value("media", "");
    s.characters.path = c.value("path", "");
    if (c.contains("references") && c["references"].is_array())
      for (const auto& r : c["references"])
        s.characters.references.emplace_back(r.value("name", ""), r.value("path", ""));
    return s;
  }
  if (!body.contains("graph") || !body["graph"].is_object())
    return invalid_argument("'graph' (an edit graph object) is required", "graph");
  s.graph = body["graph"];
  if (body.contains("output")) {
    const auto& o = body["output"];
    if (!o.is_object()) return invalid_argument("'output' must be an object", "output");
    auto text = [&](const char* key, std::string& v) -> Status {
      if (!o.contains(key)) return ok_status();
      if (!o[key].is_string())
        return invalid_argument(std::string("output.") + key + " must be a string",
                                std::string("output.") + key);
      v = o[key].get<std::string>();
      return ok_status();
    };
    FL_RETURN_IF_ERROR(text("node", s.node));
    FL_RETURN_IF_ERROR(text("name", s.output_name));
    FL_RETURN_IF_ERROR(text("codec", s.codec));
    FL_RETURN_IF_ERROR(text("pix_fmt", s.pixel_format));
    if (o.contains("frames")) {
      const auto& f = o["frames"];
      if (!f.is_array() || f.size() != 2 || !f[0].is_number_integer() ||
          !f[1].is_number_integer() || f[0].get<int64_t>() < 0 ||
          f[1].get<int64_t>() < f[0].get<int64_t>())
        return invalid_argument("output.frames must be [first, last] with 0 <= first <= last",
                                "output.frames");
      s.frames = graph::FrameRange{f[0].get<int64_t>(), f[1].get<int64_t>()};
    }
  }
  return s;
}

}  // namespace fl::service
