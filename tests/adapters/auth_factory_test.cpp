// Tests for the boot-time choice of the authenticator: every row of admin-auth.md
// §1.3's table, the §9 additions (JWKS precedence, local-token, the canonical mode
// variable), and the server binary refusing to start.
#include "adapters/auth/auth_factory.hpp"
#include "tests/adapters/auth_test_keys.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>

using namespace so::adapters;
using namespace so::adapters::auth;
using namespace so::test::auth;

namespace {

server_config config_from(std::map<std::string, std::string> vars) {
  return load_config([vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

/// A fetcher that is never asked (the factory tests only build verifiers).
class idle_fetcher final : public jwks_fetcher {
 public:
  void fetch(std::function<void(jwks_fetch_result)> done) override {
    done({std::nullopt, "not used"});
  }
};

struct built {
  authenticator_ptr auth;
  std::vector<std::string> jwks_urls;
};

built build(std::map<std::string, std::string> vars) {
  built b;
  auth_boot_deps deps;
  deps.clock = std::make_shared<so::protocol::manual_clock>(test_time());
  deps.jwks_fetcher_for = [&b](const std::string& url) {
    b.jwks_urls.push_back(url);
    return std::make_shared<idle_fetcher>();
  };
  const auto cfg = config_from(std::move(vars));
  b.auth = make_authenticator(cfg, deps);
  CHECK(validate_auth_config(cfg) == b.auth->label());
  return b;
}

std::string refusal(std::map<std::string, std::string> vars) {
  const auto cfg = config_from(std::move(vars));
  try {
    validate_auth_config(cfg);
  } catch (const auth_config_error& e) {
    // make_authenticator refuses identically.
    CHECK_THROWS_AS(make_authenticator(cfg, {}), auth_config_error);
    return e.what();
  }
  FAIL("expected a refusal");
  return {};
}

auth_result run(const authenticator_ptr& a, const std::string& token) {
  std::optional<auth_result> got;
  a->authenticate(token, [&](auth_result r) { got = std::move(r); });
  REQUIRE(got);
  return *got;
}

const std::string kBadPem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----";

}  // namespace

TEST_CASE("auth factory: the §1.3 table", "[auth][factory]") {
  SECTION("nothing set → boots with admin disabled") {
    CHECK(build({}).auth->label() == "disabled");
  }
  SECTION("mode unset + a bad PEM → boots disabled (quiet degradation)") {
    CHECK(build({{"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem}}).auth->label() == "disabled");
    // Even with an HS256 secret: the PEM wins and its failure is the misconfiguration.
    CHECK(build({{"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem}, {"AUTH_JWT_HS256_SECRET", "s"}})
              .auth->label() == "disabled");
  }
  SECTION("mode unset + an HS256 secret → jwt") {
    auto b = build({{"AUTH_JWT_HS256_SECRET", "s3"}});
    CHECK(b.auth->label() == "jwt");
    CHECK(run(b.auth, hs256_token("s3", claims())).outcome == auth_outcome::authenticated);
  }
  SECTION("AUTH_MODE=jwt without a key → refused") {
    const auto e = refusal({{"AUTH_MODE", "jwt"}});
    CHECK(e.rfind("auth configuration error:", 0) == 0);
    CHECK(e.find("refusing to fall back to no-auth") != std::string::npos);
  }
  SECTION("AUTH_MODE=jwt + a bad PEM → refused (the secret does not rescue it)") {
    CHECK(refusal({{"AUTH_MODE", "jwt"}, {"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem}})
              .rfind("auth configuration error:", 0) == 0);
    CHECK(refusal({{"AUTH_MODE", "JWT"},
                   {"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem},
                   {"AUTH_JWT_HS256_SECRET", "s"}})
              .find("AUTH_JWT_RS256_PUBLIC_KEY") != std::string::npos);
  }
  SECTION("AUTH_MODE=smoo without an issuer → refused even with a key") {
    CHECK(
        refusal({{"AUTH_MODE", "smoo"}, {"AUTH_JWT_HS256_SECRET", "s"}}).find("AUTH_JWT_ISSUER") !=
        std::string::npos);
    CHECK(refusal({{"AUTH_MODE", "smoo"}, {"AUTH_JWT_RS256_PUBLIC_KEY", spki_pem(rsa_a())}})
              .rfind("auth configuration error:", 0) == 0);
  }
  SECTION("AUTH_MODE=smoo + issuer, no key → §9: JWKS derived from the issuer") {
    auto b = build({{"AUTH_MODE", "smoo"}, {"AUTH_JWT_ISSUER", "https://id.example.test/"}});
    CHECK(b.auth->label() == "jwks");
    CHECK(b.jwks_urls == std::vector<std::string>{"https://id.example.test/.well-known/jwks.json"});
    // An issuer that is not a URL cannot give a JWKS URL: refused.
    CHECK(refusal({{"AUTH_MODE", "smoo"}, {"AUTH_JWT_ISSUER", "acme"}})
              .rfind("auth configuration error:", 0) == 0);
    CHECK(refusal({{"AUTH_MODE", "smoo"},
                   {"AUTH_JWT_ISSUER", "acme"},
                   {"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem}})
              .rfind("auth configuration error:", 0) == 0);
  }
  SECTION("AUTH_MODE=banana → refused") {
    CHECK(refusal({{"AUTH_MODE", "banana"}}) ==
          "auth configuration error: unknown AUTH_MODE 'banana' (expected jwt | smoo | trusted | "
          "none | local-token)");
    CHECK(refusal({{"AUTH_MODE", "jwks"}}).find("unknown AUTH_MODE") != std::string::npos);
  }
  SECTION("AUTH_MODE=none / trusted → boots; no key consulted") {
    CHECK(build({{"AUTH_MODE", "none"}, {"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem}}).auth->label() ==
          "none");
    CHECK(
        build({{"AUTH_MODE", " Trusted "}, {"AUTH_JWT_RS256_PUBLIC_KEY", kBadPem}}).auth->label() ==
        "trusted");
    auto dev = build({{"AUTH_MODE", "none"}, {"AUTH_DEV_ORG_ID", "lab"}}).auth;
    CHECK(run(dev, "dev").who->org_id == "lab");
    CHECK(run(build({{"AUTH_MODE", "none"}}).auth, "dev").who->org_id == "dev-org");
  }
}

TEST_CASE("auth factory: key precedence and labels", "[auth][factory]") {
  const auto pem = spki_pem(rsa_a());
  SECTION("the RS256 PEM wins over the HS256 secret") {
    auto b = build(
        {{"AUTH_MODE", "jwt"}, {"AUTH_JWT_RS256_PUBLIC_KEY", pem}, {"AUTH_JWT_HS256_SECRET", "s"}});
    CHECK(b.auth->label() == "jwt");
    CHECK(run(b.auth, rs256_token(rsa_a(), claims())).outcome == auth_outcome::authenticated);
    CHECK(run(b.auth, hs256_token("s", claims())).reason == "InvalidAlgorithm");
  }
  SECTION("smoo with issuer and key pins the issuer") {
    auto b = build({{"AUTH_MODE", "smoo"},
                    {"AUTH_JWT_ISSUER", "https://iss"},
                    {"AUTH_JWT_HS256_SECRET", "s"}});
    CHECK(b.auth->label() == "smoo");
    CHECK(run(b.auth, hs256_token("s", claims())).reason == "MissingRequiredClaim: iss");
    CHECK(run(b.auth, hs256_token("s", claims(R"("role":"admin","org":"o","iss":"https://iss")")))
              .outcome == auth_outcome::authenticated);
  }
  SECTION("audience configured → required") {
    auto b = build({{"AUTH_JWT_HS256_SECRET", "s"}, {"AUTH_JWT_AUDIENCE", "api"}});
    CHECK(run(b.auth, hs256_token("s", claims())).reason == "MissingRequiredClaim: aud");
  }
  SECTION("an explicit JWKS URL wins over static keys") {
    auto b = build({{"AUTH_JWT_JWKS_URL", "https://keys.test/jwks"},
                    {"AUTH_JWT_RS256_PUBLIC_KEY", pem},
                    {"AUTH_JWT_HS256_SECRET", "s"}});
    CHECK(b.auth->label() == "jwks");
    CHECK(b.jwks_urls == std::vector<std::string>{"https://keys.test/jwks"});
    CHECK(refusal({{"AUTH_MODE", "jwt"}, {"AUTH_JWT_JWKS_URL", "ftp://keys"}})
              .find("AUTH_JWT_JWKS_URL") != std::string::npos);
    CHECK(build({{"AUTH_JWT_JWKS_URL", "keys.test"}}).auth->label() == "disabled");
  }
  SECTION("a static key wins over the issuer-derived JWKS URL") {
    auto b = build({{"AUTH_JWT_ISSUER", "https://iss"}, {"AUTH_JWT_HS256_SECRET", "s"}});
    CHECK(b.auth->label() == "jwt");
    CHECK(b.jwks_urls.empty());
  }
  SECTION("only an issuer, mode implicit → jwks at {issuer}/.well-known/jwks.json") {
    auto b = build({{"AUTH_JWT_ISSUER", "https://iss.test/tenant"}});
    CHECK(b.auth->label() == "jwks");
    CHECK(b.jwks_urls == std::vector<std::string>{"https://iss.test/tenant/.well-known/jwks.json"});
    CHECK(build({{"AUTH_JWT_ISSUER", "not-a-url"}}).auth->label() == "disabled");
  }
  SECTION("a JWKS mode without an HTTP client cannot boot") {
    CHECK_THROWS_AS(make_authenticator(config_from({{"AUTH_JWT_ISSUER", "https://iss"}}), {}),
                    auth_config_error);
  }
}

TEST_CASE("auth factory: local-token mode and the canonical mode variable", "[auth][factory]") {
  CHECK(refusal({{"AUTH_MODE", "local-token"}}).find("SMOOTH_AGENT_LOCAL_TOKEN") !=
        std::string::npos);
  auto b = build({{"SMOOTH_AGENT_AUTH_MODE", "local-token"}, {"SMOOTH_AGENT_LOCAL_TOKEN", "tok"}});
  CHECK(b.auth->label() == "local-token");
  CHECK(b.auth->single_user());
  CHECK(run(b.auth, "tok").who->user_id == "local");

  // The canonical name wins over the alias, both ways.
  CHECK(build({{"SMOOTH_AGENT_AUTH_MODE", "none"}, {"AUTH_MODE", "banana"}}).auth->label() ==
        "none");
  CHECK(refusal({{"SMOOTH_AGENT_AUTH_MODE", "banana"}, {"AUTH_MODE", "none"}}).find("banana") !=
        std::string::npos);
  // A blank canonical value counts as unset: the alias applies.
  CHECK(build({{"SMOOTH_AGENT_AUTH_MODE", "  "}, {"AUTH_MODE", "trusted"}}).auth->label() ==
        "trusted");
}

// ---- the binary -------------------------------------------------------------------

namespace {

struct process_result {
  int exit_code = -1;
  std::string output;  ///< stdout + stderr
};

/// Runs the server binary (next to this test binary) with exactly `env`, and
/// waits for it to exit (at most 20 s; then it is killed and the test fails).
/// With `stop_after`: once the output contains it (and a newline after it), the
/// server is sent SIGTERM and drains.
process_result run_server(const std::vector<std::string>& env, const std::string& stop_after = {}) {
  const auto exe =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "smooth-operator-server";
  REQUIRE(std::filesystem::exists(exe));
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string path = exe.string();
  char* argv[] = {path.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, path.c_str(), &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  REQUIRE(rc == 0);

  process_result out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char buf[4096];
  bool timed_out = false;
  bool stopped = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    const auto n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the process closed its output (exited)
    out.output.append(buf, static_cast<std::size_t>(n));
    if (!stop_after.empty() && !stopped) {
      const auto at = out.output.find(stop_after);
      if (at != std::string::npos && out.output.find('\n', at) != std::string::npos) {
        kill(pid, SIGTERM);  // our own child only
        stopped = true;
      }
    }
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);  // our own child only
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE_FALSE(timed_out);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace

TEST_CASE("auth: the server binary refuses to start on an auth misconfiguration",
          "[auth][factory][process]") {
  for (const auto& env : std::vector<std::vector<std::string>>{
           {"AUTH_MODE=banana"},
           {"AUTH_MODE=jwt"},
           {"SMOOTH_AGENT_AUTH_MODE=smoo", "AUTH_JWT_HS256_SECRET=s"}}) {
    auto full = env;
    full.push_back("SMOOTH_AGENT_PORT=0");
    full.push_back("SMOOTH_AGENT_IO_THREADS=1");
    INFO(env.front());
    const auto r = run_server(full);
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code != -1);  // exited, not killed
    // A line that starts with the refusal prefix, and no startup line (nothing was bound).
    CHECK((r.output.rfind("auth configuration error:", 0) == 0 ||
           r.output.find("\nauth configuration error:") != std::string::npos));
    CHECK(r.output.find("listening on") == std::string::npos);
  }
}

TEST_CASE("auth: the server binary boots with the chosen verifier and logs its label",
          "[auth][factory][process]") {
  const auto r = run_server({"AUTH_MODE=trusted", "AUTH_JWT_HS256_SECRET=never-logged-secret",
                             "SMOOTH_AGENT_PORT=0", "SMOOTH_AGENT_IO_THREADS=1"},
                            "listening on");
  INFO(r.output);
  CHECK(r.exit_code == 0);  // drained on SIGTERM
  CHECK(r.output.find("auth: verifier trusted") != std::string::npos);
  CHECK(r.output.find("TRUSTED WITHOUT VERIFICATION") != std::string::npos);
  CHECK(r.output.find("never-logged-secret") == std::string::npos);

  const auto d = run_server({"SMOOTH_AGENT_PORT=0", "SMOOTH_AGENT_IO_THREADS=1"}, "listening on");
  INFO(d.output);
  CHECK(d.exit_code == 0);
  CHECK(d.output.find("auth: admin API disabled") != std::string::npos);
  CHECK(d.output.find("auth: verifier disabled") != std::string::npos);
}
