// Runs the `framelock` command in a fresh directory and captures what it says.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "test_support.h"

namespace fl::test {

struct Outcome {
  int code = 0;
  std::string err;
  std::string out;
};

class Cli : public ::testing::Test {
 protected:
  Outcome run(const std::string& args) {
    std::string out = dir_.file("stdout.txt"), err = dir_.file("stderr.txt");
    Outcome o;
    // The installation's own signer (docs/provenance.md) lives in a home of the test's own.
    o.code =
        test::run("cd " + dir_.path().string() + " && FRAMELOCK_HOME=" + home_.path().string() +
                  " " + test::framelock_bin() + " " + args + " >" + out + " 2>" + err);
    o.out = slurp(out);
    o.err = slurp(err);
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return o;
  }
  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
  }
  // Only the files the test made itself (and their sidecars): no output, no temp file.
  void expect_only(std::set<std::string> names) {
    // A file's Content Credentials sidecar (docs/provenance.md) goes with it.
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::string name = e.path().filename().string();
      if (name.size() > 5 && name.ends_with(".c2pa")) name.resize(name.size() - 5);
      EXPECT_TRUE(names.count(name)) << "left behind: " << e.path();
    }
  }
  test::TempDir dir_;
  test::TempDir home_;
  const std::string mega_ = test::opencv_data("Megamind.avi");
};

}  // namespace fl::test
