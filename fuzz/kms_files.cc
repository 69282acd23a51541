// Copyright iotsec authors.
// Fuzzes the parsers of the KMS's files (doc/formats/kms-files.md): key files, kms.pub,
// kms.secret and revocation lists. Whatever parses must re-encode to a text that parses back to
// the same values.
#include <cstdlib>

#include "iotsec/crypto/ct.h"
#include "iotsec/kms/files.h"
#include "iotsec/kms/kms.h"

using namespace iotsec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  if (auto k = kms::ParseKeyFile(in)) {
    crypto::SecretBytes text = kms::EncodeKeyFile(*k);
    auto again = kms::ParseKeyFile(text.span());
    if (!again || again->id != k->id || again->pvt != k->pvt ||
        !crypto::CtEqual(again->ssk.span(), k->ssk.span()) ||
        !crypto::CtEqual(again->rsk.span(), k->rsk.span())) {
      std::abort();
    }
  }
  if (auto p = kms::ParsePublicParams(in)) {
    auto again = kms::ParsePublicParams(AsBytes(kms::EncodePublicParams(*p)));
    if (!again || again->kpak != p->kpak || again->z != p->z) {
      std::abort();
    }
  }
  if (auto s = kms::ParseMasterSecrets(in)) {
    crypto::SecretBytes text = kms::EncodeMasterSecrets(*s);
    auto again = kms::ParseMasterSecrets(text.span());
    if (!again || !crypto::CtEqual(again->ksak.span(), s->ksak.span())) {
      std::abort();
    }
  }
  if (auto r = kms::RevocationList::Parse(in)) {
    // The revocations format is canonical: what parses re-encodes to the same octets.
    std::string text = r->Encode();
    if (text.size() != size || !std::equal(text.begin(), text.end(), data)) {
      std::abort();
    }
  }
  return 0;
}
