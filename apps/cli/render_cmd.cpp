// `apply`, `render` and `still`: build or load a graph, compile it, render it.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/json_text.h"
#include "io/frame_source.h"
#include "looks/reports.h"
#include "ops/register.h"
#include "provenance/output_manifest.h"
#include "render/output.h"
#include "service/node_operators.h"
#include "service/output_mark.h"

namespace fl::cli {

namespace {

struct RenderFlags {
  std::string frames;  // "A-B"
  double preview_scale = 1.0;
  bool json = false;
  bool float_path = false;
  std::string codec, pixel_format, transfer, primaries, out_primaries;
  std::string export_dir;  // analysis findings (.cube/.cdl/EDL/JSON) go here
  std::string report;      // scene-lock report (PNG/JPEG contact sheet + JSON)
  PolicyFlags policy;
  MarkFlags mark;
};

// What analysing ops found, written as files (`--export DIR`), and their reports (`--report`).
Status export_analyses(render::Renderer& renderer, const graph::Plan& plan,
                       const RenderFlags& flags, const OutputPipeline& pipeline) {
  std::vector<std::string> written;
  if (!flags.export_dir.empty()) {
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const auto& n = plan.nodes[i];
      if (n.is_source || !n.op || !n.op->has_analysis()) continue;
      FL_ASSIGN_OR_RETURN(auto state, renderer.analysis(plan, int(i)));
      graph::ExportCtx ctx{flags.export_dir,
                           n.id,
                           n.geometry.frame_rate,
                           {},
                           {},
                           &pipeline,
                           render::inputs_of(plan, int(i))};
      for (const auto& src : plan.nodes)
        if (src.is_source) {
          ctx.timecode = src.media.timecode;
          ctx.source_path = src.path;
          break;
        }
      FL_RETURN_IF_ERROR(n.op->export_state(*state, ctx, written));
    }
    if (written.empty())
      return invalid_argument("--export: no operator in the graph has anything to export");
  }
  if (!flags.report.empty()) {
    FL_ASSIGN_OR_RETURN(auto reports, looks::write_reports(renderer, plan, flags.report, pipeline));
    written.insert(written.end(), reports.begin(), reports.end());
  }
  for (const auto& w : written) std::fprintf(stderr, "wrote %s\n", w.c_str());
  return ok_status();
}

Result<std::optional<graph::FrameRange>> parse_frames(const std::string& text) {
  if (text.empty()) return std::optional<graph::FrameRange>{};
  long long a = 0, b = 0;
  char dash = 0;
  if (std::sscanf(text.c_str(), "%lld%c%lld", &a, &dash, &b) == 3 && dash == '-' && a >= 0 &&
      b >= a)
    return std::optional<graph::FrameRange>(graph::FrameRange{a, b});
  if (std::sscanf(text.c_str(), "%lld", &a) == 1 && a >= 0 && text.find('-') == std::string::npos)
    return std::optional<graph::FrameRange>(graph::FrameRange{a, a});
  return invalid_argument("--frames must be A-B (e.g. 0-99), got '" + text + "'");
}

// Progress bar on a terminal, JSON lines with --json, nothing otherwise.
render::ProgressFn progress_printer(bool json) {
  bool tty = ::isatty(STDERR_FILENO);
  return [json, tty](const render::Progress& p) {
    if (json) {
      std::printf("%s\n", json_text(nlohmann::json{{"event", "progress"},
                                                   {"frames_done", p.frames_done},
                                                   {"frames_total", p.frames_total},
                                                   {"fps", p.fps},
                                                   {"eta_seconds", p.eta_seconds}})
                              .c_str());
      std::fflush(stdout);
    } else if (tty) {
      int width = 30, filled = int(width * p.frames_done / std::max<int64_t>(1, p.frames_total));
      std::fprintf(stderr, "\r[%s%s] %lld/%lld  %.1f fps  ETA %.1fs ",
                   std::string(size_t(filled), '#').c_str(),
                   std::string(size_t(width - filled), ' ').c_str(), (long long)p.frames_done,
                   (long long)p.frames_total, p.fps, p.eta_seconds);
      if (p.frames_done == p.frames_total) std::fprintf(stderr, "\n");
    }
  };
}

Status run_graph(const graph::Graph& g, const std::string& out_override, const RenderFlags& flags) {
  if (!(flags.preview_scale == 1 || flags.preview_scale == 0.5 || flags.preview_scale == 0.25 ||
        flags.preview_scale == 0.125))
    return invalid_argument("--preview-scale must be 1, 0.5, 0.25 or 0.125");
  FL_ASSIGN_OR_RETURN(auto range, parse_frames(flags.frames));
  // Compiling through the renderer's prober opens each clip once, for probing and decoding.
  render::Renderer renderer;
  graph::CompileOptions compile_options;
  compile_options.probe = renderer.prober();
  FL_ASSIGN_OR_RETURN(auto plan, graph::compile(g, ops::builtin_registry(), compile_options));
  if (plan->outputs.empty()) return invalid_argument("the graph has no outputs");
  FL_ASSIGN_OR_RETURN(PolicyDecision policy, apply_policy(flags.policy, g, *plan, renderer, range));
  std::vector<std::string> warnings = plan->warnings;
  warnings.insert(warnings.end(), policy.notes.begin(), policy.notes.end());
  auto warn = [&](const std::string& w) {
    if (flags.json)
      std::printf("%s\n", json_text(nlohmann::json{{"event", "warning"}, {"message", w}}).c_str());
    else
      std::fprintf(stderr, "warning: %s\n", w.c_str());
  };
  for (const std::string& w : warnings) warn(w);
  if (!flags.policy.data.empty() && flags.policy.file.empty() && flags.mark.key.empty())
    return invalid_argument("--data goes with --policy or --watermark-key", "data");
  FL_ASSIGN_OR_RETURN(auto marker, OutputMarker::open(flags.mark, flags.policy.data));
  const bool marked = marker && marker->marks(g);
  // The signer is checked before anything renders: a delivery without its manifest is not one.
  FL_ASSIGN_OR_RETURN(
      auto signer,
      provenance::open_signer(flags.mark.sign.key, flags.mark.sign.cert, flags.policy.data));
  auto start = std::chrono::steady_clock::now();
  const CommandOutputs outputs = command_outputs();
  if (policy.content) outputs.pipeline->add_finisher(policy.content);
  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    render::OutputOptions options;
    options.scale = flags.preview_scale;
    options.progress = progress_printer(flags.json);
    options.integer_path = !flags.float_path;
    render::OutputReport report;
    options.report = &report;
    graph::PlanOutput out = plan->outputs[i];
    if (range) {
      out.first = range->first;
      out.last = range->last;
    }
    const std::string written = i == 0 && !out_override.empty() ? out_override : out.decl.path;
    // Each output's own finishers after the command's: a marked one is recorded with its mark.
    auto pipeline = std::make_shared<OutputPipeline>(*outputs.pipeline);
    FL_ASSIGN_OR_RETURN(
        render::OutputJob job,
        render::OutputJob::create(renderer, *plan, out, written, pipeline, flags.preview_scale));
    int64_t record = -1;
    std::shared_ptr<const Finisher> audit;
    if (marked) {
      FL_ASSIGN_OR_RETURN(OutputMarker::Marked mark, marker->mark(*plan, job));
      options.stages.push_back(mark.stage);
      audit = mark.audit;
      record = mark.record;
    }
    // The manifest after the ledger (which keeps the render's own identity) and before the
    // audit record (which hashes the delivered file).
    pipeline->add_finisher(std::make_shared<provenance::ManifestFinisher>(
        signer, service::manifest_context(graph::graph_to_json(g), g.base_dir,
                                          marker ? marker->layout() : nullptr, record)));
    if (audit) pipeline->add_finisher(audit);
    if (Status s = job.render(options); !s.ok()) return s;
    if (policy.after) {
      std::vector<std::string> flagged;
      FL_RETURN_IF_ERROR(policy.after(written, flagged));
      for (const auto& w : flagged) warn(w);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (flags.json) {
      nlohmann::json done = {{"event", "done"},
                             {"output", written},
                             {"seconds", secs},
                             {"pixel_path", report.integer_path ? "rgb48" : "float"}};
      // What the ledger took of this file: the same bytes as a server job's give the same id.
      for (const auto& e : outputs.ledger->entries())
        if (e.record.path == written && !e.xxh128.empty()) done["xxh128"] = e.xxh128;
      if (record >= 0) done["watermark"] = {{"record", record}};
      std::printf("%s\n", json_text(done).c_str());
    } else {
      std::fprintf(stderr, "wrote %s (%.2f s%s)\n", written.c_str(), secs,
                   report.integer_path ? ", 16-bit integer path" : "");
      if (record >= 0)
        std::fprintf(stderr, "marked with the studio's watermark: audit record %lld\n",
                     (long long)record);
    }
  }
  // The analyses' own media (a lock's contact sheet) are signed too, with no watermark.
  OutputPipeline side(*outputs.pipeline);
  side.add_finisher(std::make_shared<provenance::ManifestFinisher>(
      signer, service::manifest_context(graph::graph_to_json(g), g.base_dir, nullptr, -1)));
  return export_analyses(renderer, *plan, flags, side);
}

}  // namespace

void add_render_commands(CLI::App& app, Status* result) {
  {
    auto* cmd = app.add_subcommand("apply",
                                   "Apply one operator: framelock apply IN OUT OP [key=value ...]");
    struct Args {
      std::string in, out, op;
      std::vector<std::string> params;
      RenderFlags flags;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("in", a->in, "Input clip, image or sequence")->required();
    cmd->add_option("out", a->out, "Output file, sequence pattern, or null")->required();
    cmd->add_option("op", a->op, "Operator (see `framelock ops`)")->required();
    cmd->add_option("params", a->params, "Parameters as key=value");
    cmd->add_option("--frames", a->flags.frames, "Frame range A-B (inclusive)");
    cmd->add_option("--preview-scale", a->flags.preview_scale, "Render at 1, 0.5, 0.25 or 0.125");
    cmd->add_option("--codec", a->flags.codec, "Encoder (prores_ks, ffv1, libx264, ...)");
    cmd->add_option("--pix-fmt", a->flags.pixel_format, "Output pixel format (FFmpeg name)");
    cmd->add_option("--transfer", a->flags.transfer,
                    "Input transfer function (srgb, rec709, linear...)");
    cmd->add_option("--primaries", a->flags.primaries,
                    "Input primaries when untagged or wrongly tagged (rec709, rec2020, p3d65, "
                    "acescg...)");
    cmd->add_option("--out-primaries", a->flags.out_primaries,
                    "Output primaries (default: the input's); converts in linear light");
    cmd->add_flag("--json", a->flags.json, "JSON progress lines on stdout");
    cmd->add_flag("--float-path", a->flags.float_path,
                  "Always render through linear float (no 16-bit integer shortcut)");
    cmd->add_option("--export", a->flags.export_dir,
                    "Write what analysing operators found (scene_lock: .cube, .cc, .ccc, EDL, "
                    "JSON) into this directory");
    cmd->add_option("--report", a->flags.report,
                    "Scene-lock report: contact sheet (.png/.jpg) and JSON beside it");
    add_policy_flags(cmd, a->flags.policy);
    add_mark_flags(cmd, a->flags.mark);
    cmd->callback([a, result] {
      // An unknown operator is left for compile() to report, with the list of known ones.
      const auto* def = ops::builtin_registry().find(a->op);
      nlohmann::json params = nlohmann::json::object();
      // `NAME=FILE` for an input other than the first wires FILE to it (`fill mask=m.png`,
      // `mix b=other.mov`); everything else is a parameter.
      std::vector<std::pair<std::string, std::string>> wired;
      std::vector<std::string> param_args;
      for (const auto& kv : a->params) {
        const size_t eq = kv.find('=');
        const std::string key = eq == std::string::npos ? kv : kv.substr(0, eq);
        if (def && eq != std::string::npos && def->schema.input_index(key) > 0)
          wired.emplace_back(key, kv.substr(eq + 1));
        else
          param_args.push_back(kv);
      }
      if (def) {
        auto typed = graph::params_from_strings(def->schema, param_args);
        if (!typed.ok()) {
          *result = typed.status();
          return;
        }
        params = *typed;
      }
      graph::Graph g;
      g.base_dir = std::filesystem::current_path().string();
      g.sources.push_back({"in", a->in, a->flags.transfer, a->flags.primaries, std::nullopt});
      graph::NodeDecl node{"op", a->op, params, {}, true};
      if (def && !def->schema.inputs.empty())
        node.inputs.emplace_back(def->schema.inputs[0].name, "in");
      for (const auto& [input, path] : wired) {
        g.sources.push_back({"input_" + input, path, "", "", std::nullopt});
        node.inputs.emplace_back(input, "input_" + input);
      }
      g.nodes.push_back(node);
      g.outputs.push_back({"op",
                           a->out,
                           a->flags.codec,
                           a->flags.pixel_format,
                           {},
                           std::nullopt,
                           a->flags.out_primaries});
      *result = run_graph(g, {}, a->flags);
    });
  }
  {
    auto* cmd = app.add_subcommand("render", "Render an edit graph: framelock render GRAPH.json");
    struct Args {
      std::string graph, out;
      RenderFlags flags;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("graph", a->graph, "Edit graph (JSON)")->required();
    cmd->add_option("--out", a->out, "Overrides the first output's path");
    cmd->add_option("--frames", a->flags.frames, "Frame range A-B (inclusive)");
    cmd->add_option("--preview-scale", a->flags.preview_scale, "Render at 1, 0.5, 0.25 or 0.125");
    cmd->add_flag("--json", a->flags.json, "JSON progress lines on stdout");
    cmd->add_flag("--float-path", a->flags.float_path,
                  "Always render through linear float (no 16-bit integer shortcut)");
    cmd->add_option("--export", a->flags.export_dir,
                    "Write what analysing operators found (scene_lock: .cube, .cc, .ccc, EDL, "
                    "JSON) into this directory");
    cmd->add_option("--report", a->flags.report,
                    "Scene-lock report: contact sheet (.png/.jpg) and JSON beside it");
    add_policy_flags(cmd, a->flags.policy);
    add_mark_flags(cmd, a->flags.mark);
    cmd->callback([a, result] {
      auto g = graph::read_graph_file(a->graph);
      if (!g.ok()) {
        *result = g.status();
        return;
      }
      *result = run_graph(*g, a->out, a->flags);
    });
  }
}

}  // namespace fl::cli
