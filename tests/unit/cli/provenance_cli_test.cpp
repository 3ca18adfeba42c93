// Content Credentials from the command line: a studio's signer on `apply`, checked before anything
// renders; `provenance show|verify` on the result, agreeing with the C2PA reference
// implementation; sidecars for formats that cannot carry a manifest.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

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
  const std::string root = home_.file("c2pa-signer/root.pem");
  auto ok = run("provenance verify out.mkv --trust " + root);
  EXPECT_EQ(ok.code, 0) << ok.err << ok.out;
  // The reference reads a sidecar against its asset too (@contentauth/toolkit).
  auto reference = [&](const std::string& file, const std::string& mime) {
    const std::string verdict =
        c2pa_reference_verdict(dir_.file(file), mime, root, dir_.file(file + ".c2pa"));
    return verdict.empty() ? json() : json::parse(verdict);
  };
  if (const json v = reference("out.mkv", "video/x-matroska"); !v.is_null()) {
    EXPECT_EQ(v.value("state", ""), "Trusted") << v.dump();
  }
  ASSERT_EQ(run("apply " + mega_ + " still.exr exposure stops=0.2 --frames 3-3").code, 0);
  EXPECT_EQ(run("provenance verify still.exr --trust " + root).code, 0);
  if (const json v = reference("still.exr", "image/x-exr"); !v.is_null()) {
    EXPECT_EQ(v.value("state", ""), "Trusted") << v.dump();
  }
  flip("out.mkv", 3000);
  EXPECT_EQ(run("provenance verify out.mkv").code, 5);
  if (const json v = reference("out.mkv", "video/x-matroska"); !v.is_null()) {
    EXPECT_EQ(v.value("state", ""), "Invalid");
    EXPECT_NE(v["failure"].dump().find("assertion.dataHash.mismatch"), std::string::npos)
        << v.dump();
  }
  // No manifest at all, and no file at all, are told apart.
  auto none = run("provenance show " + mega_);
  EXPECT_EQ(none.code, 3);
  EXPECT_NE(none.err.find("no C2PA manifest"), std::string::npos) << none.err;
  EXPECT_EQ(run("provenance show absent.mp4").code, 3);
}

// Media made outside a render carry Content Credentials too: a look-development contact sheet.
TEST_F(ProvenanceCli, AVariantsSheetIsSignedAsTheLooksOfItsSource) {
  make_studio();
  auto made =
      run("variants " + mega_ +
          " --frame 30 --out sheet.png --count 4 --sign-key signer.key --sign-cert chain.pem");
  ASSERT_EQ(made.code, 0) << made.err;
  auto shown = run("provenance show sheet.png --trust ca.pem --json");
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json report = json::parse(shown.out);
  EXPECT_EQ(report["state"], "Trusted") << shown.out;
  EXPECT_EQ(report["assertions"]["c2pa.ingredient.v3"]["dc:title"], "Megamind.avi");
  const json& actions = report["assertions"]["c2pa.actions.v2"]["actions"];
  ASSERT_EQ(actions.size(), 2u) << actions.dump();
  EXPECT_EQ(actions[0]["action"], "c2pa.opened");
  EXPECT_EQ(actions[1]["action"], "c2pa.color_adjustments");
  const std::string verdict =
      c2pa_reference_verdict(dir_.file("sheet.png"), "image/png", dir_.file("ca.pem"));
  if (!verdict.empty()) {
    EXPECT_EQ(json::parse(verdict).value("state", ""), "Trusted") << verdict;
  }
  // The .cube files beside it are looks, not media: no manifest.
  int cubes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.file("sheet_looks"))) {
    EXPECT_NE(e.path().extension(), ".c2pa") << e.path();
    ++cubes;
  }
  EXPECT_EQ(cubes, 4);
  auto refused =
      run("variants " + mega_ + " --frame 30 --out other.png --count 2 --sign-key signer.key");
  EXPECT_EQ(refused.code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("other.png")));
}

// An image sequence gets one sidecar for all its files, with each file's hash: a changed frame
// and a missing frame are each named, and a sequence rendered again signs the same bytes.
TEST_F(ProvenanceCli, AnImageSequenceHasOneManifestWithAHashPerFile) {
  make_studio();
  std::filesystem::create_directory(dir_.file("shot"));
  const std::string sign = " --sign-key signer.key --sign-cert chain.pem";
  auto made =
      run("apply " + mega_ + " shot/frame.%04d.exr exposure stops=0.2 --frames 20-24" + sign);
  ASSERT_EQ(made.code, 0) << made.err;
  ASSERT_TRUE(std::filesystem::exists(dir_.file("shot/frame.c2pa")));
  auto shown = run("provenance show shot/frame.%04d.exr --trust ca.pem --json");
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json report = json::parse(shown.out);
  EXPECT_EQ(report["state"], "Trusted") << shown.out;
  const json& collection = report["assertions"]["c2pa.hash.collection.data"];
  ASSERT_EQ(collection["uris"].size(), 5u) << collection.dump();
  EXPECT_EQ(collection["uris"][0]["uri"], "frame.0001.exr");
  EXPECT_EQ(collection["uris"][4]["uri"], "frame.0005.exr");
  EXPECT_EQ(collection["uris"][0]["dc:format"], "image/x-exr");
  EXPECT_EQ(collection["uris"][0]["size"],
            std::filesystem::file_size(dir_.file("shot/frame.0001.exr")));
  // The sidecar named directly says the same.
  EXPECT_EQ(run("provenance verify shot/frame.c2pa --trust ca.pem").code, 0);
  const std::string first_sidecar = slurp(dir_.file("shot/frame.c2pa"));

  flip("shot/frame.0003.exr", 100);
  auto changed = run("provenance verify shot/frame.%04d.exr --trust ca.pem");
  EXPECT_EQ(changed.code, 5);
  EXPECT_NE(changed.err.find("assertion.collectionHash.mismatch"), std::string::npos)
      << changed.err;
  EXPECT_NE(changed.err.find("frame.0003.exr"), std::string::npos) << changed.err;
  flip("shot/frame.0003.exr", 100);
  EXPECT_EQ(run("provenance verify shot/frame.%04d.exr --trust ca.pem").code, 0);
  std::filesystem::remove(dir_.file("shot/frame.0004.exr"));
  auto missing = run("provenance verify shot/frame.%04d.exr");
  EXPECT_EQ(missing.code, 5);
  EXPECT_NE(missing.err.find("assertion.collectionHash.incorrectFileCount"), std::string::npos)
      << missing.err;

  // A second later: EXR files carry a date, and it must not be the wall clock's.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_EQ(
      run("apply " + mega_ + " shot/frame.%04d.exr exposure stops=0.2 --frames 20-24" + sign).code,
      0);
  EXPECT_TRUE(slurp(dir_.file("shot/frame.c2pa")) == first_sidecar)
      << "the same sequence rendered again signs different bytes";

  // A still whose name holds a '%' is a still: its own sidecar, read back by its name.
  auto still = run("apply " + mega_ + " 'grey 50%.exr' exposure stops=0.2 --frames 3-3" + sign);
  ASSERT_EQ(still.code, 0) << still.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("grey 50%.exr.c2pa")));
  EXPECT_EQ(run("provenance verify 'grey 50%.exr' --trust ca.pem").code, 0);
}

}  // namespace
}  // namespace fl::test
