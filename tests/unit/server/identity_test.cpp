// Files are known by their content through a running server: editing a .cube in place,
// replacing a scene-lock reference, or replacing a clip's media under a timeline changes what a
// live session renders next, with no restart and no stale tile, plan or analysis.
#include <filesystem>
#include <fstream>

#include "server_fixture.h"

namespace fl::test {
namespace {

namespace fs = std::filesystem;

class Identity : public ServerFixture {
 protected:
  // The final level of a session's preview, as its encoded bytes.
  std::string final_image(const nlohmann::json& graph, int64_t frame) {
    Reply r =
        call("POST", "/v1/previews", artist_,
             nlohmann::json{
                 {"session", "identity"}, {"graph", graph}, {"frame", frame}, {"format", "png"}});
    EXPECT_EQ(r.status, 200) << r.body;
    std::string last;
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(j.contains("error")) << line;
      if (j.value("final", false)) last = j.value("image", "");
    }
    EXPECT_FALSE(last.empty()) << "no final level: " << r.body.substr(0, 300);
    return last;
  }
  std::string root_file(const std::string& name) const { return media_root_.file(name); }
};

void write_cube(const std::string& path, double r, double g, double b) {
  std::ofstream out(path);
  out << "LUT_3D_SIZE 2\n";
  for (int bi = 0; bi < 2; ++bi)
    for (int gi = 0; gi < 2; ++gi)
      for (int ri = 0; ri < 2; ++ri) out << ri * r << " " << gi * g << " " << bi * b << "\n";
}

TEST_F(Identity, ACubeEditedInPlaceChangesTheNextPreview) {
  const std::string cube = root_file("look.cube");
  write_cube(cube, 1.0, 0.8, 0.6);
  nlohmann::json graph = {
      {"sources", {{"clip", {{"media", megamind_id_}}}}},
      {"nodes", {{"look", {{"op", "lut3d"}, {"inputs", {"clip"}}, {"params", {{"file", cube}}}}}}}};
  const std::string warm = final_image(graph, 60);
  EXPECT_EQ(final_image(graph, 60), warm) << "the same graph and bytes render the same";
  write_cube(cube, 0.6, 0.8, 1.0);  // same size, same path, new content
  const std::string cool = final_image(graph, 60);
  EXPECT_NE(cool, warm) << "an edited .cube reused the old tiles";
  // What a fresh server would render from the new file.
  write_cube(root_file("fresh.cube"), 0.6, 0.8, 1.0);
  graph["nodes"]["look"]["params"]["file"] = root_file("fresh.cube");
  EXPECT_EQ(final_image(graph, 60), cool);
}

TEST_F(Identity, AReplacedSceneLockReferenceIsAnalysedAgain) {
  const std::string mega = opencv_data("Megamind.avi");
  ASSERT_EQ(ffmpeg("-i " + mega + " -vf \"select=eq(n\\,12),eq=saturation=0.4:gamma=1.3\" " +
                   "-frames:v 1 " + root_file("dull.png")),
            0);
  ASSERT_EQ(ffmpeg("-i " + mega + " -vf \"select=eq(n\\,12),colorbalance=rs=0.3:bs=-0.3\" " +
                   "-frames:v 1 " + root_file("warm.png")),
            0);
  fs::copy_file(root_file("dull.png"), root_file("ref.png"));
  nlohmann::json graph = {
      {"sources", {{"clip", {{"media", megamind_id_}, {"frames", {0, 24}}}}}},
      {"nodes",
       {{"lock",
         {{"op", "scene_lock"},
          {"inputs", {"clip"}},
          {"params", {{"reference", root_file("ref.png")}, {"shots", "none"}}}}}}}};
  const std::string dull = final_image(graph, 5);
  fs::copy_file(root_file("warm.png"), root_file("ref.png"), fs::copy_options::overwrite_existing);
  const std::string warm = final_image(graph, 5);
  EXPECT_NE(warm, dull) << "the lock kept the analysis of the replaced reference";
  graph["nodes"]["lock"]["params"]["reference"] = root_file("warm.png");
  EXPECT_EQ(final_image(graph, 5), warm) << "the same reference bytes lock the same way";
}

TEST_F(Identity, MediaReplacedUnderATimelineIsReadAgain) {
  ASSERT_EQ(
      ffmpeg("-f lavfi -i testsrc=size=160x120:rate=25:duration=1 -c:v ffv1 " + root_file("a.mkv")),
      0);
  ASSERT_EQ(ffmpeg("-f lavfi -i smptebars=size=160x120:rate=25:duration=1 -c:v ffv1 " +
                   root_file("b.mkv")),
            0);
  fs::copy_file(root_file("a.mkv"), root_file("clip.mkv"));
  std::ofstream(root_file("cut.edl"))
      << "TITLE: cut\nFCM: NON-DROP FRAME\n\n"
         "001  AX       V     C        00:00:00:00 00:00:00:20 01:00:00:00 01:00:00:20\n"
         "* SOURCE FILE: clip.mkv\n";
  nlohmann::json graph = {
      {"sources", {{"cut", {{"path", root_file("cut.edl")}}}}},
      {"nodes",
       {{"grade", {{"op", "exposure"}, {"inputs", {"cut"}}, {"params", {{"stops", 0.5}}}}}}}};
  const std::string first = final_image(graph, 5);
  fs::copy_file(root_file("b.mkv"), root_file("clip.mkv"), fs::copy_options::overwrite_existing);
  const std::string second = final_image(graph, 5);
  EXPECT_NE(second, first) << "the timeline still played the replaced clip";
  // The other clip, named directly, renders what the timeline now shows.
  nlohmann::json direct = graph;
  direct["sources"]["cut"]["path"] = root_file("b.mkv");
  EXPECT_EQ(final_image(direct, 5), second);
}

}  // namespace
}  // namespace fl::test
