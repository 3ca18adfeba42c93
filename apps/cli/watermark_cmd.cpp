// framelock watermark keygen | embed | detect: the studio's key, marking outside a render, and
// blind detection (src/provenance/, docs/provenance.md).
#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/json_text.h"
#include "io/frame_source.h"
#include "ops/register.h"
#include "provenance/watermark_detect.h"
#include "provenance/watermark_key.h"
#include "provenance/watermark_stage.h"
#include "render/output.h"
#include "security/audit_log.h"
#include "service/output_mark.h"

namespace fl::cli {
namespace {

Status keygen(const std::string& out) {
  FL_ASSIGN_OR_RETURN(auto key, provenance::generate_watermark_key());
  FL_RETURN_IF_ERROR(provenance::write_watermark_key(key, out));
  std::fprintf(stderr,
               "wrote the watermark key %s (mode 0600); keep a copy where the studio keeps its "
               "secrets: without it no mark made with it can be read\n",
               out.c_str());
  std::printf("%s\n", key.fingerprint().c_str());
  return ok_status();
}

Result<uint64_t> parse_record(const std::string& hex, const std::string& flag = "--payload") {
  uint64_t v = 0;
  if (hex.empty() || hex.size() > 10)
    return invalid_argument(flag + " must be 1 to 10 hex digits (40 bits), got '" + hex + "'");
  for (char c : hex) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return invalid_argument(flag + " must be hex digits, got '" + hex + "'");
    v = v << 4 | uint64_t(d);
  }
  return v;
}

struct EmbedArgs {
  std::string in, out, payload, key, codec, pixel_format, frames;
  double psnr = 44.2;
  SignFlags sign;
};

Status embed(const EmbedArgs& a) {
  FL_ASSIGN_OR_RETURN(uint64_t record, parse_record(a.payload));
  FL_ASSIGN_OR_RETURN(auto key, provenance::read_watermark_key(a.key));
  if (a.psnr < 30 || a.psnr > 60) return invalid_argument("--psnr must be in [30, 60] dB");
  FL_ASSIGN_OR_RETURN(MediaInfo info, io::probe(a.in));
  graph::Graph g;
  g.base_dir = std::filesystem::current_path().string();
  g.sources.push_back({"in", a.in, "", "", std::nullopt});
  g.outputs.push_back({"in", a.out, a.codec, a.pixel_format, {}, std::nullopt, ""});
  render::Renderer renderer;
  graph::CompileOptions compile_options;
  compile_options.probe = renderer.prober();
  FL_ASSIGN_OR_RETURN(auto plan, graph::compile(g, ops::builtin_registry(), compile_options));
  provenance::MarkOptions mark;
  mark.record = record;
  mark.frame_rate = info.frame_rate.to_double();
  mark.psnr_db = a.psnr;
  mark.transfer =
      colour::transfer_for_media(info.color_transfer, info.bit_depth > 16, info.frame_count <= 1);
  auto stage = std::make_shared<provenance::WatermarkStage>(
      std::make_shared<provenance::MarkLayout>(key), mark);
  render::OutputOptions options;
  options.stages.push_back(stage);
  if (!a.frames.empty()) {
    long long first = 0, last = 0;
    if (std::sscanf(a.frames.c_str(), "%lld-%lld", &first, &last) != 2 || first < 0 || last < first)
      return invalid_argument("--frames must be A-B (e.g. 0-99), got '" + a.frames + "'");
    options.frames = graph::FrameRange{first, last};
  }
  // The marked file's Content Credentials say what was done (c2pa.watermarked) and carry the
  // payload as their soft binding.
  provenance::ManifestContext context;
  context.steps = {{"watermark", "watermark", false}};
  context.watermark_record = int64_t(record);
  context.watermark_key = key.fingerprint();
  FL_ASSIGN_OR_RETURN(const CommandOutputs outputs, signed_outputs(a.sign, {}, std::move(context)));
  FL_RETURN_IF_ERROR(
      render::render_to_file(renderer, *plan, plan->outputs[0], options, a.out, outputs.pipeline));
  std::fprintf(stderr, "marked %s with record %" PRIx64 " (key %s)\n", a.out.c_str(), record,
               key.fingerprint().c_str());
  return ok_status();
}

struct DetectArgs {
  std::string file, key, data;
  std::vector<std::string> records;  // HEX[:EPOCHS]
  double start = 0, seconds = 2, rotation = 0;
  bool json = false;
};

// The audit records a payload leads to: the one it names (who asked for which output of which
// plan, and when), and the record of the finished file that carries it, when there is one.
Result<nlohmann::json> audit_trail(const std::string& data, int64_t record) {
  const std::string dir = security::audit_options_for(data).dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return not_found("--data: '" + data + "' holds no audit log (no " + dir + ")", "data");
  security::AuditFilter f;
  f.after_seq = record - 1;
  f.limit = 1;
  FL_ASSIGN_OR_RETURN(auto named, security::read_audit_log(dir, f));
  if (named.empty() || named[0].value("seq", int64_t(-1)) != record ||
      named[0]["event"].value("type", "") != "watermark")
    return not_found("the mark names audit record " + std::to_string(record) + ", which " + dir +
                     " does not hold as a watermark record (another data directory's mark?)");
  nlohmann::json trail = {{"assigned", named[0]}};
  f.type = "output";
  f.after_seq = record;
  f.limit = 500;
  for (int page = 0; page < 100 && !trail.contains("output"); ++page) {
    bool more = false;
    FL_ASSIGN_OR_RETURN(auto outputs, security::read_audit_log(dir, f, &more));
    for (const auto& r : outputs) {
      f.after_seq = r.value("seq", f.after_seq);
      const auto& e = r["event"];
      if (e.contains("watermark") && e["watermark"].value("record", int64_t(-1)) == record) {
        trail["output"] = r;
        break;
      }
    }
    if (!more) break;
  }
  return trail;
}

// The marks to test for by name (informed detection): --record HEX[:EPOCHS], and with --data
// every mark of this key the audit log issued.
Result<std::vector<provenance::IssuedMark>> issued_for(const DetectArgs& a,
                                                       const provenance::MarkLayout& layout) {
  std::vector<provenance::IssuedMark> issued;
  for (const std::string& r : a.records) {
    const size_t colon = r.find(':');
    FL_ASSIGN_OR_RETURN(uint64_t record, parse_record(r.substr(0, colon), "--record"));
    provenance::IssuedMark m{record, 1};
    if (colon != std::string::npos) {
      const std::string n = r.substr(colon + 1);
      if (n.empty() || n.size() > 6 || !std::all_of(n.begin(), n.end(), ::isdigit) || n == "0")
        return invalid_argument("--record " + r + ": the epochs after ':' must be 1 to 999999");
      m.epochs = uint32_t(std::stoul(n));
    }
    issued.push_back(m);
  }
  if (!a.data.empty()) {
    const std::string dir = security::audit_options_for(a.data).dir;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      return not_found("--data: '" + a.data + "' holds no audit log (no " + dir + ")", "data");
    FL_ASSIGN_OR_RETURN(auto logged, service::issued_marks(dir, layout));
    issued.insert(issued.end(), logged.begin(), logged.end());
  }
  return issued;
}

Status detect(const DetectArgs& a) {
  FL_ASSIGN_OR_RETURN(auto key, provenance::read_watermark_key(a.key));
  if (a.seconds <= 0 || a.start < 0)
    return invalid_argument("--start must be >= 0 and --seconds > 0");
  if (a.rotation < 0 || a.rotation > 45)
    return invalid_argument("--rotation must be between 0 and 45 degrees");
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(a.file));
  const MediaInfo& info = source->info();
  const double fps = info.frame_rate.to_double() > 0 ? info.frame_rate.to_double() : 24.0;
  const int64_t first =
      std::min<int64_t>(int64_t(a.start * fps), std::max<int64_t>(0, info.frame_count - 1));
  const int64_t last = std::min<int64_t>(
      info.frame_count - 1, first + std::max<int64_t>(1, int64_t(a.seconds * fps)) - 1);
  provenance::DetectOptions options;
  options.max_rotation = a.rotation;
  const auto layout = std::make_shared<provenance::MarkLayout>(key);
  FL_ASSIGN_OR_RETURN(const auto issued, issued_for(a, *layout));
  provenance::WatermarkDetector detector(layout, options);
  const int w = info.width, h = info.height;
  std::vector<uint8_t> bgr(size_t(w) * size_t(h) * 3), luma(size_t(w) * size_t(h));
  for (int64_t n = first; n <= last; ++n) {
    if (source->reads_decoded()) {
      FL_ASSIGN_OR_RETURN(auto frame, source->read_decoded(n));
      FL_RETURN_IF_ERROR(frame->read_bgr8({0, 0, w, h}, w, h, bgr.data(), size_t(w) * 3));
    } else {
      FL_ASSIGN_OR_RETURN(Image image, source->read_frame(n));
      const auto& curve = colour::TransferCurve::get(colour::Transfer::kSrgb);
      const float* p = image.data();
      for (size_t i = 0; i < size_t(w) * size_t(h); ++i, p += 4)
        for (int c = 0; c < 3; ++c)
          bgr[i * 3 + size_t(2 - c)] =
              uint8_t(std::clamp(curve.to_encoded(p[c]) * 255.f + 0.5f, 0.f, 255.f));
    }
    for (size_t i = 0; i < luma.size(); ++i)
      luma[i] = uint8_t((bgr[i * 3] * 29 + bgr[i * 3 + 1] * 150 + bgr[i * 3 + 2] * 77 + 128) >> 8);
    detector.add_frame(luma.data(), w, h, size_t(w), double(n - first) / fps);
  }
  const provenance::Detection d = detector.detect(issued);
  nlohmann::json trail;
  if (d.found && !a.data.empty()) {
    FL_ASSIGN_OR_RETURN(trail, audit_trail(a.data, int64_t(d.payload.record)));
  }
  if (a.json) {
    nlohmann::json j = {{"file", a.file},          {"found", d.found},
                        {"frames", d.frames},      {"pilot_z", d.pilot_z},
                        {"attempts", d.attempts},  {"false_positive", d.false_positive},
                        {"key", key.fingerprint()}};
    if (!issued.empty()) {
      j["informed"] = d.informed;
      j["data_z"] = d.data_z;
      j["hypotheses"] = d.hypotheses;
    }
    if (d.found) {
      char hex[32];
      std::snprintf(hex, sizeof hex, "%016" PRIx64, d.payload.pack());
      j["payload"] = hex;
      j["record"] = d.payload.record;
      j["epoch"] = d.payload.epoch;
      j["agreement"] = d.agreement;
      j["tile_px"] = d.tile_px;
      j["rotation"] = d.rotation;
      if (!trail.is_null()) j["audit"] = trail;
    }
    std::printf("%s\n", json_text(j).c_str());
  } else if (d.found) {
    std::printf("mark found: record %" PRIx64 ", epoch %u (seconds %g-%g of the output)\n",
                d.payload.record, d.payload.epoch, d.payload.epoch * provenance::kEpochSeconds,
                (d.payload.epoch + 1) * provenance::kEpochSeconds);
    if (d.informed)
      std::printf(
          "payload %016" PRIx64
          "; named among the issued marks (informed): data z %.1f, best of %lld hypotheses; "
          "false-positive probability %.1e\n",
          d.payload.pack(), d.data_z, (long long)d.hypotheses, d.false_positive);
    else
      std::printf("payload %016" PRIx64
                  "; pilot z %.1f, agreement %.2f; false-positive "
                  "probability %.1e\n",
                  d.payload.pack(), d.pilot_z, d.agreement, d.false_positive);
    if (!trail.is_null()) {
      const auto& r = trail["assigned"];
      const auto& e = r["event"];
      std::printf("audit record %lld, %s: %s rendered %s (plan %s)\n",
                  (long long)r.value("seq", int64_t(0)), r.value("time", "").c_str(),
                  e["principal"].value("id", "?").c_str(), e.value("output", "?").c_str(),
                  e.value("plan", "?").c_str());
      if (trail.contains("output")) {
        const auto& o = trail["output"];
        std::printf("finished %s: %s, sha256 %s (audit record %lld)\n", o.value("time", "").c_str(),
                    o["event"]["output"].value("path", "?").c_str(),
                    o["event"]["output"].value("sha256", "?").c_str(),
                    (long long)o.value("seq", int64_t(0)));
      }
    }
  } else {
    std::printf(
        "no mark of key %s in %d frames (best pilot z %.1f); a payload would have "
        "been reported with a false-positive probability of %.1e\n",
        key.fingerprint().c_str(), d.frames, d.pilot_z, d.false_positive);
    if (!issued.empty())
      std::printf("none of the %zu issued marks either (best data z %.1f of %lld hypotheses)\n",
                  issued.size(), d.data_z, (long long)d.hypotheses);
  }
  return ok_status();
}

}  // namespace

void add_watermark_command(CLI::App& app, Status* result) {
  auto* wm = app.add_subcommand("watermark", "The studio's invisible watermark");
  wm->require_subcommand(1);
  {
    auto* gen = wm->add_subcommand(
        "keygen", "Make the studio's watermark key: framelock watermark keygen --out studio.key");
    auto out = std::make_shared<std::string>();
    gen->add_option("--out", *out, "The key file to create (never overwritten; mode 0600)")
        ->required();
    gen->callback([out, result] { *result = keygen(*out); });
  }
  {
    auto* cmd = wm->add_subcommand(
        "embed",
        "Mark a file outside a render: framelock watermark embed IN OUT --payload HEX "
        "--key KEY");
    auto a = std::make_shared<EmbedArgs>();
    cmd->add_option("in", a->in, "Input clip, image or sequence")->required();
    cmd->add_option("out", a->out, "Output file")->required();
    cmd->add_option("--payload", a->payload,
                    "The record the mark names: up to 10 hex digits (40 bits); the 64-bit "
                    "payload adds the epoch and the format")
        ->required();
    cmd->add_option("--key", a->key, "The studio's watermark key file")->required();
    cmd->add_option("--codec", a->codec, "Encoder (ffv1, prores_ks, libx264, ...)");
    cmd->add_option("--pix-fmt", a->pixel_format, "Output pixel format (FFmpeg name)");
    cmd->add_option("--frames", a->frames, "Frame range A-B (inclusive)");
    cmd->add_option("--psnr", a->psnr, "Luma PSNR of the mark, dB (default 44.2)");
    add_sign_flags(cmd, a->sign);
    cmd->callback([a, result] { *result = embed(*a); });
  }
  {
    auto* cmd = wm->add_subcommand(
        "detect", "Find a mark with no original: framelock watermark detect FILE --key KEY");
    auto a = std::make_shared<DetectArgs>();
    cmd->add_option("file", a->file, "Any file FFmpeg reads")->required();
    cmd->add_option("--key", a->key, "The studio's watermark key file")->required();
    cmd->add_option("--start", a->start, "Seconds into the file to start reading (default 0)");
    cmd->add_option("--seconds", a->seconds, "Seconds of footage to read (default 2)");
    cmd->add_option("--rotation", a->rotation,
                    "Also search turns of the picture up to this many degrees either way (each "
                    "0.4 degrees costs about one search without turns)");
    cmd->add_option("--data", a->data,
                    "Also print the audit records the payload leads to, from this data "
                    "directory's audit log; where the blind decode finds nothing, test for each "
                    "mark that log issued with this key (informed detection)");
    cmd->add_option("--record", a->records,
                    "Test for this record's mark (HEX, or HEX:EPOCHS for an output of that many "
                    "4 s epochs; default 1) where the blind decode finds nothing; repeatable");
    cmd->add_flag("--json", a->json, "One JSON object on stdout");
    cmd->callback([a, result] { *result = detect(*a); });
  }
}

}  // namespace fl::cli
