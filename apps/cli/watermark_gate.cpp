// `--watermark-key KEY --data DIR` on render and apply: the outputs of a graph with a generative
// operator (or every output, with --watermark-all) carry the studio's invisible mark, whose
// payload is the sequence number of a record in DIR's audit log that says who rendered which
// output of which plan. The finished file is recorded there too, naming the mark.
#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include "cli.h"
#include "provenance/watermark_key.h"
#include "security/audit_finisher.h"
#include "security/audit_log.h"
#include "security/policy.h"
#include "service/node_operators.h"
#include "service/output_mark.h"

namespace fl::cli {

namespace {

std::string cli_principal() {
  const passwd* pw = ::getpwuid(::getuid());
  return std::string("cli:") + (pw && pw->pw_name ? pw->pw_name : std::to_string(::getuid()));
}

}  // namespace

void add_mark_flags(CLI::App* cmd, MarkFlags& flags) {
  cmd->add_option("--watermark-key", flags.key,
                  "Mark the outputs of generative operators with the studio's invisible "
                  "watermark; its records go to the audit log of --data DIR");
  cmd->add_flag("--watermark-all", flags.all, "Mark every output, pure grades included");
  add_sign_flags(cmd, flags.sign);
}

void add_sign_flags(CLI::App* cmd, SignFlags& flags) {
  cmd->add_option("--sign-key", flags.key,
                  "The studio's ES256 key (PEM) that signs every output's Content Credentials "
                  "(C2PA); without it, the installation's own signer");
  cmd->add_option("--sign-cert", flags.cert,
                  "The signer's X.509 certificate chain (PEM, signer first)");
}

Result<CommandOutputs> signed_outputs(const SignFlags& flags, const std::string& data_dir,
                                      provenance::ManifestContext context) {
  FL_ASSIGN_OR_RETURN(auto signer, provenance::open_signer(flags.key, flags.cert, data_dir));
  CommandOutputs outputs = command_outputs();
  outputs.pipeline->add_finisher(
      std::make_shared<provenance::ManifestFinisher>(std::move(signer), std::move(context)));
  return outputs;
}

Result<std::unique_ptr<OutputMarker>> OutputMarker::open(const MarkFlags& flags,
                                                         const std::string& data) {
  if (flags.key.empty()) {
    if (flags.all) return invalid_argument("--watermark-all needs --watermark-key", "watermark");
    return std::unique_ptr<OutputMarker>();
  }
  if (data.empty())
    return invalid_argument(
        "--watermark-key needs --data DIR: the audit log that keeps the mark's records (the "
        "server's data directory, or one of the command line's own)",
        "data");
  FL_ASSIGN_OR_RETURN(auto key, provenance::read_watermark_key(flags.key));
  FL_ASSIGN_OR_RETURN(auto audit, security::AuditLog::open(security::audit_options_for(data)));
  std::unique_ptr<OutputMarker> m(new OutputMarker);
  m->layout_ = std::make_shared<provenance::MarkLayout>(key);
  m->audit_ = std::move(audit);
  m->all_ = flags.all;
  return m;
}

bool OutputMarker::marks(const graph::Graph& graph) const {
  return all_ || security::uses_ai_operator(service::node_operators(graph));
}

Result<OutputMarker::Marked> OutputMarker::mark(const graph::Plan& plan,
                                                const render::OutputJob& job) {
  std::set<std::string> ops;
  for (const auto& n : plan.nodes)
    if (n.def) ops.insert(n.def->schema.name);
  const nlohmann::json context = {
      {"principal", {{"id", cli_principal()}}}, {"plan", plan.key.hex()}, {"ops", ops}};
  FL_ASSIGN_OR_RETURN(
      int64_t record,
      service::assign_watermark_record(*audit_, *layout_, context,
                                       std::filesystem::absolute(job.path()).string(), plan, job));
  nlohmann::json finished = context;
  finished["watermark"] = service::watermark_audit_field(*layout_, record);
  return Marked{service::watermark_stage(layout_, record, plan, job),
                std::make_shared<security::AuditFinisher>(audit_, finished), record};
}

}  // namespace fl::cli
