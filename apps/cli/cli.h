// framelock command line: thin wrappers that parse arguments, call the core, print results.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "core/output_pipeline.h"
#include "framelock/status.h"

namespace fl::cli {

// What every file a command writes goes through (its frame stages and finishers), with a ledger
// of what was written: one per command, shared by its render and its side outputs.
struct CommandOutputs {
  std::shared_ptr<OutputPipeline> pipeline;
  std::shared_ptr<OutputLedger> ledger;
};
CommandOutputs command_outputs();

// Each verb registers its subcommand and returns the Status to turn into an exit code.
void add_probe_command(CLI::App& app, Status* result);
void add_ops_command(CLI::App& app, Status* result);
void add_render_commands(CLI::App& app, Status* result);
void add_shots_command(CLI::App& app, Status* result);
void add_characters_command(CLI::App& app, Status* result);
void add_cast_command(CLI::App& app, Status* result);
void add_variants_command(CLI::App& app, Status* result);
void add_look_command(CLI::App& app, Status* result);

// One line on stderr ("framelock: error: ...") and the process exit code for a Status.
int report(const Status& status);

}  // namespace fl::cli
