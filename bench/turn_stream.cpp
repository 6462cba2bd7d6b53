// bench/turn_stream.cpp — whole agent turns streamed over WebSocket, scripted LLM.
//
//   turn_stream [turns=2000] [clients=4]
//
// Each client creates a session and runs its share of the turns one after another:
// send_message → 202 ack → stream_token… → eventual_response. The model is the
// in-process scripted_provider with one 200-character reply per turn, so the figures
// are the server's own cost (actors, prompt building, storage, event serialization),
// not an LLM's. Every reply carries a unique number: each must arrive exactly once,
// its tokens must add up to the final responseParts[0], and the turn's frames must
// carry its requestId.
// Exit: 0 ok, 1 correctness failure, 3 hard deadline.
#include "adapters/llm/scripted_provider.hpp"
#include "bench/bench_support.hpp"

#include <rapidjson/pointer.h>

#include <latch>
#include <optional>

namespace so::bench {
namespace {

namespace llm = adapters::llm;

constexpr const char* kUsage = "turn_stream [turns=2000] [clients=4]";
constexpr std::size_t kReplyChars = 200;
// One unmeasured turn per client first: session actor, storage and prompt warm-up.
constexpr std::size_t kWarmupTurns = 1;

// "reply-000042:" padded to kReplyChars with ASCII filler (1 char = 1 code point).
std::string reply_text(std::size_t n) {
  char head[32];
  std::snprintf(head, sizeof head, "reply-%06zu:", n);
  std::string s = head;
  static constexpr std::string_view kFiller = " the quick brown fox jumps over the lazy dog";
  while (s.size() < kReplyChars) s += kFiller;
  s.resize(kReplyChars);
  return s;
}

// The number inside a reply_text, or npos when the text is not one.
std::size_t reply_number(std::string_view text) {
  if (text.size() != kReplyChars || text.substr(0, 6) != "reply-" || text[12] != ':')
    return std::string::npos;
  std::size_t n = 0;
  for (char ch : text.substr(6, 6)) {
    if (ch < '0' || ch > '9') return std::string::npos;
    n = n * 10 + static_cast<std::size_t>(ch - '0');
  }
  return n;
}

struct turn_sample {
  double ack_us, first_token_us, full_us;
};

struct client_result {
  std::vector<turn_sample> samples;  // measured turns only
  std::vector<std::size_t> replies;  // every reply number seen, warm-up included
};

std::string create_session(test::ws_client& ws, failures& fail, const std::string& who) {
  ws.send_text(
      R"({"action":"create_conversation_session","requestId":"r-create","agentId":"agent-bench","userName":"Bench"})");
  auto text = ws.read(10s);
  rapidjson::Document d;
  if (text) d.Parse(text->data(), text->size());
  if (!text || d.HasParseError() || str_member(d, "type") != "immediate_response" ||
      !d.HasMember("data") || str_member(d["data"], "sessionId").empty()) {
    fail.add(who + ": create_conversation_session failed: " + text.value_or("<no frame>"));
    return {};
  }
  return std::string(str_member(d["data"], "sessionId"));
}

// One turn; appends the reply number to `out.replies`. Returns the timings, or
// nothing (failure recorded) when the turn did not end with its eventual_response.
std::optional<turn_sample> run_turn(test::ws_client& ws, const std::string& session,
                                    const std::string& rid, client_result& out, failures& fail) {
  const auto t0 = bench_clock::now();
  ws.send_text(R"({"action":"send_message","requestId":")" + rid + R"(","sessionId":")" + session +
               R"(","message":"hello bench"})");
  std::optional<bench_clock::time_point> ack, first;
  std::string tokens;
  const auto deadline = t0 + 15s;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - bench_clock::now());
    auto text = left.count() > 0 ? ws.read(left) : std::nullopt;
    const auto now = bench_clock::now();
    if (!text) {
      fail.add("turn " + rid + ": no terminal event within 15 s");
      return std::nullopt;
    }
    rapidjson::Document d;
    d.Parse(text->data(), text->size());
    const auto type = str_member(d, "type");
    // Frames without a requestId are not this turn's (none expected, but not wrong).
    const auto frame_rid = str_member(d, "requestId");
    if (d.HasParseError() || (!frame_rid.empty() && frame_rid != rid)) {
      fail.add("turn " + rid + ": foreign or invalid frame: " + *text);
      return std::nullopt;
    }
    if (type == "immediate_response") {
      ack = now;
    } else if (type == "stream_token") {
      if (!first) first = now;
      tokens += str_member(d, "token");
    } else if (type == "eventual_response") {
      const rapidjson::Value* parts =
          rapidjson::Pointer("/data/data/response/responseParts/0").Get(d);
      const std::string_view reply =
          parts && parts->IsString()
              ? std::string_view(parts->GetString(), parts->GetStringLength())
              : std::string_view();
      const auto n = reply_number(reply);
      if (n == std::string::npos || reply != tokens || !ack || !first) {
        fail.add("turn " + rid + ": bad reply (tokens '" + tokens + "', ack " +
                 (ack ? "yes" : "no") + "): " + *text);
        return std::nullopt;
      }
      out.replies.push_back(n);
      return turn_sample{micros(*ack - t0), micros(*first - t0), micros(now - t0)};
    } else if (type == "error" || type == "cancelled") {
      fail.add("turn " + rid + " ended with: " + *text);
      return std::nullopt;
    }
  }
}

int run(int argc, char** argv) {
  const auto turns = count_arg(argc, argv, 1, 2000, 1, 999'999 - 1000, kUsage);
  const auto clients = count_arg(argc, argv, 2, 4, 1, 1000, kUsage);
  watchdog dog;
  const auto stop_at = bench_clock::now() + kSoftBudget;
  failures fail;

  // One entry per turn (warm-up included): the FIFO is shared, so replies land on
  // whichever turn asks next, but each number can be delivered only once.
  const std::size_t scripted = turns + clients * kWarmupTurns;
  std::vector<llm::script_entry> script;
  for (std::size_t i = 0; i < scripted; ++i) {
    llm::script_entry e;
    e.what = llm::script_entry::kind::text;
    e.text = reply_text(i);
    script.push_back(std::move(e));
  }
  auto provider = std::make_shared<llm::scripted_provider>(std::move(script));
  auto server = boot_server(provider);
  print_header("turn_stream", *server,
               "turns=" + std::to_string(turns) + " clients=" + std::to_string(clients) +
                   " reply=" + std::to_string(kReplyChars) + " chars");

  std::vector<client_result> results(clients);
  std::latch ready(static_cast<std::ptrdiff_t>(clients) + 1);
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    const std::size_t quota = turns / clients + (c < turns % clients ? 1 : 0);
    threads.emplace_back([&, c, quota] {
      const std::string who = numbered("client ", c);
      auto& out = results[c];
      out.samples.reserve(quota);
      std::unique_ptr<test::ws_client> ws;
      std::string session;
      bool ok = false;
      guarded(fail, who, [&] {
        ws = connect(*server);
        session = create_session(*ws, fail, who);
        ok = !session.empty();
        for (std::size_t i = 0; ok && i < kWarmupTurns; ++i)
          ok = run_turn(*ws, session, numbered("w", c) + numbered("-", i), out, fail).has_value();
      });
      ready.arrive_and_wait();  // always reached: the main thread waits on it
      if (!ok) return;
      guarded(fail, who, [&] {
        for (std::size_t i = 0; i < quota && bench_clock::now() < stop_at; ++i) {
          auto s = run_turn(*ws, session, numbered("t", c) + numbered("-", i), out, fail);
          if (!s) break;
          out.samples.push_back(*s);
        }
        ws->close();
      });
    });
  }
  ready.arrive_and_wait();
  const auto cpu0 = process_cpu_seconds();
  const auto t0 = bench_clock::now();
  for (auto& t : threads) t.join();
  const double wall = seconds(bench_clock::now() - t0);
  const double cpu = process_cpu_seconds() - cpu0;
  server->shutdown();

  // ---- correctness: every reply number exactly once, none invented ----
  std::vector<std::size_t> seen;
  std::vector<double> ack, first, full;
  for (const auto& r : results) {
    seen.insert(seen.end(), r.replies.begin(), r.replies.end());
    for (const auto& s : r.samples) {
      ack.push_back(s.ack_us);
      first.push_back(s.first_token_us);
      full.push_back(s.full_us);
    }
  }
  std::sort(seen.begin(), seen.end());
  if (std::adjacent_find(seen.begin(), seen.end()) != seen.end())
    fail.add("a scripted reply was delivered twice");
  if (!seen.empty() && seen.back() >= scripted) fail.add("a reply that was never scripted arrived");
  if (provider->remaining() != scripted - seen.size())
    fail.add("LLM calls (" + std::to_string(scripted - provider->remaining()) +
             ") != completed turns (" + std::to_string(seen.size()) + ")");

  const auto done = full.size();
  std::printf("turns: %zu of %zu over %zu client(s)%s\n", done, turns, clients,
              done < turns ? "  [TRUNCATED at the soft deadline or by a failure]" : "");
  std::printf("  wall %.3f s   %.0f turns/s   process CPU %.2f cores\n", wall,
              wall > 0 ? static_cast<double>(done) / wall : 0, wall > 0 ? cpu / wall : 0);
  const auto pa = summarize(ack), pf = summarize(first), pt = summarize(full);
  print_latency("ack (202)", pa);
  print_latency("first token", pf);
  print_latency("full turn", pt);
  if (pf.p50 > 0)
    std::printf("  ratio full-turn / first-token: p50 %.2fx  p90 %.2fx  p99 %.2fx\n",
                pt.p50 / pf.p50, pt.p90 / pf.p90, pt.p99 / pf.p99);

  return report(fail, "each reply exactly once; tokens == responseParts[0]");
}

}  // namespace
}  // namespace so::bench

int main(int argc, char** argv) {
  return so::bench::bench_main("turn_stream", so::bench::run, argc, argv);
}
