#include <cstdio>

#include "cli.h"
#include "core/buffer_pool.h"
#include "core/content_id.h"
#include "framelock/version.h"
#include "serve_cmd.h"

namespace fl::cli {

CommandOutputs command_outputs() {
  CommandOutputs out{std::make_shared<OutputPipeline>(), std::make_shared<OutputLedger>()};
  out.pipeline->add_finisher(out.ledger);
  return out;
}

int report(const Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "framelock: error: %s\n", status.message().c_str());
  switch (status.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kResourceExhausted:
      return 2;
    case ErrorCode::kNotFound:
      return 3;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
      return 4;
    case ErrorCode::kCorruptData:
      return 5;
    case ErrorCode::kUnsupported:
      return 6;
    case ErrorCode::kCancelled:
      return 130;
    default:
      return 1;
  }
}

}  // namespace fl::cli

int main(int argc, char** argv) {
  CLI::App app{"framelock: AI-assisted editing engine for film and TV footage"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("framelock ") + FL_VERSION_STRING);
  // One command reads a clip once; only `serve` keeps identities long enough to want whole-clip
  // hashes made in the background.
  fl::ContentIds::shared().set_background(false);
  fl::core::tune_allocator_for_frames();
  fl::Status result;
  fl::cli::add_probe_command(app, &result);
  fl::cli::add_ops_command(app, &result);
  fl::cli::add_render_commands(app, &result);
  fl::cli::add_shots_command(app, &result);
  fl::cli::add_characters_command(app, &result);
  fl::cli::add_cast_command(app, &result);
  fl::cli::add_variants_command(app, &result);
  fl::cli::add_look_command(app, &result);
  fl::cli::add_watermark_command(app, &result);
  fl::cli::add_provenance_command(app, &result);
  fl::server::add_serve_command(app, &result);
  fl::server::add_token_command(app, &result);
  fl::server::add_project_command(app, &result);
  fl::server::add_consent_command(app, &result);
  fl::server::add_audit_command(app, &result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return fl::cli::report(result);
}
