// framelock characters CLIP [--reference NAME=IMAGE]... [--json] [--out cast.json]: who is on
// screen, shot by shot (character lock, issue 18).
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "analysis/cast_edit.h"
#include "analysis/cast_json.h"
#include "analysis/cast_sheet.h"
#include "analysis/characters.h"
#include "analysis/continuity.h"
#include "cli.h"
#include "core/content_id.h"
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
    FL_ASSIGN_OR_RETURN(auto ref,
                        analysis::reference_face_from_file(g.substr(0, eq), g.substr(eq + 1)));
    refs.push_back(std::move(ref));
  }
  return refs;
}

}  // namespace

void add_characters_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "characters", "Find, follow and identify the characters of a clip (faces, shot by shot)");
  struct Args {
    std::string file, out, sheet, continuity, previous;
    std::vector<std::string> references;
    bool json = false;
    SignFlags sign;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("file", a->file, "Clip, image sequence or timeline")->required();
  cmd->add_option("--reference", a->references,
                  "NAME=IMAGE: a still (or a clip's first frame) of a character to name");
  cmd->add_option("--cast", a->previous,
                  "A cast of this clip made before, with its corrections: its ids, names, merges "
                  "and splits carry over onto the new analysis");
  cmd->add_flag("--json", a->json, "Print the cast as JSON (docs/characters.md)");
  cmd->add_option("--out", a->out, "Also write the cast JSON to this file");
  cmd->add_option("--continuity", a->continuity,
                  "Write the continuity report (JSON): each referenced character's shots against "
                  "its reference, those that drifted flagged");
  cmd->add_option("--sheet", a->sheet,
                  "Write a cast sheet (.png/.jpg): each character's best face and its shots");
  add_sign_flags(cmd, a->sign);
  cmd->callback([a, result] {
    if (!a->sheet.empty()) {
      *result = analysis::check_cast_sheet_path(a->sheet);
      if (!result->ok()) return;
    }
    // The sheet's Content Credentials (its faces are crops of the clip); a command that writes
    // only JSON opens no signer.
    provenance::ManifestContext context;
    context.steps = {{"cast sheet", "crop", false}};
    auto signed_out = a->sheet.empty() && a->sign.key.empty() && a->sign.cert.empty()
                          ? Result<CommandOutputs>(command_outputs())
                          : signed_outputs(a->sign, {}, std::move(context));
    if (!signed_out.ok()) {
      *result = signed_out.status();
      return;
    }
    auto refs = read_references(a->references);
    if (!refs.ok()) {
      *result = refs.status();
      return;
    }
    std::optional<analysis::Cast> previous;
    if (!a->previous.empty()) {
      auto read = analysis::read_cast_file(a->previous);
      if (!read.ok()) {
        *result = read.status();
        return;
      }
      previous = std::move(*read);
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
    if (previous) {
      if (previous->frame_count != 0 && previous->frame_count != cast->frame_count) {
        *result = invalid_argument("cast '" + a->previous + "' is of a clip of " +
                                   std::to_string(previous->frame_count) + " frames, not this " +
                                   std::to_string(cast->frame_count));
        return;
      }
      *cast = analysis::carry_over(*previous, std::move(*cast));
    }
    const nlohmann::json j = analysis::cast_to_json(*cast);
    const CommandOutputs outputs = std::move(signed_out).value();
    std::vector<FileRead> inputs;
    if (auto id = ContentIds::shared().identify(a->file); id.ok()) inputs.push_back({a->file, *id});
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

void add_cast_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "cast", "Correct a cast file: rename, merge and split characters (kept in its log)");
  struct Args {
    std::string file, out;
    std::vector<std::string> renames, merges, splits;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("file", a->file, "Cast file (framelock characters --out)")->required();
  cmd->add_option("--rename", a->renames, "ID=NAME");
  cmd->add_option("--merge", a->merges, "INTO+OTHER: OTHER's tracks join INTO");
  cmd->add_option("--split", a->splits,
                  "ID:FIRST-LAST[=NAME]: the tracks within those frames become a new character");
  cmd->add_option("--out", a->out, "Write the corrected cast here (default: in place)");
  cmd->add_flag("--json", a->json, "Print the corrected cast as JSON");
  cmd->callback([a, result] {
    auto cast = analysis::read_cast_file(a->file);
    if (!cast.ok()) {
      *result = cast.status();
      return;
    }
    auto number = [](const std::string& s, const std::string& what) -> Result<int64_t> {
      try {
        size_t used = 0;
        const long long v = std::stoll(s, &used);
        if (used == s.size() && v >= 0) return int64_t(v);
      } catch (const std::exception&) {
      }
      return invalid_argument(what + ": '" + s + "' is not a number");
    };
    auto apply = [&]() -> Status {
      for (const std::string& r : a->renames) {
        const size_t eq = r.find('=');
        if (eq == std::string::npos) return invalid_argument("--rename '" + r + "' is not ID=NAME");
        FL_ASSIGN_OR_RETURN(int64_t id, number(r.substr(0, eq), "--rename"));
        FL_RETURN_IF_ERROR(analysis::rename_character(*cast, int(id), r.substr(eq + 1)));
      }
      for (const std::string& m : a->merges) {
        const size_t plus = m.find('+');
        if (plus == std::string::npos)
          return invalid_argument("--merge '" + m + "' is not INTO+OTHER");
        FL_ASSIGN_OR_RETURN(int64_t into, number(m.substr(0, plus), "--merge"));
        FL_ASSIGN_OR_RETURN(int64_t other, number(m.substr(plus + 1), "--merge"));
        FL_RETURN_IF_ERROR(analysis::merge_characters(*cast, int(into), int(other)));
      }
      for (const std::string& sp : a->splits) {
        const size_t colon = sp.find(':'),
                     dash = sp.find('-', colon == std::string::npos ? 0 : colon);
        const size_t eq = sp.find('=');
        if (colon == std::string::npos || dash == std::string::npos)
          return invalid_argument("--split '" + sp + "' is not ID:FIRST-LAST[=NAME]");
        FL_ASSIGN_OR_RETURN(int64_t id, number(sp.substr(0, colon), "--split"));
        FL_ASSIGN_OR_RETURN(int64_t first,
                            number(sp.substr(colon + 1, dash - colon - 1), "--split"));
        FL_ASSIGN_OR_RETURN(
            int64_t last,
            number(sp.substr(dash + 1, eq == std::string::npos ? std::string::npos : eq - dash - 1),
                   "--split"));
        const std::string name = eq == std::string::npos ? "" : sp.substr(eq + 1);
        FL_ASSIGN_OR_RETURN(int made, analysis::split_character(*cast, int(id), first, last, name));
        std::fprintf(stderr, "split: character %d made from %lld's frames %lld-%lld\n", made,
                     (long long)id, (long long)first, (long long)last);
      }
      return ok_status();
    };
    *result = apply().with_context("cast '" + a->file + "': ");
    if (!result->ok()) return;
    const nlohmann::json j = analysis::cast_to_json(*cast);
    const CommandOutputs outputs = command_outputs();
    const std::string out = a->out.empty() ? a->file : a->out;
    *result = outputs.pipeline->write_file({out, OutputKind::kReport, "cast", {}},
                                           json_text(j, 2) + "\n");
    if (!result->ok()) return;
    if (a->json) std::printf("%s\n", json_text(j, 2).c_str());
  });
}

}  // namespace fl::cli
