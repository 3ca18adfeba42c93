#include <gtest/gtest.h>

#include <OpenColorIO/OpenColorIO.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "colour/cdl.h"
#include "colour/cdl_file.h"
#include "test_support.h"

namespace fl::colour {
namespace {

namespace OCIO = OCIO_NAMESPACE;

Cdl sample_cdl() {
  Cdl c;
  c.slope = {1.2, 1.0, 0.8};
  c.offset = {-0.1, 0.0, 0.05};
  c.power = {1.5, 2.2, 0.8};
  c.saturation = 1.3;
  c.id = "shot_010";
  c.description = "warm & <bright>";
  return c;
}

TEST(Cdl, IdentityDetection) {
  Cdl c;
  EXPECT_TRUE(c.is_identity());
  float px[8] = {-0.5f, 0.25f, 7.0f, 0.5f, 0.1f, 0.2f, 0.3f, 1.0f};
  float copy[8];
  std::copy(px, px + 8, copy);
  apply_cdl(c, px, 2);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(px[i], copy[i]);
  c.power[2] = 1.0001;
  EXPECT_FALSE(c.is_identity());
}

// Values worked out by hand from the ASC formulas (sop = in * s + o; sop^p for sop > 0;
// luma = 0.2126 R + 0.7152 G + 0.0722 B; out = luma + sat * (v - luma)).
TEST(Cdl, MatchesHandComputedValues) {
  float px[12] = {0.3f, 0.4f, 0.5f, 0.7f, -0.5f, -0.2f, 0.1f, 1.0f, 0.05f, 0.5f, 2.0f, 0.0f};
  float clamp[12];
  std::copy(px, px + 12, clamp);
  apply_cdl(sample_cdl(), px, 3, CdlStyle::kNoClamp);
  const float expect[12] = {0.1238752f,  0.1246994f,  0.6378274f, 0.7f,
                            -0.8266766f, -0.1766766f, 0.3374780f, 1.0f,
                            -0.1284781f, 0.2064508f,  1.8640972f, 0.0f};
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(px[i], expect[i], 2e-6) << i;
  apply_cdl(sample_cdl(), clamp, 3, CdlStyle::kAscClamp);
  const float expect_clamp[12] = {0.1238752f, 0.1246994f, 0.6378274f, 0.7f,       0,    0,
                                  0.2499200f, 1.0f,       0,          0.2145726f, 1.0f, 0.0f};
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(clamp[i], expect_clamp[i], 2e-6) << i;
}

TEST(Cdl, SaturationOnlyUsesRec709Luma) {
  Cdl c;
  c.saturation = 0.0;
  float px[4] = {1.0f, 0.0f, 0.0f, 1.0f};
  apply_cdl(c, px, 1);
  EXPECT_NEAR(px[0], 0.2126f, 1e-7);
  EXPECT_NEAR(px[1], 0.2126f, 1e-7);
  EXPECT_NEAR(px[2], 0.2126f, 1e-7);
}

TEST(Cdl, AgreesWithOcio) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-0.3f, 1.6f);
  std::vector<float> px(4 * 2000);
  for (float& v : px) v = u(rng);
  const Cdl cdl = sample_cdl();
  for (auto [style, ocio_style] : {std::pair{CdlStyle::kNoClamp, OCIO::CDL_NO_CLAMP},
                                   std::pair{CdlStyle::kAscClamp, OCIO::CDL_ASC}}) {
    auto t = OCIO::CDLTransform::Create();
    t->setSlope(cdl.slope.data());
    t->setOffset(cdl.offset.data());
    t->setPower(cdl.power.data());
    t->setSat(cdl.saturation);
    t->setStyle(ocio_style);
    auto cpu = OCIO::Config::CreateRaw()->getProcessor(t)->getDefaultCPUProcessor();
    auto ours = px;
    apply_cdl(cdl, ours.data(), 2000, style);
    for (size_t i = 0; i < 2000; ++i) {
      float ref[3] = {px[4 * i], px[4 * i + 1], px[4 * i + 2]};
      cpu->applyRGB(ref);
      for (size_t c = 0; c < 3; ++c) {
        ASSERT_NEAR(ours[4 * i + c], ref[c], 2e-5 * std::max(1.0f, std::fabs(ref[c])))
            << "style " << int(style) << " pixel " << i;
      }
      ASSERT_EQ(ours[4 * i + 3], px[4 * i + 3]);
    }
  }
}

TEST(Cdl, Validate) {
  EXPECT_TRUE(validate_cdl(sample_cdl()).ok());
  Cdl c;
  c.slope[1] = -1;
  EXPECT_EQ(validate_cdl(c).field(), "slope");
  c = Cdl{};
  c.power[0] = NAN;
  EXPECT_EQ(validate_cdl(c).field(), "power");
  c = Cdl{};
  c.saturation = -0.1;
  EXPECT_EQ(validate_cdl(c).field(), "saturation");
}

constexpr const char* kCc = R"(<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrection id="cc0001" xmlns="urn:ASC:CDL:v1.2">
  <SOPNode>
    <Description>a warm look</Description>
    <Slope>1.1 1.0 0.9</Slope>
    <Offset>0.01 0 -0.02</Offset>
    <Power> 1.0  1.1
      1.2 </Power>
  </SOPNode>
  <SatNode><Saturation>0.85</Saturation></SatNode>
</ColorCorrection>
)";

TEST(CdlXml, ParsesCc) {
  auto r = parse_cdl_xml(kCc, "a.cc");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 1u);
  const Cdl& c = (*r)[0];
  EXPECT_EQ(c.id, "cc0001");
  EXPECT_EQ(c.description, "a warm look");
  EXPECT_EQ(c.slope, (std::array<double, 3>{1.1, 1.0, 0.9}));
  EXPECT_EQ(c.offset, (std::array<double, 3>{0.01, 0, -0.02}));
  EXPECT_EQ(c.power, (std::array<double, 3>{1.0, 1.1, 1.2}));
  EXPECT_EQ(c.saturation, 0.85);
}

TEST(CdlXml, ParsesCccWithOldNamesAndPrefixes) {
  const char* text = R"(<?xml version="1.0"?>
<cdl:ColorCorrectionCollection xmlns:cdl="urn:ASC:CDL:v1.01">
  <cdl:Description>collection</cdl:Description>
  <cdl:ColorCorrection id="a">
    <cdl:ASC_SOP><cdl:Slope>2 2 2</cdl:Slope><cdl:Offset>0 0 0</cdl:Offset><cdl:Power>1 1 1</cdl:Power></cdl:ASC_SOP>
    <cdl:ASC_SAT><cdl:Saturation>1</cdl:Saturation></cdl:ASC_SAT>
  </cdl:ColorCorrection>
  <cdl:ColorCorrection id="b">
    <cdl:Description>sat only</cdl:Description>
    <cdl:SatNode><cdl:Saturation>0.5</cdl:Saturation></cdl:SatNode>
  </cdl:ColorCorrection>
</cdl:ColorCorrectionCollection>)";
  auto r = parse_cdl_xml(text, "x.ccc");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].slope[2], 2.0);
  EXPECT_EQ((*r)[1].id, "b");
  EXPECT_EQ((*r)[1].description, "sat only");
  EXPECT_EQ((*r)[1].saturation, 0.5);
  EXPECT_EQ((*r)[1].slope, (std::array<double, 3>{1, 1, 1}));
}

TEST(CdlXml, ParsesCdl) {
  const char* text = R"(<ColorDecisionList xmlns="urn:ASC:CDL:v1.01">
  <ColorDecision>
    <MediaRef ref="A001.mov"/>
    <ColorCorrection id="d1"><SOPNode><Slope>1 1 1</Slope><Offset>0.1 0.1 0.1</Offset><Power>1 1 1</Power></SOPNode></ColorCorrection>
  </ColorDecision>
  <ColorDecision>
    <ColorCorrection id="d2"><SatNode><Saturation>1.2</Saturation></SatNode></ColorCorrection>
  </ColorDecision>
</ColorDecisionList>)";
  auto r = parse_cdl_xml(text, "x.cdl");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].offset[1], 0.1);
  EXPECT_EQ((*r)[1].saturation, 1.2);
}

void expect_xml_error(const std::string& text, int line, const std::string& needle,
                      ErrorCode code = ErrorCode::kCorruptData) {
  auto r = parse_cdl_xml(text, "g.cc");
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), code);
  const std::string& m = r.status().message();
  EXPECT_EQ(m.rfind("g.cc:" + std::to_string(line) + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(needle), std::string::npos) << m;
}

TEST(CdlXml, ErrorsNameFileLineAndElement) {
  const std::string head = "<ColorCorrection id=\"x1\">\n<SOPNode>\n";
  const std::string tail = "</SOPNode>\n</ColorCorrection>\n";
  expect_xml_error(head + "<Offset>0 0 0</Offset>\n<Power>1 1 1</Power>\n" + tail, 2,
                   "ColorCorrection 'x1': SOPNode: missing Slope");
  expect_xml_error(
      head + "<Slope>1 1</Slope>\n<Offset>0 0 0</Offset>\n<Power>1 1 1</Power>\n" + tail, 3,
      "Slope needs 3 numbers, found 2");
  expect_xml_error(
      head + "<Slope>1 1 1</Slope>\n<Offset>0 0 0 0</Offset>\n<Power>1 1 1</Power>\n" + tail, 4,
      "Offset needs 3 numbers, found 4");
  expect_xml_error(
      head + "<Slope>1 -1 1</Slope>\n<Offset>0 0 0</Offset>\n<Power>1 1 1</Power>\n" + tail, 3,
      "Slope value -1 is negative");
  expect_xml_error(
      head + "<Slope>1 1 1</Slope>\n<Offset>0 zero 0</Offset>\n<Power>1 1 1</Power>\n" + tail, 4,
      "Offset value 'zero' is not a finite number");
  expect_xml_error(
      head + "<Slope>1 1 1</Slope>\n<Offset>0 0 0</Offset>\n<Power>1 nan 1</Power>\n" + tail, 5,
      "Power value 'nan' is not a finite number");
  expect_xml_error(
      "<ColorCorrection>\n\n<SatNode><Saturation>1 2</Saturation></SatNode></ColorCorrection>", 3,
      "ColorCorrection: SatNode: Saturation needs 1 number, found 2");
  expect_xml_error("<ColorCorrection>\n<SatNode>\n</SatNode></ColorCorrection>", 2,
                   "missing Saturation");
  expect_xml_error("<ColorCorrection>\n<SOPNode>\n</ColorCorrection>", 3, "XML error");
  expect_xml_error("\n<Grade/>", 2, "root element 'Grade'");
  expect_xml_error("<ColorDecisionList>\n<ColorDecision/>\n</ColorDecisionList>", 2,
                   "no ColorCorrection");
  expect_xml_error("<ColorCorrectionCollection>\n</ColorCorrectionCollection>", 1,
                   "has no ColorCorrection");
  expect_xml_error(
      "<ColorDecisionList><ColorDecision>\n<ColorCorrectionRef "
      "ref=\"ext1\"/></ColorDecision></ColorDecisionList>",
      2, "ColorCorrectionRef 'ext1'", ErrorCode::kUnsupported);
  auto empty = parse_cdl_xml("", "g.cc");
  EXPECT_EQ(empty.status().code(), ErrorCode::kCorruptData);
}

TEST(CdlXml, WriteAndReadBackEveryFormat) {
  test::TempDir dir;
  Cdl a = sample_cdl();
  a.offset[0] = 0.1 / 3.0;  // needs all 17 digits
  Cdl b;
  b.id = "b";
  b.saturation = 0.0;
  std::vector<Cdl> both{a, b};
  ASSERT_TRUE(write_cdl_file(OutputPipeline::plain(), {dir.file("one.cc")}, std::span(&a, 1)).ok());
  ASSERT_TRUE(write_cdl_file(OutputPipeline::plain(), {dir.file("two.ccc")}, both).ok());
  ASSERT_TRUE(write_cdl_file(OutputPipeline::plain(), {dir.file("two.CDL")}, both).ok());
  auto cc = read_cdl_file(dir.file("one.cc"));
  ASSERT_TRUE(cc.ok()) << cc.status().to_string();
  ASSERT_EQ(cc->size(), 1u);
  EXPECT_EQ((*cc)[0], a);
  for (const char* name : {"two.ccc", "two.CDL"}) {
    auto r = read_cdl_file(dir.file(name));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(*r, both) << name;
  }
  // The written .cdl has the ColorDecision wrapping the v1.2 spec requires.
  std::ifstream f(dir.file("two.CDL"));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<ColorDecision>"), std::string::npos);
  EXPECT_NE(text.find("xmlns=\"urn:ASC:CDL:v1.01\""), std::string::npos);
  EXPECT_NE(text.find("warm &amp; &lt;bright&gt;"), std::string::npos);
}

TEST(CdlXml, WriterErrors) {
  test::TempDir dir;
  std::vector<Cdl> two(2);
  EXPECT_EQ(write_cdl_file(OutputPipeline::plain(), {dir.file("x.cc")}, two).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(write_cdl_file(OutputPipeline::plain(), {dir.file("x.xml")}, two).code(),
            ErrorCode::kInvalidArgument);
  two[1].slope[0] = -2;
  EXPECT_EQ(write_cdl_file(OutputPipeline::plain(), {dir.file("x.ccc")}, two).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.ccc")));
  auto missing = read_cdl_file(dir.file("nope.cdl"));
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.cdl"), std::string::npos);
}

}  // namespace
}  // namespace fl::colour
