// framelock characters CLIP [--reference NAME=IMAGE]... [--json] [--out cast.json]: who is on
// screen, shot by shot (character lock, issue 18).
#include <unistd.h>

#include <cstdio>

#include "analysis/cast_json.h"
#include "analysis/cast_sheet.h"
#include "analysis/characters.h"
#include "analysis/continuity.h"
#include "cli.h"
#include "core/json_text.h"
#include "io/frame_source.h"

namespace fl::cli {
namespace {

Result<std::vector<analysis::ReferenceFace>> read_references(
    const std::vector<std::string>& given) {
  std::vector<analysis::ReferenceFace> refs;
  for (const std::string& g : given) {
    const size_t eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size())
      return invalid_argument("--reference '" + g + "' is not NAME=IMAGE");
    const std::string name = g.substr(0, eq), path = g.substr(eq + 1);
    auto source = io::open_source(path, {});
    if (!source.ok()) return Status(source.status()).with_context("reference '" + name + "': ");
    auto frame = (*source)->read_frame(0);
    if (!frame.ok()) return Status(frame.status()).with_context("reference '" + name + "': ");
    FL_ASSIGN_OR_RETURN(auto ref,
                        analysis::reference_face(name, path, *frame, (*source)->transfer()));
    refs.push_back(std::move(ref));
  }
  return refs;
}

}  // namespace

void add_characters_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "characters", "Find, follow and identify the characters of a clip (faces, shot by shot)");
  struct Args {
    std::string file, out, sheet, continuity;
    std::vector<std::string> references;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("file", a->file, "Clip, image sequence or timeline")->required();
  cmd->add_option("--reference", a->references,
                  "NAME=IMAGE: a still (or a clip's first frame) of a character to name");
  cmd->add_flag("--json", a->json, "Print the cast as JSON (docs/characters.md)");
  cmd->add_option("--out", a->out, "Also write the cast JSON to this file");
  cmd->add_option("--continuity", a->continuity,
                  "Write the continuity report (JSON): each referenced character's shots against "
                  "its reference, those that drifted flagged");
  cmd->add_option("--sheet", a->sheet,
                  "Write a cast sheet (.png/.jpg): each character's best face and its shots");
  cmd->callback([a, result] {
    if (!a->sheet.empty()) {
      *result = analysis::check_cast_sheet_path(a->sheet);
      if (!result->ok()) return;
    }
    auto refs = read_references(a->references);
    if (!refs.ok()) {
      *result = refs.status();
      return;
    }
    auto source = io::open_source(a->file, {});
    if (!source.ok()) {
      *result = source.status();
      return;
    }
    const bool tty = ::isatty(STDERR_FILENO);
    auto cast =
        analysis::analyse_characters(**source, *refs, {}, [tty](int64_t done, int64_t total) {
          if (tty && (done % 25 == 0 || done == total))
            std::fprintf(stderr, "\ranalysing %lld/%lld", (long long)done, (long long)total);
          if (tty && done == total) std::fprintf(stderr, "\n");
          return true;
        });
    if (!cast.ok()) {
      *result = cast.status();
      return;
    }
    const nlohmann::json j = analysis::cast_to_json(*cast);
    const CommandOutputs outputs = command_outputs();
    std::vector<FileRead> inputs;
    if (!a->out.empty()) {
      *result = outputs.pipeline->write_file({a->out, OutputKind::kReport, "characters", inputs},
                                             json_text(j, 2) + "\n");
      if (!result->ok()) return;
    }
    if (!a->continuity.empty()) {
      const auto report = analysis::check_continuity(*cast, *refs);
      *result =
          outputs.pipeline->write_file({a->continuity, OutputKind::kReport, "characters", inputs},
                                       json_text(analysis::continuity_to_json(report), 2) + "\n");
      if (!result->ok()) return;
      for (const auto& s : report.shots)
        if (s.flagged)
          std::fprintf(stderr, "continuity: %s, shot %d: %s\n", s.name.c_str(), s.shot,
                       s.why.c_str());
    }
    if (!a->sheet.empty()) {
      if (cast->characters.empty()) {
        std::fprintf(stderr, "framelock: no characters, so no cast sheet\n");
      } else {
        *result = analysis::write_cast_sheet(**source, *cast, *outputs.pipeline,
                                             {a->sheet, OutputKind::kSheet, "characters", inputs});
        if (!result->ok()) return;
      }
    }
    if (a->json) {
      std::printf("%s\n", json_text(j, 2).c_str());
      return;
    }
    std::printf("%zu characters in %s (%lld frames, %zu shots)\n", cast->characters.size(),
                cast->path.c_str(), (long long)cast->frame_count, cast->shots.size());
    for (const auto& c : cast->characters) {
      std::printf("  %3d  %-20s %5lld frames  shots", c.id, c.name.c_str(),
                  (long long)c.frames_seen());
      int last_shot = -1;
      for (const auto& t : c.tracks)
        if (t.shot != last_shot) std::printf(" %d", last_shot = t.shot);
      std::printf("\n");
    }
    if (!cast->note.empty()) std::printf("note: %s\n", cast->note.c_str());
  });
}

}  // namespace fl::cli
