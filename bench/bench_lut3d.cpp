// 3D LUT on 4K 16-bit RGB: framelock's rgb48 kernel against FFmpeg's lut3d filter, measured in
// the same run on the same frames and the same .cube file.
//
//   bench_lut3d [--frames N] [--size WxH] [--lut-size N] [--source megamind|testsrc2]
//               [--repeat N] [--dir DIR] [--json FILE] [--keep]
//
// Work files (12 4K frames are 600 MB each for input and outputs) go to /dev/shm when it has
// room, else to the temp directory, or to --dir.
//
// FFmpeg side: the whole command with the filter and the same command without it (raw in, raw
// out), so the filter's own cost is the difference; plus ffmpeg's own -benchmark line. Our side:
// the kernel alone over frames in memory (oneTBB parallel_for over row blocks, all cores, as
// FFmpeg's slice threads use all cores), and a whole-command equivalent that reads raw frames,
// applies the LUT and writes raw frames. Every figure is the best of --repeat runs.
#include <sys/resource.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../tests/unit/colour/grade_fixture.h"
#include "colour/cube_file.h"
#include "colour/lut_rgb48.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  int frames = 12, width = 3840, height = 2160, lut_size = 33, repeat = 2;
  std::string source = "megamind", dir, json;
  bool keep = false;
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// User + system CPU seconds of this process or of its waited-for children. On a shared machine
// wall time includes other people's work; CPU time is what each side itself spent.
double cpu_seconds(int who) {
  rusage r{};
  ::getrusage(who, &r);
  return double(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         1e-6 * double(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

// Runs a shell command, returns its exit status, wall and CPU seconds and its combined output.
int run(const std::string& cmd, double& wall, std::string* output = nullptr,
        double* cpu = nullptr) {
  auto t0 = Clock::now();
  const double c0 = cpu_seconds(RUSAGE_CHILDREN);
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = ::pclose(p);
  wall = seconds_since(t0);
  if (cpu) *cpu = cpu_seconds(RUSAGE_CHILDREN) - c0;
  if (output) *output = out;
  if (rc != 0) std::fprintf(stderr, "command failed (%d): %s\n%s\n", rc, cmd.c_str(), out.c_str());
  return rc;
}

std::string bench_line(const std::string& out) {
  size_t at = out.rfind("bench: utime=");
  if (at == std::string::npos) return "";
  size_t end = out.find('\n', at);
  return out.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

void apply_frame(const fl::colour::PreparedLut3D& lut, const uint16_t* in, uint16_t* out, int width,
                 int height) {
  const size_t row = size_t(width) * 3;
  // 16-row blocks: ~370 KB of input, enough work per task to amortise scheduling.
  tbb::parallel_for(tbb::blocked_range<int>(0, height, 16), [&](const tbb::blocked_range<int>& r) {
    size_t first = size_t(r.begin()) * row;
    fl::colour::apply_lut3d_rgb48(lut, in + first, out + first,
                                  size_t(r.end() - r.begin()) * size_t(width));
  });
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--keep") {
      o.keep = true;
      continue;
    }
    if (!(v = next())) return false;
    if (a == "--frames")
      o.frames = std::atoi(v);
    else if (a == "--lut-size")
      o.lut_size = std::atoi(v);
    else if (a == "--repeat")
      o.repeat = std::max(1, std::atoi(v));
    else if (a == "--source")
      o.source = v;
    else if (a == "--dir")
      o.dir = v;
    else if (a == "--json")
      o.json = v;
    else if (a == "--size") {
      if (std::sscanf(v, "%dx%d", &o.width, &o.height) != 2) return false;
    } else {
      return false;
    }
  }
  return o.frames > 0 && o.width > 0 && o.height > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(
        stderr,
        "usage: bench_lut3d [--frames N] [--size WxH] [--lut-size N] [--source megamind|testsrc2]\n"
        "                   [--repeat N] [--dir DIR] [--json FILE] [--keep]\n");
    return 2;
  }
  // tmpfs when there is one: both sides then pay for moving bytes through the page cache but
  // not for disk write-back, whose throttling depends on what ran just before.
  std::error_code ec;
  const fs::path base = fs::space("/dev/shm", ec).available > (size_t(8) << 30)
                            ? fs::path("/dev/shm")
                            : fs::temp_directory_path();
  std::string tmpl = (base / "bench_lut3d-XXXXXX").string();
  if (o.dir.empty()) {
    if (!::mkdtemp(tmpl.data())) return 1;
    o.dir = tmpl;
  }
  fs::create_directories(o.dir);
  const std::string in_raw = o.dir + "/in.raw", ff_raw = o.dir + "/ffmpeg.raw",
                    copy_raw = o.dir + "/copy.raw", ours_raw = o.dir + "/ours.raw",
                    cube_path = o.dir + "/grade.cube";
  const std::string size = std::to_string(o.width) + "x" + std::to_string(o.height);
  const size_t frame_values = size_t(o.width) * size_t(o.height) * 3;
  const size_t frame_bytes = frame_values * 2;
  const double megapixels = double(o.width) * o.height / 1e6;
  double wall = 0;

  // Input frames.
  const char* megamind = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";
  std::string make_input;
  if (o.source == "megamind" && fs::exists(megamind)) {
    make_input = std::string("ffmpeg -nostdin -y -hide_banner -loglevel error -i ") + megamind +
                 " -vf scale=" + std::to_string(o.width) + ":" + std::to_string(o.height) +
                 ":flags=bicubic,format=rgb48le -frames:v " + std::to_string(o.frames) +
                 " -pix_fmt rgb48le -f rawvideo " + in_raw;
  } else {
    o.source = "testsrc2";
    make_input =
        "ffmpeg -nostdin -y -hide_banner -loglevel error -f lavfi -i testsrc2=size=" + size +
        " -frames:v " + std::to_string(o.frames) + " -pix_fmt rgb48le -f rawvideo " + in_raw;
  }
  if (run(make_input, wall) != 0) return 1;
  if (fs::file_size(in_raw) != frame_bytes * size_t(o.frames)) {
    std::fprintf(stderr, "input has %zu bytes, expected %zu\n", size_t(fs::file_size(in_raw)),
                 frame_bytes * size_t(o.frames));
    return 1;
  }

  fl::colour::CubeFile cube;
  cube.title = "bench strong grade";
  cube.lut3d = fl::colour::fixture::strong_grade_lut(o.lut_size);
  if (auto st = fl::colour::write_cube(fl::OutputPipeline::plain(), {cube_path}, cube); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  auto read_back = fl::colour::read_cube_file(cube_path);
  auto prepared = read_back.ok() ? fl::colour::prepare_lut3d(*read_back->lut3d,
                                                             fl::colour::Interp::kTetrahedral)
                                 : fl::Result<fl::colour::PreparedLut3D>(read_back.status());
  if (!prepared.ok()) {
    std::fprintf(stderr, "%s\n", prepared.status().to_string().c_str());
    return 1;
  }

  // FFmpeg: with and without the filter. The baseline goes first so the input is in the page
  // cache for both.
  const std::string ff_in =
      "ffmpeg -nostdin -y -hide_banner -loglevel info -nostats -benchmark -f rawvideo -pix_fmt "
      "rgb48le -s " +
      size + " -i " + in_raw;
  const std::string ff_copy = ff_in + " -f rawvideo " + copy_raw;
  const std::string ff_lut =
      ff_in + " -vf lut3d=file=" + cube_path + ":interp=tetrahedral -f rawvideo " + ff_raw;
  double ff_copy_s = 1e30, ff_lut_s = 1e30, ff_copy_cpu = 1e30, ff_lut_cpu = 1e30, cpu = 0;
  std::string copy_bench, lut_bench, out;
  for (int r = 0; r < o.repeat; ++r) {
    if (run(ff_copy, wall, &out, &cpu) != 0) return 1;
    if (wall < ff_copy_s) ff_copy_s = wall, copy_bench = bench_line(out);
    ff_copy_cpu = std::min(ff_copy_cpu, cpu);
    if (run(ff_lut, wall, &out, &cpu) != 0) return 1;
    if (wall < ff_lut_s) ff_lut_s = wall, lut_bench = bench_line(out);
    ff_lut_cpu = std::min(ff_lut_cpu, cpu);
  }
  fs::remove(copy_raw);
  const double ff_filter_s = std::max(ff_lut_s - ff_copy_s, 1e-9);
  const double ff_filter_cpu = std::max(ff_lut_cpu - ff_copy_cpu, 1e-9);

  // Ours, whole command: read raw frames, apply, write raw frames (temp file + rename, like our
  // sinks). A 3-stage oneTBB pipeline (read in order, apply, write in order) with 3 frames in
  // flight, so that reading and writing overlap the kernel, as a streaming renderer does.
  const unsigned threads = unsigned(tbb::this_task_arena::max_concurrency());
  constexpr int kInFlight = 3;
  struct Slot {
    std::vector<uint16_t> in, out;
  };
  std::vector<Slot> slots(kInFlight);
  for (Slot& s : slots) s.in.assign(frame_values, 0), s.out.assign(frame_values, 0);
  double whole_s = 1e30, whole_cpu = 1e30;
  for (int r = 0; r < o.repeat; ++r) {
    auto t0 = Clock::now();
    const double c0 = cpu_seconds(RUSAGE_SELF);
    FILE* fi = std::fopen(in_raw.c_str(), "rb");
    std::string tmp = ours_raw + ".tmp";
    FILE* fo = std::fopen(tmp.c_str(), "wb");
    if (!fi || !fo) return 1;
    int next = 0;
    bool io_ok = true;
    tbb::parallel_pipeline(
        kInFlight,
        tbb::make_filter<void, Slot*>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> Slot* {
              Slot* s = &slots[size_t(next % kInFlight)];
              if (next == o.frames || std::fread(s->in.data(), 1, frame_bytes, fi) != frame_bytes) {
                io_ok = io_ok && next == o.frames;
                fc.stop();
                return nullptr;
              }
              ++next;
              return s;
            }) &
            tbb::make_filter<Slot*, Slot*>(tbb::filter_mode::parallel,
                                           [&](Slot* s) {
                                             apply_frame(*prepared, s->in.data(), s->out.data(),
                                                         o.width, o.height);
                                             return s;
                                           }) &
            tbb::make_filter<Slot*, void>(tbb::filter_mode::serial_in_order, [&](Slot* s) {
              if (std::fwrite(s->out.data(), 1, frame_bytes, fo) != frame_bytes) io_ok = false;
            }));
    std::fclose(fi);
    if (std::fclose(fo) != 0 || !io_ok) return 1;
    fs::rename(tmp, ours_raw);
    whole_s = std::min(whole_s, seconds_since(t0));
    whole_cpu = std::min(whole_cpu, cpu_seconds(RUSAGE_SELF) - c0);
  }
  slots.clear();

  // Ours, kernel only: all frames in memory.
  // Both buffers are written before timing so that first-touch page faults are not counted.
  std::vector<uint16_t> all_in(frame_values * size_t(o.frames)), all_out(all_in.size(), 0);
  {
    std::ifstream f(in_raw, std::ios::binary);
    f.read(reinterpret_cast<char*>(all_in.data()), std::streamsize(all_in.size() * 2));
  }
  double kernel_s = 1e30, kernel_1t_s = 1e30, kernel_cpu = 1e30;
  for (int r = 0; r < o.repeat; ++r) {
    auto t0 = Clock::now();
    const double c0 = cpu_seconds(RUSAGE_SELF);
    for (int f = 0; f < o.frames; ++f) {
      size_t at = frame_values * size_t(f);
      apply_frame(*prepared, all_in.data() + at, all_out.data() + at, o.width, o.height);
    }
    kernel_s = std::min(kernel_s, seconds_since(t0));
    kernel_cpu = std::min(kernel_cpu, cpu_seconds(RUSAGE_SELF) - c0);
    // One thread, for reference (per-core efficiency).
    tbb::task_arena one(1);
    t0 = Clock::now();
    one.execute([&] {
      for (int f = 0; f < o.frames; ++f) {
        size_t at = frame_values * size_t(f);
        apply_frame(*prepared, all_in.data() + at, all_out.data() + at, o.width, o.height);
      }
    });
    kernel_1t_s = std::min(kernel_1t_s, seconds_since(t0));
  }

  // Accuracy against FFmpeg's output.
  int max_err = 0;
  double sum_err = 0;
  {
    std::ifstream f(ff_raw, std::ios::binary);
    std::vector<uint16_t> ref(frame_values);
    for (int fr = 0; fr < o.frames; ++fr) {
      f.read(reinterpret_cast<char*>(ref.data()), std::streamsize(frame_bytes));
      if (!f) {
        std::fprintf(stderr, "ffmpeg output is short\n");
        return 1;
      }
      const uint16_t* ours = all_out.data() + frame_values * size_t(fr);
      for (size_t i = 0; i < frame_values; ++i) {
        int d = std::abs(int(ours[i]) - int(ref[i]));
        max_err = std::max(max_err, d);
        sum_err += d;
      }
    }
  }
  const double mean_err = sum_err / (double(frame_values) * o.frames);

  const double n = o.frames;
  auto row = [&](const char* name, double s, double c, double vs_s, double vs_c) {
    std::printf("%-44s %9.2f %10.1f %9.1f %11.1f", name, n / s, 1000.0 * s / n, megapixels * n / s,
                1000.0 * c / n);
    if (vs_s > 0) std::printf(" %8.2fx %8.2fx", vs_s / s, vs_c / c);
    std::printf("\n");
  };
  std::printf(
      "bench_lut3d: %d frames %s rgb48le (%s), %d^3 LUT tetrahedral, %u threads, best of %d\n",
      o.frames, size.c_str(), o.source.c_str(), o.lut_size, threads, o.repeat);
  std::printf("%-44s %9s %10s %9s %11s %9s %9s\n", "", "frames/s", "ms/frame", "Mpx/s", "cpu ms/fr",
              "speedup", "cpu spdup");
  row("ffmpeg whole command, no filter (I/O base)", ff_copy_s, ff_copy_cpu, 0, 0);
  row("ffmpeg whole command, lut3d", ff_lut_s, ff_lut_cpu, 0, 0);
  row("ffmpeg lut3d filter only (difference)", ff_filter_s, ff_filter_cpu, 0, 0);
  row("framelock whole command (read,apply,write)", whole_s, whole_cpu, ff_lut_s, ff_lut_cpu);
  row("framelock kernel only", kernel_s, kernel_cpu, ff_filter_s, ff_filter_cpu);
  row("framelock kernel only, 1 thread", kernel_1t_s, kernel_1t_s, ff_filter_s, ff_filter_cpu);
  std::printf("speedup (wall): kernel vs ffmpeg filter %.2fx, whole command %.2fx\n",
              ff_filter_s / kernel_s, ff_lut_s / whole_s);
  std::printf("speedup (cpu):  kernel vs ffmpeg filter %.2fx, whole command %.2fx\n",
              ff_filter_cpu / kernel_cpu, ff_lut_cpu / whole_cpu);
  std::printf("max error vs ffmpeg: %d/65535 (mean %.3f code values)\n", max_err, mean_err);
  std::printf("ffmpeg -benchmark (no filter): %s\nffmpeg -benchmark (lut3d):     %s\n",
              copy_bench.c_str(), lut_bench.c_str());
  double load[3] = {};
  if (::getloadavg(load, 3) > 0)
    std::printf("load average at end: %.2f (other work on the machine skews wall times)\n",
                load[0]);

  if (!o.json.empty()) {
    std::ofstream j(o.json);
    j << "{\"frames\":" << o.frames << ",\"size\":\"" << size << "\",\"source\":\"" << o.source
      << "\",\"lut_size\":" << o.lut_size << ",\"threads\":" << threads
      << ",\"ffmpeg_copy_s\":" << ff_copy_s << ",\"ffmpeg_lut3d_s\":" << ff_lut_s
      << ",\"ffmpeg_filter_s\":" << ff_filter_s << ",\"framelock_whole_s\":" << whole_s
      << ",\"framelock_kernel_s\":" << kernel_s << ",\"framelock_kernel_1t_s\":" << kernel_1t_s
      << ",\"ffmpeg_copy_cpu_s\":" << ff_copy_cpu << ",\"ffmpeg_lut3d_cpu_s\":" << ff_lut_cpu
      << ",\"framelock_whole_cpu_s\":" << whole_cpu << ",\"framelock_kernel_cpu_s\":" << kernel_cpu
      << ",\"speedup_kernel\":" << ff_filter_s / kernel_s
      << ",\"speedup_whole\":" << ff_lut_s / whole_s << ",\"max_error\":" << max_err
      << ",\"mean_error\":" << mean_err << "}\n";
  }
  if (!o.keep) fs::remove_all(o.dir);
  return max_err <= 16 ? 0 : 3;
}
