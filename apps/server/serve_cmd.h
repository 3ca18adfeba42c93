// `framelock serve`, `framelock token ...` and `framelock project ...`: the server's verbs on
// the command line.
#pragma once

#include <CLI/CLI.hpp>

#include "framelock/status.h"

namespace fl::server {

void add_serve_command(CLI::App& app, Status* result);
void add_token_command(CLI::App& app, Status* result);
void add_project_command(CLI::App& app, Status* result);
void add_audit_command(CLI::App& app, Status* result);

}  // namespace fl::server
