// tests/adapters/tool_basics_test.cpp — registry order/replacement, fixed-result tool, confirm
// policy.
#include "adapters/tools/confirm_policy.hpp"
#include "adapters/tools/fixed_result_tool.hpp"
#include "adapters/tools/tool_registry.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace so::adapters::tools;

namespace {

tool_outcome run_sync(tool& t, const std::string& args) {
  std::optional<tool_outcome> out;
  int calls = 0;
  t.invoke(args, tool_context{}, [&](tool_outcome o) {
    ++calls;
    out = std::move(o);
  });
  REQUIRE(calls == 1);
  return *out;
}

std::vector<std::string> names(const tool_registry& r) {
  std::vector<std::string> out;
  for (const auto& s : r.specs()) out.push_back(s.name);
  return out;
}

}  // namespace

TEST_CASE("tool registry keeps registration order and replaces a name in place", "[tools]") {
  tool_registry r;
  r.add(std::make_shared<fixed_result_tool>("knowledge_search", "builtin"));
  r.add(std::make_shared<fixed_result_tool>("lookup_order", "order"));
  r.add(std::make_shared<fixed_result_tool>("delete_record", "deleted"));
  CHECK(names(r) == std::vector<std::string>{"knowledge_search", "lookup_order", "delete_record"});

  auto host = std::make_shared<fixed_result_tool>("knowledge_search", "host", "host version");
  r.add(host);
  CHECK(names(r) == std::vector<std::string>{"knowledge_search", "lookup_order", "delete_record"});
  CHECK(r.all().size() == 3);
  CHECK(r.find("knowledge_search") == host);
  CHECK(r.specs().front().description == "host version");
  CHECK(run_sync(*r.find("knowledge_search"), "{}").text == "host");

  CHECK(r.find("nope") == nullptr);
  CHECK(r.find("lookup") == nullptr);  // exact names, not prefixes
  r.add(nullptr);                      // ignored
  CHECK(r.all().size() == 3);
}

TEST_CASE("fixed-result tool ignores arguments and returns its result", "[tools]") {
  fixed_result_tool t("lookup_order", "Order 123: shipped, arrives Tuesday.");
  CHECK(t.spec().name == "lookup_order");
  CHECK(t.spec().description.empty());
  CHECK(t.spec().parameters_json == R"({"type":"object","properties":{}})");

  for (const auto* args : {"{}", R"({"id":"123"})", "not json"}) {
    auto out = run_sync(t, args);
    CHECK_FALSE(out.is_error);
    CHECK(out.text == "Order 123: shipped, arrives Tuesday.");
    CHECK(out.sources.empty());
  }

  fixed_result_tool custom("x", "r", "desc", R"({"type":"object","required":["id"]})");
  CHECK(custom.spec().description == "desc");
  CHECK(custom.spec().parameters_json == R"({"type":"object","required":["id"]})");
}

TEST_CASE("confirm policy: trimmed patterns, blanks dropped, case-sensitive substring", "[tools]") {
  SECTION("from a list") {
    confirm_policy p({"  delete ", "", "   ", "refund"});
    CHECK(p.patterns() == std::vector<std::string>{"delete", "refund"});
    CHECK_FALSE(p.empty());
    CHECK(p.requires_confirmation("delete_record"));
    CHECK(p.requires_confirmation("bulk_delete"));
    CHECK(p.requires_confirmation("issue_refund_now"));
    CHECK_FALSE(p.requires_confirmation("Delete_record"));  // case-sensitive
    CHECK_FALSE(p.requires_confirmation("lookup_order"));
    CHECK_FALSE(p.requires_confirmation("del"));
  }
  SECTION("from the environment's comma list") {
    auto p = confirm_policy::from_comma_list(" delete_record , ,write,");
    CHECK(p.patterns() == std::vector<std::string>{"delete_record", "write"});
    CHECK(p.requires_confirmation("overwrite_file"));
  }
  SECTION("nothing configured gates nothing") {
    CHECK(confirm_policy().empty());
    CHECK(confirm_policy::from_comma_list("").empty());
    CHECK(confirm_policy::from_comma_list(" , ,").empty());
    CHECK_FALSE(confirm_policy::from_comma_list(" , ,").requires_confirmation("delete"));
  }
}
