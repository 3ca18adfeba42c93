// The character analysis job (POST /v1/media/{id}/characters): one pass over the clip with
// progress over the job's event stream, cancellable between frames; the cast carries over the
// corrections of the cast the media had, and becomes the media's cast.
#include <chrono>
#include <filesystem>

#include "analysis/cast_edit.h"
#include "analysis/cast_json.h"
#include "analysis/characters.h"
#include "core/json_text.h"
#include "io/frame_source.h"
#include "service/job_runner.h"

namespace fl::service {

namespace fs = std::filesystem;

std::string media_cast_path(const std::string& data_dir, const std::string& media_id) {
  return (fs::path(data_dir) / "casts" / (media_id + ".json")).string();
}

Status JobRunner::run_characters(JobInfo& job, const std::shared_ptr<graph::CancelToken>& cancel) {
  const CharacterJobSpec& spec = job.spec.characters;
  const fs::path out_dir = fs::path(job_dir(job.id)) / "out";
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  fs::create_directories(fs::path(cast_path(spec.media)).parent_path(), ec);
  if (ec) return permission_denied("cannot create '" + out_dir.string() + "': " + ec.message());

  std::vector<analysis::ReferenceFace> references;
  for (size_t i = 0; i < spec.references.size(); ++i) {
    const auto& [name, path] = spec.references[i];
    const std::string field = "references[" + std::to_string(i) + "]";
    auto face = analysis::reference_face_from_file(name, path);
    if (!face.ok()) return face.status().with_field(field);
    references.push_back(std::move(*face));
  }
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(spec.path, {}));
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto cast =
      analysis::analyse_characters(*source, references, {}, [&](int64_t done, int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last >= std::chrono::milliseconds(250) || done == total) {
          last = now;
          job.frames_done = done;
          publish(job.id, "progress", {{"phase", "analysis"}, {"done", done}, {"total", total}});
        }
        return !cancel->cancelled();
      });
  if (!cast.ok()) return cast.status();
  // The corrections a person made to the media's cast carry over (read now, after the pass, so
  // one made while it ran is not lost).
  if (fs::exists(cast_path(spec.media), ec)) {
    auto previous = analysis::read_cast_file(cast_path(spec.media));
    if (previous.ok() && (previous->frame_count == 0 || previous->frame_count == cast->frame_count))
      *cast = analysis::carry_over(*previous, std::move(*cast));
  }
  const std::string text = json_text(analysis::cast_to_json(*cast), 1) + "\n";
  const OutputPipeline& pipeline = options_.pipeline ? *options_.pipeline : OutputPipeline::plain();
  FL_RETURN_IF_ERROR(pipeline.write_file(
      {(out_dir / "cast.json").string(), OutputKind::kReport, "characters", {}}, text));
  return pipeline.write_file({cast_path(spec.media), OutputKind::kReport, "characters", {}}, text);
}

}  // namespace fl::service
