#include "serve_cmd.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/content_id.h"
#include "core/file_util.h"
#include "core/log.h"
#include "http_api.h"
#include "net/http_server.h"
#include "security/http_fetch.h"
#include "security/oidc.h"
#include "security/policy.h"
#include "security/web_login.h"
#include "service/service.h"

namespace fl::server {

namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8470;
  std::string data = kDefaultData;
  std::vector<std::string> roots;
  std::vector<std::string> register_media;
  int workers = 1;
  std::string web = FL_WEB_DIR;
  std::string log_format = "text";
  std::string watermark_key;
  bool watermark_all = false;
  std::string sign_key, sign_cert;
  int64_t max_frame_pixels = service::ServiceOptions().max_frame_pixels;
  int64_t max_working_set_mib = -1;
  std::string policy;
  std::string oidc_issuer;
  std::string oidc_audience;
  std::string oidc_ca;
  std::string oidc_client_id;
  std::string oidc_client_secret_file;
  std::string oidc_redirect_uri;
  std::string oidc_scope = "openid";
  std::vector<std::string> cors_origins;
  std::string tls_cert;
  std::string tls_key;
};

// The studio's IdP as one more authenticator, its groups mapped to roles by the policy file.
Result<std::shared_ptr<security::OidcAuthenticator>> open_oidc(const ServeArgs& a) {
  if (a.oidc_issuer.empty()) {
    if (!a.oidc_audience.empty() || !a.oidc_client_id.empty())
      return invalid_argument("--oidc-audience and --oidc-client-id need --oidc-issuer",
                              "oidc-issuer");
    return std::shared_ptr<security::OidcAuthenticator>();
  }
  if (a.policy.empty())
    return invalid_argument(
        "--oidc-issuer needs --policy FILE: its identity.groups say which role each of the "
        "IdP's groups grants (docs/security.md)",
        "policy");
  FL_ASSIGN_OR_RETURN(auto policy, security::Policy::load(a.policy));
  security::OidcOptions o;
  o.issuer = a.oidc_issuer;
  o.audience = a.oidc_audience;
  o.roles_claim = policy.roles_claim;
  o.group_grants = policy.group_grants;
  security::FetchOptions fo;
  fo.ca_file = a.oidc_ca;
  FL_ASSIGN_OR_RETURN(auto oidc,
                      security::OidcAuthenticator::create(
                          o, [fo](const std::string& url) { return security::http_get(url, fo); }));
  // The IdP may start after us: a failure here is reported, and the keys are fetched again when
  // the first token arrives.
  Status s = oidc->refresh();
  if (s.ok())
    std::fprintf(stderr, "oidc: issuer %s, %zu signing key(s)\n", a.oidc_issuer.c_str(),
                 oidc->counters().keys);
  else
    std::fprintf(stderr, "oidc: warning: %s (tried again when a token arrives)\n",
                 s.message().c_str());
  return oidc;
}

// The page's sign-in through the IdP (--oidc-client-id): this server is an OAuth client of it.
Result<std::shared_ptr<security::OidcLogin>> open_login(
    const ServeArgs& a, std::shared_ptr<security::OidcAuthenticator> oidc) {
  if (a.oidc_client_id.empty()) return std::shared_ptr<security::OidcLogin>();
  security::OidcLoginOptions o;
  o.client_id = a.oidc_client_id;
  o.scope = a.oidc_scope;
  o.redirect_uri = a.oidc_redirect_uri;
  if (o.redirect_uri.empty())
    o.redirect_uri = std::string(a.tls_cert.empty() ? "http" : "https") + "://" + a.host + ":" +
                     std::to_string(a.port) + "/v1/auth/callback";
  if (!a.oidc_client_secret_file.empty()) {
    // From a file (mode 0600 on the studio's side), never from the command line: argv is
    // readable by every user of the machine.
    auto secret = read_text_file(a.oidc_client_secret_file, 4096);
    if (!secret.ok()) return secret.status().with_context("--oidc-client-secret-file: ");
    o.client_secret = *secret;
    while (!o.client_secret.empty() &&
           (o.client_secret.back() == '\n' || o.client_secret.back() == '\r'))
      o.client_secret.pop_back();
  }
  security::FetchOptions fo;
  fo.ca_file = a.oidc_ca;
  return std::make_shared<security::OidcLogin>(
      std::move(oidc), o,
      [fo](const std::string& url, const security::FormFields& fields, const std::string& user,
           const std::string& password) {
        return security::http_post_form(url, fields, user, password, fo);
      });
}

Result<std::unique_ptr<service::Service>> open_service(
    const ServeArgs& a, std::shared_ptr<security::OidcAuthenticator>* oidc_out = nullptr) {
  service::ServiceOptions o;
  o.data_dir = a.data;
  o.media_roots = a.roots;
  o.workers = a.workers;
  o.max_frame_pixels = a.max_frame_pixels;
  o.max_working_set_bytes =
      a.max_working_set_mib < 0 ? -1 : a.max_working_set_mib * (int64_t(1) << 20);
  FL_ASSIGN_OR_RETURN(auto oidc, open_oidc(a));
  if (oidc) o.authenticators.push_back(oidc);
  if (oidc_out) *oidc_out = oidc;
  if (!a.policy.empty()) {
    FL_ASSIGN_OR_RETURN(auto policy, security::Policy::load(a.policy));
    o.policy = std::move(policy);
  }
  o.watermark_key = a.watermark_key;
  o.watermark_all = a.watermark_all;
  o.sign_key = a.sign_key;
  o.sign_cert = a.sign_cert;
  return service::Service::open(o);
}

Status serve(const ServeArgs& a) {
  FL_ASSIGN_OR_RETURN(log::Format log_format, log::parse_format(a.log_format));
  log::init(log_format);
  ContentIds::shared().set_background(true);  // clips are identified by content while serving
  // Signals are taken by one thread with sigwait(), so no handler runs inside a render.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a browser closing a stream must not kill the server
  // Every open connection and event stream is a descriptor: take what the system allows.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files);
  }

  std::shared_ptr<security::OidcAuthenticator> oidc;
  FL_ASSIGN_OR_RETURN(auto svc, open_service(a, &oidc));
  FL_ASSIGN_OR_RETURN(auto login, open_login(a, oidc));
  if (!a.policy.empty()) {
    // A group may name a show still to come; say so, since until then it grants nothing.
    FL_ASSIGN_OR_RETURN(auto policy, security::Policy::load(a.policy));
    for (const auto& [group, grants] : policy.group_grants)
      for (const auto& g : grants)
        if (g.project && !svc->projects().exists(*g.project))
          std::fprintf(stderr,
                       "policy: warning: group '%s' grants %s, but there is no project '%s' yet "
                       "(POST /v1/projects or `framelock project create`)\n",
                       group.c_str(), g.to_string().c_str(), g.project->c_str());
  }
  for (const auto& m : a.register_media) {
    auto at = svc->media().locate(m, nullptr);  // the project whose root holds it
    if (!at.ok()) return at.status().with_context("--register " + m + ": ");
    auto item = svc->media().register_media(at->project, at->path);
    if (!item.ok()) return item.status().with_context("--register " + m + ": ");
    std::fprintf(stderr, "media %s  %s\n", item->id.c_str(), item->path.c_str());
  }
  FL_ASSIGN_OR_RETURN(int64_t active, svc->tokens().count_active());
  std::string first_token;
  if (active == 0) {
    FL_ASSIGN_OR_RETURN(
        auto t,
        svc->tokens().create(security::Grant{std::nullopt, security::Role::kAdmin}, "first admin"));
    first_token = t.token;
    FL_RETURN_IF_ERROR(svc->audit()
                           .append({{"type", "token"},
                                    {"action", "create"},
                                    {"via", "serve: first admin"},
                                    {"id", t.info.id},
                                    {"grant", "admin"}})
                           .status());
  }
  FL_RETURN_IF_ERROR(svc->audit()
                         .append({{"type", "server"},
                                  {"action", "start"},
                                  {"listen", a.host + ":" + std::to_string(a.port)},
                                  {"oidc_issuer", a.oidc_issuer},
                                  {"policy", a.policy}})
                         .status());
  FL_RETURN_IF_ERROR(svc->start());

  net::HttpServerOptions no;
  no.max_body_bytes = size_t(8) << 20;  // graphs are small
  no.tls_cert_file = a.tls_cert;
  no.tls_key_file = a.tls_key;
  net::HttpServer http(no);
  HttpOptions ho;
  ho.web_dir = a.web;
  ho.cors_origins = a.cors_origins;
  ho.tls = !a.tls_cert.empty();
  ho.login = login;
  FL_RETURN_IF_ERROR(install_routes(http, *svc, ho));
  Status listening = http.listen(a.host, a.port);
  if (!listening.ok())
    return io_error("cannot listen on " + a.host + ":" + std::to_string(a.port) + " (" +
                    listening.message() + ")");

  const char* scheme = a.tls_cert.empty() ? "http" : "https";
  std::printf("framelock serving on %s://%s:%d/  (data: %s)\n", scheme, a.host.c_str(), a.port,
              svc->data_dir().c_str());
  if (!first_token.empty()) {
    std::printf("first admin token (shown once; make others with `framelock token create`):\n%s\n",
                first_token.c_str());
    std::printf("open %s://%s:%d/#token=%s\n", scheme, a.host.c_str(), a.port, first_token.c_str());
  }
  std::fflush(stdout);

  std::atomic<bool> done{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (done) return;
    std::fprintf(stderr,
                 "framelock: %s: stopping (running jobs are parked and resume on the next start)\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    http.stop();  // no new connections
    // Jobs are durable, so a stop that hangs may be cut short without losing anything.
    std::thread([&done] {
      for (int i = 0; i < 45 && !done; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!done) {
        std::fprintf(stderr, "framelock: shutdown took over 4.5 s; exiting now\n");
        std::fflush(stderr);
        ::_exit(0);
      }
    }).detach();
    auto t0 = std::chrono::steady_clock::now();
    svc->stop();  // parks running jobs, ends event streams
    std::fprintf(stderr, "framelock: jobs parked in %.2f s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  });
  http.run();  // until the waiter stops it
  svc->stop();
  done = true;
  ::kill(::getpid(), SIGTERM);  // wakes the waiter if the server stopped on its own
  waiter.join();
  std::fprintf(stderr, "framelock: stopped\n");
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<service::Service>> open_data(const std::string& data) {
  return open_service(ServeArgs{.data = data});
}

void add_serve_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "serve", "REST API and live-session page on embedded defaults (SQLite, local disk, threads)");
  auto a = std::make_shared<ServeArgs>();
  cmd->add_option("--host", a->host, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", a->port, "Port (default 8470)");
  cmd->add_option("--data", a->data,
                  "Data directory: database, job renders (default ./framelock-data)");
  cmd->add_option("--media-root", a->roots,
                  "Directory footage may be registered from (repeatable)");
  cmd->add_option("--register", a->register_media, "Register this file at start (repeatable)");
  cmd->add_option("--workers", a->workers, "Jobs rendered at once (default 1)");
  cmd->add_option("--web", a->web, "Folder of the live-session page");
  cmd->add_option("--max-frame-pixels", a->max_frame_pixels,
                  "Largest frame any node of a preview or job may make, in pixels (default "
                  "8192x8192; 0: no limit)");
  cmd->add_option("--max-working-set-mib", a->max_working_set_mib,
                  "Frames one preview or job may hold, in MiB (default: half of this machine's "
                  "memory; 0: no limit)");
  cmd->add_option("--log-format", a->log_format,
                  "text (default) or json: one line per request, job change and failure, on "
                  "stderr");
  cmd->add_option("--watermark-key", a->watermark_key,
                  "The studio's watermark key: every output of a generative operator carries an "
                  "invisible mark naming its audit record (docs/provenance.md)");
  cmd->add_flag("--watermark-all", a->watermark_all,
                "Mark every output, pure grades included (needs --watermark-key)");
  cmd->add_option("--sign-key", a->sign_key,
                  "The studio's ES256 key (PEM) that signs every output's Content Credentials "
                  "(C2PA); without it, the installation's own signer in the data directory");
  cmd->add_option("--sign-cert", a->sign_cert,
                  "The signer's X.509 certificate chain (PEM, signer first)");
  cmd->add_option("--policy", a->policy,
                  "The studio's policy file (JSON): roles for the IdP's groups (docs/security.md)");
  cmd->add_option("--oidc-issuer", a->oidc_issuer,
                  "Accept access tokens from this OpenID Connect issuer (its exact `iss`)");
  cmd->add_option("--oidc-audience", a->oidc_audience,
                  "The audience (`aud`) those tokens must name: this server's client or API id");
  cmd->add_option("--oidc-ca", a->oidc_ca,
                  "CA bundle for the IdP's https certificate (default: the system's)");
  cmd->add_option("--oidc-client-id", a->oidc_client_id,
                  "The page signs in through the IdP as this OAuth client (authorization code "
                  "with PKCE; docs/security.md)");
  cmd->add_option("--oidc-client-secret-file", a->oidc_client_secret_file,
                  "The client's secret, for a confidential client (read from this file)");
  cmd->add_option("--oidc-redirect-uri", a->oidc_redirect_uri,
                  "This server's callback as registered at the IdP (default: "
                  "http(s)://HOST:PORT/v1/auth/callback)");
  cmd->add_option("--oidc-scope", a->oidc_scope,
                  "The scopes the page's sign-in asks for (default: openid)");
  cmd->add_option("--tls-cert", a->tls_cert,
                  "Serve https with this certificate chain (PEM); TLS 1.2 and up, HSTS sent");
  cmd->add_option("--tls-key", a->tls_key, "The private key (PEM) of --tls-cert");
  cmd->add_option("--cors-origin", a->cors_origins,
                  "An origin (https://host:port) whose pages may call the API from a browser "
                  "(repeatable; none by default)");
  cmd->callback([a, result] { *result = serve(*a); });
}

void add_project_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand("project", "Projects (shows): create, list");
  cmd->require_subcommand(1);
  auto data = std::make_shared<std::string>(kDefaultData);
  {
    auto* create = cmd->add_subcommand("create", "Create a project");
    auto id = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    create->add_option("id", *id, "Its id: 1-63 of a-z, 0-9, '-' and '_' (show-a)")->required();
    create->add_option("--name", *name, "Its name for people");
    create->add_option("--data", *data, "The data directory of `framelock serve`");
    create->callback([=] {
      auto svc = open_data(*data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      auto p = (*svc)->projects().create(*id, *name, "cli");
      if (!p.ok()) {
        *result = p.status();
        return;
      }
      *result = (*svc)
                    ->audit()
                    .append({{"type", "project"},
                             {"action", "create"},
                             {"via", "cli"},
                             {"project", p->id},
                             {"name", p->name}})
                    .status();
      if (result->ok()) std::printf("%s\n", p->id.c_str());
    });
  }
  {
    auto* list = cmd->add_subcommand("list", "Projects, with their media roots");
    list->add_option("--data", *data, "The data directory of `framelock serve`");
    list->callback([=] {
      auto svc = open_data(*data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      auto projects = (*svc)->projects().list();
      auto roots = (*svc)->media().roots();
      if (!projects.ok() || !roots.ok()) {
        *result = projects.ok() ? roots.status() : projects.status();
        return;
      }
      for (const auto& p : *projects) {
        std::printf("%-24s %s\n", p.id.c_str(), p.name.c_str());
        for (const auto& r : *roots)
          if (r.project == p.id) std::printf("  root %s\n", r.path.c_str());
      }
    });
  }
}

void add_token_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand("token", "API tokens: create, list, revoke");
  cmd->require_subcommand(1);
  auto data = std::make_shared<std::string>(kDefaultData);
  {
    auto* create =
        cmd->add_subcommand("create", "Create a token; prints it once, as the last line");
    auto role = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    create
        ->add_option("--role", *role,
                     "A role in a project (artist@show-a); a bare viewer or artist is in the "
                     "default project, a bare admin is a studio admin")
        ->required();
    create->add_option("--name", *name, "Who or what it is for")->required();
    create->add_option("--data", *data, "The data directory of `framelock serve`");
    create->callback([=] {
      auto r = security::parse_grant(*role);
      if (!r.ok()) {
        *result = invalid_argument("--role: " + r.status().message());
        return;
      }
      auto svc = open_data(*data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      auto t = (*svc)->tokens().create(*r, *name);
      if (!t.ok()) {
        *result = t.status();
        return;
      }
      if (auto a = (*svc)->audit().append({{"type", "token"},
                                           {"action", "create"},
                                           {"via", "cli"},
                                           {"id", t->info.id},
                                           {"name", t->info.name},
                                           {"grant", t->info.grant.to_string()}});
          !a.ok()) {
        *result = a.status();  // not acknowledged: the token is not shown
        return;
      }
      std::fprintf(
          stderr, "token %s (%s, %s); store it now, it is not shown again:\n", t->info.id.c_str(),
          t->info.name.c_str(),
          t->info.grant.studio_admin() ? "studio admin" : t->info.grant.to_string().c_str());
      std::printf("%s\n", t->token.c_str());
    });
  }
  {
    auto* list = cmd->add_subcommand("list", "Tokens (never their secrets)");
    list->add_option("--data", *data, "The data directory of `framelock serve`");
    list->callback([=] {
      auto svc = open_data(*data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      auto l = (*svc)->tokens().list();
      if (!l.ok()) {
        *result = l.status();
        return;
      }
      for (const auto& t : *l)
        std::printf("%s  %-20s %-8s %s\n", t.id.c_str(), t.grant.to_string().c_str(),
                    t.revoked ? "revoked" : "active", t.name.c_str());
    });
  }
  {
    auto* revoke = cmd->add_subcommand("revoke", "Revoke a token by id");
    auto id = std::make_shared<std::string>();
    revoke->add_option("id", *id, "Token id")->required();
    revoke->add_option("--data", *data, "The data directory of `framelock serve`");
    revoke->callback([=] {
      auto svc = open_data(*data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      *result = (*svc)->tokens().revoke(*id);
      if (result->ok())
        *result =
            (*svc)
                ->audit()
                .append({{"type", "token"}, {"action", "revoke"}, {"via", "cli"}, {"id", *id}})
                .status();
    });
  }
}

}  // namespace fl::server
