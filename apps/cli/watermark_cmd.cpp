// framelock watermark keygen --out KEY: the studio's watermark key (src/provenance/
// watermark_key.h). Marking and blind detection build on it (docs/security.md, "Watermark").
#include <cstdio>

#include "cli.h"
#include "provenance/watermark_key.h"

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

}  // namespace

void add_watermark_command(CLI::App& app, Status* result) {
  auto* wm = app.add_subcommand("watermark", "The studio's invisible watermark");
  wm->require_subcommand(1);
  auto* gen = wm->add_subcommand(
      "keygen", "Make the studio's watermark key: framelock watermark keygen --out studio.key");
  auto out = std::make_shared<std::string>();
  gen->add_option("--out", *out, "The key file to create (never overwritten; mode 0600)")
      ->required();
  gen->callback([out, result] { *result = keygen(*out); });
}

}  // namespace fl::cli
