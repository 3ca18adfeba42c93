#include "colour/cdl_file.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/file_util.h"
#include "core/text.h"

namespace fl::colour {
namespace {

// Element name without any namespace prefix ("cdl:Slope" -> "Slope").
std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool same_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The first child element named `a` or `b`, in any case: writers spell the v1.2 names
// SatNode, SATNode and SATNODE.
pugi::xml_node child(const pugi::xml_node& parent, std::string_view a, std::string_view b = {}) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view n = local_name(c);
    if (same_nocase(n, a) || (!b.empty() && same_nocase(n, b))) return c;
  }
  return {};
}

class Reader {
 public:
  Reader(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  Result<std::vector<Cdl>> run() {
    pugi::xml_document doc;
    pugi::xml_parse_result r =
        doc.load_buffer(text_.data(), text_.size(), pugi::parse_default, pugi::encoding_auto);
    if (!r) {
      return corrupt_data(where(size_t(std::max<ptrdiff_t>(r.offset, 0))) +
                          "XML error: " + r.description());
    }
    pugi::xml_node root = doc.document_element();
    std::string_view kind = local_name(root);
    std::vector<Cdl> out;
    if (kind == "ColorCorrection") {
      FL_RETURN_IF_ERROR(correction(root, out));
    } else if (kind == "ColorCorrectionCollection" || kind == "ColorDecisionList") {
      for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
        std::string_view n = local_name(c);
        if (n == "ColorDecision") {
          bool found = false;
          for (pugi::xml_node cc = c.first_child(); cc; cc = cc.next_sibling()) {
            if (local_name(cc) == "ColorCorrection") {
              FL_RETURN_IF_ERROR(correction(cc, out));
              found = true;
            } else if (local_name(cc) == "ColorCorrectionRef") {
              return ref_error(cc);
            }
          }
          if (!found) return corrupt_data(where(c) + "ColorDecision has no ColorCorrection");
        } else if (n == "ColorCorrection") {
          FL_RETURN_IF_ERROR(correction(c, out));
        } else if (n == "ColorCorrectionRef") {
          return ref_error(c);
        }
      }
      if (out.empty())
        return corrupt_data(where(root) + std::string(kind) + " has no ColorCorrection");
    } else if (!root) {
      return corrupt_data(std::string(name_) + ": no XML element (empty document)");
    } else {
      return corrupt_data(
          where(root) + "root element '" + std::string(root.name()) +
          "' is not ColorCorrection, ColorCorrectionCollection or ColorDecisionList");
    }
    return out;
  }

 private:
  std::string where(size_t offset) const {
    return std::string(name_) + ":" + std::to_string(line_of_offset(text_, offset)) + ": ";
  }
  std::string where(const pugi::xml_node& n) const {
    return where(size_t(std::max<ptrdiff_t>(n.offset_debug(), 0)));
  }

  Status ref_error(const pugi::xml_node& n) const {
    return unsupported(where(n) + "ColorCorrectionRef '" + std::string(n.attribute("ref").value()) +
                       "' refers to a grade in another file; resolve it first");
  }

  Status correction(const pugi::xml_node& cc, std::vector<Cdl>& out) {
    Cdl cdl;
    cdl.id = cc.attribute("id").value();
    const std::string ctx =
        "ColorCorrection" + (cdl.id.empty() ? std::string() : " '" + cdl.id + "'") + ": ";
    if (pugi::xml_node d = child(cc, "Description")) cdl.description = trim(d.child_value());
    if (pugi::xml_node sop = child(cc, "SOPNode", "ASC_SOP")) {
      const std::string sctx = ctx + std::string(local_name(sop)) + ": ";
      if (cdl.description.empty()) {
        if (pugi::xml_node d = child(sop, "Description")) cdl.description = trim(d.child_value());
      }
      struct Field {
        const char* name;
        std::array<double, 3>* dst;
      } fields[] = {{"Slope", &cdl.slope}, {"Offset", &cdl.offset}, {"Power", &cdl.power}};
      for (const Field& f : fields) {
        pugi::xml_node e = child(sop, f.name);
        if (!e) return corrupt_data(where(sop) + sctx + "missing " + f.name);
        FL_RETURN_IF_ERROR(
            numbers(e, sctx, f.name, f.dst->data(), 3, std::strcmp(f.name, "Offset") != 0));
      }
    }
    if (pugi::xml_node sat = child(cc, "SatNode", "ASC_SAT")) {
      const std::string sctx = ctx + std::string(local_name(sat)) + ": ";
      pugi::xml_node e = child(sat, "Saturation");
      if (!e) return corrupt_data(where(sat) + sctx + "missing Saturation");
      FL_RETURN_IF_ERROR(numbers(e, sctx, "Saturation", &cdl.saturation, 1, true));
    }
    out.push_back(std::move(cdl));
    return ok_status();
  }

  Status numbers(const pugi::xml_node& e, const std::string& ctx, const char* what, double* dst,
                 size_t want, bool non_negative) const {
    std::string_view s = e.child_value();
    size_t found = 0, i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
      if (i == s.size()) break;
      size_t start = i;
      while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
      std::string_view tok = s.substr(start, i - start);
      if (tok.size() > 1 && tok[0] == '+' && tok[1] != '-') tok.remove_prefix(1);
      double v = 0;
      auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      if (r.ec != std::errc() || r.ptr != tok.data() + tok.size() || !std::isfinite(v)) {
        return corrupt_data(where(e) + ctx + what + " value '" +
                            std::string(s.substr(start, i - start)) + "' is not a finite number");
      }
      if (non_negative && v < 0) {
        return corrupt_data(where(e) + ctx + what + " value " + std::string(tok) + " is negative");
      }
      if (found < want) dst[found] = v;
      ++found;
    }
    if (found != want) {
      return corrupt_data(where(e) + ctx + what + " needs " + std::to_string(want) +
                          (want == 1 ? " number" : " numbers") + ", found " +
                          std::to_string(found));
    }
    return ok_status();
  }

  std::string_view text_, name_;
};

std::string triplet(const std::array<double, 3>& v) {
  std::string s;
  for (size_t c = 0; c < 3; ++c) {
    if (c) s += ' ';
    append_number(s, v[c]);
  }
  return s;
}

void add_correction(pugi::xml_node parent, const Cdl& cdl) {
  pugi::xml_node cc = parent.append_child("ColorCorrection");
  if (!cdl.id.empty()) cc.append_attribute("id") = cdl.id.c_str();
  pugi::xml_node sop = cc.append_child("SOPNode");
  if (!cdl.description.empty()) sop.append_child("Description").text() = cdl.description.c_str();
  sop.append_child("Slope").text() = triplet(cdl.slope).c_str();
  sop.append_child("Offset").text() = triplet(cdl.offset).c_str();
  sop.append_child("Power").text() = triplet(cdl.power).c_str();
  std::string sat;
  append_number(sat, cdl.saturation);
  cc.append_child("SatNode").append_child("Saturation").text() = sat.c_str();
}

}  // namespace

Result<std::vector<Cdl>> parse_cdl_xml(std::string_view text, std::string_view name_for_errors) {
  return Reader(text, name_for_errors).run();
}

Result<std::vector<Cdl>> read_cdl_file(const std::string& path) {
  // CDL files are small; anything near this size is not one.
  FL_ASSIGN_OR_RETURN(std::string text, read_text_file(path, size_t(64) << 20));
  return parse_cdl_xml(text, path);
}

Result<CdlFormat> cdl_format_for_path(std::string_view path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  std::string ext;
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    for (char c : path.substr(dot + 1)) ext += char(std::tolower(static_cast<unsigned char>(c)));
  }
  if (ext == "cc") return CdlFormat::kCc;
  if (ext == "ccc") return CdlFormat::kCcc;
  if (ext == "cdl") return CdlFormat::kCdl;
  return invalid_argument("'" + std::string(path) + "' does not end in .cc, .ccc or .cdl");
}

Result<std::string> format_cdl_xml(std::span<const Cdl> cdls, CdlFormat format) {
  for (size_t i = 0; i < cdls.size(); ++i) {
    FL_RETURN_IF_ERROR(validate_cdl(cdls[i]).with_context(
        "CDL " + std::to_string(i) + (cdls[i].id.empty() ? "" : " '" + cdls[i].id + "'") + ": "));
  }
  if (format == CdlFormat::kCc && cdls.size() != 1) {
    return invalid_argument("a .cc file holds exactly one ColorCorrection, got " +
                            std::to_string(cdls.size()));
  }
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  constexpr const char* kNamespace = "urn:ASC:CDL:v1.01";
  if (format == CdlFormat::kCc) {
    add_correction(doc, cdls[0]);
    doc.document_element().prepend_attribute("xmlns") = kNamespace;
  } else if (format == CdlFormat::kCcc) {
    pugi::xml_node root = doc.append_child("ColorCorrectionCollection");
    root.append_attribute("xmlns") = kNamespace;
    for (const Cdl& c : cdls) add_correction(root, c);
  } else {
    pugi::xml_node root = doc.append_child("ColorDecisionList");
    root.append_attribute("xmlns") = kNamespace;
    for (const Cdl& c : cdls) add_correction(root.append_child("ColorDecision"), c);
  }
  std::ostringstream os;
  doc.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
  return os.str();
}

Status write_cdl_file(const OutputPipeline& pipeline, const OutputRecord& record,
                      std::span<const Cdl> cdls) {
  FL_ASSIGN_OR_RETURN(CdlFormat format, cdl_format_for_path(record.path));
  FL_ASSIGN_OR_RETURN(std::string text, format_cdl_xml(cdls, format));
  OutputRecord look = record;
  look.kind = OutputKind::kLook;
  return pipeline.write_file(look, text);
}

}  // namespace fl::colour
