// tests/protocol/schema_validator.hpp — a small JSON-Schema subset validator for tests.
//
// Supports what spec/ uses: type (incl. type arrays), const, enum, required,
// properties, additionalProperties (bool or schema), items, $ref (local
// "#/$defs/..." and relative files "../x.schema.json#/..."), oneOf/anyOf/allOf,
// minimum/maximum, minItems/maxItems, minLength/maxLength (code points),
// pattern (ECMAScript). Annotations (format, description, title, default, ...)
// are ignored; any other keyword is reported as an error so an unsupported
// construct can never pass silently.
//
// Thread-safety: not thread-safe (caches loaded schema files); one per test.
#pragma once

#include <rapidjson/document.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace so::test {

class schema_validator {
 public:
  /// `root` is the spec folder; references are resolved relative to it.
  explicit schema_validator(std::filesystem::path root);

  /// Validates `instance` against "file.schema.json" or "file.schema.json#/json/pointer"
  /// (relative to the root). Returns one line per violation; empty means valid.
  std::vector<std::string> validate(const rapidjson::Value& instance, const std::string& ref);

  /// Validates against an in-memory schema whose relative references resolve
  /// as if it were the file `root/<as_file>`.
  std::vector<std::string> validate_inline(const rapidjson::Value& instance,
                                           const rapidjson::Value& schema,
                                           const std::string& as_file = "inline.schema.json");

 private:
  struct context {
    std::filesystem::path file;  // file the current schema node belongs to
    const rapidjson::Value* file_root;
  };

  const rapidjson::Document* load(const std::filesystem::path& file,
                                  std::vector<std::string>& errors);
  void check(const rapidjson::Value& schema, const context& ctx, const rapidjson::Value& inst,
             const std::string& where, std::vector<std::string>& errors, int depth);
  void check_ref(const std::string& ref, const context& ctx, const rapidjson::Value& inst,
                 const std::string& where, std::vector<std::string>& errors, int depth);

  std::filesystem::path root_;
  std::map<std::string, std::unique_ptr<rapidjson::Document>> files_;
};

}  // namespace so::test
