#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/json_text.h"
#include "ops/register.h"

namespace fl::cli {

namespace {

std::string value_text(const graph::ParamValue& v) {
  return json_text(graph::param_value_to_json(v));
}

// docs/operators.md is generated from the schemas by `framelock ops --markdown`.
std::string markdown(const graph::Registry& registry) {
  std::string md =
      "# Operators\n\nGenerated from the operator schemas by `framelock ops --markdown`; do not "
      "edit by hand.\n\n";
  for (const auto* def : registry.list()) {
    const auto& s = def->schema;
    md += "## `" + s.name + "` (" + s.id() + ")\n\n" + s.doc + "\n\n";
    md += "- category: " + s.category + (s.pointwise ? ", pointwise (fusable)" : "") +
          (s.tileable ? "" : ", whole frames") + "\n";
    md += "- inputs: ";
    for (size_t i = 0; i < s.inputs.size(); ++i)
      md += (i ? ", " : "") + std::string("`") + s.inputs[i].name + "`" +
            (s.inputs[i].optional ? " (optional)" : "");
    md += "\n";
    if (s.window.before || s.window.after)
      md += "- temporal window: " + std::to_string(s.window.before) + " before, " +
            std::to_string(s.window.after) + " after\n";
    if (s.likeness.reach != graph::LikenessReach::kNone)
      md += "- alters a likeness (docs/security.md): " +
            std::string(graph::likeness_reach_name(s.likeness.reach)) + "\n";
    md += "\n| parameter | type | default | range | description |\n|---|---|---|---|---|\n";
    for (const auto& p : s.params) {
      std::string range;
      if (!p.choices.empty()) {
        for (const auto& c : p.choices) range += (range.empty() ? "" : ", ") + c;
      } else if (p.min || p.max) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%g – %g", p.min.value_or(0), p.max.value_or(0));
        range = buf;
      }
      md += "| `" + p.name + "` | " + std::string(graph::param_type_name(p.type)) + " | " +
            (p.default_value ? "`" + value_text(*p.default_value) + "`" : "required") + " | " +
            range + " | " + p.doc + " |\n";
    }
    md += "\nExample: `framelock apply IN OUT " + s.name;
    for (const auto& p : s.params)
      if (p.required()) md += " " + p.name + "=...";
    md += "`\n\n";
  }
  return md;
}

}  // namespace

void add_ops_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand("ops", "List operators and their parameters");
  auto json = std::make_shared<bool>(false);
  auto md = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Schemas as JSON");
  cmd->add_flag("--markdown", *md, "Reference page (docs/operators.md)");
  cmd->callback([=] {
    const auto& registry = ops::builtin_registry();
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto* def : registry.list()) out.push_back(def->schema.to_json());
      std::printf("%s\n", json_text(out, 2).c_str());
    } else if (*md) {
      std::printf("%s", markdown(registry).c_str());
    } else {
      for (const auto* def : registry.list()) {
        const auto& s = def->schema;
        std::printf("%-12s %s\n", s.name.c_str(), s.doc.c_str());
        for (const auto& p : s.params)
          std::printf("    %-14s %-7s %s%s\n", p.name.c_str(),
                      std::string(graph::param_type_name(p.type)).c_str(),
                      p.default_value ? ("= " + value_text(*p.default_value) + "  ").c_str()
                                      : "(required) ",
                      p.doc.c_str());
      }
    }
    (void)result;
  });
}

}  // namespace fl::cli
