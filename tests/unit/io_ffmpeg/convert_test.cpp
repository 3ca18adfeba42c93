// Banded (parallel) pixel conversion must give exactly the bytes of a single-band conversion.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "core/buffer_pool.h"
#include "io/ffmpeg/ffmpeg_convert.h"

namespace fl::io::ff {
namespace {

struct Case {
  AVPixelFormat fmt;
  int w, h;
};

const Case kCases[] = {
    {AV_PIX_FMT_YUV422P10LE, 1920, 1080}, {AV_PIX_FMT_YUV420P, 1280, 720},
    {AV_PIX_FMT_YUV420P, 642, 481},       {AV_PIX_FMT_YUV444P, 700, 389},
    {AV_PIX_FMT_NV12, 960, 540},          {AV_PIX_FMT_YUVA444P10LE, 640, 360},
    {AV_PIX_FMT_RGB24, 800, 451},         {AV_PIX_FMT_GBRP10LE, 640, 480},
    {AV_PIX_FMT_GRAY8, 512, 300},         {AV_PIX_FMT_YUVJ422P, 720, 576},
    {AV_PIX_FMT_RGBA64LE, 600, 333},      {AV_PIX_FMT_YUV420P10LE, 1024, 578},
};

FramePtr random_frame(const Case& c, uint32_t seed) {
  FramePtr f(av_frame_alloc());
  f->width = c.w;
  f->height = c.h;
  f->format = c.fmt;
  f->colorspace = AVCOL_SPC_BT709;
  EXPECT_EQ(av_frame_get_buffer(f.get(), 0), 0);
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(c.fmt);
  const int depth = d->comp[0].depth;
  std::mt19937 rng(seed);
  for (int p = 0; p < 4 && f->data[p]; ++p) {
    int rows = p > 0 && p < 3 && !(d->flags & AV_PIX_FMT_FLAG_RGB)
                   ? AV_CEIL_RSHIFT(c.h, d->log2_chroma_h)
                   : c.h;
    for (int y = 0; y < rows; ++y) {
      uint8_t* row = f->data[p] + size_t(y) * f->linesize[p];
      if (depth > 8) {
        auto* r16 = reinterpret_cast<uint16_t*>(row);
        for (int i = 0; i < f->linesize[p] / 2; ++i) r16[i] = uint16_t(rng() & ((1u << depth) - 1));
      } else {
        for (int i = 0; i < f->linesize[p]; ++i) row[i] = uint8_t(rng());
      }
    }
  }
  return f;
}

TEST(ConvertTest, DecodeBandsAreBitIdentical) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(av_get_pix_fmt_name(c.fmt)) + " " + std::to_string(c.w) + "x" +
                 std::to_string(c.h));
    FramePtr f = random_frame(c, 7);
    FrameToImage one(colour::Transfer::kBt709, 1);
    auto ref = one.convert(f.get());
    ASSERT_TRUE(ref.ok()) << ref.status().to_string();
    for (int bands : {2, 3, 7}) {
      FrameToImage many(colour::Transfer::kBt709, bands);
      auto got = many.convert(f.get());
      ASSERT_TRUE(got.ok()) << got.status().to_string();
      ASSERT_EQ(std::memcmp(ref->data(), got->data(), ref->bytes()), 0) << bands << " bands";
    }
  }
}

TEST(ConvertTest, EncodeBandsAreBitIdentical) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(av_get_pix_fmt_name(c.fmt)) + " " + std::to_string(c.w) + "x" +
                 std::to_string(c.h));
    Image img(c.w, c.h);
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-0.1f, 1.2f);
    for (size_t i = 0; i < img.float_count(); ++i) img.data()[i] = u(rng);
    auto run = [&](int bands) {
      ImageToFrame conv(c.w, c.h, c.fmt, AVCOL_SPC_BT709, false, colour::Transfer::kBt709, bands);
      EXPECT_TRUE(conv.init().ok());
      FramePtr f(av_frame_alloc());
      f->width = c.w;
      f->height = c.h;
      f->format = c.fmt;
      EXPECT_EQ(av_frame_get_buffer(f.get(), 0), 0);
      for (int p = 0; p < 4 && f->buf[p]; ++p) std::memset(f->buf[p]->data, 0, f->buf[p]->size);
      Status s = conv.convert(img, f.get());
      EXPECT_TRUE(s.ok()) << s.to_string();
      return f;
    };
    FramePtr ref = run(1);
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(c.fmt);
    for (int bands : {2, 3, 7}) {
      FramePtr got = run(bands);
      for (int p = 0; p < 4 && ref->data[p]; ++p) {
        int rows = p > 0 && p < 3 && !(d->flags & AV_PIX_FMT_FLAG_RGB)
                       ? AV_CEIL_RSHIFT(c.h, d->log2_chroma_h)
                       : c.h;
        ASSERT_EQ(ref->linesize[p], got->linesize[p]);
        for (size_t i = 0; i < size_t(ref->linesize[p]) * rows; ++i)
          if (ref->data[p][i] != got->data[p][i]) {
            ADD_FAILURE() << "first difference at row " << i / ref->linesize[p] << " byte "
                          << i % ref->linesize[p] << ": " << int(ref->data[p][i]) << " vs "
                          << int(got->data[p][i]);
            break;
          }
        EXPECT_EQ(std::memcmp(ref->data[p], got->data[p], size_t(ref->linesize[p]) * rows), 0)
            << bands << " bands, plane " << p;
      }
    }
  }
}

TEST(BufferPoolTest, RecyclesLargeBuffersAndCapsIdleBytes) {
  core::trim_pixel_pool();
  const size_t n = (size_t(16) << 20) / sizeof(float);
  float* first = nullptr;
  {
    auto a = core::make_pixel_buffer(n);
    first = a.get();
    a[0] = 1.f, a[n - 1] = 2.f;
  }
  EXPECT_EQ(core::pixel_pool_stats().idle_buffers, 1u);
  auto b = core::make_pixel_buffer(n);
  EXPECT_EQ(b.get(), first);
  EXPECT_EQ(core::pixel_pool_stats().idle_buffers, 0u);
  {
    std::vector<std::shared_ptr<float[]>> many;
    for (size_t i = 0; i < core::kPoolIdleCapBuffers + 4; ++i)
      many.push_back(core::make_pixel_buffer(n));
  }
  EXPECT_LE(core::pixel_pool_stats().idle_buffers, core::kPoolIdleCapBuffers);
  EXPECT_LE(core::pixel_pool_stats().idle_bytes, core::kPoolIdleCapBytes);
  // Small images stay on the heap.
  Image small(64, 64);
  EXPECT_EQ(core::pixel_pool_stats().idle_buffers, core::pixel_pool_stats().idle_buffers);
  core::trim_pixel_pool();
  EXPECT_EQ(core::pixel_pool_stats().idle_bytes, 0u);
}

}  // namespace
}  // namespace fl::io::ff
