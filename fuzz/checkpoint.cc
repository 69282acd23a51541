// Copyright iotsec authors.
// Fuzzes checkpoint and signed-note parsing and verification (include/iotsec/ledger/
// checkpoint.h) with fixed trust anchors. Whatever the bytes, nothing may crash; a note that
// parses must re-serialize to the same bytes (one canonical encoding); a checkpoint that opens
// must format back to its signed text; a verifier key that parses must print back the same.
// The seed corpus holds notes signed by the anchors (fixed seeds below), so that the paths
// past signature verification are reached.
#include "iotsec/ledger/checkpoint.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/ed25519.h"

namespace {

using namespace iotsec;
using namespace iotsec::ledger;

constexpr char kOrigin[] = "fuzz.example/log";

// The anchors: the log key (seed 32 x 0x01, named like the origin) and a witness key (seed
// 32 x 0x02, "witness.fuzz.example").
std::vector<NoteVerifier>* MakeAnchors() {
  auto* out = new std::vector<NoteVerifier>();
  const std::pair<const char*, uint8_t> keys[] = {{kOrigin, 1}, {"witness.fuzz.example", 2}};
  for (const auto& [name, seed] : keys) {
    auto k = crypto::Ed25519PrivateKey::FromSeed(Bytes(32, seed));
    if (!k) {
      std::abort();
    }
    auto v = NoteVerifier::Create(name, k->PublicKey());
    if (!v) {
      std::abort();
    }
    out->push_back(*v);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<NoteVerifier>* anchors = MakeAnchors();
  const ByteSpan in(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto note = ParseNote(in);
  if (note) {
    auto again = FormatNote(*note);
    if (!again || *again != text) {
      std::abort();
    }
  }
  for (size_t threshold : {1, 2}) {
    auto cp = OpenCheckpoint(in, kOrigin, *anchors, threshold);
    if (cp) {
      auto body = FormatCheckpoint(*cp);
      if (!body || !note || *body != note->text || cp->origin != kOrigin) {
        std::abort();
      }
    }
  }
  auto cp = ParseCheckpoint(text);
  if (cp) {
    auto body = FormatCheckpoint(*cp);
    if (!body || *body != text) {
      std::abort();
    }
  }
  if (size < 4096) {
    auto v = NoteVerifier::Parse(text);
    if (v && v->VerifierKey() != text) {
      std::abort();
    }
  }
  return 0;
}
