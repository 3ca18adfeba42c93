#include "colour/lut_rgb48.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

namespace fl::colour {

// Offsets are in floats into `lattice` (4 per vertex), so the three per-channel offsets of a
// pixel add up to its base vertex.
struct AxisEntry {
  uint32_t offset;
  float frac;
};

// One tetrahedron: which fractions are the largest, middle and smallest, as a permutation for
// vpermilps, and the offsets from the base vertex of its 2nd and 3rd vertices (the 4th is
// always the far corner).
struct Tetra {
  alignas(16) int32_t perm[4];
  uint32_t d1, d2;
  int hi, mid, lo;
};

struct PreparedLut3D::Data {
  int size = 0;
  Interp interp = Interp::kTetrahedral;
  uint32_t stride[3] = {};
  uint32_t far = 0;  // offset of the (+1, +1, +1) corner
  std::vector<float> lattice;
  std::vector<AxisEntry> axis;  // 3 x 65536: red, green, blue
  std::array<Tetra, 8> tetra{};
};

int PreparedLut3D::size() const { return data_ ? data_->size : 0; }
Interp PreparedLut3D::interp() const { return data_ ? data_->interp : Interp::kTetrahedral; }

namespace {

// Index = (fr > fg) * 4 + (fg > fb) * 2 + (fr > fb). Follows FFmpeg's decision tree, so ties
// pick the same tetrahedron; the two impossible orderings get any valid entry.
constexpr int kOrder[8][3] = {
    {2, 1, 0}, {2, 1, 0}, {1, 2, 0}, {1, 0, 2}, {2, 0, 1}, {0, 2, 1}, {0, 1, 2}, {0, 1, 2},
};

inline int tetra_index(float fr, float fg, float fb) {
  return (int(fr > fg) << 2) | (int(fg > fb) << 1) | int(fr > fb);
}

inline uint16_t to_u16(float v) {
  v = v * 65535.0f + 0.5f;
  v = v > 0.0f ? v : 0.0f;
  v = v < 65535.0f ? v : 65535.0f;
  return uint16_t(v);
}

}  // namespace

Result<PreparedLut3D> prepare_lut3d(const Lut3D& lut, Interp interp) {
  FL_RETURN_IF_ERROR(validate_lut(lut));
  auto d = std::make_shared<PreparedLut3D::Data>();
  const uint32_t n = uint32_t(lut.size);
  d->size = lut.size;
  d->interp = interp;
  d->stride[0] = 4;
  d->stride[1] = 4 * n;
  d->stride[2] = 4 * n * n;
  d->far = d->stride[0] + d->stride[1] + d->stride[2];
  d->lattice.resize(size_t(n) * n * n * 4);
  for (size_t i = 0, count = size_t(n) * n * n; i < count; ++i) {
    std::memcpy(&d->lattice[4 * i], &lut.rgb[3 * i], 3 * sizeof(float));
    d->lattice[4 * i + 3] = 0.0f;
  }
  d->axis.resize(3 * 65536);
  const float top = float(n - 1);
  const float to_unit = 1.0f / 65535.0f;
  for (int c = 0; c < 3; ++c) {
    const float lo = lut.domain_min[size_t(c)];
    const float scale = top / (lut.domain_max[size_t(c)] - lo);
    AxisEntry* e = &d->axis[size_t(c) * 65536];
    for (int v = 0; v < 65536; ++v) {
      float x = (float(v) * to_unit - lo) * scale;
      x = std::clamp(x, 0.0f, top);
      int cell = std::min(int(x), int(n) - 2);
      e[v] = {uint32_t(cell) * d->stride[c], x - float(cell)};
    }
  }
  for (int i = 0; i < 8; ++i) {
    Tetra& t = d->tetra[size_t(i)];
    t.hi = kOrder[i][0], t.mid = kOrder[i][1], t.lo = kOrder[i][2];
    t.perm[0] = t.hi, t.perm[1] = t.mid, t.perm[2] = t.lo, t.perm[3] = 3;
    t.d1 = d->stride[t.hi];
    t.d2 = t.d1 + d->stride[t.mid];
  }
  return PreparedLut3D(std::move(d));
}

namespace detail {

void apply_lut3d_rgb48_scalar(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out, size_t pixels) {
  if (lut.empty()) {
    if (in != out) std::memmove(out, in, pixels * 3 * sizeof(uint16_t));
    return;
  }
  const auto& d = lut.data();
  const float* L = d.lattice.data();
  const AxisEntry* ar = d.axis.data();
  const AxisEntry* ag = ar + 65536;
  const AxisEntry* ab = ag + 65536;
  for (size_t i = 0; i < pixels; ++i, in += 3, out += 3) {
    const AxisEntry er = ar[in[0]], eg = ag[in[1]], eb = ab[in[2]];
    const float f[3] = {er.frac, eg.frac, eb.frac};
    const float* p = L + (er.offset + eg.offset + eb.offset);
    float o[3];
    if (d.interp == Interp::kTetrahedral) {
      const Tetra& t = d.tetra[size_t(tetra_index(f[0], f[1], f[2]))];
      const float* c1 = p + t.d1;
      const float* c2 = p + t.d2;
      const float* c3 = p + d.far;
      const float w0 = 1.0f - f[t.hi], w1 = f[t.hi] - f[t.mid], w2 = f[t.mid] - f[t.lo], w3 = f[t.lo];
      for (int c = 0; c < 3; ++c) o[c] = w0 * p[c] + w1 * c1[c] + w2 * c2[c] + w3 * c3[c];
    } else {
      const uint32_t sr = d.stride[0], sg = d.stride[1], sb = d.stride[2];
      for (int c = 0; c < 3; ++c) {
        auto lerp = [](float a, float b, float t) { return a + (b - a) * t; };
        const float* q = p + c;
        float c00 = lerp(q[0], q[sr], f[0]), c10 = lerp(q[sg], q[sg + sr], f[0]);
        float c01 = lerp(q[sb], q[sb + sr], f[0]), c11 = lerp(q[sb + sg], q[sb + sg + sr], f[0]);
        o[c] = lerp(lerp(c00, c10, f[1]), lerp(c01, c11, f[1]), f[2]);
      }
    }
    out[0] = to_u16(o[0]), out[1] = to_u16(o[1]), out[2] = to_u16(o[2]);
  }
}

namespace {

__attribute__((target("avx2,fma"))) inline void store_rgb48(__m128 v, uint16_t* out) {
  const __m128 scale = _mm_set1_ps(65535.0f);
  v = _mm_min_ps(_mm_max_ps(_mm_mul_ps(v, scale), _mm_setzero_ps()), scale);
  __m128i q = _mm_packus_epi32(_mm_cvtps_epi32(v), _mm_setzero_si128());
  uint64_t bits = uint64_t(_mm_cvtsi128_si64(q));
  // 6 bytes, not 8: the 4th lane would overwrite the next pixel's red, which in-place use has
  // not read yet.
  uint32_t lo = uint32_t(bits);
  uint16_t hi = uint16_t(bits >> 32);
  std::memcpy(out, &lo, 4);
  std::memcpy(out + 2, &hi, 2);
}

__attribute__((target("avx2,fma"))) void tetrahedral_avx2(const PreparedLut3D::Data& d, const uint16_t* in,
                                                           uint16_t* out, size_t pixels) {
  const float* L = d.lattice.data();
  const AxisEntry* ar = d.axis.data();
  const AxisEntry* ag = ar + 65536;
  const AxisEntry* ab = ag + 65536;
  const Tetra* tetra = d.tetra.data();
  const uint32_t far = d.far;
  const __m128 one = _mm_set1_ps(1.0f);
  for (size_t i = 0; i < pixels; ++i, in += 3, out += 3) {
    const AxisEntry er = ar[in[0]], eg = ag[in[1]], eb = ab[in[2]];
    const Tetra& t = tetra[tetra_index(er.frac, eg.frac, eb.frac)];
    const float* p = L + (er.offset + eg.offset + eb.offset);
    // f = (fr, fg, fb, 0) reordered to (f_hi, f_mid, f_lo, 0); the weights of the 4 vertices
    // are then 1 - f_hi, f_hi - f_mid, f_mid - f_lo, f_lo.
    __m128 f = _mm_setr_ps(er.frac, eg.frac, eb.frac, 0.0f);
    f = _mm_permutevar_ps(f, _mm_load_si128(reinterpret_cast<const __m128i*>(t.perm)));
    const __m128 fhi = _mm_permute_ps(f, 0x00), fmid = _mm_permute_ps(f, 0x55), flo = _mm_permute_ps(f, 0xAA);
    const __m128 c0 = _mm_loadu_ps(p), c1 = _mm_loadu_ps(p + t.d1);
    const __m128 c2 = _mm_loadu_ps(p + t.d2), c3 = _mm_loadu_ps(p + far);
    __m128 acc = _mm_mul_ps(_mm_sub_ps(one, fhi), c0);
    acc = _mm_fmadd_ps(_mm_sub_ps(fhi, fmid), c1, acc);
    acc = _mm_fmadd_ps(_mm_sub_ps(fmid, flo), c2, acc);
    acc = _mm_fmadd_ps(flo, c3, acc);
    store_rgb48(acc, out);
  }
}

__attribute__((target("avx2,fma"))) void trilinear_avx2(const PreparedLut3D::Data& d, const uint16_t* in,
                                                          uint16_t* out, size_t pixels) {
  const float* L = d.lattice.data();
  const AxisEntry* ar = d.axis.data();
  const AxisEntry* ag = ar + 65536;
  const AxisEntry* ab = ag + 65536;
  const uint32_t sr = d.stride[0], sg = d.stride[1], sb = d.stride[2];
  auto lerp = [](__m128 a, __m128 b, __m128 t) __attribute__((target("avx2,fma"))) {
    return _mm_fmadd_ps(_mm_sub_ps(b, a), t, a);
  };
  for (size_t i = 0; i < pixels; ++i, in += 3, out += 3) {
    const AxisEntry er = ar[in[0]], eg = ag[in[1]], eb = ab[in[2]];
    const float* p = L + (er.offset + eg.offset + eb.offset);
    const __m128 fr = _mm_set1_ps(er.frac), fg = _mm_set1_ps(eg.frac), fb = _mm_set1_ps(eb.frac);
    __m128 c00 = lerp(_mm_loadu_ps(p), _mm_loadu_ps(p + sr), fr);
    __m128 c10 = lerp(_mm_loadu_ps(p + sg), _mm_loadu_ps(p + sg + sr), fr);
    __m128 c01 = lerp(_mm_loadu_ps(p + sb), _mm_loadu_ps(p + sb + sr), fr);
    __m128 c11 = lerp(_mm_loadu_ps(p + sb + sg), _mm_loadu_ps(p + sb + sg + sr), fr);
    store_rgb48(lerp(lerp(c00, c10, fg), lerp(c01, c11, fg), fb), out);
  }
}

bool cpu_has_avx2_fma() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

}  // namespace

bool apply_lut3d_rgb48_avx2(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out, size_t pixels) {
  if (!cpu_has_avx2_fma()) return false;
  if (lut.empty()) {
    if (in != out) std::memmove(out, in, pixels * 3 * sizeof(uint16_t));
  } else if (lut.interp() == Interp::kTetrahedral) {
    tetrahedral_avx2(lut.data(), in, out, pixels);
  } else {
    trilinear_avx2(lut.data(), in, out, pixels);
  }
  return true;
}

}  // namespace detail

void apply_lut3d_rgb48(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out, size_t pixels) {
  if (!detail::apply_lut3d_rgb48_avx2(lut, in, out, pixels)) {
    detail::apply_lut3d_rgb48_scalar(lut, in, out, pixels);
  }
}

}  // namespace fl::colour
