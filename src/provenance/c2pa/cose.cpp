#include "provenance/c2pa/cose.h"

#include <cbor.h>

#include <memory>

namespace fl::c2pa {
namespace {

constexpr int64_t kAlgEs256 = -7;
constexpr uint64_t kHeaderAlg = 1;
constexpr uint64_t kHeaderX5chain = 33;
constexpr uint64_t kTagCoseSign1 = 18;

struct ItemRef {
  void operator()(cbor_item_t* item) const {
    if (item) cbor_decref(&item);
  }
};
using Item = std::unique_ptr<cbor_item_t, ItemRef>;

cbor_item_t* bytes_item(std::string_view b) {
  return cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size());
}

void add(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
  cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
}

std::string serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t capacity = 0;
  const size_t n = cbor_serialize_alloc(item, &buffer, &capacity);
  std::string out(reinterpret_cast<char*>(buffer), n);
  free(buffer);
  return out;
}

// RFC 9052 §4.4: what is signed.
std::string sig_structure(std::string_view protected_header, std::string_view payload) {
  Item array(cbor_new_definite_array(4));
  cbor_array_push(array.get(), cbor_move(cbor_build_string("Signature1")));
  cbor_array_push(array.get(), cbor_move(bytes_item(protected_header)));
  cbor_array_push(array.get(), cbor_move(bytes_item({})));
  cbor_array_push(array.get(), cbor_move(bytes_item(payload)));
  return serialize(array.get());
}

std::string_view bytes_of(const cbor_item_t* item) {
  return {reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
          cbor_bytestring_length(item)};
}

bool definite_bytes(const cbor_item_t* item) {
  return item && cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item);
}

}  // namespace

bool well_bounded_cbor(std::string_view bytes) {
  size_t at = 0;
  uint64_t pending = 1;  // items still to read
  while (pending > 0) {
    if (at >= bytes.size()) return false;
    --pending;
    const uint8_t initial = uint8_t(bytes[at++]);
    const int major = initial >> 5, info = initial & 31;
    uint64_t arg = uint64_t(info);
    if (info >= 24 && info <= 27) {
      const size_t n = size_t(1) << (info - 24);
      if (bytes.size() - at < n) return false;
      arg = 0;
      for (size_t i = 0; i < n; ++i) arg = arg << 8 | uint8_t(bytes[at++]);
    } else if (info > 27) {
      if (major == 7 && info == 31) return false;  // a "break" outside an indefinite item
      if (info == 31) return false;                // indefinite lengths: COSE never needs them
      return false;                                // reserved
    }
    const uint64_t left = bytes.size() - at;
    switch (major) {
      case 2:
      case 3:
        if (arg > left) return false;
        at += size_t(arg);
        break;
      case 4:
        if (arg > left) return false;
        pending += arg;
        break;
      case 5:
        if (arg > left / 2) return false;
        pending += 2 * arg;
        break;
      case 6:
        pending += 1;
        break;
      default:
        break;
    }
    if (pending > left + 1) return false;
  }
  return true;
}

namespace {

Result<Item> load(std::string_view bytes, std::string_view what) {
  if (!well_bounded_cbor(bytes))
    return corrupt_data(std::string(what) + " is not well-formed CBOR");
  cbor_load_result result;
  Item item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE)
    return corrupt_data(std::string(what) + " is not well-formed CBOR");
  return item;
}

// An integer COSE label or value, as a signed number; false for anything else.
bool as_int(const cbor_item_t* item, int64_t& out) {
  if (cbor_isa_uint(item))
    out = int64_t(cbor_get_int(item));
  else if (cbor_isa_negint(item))
    out = -1 - int64_t(cbor_get_int(item));
  else
    return false;
  return true;
}

Status read_x5chain(const cbor_item_t* value, std::vector<std::string>& chain) {
  if (definite_bytes(value)) {
    chain.emplace_back(bytes_of(value));
    return ok_status();
  }
  if (!cbor_isa_array(value))
    return corrupt_data("COSE: x5chain is neither a certificate nor a list of them");
  for (size_t i = 0; i < cbor_array_size(value); ++i) {
    const cbor_item_t* cert = cbor_array_handle(value)[i];
    if (!definite_bytes(cert)) return corrupt_data("COSE: an x5chain entry is not a byte string");
    chain.emplace_back(bytes_of(cert));
  }
  return ok_status();
}

}  // namespace

Result<std::string> cose_sign1(const SigningIdentity& signer, std::string_view claim, size_t pad) {
  Item header(cbor_new_definite_map(2));
  add(header.get(), cbor_build_uint8(kHeaderAlg), cbor_build_negint8(uint8_t(-1 - kAlgEs256)));
  cbor_item_t* chain = cbor_new_definite_array(signer.chain_der().size());
  for (const auto& der : signer.chain_der()) cbor_array_push(chain, cbor_move(bytes_item(der)));
  add(header.get(), cbor_build_uint8(kHeaderX5chain), chain);
  const std::string protected_header = serialize(header.get());
  FL_ASSIGN_OR_RETURN(std::string signature, signer.sign(sig_structure(protected_header, claim)));

  Item array(cbor_new_definite_array(4));
  cbor_array_push(array.get(), cbor_move(bytes_item(protected_header)));
  cbor_item_t* unprotected = cbor_new_definite_map(1);
  add(unprotected, cbor_build_string("pad"), bytes_item(std::string(pad, '\0')));
  cbor_array_push(array.get(), cbor_move(unprotected));
  cbor_array_push(array.get(), cbor_move(cbor_new_null()));
  cbor_array_push(array.get(), cbor_move(bytes_item(signature)));
  Item tagged(cbor_build_tag(kTagCoseSign1, array.get()));
  return serialize(tagged.get());
}

Result<CoseSign1> parse_cose_sign1(std::string_view bytes) {
  // Debian's libcbor (0.8) refuses tags 6-20 in their one-byte form as unassigned, and COSE_Sign1
  // is tag 18 (0xD2): read that byte here and the array with libcbor.
  if (!bytes.empty() && uint8_t(bytes[0]) == 0xD2) bytes.remove_prefix(1);
  FL_ASSIGN_OR_RETURN(Item root, load(bytes, "the claim signature"));
  Item inner;  // cbor_tag_item hands out a reference of its own
  const cbor_item_t* array = root.get();
  if (cbor_isa_tag(array)) {
    if (cbor_tag_value(array) != kTagCoseSign1)
      return corrupt_data("the claim signature is not a COSE_Sign1");
    inner.reset(cbor_tag_item(root.get()));
    array = inner.get();
  }
  if (!cbor_isa_array(array) || cbor_array_size(array) != 4)
    return corrupt_data("the claim signature is not a COSE_Sign1 (an array of four)");
  cbor_item_t** parts = cbor_array_handle(array);
  if (!definite_bytes(parts[0]) || !cbor_isa_map(parts[1]) || !definite_bytes(parts[3]))
    return corrupt_data("the claim signature's COSE_Sign1 is malformed");
  CoseSign1 out;
  out.protected_header = std::string(bytes_of(parts[0]));
  out.signature = std::string(bytes_of(parts[3]));
  FL_ASSIGN_OR_RETURN(Item header,
                      load(out.protected_header, "the claim signature's protected header"));
  // The chain belongs in the protected header; older signers put it in the unprotected one.
  for (const cbor_item_t* map :
       {static_cast<const cbor_item_t*>(header.get()), static_cast<const cbor_item_t*>(parts[1])}) {
    if (!cbor_isa_map(map)) return corrupt_data("the claim signature's header is not a map");
    const cbor_pair* pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); ++i) {
      int64_t label = 0;
      if (!as_int(pairs[i].key, label)) continue;
      if (label == int64_t(kHeaderAlg) && map == header.get() && !as_int(pairs[i].value, out.alg))
        return corrupt_data("the claim signature's algorithm is not a number");
      if (label == int64_t(kHeaderX5chain) && out.x5chain.empty())
        FL_RETURN_IF_ERROR(read_x5chain(pairs[i].value, out.x5chain));
    }
  }
  return out;
}

Status verify_cose_sign1(const CoseSign1& sign1, std::string_view claim) {
  if (sign1.alg != kAlgEs256)
    return unsupported("the claim is signed with an algorithm other than ES256");
  if (sign1.x5chain.empty()) return corrupt_data("the claim signature carries no certificate");
  return verify_es256(sign1.x5chain[0], sig_structure(sign1.protected_header, claim),
                      sign1.signature);
}

}  // namespace fl::c2pa
