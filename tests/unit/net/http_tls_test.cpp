// HTTPS: a certificate made here, curl as the client; TLS 1.2 and 1.3 are served, older versions
// and a bad certificate or key are refused.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "net/http_server.h"
#include "test_support.h"

namespace fl::net {
namespace {

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.file("cert.pem");
    key_ = dir_.file("key.pem");
    ASSERT_EQ(test::run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                        "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                        "-keyout " +
                        key_ + " -out " + cert_ + " 2>/dev/null"),
              0);
  }
  int curl(int port, const std::string& extra) {
    const std::string out = dir_.file("out.txt");
    const int rc = test::run("curl -s -o " + out + " --cacert " + cert_ + " " + extra +
                             " https://127.0.0.1:" + std::to_string(port) + "/hello");
    std::stringstream s;
    s << std::ifstream(out).rdbuf();
    body_ = s.str();
    return rc;
  }
  test::TempDir dir_;
  std::string cert_, key_, body_;
};

TEST_F(Tls, ServesHttpsWithTls12AndUpOnly) {
  HttpServerOptions o;
  o.tls_cert_file = cert_;
  o.tls_key_file = key_;
  HttpServer s(o);
  ASSERT_TRUE(s.route("GET", "/hello", [](const HttpRequest&, HttpResponse& res) {
                 res.set_body("hello over tls", "text/plain");
               }).ok());
  ASSERT_TRUE(s.listen("127.0.0.1", 0).ok());
  s.start();
  EXPECT_EQ(curl(s.port(), ""), 0);
  EXPECT_EQ(body_, "hello over tls");
  EXPECT_EQ(curl(s.port(), "--tlsv1.2 --tls-max 1.2"), 0);
  EXPECT_EQ(curl(s.port(), "--tlsv1.3"), 0);
  // TLS 1.0 and 1.1 are refused (the handshake fails).
  EXPECT_NE(curl(s.port(), "--tlsv1.0 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0"), 0);
  // Plain HTTP on the TLS port gets no answer.
  EXPECT_NE(test::run("curl -s -m 5 -o /dev/null http://127.0.0.1:" + std::to_string(s.port()) +
                      "/hello"),
            0);
  s.stop();
}

TEST_F(Tls, ABadCertificateOrKeyIsRefusedAtListen) {
  std::ofstream(dir_.file("junk.pem")) << "not a certificate";
  struct {
    std::string cert, key, says;
  } cases[] = {{dir_.file("junk.pem"), key_, "certificate"},
               {cert_, dir_.file("junk.pem"), "key"},
               {cert_, "", "both"},
               {dir_.file("missing.pem"), key_, "certificate"}};
  for (const auto& c : cases) {
    HttpServerOptions o;
    o.tls_cert_file = c.cert;
    o.tls_key_file = c.key;
    HttpServer s(o);
    Status st = s.listen("127.0.0.1", 0);
    EXPECT_FALSE(st.ok()) << c.cert << " " << c.key;
    EXPECT_NE(st.message().find(c.says), std::string::npos) << st.message();
  }
  // Another key than the certificate's.
  ASSERT_EQ(test::run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                      dir_.file("other.pem") + " 2>/dev/null"),
            0);
  HttpServerOptions o;
  o.tls_cert_file = cert_;
  o.tls_key_file = dir_.file("other.pem");
  HttpServer s(o);
  Status st = s.listen("127.0.0.1", 0);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("mismatch"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace fl::net
