// Copyright iotsec authors.
#include "iotsec/kms/files.h"

#include <cassert>
#include <string_view>
#include <vector>

#include "flat_json.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"

namespace iotsec::kms {
namespace {

// A member of a flat JSON object being written: a literal string value, or the hex of octets
// (possibly secret).
struct Member {
  std::string_view key;
  std::string_view text;  // used when bytes is empty
  ByteSpan bytes;
};

// WriteFlatJson writes {"k": "v", ...}\n into a zeroizing buffer sized exactly in advance, so
// that secret hex never lives in a buffer that is not wiped.
crypto::SecretBytes WriteFlatJson(std::initializer_list<Member> members) {
  // {"k1": "v1", "k2": "v2"}\n
  size_t n = 1 + 2 * (members.size() - 1) + 2;
  for (const Member& m : members) {
    size_t value = m.bytes.empty() ? m.text.size() : 2 * m.bytes.size();
    n += 1 + m.key.size() + 4 + value + 1;
  }
  crypto::SecretBytes out(n);
  std::span<uint8_t> w = out.mutable_span();
  size_t i = 0;
  auto put = [&](std::string_view s) {
    for (char c : s) {
      w[i++] = static_cast<uint8_t>(c);
    }
  };
  put("{");
  bool first = true;
  for (const Member& m : members) {
    if (!first) {
      put(", ");
    }
    first = false;
    put("\"");
    put(m.key);
    put("\": \"");
    if (m.bytes.empty()) {
      put(m.text);
    } else {
      HexEncodeTo(m.bytes, w.subspan(i, 2 * m.bytes.size()));
      i += 2 * m.bytes.size();
    }
    put("\"");
  }
  put("}\n");
  assert(i == n);
  return out;
}

std::string_view AsText(ByteSpan b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

Status ExpectFormat(std::string_view got, std::string_view want) {
  if (got != want) {
    return Fail(ErrorCode::kInvalidArgument,
                "format must be \"" + std::string(want) + "\", got \"" + std::string(got) + "\"");
  }
  return Ok();
}

Status CheckUncompressed(ByteSpan point, std::string_view what) {
  if (point.empty() || point[0] != 0x04) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " must be an uncompressed point (first octet 04)");
  }
  return Ok();
}

template <size_t N>
Status DecodeArray(std::string_view hex, std::array<uint8_t, N>& out, std::string_view what) {
  return HexDecodeTo(hex, out, what);
}

Status DecodeSecret(std::string_view hex, size_t len, crypto::SecretBytes& out,
                    std::string_view what) {
  out = crypto::SecretBytes(len);
  return HexDecodeTo(hex, out.mutable_span(), what);
}

}  // namespace

std::string EncodePublicParams(const PublicParams& p) {
  crypto::SecretBytes text = WriteFlatJson({{"format", kPublicFormat, {}},
                                            {"eccsi_kpak", {}, p.kpak},
                                            {"sakke_z", {}, p.z}});
  return std::string(AsText(text.span()));
}

Result<PublicParams> ParsePublicParams(ByteSpan text) {
  IOTSEC_TRY(fields, ParseFlatJsonObject(AsText(text)));
  IOTSEC_TRY(v, ExpectFields(fields, {"format", "eccsi_kpak", "sakke_z"}));
  IOTSEC_RETURN_IF_ERROR(ExpectFormat(v[0], kPublicFormat));
  PublicParams p;
  IOTSEC_RETURN_IF_ERROR(DecodeArray(v[1], p.kpak, "eccsi_kpak"));
  IOTSEC_RETURN_IF_ERROR(DecodeArray(v[2], p.z, "sakke_z"));
  IOTSEC_RETURN_IF_ERROR(CheckUncompressed(p.kpak, "eccsi_kpak"));
  IOTSEC_RETURN_IF_ERROR(CheckUncompressed(p.z, "sakke_z"));
  return p;
}

crypto::SecretBytes EncodeMasterSecrets(const MasterSecrets& s) {
  return WriteFlatJson({{"format", kSecretFormat, {}},
                        {"eccsi_ksak", {}, s.ksak.span()},
                        {"sakke_z", {}, s.z.span()}});
}

Result<MasterSecrets> ParseMasterSecrets(ByteSpan text) {
  IOTSEC_TRY(fields, ParseFlatJsonObject(AsText(text)));
  IOTSEC_TRY(v, ExpectFields(fields, {"format", "eccsi_ksak", "sakke_z"}));
  IOTSEC_RETURN_IF_ERROR(ExpectFormat(v[0], kSecretFormat));
  MasterSecrets s;
  IOTSEC_RETURN_IF_ERROR(DecodeSecret(v[1], ibc::kEccsiScalarSize, s.ksak, "eccsi_ksak"));
  IOTSEC_RETURN_IF_ERROR(DecodeSecret(v[2], ibc::kSakkeScalarSize, s.z, "sakke_z"));
  return s;
}

crypto::SecretBytes EncodeKeyFile(const UserKey& key) {
  return WriteFlatJson({{"format", kKeyFormat, {}},
                        {"id", {}, key.id},
                        {"eccsi_ssk", {}, key.ssk.span()},
                        {"eccsi_pvt", {}, key.pvt},
                        {"sakke_rsk", {}, key.rsk.span()}});
}

Result<UserKey> ParseKeyFile(ByteSpan text) {
  IOTSEC_TRY(fields, ParseFlatJsonObject(AsText(text)));
  IOTSEC_TRY(v, ExpectFields(fields, {"format", "id", "eccsi_ssk", "eccsi_pvt", "sakke_rsk"}));
  IOTSEC_RETURN_IF_ERROR(ExpectFormat(v[0], kKeyFormat));
  UserKey k;
  IOTSEC_TRY(id, HexDecode(v[1]));
  if (id.empty() || id.size() > kMaxIdentitySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "id must be 1 to " + std::to_string(kMaxIdentitySize) + " octets");
  }
  k.id = std::move(id);
  IOTSEC_RETURN_IF_ERROR(DecodeSecret(v[2], ibc::kEccsiScalarSize, k.ssk, "eccsi_ssk"));
  IOTSEC_RETURN_IF_ERROR(DecodeArray(v[3], k.pvt, "eccsi_pvt"));
  IOTSEC_RETURN_IF_ERROR(CheckUncompressed(k.pvt, "eccsi_pvt"));
  IOTSEC_RETURN_IF_ERROR(DecodeSecret(v[4], ibc::kSakkePointSize, k.rsk, "sakke_rsk"));
  return k;
}

Status ValidateUserKey(const PublicParams& params, const UserKey& key) {
  IOTSEC_RETURN_IF_ERROR(ibc::EccsiValidateUserKey(params.kpak, key.id, key.ssk, key.pvt));
  return ibc::SakkeValidateRsk(params.z, key.id, key.rsk);
}

}  // namespace iotsec::kms
