// tests/adapters/server_config_test.cpp — load_config parse rules and errors
// (storage-backplane.md §8.1, protocol.md §1.8, decisions.md "Configuration").
#include "adapters/config/server_config.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

using namespace so::adapters;

namespace {

using env_map = std::map<std::string, std::string>;

env_lookup lookup(env_map vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

server_config load(env_map vars) {
  return load_config(lookup(std::move(vars)));
}

/// The config_error message for `vars`, or "" when it loads.
std::string error_of(env_map vars) {
  try {
    load(std::move(vars));
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("config: defaults with an empty environment", "[config]") {
  const auto c = load({});
  CHECK(c.bind == "127.0.0.1");
  CHECK(c.port == 8787);
  CHECK(c.gateway_url == "https://llm.smoo.ai/v1");
  CHECK(c.gateway_key.empty());
  CHECK_FALSE(c.llm_enabled());
  CHECK(c.model == "claude-haiku-4-5");
  CHECK(c.max_iterations == 6);
  CHECK(c.max_tokens == 512);
  CHECK(c.rerank.empty());
  CHECK(c.confirm_tools.empty());
  CHECK_FALSE(c.seed_kb);
  CHECK(c.storage == storage_backend::memory);
  CHECK_FALSE(c.database_url);
  CHECK(c.ddb_table == "smooth-operator");
  CHECK(c.backplane == backplane_backend::memory);
  CHECK_FALSE(c.backplane_url);
  CHECK_FALSE(c.widget_auth_strict);
  CHECK_FALSE(c.widget_auth_url);
  CHECK_FALSE(c.widget_auth_bearer);
  CHECK(c.widget_auth_ttl_secs == 60);
  CHECK_FALSE(c.auth_mode);
  CHECK_FALSE(c.auth_jwt_hs256_secret);
  CHECK_FALSE(c.auth_jwt_rs256_public_key);
  CHECK_FALSE(c.auth_jwt_issuer);
  CHECK_FALSE(c.auth_jwt_audience);
  CHECK(c.auth_dev_org_id == "dev-org");
  CHECK(c.drain_timeout == std::chrono::seconds(25));
  CHECK(c.max_frame_bytes == 1048576);
  CHECK(c.max_outbound_bytes == 4194304);
  CHECK(c.confirm_timeout == std::chrono::seconds(300));
  CHECK_FALSE(c.nats_legacy_subject);
  CHECK_FALSE(c.knowledge_file);
  CHECK_FALSE(c.tools_file);
  CHECK(c.worker_threads == 2);
  CHECK(c.session_idle_timeout == std::chrono::seconds(1800));
  CHECK(c.log_level == "info");
}

TEST_CASE("config: blank values count as unset and values are trimmed", "[config]") {
  const auto c = load({{"SMOOTH_AGENT_MODEL", "  "},
                       {"SMOOAI_GATEWAY_KEY", "  sk-123 \t"},
                       {"SMOOTH_AGENT_PORT", " 9000 "},
                       {"AUTH_DEV_ORG_ID", ""},
                       {"SMOOTH_AGENT_MAX_FRAME_BYTES", "  "}});
  CHECK(c.model == "claude-haiku-4-5");
  CHECK(c.gateway_key == "sk-123");
  CHECK(c.llm_enabled());
  CHECK(c.port == 9000);
  CHECK(c.auth_dev_org_id == "dev-org");
  CHECK(c.max_frame_bytes == 1048576);
}

TEST_CASE("config: bind address", "[config]") {
  CHECK(load({{"SMOOTH_AGENT_BIND", "0.0.0.0"}}).bind == "0.0.0.0");
  CHECK(load({{"SMOOTH_AGENT_BIND", "::1"}}).bind == "::1");
  CHECK(load({{"SMOOTH_AGENT_BIND", " 10.1.2.3 "}}).bind == "10.1.2.3");
  CHECK(load({{"SMOOTH_AGENT_BIND", "::"}}).bind == "::");
  for (const char* bad :
       {"localhost", "[::1]", "1.2.3", "256.1.1.1", "1.2.3.4:80", "example.com"}) {
    INFO(bad);
    CHECK(load({{"SMOOTH_AGENT_BIND", bad}}).bind == "127.0.0.1");
  }
}

TEST_CASE("config: port", "[config]") {
  CHECK(load({{"SMOOTH_AGENT_PORT", "0"}}).port == 0);
  CHECK(load({{"SMOOTH_AGENT_PORT", "65535"}}).port == 65535);
  CHECK(load({{"SMOOTH_AGENT_PORT", "+8080"}}).port == 8080);
  for (const char* bad : {"65536", "-1", "http", "80x", "8.0"}) {
    INFO(bad);
    CHECK(load({{"SMOOTH_AGENT_PORT", bad}}).port == 8787);
  }
}

TEST_CASE("config: LLM variables", "[config]") {
  const auto c = load({{"SMOOAI_GATEWAY_URL", "http://127.0.0.1:9/v1"},
                       {"SMOOTH_AGENT_MODEL", "gpt-x"},
                       {"SMOOTH_AGENT_MAX_ITERATIONS", "3"},
                       {"SMOOTH_AGENT_MAX_TOKENS", "1024"},
                       {"SMOOTH_AGENT_RERANK", " lexical "}});
  CHECK(c.gateway_url == "http://127.0.0.1:9/v1");
  CHECK(c.model == "gpt-x");
  CHECK(c.max_iterations == 3);
  CHECK(c.max_tokens == 1024);
  CHECK(c.rerank == "lexical");
  for (const char* bad : {"0", "-3", "abc", "4294967296", "2.5"}) {
    INFO(bad);
    auto d = load({{"SMOOTH_AGENT_MAX_ITERATIONS", bad}, {"SMOOTH_AGENT_MAX_TOKENS", bad}});
    CHECK(d.max_iterations == 6);
    CHECK(d.max_tokens == 512);
  }
  CHECK(load({{"SMOOTH_AGENT_MAX_TOKENS", "4294967295"}}).max_tokens == 4294967295u);
}

TEST_CASE("config: confirm tools list", "[config]") {
  CHECK(load({{"SMOOTH_AGENT_CONFIRM_TOOLS", " delete , ,write_,  ,send email "}}).confirm_tools ==
        std::vector<std::string>{"delete", "write_", "send email"});
  CHECK(load({{"SMOOTH_AGENT_CONFIRM_TOOLS", " , , "}}).confirm_tools.empty());
}

TEST_CASE("config: seed KB only for the exact string 1", "[config]") {
  CHECK(load({{"SMOOTH_AGENT_SEED_KB", "1"}}).seed_kb);
  for (const char* other : {" 1", "1 ", "true", "yes", "01", "0"}) {
    INFO(other);
    CHECK_FALSE(load({{"SMOOTH_AGENT_SEED_KB", other}}).seed_kb);
  }
}

TEST_CASE("config: storage selection", "[config]") {
  const env_map url{{"SMOOTH_AGENT_DATABASE_URL", "postgres://a"}};
  for (const char* pg : {"postgres", "PG", "PostgreSQL", " postgres "}) {
    INFO(pg);
    auto vars = url;
    vars["SMOOTH_AGENT_STORAGE"] = pg;
    CHECK(load(vars).storage == storage_backend::postgres);
  }
  for (const char* ddb : {"dynamodb", "DDB", "Dynamo"}) {
    INFO(ddb);
    CHECK(load({{"SMOOTH_AGENT_STORAGE", ddb}}).storage == storage_backend::dynamodb);
  }
  for (const char* other : {"memory", "sqlite", "mongo", ""}) {
    INFO(other);
    CHECK(load({{"SMOOTH_AGENT_STORAGE", other}}).storage == storage_backend::memory);
  }
  CHECK(load({{"SMOOTH_AGENT_DDB_TABLE", "tbl"}}).ddb_table == "tbl");
}

TEST_CASE("config: database URL precedence and the postgres boot error", "[config]") {
  CHECK(load({{"SMOOTH_AGENT_STORAGE", "pg"}, {"DATABASE_URL", "postgres://fallback"}})
            .database_url == std::optional<std::string>("postgres://fallback"));
  CHECK(load({{"SMOOTH_AGENT_STORAGE", "pg"},
              {"SMOOTH_AGENT_DATABASE_URL", "postgres://primary"},
              {"DATABASE_URL", "postgres://fallback"}})
            .database_url == std::optional<std::string>("postgres://primary"));
  // Used verbatim: not trimmed.
  CHECK(load({{"SMOOTH_AGENT_DATABASE_URL", " postgres://x "}}).database_url ==
        std::optional<std::string>(" postgres://x "));

  const auto err = error_of({{"SMOOTH_AGENT_STORAGE", "postgres"}});
  CHECK_THAT(err, Catch::Matchers::Contains("SMOOTH_AGENT_STORAGE") &&
                      Catch::Matchers::Contains("SMOOTH_AGENT_DATABASE_URL") &&
                      Catch::Matchers::Contains("DATABASE_URL"));
  CHECK_FALSE(error_of({{"SMOOTH_AGENT_STORAGE", "postgres"}, {"DATABASE_URL", "  "}}).empty());
}

TEST_CASE("config: backplane selection and errors", "[config]") {
  CHECK(load({{"SMOOTH_AGENT_BACKPLANE", " InMemory "}}).backplane == backplane_backend::memory);
  CHECK(load({{"SMOOTH_AGENT_BACKPLANE", "  "}}).backplane == backplane_backend::memory);

  auto nats =
      load({{"SMOOTH_AGENT_BACKPLANE", "NATS"}, {"SMOOTH_AGENT_NATS_URL", "nats://n:4222"}});
  CHECK(nats.backplane == backplane_backend::nats);
  CHECK(nats.backplane_url == std::optional<std::string>("nats://n:4222"));

  auto valkey =
      load({{"SMOOTH_AGENT_BACKPLANE", "valkey"}, {"SMOOTH_AGENT_REDIS_URL", "redis://r:6379"}});
  CHECK(valkey.backplane == backplane_backend::redis);
  CHECK(valkey.backplane_url == std::optional<std::string>("redis://r:6379"));

  // The generic URL wins over the backend-specific fallback.
  auto both = load({{"SMOOTH_AGENT_BACKPLANE", "redis"},
                    {"SMOOTH_AGENT_BACKPLANE_URL", "redis://main"},
                    {"SMOOTH_AGENT_REDIS_URL", "redis://fallback"}});
  CHECK(both.backplane_url == std::optional<std::string>("redis://main"));

  CHECK(error_of({{"SMOOTH_AGENT_BACKPLANE", " Kafka "}}) ==
        "unknown SMOOTH_AGENT_BACKPLANE 'kafka' (expected: memory | redis | valkey | nats)");

  const auto no_nats_url = error_of(
      {{"SMOOTH_AGENT_BACKPLANE", "nats"}, {"SMOOTH_AGENT_REDIS_URL", "redis://wrong-kind"}});
  CHECK_THAT(no_nats_url, Catch::Matchers::Contains("SMOOTH_AGENT_BACKPLANE_URL") &&
                              Catch::Matchers::Contains("SMOOTH_AGENT_NATS_URL"));
  const auto no_redis_url = error_of({{"SMOOTH_AGENT_BACKPLANE", "redis"}});
  CHECK_THAT(no_redis_url, Catch::Matchers::Contains("SMOOTH_AGENT_BACKPLANE_URL") &&
                               Catch::Matchers::Contains("SMOOTH_AGENT_REDIS_URL"));
}

TEST_CASE("config: widget auth", "[config]") {
  for (const char* on : {"1", "true", "TRUE", "Yes", " yes "}) {
    INFO(on);
    CHECK(load({{"WIDGET_AUTH_STRICT", on}}).widget_auth_strict);
  }
  for (const char* off : {"0", "false", "no", "on", "y"}) {
    INFO(off);
    CHECK_FALSE(load({{"WIDGET_AUTH_STRICT", off}}).widget_auth_strict);
  }
  auto c = load({{"WIDGET_AUTH_URL", " https://policy "},
                 {"WIDGET_AUTH_BEARER", "tok"},
                 {"WIDGET_AUTH_TTL_SECS", "0"}});
  CHECK(c.widget_auth_url == std::optional<std::string>("https://policy"));
  CHECK(c.widget_auth_bearer == std::optional<std::string>("tok"));
  CHECK(c.widget_auth_ttl_secs == 0);
  CHECK(load({{"WIDGET_AUTH_TTL_SECS", "soon"}}).widget_auth_ttl_secs == 60);
  CHECK(load({{"WIDGET_AUTH_TTL_SECS", "-5"}}).widget_auth_ttl_secs == 60);
  CHECK(load({{"WIDGET_AUTH_TTL_SECS", "18446744073709551615"}}).widget_auth_ttl_secs ==
        18446744073709551615ull);
}

TEST_CASE("config: auth variables", "[config]") {
  for (const char* mode : {"jwt", "SMOO", " trusted ", "none"}) {
    INFO(mode);
    auto c = load({{"AUTH_MODE", mode}});
    REQUIRE(c.auth_mode);
    CHECK((*c.auth_mode == "jwt" || *c.auth_mode == "smoo" || *c.auth_mode == "trusted" ||
           *c.auth_mode == "none"));
  }
  CHECK(load({{"AUTH_MODE", " SMOO "}}).auth_mode == std::optional<std::string>("smoo"));
  // Unknown modes are refused by the auth factory (tests/adapters/auth_factory_test.cpp).
  CHECK(load({{"AUTH_MODE", " Banana "}}).auth_mode == std::optional<std::string>("banana"));
  CHECK(load({{"SMOOTH_AGENT_AUTH_MODE", "none"}, {"AUTH_MODE", "jwt"}}).auth_mode ==
        std::optional<std::string>("none"));
  auto c = load({{"AUTH_JWT_HS256_SECRET", " s3cret "},
                 {"AUTH_JWT_RS256_PUBLIC_KEY",
                  "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC "
                  "KEY-----\n"},
                 {"AUTH_JWT_ISSUER", "https://issuer"},
                 {"AUTH_JWT_AUDIENCE", "aud"},
                 {"AUTH_DEV_ORG_ID", "org-dev"}});
  CHECK(c.auth_jwt_hs256_secret == std::optional<std::string>("s3cret"));
  CHECK(c.auth_jwt_rs256_public_key ==
        std::optional<std::string>("-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----"));
  CHECK(c.auth_jwt_issuer == std::optional<std::string>("https://issuer"));
  CHECK(c.auth_jwt_audience == std::optional<std::string>("aud"));
  CHECK(c.auth_dev_org_id == "org-dev");
}

TEST_CASE("config: our variables parse valid values", "[config]") {
  const auto c = load({{"SMOOTH_AGENT_DRAIN_TIMEOUT_SECS", "0"},
                       {"SMOOTH_AGENT_MAX_FRAME_BYTES", "1024"},
                       {"SMOOTH_AGENT_MAX_OUTBOUND_BYTES", "65536"},
                       {"SMOOTH_AGENT_CONFIRM_TIMEOUT_SECS", "5"},
                       {"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", "TRUE"},
                       {"SMOOTH_AGENT_KNOWLEDGE_FILE", " /etc/kb.json "},
                       {"SMOOTH_AGENT_TOOLS_FILE", "/etc/tools.json"},
                       {"SMOOTH_AGENT_WORKER_THREADS", "64"},
                       {"SMOOTH_AGENT_SESSION_IDLE_SECS", "60"},
                       {"SMOOTH_AGENT_LOG_LEVEL", "DEBUG"}});
  CHECK(c.drain_timeout == std::chrono::seconds(0));
  CHECK(c.max_frame_bytes == 1024);
  CHECK(c.max_outbound_bytes == 65536);
  CHECK(c.confirm_timeout == std::chrono::milliseconds(5000));
  CHECK(c.nats_legacy_subject);
  CHECK(c.knowledge_file == std::optional<std::string>("/etc/kb.json"));
  CHECK(c.tools_file == std::optional<std::string>("/etc/tools.json"));
  CHECK(c.worker_threads == 64);
  CHECK(c.session_idle_timeout == std::chrono::seconds(60));
  CHECK(c.log_level == "debug");

  CHECK_FALSE(load({{"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", "0"}}).nats_legacy_subject);
  CHECK_FALSE(load({{"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", "false"}}).nats_legacy_subject);
  CHECK(load({{"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", "1"}}).nats_legacy_subject);
  CHECK(load({{"SMOOTH_AGENT_WORKER_THREADS", "1"}}).worker_threads == 1);
  for (const char* level : {"trace", "info", "warn", "error", "critical", "off"}) {
    INFO(level);
    CHECK(load({{"SMOOTH_AGENT_LOG_LEVEL", level}}).log_level == level);
  }
}

TEST_CASE("config: an invalid value of our variables names the variable and the value",
          "[config]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"SMOOTH_AGENT_DRAIN_TIMEOUT_SECS", "-1"},
      {"SMOOTH_AGENT_DRAIN_TIMEOUT_SECS", "ten"},
      {"SMOOTH_AGENT_DRAIN_TIMEOUT_SECS", "86401"},
      {"SMOOTH_AGENT_MAX_FRAME_BYTES", "1023"},
      {"SMOOTH_AGENT_MAX_FRAME_BYTES", "1MiB"},
      {"SMOOTH_AGENT_MAX_FRAME_BYTES", "99999999999999999999999"},
      {"SMOOTH_AGENT_MAX_OUTBOUND_BYTES", "0"},
      {"SMOOTH_AGENT_CONFIRM_TIMEOUT_SECS", "0"},
      {"SMOOTH_AGENT_CONFIRM_TIMEOUT_SECS", "1.5"},
      {"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", "yes"},
      {"SMOOTH_AGENT_WORKER_THREADS", "0"},
      {"SMOOTH_AGENT_WORKER_THREADS", "65"},
      {"SMOOTH_AGENT_SESSION_IDLE_SECS", "0"},
      {"SMOOTH_AGENT_SESSION_IDLE_SECS", "forever"},
      {"SMOOTH_AGENT_LOG_LEVEL", "verbose"},
  };
  for (const auto& [name, value] : bad) {
    INFO(name << "=" << value);
    const auto err = error_of({{name, value}});
    CHECK_THAT(err,
               Catch::Matchers::Contains(name) && Catch::Matchers::Contains("'" + value + "'"));
  }
}

TEST_CASE("config: process_env reads the real environment", "[config]") {
  ::setenv("SO_CONFIG_TEST_VAR", "value-1", 1);
  auto env = process_env();
  CHECK(env("SO_CONFIG_TEST_VAR") == std::optional<std::string>("value-1"));
  ::unsetenv("SO_CONFIG_TEST_VAR");
  CHECK_FALSE(env("SO_CONFIG_TEST_VAR"));
}

TEST_CASE("config: config_variables documents every variable load_config reads", "[config]") {
  std::set<std::string> read;
  env_lookup recorder = [&read](const char* name) -> std::optional<std::string> {
    read.insert(name);
    return std::nullopt;
  };
  load_config(recorder);
  // Branch-only variables (read only for some backends) are read here too.
  load_config([&read](const char* name) -> std::optional<std::string> {
    read.insert(name);
    if (std::string(name) == "SMOOTH_AGENT_BACKPLANE") return "nats";
    if (std::string(name) == "SMOOTH_AGENT_NATS_URL") return "nats://x";
    return std::nullopt;
  });
  load_config([&read](const char* name) -> std::optional<std::string> {
    read.insert(name);
    if (std::string(name) == "SMOOTH_AGENT_BACKPLANE") return "redis";
    if (std::string(name) == "SMOOTH_AGENT_REDIS_URL") return "redis://x";
    return std::nullopt;
  });

  std::set<std::string> documented;
  for (const auto& v : config_variables()) {
    INFO(v.name);
    CHECK(documented.insert(v.name).second);  // no duplicates
    CHECK(std::string(v.meaning).size() > 0);
    CHECK(std::string(v.default_value).size() > 0);
  }
  for (const auto& name : read) {
    INFO(name);
    CHECK(documented.count(name) == 1);
  }
  for (const auto& name : documented) {
    INFO(name);
    CHECK(read.count(name) == 1);
  }
}

// ---- turn lease (issue 9 item 5, helper "lease") ----
TEST_CASE("config: SMOOTH_AGENT_TURN_LEASE_SECS", "[config]") {
  CHECK(load({}).turn_lease == std::chrono::seconds(60));
  CHECK(load({{"SMOOTH_AGENT_TURN_LEASE_SECS", "1"}}).turn_lease == std::chrono::seconds(1));
  CHECK(load({{"SMOOTH_AGENT_TURN_LEASE_SECS", " 90 "}}).turn_lease == std::chrono::seconds(90));
  CHECK(load({{"SMOOTH_AGENT_TURN_LEASE_SECS", "86400"}}).turn_lease ==
        std::chrono::seconds(86'400));
  for (const char* bad : {"0", "-1", "1.5", "sixty", "86401", "99999999999999999999"}) {
    INFO(bad);
    const auto err = error_of({{"SMOOTH_AGENT_TURN_LEASE_SECS", bad}});
    CHECK_THAT(err, Catch::Matchers::Contains("SMOOTH_AGENT_TURN_LEASE_SECS") &&
                        Catch::Matchers::Contains(std::string("'") + bad + "'"));
  }
}

// ---- on/off variables we own: one reading (parse_flag) for all ----
TEST_CASE("config: every on/off variable reads 0 | 1 | true | false and refuses the rest",
          "[config]") {
  struct flag {
    const char* name;
    bool server_config::*field;
    bool default_value;
  };
  for (const auto& f :
       {flag{"SMOOTH_AGENT_WEB_UI", &server_config::web_ui, true},
        flag{"SMOOTH_AGENT_WS_AUTH_REQUIRED", &server_config::ws_auth_required, false},
        flag{"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", &server_config::nats_legacy_subject, false},
        flag{"SMOOTH_AGENT_WEB_CONNECTOR_ALLOW_LOOPBACK",
             &server_config::web_connector_allow_loopback, false},
        flag{"SMOOTH_AGENT_MALLOC_HUGE_PAGES", &server_config::malloc_huge_pages, true}}) {
    INFO(f.name);
    CHECK(load({}).*f.field == f.default_value);
    for (const char* on : {"1", "true", "TRUE", " 1 "}) {
      INFO(on);
      CHECK(load({{f.name, on}}).*f.field);
    }
    for (const char* off : {"0", "false", "False"}) {
      INFO(off);
      CHECK_FALSE(load({{f.name, off}}).*f.field);
    }
    for (const char* bad : {"yes", "off", "2"}) {
      INFO(bad);
      const auto err = error_of({{f.name, bad}});
      CHECK_THAT(err, Catch::Matchers::Contains(f.name) &&
                          Catch::Matchers::Contains(std::string("'") + bad + "'"));
    }
  }
  CHECK(parse_flag(" TRUE ") == true);
  CHECK(parse_flag("False") == false);
  CHECK_FALSE(parse_flag("on"));
}

// ---- Rich Interactions (issue 12, helper "interact") ----
TEST_CASE("config: SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS", "[config][interactions]") {
  CHECK(load({}).interaction_timeout == std::chrono::seconds(300));
  CHECK(load({{"SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS", "5"}}).interaction_timeout ==
        std::chrono::seconds(5));
  for (const char* bad : {"0", "-1", "1.5", "five"}) {
    INFO(bad);
    const auto err = error_of({{"SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS", bad}});
    CHECK_THAT(err, Catch::Matchers::Contains("SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS") &&
                        Catch::Matchers::Contains(std::string("'") + bad + "'"));
  }
}
