// What Content Credentials cost a delivery: signing a finished file (the one streaming pass that
// hashes it, and for MP4/MOV copies it with the C2PA box in place) and reading it back, beside
// the peers that bound them in the same run: a plain copy of the file and OpenSSL's SHA-256 of it.
// Usage: bench_c2pa FILE [RUNS]   (docs/benchmarks.md §16)
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "bench_common.h"
#include "core/json_text.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/file_bytes.h"
#include "provenance/c2pa/reader.h"

using namespace fl;
using namespace fl::bench;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_c2pa FILE [RUNS]\n");
    return 2;
  }
  const std::string src = argv[1];
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  const auto container = c2pa::detect_container(src);
  if (!container) {
    std::fprintf(stderr, "%s: not a PNG, JPEG or MP4/MOV\n", src.c_str());
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("bench_c2pa_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto signer = c2pa::SigningIdentity::installation((dir / "signer").string());
  if (!signer.ok()) {
    std::fprintf(stderr, "%s\n", signer.status().to_string().c_str());
    return 1;
  }
  const std::string work = (dir / fs::path(src).filename()).string();
  std::vector<double> sign_ms, read_ms, copy_ms, sha_ms;
  for (int r = 0; r < runs; ++r) {
    fs::remove(work);
    auto t = Clock::now();
    fs::copy_file(src, work);
    copy_ms.push_back(ms_since(t));
    t = Clock::now();
    auto digest = c2pa::sha256_of_file(work);
    sha_ms.push_back(ms_since(t));
    c2pa::ManifestDefinition d;
    d.id_seed = "bench";
    d.title = fs::path(src).filename().string();
    d.assertions.push_back(
        {"c2pa.actions.v2",
         {{"actions",
           nlohmann::json::array(
               {{{"action", "c2pa.created"},
                 {"digitalSourceType",
                  "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"}}})}}});
    t = Clock::now();
    Status st = c2pa::embed_manifest(work, *container, d, *signer);
    sign_ms.push_back(ms_since(t));
    if (!st.ok() || !digest.ok()) {
      std::fprintf(stderr, "%s\n", st.to_string().c_str());
      return 1;
    }
    t = Clock::now();
    auto report = c2pa::read_and_validate(work, signer->anchor_pem());
    read_ms.push_back(ms_since(t));
    if (!report.ok() || report->state != "Trusted") {
      std::fprintf(stderr, "the signed file did not validate\n");
      return 1;
    }
  }
  const double mb = double(fs::file_size(src)) / 1e6;
  nlohmann::json out = {{"file", src},
                        {"mb", mb},
                        {"runs", runs},
                        {"sign_ms", median(sign_ms)},
                        {"verify_ms", median(read_ms)},
                        {"peer_copy_ms", median(copy_ms)},
                        {"peer_sha256_ms", median(sha_ms)},
                        {"sign_mb_per_s", mb / (median(sign_ms) / 1000)}};
  std::printf("%s\n", json_text(out).c_str());
  fs::remove_all(dir);
  return 0;
}
