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

Status render_to_file(Renderer& renderer, const graph::Plan& plan, const graph::PlanOutput& output,
                      const OutputOptions& options, const std::string& path_override) {
  std::string path = path_override.empty() ? output.decl.path : path_override;
  if (path.empty()) return invalid_argument("output has no path (give one, or 'null')");
  graph::PlanOutput out = output;
  if (options.frames) {
    out.first = options.frames->first;
    if (options.frames->last >= 0) out.last = options.frames->last;
  }
  colour::Transfer transfer = colour::Transfer::kBt709;
  if (int src = primary_source(plan, out.node); src >= 0) {
    FL_ASSIGN_OR_RETURN(transfer, renderer.source_transfer(plan.nodes[size_t(src)]));
  }
  FL_ASSIGN_OR_RETURN(
      auto sink, io::open_sink(path, sink_options_for(plan, out, path, options.scale, transfer)));
  OutputOptions opts = options;
  opts.frames.reset();  // already applied to `out`
  return renderer.render_output(plan, out, *sink, opts);
}

}  // namespace fl::render
