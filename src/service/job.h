// A render job as the server keeps it: what to render (JobSpec, as posted) and where it stands
// (JobInfo), with the JSON shapes the API reads and answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"
#include "graph/graph.h"

namespace fl::service {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
std::string_view job_state_name(JobState s);
bool is_final(JobState s);

// A character analysis (POST /v1/media/{id}/characters): the cast of one registered clip.
struct CharacterJobSpec {
  std::string media;                                            // the media id the cast belongs to
  std::string path;                                             // its file
  std::vector<std::pair<std::string, std::string>> references;  // name, path of a still or clip
};

struct JobSpec {
  std::string project = "default";  // whose roots its paths lie in, whose members see it
  std::string kind = "render";      // or "characters"
  CharacterJobSpec characters;      // kind "characters"
  nlohmann::json graph;             // the edit graph, sources as paths (media ids already resolved)
  std::string node;                 // the node to render; empty: the graph's first output's node
  std::string output_name;          // file name (extension picks the codec): "graded.mov"
  std::string codec, pixel_format;
  std::optional<graph::FrameRange> frames;
};

struct JobInfo {
  std::string id;
  std::string owner;  // principal id
  std::string owner_name;
  JobState state = JobState::kQueued;
  JobSpec spec;
  int64_t first_frame = 0, last_frame = 0;
  int64_t frames_total = 0, frames_done = 0;
  int64_t segment_frames = 1;
  int attempts = 0;  // times a worker started it (resumes count)
  bool cancel_requested = false;
  Status error;
  double created = 0, started = 0, finished = 0;
  std::vector<std::string> warnings;  // the plan's, from compiling the job at submit
  // The finished output's content (XXH3-128 of its bytes): the same as the CLI's for the same
  // graph, so two renders can be compared without the files side by side.
  std::string output_xxh128;
  int64_t output_bytes = 0;
  // The content policy's hold (docs/security.md): "held" until a project admin decides,
  // "approved" or "rejected" then; empty when nothing was held.
  std::string review;
  // The record its output's invisible watermark names (the audit log's "watermark assigned"
  // record); -1 when its output is not marked.
  int64_t watermark_record = -1;
};

// Which jobs a listing shows, newest first.
struct JobFilter {
  int limit = 100;
  std::optional<std::vector<std::string>> projects;  // nullopt: every project's
  std::optional<std::string> review;                 // e.g. "held": those waiting for an admin
};

nlohmann::json job_to_json(const JobInfo& job);

std::optional<JobState> parse_job_state(std::string_view name);
nlohmann::json job_spec_to_json(const JobSpec& spec);
// Parses a job request body ({"graph": {...}, "output": {"node", "name", "codec", "pix_fmt",
// "frames": [a, b]}}); errors name the field.
Result<JobSpec> job_spec_from_json(const nlohmann::json& body);

}  // namespace fl::service
