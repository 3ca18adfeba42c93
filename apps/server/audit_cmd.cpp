// `framelock audit verify | head | export`: the audit log of a server's data directory, checked,
// pinned and handed to a SIEM, with no server running (docs/security.md).
#include <cstdio>
#include <limits>
#include <memory>

#include <CLI/CLI.hpp>

#include "core/file_util.h"
#include "core/json_text.h"
#include "core/output_pipeline.h"
#include "security/audit_log.h"
#include "serve_cmd.h"

namespace fl::server {
namespace {

Result<std::string> read_key(const std::string& path) {
  if (path.empty()) return std::string();
  auto pem = read_text_file(path, size_t(1) << 20);
  if (!pem.ok()) return pem.status().with_context("--key: ");
  return pem;
}

Status verify(const std::string& data, const std::string& key_path, bool as_json) {
  FL_ASSIGN_OR_RETURN(std::string pem, read_key(key_path));
  FL_ASSIGN_OR_RETURN(auto r, security::verify_audit_log(data + "/audit", pem));
  if (as_json) {
    nlohmann::json out = {
        {"ok", r.ok},
        {"records", r.records},
        {"checkpoints", r.checkpoints},
        {"signed_through", r.signed_through},
        {"head", {{"seq", r.head.seq}, {"hash", r.head.hash}, {"time", r.head.time}}},
        {"warnings", r.warnings}};
    if (!r.ok) out["first_bad"] = r.first_bad;
    std::printf("%s\n", json_text(out).c_str());
  } else {
    for (const auto& w : r.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (r.ok)
      std::printf(
          "audit log intact: %lld records, %lld signed checkpoints (signed through %lld), "
          "head %lld %s\n",
          (long long)r.records, (long long)r.checkpoints, (long long)r.signed_through,
          (long long)r.head.seq, r.head.hash.c_str());
  }
  if (!r.ok) return corrupt_data("audit log tampered with or damaged at " + r.first_bad);
  return ok_status();
}

Status head(const std::string& data, const std::string& key_path) {
  FL_ASSIGN_OR_RETURN(std::string pem, read_key(key_path));
  FL_ASSIGN_OR_RETURN(auto r, security::verify_audit_log(data + "/audit", pem));
  if (!r.ok) return corrupt_data("audit log tampered with or damaged at " + r.first_bad);
  std::printf("%s\n", json_text(nlohmann::json{{"seq", r.head.seq},
                                               {"hash", r.head.hash},
                                               {"time", r.head.time},
                                               {"signed_through", r.signed_through}})
                          .c_str());
  return ok_status();
}

Status export_log(const std::string& data, const std::string& since, const std::string& until,
                  const std::string& out) {
  security::AuditFilter f;
  f.limit = std::numeric_limits<size_t>::max();
  if (!since.empty() && !(f.since = security::parse_audit_time(since)))
    return invalid_argument("--since must be an ISO 8601 UTC time or unix seconds", "since");
  if (!until.empty() && !(f.until = security::parse_audit_time(until)))
    return invalid_argument("--until must be an ISO 8601 UTC time or unix seconds", "until");
  FL_ASSIGN_OR_RETURN(auto records, security::read_audit_log(data + "/audit", f));
  std::string text;
  for (const auto& r : records) text += json_text(r) + "\n";
  if (out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return ok_status();
  }
  return OutputPipeline::plain().write_file({out, OutputKind::kReport, "audit export", {}}, text);
}

}  // namespace

void add_audit_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand("audit", "The audit log: verify, head, export");
  cmd->require_subcommand(1);
  auto data = std::make_shared<std::string>("framelock-data");
  auto key = std::make_shared<std::string>();
  {
    auto* v = cmd->add_subcommand(
        "verify", "Check every record and signed checkpoint; exit 1 naming the first bad record");
    auto as_json = std::make_shared<bool>(false);
    v->add_option("--data", *data, "The data directory of `framelock serve`");
    v->add_option("--key", *key,
                  "The audit public key (PEM) pinned elsewhere (default: the one in DATA/keys)");
    v->add_flag("--json", *as_json, "Print the report as JSON");
    v->callback([=] { *result = verify(*data, *key, *as_json); });
  }
  {
    auto* h = cmd->add_subcommand("head", "Print the head (seq, hash) to pin it elsewhere");
    h->add_option("--data", *data, "The data directory of `framelock serve`");
    h->add_option("--key", *key, "The audit public key (PEM)");
    h->callback([=] { *result = head(*data, *key); });
  }
  {
    auto* e = cmd->add_subcommand("export", "Records as JSON lines, for a SIEM");
    auto since = std::make_shared<std::string>();
    auto until = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    e->add_option("--data", *data, "The data directory of `framelock serve`");
    e->add_option("--since", *since, "From this time (ISO 8601 UTC or unix seconds)");
    e->add_option("--until", *until, "Up to this time");
    e->add_option("--out", *out, "Write to this file (default: standard output)");
    e->callback([=] { *result = export_log(*data, *since, *until, *out); });
  }
}

}  // namespace fl::server
