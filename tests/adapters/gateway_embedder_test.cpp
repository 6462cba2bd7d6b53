// tests/adapters/gateway_embedder_test.cpp — the gateway embedder (storage-backplane.md
// §5.2, decisions.md "Knowledge and storage") on the project's HTTP client against a
// local HTTP server: {base}/embeddings exactly once per batch, the OpenAI body, index
// order, count/dimension/status checks, batching, and the §5.2 selection.
#include "adapters/knowledge/gateway_embedder.hpp"
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/embedder_factory.hpp"
#include "net/json_poster.hpp"
#include "protocol/json.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <mutex>

using namespace so;
using namespace so::adapters;

namespace {

/// `dim`-wide vector whose every element is `v`.
std::string vector_json(std::size_t dim, double v) {
  std::string s = "[";
  for (std::size_t i = 0; i < dim; ++i) s += (i ? "," : "") + std::to_string(v);
  return s + "]";
}

/// An embeddings endpoint: answers each input i with the vector of (first + i), its
/// entries listed in REVERSE index order (the client must sort by index), unless
/// `tweak` rewrites the answer.
struct fake_embeddings {
  std::size_t dim = 3;
  std::function<test::http_test_response(const rapidjson::Document& body)> tweak;
  std::mutex m;
  std::vector<std::vector<std::string>> batches;  ///< the inputs of every request

  test::http_test_server server{[this](const test::http_test_request& r) {
    rapidjson::Document body;
    protocol::parse_untrusted(body, r.body);
    std::vector<std::string> inputs;
    for (const auto& v : body["input"].GetArray()) inputs.emplace_back(v.GetString());
    {
      std::lock_guard lock(m);
      batches.push_back(inputs);
    }
    if (tweak) return tweak(body);
    std::string data;
    for (std::size_t i = inputs.size(); i-- > 0;) {
      if (!data.empty()) data += ",";
      // The vector holds the input's number (its text), so order is observable.
      data += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)" +
              vector_json(dim, std::stod(inputs[i])) + "}";
    }
    test::http_test_response out{200, R"({"object":"list","data":[)" + data + "]}"};
    out.content_type = "application/json";
    return out;
  }};
};

struct fixture {
  test::background_io io;
  fake_embeddings fake;
  json_poster_ptr poster = net::make_json_poster(io.http(), {std::chrono::milliseconds(5000)});

  gateway_embedder make(std::size_t batch = 64) {
    gateway_embedder_options o;
    o.base_url = fake.server.url("/v1/");  // trailing '/' removed: one '/' before embeddings
    o.api_key = "sk-embed";
    o.model = "text-embedding-3-small";
    o.dim = fake.dim;
    o.max_batch = batch;
    return gateway_embedder(poster, o);
  }
};

std::vector<std::string> numbered(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::to_string(i + 1));
  return out;
}

}  // namespace

TEST_CASE("gateway embedder: one POST to {base}/embeddings, OpenAI body, index order",
          "[knowledge][embedder]") {
  fixture f;
  auto e = f.make();
  CHECK(e.dim() == 3);
  CHECK(e.url() == f.fake.server.url("/v1/embeddings"));
  const auto v = e.embed({"1", "2", "3"}, input_type::document);

  const auto reqs = f.fake.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/v1/embeddings");  // never /v1/v1/embeddings
  CHECK(reqs[0].header("authorization") == std::optional<std::string>("Bearer sk-embed"));
  CHECK(reqs[0].header("content-type") == std::optional<std::string>("application/json"));
  CHECK(reqs[0].body == R"({"model":"text-embedding-3-small","input":["1","2","3"]})");
  // The answer listed index 2, 1, 0: the vectors come back in input order.
  REQUIRE(v.size() == 3);
  CHECK(v[0] == embedding{1, 1, 1});
  CHECK(v[1] == embedding{2, 2, 2});
  CHECK(v[2] == embedding{3, 3, 3});
  // The input type changes nothing.
  CHECK(e.embed({"7"}, input_type::query) == std::vector<embedding>{{7, 7, 7}});
}

TEST_CASE("gateway embedder: empty input makes no request", "[knowledge][embedder]") {
  fixture f;
  auto e = f.make();
  CHECK(e.embed({}, input_type::document).empty());
  CHECK(f.fake.server.requests().empty());
}

TEST_CASE("gateway embedder: batches of at most max_batch, in order", "[knowledge][embedder]") {
  fixture f;
  auto e = f.make(2);
  const auto v = e.embed(numbered(5), input_type::document);
  REQUIRE(v.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(v[i][0] == static_cast<float>(i + 1));
  std::lock_guard lock(f.fake.m);
  CHECK(f.fake.batches == std::vector<std::vector<std::string>>{{"1", "2"}, {"3", "4"}, {"5"}});
}

TEST_CASE("gateway embedder: count, index, dimension, status and JSON checks",
          "[knowledge][embedder]") {
  fixture f;
  auto e = f.make();
  const auto fails_with = [&](const std::string& body, int status, const std::string& what) {
    f.fake.tweak = [=](const rapidjson::Document&) {
      return test::http_test_response{status, body};
    };
    INFO(body);
    CHECK_THROWS_WITH(e.embed({"1", "2"}, input_type::document), Catch::Contains(what));
  };
  const auto entry = [](int index, const std::string& vec) {
    return R"({"index":)" + std::to_string(index) + R"(,"embedding":)" + vec + "}";
  };
  const std::string ok = "[1,2,3]";
  fails_with(R"({"data":[)" + entry(0, ok) + "]}", 200, "1 embeddings for 2 inputs");
  fails_with(R"({"data":[)" + entry(0, ok) + "," + entry(1, ok) + "," + entry(1, ok) + "]}", 200,
             "3 embeddings for 2 inputs");
  fails_with(R"({"data":[)" + entry(0, ok) + "," + entry(0, ok) + "]}", 200, "appears twice");
  fails_with(R"({"data":[)" + entry(0, ok) + "," + entry(2, ok) + "]}", 200, "out-of-range");
  fails_with(R"({"data":[)" + entry(0, ok) + "," + entry(1, "[1,2]") + "]}", 200,
             "2 dimensions, expected 3");
  fails_with(R"({"data":[)" + entry(0, ok) + "," + entry(1, R"([1,"x",3])") + "]}", 200,
             "non-number");
  fails_with(R"({"error":{"message":"bad model"}})", 400, "HTTP 400");
  fails_with(R"({"error":{"message":"bad model"}})", 400, "bad model");  // the body is quoted
  fails_with("<html>oops</html>", 200, "not JSON");
  fails_with(R"({"object":"list"})", 200, "no data array");
}

TEST_CASE("gateway embedder: an unreachable gateway is an error", "[knowledge][embedder]") {
  test::background_io io;
  std::string url;
  {
    test::http_test_server gone(
        [](const test::http_test_request&) { return test::http_test_response{}; });
    url = gone.url("/v1");
  }  // closed: connecting is refused
  gateway_embedder_options o;
  o.base_url = url;
  o.api_key = "k";
  gateway_embedder e(net::make_json_poster(io.http(), {std::chrono::milliseconds(3000)}), o);
  CHECK_THROWS_AS(e.embed({"a"}, input_type::query), std::runtime_error);
}

TEST_CASE("gateway embedder: construction rules", "[knowledge][embedder]") {
  test::background_io io;
  auto poster = net::make_json_poster(io.http());
  gateway_embedder_options o;
  o.api_key = "k";
  CHECK_THROWS_AS(gateway_embedder(nullptr, o), std::invalid_argument);
  auto blank = o;
  blank.api_key = " \t";
  CHECK_THROWS_AS(gateway_embedder(poster, blank), std::invalid_argument);
  auto zero = o;
  zero.dim = 0;
  CHECK_THROWS_AS(gateway_embedder(poster, zero), std::invalid_argument);
  auto no_batch = o;
  no_batch.max_batch = 0;
  CHECK_THROWS_AS(gateway_embedder(poster, no_batch), std::invalid_argument);
  CHECK(gateway_embedder(poster, o).dim() == 1536);
  CHECK(gateway_embedder(poster, o).url() == "https://llm.smoo.ai/v1/embeddings");
}

TEST_CASE("embedder selection (§5.2): auto follows the gateway key", "[knowledge][embedder]") {
  test::background_io io;
  auto poster = net::make_json_poster(io.http());
  server_config cfg;
  cfg.embedder = embedder_choice::automatic;
  SECTION("auto with a key: gateway, 1536") {
    cfg.gateway_key = "sk";
    auto e = make_embedder(cfg, poster);
    CHECK(dynamic_cast<const gateway_embedder*>(e.get()) != nullptr);
    CHECK(e->dim() == 1536);
  }
  SECTION("auto with a blank key: deterministic, 1024") {
    cfg.gateway_key = "  ";
    auto e = make_embedder(cfg, poster);
    CHECK(dynamic_cast<const deterministic_embedder*>(e.get()) != nullptr);
    CHECK(e->dim() == 1024);
  }
  SECTION("gateway without a key stops boot; deterministic ignores the key") {
    cfg.embedder = embedder_choice::gateway;
    CHECK_THROWS_WITH(make_embedder(cfg, poster), Catch::Contains("SMOOAI_GATEWAY_KEY"));
    cfg.embedder = embedder_choice::deterministic;
    cfg.gateway_key = "sk";
    CHECK(dynamic_cast<const deterministic_embedder*>(make_embedder(cfg, poster).get()));
  }
  SECTION("the dimension variable applies to either") {
    cfg.embedding_dim = 256;
    CHECK(make_embedder(cfg, poster)->dim() == 256);
    cfg.gateway_key = "sk";
    CHECK(make_embedder(cfg, poster)->dim() == 256);
  }
}

TEST_CASE("embedder config: variables and their errors", "[knowledge][embedder][config]") {
  const auto load = [](std::map<std::string, std::string> vars) {
    return load_config([vars](const char* name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    });
  };
  auto c = load({});
  CHECK(c.embedder == embedder_choice::automatic);
  CHECK(c.embedding_model == "text-embedding-3-small");
  CHECK(c.embedding_dim == 0);
  CHECK(c.embedding_batch == 64);
  CHECK(c.rerank_model == "rerank-english-v3.0");
  CHECK(c.knowledge_ranking == knowledge_ranking_choice::hybrid);
  c = load({{"SMOOTH_AGENT_EMBEDDER", " Gateway "},
            {"SMOOTH_AGENT_EMBEDDING_MODEL", "m"},
            {"SMOOTH_AGENT_EMBEDDING_DIM", "768"},
            {"SMOOTH_AGENT_EMBEDDING_BATCH", "8"},
            {"SMOOTH_AGENT_GATEWAY_KNOWLEDGE_TIMEOUT_MS", "1500"},
            {"SMOOTH_AGENT_RERANK_MODEL", "r"},
            {"SMOOTH_AGENT_KNOWLEDGE_RANKING", "LEXICAL"}});
  CHECK(c.embedder == embedder_choice::gateway);
  CHECK(c.embedding_model == "m");
  CHECK(c.embedding_dim == 768);
  CHECK(c.embedding_batch == 8);
  CHECK(c.gateway_knowledge_timeout == std::chrono::milliseconds(1500));
  CHECK(c.rerank_model == "r");
  CHECK(c.knowledge_ranking == knowledge_ranking_choice::lexical);
  CHECK(load({{"SMOOTH_AGENT_EMBEDDER", "deterministic"}}).embedder ==
        embedder_choice::deterministic);
  CHECK_THROWS_WITH(load({{"SMOOTH_AGENT_EMBEDDER", "openai"}}),
                    Catch::Contains("SMOOTH_AGENT_EMBEDDER"));
  CHECK_THROWS_WITH(load({{"SMOOTH_AGENT_EMBEDDING_DIM", "0"}}),
                    Catch::Contains("SMOOTH_AGENT_EMBEDDING_DIM"));
  CHECK_THROWS_WITH(load({{"SMOOTH_AGENT_EMBEDDING_BATCH", "4096"}}),
                    Catch::Contains("SMOOTH_AGENT_EMBEDDING_BATCH"));
  CHECK_THROWS_WITH(load({{"SMOOTH_AGENT_KNOWLEDGE_RANKING", "bm25"}}),
                    Catch::Contains("SMOOTH_AGENT_KNOWLEDGE_RANKING"));
}
