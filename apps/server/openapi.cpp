#include "openapi.h"
#include "openapi_parts.h"

namespace fl::server {

namespace {

using nlohmann::json;

json error_response(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", ref("Error")}}}}}};
}

json json_response(const std::string& description, const json& schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json body(const json& schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

// `?project=`: one project's, where a list shows every project of the caller's.
json project_query() {
  return {{"name", "project"},
          {"in", "query"},
          {"description", "only this project's (404 unless the caller is a member)"},
          {"schema", {{"type", "string"}}}};
}

json id_param(const std::string& name, const std::string& doc) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", doc},
          {"schema", {{"type", "string"}}}};
}

// Every operation answers 401 and 403 the same way, and 404 where it names a project's thing
// (another project's answers as a missing one); each adds its own.
json operation(const std::string& summary, const std::string& role, json responses,
               json extra = json::object()) {
  responses["401"] = error_response("no token, or an invalid or revoked one");
  responses["403"] =
      error_response("the caller's role lacks the right (needs " + role +
                     (role == "studio admin" || role == "anyone" ? ")" : " in the project)"));
  if (role != "studio admin" && role != "anyone" && !responses.contains("404"))
    responses["404"] = error_response("no such project, or not one of the caller's");
  json op = {{"summary", summary}, {"responses", responses}, {"x-framelock-role", role}};
  for (auto& [k, v] : extra.items()) op[k] = v;
  return op;
}

}  // namespace

json openapi_document(const graph::Registry& registry) {
  json schemas = component_schemas(registry);
  json obj = {{"type", "object"}};

  json paths = json::object();
  paths["/healthz"]["get"] = {{"summary", "Liveness (no token needed)"},
                              {"security", json::array()},
                              {"responses", {{"200", json_response("the server is up", obj)}}}};
  // --- the page's sign-in (docs/security.md) ---
  json none = json::array();
  paths["/v1/auth/config"]["get"] = {
      {"summary", "Whether the page can sign in through the studio's IdP"},
      {"security", none},
      {"responses", {{"200", json_response("{oidc, login}", obj)}}}};
  paths["/v1/auth/login"]["get"] = {
      {"summary", "Start the page's sign-in: a redirect to the IdP (authorization code + PKCE)"},
      {"security", none},
      {"parameters", json::array({{{"name", "return"},
                                   {"in", "query"},
                                   {"description", "a path of this server's to come back to"},
                                   {"schema", {{"type", "string"}}}}})},
      {"responses",
       {{"302", {{"description", "to the IdP's authorization endpoint"}}},
        {"404", error_response("no IdP sign-in configured")}}}};
  paths["/v1/auth/callback"]["get"] = {
      {"summary", "The IdP's return: the code exchanged, a cookie session made"},
      {"security", none},
      {"responses",
       {{"302", {{"description", "home, with Set-Cookie (httpOnly, SameSite=Strict)"}}},
        {"401", error_response("a state not ours or used, a code not exchanged, a bad token")}}}};
  paths["/v1/auth/session"]["post"] = operation(
      "Exchange the bearer token for a page session (Set-Cookie; the answer holds its CSRF token)",
      "anyone", {{"201", json_response("{principal, csrf, expires}", obj)}});
  paths["/v1/auth/session"]["get"] =
      operation("Who is signed in; with the cookie, the session's CSRF token", "anyone",
                {{"200", json_response("{principal, csrf?, expires?}", obj)}});
  paths["/v1/auth/session"]["delete"] =
      operation("Sign out: the session forgotten, the cookie cleared", "anyone",
                {{"200", json_response("signed out", obj)}});
  paths["/v1/openapi.json"]["get"] =
      operation("This document", "anyone", {{"200", json_response("OpenAPI 3", obj)}});
  paths["/v1/ops"]["get"] = operation("Operators and their parameter schemas", "anyone",
                                      {{"200", json_response("schemas", obj)}});
  // --- projects ---
  json project_schema = {{"type", "object"},
                         {"properties",
                          {{"id", {{"type", "string"}}},
                           {"name", {{"type", "string"}}},
                           {"created", {{"type", "number"}}},
                           {"role", {{"type", "string"}, {"nullable", true}}}}}};
  json pid = json::array({id_param("id", "project id")});
  paths["/v1/projects"]["get"] = operation("The caller's projects, with their role in each",
                                           "anyone", {{"200", json_response("{projects}", obj)}});
  paths["/v1/projects"]["post"] = operation(
      "Create a project", "studio admin",
      {{"201", json_response("the project", project_schema)},
       {"409", error_response("the id is taken")},
       {"422", error_response("a bad id")}},
      {{"requestBody",
        body({{"type", "object"},
              {"required", {"id"}},
              {"properties", {{"id", project_property()}, {"name", {{"type", "string"}}}}}})}});
  paths["/v1/projects/{id}"]["get"] =
      operation("A project of the caller's", "viewer",
                {{"200", json_response("the project", project_schema)}}, {{"parameters", pid}});
  paths["/v1/projects/{id}"]["delete"] = operation(
      "Delete a project: its jobs go, its tokens and consents are revoked", "studio admin",
      {{"200", json_response("{id, deleted}", obj)},
       {"404", error_response("no such project")},
       {"409", error_response("the default project, or one with media roots or unfinished jobs")}},
      {{"parameters", pid}});
  paths["/v1/projects/{id}/members"]["get"] = operation(
      "Who works on the project: members added here, tokens granted in it, and the IdP groups "
      "the policy maps onto it (group:NAME)",
      "admin", {{"200", json_response("{members}", obj)}}, {{"parameters", pid}});
  json member = json::array(
      {id_param("id", "project id"), id_param("principal", "a token id, or oidc:SUBJECT")});
  paths["/v1/projects/{id}/members/{principal}"]["put"] = operation(
      "Add a member, or change their role", "admin",
      {{"200", json_response("the membership", obj)},
       {"422", error_response("bad role or principal")}},
      {{"parameters", member},
       {"requestBody",
        body({{"type", "object"},
              {"required", {"role"}},
              {"properties",
               {{"role",
                 {{"type", "string"}, {"enum", json::array({"viewer", "artist", "admin"})}}}}}})}});
  paths["/v1/projects/{id}/members/{principal}"]["delete"] =
      operation("Remove a member", "admin", {{"200", json_response("removed", obj)}},
                {{"parameters", member}});
  json consent = {
      {"type", "object"},
      {"required", {"likeness", "granted_by", "until"}},
      {"properties",
       {{"likeness", {{"type", "string"}, {"description", "a likeness the policy protects here"}}},
        {"granted_by", {{"type", "string"}, {"description", "who gave it"}}},
        {"until", {{"type", "string"}, {"format", "date"}, {"description", "last day, UTC"}}},
        {"ops", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"note", {{"type", "string"}}}}}};
  paths["/v1/projects/{id}/consents"]["get"] = operation(
      "The likenesses the policy protects in the project, and the consents to alter them", "admin",
      {{"200", json_response("{likenesses, consents}", obj)}},
      {{"parameters",
        json::array({id_param("id", "project id"),
                     {{"name", "revoked"}, {"in", "query"}, {"schema", {{"type", "boolean"}}}}})}});
  paths["/v1/projects/{id}/consents"]["post"] =
      operation("Record a consent to alter a protected likeness (audited)", "admin",
                {{"201", json_response("the consent, with its id", obj)},
                 {"422", error_response("an unknown likeness, a bad date, a missing field")}},
                {{"parameters", pid}, {"requestBody", body(consent)}});
  paths["/v1/projects/{id}/consents/{consent}"]["delete"] = operation(
      "Revoke a consent (the record is kept, marked)", "admin",
      {{"200", json_response("the revoked consent", obj)}},
      {{"parameters", json::array({id_param("id", "project id"), id_param("consent", "c_...")})}});
  paths["/v1/media"]["get"] = operation("Registered footage of the caller's projects", "viewer",
                                        {{"200", json_response("media", obj)}},
                                        {{"parameters", json::array({project_query()})}});
  paths["/v1/media"]["post"] = operation(
      "Register footage by path (under a media root of the project)", "artist",
      {{"201", json_response("registered (or already was)", obj)},
       {"400", error_response("malformed JSON")},
       {"403", error_response("outside the caller's media roots")},
       {"422", error_response("no such file, not media")}},
      {{"requestBody",
        body(
            {{"type", "object"},
             {"properties", {{"path", {{"type", "string"}}}, {"project", project_property()}}}})}});
  paths["/v1/media/{id}"]["get"] =
      operation("One media item with its probe", "viewer",
                {{"200", json_response("media", obj)}, {"404", error_response("unknown id")}},
                {{"parameters", json::array({id_param("id", "media id")})}});
  paths["/v1/media/{id}/frames/{n}"]["get"] = operation(
      "A frame as JPEG or PNG", "viewer",
      {{"200",
        {{"description", "the frame"},
         {"content", {{"image/jpeg", json::object()}, {"image/png", json::object()}}}}},
       {"404", error_response("unknown id")},
       {"422", error_response("frame out of range, bad scale or format")}},
      {{"parameters",
        json::array(
            {id_param("id", "media id"),
             id_param("n", "frame number"),
             {{"name", "scale"},
              {"in", "query"},
              {"schema", {{"type", "number"}, {"enum", json::array({0.125, 0.25, 0.5, 1})}}}},
             {{"name", "format"},
              {"in", "query"},
              {"schema", {{"type", "string"}, {"enum", json::array({"jpeg", "png"})}}}}})}});
  // Character lock: the cast of a clip (docs/characters.md).
  json cast_schema = {
      {"type", "object"},
      {"description", "the cast: shots, characters with their tracks and boxes, corrections"},
      {"properties",
       {{"frame_count", {{"type", "integer"}}},
        {"shots", {{"type", "array"}, {"items", obj}}},
        {"characters",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties",
             {{"id", {{"type", "integer"}}},
              {"name", {{"type", "string"}}},
              {"frames_seen", {{"type", "integer"}}},
              {"tracks", {{"type", "array"}, {"items", obj}}}}}}}}},
        {"corrections", {{"type", "array"}, {"items", obj}}},
        {"note", {{"type", "string"}}}}}};
  paths["/v1/media/{id}/characters"]["post"] = operation(
      "Analyse the characters of a clip: a job (progress over /v1/jobs/{id}/events); its cast "
      "carries over the corrections of the cast the media had",
      "artist",
      {{"201", json_response("the job", obj)},
       {"404", error_response("unknown media")},
       {"422", error_response("a reference that is not registered media, or shows no face")}},
      {{"parameters", json::array({id_param("id", "media id")})},
       {"requestBody",
        body({{"type", "object"},
              {"properties",
               {{"references",
                 {{"type", "array"},
                  {"items",
                   {{"type", "object"},
                    {"properties",
                     {{"name", {{"type", "string"}}}, {"media", {{"type", "string"}}}}}}}}}}}})}});
  paths["/v1/media/{id}/characters"]["get"] =
      operation("The media's cast", "viewer",
                {{"200", json_response("the cast", cast_schema)},
                 {"404", error_response("unknown media, or no cast yet")}},
                {{"parameters", json::array({id_param("id", "media id")})}});
  paths["/v1/media/{id}/characters/corrections"]["post"] = operation(
      "Correct the cast: rename, merge or split a character (kept in the cast's log and "
      "re-applied when the clip is analysed again)",
      "artist",
      {{"200", json_response("the corrected cast", cast_schema)},
       {"404", error_response("unknown media, or no cast yet")},
       {"422", error_response("a bad correction (an unknown character, two people seen together "
                              "merged, a name taken)")}},
      {{"parameters", json::array({id_param("id", "media id")})},
       {"requestBody", body({{"type", "object"},
                             {"required", {"op", "id"}},
                             {"properties",
                              {{"op", {{"type", "string"}, {"enum", {"rename", "merge", "split"}}}},
                               {"id", {{"type", "integer"}}},
                               {"into", {{"type", "integer"}}},
                               {"first", {{"type", "integer"}}},
                               {"last", {{"type", "integer"}}},
                               {"name", {{"type", "string"}}}}}})}});
  paths["/v1/roots"]["get"] =
      operation("Media roots of the projects the caller administers", "admin",
                {{"200", json_response("roots: [{path, project}]", obj)}},
                {{"parameters", json::array({project_query()})}});
  paths["/v1/roots"]["post"] = operation(
      "Add a media root to a project (default: the default project)", "admin",
      {{"201", json_response("added", obj)},
       {"409", error_response("inside or around another project's root")},
       {"422", error_response("not a directory")}},
      {{"requestBody",
        body(
            {{"type", "object"},
             {"properties", {{"path", {{"type", "string"}}}, {"project", project_property()}}}})}});
  paths["/v1/roots"]["delete"] = operation(
      "Remove a media root (?path=); media registered under it become unreachable", "admin",
      {{"200", json_response("removed", obj)}, {"404", error_response("not a root")}},
      {{"parameters",
        {{{"name", "path"},
          {"in", "query"},
          {"required", true},
          {"schema", {{"type", "string"}}}}}}});
  paths["/v1/audit"]["get"] = operation(
      "The audit log, oldest first (docs/security.md): records with seq, time, prev, hash, event",
      "studio admin",
      {{"200", json_response("{records, head, next}: pass next as `after` for the next page", obj)},
       {"400", error_response("a bad filter")}},
      {{"parameters",
        {{{"name", "since"},
          {"in", "query"},
          {"schema", {{"type", "string"}}},
          {"description", "ISO 8601 UTC or unix seconds"}},
         {{"name", "until"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "type"},
          {"in", "query"},
          {"schema", {{"type", "string"}}},
          {"description", "request, output, job, token, server, checkpoint, recovery"}},
         {{"name", "principal"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "project"},
          {"in", "query"},
          {"schema", {{"type", "string"}}},
          {"description", "that project's records only; its admin may read them"}},
         {{"name", "after"}, {"in", "query"}, {"schema", {{"type", "integer"}}}},
         {{"name", "limit"},
          {"in", "query"},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}}}}}});
  paths["/v1/tokens"]["get"] = operation(
      "API tokens granted in the projects the caller administers (a studio admin: all; "
      "never their secrets)",
      "admin", {{"200", json_response("tokens", obj)}});
  paths["/v1/tokens"]["post"] = operation(
      "Create a token granted a role in a project (its secret is shown once); `admin` with no "
      "project makes a studio admin, which only a studio admin may",
      "admin",
      {{"201", json_response("the new token", obj)}, {"422", error_response("bad role or name")}},
      {{"requestBody",
        body(
            {{"type", "object"},
             {"properties",
              {{"role", {{"type", "string"}, {"enum", json::array({"viewer", "artist", "admin"})}}},
               {"project", project_property()},
               {"name", {{"type", "string"}}}}}})}});
  paths["/v1/tokens/{id}"]["delete"] =
      operation("Revoke a token", "admin",
                {{"200", json_response("revoked", obj)}, {"404", error_response("unknown id")}},
                {{"parameters", json::array({id_param("id", "token id")})}});
  paths["/v1/previews"]["post"] = operation(
      "Progressive preview: one JSON line per level, coarse first; a newer preview in the same "
      "session ends this one",
      "artist",
      {{"200",
        {{"description", "levels as they are rendered"},
         {"content", {{"application/x-ndjson", {{"schema", ref("PreviewLevel")}}}}}}},
       {"400", error_response("malformed JSON")},
       {"403", error_response("a file outside the media roots")},
       {"422",
        error_response("the graph fails validation (names node and field), frame out of range")}},
      {{"requestBody", body(ref("PreviewRequest"))}});
  json review_query = {
      {"name", "review"},
      {"in", "query"},
      {"description", "only jobs in this state of review (held: waiting)"},
      {"schema", {{"type", "string"}, {"enum", {"held", "approved", "rejected"}}}}};
  paths["/v1/jobs"]["get"] = operation(
      "Jobs of the caller's projects, newest first", "viewer",
      {{"200", json_response("jobs", obj)}, {"422", error_response("an unknown review state")}},
      {{"parameters", json::array({project_query(), review_query})}});
  paths["/v1/jobs"]["post"] =
      operation("Start a render job", "artist",
                {{"201", json_response("queued", ref("Job"))},
                 {"400", error_response("malformed JSON")},
                 {"403", error_response("a file outside the media roots")},
                 {"413", error_response("body too large")},
                 {"422", error_response("the graph fails validation (names node and field)")}},
                {{"requestBody", body(ref("JobRequest"))}});
  json job_id = json::array({id_param("id", "job id")});
  paths["/v1/jobs/{id}"]["get"] = operation(
      "A job's state and progress", "viewer",
      {{"200", json_response("the job", ref("Job"))}, {"404", error_response("unknown id")}},
      {{"parameters", job_id}});
  paths["/v1/jobs/{id}"]["delete"] =
      operation("Cancel this job only (own jobs: artist; anyone's: admin)", "artist",
                {{"200", json_response("cancelled", ref("Job"))},
                 {"202", json_response("cancelling", ref("Job"))},
                 {"404", error_response("unknown id")},
                 {"409", error_response("the job already ended")}},
                {{"parameters", job_id}});
  paths["/v1/jobs/{id}/events"]["get"] = operation(
      "Server-Sent Events: state, progress (per node, frames, fps, ETA), preview thumbnails, "
      "final state",
      "viewer",
      {{"200",
        {{"description", "event stream"}, {"content", {{"text/event-stream", json::object()}}}}},
       {"404", error_response("unknown id")}},
      {{"parameters", job_id}});
  paths["/v1/jobs/{id}/output"]["get"] =
      operation("The rendered file", "viewer",
                {{"200",
                  {{"description", "the output"},
                   {"content", {{"application/octet-stream", json::object()}}}}},
                 {"404", error_response("unknown id")},
                 {"409", error_response("the job has not succeeded, or its output is held by the "
                                        "content policy or was rejected")}},
                {{"parameters", job_id}});
  paths["/v1/jobs/{id}/provenance"]["get"] = operation(
      "The output's Content Credentials (C2PA), validated: the actions, ingredients, signer, and "
      "C2PA's validation codes; the server's own signer is trusted",
      "viewer",
      {{"200", json_response("the manifest and its validation (docs/provenance.md)", obj)},
       {"404", error_response("unknown id, or an output without a manifest")},
       {"409", error_response("the job has not succeeded, or its output is held or rejected")}},
      {{"parameters", job_id}});
  paths["/v1/jobs/{id}/review"]["post"] = operation(
      "Approve or reject an output the content policy held", "admin",
      {{"200", json_response("the job", obj)},
       {"409", error_response("the job is not held")},
       {"422", error_response("decision is not approve or reject")}},
      {{"parameters", job_id},
       {"requestBody",
        body({{"type", "object"},
              {"required", {"decision"}},
              {"properties",
               {{"decision",
                 {{"type", "string"}, {"enum", json::array({"approve", "reject"})}}}}}})}});
  paths["/v1/sessions"]["post"] = operation(
      "Open a live session in a project (default: the default project)", "artist",
      {{"201", json_response("the session", obj)}},
      {{"requestBody",
        {{"required", false},
         {"content",
          {{"application/json",
            {{"schema",
              {{"type", "object"}, {"properties", {{"project", project_property()}}}}}}}}}}}});
  json sid = json::array({id_param("id", "session id")});
  paths["/v1/sessions/{id}"]["get"] =
      operation("A live session's shared state", "viewer",
                {{"200", json_response("the session", obj)}, {"404", error_response("unknown id")}},
                {{"parameters", sid}});
  paths["/v1/sessions/{id}/state"]["put"] = operation(
      "Replace the shared state, made from `version` (the session's version you last saw)",
      "artist",
      {{"200", json_response("the session", obj)},
       {"404", error_response("unknown id")},
       {"409", error_response("version mismatch: someone changed it since")},
       {"428", error_response("no `version` given")}},
      {{"parameters", sid},
       {"requestBody",
        body({{"type", "object"},
              {"required", {"state", "version"}},
              {"properties",
               {{"state", obj}, {"version", {{"type", "integer"}, {"minimum", 0}}}}}})}});
  paths["/v1/sessions/{id}/events"]["get"] = operation(
      "Server-Sent Events: session state changes and previews", "viewer",
      {{"200",
        {{"description", "event stream"}, {"content", {{"text/event-stream", json::object()}}}}},
       {"404", error_response("unknown id")}},
      {{"parameters", sid}});

  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "framelock"},
            {"version", "1"},
            {"description",
             "On-prem engine for AI-assisted editing of film and TV footage. Every endpoint but "
             "/healthz needs `Authorization: Bearer <token>` (`framelock token create`)."}}},
          {"servers", json::array({{{"url", "/"}}})},
          {"security", json::array({{{"bearer", json::array()}}, {{"page", json::array()}}})},
          {"components",
           {{"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"page",
               {{"type", "apiKey"},
                {"in", "cookie"},
                {"name", "__Host-framelock"},
                {"description",
                 "the page's session (framelock_session over plain http); changes carry "
                 "X-CSRF-Token"}}}}},
            {"schemas", schemas}}},
          {"paths", paths}};
}

}  // namespace fl::server
