// Tests for the chat-completions request body (engine.md §2.2–§2.4).
#include "adapters/llm/chat_request_json.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <string>

using namespace so::adapters::llm;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

chat_request sample_request() {
  chat_request r;
  r.model = "claude-haiku-4-5";
  r.max_tokens = 256;
  r.messages.push_back({role::system, "be nice", {}, "", "", ""});
  r.messages.push_back({role::user, "where is order 123?", {}, "", "", ""});
  chat_message assistant;
  assistant.role = role::assistant;
  assistant.tool_calls.push_back({"call-1", "lookup_order", R"({"id": "123"})"});
  assistant.tool_calls.push_back({"call-2", "odd", "[1,2]"});
  assistant.reasoning = "I should look it up";
  r.messages.push_back(assistant);
  chat_message tool;
  tool.role = role::tool;
  tool.content = "Order 123: shipped";
  tool.tool_call_id = "call-1";
  tool.name = "lookup_order";
  r.messages.push_back(tool);
  r.tools.push_back({"lookup_order", "Look up an order",
                     R"({"type":"object","properties":{"id":{"type":"string"}}})"});
  r.tools.push_back({"broken", "bad schema", "{not json"});
  return r;
}

}  // namespace

TEST_CASE("request json: top-level keys", "[llm][request]") {
  const auto d = parse(chat_request_json(sample_request()));
  CHECK(std::string(d["model"].GetString()) == "claude-haiku-4-5");
  CHECK(d["max_tokens"].GetUint() == 256);
  CHECK(d["temperature"].IsDouble());
  CHECK(d["temperature"].GetDouble() == 0.0);
  CHECK(d["stream"].GetBool());
  CHECK(d["stream_options"]["include_usage"].GetBool());
  CHECK(std::string(d["tool_choice"].GetString()) == "auto");
  CHECK_FALSE(d.HasMember("parallel_tool_calls"));
}

TEST_CASE("request json: messages are serialized per §2.3", "[llm][request]") {
  const auto d = parse(chat_request_json(sample_request()));
  const auto& m = d["messages"];
  REQUIRE(m.Size() == 4);
  CHECK(std::string(m[0]["role"].GetString()) == "system");
  CHECK(std::string(m[0]["content"].GetString()) == "be nice");
  CHECK_FALSE(m[1].HasMember("tool_calls"));
  CHECK_FALSE(m[1].HasMember("reasoning_content"));

  const auto& a = m[2];
  CHECK(std::string(a["role"].GetString()) == "assistant");
  REQUIRE(a["content"].IsString());  // always a string, even when empty
  CHECK(std::string(a["content"].GetString()).empty());
  CHECK(std::string(a["reasoning_content"].GetString()) == "I should look it up");
  REQUIRE(a["tool_calls"].Size() == 2);
  const auto& c = a["tool_calls"][0];
  CHECK(std::string(c["id"].GetString()) == "call-1");
  CHECK(std::string(c["type"].GetString()) == "function");
  CHECK(std::string(c["function"]["name"].GetString()) == "lookup_order");
  CHECK(std::string(c["function"]["arguments"].GetString()) == R"({"id":"123"})");
  CHECK(std::string(a["tool_calls"][1]["function"]["arguments"].GetString()) == "{}");

  const auto& t = m[3];
  CHECK(std::string(t["role"].GetString()) == "tool");
  CHECK(std::string(t["tool_call_id"].GetString()) == "call-1");
  CHECK(std::string(t["name"].GetString()) == "lookup_order");
}

TEST_CASE("request json: tools, and an invalid schema degrades to the empty object schema",
          "[llm][request]") {
  const auto d = parse(chat_request_json(sample_request()));
  const auto& tools = d["tools"];
  REQUIRE(tools.Size() == 2);
  CHECK(std::string(tools[0]["type"].GetString()) == "function");
  CHECK(std::string(tools[0]["function"]["name"].GetString()) == "lookup_order");
  CHECK(std::string(tools[0]["function"]["description"].GetString()) == "Look up an order");
  CHECK(tools[0]["function"]["parameters"]["properties"].HasMember("id"));
  CHECK(std::string(tools[1]["function"]["parameters"]["type"].GetString()) == "object");
  CHECK_FALSE(tools[1].HasMember("cache_control"));
}

TEST_CASE("request json: no tools → neither tools nor tool_choice", "[llm][request]") {
  chat_request r;
  r.model = "m";
  r.messages.push_back({role::user, "hi", {}, "", "", ""});
  const auto d = parse(chat_request_json(r));
  CHECK_FALSE(d.HasMember("tools"));
  CHECK_FALSE(d.HasMember("tool_choice"));
  CHECK(d["max_tokens"].GetUint() == 512);
}

TEST_CASE("request json: non-streaming has no stream_options", "[llm][request]") {
  chat_request_options o;
  o.stream = false;
  const auto d = parse(chat_request_json(sample_request(), o));
  CHECK_FALSE(d["stream"].GetBool());
  CHECK_FALSE(d.HasMember("stream_options"));
}

TEST_CASE("request json: prompt-cache conditions (§2.4)", "[llm][request]") {
  CHECK_FALSE(wants_prompt_cache("claude-haiku-4-5", "https://llm.smoo.ai/v1"));
  CHECK(wants_prompt_cache("claude-haiku-4-5", "https://litellm.internal/v1"));
  CHECK(wants_prompt_cache("Claude-Sonnet", "https://my-gateway.example/v1"));
  CHECK(wants_prompt_cache("smooth-coding-1", "https://api.anthropic.com/v1"));
  CHECK_FALSE(wants_prompt_cache("gpt-4o", "https://litellm.internal/v1"));
  CHECK_FALSE(wants_prompt_cache("my-smooth-coding", "https://litellm.internal/v1"));
}

TEST_CASE("request json: prompt-cache markers when on", "[llm][request]") {
  chat_request_options o;
  o.prompt_cache = true;
  const auto d = parse(chat_request_json(sample_request(), o));
  const auto& m = d["messages"];
  REQUIRE(m[0]["content"].IsArray());
  CHECK(std::string(m[0]["content"][0]["type"].GetString()) == "text");
  CHECK(std::string(m[0]["content"][0]["text"].GetString()) == "be nice");
  CHECK(std::string(m[0]["content"][0]["cache_control"]["type"].GetString()) == "ephemeral");
  CHECK(m[1]["content"].IsString());
  CHECK(m[2]["content"].IsString());
  REQUIRE(m[3]["content"].IsArray());  // the last message
  CHECK(std::string(m[3]["content"][0]["text"].GetString()) == "Order 123: shipped");
  CHECK_FALSE(d["tools"][0].HasMember("cache_control"));
  CHECK(std::string(d["tools"][1]["cache_control"]["type"].GetString()) == "ephemeral");

  SECTION("a single message is marked once") {
    chat_request r;
    r.messages.push_back({role::system, "only", {}, "", "", ""});
    const auto one = parse(chat_request_json(r, o));
    REQUIRE(one["messages"][0]["content"].IsArray());
    CHECK(one["messages"][0]["content"].Size() == 1);
  }
}

TEST_CASE("request json: a user message with images becomes text and image_url parts (issue 12)",
          "[llm][request]") {
  chat_request r;
  r.model = "m";
  chat_message user;
  user.role = role::user;
  user.content = "what is this?";
  user.images = {{"https://x/a.png", "low"}, {"data:image/png;base64,AAAA", ""}};
  r.messages.push_back(user);
  const auto d = parse(chat_request_json(r));
  const auto& content = d["messages"][0]["content"];
  REQUIRE(content.IsArray());
  REQUIRE(content.Size() == 3);
  CHECK(std::string(content[0]["type"].GetString()) == "text");
  CHECK(std::string(content[0]["text"].GetString()) == "what is this?");
  CHECK(std::string(content[1]["type"].GetString()) == "image_url");
  CHECK(std::string(content[1]["image_url"]["url"].GetString()) == "https://x/a.png");
  CHECK(std::string(content[1]["image_url"]["detail"].GetString()) == "low");
  CHECK_FALSE(content[2]["image_url"].HasMember("detail"));
  // Without images the content stays a plain string.
  r.messages[0].images.clear();
  CHECK(parse(chat_request_json(r))["messages"][0]["content"].IsString());
}
