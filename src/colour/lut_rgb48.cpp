#include "colour/lut_rgb48.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define FL_HAVE_X86_SIMD 1
#endif

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
  // RGB0 per vertex, pre-multiplied by 65535 so that the kernels go straight to code values.
  std::vector<float> lattice;
  std::vector<AxisEntry> axis;  // 3 x 65536: red, green, blue
  std::array<Tetra, 8> tetra{};
};

int PreparedLut3D::size() const { return data_ ? data_->size : 0; }
Interp PreparedLut3D::interp() const { return data_ ? data_->interp : Interp::kTetrahedral; }

namespace {

// Index = (fr > fg) | (fg > fb) << 1 | (fr > fb) << 2, the bit order one vector compare and
// movmskps produce. The orders follow FFmpeg's decision tree, so ties pick the same
// tetrahedron; the two impossible combinations get any valid entry.
constexpr int kOrder[8][3] = {
    {2, 1, 0},  // b >= g >= r
    {2, 0, 1},  // b >= r > g
    {1, 2, 0},  // g > b >= r
    {0, 1, 2},  // impossible (r > g > b >= r)
    {2, 1, 0},  // impossible (r > b >= g >= r)
    {0, 2, 1},  // r > b >= g
    {1, 0, 2},  // g >= r > b
    {0, 1, 2},  // r > g > b
};

inline int tetra_index(float fr, float fg, float fb) {
  return int(fr > fg) | (int(fg > fb) << 1) | (int(fr > fb) << 2);
}

// Round to nearest and clamp to 16 bits; v is already in code values.
inline uint16_t to_u16(float v) {
  v += 0.5f;
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
    // Clamped far outside the output range so that the float->int32 conversion of any
    // interpolated value cannot overflow; a vertex at +-1e6 (15 times full scale) already
    // clamps every pixel it touches.
    for (size_t c = 0; c < 3; ++c)
      d->lattice[4 * i + c] = std::clamp(lut.rgb[3 * i + c] * 65535.0f, -1e6f, 1e6f);
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
      // FFmpeg's arithmetic (v * (1/65535) * scale, clipped), so cells and fractions agree.
      float x = (float(v) * to_unit - lo) * scale;
      x = x > 0.0f ? x : 0.0f;  // NaN-safe, unlike std::clamp
      x = x < top ? x : top;
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

void apply_lut3d_rgb48_scalar(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out,
                              size_t pixels) {
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
      const float w0 = 1.0f - f[t.hi], w1 = f[t.hi] - f[t.mid], w2 = f[t.mid] - f[t.lo],
                  w3 = f[t.lo];
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

#if FL_HAVE_X86_SIMD
namespace {

#define FL_AVX2 __attribute__((target("avx2,fma")))

// Code values -> 4 x uint16 in the low 64 bits (per 128-bit lane). The lattice is clamped to
// +-1e6, so the conversion cannot overflow; packus clamps to 0..65535 (the min is for values
// that round above it).
FL_AVX2 inline __m128i pack_u16(__m128 v) {
  v = _mm_min_ps(v, _mm_set1_ps(65535.0f));
  return _mm_packus_epi32(_mm_cvtps_epi32(v), _mm_setzero_si128());
}

FL_AVX2 inline void store6(__m128i q, uint16_t* out) {
  const uint64_t bits = uint64_t(_mm_cvtsi128_si64(q));
  const uint32_t lo = uint32_t(bits);
  const uint16_t hi = uint16_t(bits >> 32);
  std::memcpy(out, &lo, 4);
  std::memcpy(out + 2, &hi, 2);
}

FL_AVX2 inline __m128 tetra_one(const PreparedLut3D::Data& d, const uint16_t* in) {
  const AxisEntry* ar = d.axis.data();
  const AxisEntry er = ar[in[0]], eg = ar[65536 + in[1]], eb = ar[2 * 65536 + in[2]];
  const Tetra& t = d.tetra[size_t(tetra_index(er.frac, eg.frac, eb.frac))];
  const float* p = d.lattice.data() + (er.offset + eg.offset + eb.offset);
  __m128 f = _mm_setr_ps(er.frac, eg.frac, eb.frac, 0.0f);
  f = _mm_permutevar_ps(f, _mm_load_si128(reinterpret_cast<const __m128i*>(t.perm)));
  const __m128 fhi = _mm_permute_ps(f, 0x00), fmid = _mm_permute_ps(f, 0x55),
               flo = _mm_permute_ps(f, 0xAA);
  __m128 acc = _mm_mul_ps(_mm_sub_ps(_mm_set1_ps(1.0f), fhi), _mm_loadu_ps(p));
  acc = _mm_fmadd_ps(_mm_sub_ps(fhi, fmid), _mm_loadu_ps(p + t.d1), acc);
  acc = _mm_fmadd_ps(_mm_sub_ps(fmid, flo), _mm_loadu_ps(p + t.d2), acc);
  return _mm_fmadd_ps(flo, _mm_loadu_ps(p + d.far), acc);
}

// Two pixels per iteration, one per 128-bit lane: the in-lane AVX instructions (vpermilps,
// packusdw) then do both pixels' tetrahedron choice, weights and conversion at once. `in` and
// `out` must not overlap (the caller bounces in-place work through a buffer): each pixel is
// stored as 8 bytes whose last 2 land on the next pixel's red, written just after.
FL_AVX2 void tetrahedral_avx2(const PreparedLut3D::Data& d, const uint16_t* in, uint16_t* out,
                              size_t pixels) {
  const float* L = d.lattice.data();
  const AxisEntry* ar = d.axis.data();
  const AxisEntry* ag = ar + 65536;
  const AxisEntry* ab = ag + 65536;
  const Tetra* tetra = d.tetra.data();
  const uint32_t far = d.far;
  const __m256i pick_a = _mm256_setr_epi32(0, 1, 0, 3, 0, 1, 0, 3);  // (fr, fg, fr, 0)
  const __m256i pick_b = _mm256_setr_epi32(1, 2, 2, 3, 1, 2, 2, 3);  // (fg, fb, fb, 0)
  const __m256 one = _mm256_set1_ps(1.0f), top = _mm256_set1_ps(65535.0f);
  size_t i = 0;
  for (; i + 2 < pixels; i += 2, in += 6, out += 6) {
    const AxisEntry r0 = ar[in[0]], g0 = ag[in[1]], b0 = ab[in[2]];
    const AxisEntry r1 = ar[in[3]], g1 = ag[in[4]], b1 = ab[in[5]];
    const __m256 f =
        _mm256_setr_ps(r0.frac, g0.frac, b0.frac, 0.0f, r1.frac, g1.frac, b1.frac, 0.0f);
    const int m = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_permutevar_ps(f, pick_a),
                                                   _mm256_permutevar_ps(f, pick_b), _CMP_GT_OQ));
    const Tetra& t0 = tetra[m & 7];
    const Tetra& t1 = tetra[m >> 4];
    const float* p0 = L + (r0.offset + g0.offset + b0.offset);
    const float* p1 = L + (r1.offset + g1.offset + b1.offset);
    const __m256i perm = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(t1.perm),
                                             reinterpret_cast<const __m128i*>(t0.perm));
    const __m256 fs = _mm256_permutevar_ps(f, perm);  // (f_hi, f_mid, f_lo, 0) per pixel
    const __m256 fhi = _mm256_permute_ps(fs, 0x00), fmid = _mm256_permute_ps(fs, 0x55),
                 flo = _mm256_permute_ps(fs, 0xAA);
    __m256 acc = _mm256_mul_ps(_mm256_sub_ps(one, fhi), _mm256_loadu2_m128(p1, p0));
    acc =
        _mm256_fmadd_ps(_mm256_sub_ps(fhi, fmid), _mm256_loadu2_m128(p1 + t1.d1, p0 + t0.d1), acc);
    acc =
        _mm256_fmadd_ps(_mm256_sub_ps(fmid, flo), _mm256_loadu2_m128(p1 + t1.d2, p0 + t0.d2), acc);
    acc = _mm256_fmadd_ps(flo, _mm256_loadu2_m128(p1 + far, p0 + far), acc);
    acc = _mm256_min_ps(acc, top);
    const __m256i q = _mm256_packus_epi32(_mm256_cvtps_epi32(acc), _mm256_setzero_si256());
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(q));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 3), _mm256_extracti128_si256(q, 1));
  }
  // The last one or two pixels: 6-byte stores, nothing written past the end.
  for (; i < pixels; ++i, in += 3, out += 3) store6(pack_u16(tetra_one(d, in)), out);
}

FL_AVX2 void trilinear_avx2(const PreparedLut3D::Data& d, const uint16_t* in, uint16_t* out,
                            size_t pixels) {
  const float* L = d.lattice.data();
  const AxisEntry* ar = d.axis.data();
  const AxisEntry* ag = ar + 65536;
  const AxisEntry* ab = ag + 65536;
  const uint32_t sr = d.stride[0], sg = d.stride[1], sb = d.stride[2];
  auto lerp = [](__m128 a, __m128 b, __m128 t)
                  FL_AVX2 { return _mm_fmadd_ps(_mm_sub_ps(b, a), t, a); };
  for (size_t i = 0; i < pixels; ++i, in += 3, out += 3) {
    const AxisEntry er = ar[in[0]], eg = ag[in[1]], eb = ab[in[2]];
    const float* p = L + (er.offset + eg.offset + eb.offset);
    const __m128 fr = _mm_set1_ps(er.frac), fg = _mm_set1_ps(eg.frac), fb = _mm_set1_ps(eb.frac);
    __m128 c00 = lerp(_mm_loadu_ps(p), _mm_loadu_ps(p + sr), fr);
    __m128 c10 = lerp(_mm_loadu_ps(p + sg), _mm_loadu_ps(p + sg + sr), fr);
    __m128 c01 = lerp(_mm_loadu_ps(p + sb), _mm_loadu_ps(p + sb + sr), fr);
    __m128 c11 = lerp(_mm_loadu_ps(p + sb + sg), _mm_loadu_ps(p + sb + sg + sr), fr);
    store6(pack_u16(lerp(lerp(c00, c10, fg), lerp(c01, c11, fg), fb)), out);
  }
}

bool cpu_has_avx2_fma() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

bool overlaps(const uint16_t* in, const uint16_t* out, size_t pixels) {
  auto a = reinterpret_cast<uintptr_t>(in), b = reinterpret_cast<uintptr_t>(out);
  const uintptr_t bytes = pixels * 6;
  return a < b + bytes && b < a + bytes;
}

}  // namespace

#undef FL_AVX2

bool apply_lut3d_rgb48_avx2(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out,
                            size_t pixels) {
  if (!cpu_has_avx2_fma()) return false;
  if (lut.empty()) {
    if (in != out) std::memmove(out, in, pixels * 3 * sizeof(uint16_t));
  } else if (lut.interp() == Interp::kTrilinear) {
    trilinear_avx2(lut.data(), in, out, pixels);  // 6-byte stores: safe in place
  } else if (!overlaps(in, out, pixels)) {
    tetrahedral_avx2(lut.data(), in, out, pixels);
  } else {
    // In place: copy a chunk aside (stays in L1) before overwriting it.
    constexpr size_t kChunk = 512;
    uint16_t bounce[kChunk * 3];
    for (size_t done = 0; done < pixels; done += kChunk) {
      const size_t n = std::min(kChunk, pixels - done);
      std::memcpy(bounce, in + 3 * done, n * 6);
      tetrahedral_avx2(lut.data(), bounce, out + 3 * done, n);
    }
  }
  return true;
}

#else  // not x86-64: the portable loop only

bool apply_lut3d_rgb48_avx2(const PreparedLut3D&, const uint16_t*, uint16_t*, size_t) {
  return false;
}

#endif  // FL_HAVE_X86_SIMD

}  // namespace detail

void apply_lut3d_rgb48(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out, size_t pixels) {
  if (!detail::apply_lut3d_rgb48_avx2(lut, in, out, pixels)) {
    detail::apply_lut3d_rgb48_scalar(lut, in, out, pixels);
  }
}

}  // namespace fl::colour
