// Content Credentials: the JUMBF boxes, COSE signatures, the signer's profile checks and the PNG
// container, checked here and by the C2PA reference implementation (c2pa-rs, tests/c2pa).
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/reader.h"
#include "test_support.h"

namespace fl::c2pa {
namespace {

using nlohmann::json;

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((data.size() >> s) & 0xff));
  out += type + data;
  const uLong crc = crc32(crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4),
                          reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()));
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((crc >> s) & 0xff));
  return out;
}

// A small RGB PNG with a gradient.
void write_png(const std::string& path, int w, int h) {
  std::string raw;
  for (int y = 0; y < h; ++y) {
    raw.push_back('\0');
    for (int x = 0; x < w; ++x) raw += {char(x * 255 / w), char(y * 255 / h), char(128)};
  }
  uLongf size = compressBound(uLong(raw.size()));
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
           uLong(raw.size()));
  z.resize(size);
  std::string ihdr;
  for (uint32_t v : {uint32_t(w), uint32_t(h)})
    for (int s = 24; s >= 0; s -= 8) ihdr.push_back(char((v >> s) & 0xff));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  std::ofstream(path, std::ios::binary) << std::string("\x89PNG\r\n\x1a\n", 8) +
                                               png_chunk("IHDR", ihdr) + png_chunk("IDAT", z) +
                                               png_chunk("IEND", "");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void flip_byte(const std::string& path, size_t at) {
  std::string b = slurp(path);
  b.at(at) ^= 0x01;
  std::ofstream(path, std::ios::binary) << b;
}

ManifestDefinition simple_definition() {
  ManifestDefinition d;
  d.manifest_label = "urn:c2pa:" + random_uuid();
  d.instance_id = "xmp:iid:" + random_uuid();
  d.title = "test.png";
  d.assertions.push_back(
      {"c2pa.actions.v2",
       {{"actions",
         json::array({{{"action", "c2pa.created"},
                       {"digitalSourceType",
                        "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}}})}}});
  return d;
}

class C2paTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto id = SigningIdentity::installation(dir.file("signer"));
    ASSERT_TRUE(id.ok()) << id.status().to_string();
    signer = std::make_unique<SigningIdentity>(std::move(id).value());
  }
  test::TempDir dir;
  std::unique_ptr<SigningIdentity> signer;
};

TEST(Jumbf, SuperboxRoundTrip) {
  const std::string sb =
      superbox(kManifest, "urn:c2pa:x", {box("cbor", "abc"), superbox(kClaim, "inner", {})});
  auto parsed = parse_superbox(sb);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->uuid, kManifest);
  EXPECT_EQ(parsed->label, "urn:c2pa:x");
  EXPECT_EQ(parsed->content_of("cbor"), "abc");
  ASSERT_NE(parsed->child("inner"), nullptr);
  EXPECT_EQ(parsed->raw.size(), sb.size());
  // Every truncation is an error, never a crash.
  for (size_t n = 0; n < sb.size(); ++n)
    EXPECT_FALSE(parse_superbox(std::string_view(sb).substr(0, n)).ok());
}

TEST_F(C2paTest, CoseSignatureVerifiesAndCatchesChanges) {
  auto sig = cose_sign1(*signer, "the claim", 10);
  ASSERT_TRUE(sig.ok());
  auto parsed = parse_cose_sign1(*sig);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->alg, -7);
  EXPECT_EQ(parsed->x5chain.size(), 2u);
  EXPECT_EQ(parsed->signature.size(), 64u);
  EXPECT_TRUE(verify_cose_sign1(*parsed, "the claim").ok());
  EXPECT_FALSE(verify_cose_sign1(*parsed, "the claim!").ok());
  EXPECT_TRUE(verify_chain(parsed->x5chain, slurp(dir.file("signer/root.pem"))).ok());
}

TEST_F(C2paTest, InstallationSignerIsMadeOnceAndKept) {
  auto again = SigningIdentity::installation(dir.file("signer"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->chain_der(), signer->chain_der());
  EXPECT_TRUE(again->self_issued());
  EXPECT_EQ(std::filesystem::status(dir.file("signer/signer.key")).permissions() &
                std::filesystem::perms::group_all,
            std::filesystem::perms::none);
}

TEST_F(C2paTest, ManifestFitsAReservedSizeExactly) {
  auto def = simple_definition();
  auto natural = manifest_store_size(def, *signer);
  ASSERT_TRUE(natural.ok());
  for (size_t extra : {0, 1, 7, 300}) {
    auto store = build_manifest_store(def, *signer, *natural + extra);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    EXPECT_EQ(store->size(), *natural + extra);
  }
  EXPECT_FALSE(build_manifest_store(def, *signer, *natural - 1).ok());
}

bool has_code(const std::vector<ValidationEntry>& entries, const std::string& code) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const ValidationEntry& e) { return e.code == code; });
}

// Our own reader agrees with the reference: intact is Trusted under the root (Valid without it),
// a flipped picture byte breaks the hard binding, a flipped claim byte the signature.
TEST_F(C2paTest, OwnValidatorAgreesWithTheReference) {
  const std::string png = dir.file("own.png");
  write_png(png, 40, 30);
  ASSERT_TRUE(embed_manifest(png, Container::kPng, simple_definition(), *signer).ok());
  const std::string root = slurp(dir.file("signer/root.pem"));
  auto report = read_and_validate(png, root);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->state, "Trusted") << report->to_json().dump();
  EXPECT_TRUE(has_code(report->success, "assertion.dataHash.match"));
  EXPECT_EQ(report->signer.find("framelock installation signer") != std::string::npos, true)
      << report->signer;
  EXPECT_EQ(read_and_validate(png, "")->state, "Valid");

  const std::string bytes = slurp(png);
  // Inside the claim: a character of its instanceID, so the claim still decodes.
  const size_t claim_at = bytes.find("xmp:iid:") + 12;
  flip_byte(png, claim_at);
  auto claim_flipped = read_and_validate(png, root);
  ASSERT_TRUE(claim_flipped.ok());
  EXPECT_EQ(claim_flipped->state, "Invalid");
  EXPECT_TRUE(has_code(claim_flipped->failure, "claimSignature.mismatch"))
      << claim_flipped->to_json().dump();
  const std::string verdict =
      test::c2pa_reference_verdict(png, "image/png", dir.file("signer/root.pem"));
  if (!verdict.empty()) {
    EXPECT_NE(verdict.find("claimSignature.mismatch"), std::string::npos) << verdict;
  }

  flip_byte(png, claim_at);  // back as it was
  flip_byte(png, bytes.find("IDAT") + 12);
  auto data_flipped = read_and_validate(png, root);
  ASSERT_TRUE(data_flipped.ok());
  EXPECT_TRUE(has_code(data_flipped->failure, "assertion.dataHash.mismatch"));
  EXPECT_FALSE(has_code(data_flipped->failure, "claimSignature.mismatch"));

  // A file with no manifest is not_found; a store of garbage is Invalid, never a crash.
  write_png(png, 8, 8);
  EXPECT_EQ(read_and_validate(png, root).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(validate_store("not a store", root).state, "Invalid");
}

TEST_F(C2paTest, PngCarriesAStoreTheReferenceTrusts) {
  const std::string png = dir.file("test.png");
  write_png(png, 64, 48);
  ASSERT_TRUE(embed_manifest(png, Container::kPng, simple_definition(), *signer).ok());
  auto store = read_embedded_store(png, Container::kPng);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_TRUE(parse_superbox(*store).ok());

  const std::string verdict =
      test::c2pa_reference_verdict(png, "image/png", dir.file("signer/root.pem"));
  if (verdict.empty()) GTEST_SKIP() << "the C2PA reference implementation is not installed";
  const json v = json::parse(verdict);
  EXPECT_EQ(v.value("state", ""), "Trusted") << verdict;
  EXPECT_TRUE(v["failure"].empty()) << verdict;

  // One flipped byte of picture data: the data hash no longer matches.
  const std::string bytes = slurp(png);
  flip_byte(png, bytes.find("IDAT") + 10);
  const json tampered =
      json::parse(test::c2pa_reference_verdict(png, "image/png", dir.file("signer/root.pem")));
  EXPECT_NE(tampered["failure"].dump().find("assertion.dataHash.mismatch"), std::string::npos)
      << tampered.dump();
}

// What a verdict must say of an intact file: trusted under the test's root, nothing failed.
void expect_trusted(const std::string& file, const std::string& mime, const std::string& root) {
  const std::string verdict = test::c2pa_reference_verdict(file, mime, root);
  if (verdict.empty()) GTEST_SKIP() << "the C2PA reference implementation is not installed";
  const json v = json::parse(verdict);
  EXPECT_EQ(v.value("state", ""), "Trusted") << verdict;
  EXPECT_TRUE(v["failure"].empty()) << verdict;
}

TEST_F(C2paTest, Mp4CarriesAStoreTheReferenceTrustsAndStillDecodes) {
  for (const std::string name : {"clip.mp4", "clip.mov"}) {
    SCOPED_TRACE(name);
    const std::string clip = dir.file(name);
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=160x90:rate=24 -f lavfi -i sine=r=48000 -t 1 "
                           "-c:v libx264 -pix_fmt yuv420p -c:a aac " +
                           clip),
              0);
    Status st = embed_manifest(clip, Container::kBmff, simple_definition(), *signer);
    ASSERT_TRUE(st.ok()) << st.to_string();
    // The chunk offsets moved with the media: every frame and sample still decodes.
    EXPECT_EQ(test::run("ffmpeg -v error -xerror -i '" + clip +
                        "' -f null - 2>&1 | grep -q . && exit 1 || exit 0"),
              0);
    ASSERT_TRUE(read_embedded_store(clip, Container::kBmff).ok());
    // Signing again replaces the store, it does not add a second one.
    ASSERT_TRUE(embed_manifest(clip, Container::kBmff, simple_definition(), *signer).ok());
    expect_trusted(clip, name == "clip.mov" ? "video/quicktime" : "video/mp4",
                   dir.file("signer/root.pem"));

    const std::string bytes = slurp(clip);
    flip_byte(clip, bytes.find("mdat") + 200);
    const json tampered =
        json::parse(test::c2pa_reference_verdict(clip, "video/mp4", dir.file("signer/root.pem")));
    EXPECT_NE(tampered.dump().find("assertion.bmffHash.mismatch"), std::string::npos)
        << tampered.dump();
  }
}

// Real footage's still (baboon.jpg, with its JFIF APP0) and a manifest big enough to need two
// APP11 segments.
TEST_F(C2paTest, JpegCarriesAStoreTheReferenceTrusts) {
  const std::string jpg = dir.file("baboon.jpg");
  std::filesystem::copy_file(test::opencv_data("baboon.jpg"), jpg);
  auto def = simple_definition();
  std::string big(90000, 'x');
  def.assertions.push_back({"org.framelock.test", {{"filler", big}}});
  ASSERT_TRUE(embed_manifest(jpg, Container::kJpeg, def, *signer).ok());
  ASSERT_TRUE(embed_manifest(jpg, Container::kJpeg, def, *signer).ok());  // replaced, not added
  expect_trusted(jpg, "image/jpeg", dir.file("signer/root.pem"));
  auto own = read_and_validate(jpg, slurp(dir.file("signer/root.pem")));
  ASSERT_TRUE(own.ok()) << own.status().to_string();
  EXPECT_EQ(own->state, "Trusted") << own->to_json().dump().substr(0, 2000);
  EXPECT_EQ(test::run("ffmpeg -v error -xerror -i '" + jpg +
                      "' -f null - 2>&1 | grep -q . && exit 1 || exit 0"),
            0);
  const std::string bytes = slurp(jpg);
  flip_byte(jpg, bytes.size() - 100);
  const json tampered =
      json::parse(test::c2pa_reference_verdict(jpg, "image/jpeg", dir.file("signer/root.pem")));
  EXPECT_NE(tampered.dump().find("assertion.dataHash.mismatch"), std::string::npos)
      << tampered.dump();
}

}  // namespace
}  // namespace fl::c2pa
