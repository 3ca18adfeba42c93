// framelock shots FILE [--json]: the shots of a clip (hard cuts, dissolves), with timecodes.
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "analysis/shots.h"
#include "cli.h"
#include "core/json_text.h"
#include "io/frame_source.h"

namespace fl::cli {

void add_shots_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand("shots", "Find the shots of a clip: hard cuts and dissolves");
  struct Args {
    std::string file, transfer;
    bool json = false;
    bool no_dissolves = false;
    int min_shot = 6;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("file", a->file, "Clip, image sequence pattern")->required();
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->add_flag("--no-dissolves", a->no_dissolves, "Hard cuts only");
  cmd->add_option("--min-shot", a->min_shot, "Shortest shot, in frames (default 6)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--transfer", a->transfer, "Input transfer function when untagged");
  cmd->callback([a, result] {
    auto source = io::open_source(a->file, {a->transfer});
    if (!source.ok()) {
      *result = source.status();
      return;
    }
    analysis::ShotOptions options;
    options.dissolves = !a->no_dissolves;
    options.min_shot_frames = a->min_shot;
    const bool tty = ::isatty(STDERR_FILENO);
    auto shots = analysis::detect_shots(**source, options, [tty](int64_t done, int64_t total) {
      if (tty && (done % 25 == 0 || done == total))
        std::fprintf(stderr, "\ranalysing %lld/%lld", (long long)done, (long long)total);
      if (tty && done == total) std::fprintf(stderr, "\n");
      return true;
    });
    if (!shots.ok()) {
      *result = shots.status();
      return;
    }
    const MediaInfo& info = (*source)->info();
    if (a->json) {
      nlohmann::json out = {{"path", info.path},
                            {"frame_count", info.frame_count},
                            {"fps", info.frame_rate.to_double()},
                            {"shots", nlohmann::json::array()}};
      for (size_t i = 0; i < shots->size(); ++i) {
        const auto& s = (*shots)[i];
        nlohmann::json j = {{"index", i},
                            {"first", s.first},
                            {"last", s.last},
                            {"timecode_in", s.timecode_in},
                            {"timecode_out", s.timecode_out},
                            {"in", analysis::transition_name(s.in)},
                            {"score", s.score}};
        if (s.in == analysis::Transition::kDissolve)
          j["transition"] = {s.transition_first, s.transition_last};
        out["shots"].push_back(j);
      }
      std::printf("%s\n", json_text(out, 2).c_str());
      return;
    }
    std::printf("%zu shots in %s (%lld frames)\n", shots->size(), info.path.c_str(),
                (long long)info.frame_count);
    for (size_t i = 0; i < shots->size(); ++i) {
      const auto& s = (*shots)[i];
      std::printf("  %3zu  %6lld-%-6lld %s - %s  %s", i, (long long)s.first, (long long)s.last,
                  s.timecode_in.c_str(), s.timecode_out.c_str(), analysis::transition_name(s.in));
      if (s.in == analysis::Transition::kDissolve)
        std::printf(" (frames %lld-%lld)", (long long)s.transition_first,
                    (long long)s.transition_last);
      std::printf("\n");
    }
  });
}

}  // namespace fl::cli
