// Copyright iotsec authors.
// Strict JSON input for the ledger's JSON formats (the genesis config, device-state answers).
#ifndef IOTSEC_SRC_LEDGER_JSON_STRICT_H_
#define IOTSEC_SRC_LEDGER_JSON_STRICT_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "iotsec/common/result.h"

namespace iotsec::ledger::internal {

// ParseJsonStrict parses |text| as one JSON value (RFC 8259) and refuses an object with a
// duplicate key (RFC 8259 §4 leaves them to the parser; nlohmann would keep the last one
// silently, so two readers could disagree). Fails with kInvalidArgument ("not valid JSON" or
// "an object has a duplicate key"); exceptions of the JSON library stop here (STYLE.md rule 11).
Result<nlohmann::json> ParseJsonStrict(std::string_view text);

}  // namespace iotsec::ledger::internal

#endif  // IOTSEC_SRC_LEDGER_JSON_STRICT_H_
