// Content Credentials: the JUMBF boxes, COSE signatures, the signer's profile checks and the PNG
// container, checked here and by the C2PA reference implementation (c2pa-rs, tests/c2pa).
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include <fmt/format.h>

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
  d.id_seed = "test";
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

// The collection hash's refusals (C2PA 2.2 §15.12.5), each with its own code; a sequence's
// sidecar is named after the pattern's stem.
TEST(C2paCollection, RefusesPathsOutsideTheCollectionAndMalformedEntries) {
  test::TempDir dir;
  std::ofstream(dir.file("a.0001.exr")) << "frame";
  const std::string sidecar = dir.file("a.c2pa");
  EXPECT_EQ(sequence_sidecar_path(dir.file("a.%04d.exr")), sidecar);
  EXPECT_EQ(sequence_sidecar_path("shot_####.dpx"), "shot.c2pa");
  EXPECT_EQ(sequence_sidecar_path("%06d.exr"), "sequence.c2pa");
  const std::string hash = sha256("frame");
  auto entry = [&](const std::string& uri) {
    return json{{"uri", uri},
                {"hash", json::binary(std::vector<uint8_t>(hash.begin(), hash.end()))}};
  };
  auto code = [&](const json& binding) { return check_collection_hash(sidecar, binding).code; };
  EXPECT_EQ(code({{"alg", "sha256"}, {"uris", {entry("a.0001.exr")}}}),
            "assertion.collectionHash.match");
  for (const char* uri : {"../a.0001.exr", "/etc/passwd", "./a.0001.exr", "x/../a.0001.exr", ""})
    EXPECT_EQ(code({{"alg", "sha256"}, {"uris", {entry(uri)}}}),
              "assertion.collectionHash.invalidURI")
        << uri;
  EXPECT_EQ(code({{"alg", "sha256"}, {"uris", {entry("a.0002.exr")}}}),
            "assertion.collectionHash.incorrectFileCount");
  EXPECT_EQ(code({{"uris", {entry("a.0001.exr")}}}), "assertion.collectionHash.malformed");
  EXPECT_EQ(code({{"alg", "sha256"}, {"uris", json::array()}}),
            "assertion.collectionHash.malformed");
  EXPECT_EQ(code({{"alg", "sha256"}, {"uris", {{{"uri", "a.0001.exr"}}}}}),
            "assertion.collectionHash.malformed");
  std::ofstream(dir.file("a.0001.exr")) << "Frame";
  EXPECT_EQ(code({{"alg", "sha256"}, {"uris", {entry("a.0001.exr")}}}),
            "assertion.collectionHash.mismatch");
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

// The OpenSSL command line makes the certificates the profile checks refuse (and RFC 6979's key).
std::string make_cert(const test::TempDir& dir, const std::string& name,
                      const std::string& key_der_hex, const std::string& extensions,
                      const std::string& subject = "/CN=Signer/O=framelock test") {
  const std::string key = dir.file(name + ".key"), cnf = dir.file(name + ".cnf"),
                    pem = dir.file(name + ".pem");
  std::ofstream(cnf) << "[req]\ndistinguished_name=dn\n[dn]\n[ext]\n" << extensions << "\n";
  const std::string make_key =
      key_der_hex.empty() ? "openssl ecparam -name prime256v1 -genkey -noout -out '" + key + "'"
                          : "echo " + key_der_hex + " | xxd -r -p | openssl ec -inform DER -out '" +
                                key + "' 2>/dev/null";
  EXPECT_EQ(
      test::run(make_key + " && openssl req -new -x509 -key '" + key + "' -subj '" + subject +
                "' -days 30 -config '" + cnf + "' -extensions ext -out '" + pem + "' 2>/dev/null"),
      0);
  return name;
}

const char* kLeafExtensions =
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage="
    "emailProtection\n"
    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always";

// RFC 6979 A.2.5: P-256, SHA-256, the message "sample".
TEST(C2paSigning, Es256IsDeterministicAsRfc6979) {
  if (test::run("command -v openssl >/dev/null && command -v xxd >/dev/null") != 0)
    GTEST_SKIP() << "no openssl/xxd";
  test::TempDir dir;
  const std::string key_der =
      "30310201010420C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721A00A06082A8648"
      "CE3D030107";
  make_cert(dir, "rfc", key_der, kLeafExtensions);
  auto id = SigningIdentity::load(dir.file("rfc.key"), dir.file("rfc.pem"));
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  auto sig = id->sign("sample");
  ASSERT_TRUE(sig.ok()) << sig.status().to_string();
  std::string hex;
  for (unsigned char c : *sig) hex += fmt::format("{:02X}", c);
  EXPECT_EQ(hex,
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
            "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
}

// Certificates C2PA's profile refuses are refused before anything is signed, naming the file.
TEST(C2paSigning, RefusesKeysAndCertificatesOutsideTheProfile) {
  if (test::run("command -v openssl >/dev/null") != 0) GTEST_SKIP() << "no openssl";
  test::TempDir dir;
  make_cert(dir, "good", "", kLeafExtensions);
  EXPECT_TRUE(SigningIdentity::load(dir.file("good.key"), dir.file("good.pem")).ok());
  struct Case {
    std::string name, extensions, subject, expect;
  };
  const std::vector<Case> cases = {
      {"noeku",
       "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,"
       "digitalSignature\nauthorityKeyIdentifier=keyid:always",
       "/CN=S/O=T", "extended key usage"},
      {"noku",
       "basicConstraints=critical,CA:FALSE\nextendedKeyUsage="
       "emailProtection\nauthorityKeyIdentifier=keyid:always",
       "/CN=S/O=T", "digitalSignature"},
      {"ca",
       "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,"
       "keyCertSign\nextendedKeyUsage=emailProtection\nauthorityKeyIdentifier=keyid:always",
       "/CN=S/O=T", "CA"},
      {"server",
       "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage="
       "serverAuth\nauthorityKeyIdentifier=keyid:always",
       "/CN=S/O=T", "extended key usage"},
      {"noorg", kLeafExtensions, "/CN=S", "organisation"},
  };
  for (const auto& c : cases) {
    make_cert(dir, c.name, "", c.extensions, c.subject);
    auto id = SigningIdentity::load(dir.file(c.name + ".key"), dir.file(c.name + ".pem"));
    ASSERT_FALSE(id.ok()) << c.name;
    EXPECT_NE(id.status().message().find(c.expect), std::string::npos)
        << c.name << ": " << id.status().message();
    EXPECT_NE(id.status().message().find(c.name + ".pem"), std::string::npos)
        << id.status().message();
  }
  // A key that is not the certificate's.
  auto mismatch = SigningIdentity::load(dir.file("noku.key"), dir.file("good.pem"));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("does not match"), std::string::npos);
  // Missing and unreadable files are named.
  auto missing = SigningIdentity::load(dir.file("absent.key"), dir.file("good.pem"));
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("absent.key"), std::string::npos);
  std::ofstream(dir.file("junk.key")) << "not a key";
  EXPECT_NE(SigningIdentity::load(dir.file("junk.key"), dir.file("good.pem"))
                .status()
                .message()
                .find("junk.key"),
            std::string::npos);
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
  settle_ids(def, "hash");
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
    // Signing again replaces the store, it does not add a second one, and gives the same bytes.
    const std::string once = slurp(clip);
    ASSERT_TRUE(embed_manifest(clip, Container::kBmff, simple_definition(), *signer).ok());
    EXPECT_TRUE(slurp(clip) == once) << "signing is deterministic";
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
