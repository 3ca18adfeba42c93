#include "colour/cube_file.h"

#include <charconv>
#include <cmath>

#include "core/file_util.h"
#include "core/text.h"

namespace fl::colour {
namespace {

// Splits on blanks; stops at '#' so that trailing comments are allowed on any line but TITLE.
size_t split(std::string_view line, std::string_view* tokens, size_t max_tokens) {
  size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size() || line[i] == '#') break;
    size_t start = i;
    while (i < line.size() && !is_blank(line[i]) && line[i] != '#') ++i;
    if (n < max_tokens) tokens[n] = line.substr(start, i - start);
    ++n;  // counted past max_tokens so callers can report "found 5 values"
  }
  return n;
}

enum class NumberError { kNone, kNotNumber, kNotFinite };

// Locale-independent (unlike strtof), accepts an explicit leading '+' like C's parsers do.
NumberError parse_float(std::string_view tok, float& out) {
  if (tok.size() > 1 && tok[0] == '+' && tok[1] != '-') tok.remove_prefix(1);
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), out);
  if (r.ec == std::errc::result_out_of_range) return NumberError::kNotFinite;
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) return NumberError::kNotNumber;
  return std::isfinite(out) ? NumberError::kNone : NumberError::kNotFinite;
}

bool looks_numeric(std::string_view tok) {
  if (tok.empty()) return false;
  char c = tok[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') return true;
  float ignored;
  return parse_float(tok, ignored) != NumberError::kNotNumber;  // nan, inf
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  Result<CubeFile> run() {
    size_t pos = 0;
    while (pos < text_.size()) {
      size_t eol = text_.find('\n', pos);
      if (eol == std::string_view::npos) eol = text_.size();
      ++line_no_;
      FL_RETURN_IF_ERROR(line(text_.substr(pos, eol - pos)));
      pos = eol + 1;
    }
    return finish();
  }

 private:
  Status error(const std::string& message) const {
    return corrupt_data(std::string(name_) + ":" + std::to_string(line_no_) + ": " + message);
  }

  Status line(std::string_view raw) {
    std::string_view s = trim(raw);
    if (s.empty()) return ok_status();
    if (s[0] == '#') {
      if (!in_data_) out_.comments.emplace_back(trim(s.substr(1)));
      return ok_status();
    }
    std::string_view tok[4];
    size_t n = split(s, tok, 4);
    if (n == 0) return ok_status();
    if (looks_numeric(tok[0])) return data(tok, n);
    if (in_data_) return error("unexpected '" + std::string(tok[0]) + "' in the LUT data");
    return keyword(s, tok, n);
  }

  Status keyword(std::string_view s, const std::string_view* tok, size_t n) {
    std::string_view key = tok[0];
    if (key == "TITLE") {
      std::string_view t = trim(s.substr(5));
      if (t.size() >= 2 && t.front() == '"') {
        size_t close = t.find('"', 1);
        if (close == std::string_view::npos) return error("TITLE has no closing quote");
        t = t.substr(1, close - 1);
      }
      out_.title = t;
      return ok_status();
    }
    if (key == "LUT_1D_SIZE" || key == "LUT_3D_SIZE") {
      bool is3d = key[4] == '3';
      int& size = is3d ? size3_ : size1_;
      if (size != 0) return error("duplicate " + std::string(key));
      if (n != 2)
        return error(std::string(key) + " needs one integer, found " + std::to_string(n - 1) +
                     " values");
      int v = 0;
      auto r = std::from_chars(tok[1].data(), tok[1].data() + tok[1].size(), v);
      if (r.ec != std::errc() || r.ptr != tok[1].data() + tok[1].size()) {
        if (r.ec != std::errc::result_out_of_range) {
          return error(std::string(key) + " value '" + std::string(tok[1]) + "' is not an integer");
        }
        v = -1;
      }
      int max = is3d ? kMax3DLutSize : kMax1DLutSize;
      if (v < kMinLutSize || v > max) {
        return error(std::string(key) + " " + std::string(tok[1]) + " is out of range " +
                     std::to_string(kMinLutSize) + ".." + std::to_string(max));
      }
      size = v;
      return ok_status();
    }
    if (key == "DOMAIN_MIN" || key == "DOMAIN_MAX") {
      auto& dst = key == "DOMAIN_MIN" ? domain_min_ : domain_max_;
      FL_RETURN_IF_ERROR(numbers(key, tok + 1, n - 1, 3, dst.emplace().data()));
      domain_line_ = line_no_;
      return ok_status();
    }
    if (key == "LUT_1D_INPUT_RANGE" || key == "LUT_3D_INPUT_RANGE") {
      auto& dst = key[4] == '3' ? range3_ : range1_;
      FL_RETURN_IF_ERROR(numbers(key, tok + 1, n - 1, 2, dst.emplace().data()));
      if (!((*dst)[1] > (*dst)[0]))
        return error(std::string(key) + " max must be greater than min");
      return ok_status();
    }
    // Unknown keywords (LUT_3D_ORDER, vendor extensions) carry nothing we can honour; the
    // data section that follows is still checked strictly.
    return ok_status();
  }

  Status numbers(std::string_view what, const std::string_view* tok, size_t n, size_t want,
                 float* out) {
    if (n != want) {
      return error(std::string(what) + " needs " + std::to_string(want) + " numbers, found " +
                   std::to_string(n));
    }
    for (size_t i = 0; i < n; ++i) {
      NumberError e = parse_float(tok[i], out[i]);
      if (e == NumberError::kNotNumber) {
        return error(std::string(what) + " value '" + std::string(tok[i]) + "' is not a number");
      }
      if (e == NumberError::kNotFinite) {
        return error(std::string(what) + " value '" + std::string(tok[i]) + "' is not finite");
      }
    }
    return ok_status();
  }

  Status begin_data() {
    if (size1_ == 0 && size3_ == 0) return error("LUT data before LUT_1D_SIZE or LUT_3D_SIZE");
    in_data_ = true;
    n1_ = size_t(size1_);
    n3_ = size_t(size3_) * size_t(size3_) * size_t(size3_);
    // Reserve no more than the rest of the text could hold ("0 0 0\n" is 6 bytes), so a tiny
    // file claiming LUT_3D_SIZE 256 does not allocate 200 MB up front.
    size_t cap = (text_.size() / 6) + 1;
    if (size1_) lut1_.rgb.reserve(3 * std::min(n1_, cap));
    if (size3_) lut3_.rgb.reserve(3 * std::min(n3_, cap));
    // DOMAIN_* belongs to the first LUT in the file; a specific *_INPUT_RANGE overrides it.
    Lut1D* first1 = size1_ ? &lut1_ : nullptr;
    if (domain_min_ || domain_max_) {
      auto set = [&](auto& lut) {
        if (domain_min_) lut.domain_min = *domain_min_;
        if (domain_max_) lut.domain_max = *domain_max_;
      };
      if (first1)
        set(lut1_);
      else
        set(lut3_);
    }
    if (range1_) lut1_.domain_min.fill((*range1_)[0]), lut1_.domain_max.fill((*range1_)[1]);
    if (range3_) lut3_.domain_min.fill((*range3_)[0]), lut3_.domain_max.fill((*range3_)[1]);
    for (size_t c = 0; c < 3; ++c) {
      const auto& lo = first1 ? lut1_.domain_min : lut3_.domain_min;
      const auto& hi = first1 ? lut1_.domain_max : lut3_.domain_max;
      if (!(hi[c] > lo[c])) {
        return corrupt_data(std::string(name_) + ":" + std::to_string(domain_line_) +
                            ": DOMAIN_MAX must be greater than DOMAIN_MIN for every channel");
      }
    }
    return ok_status();
  }

  Status data(const std::string_view* tok, size_t n) {
    if (!in_data_) FL_RETURN_IF_ERROR(begin_data());
    if (entries_ == n1_ + n3_) {
      return error("too many entries: expected " + std::to_string(n1_ + n3_) + expected_detail());
    }
    float v[3];
    FL_RETURN_IF_ERROR(numbers("entry", tok, n, 3, v));
    auto& dst = entries_ < n1_ ? lut1_.rgb : lut3_.rgb;
    dst.insert(dst.end(), v, v + 3);
    ++entries_;
    return ok_status();
  }

  Status data_error(const Status& st) const {
    if (st.ok()) return st;
    return corrupt_data(std::string(name_) + ":" +
                        std::to_string(domain_line_ ? domain_line_ : line_no_) + ": " +
                        st.message());
  }

  std::string expected_detail() const {
    if (n1_ && n3_) {
      return " (" + std::to_string(n1_) + " for the 1D LUT + " + std::to_string(n3_) +
             " for the 3D LUT)";
    }
    return "";
  }

  Result<CubeFile> finish() {
    if (!in_data_) {
      if (size1_ == 0 && size3_ == 0) return error("no LUT_1D_SIZE or LUT_3D_SIZE");
      FL_RETURN_IF_ERROR(begin_data());
    }
    if (entries_ != n1_ + n3_) {
      return error("too few entries: expected " + std::to_string(n1_ + n3_) + expected_detail() +
                   ", found " + std::to_string(entries_));
    }
    // Catches what the per-line checks cannot see, such as a domain so narrow that its
    // lattice scale overflows.
    lut1_.size = size1_;
    lut3_.size = size3_;
    if (size1_) FL_RETURN_IF_ERROR(data_error(validate_lut(lut1_)));
    if (size3_) FL_RETURN_IF_ERROR(data_error(validate_lut(lut3_)));
    if (size1_) out_.lut1d = std::move(lut1_);
    if (size3_) out_.lut3d = std::move(lut3_);
    return std::move(out_);
  }

  std::string_view text_, name_;
  int line_no_ = 0;
  int domain_line_ = 0;
  bool in_data_ = false;
  int size1_ = 0, size3_ = 0;
  size_t n1_ = 0, n3_ = 0, entries_ = 0;
  std::optional<std::array<float, 3>> domain_min_, domain_max_;
  std::optional<std::array<float, 2>> range1_, range3_;
  Lut1D lut1_;
  Lut3D lut3_;
  CubeFile out_;
};

bool uniform(const std::array<float, 3>& v) { return v[0] == v[1] && v[1] == v[2]; }

void append_triplet(std::string& out, const float* v) {
  append_number(out, v[0]);
  out += ' ';
  append_number(out, v[1]);
  out += ' ';
  append_number(out, v[2]);
  out += '\n';
}

template <class Lut>
bool default_domain(const Lut& lut) {
  return lut.domain_min == std::array<float, 3>{0, 0, 0} &&
         lut.domain_max == std::array<float, 3>{1, 1, 1};
}

template <class Lut>
void append_domain(std::string& out, const Lut& lut) {
  out += "DOMAIN_MIN ";
  append_triplet(out, lut.domain_min.data());
  out += "DOMAIN_MAX ";
  append_triplet(out, lut.domain_max.data());
}

template <class Lut>
void append_range(std::string& out, const char* key, const Lut& lut) {
  out += key;
  out += ' ';
  append_number(out, lut.domain_min[0]);
  out += ' ';
  append_number(out, lut.domain_max[0]);
  out += '\n';
}

}  // namespace

Result<CubeFile> parse_cube(std::string_view text, std::string_view name_for_errors) {
  return Parser(text, name_for_errors).run();
}

Result<CubeFile> read_cube_file(const std::string& path) {
  FL_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  return parse_cube(text, path);
}

Result<std::string> format_cube(const CubeFile& cube) {
  if (!cube.lut1d && !cube.lut3d) return invalid_argument("a .cube file needs a 1D or a 3D LUT");
  if (cube.lut1d) FL_RETURN_IF_ERROR(validate_lut(*cube.lut1d).with_context("1D LUT: "));
  if (cube.lut3d) FL_RETURN_IF_ERROR(validate_lut(*cube.lut3d).with_context("3D LUT: "));
  const bool both = cube.lut1d && cube.lut3d;
  if (both && !(uniform(cube.lut3d->domain_min) && uniform(cube.lut3d->domain_max))) {
    return invalid_argument("a .cube with a shaper cannot hold a per-channel 3D LUT domain");
  }
  std::string out;
  size_t entries =
      (cube.lut1d ? size_t(cube.lut1d->size) : 0) + (cube.lut3d ? cube.lut3d->rgb.size() / 3 : 0);
  out.reserve(256 + entries * 30);
  if (!cube.title.empty()) {
    std::string title = cube.title;
    for (char& c : title) {
      if (c == '"' || c == '\n' || c == '\r') c = '\'';
    }
    out += "TITLE \"" + title + "\"\n";
  }
  for (const auto& c : cube.comments) {
    std::string line = c;
    for (char& ch : line) {
      if (ch == '\n' || ch == '\r') ch = ' ';
    }
    out += "# " + line + "\n";
  }
  if (cube.lut1d) out += "LUT_1D_SIZE " + std::to_string(cube.lut1d->size) + "\n";
  if (cube.lut3d) out += "LUT_3D_SIZE " + std::to_string(cube.lut3d->size) + "\n";
  if (both) {
    // Resolve's keywords where they can say it; DOMAIN_* (which the reader gives to the
    // shaper) for a per-channel shaper domain.
    const Lut1D& s = *cube.lut1d;
    if (!default_domain(s)) {
      if (uniform(s.domain_min) && uniform(s.domain_max)) {
        append_range(out, "LUT_1D_INPUT_RANGE", s);
      } else {
        append_domain(out, s);
      }
    }
    if (!default_domain(*cube.lut3d)) append_range(out, "LUT_3D_INPUT_RANGE", *cube.lut3d);
  } else if (cube.lut1d ? !default_domain(*cube.lut1d) : !default_domain(*cube.lut3d)) {
    if (cube.lut1d)
      append_domain(out, *cube.lut1d);
    else
      append_domain(out, *cube.lut3d);
  }
  out += '\n';
  if (cube.lut1d) {
    for (size_t i = 0; i < cube.lut1d->rgb.size(); i += 3) append_triplet(out, &cube.lut1d->rgb[i]);
  }
  if (cube.lut3d) {
    for (size_t i = 0; i < cube.lut3d->rgb.size(); i += 3) append_triplet(out, &cube.lut3d->rgb[i]);
  }
  return out;
}

Status write_cube(const OutputPipeline& pipeline, const OutputRecord& record,
                  const CubeFile& cube) {
  FL_ASSIGN_OR_RETURN(std::string text, format_cube(cube));
  OutputRecord look = record;
  look.kind = OutputKind::kLook;
  return pipeline.write_file(look, text);
}

void apply_cube(const CubeFile& cube, Interp interp, float* rgba, size_t pixels) {
  if (cube.lut1d) apply_lut1d(*cube.lut1d, rgba, pixels);
  if (cube.lut3d) apply_lut3d(*cube.lut3d, interp, rgba, pixels);
}

}  // namespace fl::colour
