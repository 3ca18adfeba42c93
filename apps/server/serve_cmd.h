// `framelock serve`, `framelock token ...` and `framelock project ...`: the server's verbs on
// the command line.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "framelock/status.h"

namespace fl::service {
class Service;
}

namespace fl::server {

inline constexpr const char* kDefaultData = "framelock-data";
// The service over a data directory, for the verbs that change it from the command line.
Result<std::unique_ptr<service::Service>> open_data(const std::string& data);

void add_serve_command(CLI::App& app, Status* result);
void add_token_command(CLI::App& app, Status* result);
void add_project_command(CLI::App& app, Status* result);
void add_audit_command(CLI::App& app, Status* result);
void add_consent_command(CLI::App& app, Status* result);

}  // namespace fl::server
