#include "provenance/output_manifest.h"

#include <cstdlib>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "framelock/version.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/c2pa/reader.h"

namespace fl::provenance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kGenerative =
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";

json bytes_value(std::string_view b) {
  return json::binary(std::vector<uint8_t>(b.begin(), b.end()));
}

json hashed_uri(const std::string& url, std::string_view hashed) {
  return {{"url", url}, {"hash", bytes_value(c2pa::sha256(hashed))}};
}

// A source's own Content Credentials, carried into ours: its manifests, and what the ingredient
// says of them (the active one, its signature, and how it validated here).
void carry_ingredient_manifest(const std::string& path, json& ingredient,
                               c2pa::ManifestDefinition& d) {
  const auto container = c2pa::detect_container(path);
  if (!container) return;
  auto store = c2pa::read_embedded_store(path, *container);
  if (!store.ok()) return;
  auto parsed = c2pa::parse_superbox(*store);
  if (!parsed.ok() || parsed->children.empty()) return;
  const c2pa::Superbox* active = nullptr;
  for (const auto& m : parsed->children) {
    if (m.uuid != c2pa::kManifest && m.uuid != c2pa::c2pa_uuid("c2um")) continue;
    active = &m;
    bool known = false;
    for (const auto& raw : d.prior_manifests) known = known || raw == m.raw;
    if (!known) d.prior_manifests.emplace_back(m.raw);
  }
  if (!active) return;
  ingredient["activeManifest"] = hashed_uri("self#jumbf=/c2pa/" + active->label, active->contents);
  if (const auto* sig = active->child("c2pa.signature"))
    ingredient["claimSignature"] =
        hashed_uri("self#jumbf=/c2pa/" + active->label + "/c2pa.signature", sig->contents);
  const c2pa::ManifestReport report = c2pa::validate_store(*store, "");
  auto entries = [](const std::vector<c2pa::ValidationEntry>& v) {
    json out = json::array();
    for (const auto& e : v) out.push_back({{"code", e.code}, {"explanation", e.explanation}});
    return out;
  };
  ingredient["validationResults"] = {{"activeManifest",
                                      {{"success", entries(report.success)},
                                       {"informational", entries(report.informational)},
                                       {"failure", entries(report.failure)}}}};
}

}  // namespace

std::string_view c2pa_action_for(std::string_view op) {
  static const std::map<std::string_view, std::string_view> kActions{
      {"cdl", "c2pa.color_adjustments"},
      {"lut3d", "c2pa.color_adjustments"},
      {"ocio", "c2pa.color_adjustments"},
      {"exposure", "c2pa.color_adjustments"},
      {"saturation", "c2pa.color_adjustments"},
      {"scene_lock", "c2pa.color_adjustments"},
      {"crop", "c2pa.cropped"},
      {"resize", "c2pa.resized"},
      {"reformat", "c2pa.resized"},
      {"watermark", "c2pa.watermarked"}};
  auto it = kActions.find(op);
  return it == kActions.end() ? std::string_view("c2pa.edited") : it->second;
}

Result<c2pa::ManifestDefinition> manifest_definition(const OutputRecord& record,
                                                     const ManifestContext& context) {
  c2pa::ManifestDefinition d;
  d.title = fs::path(record.path).filename().string();
  d.id_seed = context.graph_key + "\n" + d.title;
  const json agent = {{"name", "framelock"}, {"version", FL_VERSION_STRING}};

  // The ingredients first: the actions name them by hash. The first input is the parent.
  json actions = json::array();
  for (size_t i = 0; i < record.inputs.size(); ++i) {
    const FileRead& in = record.inputs[i];
    json ingredient = {{"relationship", i == 0 ? "parentOf" : "componentOf"},
                       {"dc:title", fs::path(in.path).filename().string()},
                       {"dc:format", c2pa::mime_for_path(in.path)}};
    // The source by its bytes, never its stat: a clip still being hashed in the background is
    // waited for, so the same render names its sources the same way (and signs the same bytes).
    std::string xxh128 = in.id.xxh128;
    if (xxh128.empty()) {
      auto full = ContentIds::shared().identify_fully(in.path);
      if (full.ok()) xxh128 = full->xxh128;
    }
    if (!xxh128.empty()) ingredient["instanceID"] = "xxh128:" + xxh128;
    carry_ingredient_manifest(in.path, ingredient, d);
    const std::string label =
        i == 0 ? "c2pa.ingredient.v3" : fmt::format("c2pa.ingredient.v3__{}", i);
    d.assertions.push_back({label, ingredient});
    const json ref = {{"url", "self#jumbf=c2pa.assertions/" + label},
                      {"hash", bytes_value(c2pa::assertion_hash(d.assertions.back()))}};
    actions.push_back({{"action", i == 0 ? "c2pa.opened" : "c2pa.placed"},
                       {"softwareAgent", agent},
                       {"parameters", {{"ingredients", json::array({ref})}}}});
  }
  if (record.inputs.empty())
    actions.push_back(
        {{"action", "c2pa.created"},
         {"softwareAgent", agent},
         {"digitalSourceType", "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"}});
  for (const EditStep& step : context.steps) {
    json action = {{"action", c2pa_action_for(step.op)},
                   {"softwareAgent", agent},
                   {"description", fmt::format("node '{}': {}", step.node, step.op)}};
    if (step.generative) action["digitalSourceType"] = kGenerative;
    actions.push_back(action);
  }
  d.assertions.push_back({"c2pa.actions.v2", {{"actions", actions}}});

  if (context.watermark_record) {
    std::string value;
    for (int shift = 32; shift >= 0; shift -= 8)
      value.push_back(char((*context.watermark_record >> shift) & 0xff));
    d.assertions.push_back(
        {"c2pa.soft-binding",
         {{"alg", "org.framelock.watermark.1"},
          {"name", "framelock invisible watermark"},
          {"alg-params",
           fmt::format("key {}; the value is the 40-bit audit record the mark carries",
                       context.watermark_key)},
          {"blocks", json::array({{{"scope", json::object()}, {"value", bytes_value(value)}}})},
          {"pad", bytes_value("")}}});
  }
  json render = {{"producer", record.producer},
                 {"kind", output_kind_name(record.kind)},
                 {"framelock", FL_VERSION_STRING}};
  if (!context.graph_key.empty()) render["graph"] = context.graph_key;
  if (record.last_frame >= record.first_frame)
    render["frames"] = {record.first_frame, record.last_frame};
  d.assertions.push_back({"org.framelock.render", render});
  return d;
}

Status ManifestFinisher::finish(const OutputRecord& record) const {
  if (record.kind != OutputKind::kRender && record.kind != OutputKind::kSheet) return ok_status();
  FL_ASSIGN_OR_RETURN(c2pa::ManifestDefinition definition, manifest_definition(record, context_));
  // A sequence is what the sink wrote as one (io's rule): a still whose name holds a '%' is not.
  if (!record.files.empty())
    return c2pa::write_collection_sidecar(c2pa::sequence_sidecar_path(record.path), record.files,
                                          std::move(definition), *signer_);
  if (const auto container = c2pa::detect_container(record.path))
    return c2pa::embed_manifest(record.path, *container, std::move(definition), *signer_);
  return c2pa::write_sidecar(record.path, std::move(definition), *signer_);
}

std::string installation_signer_dir(const std::string& data_dir) {
  if (!data_dir.empty()) return (fs::path(data_dir) / "c2pa-signer").string();
  if (const char* home = std::getenv("FRAMELOCK_HOME"); home && *home)
    return (fs::path(home) / "c2pa-signer").string();
  const char* user_home = std::getenv("HOME");
  return (fs::path(user_home && *user_home ? user_home : "/tmp") /
          ".local/share/framelock/c2pa-signer")
      .string();
}

Result<std::shared_ptr<const c2pa::SigningIdentity>> open_signer(const std::string& key_pem,
                                                                 const std::string& chain_pem,
                                                                 const std::string& data_dir) {
  if (key_pem.empty() != chain_pem.empty())
    return invalid_argument(
        "--sign-key and --sign-cert go together: the key and its certificate chain", "sign");
  auto id = key_pem.empty() ? c2pa::SigningIdentity::installation(installation_signer_dir(data_dir))
                            : c2pa::SigningIdentity::load(key_pem, chain_pem);
  if (!id.ok()) return id.status();
  return std::make_shared<const c2pa::SigningIdentity>(std::move(id).value());
}

}  // namespace fl::provenance
