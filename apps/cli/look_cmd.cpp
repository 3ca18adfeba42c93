// framelock look fit SRC DST --out look.cube: the look that maps one frame onto another (scene
// lock's machinery on one frame pair), as a 3D LUT and the nearest ASC CDL.
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "analysis/scene_lock.h"
#include "cli.h"
#include "colour/cdl_file.h"
#include "colour/cube_file.h"
#include "core/content_id.h"
#include "core/json_text.h"
#include "io/frame_source.h"

namespace fl::cli {
namespace {

struct LookFitArgs {
  std::string src, dst, out, cdl, transfer = "rec709", match = "auto";
  int64_t src_frame = 0, dst_frame = 0;
  bool json = false;
};

Result<Image> read_frame(const std::string& path, int64_t frame, const std::string& transfer) {
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(path, {transfer}));
  if (frame < 0 || frame >= source->info().frame_count)
    return invalid_argument("'" + path + "': frame " + std::to_string(frame) +
                            " is out of range (it has " +
                            std::to_string(source->info().frame_count) + " frames)");
  return source->read_frame(frame);
}

Status look_fit(const LookFitArgs& a) {
  FL_ASSIGN_OR_RETURN(colour::Transfer transfer, colour::parse_transfer(a.transfer));
  if (std::filesystem::path(a.out).extension() != ".cube")
    return invalid_argument("--out '" + a.out + "': the look is written as a .cube file");
  // Both frames are read as code values in one encoding, the one the .cube will be applied in.
  FL_ASSIGN_OR_RETURN(Image src, read_frame(a.src, a.src_frame, a.transfer));
  FL_ASSIGN_OR_RETURN(Image dst, read_frame(a.dst, a.dst_frame, a.transfer));
  analysis::LockOptions options;
  options.encoding = transfer;
  using Mode = analysis::LockOptions::Mode;
  options.mode = a.match == "same_content" ? Mode::kSameContent
                 : a.match == "aligned"    ? Mode::kAligned
                 : a.match == "statistics" ? Mode::kStatistics
                                           : Mode::kAuto;
  FL_ASSIGN_OR_RETURN(analysis::ShotLock look, analysis::fit_look(src, dst, options));
  colour::CubeFile cube;
  cube.title = std::filesystem::path(a.out).stem().string();
  cube.comments = {" framelock look fit: " + a.src + " -> " + a.dst + " (" +
                   analysis::lock_match_name(look.match) + "), code values " +
                   std::string(colour::transfer_name(transfer))};
  cube.lut3d = look.fit.lut;
  const CommandOutputs outputs = command_outputs();
  std::vector<FileRead> inputs;
  for (const std::string& read : {a.src, a.dst})
    if (auto id = ContentIds::shared().identify(read); id.ok()) inputs.push_back({read, *id});
  FL_RETURN_IF_ERROR(
      colour::write_cube(*outputs.pipeline, {a.out, OutputKind::kLook, "look fit", inputs}, cube));
  if (!a.cdl.empty()) {
    colour::Cdl cdl = look.fit.cdl;
    cdl.id = cube.title;
    FL_RETURN_IF_ERROR(colour::write_cdl_file(*outputs.pipeline,
                                              {a.cdl, OutputKind::kLook, "look fit", inputs},
                                              std::span<const colour::Cdl>(&cdl, 1)));
  }
  if (a.json) {
    std::printf("%s\n", json_text(nlohmann::json{{"out", a.out},
                                                 {"cdl", a.cdl},
                                                 {"match", analysis::lock_match_name(look.match)},
                                                 {"delta_e_before", look.delta_e_before},
                                                 {"delta_e_after", look.delta_e_after},
                                                 {"cdl_vs_lut_delta_e", look.fit.cdl_delta_e}})
                            .c_str());
  } else {
    std::printf("look (%s): mean CIEDE2000 %.2f -> %.2f; CDL vs LUT %.2f\nwrote %s\n",
                analysis::lock_match_name(look.match), look.delta_e_before, look.delta_e_after,
                look.fit.cdl_delta_e, a.out.c_str());
    if (!a.cdl.empty()) std::printf("wrote %s\n", a.cdl.c_str());
  }
  return ok_status();
}

}  // namespace

void add_look_command(CLI::App& app, Status* result) {
  auto* look = app.add_subcommand("look", "Look development");
  look->require_subcommand(1);
  auto* fit = look->add_subcommand(
      "fit", "Fit the look that maps SRC onto DST: framelock look fit SRC DST --out look.cube");
  auto a = std::make_shared<LookFitArgs>();
  fit->add_option("src", a->src, "Frame as shot (still or clip)")->required();
  fit->add_option("dst", a->dst, "Frame with the look to match (still or clip)")->required();
  fit->add_option("--out", a->out, "The look as a .cube")->required();
  fit->add_option("--cdl", a->cdl, "Also the nearest ASC CDL (.cdl, .cc or .ccc)");
  fit->add_option("--src-frame", a->src_frame, "Frame of SRC when it is a clip");
  fit->add_option("--dst-frame", a->dst_frame, "Frame of DST when it is a clip");
  fit->add_option("--transfer", a->transfer,
                  "Encoding both are read and the LUT applies in (default rec709)");
  fit->add_option("--match", a->match, "auto, same_content, aligned or statistics")
      ->check(CLI::IsMember({"auto", "same_content", "aligned", "statistics"}));
  fit->add_flag("--json", a->json, "Machine-readable output");
  fit->callback([a, result] { *result = look_fit(*a); });
}

}  // namespace fl::cli
