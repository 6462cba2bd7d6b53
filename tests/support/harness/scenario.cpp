// tests/support/harness/scenario.cpp — see scenario.hpp.
#include "tests/support/harness/scenario.hpp"

#include "tests/support/harness/json_path.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace so::test {
namespace {

[[noreturn]] void fail(const std::string& label, const std::string& what) {
  throw scenario_error("malformed scenario " + label + ": " + what);
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string string_member(const rapidjson::Value& obj, const char* key, const std::string& label) {
  const auto* v = member(obj, key);
  if (v == nullptr) return {};
  if (!v->IsString()) fail(label, std::string("'") + key + "' must be a string");
  return {v->GetString(), v->GetStringLength()};
}

// Raw compact text of an optional array member ("" when absent).
std::string array_text(const rapidjson::Value& obj, const char* key, const std::string& label) {
  const auto* v = member(obj, key);
  if (v == nullptr) return {};
  if (!v->IsArray()) fail(label, std::string("'") + key + "' must be an array");
  return to_json(*v);
}

void parse_server(const rapidjson::Value& server, scenario& out) {
  if (!server.IsObject()) fail(out.label, "'server' must be an object");
  out.tools_json = array_text(server, "tools", out.label);
  out.knowledge_json = array_text(server, "knowledge", out.label);
  if (const auto* confirm = member(server, "confirmTools")) {
    if (!confirm->IsArray()) fail(out.label, "'server.confirmTools' must be an array");
    for (const auto& pattern : confirm->GetArray()) {
      if (!pattern.IsString()) fail(out.label, "'server.confirmTools' entries must be strings");
      out.confirm_tools.emplace_back(pattern.GetString(), pattern.GetStringLength());
    }
  }
}

scenario_step parse_step(const rapidjson::Value& step, std::size_t index,
                         const std::string& label) {
  const std::string where = "steps[" + std::to_string(index) + "]";
  if (!step.IsObject()) fail(label, where + " must be an object");
  const auto* send = member(step, "send");
  if (send == nullptr || !send->IsObject()) fail(label, where + ".send must be a JSON object");
  const auto* expect = member(step, "expect");
  if (expect == nullptr || !expect->IsArray()) fail(label, where + ".expect must be an array");

  scenario_step out;
  auto frame = std::make_shared<rapidjson::Document>();
  frame->CopyFrom(*send, frame->GetAllocator());
  out.send = std::move(frame);
  for (rapidjson::SizeType i = 0; i < expect->Size(); ++i) {
    try {
      out.expect.push_back(parse_matcher((*expect)[i]));
    } catch (const std::invalid_argument& e) {
      fail(label, where + ".expect[" + std::to_string(i) + "]: " + e.what());
    }
  }
  return out;
}

}  // namespace

scenario parse_scenario(std::string_view json_text, const std::string& label) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    fail(label, std::string("invalid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                    " at offset " + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) fail(label, "the top level must be a JSON object");

  scenario out;
  out.label = label;
  out.name = string_member(doc, "name", label);
  out.description = string_member(doc, "description", label);
  if (const auto* script = member(doc, "mockLlmScript")) {
    if (!script->IsArray()) fail(label, "'mockLlmScript' must be an array");
    out.mock_llm_script_json = to_json(*script);
  }
  if (const auto* server = member(doc, "server")) parse_server(*server, out);
  const auto* steps = member(doc, "steps");
  if (steps == nullptr || !steps->IsArray()) fail(label, "'steps' must be an array");
  for (rapidjson::SizeType i = 0; i < steps->Size(); ++i) {
    out.steps.push_back(parse_step((*steps)[i], i, label));
  }
  return out;
}

scenario load_scenario(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw scenario_error("cannot read scenario " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  scenario out = parse_scenario(text.str(), file.string());
  if (out.name.empty()) out.name = file.stem().string();
  return out;
}

std::vector<std::filesystem::path> list_scenario_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
  return files;
}

}  // namespace so::test
