// tests/protocol/schema_validator.cpp — see schema_validator.hpp.
#include "tests/protocol/schema_validator.hpp"

#include "protocol/utf8.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace so::test {
namespace {

// Keywords that only annotate; they never affect validity.
const std::set<std::string>& annotation_keywords() {
  static const std::set<std::string> k{"$schema",  "$id",         "$comment", "$defs",
                                       "title",    "description", "format",   "default",
                                       "examples", "deprecated",  "readOnly", "writeOnly"};
  return k;
}

bool type_matches(const rapidjson::Value& v, std::string_view type) {
  if (type == "object") return v.IsObject();
  if (type == "array") return v.IsArray();
  if (type == "string") return v.IsString();
  if (type == "boolean") return v.IsBool();
  if (type == "null") return v.IsNull();
  if (type == "number") return v.IsNumber();
  if (type == "integer") {
    if (v.IsInt64() || v.IsUint64()) return true;
    // JSON Schema: a number with a zero fractional part is an integer.
    return v.IsDouble() && std::isfinite(v.GetDouble()) &&
           std::floor(v.GetDouble()) == v.GetDouble();
  }
  return false;
}

std::size_t code_points(const rapidjson::Value& s) {
  return protocol::utf8_length({s.GetString(), s.GetStringLength()});
}

std::string describe(const rapidjson::Value& v) {
  static const char* names[] = {"null", "false", "true", "object", "array", "string", "number"};
  return names[v.GetType()];
}

// The JSON type each keyword's value must have; a malformed schema is reported,
// never dereferenced blindly.
bool keyword_shape_ok(const std::string& key, const rapidjson::Value& v) {
  if (key == "enum" || key == "required" || key == "oneOf" || key == "anyOf" || key == "allOf")
    return v.IsArray();
  if (key == "properties") return v.IsObject();
  if (key == "$ref" || key == "pattern") return v.IsString();
  if (key == "minimum" || key == "maximum") return v.IsNumber();
  if (key == "minItems" || key == "maxItems" || key == "minLength" || key == "maxLength")
    return v.IsUint();
  if (key == "items" || key == "additionalProperties") return v.IsObject() || v.IsBool();
  if (key == "type") return v.IsString() || v.IsArray();
  return true;
}

std::string escape_pointer_token(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

schema_validator::schema_validator(std::filesystem::path root) : root_(std::move(root)) {}

const rapidjson::Document* schema_validator::load(const std::filesystem::path& file,
                                                  std::vector<std::string>& errors) {
  const std::string key = file.lexically_normal().string();
  if (auto it = files_.find(key); it != files_.end()) return it->second.get();
  std::ifstream in(key, std::ios::binary);
  if (!in) {
    errors.push_back("cannot open schema file " + key);
    return nullptr;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse(text.data(), text.size());
  if (doc->HasParseError()) {
    errors.push_back("schema file " + key +
                     " is not JSON: " + rapidjson::GetParseError_En(doc->GetParseError()));
    return nullptr;
  }
  return files_.emplace(key, std::move(doc)).first->second.get();
}

std::vector<std::string> schema_validator::validate(const rapidjson::Value& instance,
                                                    const std::string& ref) {
  std::vector<std::string> errors;
  if (ref.empty() || ref.front() == '#') {
    errors.push_back("a top-level reference must name a schema file: '" + ref + "'");
    return errors;
  }
  // A virtual file in the root folder, so the file part resolves against the root.
  const context entry{root_ / "entry.json", nullptr};
  check_ref(ref, entry, instance, "", errors, 0);
  return errors;
}

std::vector<std::string> schema_validator::validate_inline(const rapidjson::Value& instance,
                                                           const rapidjson::Value& schema,
                                                           const std::string& as_file) {
  std::vector<std::string> errors;
  check(schema, context{root_ / as_file, &schema}, instance, "", errors, 0);
  return errors;
}

void schema_validator::check_ref(const std::string& ref, const context& ctx,
                                 const rapidjson::Value& inst, const std::string& where,
                                 std::vector<std::string>& errors, int depth) {
  const auto hash = ref.find('#');
  const std::string file_part = ref.substr(0, hash);
  const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);

  context target_ctx = ctx;
  if (!file_part.empty()) {
    target_ctx.file = (ctx.file.parent_path() / file_part).lexically_normal();
    target_ctx.file_root = load(target_ctx.file, errors);
  }
  if (target_ctx.file_root == nullptr) {
    errors.push_back(where + ": cannot resolve $ref '" + ref + "'");
    return;
  }
  const rapidjson::Value* target = target_ctx.file_root;
  if (!pointer.empty()) {
    rapidjson::Pointer p(pointer.c_str(), pointer.size());
    target = p.IsValid() ? p.Get(*target_ctx.file_root) : nullptr;
  }
  if (target == nullptr) {
    errors.push_back(where + ": cannot resolve $ref '" + ref + "' in " + target_ctx.file.string());
    return;
  }
  check(*target, target_ctx, inst, where, errors, depth + 1);
}

void schema_validator::check(const rapidjson::Value& schema, const context& ctx,
                             const rapidjson::Value& inst, const std::string& where,
                             std::vector<std::string>& errors, int depth) {
  const std::string at = where.empty() ? "/" : where;
  if (depth > 64) {
    errors.push_back(at + ": $ref nesting too deep (cycle?)");
    return;
  }
  if (schema.IsBool()) {
    if (!schema.GetBool()) errors.push_back(at + ": rejected by a false schema");
    return;
  }
  if (!schema.IsObject()) {
    errors.push_back(at + ": schema node is not an object");
    return;
  }

  for (const auto& kw : schema.GetObject()) {
    const std::string key(kw.name.GetString(), kw.name.GetStringLength());
    const rapidjson::Value& val = kw.value;
    if (annotation_keywords().count(key) != 0) continue;
    if (!keyword_shape_ok(key, val)) {
      errors.push_back(at + ": malformed schema keyword '" + key + "' in " + ctx.file.string());
      continue;
    }

    if (key == "type") {
      bool ok = false;
      if (val.IsString()) {
        ok = type_matches(inst, val.GetString());
      } else if (val.IsArray()) {
        for (const auto& t : val.GetArray())
          ok = ok || (t.IsString() && type_matches(inst, t.GetString()));
      }
      if (!ok) errors.push_back(at + ": wrong type (" + describe(inst) + ")");
    } else if (key == "const") {
      if (inst != val) errors.push_back(at + ": does not equal the const value");
    } else if (key == "enum") {
      bool found = false;
      for (const auto& e : val.GetArray()) found = found || inst == e;
      if (!found) errors.push_back(at + ": not one of the enum values");
    } else if (key == "required") {
      if (!inst.IsObject()) continue;
      for (const auto& name : val.GetArray()) {
        if (!name.IsString()) continue;
        if (!inst.HasMember(name)) {
          errors.push_back(at + ": missing required property '" + name.GetString() + "'");
        }
      }
    } else if (key == "properties") {
      if (!inst.IsObject()) continue;
      for (const auto& prop : val.GetObject()) {
        auto it = inst.FindMember(prop.name);
        if (it == inst.MemberEnd()) continue;
        check(prop.value, ctx, it->value, where + "/" + escape_pointer_token(prop.name.GetString()),
              errors, depth);
      }
    } else if (key == "additionalProperties") {
      if (!inst.IsObject()) continue;
      auto props = schema.FindMember("properties");
      for (const auto& m : inst.GetObject()) {
        const bool declared = props != schema.MemberEnd() && props->value.IsObject() &&
                              props->value.HasMember(m.name);
        if (declared) continue;
        const std::string child = where + "/" + escape_pointer_token(m.name.GetString());
        if (val.IsBool() && !val.GetBool()) {
          errors.push_back(child + ": additional property not allowed");
        } else if (val.IsObject()) {
          check(val, ctx, m.value, child, errors, depth);
        }
      }
    } else if (key == "items") {
      if (!inst.IsArray()) continue;
      for (rapidjson::SizeType i = 0; i < inst.Size(); ++i) {
        check(val, ctx, inst[i], where + "/" + std::to_string(i), errors, depth);
      }
    } else if (key == "$ref") {
      check_ref(std::string(val.GetString(), val.GetStringLength()), ctx, inst, where, errors,
                depth);
    } else if (key == "oneOf" || key == "anyOf" || key == "allOf") {
      std::size_t passed = 0;
      std::vector<std::string> branch_errors;
      for (const auto& sub : val.GetArray()) {
        std::vector<std::string> e;
        check(sub, ctx, inst, where, e, depth);
        if (e.empty()) {
          ++passed;
        } else {
          branch_errors.insert(branch_errors.end(), e.begin(), e.end());
        }
      }
      const std::size_t n = val.Size();
      const bool ok = key == "oneOf" ? passed == 1 : key == "anyOf" ? passed >= 1 : passed == n;
      if (!ok) {
        std::string msg = at + ": " + key + " matched " + std::to_string(passed) + " of " +
                          std::to_string(n) + " branches";
        for (const auto& e : branch_errors) msg += "\n    " + e;
        errors.push_back(msg);
      }
    } else if (key == "minimum") {
      if (inst.IsNumber() && inst.GetDouble() < val.GetDouble())
        errors.push_back(at + ": below minimum");
    } else if (key == "maximum") {
      if (inst.IsNumber() && inst.GetDouble() > val.GetDouble())
        errors.push_back(at + ": above maximum");
    } else if (key == "minItems") {
      if (inst.IsArray() && inst.Size() < val.GetUint()) errors.push_back(at + ": too few items");
    } else if (key == "maxItems") {
      if (inst.IsArray() && inst.Size() > val.GetUint()) errors.push_back(at + ": too many items");
    } else if (key == "minLength") {
      if (inst.IsString() && code_points(inst) < val.GetUint())
        errors.push_back(at + ": string too short");
    } else if (key == "maxLength") {
      if (inst.IsString() && code_points(inst) > val.GetUint())
        errors.push_back(at + ": string too long");
    } else if (key == "pattern") {
      if (inst.IsString() &&
          !std::regex_search(std::string(inst.GetString(), inst.GetStringLength()),
                             std::regex(val.GetString(), std::regex::ECMAScript))) {
        errors.push_back(at + ": does not match pattern " + val.GetString());
      }
    } else {
      errors.push_back(at + ": unsupported schema keyword '" + key + "' in " + ctx.file.string());
    }
  }
}

}  // namespace so::test
