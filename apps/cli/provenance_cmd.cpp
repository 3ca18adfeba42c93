// framelock provenance show | verify: a file's Content Credentials, read and validated by
// framelock's own C2PA reader (src/provenance/c2pa/reader.h, docs/provenance.md).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/json_text.h"
#include "provenance/c2pa/file_bytes.h"
#include "provenance/c2pa/reader.h"

namespace fl::cli {
namespace {

using nlohmann::json;

struct Args {
  std::string file, trust;
  bool json = false;
};

Result<c2pa::ManifestReport> read_report(const Args& a) {
  std::string anchors;
  if (!a.trust.empty()) {
    FL_ASSIGN_OR_RETURN(anchors, c2pa::read_file_bytes(a.trust));
  }
  return c2pa::read_and_validate(a.file, anchors);
}

void print_chain(const c2pa::ManifestReport& r) {
  const json& claim = r.claim;
  std::printf("%s\n  manifest %s: %s\n", r.file.c_str(), r.label.c_str(), r.state.c_str());
  std::printf("  signed by %s\n", r.signer.empty() ? "(nobody)" : r.signer.c_str());
  for (size_t i = 1; i < r.chain_subjects.size(); ++i)
    std::printf("    issued by %s\n", r.chain_subjects[i].c_str());
  if (claim.contains("claim_generator_info"))
    std::printf("  made with %s %s\n", claim["claim_generator_info"].value("name", "?").c_str(),
                claim["claim_generator_info"].value("version", "").c_str());
  const json& as = r.assertions;
  if (as.contains("c2pa.actions.v2")) {
    std::printf("  actions:\n");
    for (const auto& a : as["c2pa.actions.v2"].value("actions", json::array())) {
      std::string line = a.value("action", "?");
      if (a.contains("description")) line += "  " + a.value("description", "");
      if (a.value("digitalSourceType", "").find("TrainedAlgorithmic") != std::string::npos)
        line += "  [AI: " +
                a.value("digitalSourceType", "")
                    .substr(a.value("digitalSourceType", "").rfind('/') + 1) +
                "]";
      std::printf("    %s\n", line.c_str());
    }
  }
  for (auto it = as.begin(); it != as.end(); ++it) {
    if (it.key().rfind("c2pa.ingredient", 0) != 0) continue;
    const json& in = *it;
    std::printf("  ingredient (%s): %s  %s  %s%s\n", in.value("relationship", "?").c_str(),
                in.value("dc:title", "?").c_str(), in.value("dc:format", "").c_str(),
                in.value("instanceID", "").c_str(),
                in.contains("activeManifest") ? "  [carries its own manifest]" : "");
  }
  if (as.contains("c2pa.soft-binding")) {
    const json& sb = as["c2pa.soft-binding"];
    std::printf("  soft binding: %s (%s)\n", sb.value("alg", "?").c_str(),
                sb.value("alg-params", "").c_str());
  }
  if (as.contains("org.framelock.render"))
    std::printf("  render: graph %s\n", as["org.framelock.render"].value("graph", "?").c_str());
  std::printf("  validation:\n");
  for (const auto& e : r.success) std::printf("    ok    %s\n", e.code.c_str());
  for (const auto& e : r.informational)
    std::printf("    note  %s: %s\n", e.code.c_str(), e.explanation.c_str());
  for (const auto& e : r.failure)
    std::printf("    FAIL  %s: %s\n", e.code.c_str(), e.explanation.c_str());
}

}  // namespace

void add_provenance_command(CLI::App& app, Status* result) {
  auto* cmd =
      app.add_subcommand("provenance", "Read and verify a file's Content Credentials (C2PA)");
  cmd->require_subcommand(1);
  for (const bool verify : {false, true}) {
    auto a = std::make_shared<Args>();
    auto* sub = cmd->add_subcommand(
        verify ? "verify" : "show",
        verify ? "Exit non-zero unless the file's manifest is valid "
                 "(and, with --trust, signed by a trusted signer)"
               : "Print the manifest: actions, ingredients, signer, validation");
    sub->add_option("file", a->file,
                    "The file, its .c2pa sidecar, or an image sequence's pattern (shot.%04d.exr, "
                    "whose one sidecar is shot.c2pa)")
        ->required();
    sub->add_option("--trust", a->trust, "PEM file of the root certificates to trust");
    sub->add_flag("--json", a->json, "The report as JSON");
    sub->callback([a, result, verify] {
      auto report = read_report(*a);
      if (!report.ok()) {
        *result = report.status();
        return;
      }
      bool printed = false;
      if (!a->json) {
        try {  // a damaged manifest may hold anything where a name belongs: then the JSON view
          print_chain(*report);
          printed = true;
        } catch (const nlohmann::json::exception&) {
        }
      }
      if (!printed) std::printf("%s\n", json_text(report->to_json()).c_str());
      if (verify && report->state == "Invalid") {
        std::string why;
        for (const auto& e : report->failure)
          why += (why.empty() ? "" : "; ") + e.code + ": " + e.explanation;
        *result = corrupt_data("'" + a->file + "': its Content Credentials are invalid: " + why);
      }
    });
  }
}

}  // namespace fl::cli
