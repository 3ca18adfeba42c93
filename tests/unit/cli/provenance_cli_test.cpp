// Content Credentials from the command line: a studio's signer on `apply`, checked before anything
// renders; `provenance show|verify` on the result, agreeing with the C2PA reference
// implementation; sidecars for formats that cannot carry a manifest.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace fl::test {
namespace {

using nlohmann::json;

class ProvenanceCli : public Cli {
 protected:
  void SetUp() override {
    if (test::run("command -v openssl >/dev/null") != 0) GTEST_SKIP() << "no openssl";
  }
  // A studio root and a signer it issued, with the extensions C2PA's profile asks for (or
  // `leaf_extensions` instead).
  void make_studio(const std::string& leaf_extensions =
                       "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                       "extendedKeyUsage=1.3.6.1.5.5.7.3.36\nauthorityKeyIdentifier=keyid") {
    write("ca.cnf",
          "[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\n"
          "keyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\n[leaf]\n" +
              leaf_extensions + "\n");
    const std::string d = dir_.path().string();
    ASSERT_EQ(
        test::run(
            "cd " + d +
            " && openssl ecparam -name prime256v1 -genkey -noout -out ca.key && openssl req -new "
            "-x509 -key ca.key -subj '/CN=Studio Root/O=Studio' -days 30 -config ca.cnf "
            "-extensions ca -out ca.pem && openssl ecparam -name prime256v1 -genkey -noout -out "
            "signer.key && openssl req -new -key signer.key -subj '/CN=Studio Signer/O=Studio' "
            "-config ca.cnf -out signer.csr && openssl x509 -req -in signer.csr -CA ca.pem -CAkey "
            "ca.key -CAcreateserial -days 30 -extfile ca.cnf -extensions leaf -out signer.pem "
            "2>/dev/null && cat signer.pem ca.pem > chain.pem"),
        0);
  }
  void flip(const std::string& name, size_t from_end) {
    std::fstream f(dir_.file(name), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-std::streamoff(from_end), std::ios::end);
    char c = 0;
    f.get(c);
    f.seekp(-std::streamoff(from_end), std::ios::end);
    f.put(char(c ^ 1));
  }
};

TEST_F(ProvenanceCli, AStudioSignerSignsWhatTheReferenceTrusts) {
  make_studio();
  auto made = run("apply " + mega_ +
                  " out.mp4 exposure stops=0.2 --frames 0-11 --codec libx264 --sign-key signer.key "
                  "--sign-cert chain.pem");
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_EQ(run("provenance verify out.mp4 --trust ca.pem").code, 0);
  auto shown = run("provenance show out.mp4 --trust ca.pem --json");
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json report = json::parse(shown.out);
  EXPECT_EQ(report["state"], "Trusted") << shown.out;
  EXPECT_NE(report["signer"].get<std::string>().find("Studio Signer"), std::string::npos);
  EXPECT_EQ(report["assertions"]["c2pa.ingredient.v3"]["dc:title"], "Megamind.avi");
  EXPECT_EQ(report["assertions"]["org.framelock.render"]["graph"].get<std::string>().size(), 64u);
  const std::string verdict =
      c2pa_reference_verdict(dir_.file("out.mp4"), "video/mp4", dir_.file("ca.pem"));
  if (!verdict.empty()) {
    EXPECT_EQ(json::parse(verdict).value("state", ""), "Trusted") << verdict;
  }
  // Another root is not trusted; a changed picture is invalid whoever is trusted.
  ASSERT_EQ(
      test::run(
          "cd " + dir_.path().string() +
          " && openssl ecparam -name prime256v1 -genkey -noout -out other.key && openssl req -new "
          "-x509 -key other.key -subj '/CN=Other Root/O=Other' -days 30 -config ca.cnf -extensions "
          "ca "
          "-out other.pem"),
      0);
  auto other = run("provenance verify out.mp4 --trust other.pem");
  EXPECT_NE(other.code, 0);
  EXPECT_NE(other.err.find("signingCredential.untrusted"), std::string::npos) << other.err;
  flip("out.mp4", 5000);
  auto broken = run("provenance verify out.mp4");
  EXPECT_EQ(broken.code, 5);
  EXPECT_NE(broken.err.find("assertion.bmffHash.mismatch"), std::string::npos) << broken.err;
}

// A source with Content Credentials of its own is an ingredient that carries them: the new store
// holds its manifest, the ingredient points at it by hash, and the reference still trusts both.
TEST_F(ProvenanceCli, ASignedSourceCarriesItsManifestIntoTheNextOne) {
  make_studio();
  const std::string sign = " --sign-key signer.key --sign-cert chain.pem";
  ASSERT_EQ(
      run("apply " + mega_ + " first.mp4 exposure stops=0.2 --frames 0-11 --codec libx264" + sign)
          .code,
      0);
  auto second = run("apply first.mp4 second.mp4 saturation saturation=0.5 --codec libx264" + sign);
  ASSERT_EQ(second.code, 0) << second.err;
  auto first_report = json::parse(run("provenance show first.mp4 --json --trust ca.pem").out);
  auto shown = run("provenance show second.mp4 --json --trust ca.pem");
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json report = json::parse(shown.out);
  EXPECT_EQ(report["state"], "Trusted") << shown.out;
  const json& ingredient = report["assertions"]["c2pa.ingredient.v3"];
  EXPECT_EQ(ingredient["dc:title"], "first.mp4");
  ASSERT_TRUE(ingredient.contains("activeManifest")) << ingredient.dump();
  EXPECT_EQ(ingredient["activeManifest"]["url"],
            "self#jumbf=/c2pa/" + first_report["manifest"].get<std::string>());
  EXPECT_TRUE(ingredient["validationResults"]["activeManifest"]["failure"].empty())
      << ingredient.dump();
  const std::string verdict =
      c2pa_reference_verdict(dir_.file("second.mp4"), "video/mp4", dir_.file("ca.pem"));
  if (!verdict.empty()) {
    const json v = json::parse(verdict);
    EXPECT_EQ(v.value("state", ""), "Trusted") << verdict;
    EXPECT_NE(v["manifest"].dump().find("first.mp4"), std::string::npos);
  }
}

TEST_F(ProvenanceCli, ASignerOutsideTheProfileIsRefusedBeforeAnythingRenders) {
  make_studio(
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,"
      "digitalSignature\nauthorityKeyIdentifier=keyid");
  const std::set<std::string> ours = {"ca.cnf",     "ca.key",     "ca.pem",     "ca.srl",
                                      "signer.key", "signer.csr", "signer.pem", "chain.pem"};
  auto refused =
      run("apply " + mega_ +
          " out.mp4 exposure stops=0.2 --frames 0-5 --sign-key signer.key --sign-cert chain.pem");
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("chain.pem"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("extended key usage"), std::string::npos) << refused.err;
  auto missing =
      run("apply " + mega_ +
          " out.mp4 exposure stops=0.2 --frames 0-5 --sign-key nope.key --sign-cert chain.pem");
  EXPECT_EQ(missing.code, 3);
  EXPECT_NE(missing.err.find("nope.key"), std::string::npos) << missing.err;
  auto half =
      run("apply " + mega_ + " out.mp4 exposure stops=0.2 --frames 0-5 --sign-key signer.key");
  EXPECT_EQ(half.code, 2);
  EXPECT_NE(half.err.find("--sign-cert"), std::string::npos) << half.err;
  expect_only(ours);
}

TEST_F(ProvenanceCli, FormatsThatCannotCarryAManifestGetASidecar) {
  auto made = run("apply " + mega_ + " out.mkv exposure stops=0.2 --frames 0-5 --codec ffv1");
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out.mkv.c2pa")));
  auto ok = run("provenance verify out.mkv --trust " + home_.file("c2pa-signer/root.pem"));
  EXPECT_EQ(ok.code, 0) << ok.err << ok.out;
  flip("out.mkv", 3000);
  EXPECT_EQ(run("provenance verify out.mkv").code, 5);
  // No manifest at all, and no file at all, are told apart.
  auto none = run("provenance show " + mega_);
  EXPECT_EQ(none.code, 3);
  EXPECT_NE(none.err.find("no C2PA manifest"), std::string::npos) << none.err;
  EXPECT_EQ(run("provenance show absent.mp4").code, 3);
}

}  // namespace
}  // namespace fl::test
