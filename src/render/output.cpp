#include "render/output.h"

#include "io/oiio/oiio_io.h"

namespace fl::render {

int primary_source(const graph::Plan& plan, int node) {
  while (node >= 0 && !plan.nodes[size_t(node)].is_source) {
    const auto& n = plan.nodes[size_t(node)];
    node = n.inputs.empty() ? -1 : n.inputs[0];
  }
  return node;
}

io::SinkOptions sink_options_for(const graph::Plan& plan, const graph::PlanOutput& output,
                                 const std::string& path, double scale,
                                 colour::Transfer source_transfer) {
  const auto& node = plan.nodes[size_t(output.node)];
  io::SinkOptions o;
  Rect b = node.geometry.bounds_at(scale);
  o.width = b.w;
  o.height = b.h;
  o.frame_rate = node.geometry.frame_rate;
  o.codec = output.decl.codec;
  o.pixel_format = output.decl.pixel_format;
  o.codec_options = output.decl.options;
  // Integer outputs of scene-linear sources (EXR plates) get a display encoding: linear light in
  // 8-16-bit code values crushes the shadows and looks wrong in every viewer. Float outputs
  // (EXR) stay linear whatever the transfer says.
  o.transfer = source_transfer;
  if (o.transfer == colour::Transfer::kLinear)
    o.transfer = io::is_image_path(path) ? colour::Transfer::kSrgb : colour::Transfer::kBt709;
  int src = primary_source(plan, output.node);
  if (src < 0) return o;
  const auto& s = plan.nodes[size_t(src)];
  o.source = s.media;
  // Tagged with what the frames now are: the output's primaries.
  // FFmpeg has no tag for the ACES primaries: our name then (EXR writes chromaticities).
  const char* tag = colour::primaries_ffmpeg_name(output.primaries);
  o.source.color_primaries = *tag ? tag : colour::primaries_name(output.primaries);
  // The output's first frame is source frame first_frame + output.first: so is its timecode.
  if (!s.media.timecode.empty())
    o.source.timecode =
        io::add_timecode_frames(s.media.timecode, s.first_frame + output.first, s.media.frame_rate);
  // Every op so far maps frames 1:1, so the source's sound lines up with the output.
  if (s.media.has_audio && s.geometry.frame_rate == node.geometry.frame_rate) {
    o.audio_source = s.path;
    o.audio_first_frame = s.first_frame + output.first;
  }
  return o;
}

namespace {

// The nodes `node` reads from, itself included, in plan order.
std::vector<int> upstream_of(const graph::Plan& plan, int node) {
  const std::vector<graph::TemporalWindow> reach = graph::temporal_reach(plan, node);
  std::vector<int> out;
  for (size_t i = 0; i < reach.size(); ++i)
    if (reach[i].before >= 0) out.push_back(int(i));  // -1: not read by `node`
  return out;
}

}  // namespace

Result<OutputJob> OutputJob::create(Renderer& renderer, const graph::Plan& plan,
                                    graph::PlanOutput output, std::string path,
                                    std::shared_ptr<const OutputPipeline> pipeline, double scale) {
  if (path.empty()) return invalid_argument("output has no path (give one, or 'null')");
  OutputJob job;
  job.renderer_ = &renderer;
  job.plan_ = &plan;
  job.output_ = std::move(output);
  job.path_ = std::move(path);
  job.pipeline_ = pipeline ? std::move(pipeline) : std::make_shared<const OutputPipeline>();
  job.scale_ = scale;
  if (int src = primary_source(plan, job.output_.node); src >= 0) {
    FL_ASSIGN_OR_RETURN(job.transfer_, renderer.source_transfer(plan.nodes[size_t(src)]));
  }
  job.sink_options_ = sink_options_for(plan, job.output_, job.path_, scale, job.transfer_);
  return job;
}

std::vector<FileRead> inputs_of(const graph::Plan& plan, int node) {
  std::vector<FileRead> inputs;
  for (int i : upstream_of(plan, node))
    for (const FileRead& read : plan.nodes[size_t(i)].reads) {
      bool seen = false;
      for (const FileRead& have : inputs) seen = seen || have.path == read.path;
      if (!seen) inputs.push_back(read);
    }
  return inputs;
}

OutputRecord OutputJob::record() const {
  OutputRecord r;
  r.path = path_;
  r.kind = OutputKind::kRender;
  r.producer = plan_->nodes[size_t(output_.node)].id;
  r.first_frame = output_.first;
  r.last_frame = output_.last;
  r.inputs = inputs_of(*plan_, output_.node);
  auto files = io::sequence_files(path_, sink_options_, output_.last - output_.first + 1);
  if (files.ok()) r.files = std::move(files).value();
  return r;
}

Status OutputJob::analyse(const std::shared_ptr<graph::CancelToken>& cancel,
                          const AnalysisEvents& events) const {
  for (int i : upstream_of(*plan_, output_.node)) {
    const auto& n = plan_->nodes[size_t(i)];
    if (n.is_source || !n.op || !n.op->has_analysis()) continue;
    AnalysisOrigin origin = AnalysisOrigin::kComputed;
    std::function<void(int64_t, int64_t)> progress;
    if (events.progress)
      progress = [&](int64_t done, int64_t total) { events.progress(i, done, total); };
    FL_RETURN_IF_ERROR(renderer_->analysis(*plan_, i, cancel, progress, &origin).status());
    if (events.ready) events.ready(i, origin);
  }
  return ok_status();
}

OutputOptions OutputJob::with_stages(OutputOptions options) const {
  std::vector<std::shared_ptr<const FrameStage>> stages = pipeline_->stages();
  stages.insert(stages.end(), options.stages.begin(), options.stages.end());
  options.stages = std::move(stages);
  options.scale = scale_;
  return options;
}

Status OutputJob::render(OutputOptions options) const {
  options.frames.reset();  // chosen at create()
  FL_ASSIGN_OR_RETURN(auto sink, io::open_sink(path_, sink_options_));
  FL_RETURN_IF_ERROR(renderer_->render_output(*plan_, output_, *sink, with_stages(options)));
  if (path_ == "null") return ok_status();  // nothing was written
  return pipeline_->finish(record());
}

Status OutputJob::render_segment(int64_t first, int64_t last, const std::string& segment_path,
                                 OutputOptions options) const {
  if (first < output_.first || last > output_.last || last < first)
    return invalid_argument("segment frames " + std::to_string(first) + "-" + std::to_string(last) +
                            " are outside the output's " + std::to_string(output_.first) + "-" +
                            std::to_string(output_.last));
  graph::PlanOutput part = output_;
  part.first = first;
  part.last = last;
  io::SinkOptions so = sink_options_for(*plan_, part, segment_path, scale_, transfer_);
  so.audio_source.clear();  // the join copies the sound once, for the whole output
  FL_ASSIGN_OR_RETURN(auto sink, io::open_sink(segment_path, so));
  options.frames.reset();
  return renderer_->render_output(*plan_, part, *sink, with_stages(options));
}

Status OutputJob::join(const std::vector<std::string>& segments) const {
  FL_RETURN_IF_ERROR(io::join_segments(segments, path_, sink_options_));
  return pipeline_->finish(record());
}

Status render_to_file(Renderer& renderer, const graph::Plan& plan, const graph::PlanOutput& output,
                      const OutputOptions& options, const std::string& path_override,
                      std::shared_ptr<const OutputPipeline> pipeline) {
  graph::PlanOutput out = output;
  if (options.frames) {
    out.first = options.frames->first;
    if (options.frames->last >= 0) out.last = options.frames->last;
  }
  FL_ASSIGN_OR_RETURN(OutputJob job,
                      OutputJob::create(renderer, plan, out,
                                        path_override.empty() ? output.decl.path : path_override,
                                        std::move(pipeline), options.scale));
  return job.render(options);
}

}  // namespace fl::render
