// Copyright iotsec authors.
#include "json_strict.h"

#include <exception>
#include <set>
#include <string>
#include <vector>

namespace iotsec::ledger::internal {

Result<nlohmann::json> ParseJsonStrict(std::string_view text) {
  using Json = nlohmann::json;
  try {
    // The parser callback tracks the keys of every open object.
    std::vector<std::set<std::string>> open;
    bool duplicate = false;
    Json::parser_callback_t cb = [&](int, Json::parse_event_t event, Json& parsed) {
      if (event == Json::parse_event_t::object_start) {
        open.emplace_back();
      } else if (event == Json::parse_event_t::object_end && !open.empty()) {
        open.pop_back();
      } else if (event == Json::parse_event_t::key && !open.empty() && parsed.is_string()) {
        duplicate = duplicate || !open.back().insert(parsed.get<std::string>()).second;
      }
      return true;
    };
    Json root = Json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
      return Fail(ErrorCode::kInvalidArgument, "not valid JSON");
    }
    if (duplicate) {
      return Fail(ErrorCode::kInvalidArgument, "an object has a duplicate key");
    }
    return root;
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, std::string("JSON: ") + e.what());
  }
}

}  // namespace iotsec::ledger::internal
