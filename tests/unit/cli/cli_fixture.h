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
    o.code = test::run("cd " + dir_.path().string() + " && " + test::framelock_bin() + " " + args +
                       " >" + out + " 2>" + err);
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
  // Only the files the test made itself: no output, no temp file.
  void expect_only(std::set<std::string> names) {
    for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
      EXPECT_TRUE(names.count(e.path().filename().string())) << "left behind: " << e.path();
  }
  test::TempDir dir_;
  const std::string mega_ = test::opencv_data("Megamind.avi");
};

}  // namespace fl::test
