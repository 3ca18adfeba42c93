#include "ops/scene_lock/scene_lock_export.h"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "colour/cdl_file.h"
#include "colour/cube_file.h"
#include "core/json_text.h"
#include "io/timeline/edl.h"

namespace fl::ops {
namespace {

std::string shot_name(const std::string& prefix, size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "_shot%02zu", i + 1);
  return prefix + buf;
}

nlohmann::json cdl_json(const colour::Cdl& c) {
  return {
      {"slope", c.slope}, {"offset", c.offset}, {"power", c.power}, {"saturation", c.saturation}};
}

}  // namespace

const analysis::ShotLock* SceneLockState::shot_at(int64_t frame) const {
  for (const auto& s : shots)
    if (frame >= s.first && frame <= s.last) return &s;
  return shots.empty() ? nullptr : (frame < shots.front().first ? &shots.front() : &shots.back());
}

nlohmann::json scene_lock_report(const SceneLockState& state) {
  nlohmann::json shots = nlohmann::json::array();
  for (const auto& s : state.shots) {
    shots.push_back({{"first", s.first},
                     {"last", s.last},
                     {"match", analysis::lock_match_name(s.match)},
                     {"matched_frame", s.matched_frame},
                     {"structure", s.structure},
                     {"features", s.inliers},
                     {"delta_e_before", s.delta_e_before},
                     {"delta_e_after", s.delta_e_after},
                     {"fit_delta_e", s.fit.fit_delta_e},
                     {"cdl_vs_lut_delta_e", s.fit.cdl_delta_e},
                     {"cdl", cdl_json(s.fit.cdl)}});
  }
  return {{"encoding", std::string(colour::transfer_name(state.encoding))}, {"shots", shots}};
}

Status export_scene_lock(const SceneLockState& state, const graph::ExportCtx& ctx,
                         std::vector<std::string>& written) {
  std::error_code ec;
  if (!std::filesystem::is_directory(ctx.dir, ec))
    return not_found("export directory '" + ctx.dir + "' does not exist");
  const std::string base = (std::filesystem::path(ctx.dir) / ctx.prefix).string();
  const OutputPipeline& out = ctx.pipeline ? *ctx.pipeline : OutputPipeline::plain();
  auto record = [&](const std::string& path, OutputKind kind) {
    return OutputRecord{path, kind, ctx.prefix, ctx.inputs};
  };
  std::vector<colour::Cdl> cdls;
  io::Timeline edl;
  edl.name = ctx.prefix + " scene lock";
  edl.rate = ctx.frame_rate;
  if (!ctx.timecode.empty()) {
    if (auto tc = io::timecode_to_frames(ctx.timecode, ctx.frame_rate, false)) edl.start = *tc;
  }
  for (size_t i = 0; i < state.shots.size(); ++i) {
    const analysis::ShotLock& s = state.shots[i];
    const std::string name = shot_name(ctx.prefix, i);
    colour::CubeFile cube;
    cube.title = name;
    cube.comments = {" framelock scene_lock: frames " + std::to_string(s.first) + "-" +
                         std::to_string(s.last) + ", matched by " +
                         analysis::lock_match_name(s.match),
                     " code values: " + std::string(colour::transfer_name(state.encoding)) +
                         "; mean CIEDE2000 to the reference " + std::to_string(s.delta_e_before) +
                         " -> " + std::to_string(s.delta_e_after)};
    cube.lut3d = s.fit.lut;
    const std::string cube_path = (std::filesystem::path(ctx.dir) / (name + ".cube")).string();
    FL_RETURN_IF_ERROR(colour::write_cube(out, record(cube_path, OutputKind::kLook), cube));
    written.push_back(cube_path);

    colour::Cdl cdl = s.fit.cdl;
    cdl.id = name;
    cdl.description = "scene_lock frames " + std::to_string(s.first) + "-" +
                      std::to_string(s.last) + "; CDL vs LUT mean CIEDE2000 " +
                      std::to_string(s.fit.cdl_delta_e);
    const std::string cc_path = (std::filesystem::path(ctx.dir) / (name + ".cc")).string();
    FL_RETURN_IF_ERROR(colour::write_cdl_file(out, record(cc_path, OutputKind::kLook),
                                              std::span<const colour::Cdl>(&cdl, 1)));
    written.push_back(cc_path);
    cdls.push_back(cdl);

    io::TimelineClip clip;
    clip.name = name;
    clip.reel = "AX";
    clip.path = ctx.source_path;
    clip.source_in = edl.start + s.first;
    clip.source_out = edl.start + s.last + 1;
    clip.record_in = s.first;
    clip.cdl =
        io::ClipCdl{s.fit.cdl.slope, s.fit.cdl.offset, s.fit.cdl.power, s.fit.cdl.saturation};
    edl.clips.push_back(clip);
  }
  const std::string ccc_path = base + ".ccc";
  FL_RETURN_IF_ERROR(colour::write_cdl_file(out, record(ccc_path, OutputKind::kLook), cdls));
  written.push_back(ccc_path);
  const std::string edl_path = base + ".edl";
  FL_RETURN_IF_ERROR(out.write_file(record(edl_path, OutputKind::kTimeline), io::write_edl(edl)));
  written.push_back(edl_path);
  const std::string report_path = base + "_report.json";
  FL_RETURN_IF_ERROR(out.write_file(record(report_path, OutputKind::kReport),
                                    json_text(scene_lock_report(state), 2) + "\n"));
  written.push_back(report_path);
  return ok_status();
}

}  // namespace fl::ops
