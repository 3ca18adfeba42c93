#include "server_fixture.h"

#include <chrono>
#include <filesystem>

namespace fl::test {

void ServerFixture::SetUp() {
  service::ServiceOptions o;
  o.data_dir = data_.file("data");
  o.media_roots = {opencv_data(""), media_root_.path().string()};
  o.preview_cache_bytes = size_t(256) << 20;
  configure(o);
  auto svc = service::Service::open(o);
  ASSERT_TRUE(svc.ok()) << svc.status().to_string();
  service_ = std::move(*svc);
  ASSERT_TRUE(service_->start().ok());
  auto token = [&](security::Role r, const std::string& name) {
    auto t = service_->tokens().create(r, name);
    EXPECT_TRUE(t.ok());
    return t.ok() ? t->token : std::string();
  };
  viewer_ = token(security::Role::kViewer, "viewer");
  artist_ = token(security::Role::kArtist, "artist");
  artist2_ = token(security::Role::kArtist, "artist two");
  admin_ = token(security::Role::kAdmin, "admin");
  auto m = service_->media().register_media("default", opencv_data("Megamind.avi"));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  megamind_id_ = m->id;
  net::HttpServerOptions no;
  no.max_body_bytes = 1 << 20;
  http_ = std::make_unique<net::HttpServer>(no);
  server::HttpOptions ho;
  configure_http(ho);
  ASSERT_TRUE(server::install_routes(*http_, *service_, ho).ok());
  ASSERT_TRUE(http_->listen("127.0.0.1", 0).ok());
  port_ = http_->port();
  ASSERT_GT(port_, 0);
  http_->start();
}

void ServerFixture::TearDown() {
  if (service_) service_->stop();
  if (http_) http_->stop();
  http_.reset();
  service_.reset();
}

Reply ServerFixture::call(const std::string& method, const std::string& path,
                          const std::string& token, const std::string& body) {
  std::multimap<std::string, std::string> h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return call_with(method, path, h, body);
}

Reply ServerFixture::call_with(const std::string& method, const std::string& path,
                               const std::multimap<std::string, std::string>& headers,
                               const std::string& body,
                               std::multimap<std::string, std::string>* answer_headers) {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(60, 0);
  httplib::Headers h(headers.begin(), headers.end());
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET")
    r = cli.Get(path.c_str(), h);
  else if (method == "POST")
    r = cli.Post(path.c_str(), h, body, "application/json");
  else if (method == "PUT")
    r = cli.Put(path.c_str(), h, body, "application/json");
  else if (method == "DELETE")
    r = cli.Delete(path.c_str(), h);
  Reply out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  out.content_type = r->get_header_value("Content-Type");
  out.json = nlohmann::json::parse(r->body, nullptr, false);
  if (out.json.is_discarded()) out.json = nullptr;
  if (answer_headers) answer_headers->insert(r->headers.begin(), r->headers.end());
  return out;
}

nlohmann::json ServerFixture::wait_for_job(const std::string& id, const std::string& state,
                                           const std::string& token) {
  nlohmann::json last;
  for (int i = 0; i < 600; ++i) {
    Reply r = call("GET", "/v1/jobs/" + id, token.empty() ? viewer_ : token);
    last = r.json;
    if (r.status == 200 && r.json.value("state", "") == state) return r.json;
    if (r.status == 200 && state != "failed" && r.json.value("state", "") == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "job " << id << " never reached " << state << ": " << last.dump();
  return last;
}

nlohmann::json ServerFixture::exposure_graph(double stops) const {
  return {
      {"sources", {{"clip", {{"media", megamind_id_}}}}},
      {"nodes",
       {{"grade", {{"op", "exposure"}, {"inputs", {"clip"}}, {"params", {{"stops", stops}}}}}}}};
}

nlohmann::json ServerFixture::fill_job(int first, int last) const {
  return {{"graph",
           {{"sources", {{"clip", {{"media", megamind_id_}, {"frames", {first, last}}}}}},
            {"nodes",
             {{"m",
               {{"op", "mask"},
                {"inputs", {{"like", "clip"}}},
                {"params", {{"shape", "rect 600 20 80 60"}}}}},
              {"f",
               {{"op", "fill"},
                {"inputs", {{"in", "clip"}, {"mask", "m"}}},
                {"params", {{"hold", false}}}}}}}}},
          {"output", {{"node", "f"}, {"name", "f.mov"}}}};
}

}  // namespace fl::test
