// framelock command line: thin wrappers that parse arguments, call the core, print results.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "framelock/status.h"

namespace fl::cli {

// Each verb registers its subcommand and returns the Status to turn into an exit code.
void add_probe_command(CLI::App& app, Status* result);
void add_ops_command(CLI::App& app, Status* result);
void add_render_commands(CLI::App& app, Status* result);
void add_shots_command(CLI::App& app, Status* result);
void add_variants_command(CLI::App& app, Status* result);
void add_look_command(CLI::App& app, Status* result);

// One line on stderr ("framelock: error: ...") and the process exit code for a Status.
int report(const Status& status);

}  // namespace fl::cli
