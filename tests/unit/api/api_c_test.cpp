// The C API (framelock.h): NULL handles, error codes and the thread's last error.
#include <cstring>
#include <thread>

#include "api_fixture.h"
#include "framelock/framelock.h"

using api_test::ApiTest;

TEST(CApi, NullHandlesAreRefusedNotCrashed) {
  EXPECT_EQ(framelock_engine_create(0, nullptr), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "out");
  framelock_media* media = reinterpret_cast<framelock_media*>(1);
  EXPECT_EQ(framelock_media_open(nullptr, "x.mov", &media), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(media, nullptr);
  EXPECT_EQ(framelock_graph_parse(nullptr, nullptr, nullptr), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_graph_add_source(nullptr, "a", "b"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_graph_add_node(nullptr, "a", "cdl", nullptr), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_graph_set_param(nullptr, "a", "k", "v"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_graph_connect(nullptr, "a", "b", nullptr), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_graph_add_output(nullptr, "a", "b", nullptr), FRAMELOCK_INVALID_ARGUMENT);
  char* text = nullptr;
  EXPECT_EQ(framelock_graph_to_json(nullptr, &text), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_plan_compile(nullptr, nullptr, nullptr), FRAMELOCK_INVALID_ARGUMENT);
  int w = 0, h = 0;
  int64_t n = 0;
  EXPECT_EQ(framelock_plan_frame_size(nullptr, nullptr, 1.0, &w, &h), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_plan_frame_count(nullptr, nullptr, &n), FRAMELOCK_INVALID_ARGUMENT);
  float px[4];
  EXPECT_EQ(framelock_render_frame(nullptr, nullptr, nullptr, 0, 1.0, nullptr, FRAMELOCK_RGBA_F32,
                                   px, 0, nullptr),
            FRAMELOCK_INVALID_ARGUMENT);
  double scales[] = {1.0};
  EXPECT_EQ(framelock_render_progressive(nullptr, nullptr, nullptr, 0, scales, 1, nullptr, nullptr,
                                         nullptr),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(
      framelock_render_output(nullptr, nullptr, 0, nullptr, -1, -1, nullptr, nullptr, nullptr),
      FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_cancel_create(nullptr), FRAMELOCK_INVALID_ARGUMENT);
  // Accessors and destructors take NULL quietly.
  EXPECT_EQ(framelock_media_width(nullptr), 0);
  EXPECT_EQ(framelock_media_frame_count(nullptr), 0);
  EXPECT_STREQ(framelock_media_text_of(nullptr, FRAMELOCK_MEDIA_CODEC), "");
  EXPECT_EQ(framelock_plan_output_count(nullptr), 0);
  EXPECT_EQ(framelock_plan_warning(nullptr, 0), nullptr);
  EXPECT_EQ(framelock_cancel_triggered(nullptr), 0);
  framelock_cancel_trigger(nullptr);
  framelock_engine_destroy(nullptr);
  framelock_media_close(nullptr);
  framelock_graph_destroy(nullptr);
  framelock_plan_destroy(nullptr);
  framelock_cancel_destroy(nullptr);
  framelock_free(nullptr);
}

TEST(CApi, SuccessClearsTheLastError) {
  EXPECT_EQ(framelock_graph_parse("{", nullptr, nullptr), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_NE(framelock_last_error_code(), FRAMELOCK_OK);
  framelock_graph* g = nullptr;
  ASSERT_EQ(framelock_graph_create(&g), FRAMELOCK_OK);
  EXPECT_EQ(framelock_last_error_code(), FRAMELOCK_OK);
  EXPECT_STREQ(framelock_last_error_message(), "");
  framelock_graph_destroy(g);
}

TEST(CApi, LastErrorIsPerThread) {
  EXPECT_EQ(framelock_cancel_create(nullptr), FRAMELOCK_INVALID_ARGUMENT);
  std::thread([] { EXPECT_EQ(framelock_last_error_code(), FRAMELOCK_OK); }).join();
  EXPECT_EQ(framelock_last_error_code(), FRAMELOCK_INVALID_ARGUMENT);
}

TEST(CApi, BadJsonGivesTheParseErrorAndNoGraph) {
  framelock_graph* g = reinterpret_cast<framelock_graph*>(1);
  EXPECT_EQ(framelock_graph_parse("{\"framelock\": 1, \"nodes\": [}", nullptr, &g),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(g, nullptr);
  EXPECT_EQ(framelock_last_error_code(), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(framelock_last_error_message(), "line"), nullptr)
      << framelock_last_error_message();
}

TEST(CApi, CodeNamesMatchTheEngine) {
  EXPECT_STREQ(framelock_code_name(FRAMELOCK_OK), "ok");
  EXPECT_STREQ(framelock_code_name(FRAMELOCK_CANCELLED), "cancelled");
  EXPECT_STREQ(framelock_code_name(FRAMELOCK_RESOURCE_EXHAUSTED), "resource_exhausted");
  EXPECT_STREQ(framelock_code_name(99), "unknown");
}

TEST(CApi, VersionIsTheProjectVersion) {
  int major = -1, minor = -1, patch = -1;
  framelock_version(&major, &minor, &patch);
  EXPECT_EQ(major, FL_VERSION_MAJOR);
  EXPECT_EQ(minor, FL_VERSION_MINOR);
  EXPECT_EQ(patch, FL_VERSION_PATCH);
  EXPECT_STREQ(framelock_version_string(), FL_VERSION_STRING);
}

TEST(CApi, GraphBuildingRefusesWhatCannotBeRight) {
  framelock_graph* g = nullptr;
  ASSERT_EQ(framelock_graph_create(&g), FRAMELOCK_OK);
  EXPECT_EQ(framelock_graph_add_source(g, "clip", "a.mov"), FRAMELOCK_OK);
  EXPECT_EQ(framelock_graph_add_source(g, "clip", "b.mov"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_graph_add_node(g, "m", "mix", "[1, 2]"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "params_json");
  EXPECT_EQ(framelock_graph_add_node(g, "m", "mix", nullptr), FRAMELOCK_OK);
  EXPECT_EQ(framelock_graph_set_param(g, "nope", "k", "v"), FRAMELOCK_NOT_FOUND);
  EXPECT_EQ(framelock_graph_connect(g, "clip", "m", "a"), FRAMELOCK_OK);
  EXPECT_EQ(framelock_graph_connect(g, "clip", "m", nullptr), FRAMELOCK_INVALID_ARGUMENT);
  framelock_graph_destroy(g);
}

TEST_F(ApiTest, CRenderRefusesABadRegionAndScale) {
  framelock_engine* e = nullptr;
  ASSERT_EQ(framelock_engine_create(size_t(64) << 20, &e), FRAMELOCK_OK);
  framelock_graph* g = nullptr;
  ASSERT_EQ(framelock_graph_create(&g), FRAMELOCK_OK);
  ASSERT_EQ(framelock_graph_add_source(g, "clip", clip().c_str()), FRAMELOCK_OK);
  framelock_plan* p = nullptr;
  ASSERT_EQ(framelock_plan_compile(e, g, &p), FRAMELOCK_OK) << framelock_last_error_message();
  std::vector<float> px(96 * 54 * 4);
  framelock_rect outside{90, 50, 10, 10};
  EXPECT_EQ(framelock_render_frame(e, p, "clip", 0, 1.0, &outside, FRAMELOCK_RGBA_F32, px.data(), 0,
                                   nullptr),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "region");
  EXPECT_EQ(framelock_render_frame(e, p, "clip", 0, 0.3, nullptr, FRAMELOCK_RGBA_F32, px.data(), 0,
                                   nullptr),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_render_frame(e, p, "ghost", 0, 1.0, nullptr, FRAMELOCK_RGBA_F32, px.data(), 0,
                                   nullptr),
            FRAMELOCK_NOT_FOUND);
  // No outputs: the node must be named.
  EXPECT_EQ(framelock_render_frame(e, p, nullptr, 0, 1.0, nullptr, FRAMELOCK_RGBA_F32, px.data(), 0,
                                   nullptr),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_render_frame(e, p, "clip", 0, 1.0, nullptr, FRAMELOCK_RGBA_F32, px.data(), 0,
                                   nullptr),
            FRAMELOCK_OK);
  framelock_plan_destroy(p);
  framelock_graph_destroy(g);
  framelock_engine_destroy(e);
}
