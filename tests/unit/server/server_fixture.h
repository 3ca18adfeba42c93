// An in-process server on a free loopback port over a fresh data directory, with one token per
// role, and a client to talk to it.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_api.h"
#include "net/http_server.h"
#include "service/service.h"
#include "test_support.h"

namespace fl::test {

struct Reply {
  int status = 0;
  nlohmann::json json;  // null when the body is not JSON
  std::string body;
  std::string content_type;
};

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // A chance to change the service's options before it opens (another authenticator...).
  virtual void configure(service::ServiceOptions&) {}
  // ... and the HTTP layer's (the page's sign-in through an IdP...).
  virtual void configure_http(server::HttpOptions&) {}

  // method "GET", "POST", "PUT", "DELETE"; token empty: no Authorization header.
  Reply call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = {});
  // The same with any headers (a cookie, a CSRF token) and no Authorization of its own; the
  // answer's headers too.
  Reply call_with(const std::string& method, const std::string& path,
                  const std::multimap<std::string, std::string>& headers,
                  const std::string& body = {},
                  std::multimap<std::string, std::string>* answer_headers = nullptr);
  Reply call(const std::string& method, const std::string& path, const std::string& token,
             const nlohmann::json& body) {
    return call(method, path, token, body.dump());
  }
  // A job or session value polled until `done` or ~30 s.
  // `token` empty: the viewer's (a viewer of the default project).
  nlohmann::json wait_for_job(const std::string& id, const std::string& state,
                              const std::string& token = {});

  // A graph over a registered clip: exposure on Megamind.
  nlohmann::json exposure_graph(double stops = 0.5) const;
  // A job of a generative operator: fill over Megamind's frames [first, last], the mask where
  // nobody is, delivered as f.mov.
  nlohmann::json fill_job(int first, int last) const;

  TempDir data_;
  TempDir media_root_;  // an extra root with a symlink that points out of it
  std::unique_ptr<service::Service> service_;
  std::unique_ptr<net::HttpServer> http_;
  int port_ = 0;
  std::string viewer_, artist_, artist2_, admin_;
  std::string megamind_id_;
};

}  // namespace fl::test
