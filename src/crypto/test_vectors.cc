// Copyright iotsec authors.
#include "test_vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace iotsec::crypto::testing {

std::string TestVector::Text(const std::string& name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) {
    ADD_FAILURE() << "test vector has no field " << name;
    return "";
  }
  return it->second;
}

Bytes TestVector::Hex(const std::string& name) const {
  auto decoded = HexDecode(Text(name));
  if (!decoded.has_value()) {
    ADD_FAILURE() << "field " << name << ": " << decoded.error().ToString();
    return {};
  }
  return *decoded;
}

std::vector<TestVector> LoadVectors(const std::string& file) {
  const std::string path = std::string(IOTSEC_SOURCE_DIR) + "/src/crypto/testdata/" + file;
  std::ifstream in(path);
  std::vector<TestVector> out;
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return out;
  }
  auto trim = [](std::string s) {
    const char* ws = " \t\r";
    s.erase(0, s.find_first_not_of(ws));
    s.erase(s.find_last_not_of(ws) + 1);
    return s;
  };
  std::map<std::string, std::string> fields;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    line = trim(line);
    if (!line.empty() && line[0] == '#') {
      continue;
    }
    if (line.empty()) {
      if (!fields.empty()) {
        out.emplace_back(std::move(fields));
        fields.clear();
      }
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << path << ":" << line_no << ": expected 'Name = value'";
      continue;
    }
    fields[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  if (!fields.empty()) {
    out.emplace_back(std::move(fields));
  }
  return out;
}

Status QueueRng::Fill(std::span<uint8_t> out) {
  ++fills;
  if (queue_.empty()) {
    return Fail(exhausted_code, "QueueRng exhausted");
  }
  Bytes next = std::move(queue_.front());
  queue_.pop_front();
  if (next.size() != out.size()) {
    return Fail(ErrorCode::kInternal, "QueueRng: queued size does not match the request");
  }
  std::copy(next.begin(), next.end(), out.begin());
  return Ok();
}

}  // namespace iotsec::crypto::testing
