// The C API's filters (framelock_filter_*) and operator schemas, as a plugin host drives them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "framelock/framelock.h"
#include "framelock/framelock.hpp"

namespace {

struct Engine {
  framelock_engine* e = nullptr;
  Engine() { EXPECT_EQ(framelock_engine_create(64 << 20, &e), FRAMELOCK_OK); }
  ~Engine() { framelock_engine_destroy(e); }
};

struct Filter {
  framelock_filter* f = nullptr;
  Filter(framelock_engine* e, const char* op, const char* transfer = nullptr) {
    EXPECT_EQ(framelock_filter_create(e, op, transfer, &f), FRAMELOCK_OK)
        << framelock_last_error_message();
  }
  ~Filter() { framelock_filter_destroy(f); }
};

// The sRGB curve written out, independent of the library's tables.
double srgb_to_linear(double v) {
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}
double linear_to_srgb(double v) {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
}

// Every 8-bit value in R, G and B across a 256x3 frame, opaque.
std::vector<uint8_t> ramp() {
  std::vector<uint8_t> px(256 * 3 * 4);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 256; ++x) {
      uint8_t* p = &px[size_t(y * 256 + x) * 4];
      p[0] = uint8_t(x), p[1] = uint8_t(255 - x), p[2] = uint8_t((x * 7) % 256), p[3] = 255;
    }
  return px;
}

}  // namespace

TEST(CApiFilter, SchemaIsTheOperatorsAsJson) {
  char* text = nullptr;
  ASSERT_EQ(framelock_op_schema("exposure", &text), FRAMELOCK_OK);
  const std::string schema = text;
  framelock_free(text);
  EXPECT_NE(schema.find("\"name\": \"exposure\""), std::string::npos) << schema;
  EXPECT_NE(schema.find("\"stops\""), std::string::npos);
  EXPECT_NE(schema.find("\"pointwise\": true"), std::string::npos);
  EXPECT_EQ(framelock_op_schema("no_such_op", &text), FRAMELOCK_NOT_FOUND);
  EXPECT_EQ(text, nullptr);
  EXPECT_STREQ(framelock_last_error_field(), "op");
  EXPECT_EQ(framelock_op_schema(nullptr, &text), FRAMELOCK_INVALID_ARGUMENT);
}

TEST(CApiFilter, RefusesOpsThatAreNotOnePointwiseInput) {
  Engine engine;
  framelock_filter* f = nullptr;
  EXPECT_EQ(framelock_filter_create(engine.e, "nope", nullptr, &f), FRAMELOCK_NOT_FOUND);
  EXPECT_EQ(framelock_filter_create(engine.e, "crop", nullptr, &f), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_NE(std::string(framelock_last_error_message()).find("cannot run as a filter"),
            std::string::npos);
  EXPECT_EQ(framelock_filter_create(engine.e, "mix", nullptr, &f), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_filter_create(engine.e, "exposure", "sepia", &f), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "transfer");
  EXPECT_EQ(f, nullptr);
  EXPECT_EQ(framelock_filter_create(nullptr, "exposure", nullptr, &f), FRAMELOCK_INVALID_ARGUMENT);
  uint8_t px[4] = {};
  EXPECT_EQ(framelock_filter_apply(nullptr, 1, 1, FRAMELOCK_RGBA_U8, px, 0, px, 0),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_filter_set_param(nullptr, "stops", "1"), FRAMELOCK_INVALID_ARGUMENT);
  framelock_filter_destroy(nullptr);
}

TEST(CApiFilter, ExposureOnEveryCodeValueMatchesTheCurveWrittenOut) {
  Engine engine;
  Filter filter(engine.e, "exposure");
  ASSERT_EQ(framelock_filter_set_param(filter.f, "stops", "1"), FRAMELOCK_OK);
  const auto in = ramp();
  std::vector<uint8_t> out(in.size());
  ASSERT_EQ(
      framelock_filter_apply(filter.f, 256, 3, FRAMELOCK_RGBA_U8, in.data(), 0, out.data(), 0),
      FRAMELOCK_OK)
      << framelock_last_error_message();
  int worst = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i % 4 == 3) {
      EXPECT_EQ(out[i], 255);
      continue;
    }
    const double want =
        std::clamp(linear_to_srgb(2 * srgb_to_linear(in[i] / 255.0)), 0.0, 1.0) * 255;
    worst = std::max(worst, int(std::abs(out[i] - std::lround(want))));
  }
  EXPECT_LE(worst, 1);
}

TEST(CApiFilter, BadValuesAreRefusedAndTheLastGoodOneKept) {
  Engine engine;
  Filter filter(engine.e, "exposure");
  ASSERT_EQ(framelock_filter_set_param(filter.f, "stops", "-1"), FRAMELOCK_OK);
  EXPECT_EQ(framelock_filter_set_param(filter.f, "stops", "99"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "params.stops");
  EXPECT_EQ(framelock_filter_set_param(filter.f, "stops", "bright"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_EQ(framelock_filter_set_param(filter.f, "gain", "1"), FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "params.gain");
  uint8_t px[4] = {200, 200, 200, 255};
  ASSERT_EQ(framelock_filter_apply(filter.f, 1, 1, FRAMELOCK_RGBA_U8, px, 0, px, 0), FRAMELOCK_OK);
  const double want = linear_to_srgb(0.5 * srgb_to_linear(200 / 255.0)) * 255;  // -1 stop
  EXPECT_NEAR(px[0], want, 1.0);
}

TEST(CApiFilter, FormatsStridesAlphaAndInPlaceAgree) {
  Engine engine;
  Filter filter(engine.e, "saturation");
  ASSERT_EQ(framelock_filter_set_param(filter.f, "saturation", "0.3"), FRAMELOCK_OK);
  const int w = 256, h = 3;
  auto in8 = ramp();
  for (size_t i = 3; i < in8.size(); i += 8) in8[i] = 128;  // every other pixel half covered
  std::vector<uint8_t> out8(in8.size());
  ASSERT_EQ(
      framelock_filter_apply(filter.f, w, h, FRAMELOCK_RGBA_U8, in8.data(), 0, out8.data(), 0),
      FRAMELOCK_OK);
  // 16-bit and float carry the same picture: within a code of the 8-bit result.
  std::vector<uint16_t> in16(in8.size()), out16(in8.size());
  std::vector<float> in32(in8.size()), out32(in8.size());
  for (size_t i = 0; i < in8.size(); ++i) {
    in16[i] = uint16_t(in8[i] * 257);
    in32[i] = in8[i] / 255.f;
  }
  ASSERT_EQ(
      framelock_filter_apply(filter.f, w, h, FRAMELOCK_RGBA_U16, in16.data(), 0, out16.data(), 0),
      FRAMELOCK_OK);
  ASSERT_EQ(
      framelock_filter_apply(filter.f, w, h, FRAMELOCK_RGBA_F32, in32.data(), 0, out32.data(), 0),
      FRAMELOCK_OK);
  for (size_t i = 0; i < in8.size(); ++i) {
    EXPECT_NEAR(out16[i] / 257.0, out8[i], 1.0) << i;
    EXPECT_NEAR(out32[i] * 255.0, out8[i], 1.0) << i;
    if (i % 4 == 3) {
      EXPECT_EQ(out8[i], in8[i]) << "alpha is the host's";
    }
  }
  // Straight alpha: a half-covered pixel's colour is graded as an opaque one's is.
  uint8_t pair[8] = {200, 100, 50, 255, 200, 100, 50, 128};
  ASSERT_EQ(framelock_filter_apply(filter.f, 2, 1, FRAMELOCK_RGBA_U8, pair, 0, pair, 0),
            FRAMELOCK_OK);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(pair[4 + c], pair[c], 1) << c;
  EXPECT_EQ(pair[7], 128);
  // In place, with padded rows: the padding is left alone.
  const size_t row = size_t(w) * 4 + 12;
  std::vector<uint8_t> padded(row * h, 77);
  for (int y = 0; y < h; ++y)
    std::memcpy(&padded[size_t(y) * row], &in8[size_t(y * w) * 4], size_t(w) * 4);
  ASSERT_EQ(framelock_filter_apply(filter.f, w, h, FRAMELOCK_RGBA_U8, padded.data(), row,
                                   padded.data(), row),
            FRAMELOCK_OK);
  for (int y = 0; y < h; ++y) {
    EXPECT_EQ(std::memcmp(&padded[size_t(y) * row], &out8[size_t(y * w) * 4], size_t(w) * 4), 0);
    for (size_t i = size_t(w) * 4; i < row; ++i) EXPECT_EQ(padded[size_t(y) * row + i], 77);
  }
  EXPECT_EQ(
      framelock_filter_apply(filter.f, w, h, FRAMELOCK_RGBA_U8, in8.data(), 16, out8.data(), 0),
      FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "row_bytes");
}

TEST(CApiFilter, AFileTheOpNeedsIsNamedWhenItIsMissing) {
  Engine engine;
  Filter filter(engine.e, "lut3d");
  uint8_t px[4] = {10, 20, 30, 255};
  EXPECT_EQ(framelock_filter_apply(filter.f, 1, 1, FRAMELOCK_RGBA_U8, px, 0, px, 0),
            FRAMELOCK_INVALID_ARGUMENT);
  EXPECT_STREQ(framelock_last_error_field(), "params.file");
  ASSERT_EQ(framelock_filter_set_param(filter.f, "file", "/nonexistent/look.cube"), FRAMELOCK_OK);
  EXPECT_NE(framelock_filter_apply(filter.f, 1, 1, FRAMELOCK_RGBA_U8, px, 0, px, 0), FRAMELOCK_OK);
  EXPECT_NE(std::string(framelock_last_error_message()).find("/nonexistent/look.cube"),
            std::string::npos)
      << framelock_last_error_message();
  EXPECT_EQ(px[0], 10);  // a failed apply writes nothing
}

TEST(CApiFilter, FramesOfAnySizeAndFromSeveralThreads) {
  Engine engine;
  Filter a(engine.e, "exposure"), b(engine.e, "exposure");
  ASSERT_EQ(framelock_filter_set_param(a.f, "stops", "0.5"), FRAMELOCK_OK);
  ASSERT_EQ(framelock_filter_set_param(b.f, "stops", "0.5"), FRAMELOCK_OK);
  const auto in = ramp();
  std::vector<uint8_t> wide(in.size()), tall(in.size());
  ASSERT_EQ(framelock_filter_apply(a.f, 256, 3, FRAMELOCK_RGBA_U8, in.data(), 0, wide.data(), 0),
            FRAMELOCK_OK);
  // The same pixels as another shape: a pointwise op gives the same values.
  ASSERT_EQ(framelock_filter_apply(a.f, 3, 256, FRAMELOCK_RGBA_U8, in.data(), 0, tall.data(), 0),
            FRAMELOCK_OK);
  EXPECT_EQ(wide, tall);
  std::vector<uint8_t> from_a(in.size()), from_b(in.size());
  std::thread ta([&] {
    for (int i = 0; i < 20; ++i)
      framelock_filter_apply(a.f, 256, 3, FRAMELOCK_RGBA_U8, in.data(), 0, from_a.data(), 0);
  });
  std::thread tb([&] {
    for (int i = 0; i < 20; ++i)
      framelock_filter_apply(b.f, 256, 3, FRAMELOCK_RGBA_U8, in.data(), 0, from_b.data(), 0);
  });
  ta.join();
  tb.join();
  EXPECT_EQ(from_a, wide);
  EXPECT_EQ(from_b, wide);
}

TEST(CppApiFilter, FilterAndSchemaThroughTheCppApi) {
  auto engine = framelock::Engine::create(16 << 20);
  ASSERT_TRUE(engine.ok());
  auto schema = framelock::operator_schema("saturation");
  ASSERT_TRUE(schema.ok());
  EXPECT_NE(schema->find("\"saturation\""), std::string::npos);
  EXPECT_FALSE(framelock::operator_schema("nope").ok());
  auto filter = framelock::Filter::create(*engine, "saturation");
  ASSERT_TRUE(filter.ok()) << filter.status().message();
  EXPECT_FALSE(filter->set("saturation", "-1").ok());
  ASSERT_TRUE(filter->set("saturation", "0").ok());
  uint8_t px[4] = {200, 50, 10, 255};
  ASSERT_TRUE(filter->apply(1, 1, FRAMELOCK_RGBA_U8, px, px).ok());
  EXPECT_EQ(px[0], px[1]);  // no saturation: grey
  EXPECT_EQ(px[1], px[2]);
  EXPECT_FALSE(framelock::Filter::create(*engine, "crop").ok());
}
