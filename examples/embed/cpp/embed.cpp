// Embedding framelock from C++: probe a clip, grade it (decode -> exposure -> encode), render a
// progressive preview and a region, then a few frames to a file, cancellable from any thread.
// Usage: embed_cpp CLIP OUT.mkv
#include <cstdio>
#include <string>

#include <framelock/framelock.hpp>

namespace fw = framelock;

static int fail(const char* what, const fw::Status& s) {
  std::fprintf(stderr, "embed_cpp: %s: %s%s%s\n", what, s.to_string().c_str(),
               s.node().empty() ? "" : " (node ", s.node().empty() ? "" : (s.node() + ")").c_str());
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: embed_cpp CLIP OUT.mkv\n");
    return 2;
  }
  const std::string clip = argv[1], out = argv[2];
  std::printf("framelock %s\n", fw::version().c_str());

  auto engine = fw::Engine::create();
  if (!engine.ok()) return fail("engine", engine.status());
  auto info = engine->probe(clip);
  if (!info.ok()) return fail("probe", info.status());
  std::printf("%s: %dx%d, %lld frames at %.3f fps, %d-bit, %s\n", clip.c_str(), info->width,
              info->height, (long long)info->frame_count, info->frame_rate(), info->bit_depth,
              info->codec.c_str());

  fw::Graph graph;
  fw::Status s = graph.add_source("clip", clip);
  if (s.ok()) s = graph.add_node("grade", "exposure", R"({"stops": 0.5})");
  if (s.ok()) s = graph.connect("clip", "grade");
  if (s.ok()) s = graph.add_output("grade", out, "ffv1");
  if (!s.ok()) return fail("graph", s);
  auto plan = engine->compile(graph);
  if (!plan.ok()) return fail("compile", plan.status());

  // Coarse first, then final: what a viewer shows while the user scrubs.
  s = engine->render_progressive(*plan, 0, {0.125, 1.0}, [](const fw::Level& level) {
    std::printf("level 1/%g: %dx%d%s\n", 1 / level.scale, level.width, level.height,
                level.final ? " (final)" : "");
    return true;
  });
  if (!s.ok()) return fail("progressive", s);

  fw::RenderOptions region;
  region.scale = 0.5;
  region.whole_frame = false;
  region.region = {0, 0, 64, 32};
  auto image = engine->render(*plan, region);
  if (!image.ok()) return fail("region", image.status());
  double sum = 0;
  for (float v : image->rgba) sum += v;
  std::printf("region 64x32 at 1/2: mean %.4f\n", sum / double(image->rgba.size()));
  if (!(sum > 0)) {
    std::fprintf(stderr, "embed_cpp: the rendered region is empty\n");
    return 1;
  }

  fw::CancelToken cancel;  // cancel.cancel() from a UI thread would stop the render
  fw::OutputOptions o;
  o.first = 0;
  o.last = 4;
  o.cancel = &cancel;
  o.progress = [](int64_t done, int64_t total) {
    std::printf("  wrote %lld/%lld\n", (long long)done, (long long)total);
    return true;
  };
  s = engine->render_output(*plan, 0, o);
  if (!s.ok()) return fail("render to file", s);
  auto written = engine->probe(out);
  if (!written.ok()) return fail("probe output", written.status());
  if (written->frame_count != 5) {
    std::fprintf(stderr, "embed_cpp: %s has %lld frames, not 5\n", out.c_str(),
                 (long long)written->frame_count);
    return 1;
  }
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
