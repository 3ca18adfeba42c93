// Render jobs over HTTP: submitted as a graph, listed by project (and by the content policy's
// review), followed over SSE, cancelled, downloaded, and approved or rejected when held.
#include <optional>

#include "http_views.h"
#include "service/json_views.h"

namespace fl::server {

using security::Action;

namespace {

// The path of a job's output, for a principal who may see it; nullopt once `res` holds the
// refusal. A project admin may look at a held output (that is what the hold is for), and that
// look is audited before any decision.
std::optional<std::string> output_for(service::Service& svc, const net::HttpRequest& req,
                                      net::HttpResponse& res) {
  auto job = visible_job(svc, req, res, Action::kViewJobs);
  if (!job) return std::nullopt;
  const bool reviewing = job->second.review == "held" &&
                         job->first.may(Action::kReviewContent, job->second.spec.project);
  auto path = svc.jobs().output_path(job->second.id, reviewing);
  if (!path.ok()) {
    send_error(res, path.status());
    return std::nullopt;
  }
  if (reviewing) {
    auto seen = svc.audit().append({{"type", "content"},
                                    {"action", "viewed"},
                                    {"job", job->second.id},
                                    {"project", job->second.spec.project},
                                    {"principal", job->first.id},
                                    {"remote", req.remote}});
    if (!seen.ok()) {
      send_error(res, seen.status());
      return std::nullopt;
    }
  }
  return *path;
}

}  // namespace

void install_job_routes(service::Service& svc, const AddRoute& route) {
  route("POST", "/v1/jobs", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto spec = service::job_spec_from_json(*body);
    if (!spec.ok()) return send_error(res, spec.status());
    auto project = project_field(*body, res);
    if (!project) return;
    auto graph = svc.resolve_media(spec->graph, *who,
                                   project->empty() ? std::nullopt : std::optional(*project));
    if (!graph.ok()) return send_body_error(res, graph.status());
    if (!permit(svc, *who, res, Action::kCreateJob, graph->project, no_project(graph->project)))
      return;
    if (!operators_allowed(svc, *who, res, graph->project, graph->graph)) return;
    spec->graph = std::move(graph->graph);
    spec->project = graph->project;
    auto job = svc.jobs().submit(*who, std::move(*spec));
    if (!job.ok()) {
      // A protected likeness the render would alter without a consent (docs/security.md).
      if (job.status().code() == ErrorCode::kPermissionDenied)
        request_caller().refusal = job.status().message();
      return send_body_error(res, job.status());
    }
    res.set_header("Location", "/v1/jobs/" + job->id);
    send_json(res, 201, service::job_to_json(*job));
  });
  route("GET", "/v1/jobs", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    service::JobFilter filter;  // projects nullopt: every project's (a studio admin)
    if (req.has_param("project")) {
      const std::string p = req.param("project");
      if (!permit(svc, *who, res, Action::kViewJobs, p, no_project(p))) return;
      filter.projects = std::vector<std::string>{p};
    } else if (!who->studio_admin) {
      filter.projects.emplace();
      for (const auto& [p, role] : who->roles)
        if (security::role_allows(role, Action::kViewJobs)) filter.projects->push_back(p);
    }
    if (req.has_param("review")) {
      filter.review = req.param("review");
      if (*filter.review != "held" && *filter.review != "approved" && *filter.review != "rejected")
        return send_error(res, invalid_argument("review must be held, approved or rejected, got '" +
                                                    *filter.review + "'",
                                                "review"));
    }
    auto jobs = svc.jobs().list(filter);
    if (!jobs.ok()) return send_error(res, jobs.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& j : *jobs) out.push_back(service::job_to_json(j));
    send_json(res, 200, {{"jobs", out}});
  });
  route("GET", R"(/v1/jobs/([A-Za-z0-9_]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto job = visible_job(svc, req, res, Action::kViewJobs);
          if (!job) return;
          send_json(res, 200, service::job_to_json(job->second));
        });
  route("DELETE", R"(/v1/jobs/([A-Za-z0-9_]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto job = visible_job(svc, req, res, Action::kViewJobs);  // the runner checks own/any
          if (!job) return;
          auto cancelled = svc.jobs().cancel(job->second.id, job->first);
          if (!cancelled.ok()) return send_error(res, cancelled.status());
          send_json(res, service::is_final(cancelled->state) ? 200 : 202,
                    service::job_to_json(*cancelled));
        });
  route("GET", R"(/v1/jobs/([A-Za-z0-9_]+)/events)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto job = visible_job(svc, req, res, Action::kViewJobs);
          if (!job) return;
          const std::string topic = "job:" + job->second.id;
          // A job that ended before this process started has no live topic: give its final
          // state.
          if (svc.events().subscribers(topic) == 0)
            svc.events().publish(
                topic,
                {"state", service::job_to_json(job->second), service::is_final(job->second.state)},
                true);
          stream_events(svc, res, topic);
        });
  route("GET", R"(/v1/jobs/([A-Za-z0-9_]+)/output)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          if (auto path = output_for(svc, req, res)) send_file(res, *path);
        });
  // The output's Content Credentials, validated (docs/provenance.md).
  route("GET", R"(/v1/jobs/([A-Za-z0-9_]+)/provenance)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto path = output_for(svc, req, res);
          if (!path) return;
          auto report = svc.output_provenance(*path);
          if (!report.ok()) return send_error(res, report.status());
          send_json(res, 200, *report);
        });
  // The content policy's hold: a project admin approves or rejects (docs/security.md).
  route("POST", R"(/v1/jobs/([A-Za-z0-9_]+)/review)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto job = visible_job(svc, req, res, Action::kReviewContent);
          if (!job) return;
          auto decision = string_field(req, res, "decision", "approve or reject");
          if (!decision) return;
          auto reviewed = svc.jobs().review(job->second.id, *decision);
          if (!reviewed.ok()) return send_error(res, reviewed.status());
          send_json(res, 200, service::job_to_json(*reviewed));
        });
}

}  // namespace fl::server
