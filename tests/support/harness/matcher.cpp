// tests/support/harness/matcher.cpp — see matcher.hpp.
#include "tests/support/harness/matcher.hpp"

#include "tests/support/harness/json_path.hpp"

#include <algorithm>
#include <stdexcept>

namespace so::test {
namespace {

using clock_type = std::chrono::steady_clock;

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::string number_text(double d) {
  return to_json(rapidjson::Value(d));
}

// The member `key` of matcher JSON `m` when present, checking its JSON type.
template <typename Pred>
const rapidjson::Value* optional_member(const rapidjson::Value& m, const char* key, Pred is_type,
                                        const char* type_name) {
  const auto it = m.FindMember(key);
  if (it == m.MemberEnd()) return nullptr;
  if (!is_type(it->value)) {
    throw std::invalid_argument(std::string("'") + key + "' must be " + type_name);
  }
  return &it->value;
}

// Checks one event against matcher `m` (type already equal), applies captures
// and accumulation. Returns the problem, or nullopt.
std::optional<std::string> check_event(const matcher& m, const event& ev, variables& vars,
                                       std::string& accumulated) {
  const rapidjson::Value& json = *ev.json;
  const rapidjson::Value* status = json.IsObject() ? resolve_path(json, "status") : nullptr;
  if (m.status != nullptr) {
    if (status == nullptr) return "expected status " + to_json(*m.status) + " but it is missing";
    if (!json_equal(*status, *m.status)) {
      return "expected status " + to_json(*m.status) + " but got " + to_json(*status);
    }
  }
  if (m.status_gte) {
    if (status == nullptr || !status->IsNumber()) {
      return "expected status >= " + number_text(*m.status_gte) + " but it is " +
             (status == nullptr ? std::string("missing") : to_json(*status));
    }
    if (status->GetDouble() < *m.status_gte) {
      return "expected status >= " + number_text(*m.status_gte) + " but got " + to_json(*status);
    }
  }
  for (const auto& [path, expected] : m.asserts) {
    const rapidjson::Value* actual = resolve_path(json, path);
    if (actual == nullptr) {
      return "assert " + quoted(path) + ": expected " + to_json(*expected) +
             " but the path is missing";
    }
    if (!json_equal(*actual, *expected)) {
      return "assert " + quoted(path) + ": expected " + to_json(*expected) + " but got " +
             to_json(*actual);
    }
  }
  for (const auto& [var, path] : m.captures) {
    const rapidjson::Value* value = resolve_path(json, path);
    if (value == nullptr)
      return "capture " + quoted(var) + ": path " + quoted(path) + " is missing";
    vars[var] = to_json(*value);
  }
  if (m.accumulate) {
    // Top-level only: a dotted name is looked up as one key, never as a path.
    const rapidjson::Value* piece = nullptr;
    if (json.IsObject()) {
      const auto it = json.FindMember(m.accumulate->c_str());
      if (it != json.MemberEnd()) piece = &it->value;
    }
    if (piece == nullptr || !piece->IsString()) {
      return "accumulate: top-level field " + quoted(*m.accumulate) + " is missing or not a string";
    }
    accumulated.append(piece->GetString(), piece->GetStringLength());
  }
  return std::nullopt;
}

std::string describe(std::size_t index, std::size_t count, const matcher& m) {
  return "matcher #" + std::to_string(index) + " of " + std::to_string(count) + " " + m.text;
}

}  // namespace

matcher parse_matcher(const rapidjson::Value& json) {
  if (!json.IsObject()) throw std::invalid_argument("an expect entry must be a JSON object");
  auto doc = std::make_shared<rapidjson::Document>();
  doc->CopyFrom(json, doc->GetAllocator());
  const rapidjson::Value& m = *doc;

  matcher out;
  out.text = to_json(m);
  const auto* type = optional_member(
      m, "type", [](const auto& v) { return v.IsString(); }, "a string");
  if (type == nullptr) throw std::invalid_argument("an expect entry needs a string 'type'");
  out.type.assign(type->GetString(), type->GetStringLength());

  const auto any = [](const auto&) { return true; };
  const auto is_number = [](const auto& v) { return v.IsNumber(); };
  const auto is_string = [](const auto& v) { return v.IsString(); };
  const auto is_object = [](const auto& v) { return v.IsObject(); };
  const auto is_bool = [](const auto& v) { return v.IsBool(); };

  out.status = optional_member(m, "status", any, "any JSON value");
  if (const auto* gte = optional_member(m, "statusGte", is_number, "a number")) {
    out.status_gte = gte->GetDouble();
  }
  if (const auto* asserts = optional_member(m, "assert", is_object, "an object")) {
    for (const auto& a : asserts->GetObject()) {
      out.asserts.emplace_back(std::string(a.name.GetString(), a.name.GetStringLength()), &a.value);
    }
  }
  if (const auto* captures = optional_member(m, "capture", is_object, "an object")) {
    for (const auto& c : captures->GetObject()) {
      if (!c.value.IsString()) throw std::invalid_argument("'capture' paths must be strings");
      out.captures.emplace_back(std::string(c.name.GetString(), c.name.GetStringLength()),
                                std::string(c.value.GetString(), c.value.GetStringLength()));
    }
  }
  if (const auto* repeat = optional_member(m, "repeat", is_bool, "a boolean")) {
    out.repeat = repeat->GetBool();
  }
  if (const auto* acc = optional_member(m, "accumulate", is_string, "a string")) {
    out.accumulate = std::string(acc->GetString(), acc->GetStringLength());
  }
  if (const auto* acc = optional_member(m, "assertAccumulated", is_string, "a string")) {
    out.assert_accumulated = std::string(acc->GetString(), acc->GetStringLength());
  }
  out.source = std::move(doc);
  return out;
}

next_event_result next_event(event_source& source, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    auto frame = source.next_frame(std::max(left, std::chrono::milliseconds(0)));
    if (!frame) {
      return {std::nullopt, "no event within " + std::to_string(timeout.count()) + " ms (" +
                                source.end_reason() + ")"};
    }
    auto doc = std::make_shared<rapidjson::Document>();
    doc->Parse(frame->c_str(), frame->size());
    if (doc->HasParseError()) return {std::nullopt, "the server sent a non-JSON frame: " + *frame};
    std::string type;
    if (doc->IsObject()) {
      const auto it = doc->FindMember("type");
      if (it != doc->MemberEnd() && it->value.IsString()) {
        type.assign(it->value.GetString(), it->value.GetStringLength());
      }
    }
    // protocol.md §6.3: interleaved heartbeats and pongs are never matched.
    if (type == "keepalive" || type == "pong") continue;
    return {event{std::move(doc), std::move(*frame), std::move(type)}, {}};
  }
}

std::optional<std::string> match_step(const std::vector<matcher>& expect, event_source& source,
                                      variables& vars, std::chrono::milliseconds timeout) {
  std::optional<event> pending;
  for (std::size_t i = 0; i < expect.size(); ++i) {
    const matcher& m = expect[i];
    std::string accumulated;
    for (;;) {
      event ev;
      if (pending) {
        ev = std::move(*pending);
        pending.reset();
      } else {
        auto next = next_event(source, timeout);
        if (!next.ev) {
          return describe(i, expect.size(), m) + ": expected a '" + m.type + "' event but got " +
                 next.error;
        }
        ev = std::move(*next.ev);
      }
      if (m.repeat && ev.type != m.type) {  // the run ended; hand the event on
        pending = std::move(ev);
        break;
      }
      if (ev.type != m.type) {
        return describe(i, expect.size(), m) + ": expected type '" + m.type + "' but got '" +
               ev.type + "'\n  actual event: " + ev.text;
      }
      if (auto problem = check_event(m, ev, vars, accumulated)) {
        return describe(i, expect.size(), m) + ": " + *problem + "\n  actual event: " + ev.text;
      }
      if (!m.repeat) break;
    }
    if (m.assert_accumulated && accumulated != *m.assert_accumulated) {
      return describe(i, expect.size(), m) + ": accumulated " + quoted(accumulated) +
             " but expected " + quoted(*m.assert_accumulated) +
             (pending ? "\n  event that ended the run: " + pending->text : std::string());
    }
  }
  return std::nullopt;  // a leftover look-ahead is discarded, as in the reference runners
}

}  // namespace so::test
