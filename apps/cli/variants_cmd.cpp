// framelock variants IN --frame N --out sheet.png: one frame under dozens of looks.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/json_text.h"
#include "looks/variants.h"

namespace fl::cli {

void add_variants_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "variants", "Render one frame under many looks as a labelled contact sheet (+ a .cube each)");
  struct Args {
    std::string in, out, looks = "default", cube_dir, transfer;
    std::vector<std::string> sweeps;
    int64_t frame = 0;
    int count = 0, columns = 0;
    bool json = false;
    SignFlags sign;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("in", a->in, "Clip, image or sequence")->required();
  cmd->add_option("--frame", a->frame, "Frame to show (default 0)");
  cmd->add_option("--out", a->out, "Contact sheet (.png or .jpg)")->required();
  cmd->add_option("--looks", a->looks,
                  "default (built-ins + sweeps, 24), builtin (16), or a folder of .cube/.cdl/.cc");
  cmd->add_option("--sweep", a->sweeps, "Add a parameter sweep: op.param=from:to:count");
  cmd->add_option("--count", a->count, "Keep the first K looks")->check(CLI::Range(1, 1000));
  cmd->add_option("--columns", a->columns, "Sheet columns (default: about 3:2)");
  cmd->add_option("--cube-dir", a->cube_dir,
                  "Write each look as NN_name.cube here (default: <sheet>_looks/)");
  cmd->add_option("--transfer", a->transfer, "Input transfer function when untagged");
  cmd->add_flag("--json", a->json, "Machine-readable summary");
  add_sign_flags(cmd, a->sign);
  cmd->callback([a, result] {
    const auto start = std::chrono::steady_clock::now();
    std::vector<looks::Look> list;
    if (a->looks == "default") {
      list = looks::default_looks();
    } else if (a->looks == "builtin") {
      list = looks::builtin_looks();
    } else {
      auto from_dir = looks::looks_from_dir(a->looks);
      if (!from_dir.ok()) {
        *result = from_dir.status().with_field("looks");
        return;
      }
      list = *from_dir;
    }
    for (const auto& spec : a->sweeps) {
      auto sweep = looks::sweep_looks(spec);
      if (!sweep.ok()) {
        *result = sweep.status().with_field("sweep");
        return;
      }
      list.insert(list.end(), sweep->begin(), sweep->end());
    }
    if (a->count > 0 && size_t(a->count) < list.size()) list.resize(size_t(a->count));
    looks::VariantOptions options;
    options.frame = a->frame;
    options.columns = a->columns;
    options.transfer = a->transfer;
    options.cube_dir = a->cube_dir;
    if (options.cube_dir.empty()) {
      std::filesystem::path p(a->out);
      options.cube_dir = (p.parent_path() / (p.stem().string() + "_looks")).string();
    }
    provenance::ManifestContext context;
    context.steps = {{"variants", "lut3d", false}};
    auto outputs = signed_outputs(a->sign, {}, std::move(context));
    if (!outputs.ok()) {
      *result = outputs.status();
      return;
    }
    options.pipeline = outputs->pipeline.get();
    render::Renderer renderer;
    auto made = looks::make_variants(renderer, a->in, list, a->out, options);
    if (!made.ok()) {
      *result = made.status();
      return;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (a->json) {
      nlohmann::json j = {{"sheet", a->out},
                          {"looks", list.size()},
                          {"tile", {made->tile_width, made->tile_height}},
                          {"scale", made->scale},
                          {"cubes", made->cubes},
                          {"seconds", secs}};
      std::printf("%s\n", json_text(j, 2).c_str());
    } else {
      std::printf(
          "%zu looks of frame %lld -> %s (%dx%d tiles at 1/%g scale), .cube files in %s "
          "(%.2f s)\n",
          list.size(), (long long)a->frame, a->out.c_str(), made->tile_width, made->tile_height,
          1.0 / made->scale, options.cube_dir.c_str(), secs);
    }
  });
}

}  // namespace fl::cli
