// protocol/interactions.cpp — Rich Interactions as pure functions (later-protocol.md §1).
// Contract: see the header (pure, never throws on bad input, safe from any thread).
#include "protocol/interactions.hpp"

#include "protocol/json.hpp"
#include "protocol/nested_event.hpp"
#include "protocol/utf8.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace so::protocol::interactions {
namespace {

// ---- text helpers ------------------------------------------------------------------------

// Unicode White_Space: the set Rust's `str::trim` and `char::is_whitespace` use.
bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

/// Code points of valid UTF-8 with their byte offsets.
struct code_point {
  char32_t cp;
  std::size_t at;
  std::size_t len;
};
std::vector<code_point> code_points(std::string_view s) {
  std::vector<code_point> out;
  for (std::size_t i = 0; i < s.size();) {
    auto seq = decode_utf8_at(s, i);
    const std::size_t len = seq.length == 0 ? 1 : seq.length;
    out.push_back({seq.code_point, i, len});
    i += len;
  }
  return out;
}

std::string trim(std::string_view s) {
  auto cps = code_points(s);
  std::size_t b = 0, e = cps.size();
  while (b < e && is_unicode_space(cps[b].cp)) ++b;
  while (e > b && is_unicode_space(cps[e - 1].cp)) --e;
  if (b == e) return {};
  return std::string(s.substr(cps[b].at, cps[e - 1].at + cps[e - 1].len - cps[b].at));
}

bool has_space(std::string_view s) {
  for (const auto& c : code_points(s))
    if (is_unicode_space(c.cp)) return true;
  return false;
}

std::string compact(const rapidjson::Value& v) {
  return to_compact_json(v);
}

/// Parses trusted-or-not JSON text into `doc`; false when unreadable.
bool parse(rapidjson::Document& doc, std::string_view text) {
  return parse_untrusted(doc, text).ok;
}

std::string str_of(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  return get_member(obj, key);
}

/// A string member; absent or JSON null → nullopt; `bad` set when another type.
std::optional<std::string> opt_string(const rapidjson::Value& obj, const char* key, bool& bad) {
  const auto* v = member(obj, key);
  if (v == nullptr || v->IsNull()) return std::nullopt;
  if (!v->IsString()) {
    bad = true;
    return std::nullopt;
  }
  return str_of(*v);
}

template <class Fn>
std::string write_json(Fn fn) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  fn(w);
  return std::string(sb.GetString(), sb.GetSize());
}

void raw_object(json_writer& w, std::string_view json) {
  // The texts spliced here were written by this file (or validated JSON): pick the type
  // from the first character so RawValue keeps the writer's state right.
  rapidjson::Type t = rapidjson::kObjectType;
  if (!json.empty() && json[0] == '[') t = rapidjson::kArrayType;
  write_raw(w, json, t);
}

// ---- identity_intake ---------------------------------------------------------------------

const char* const identity_keys[] = {"name", "email", "phone"};

bool is_identity_key(std::string_view k) {
  return k == "name" || k == "email" || k == "phone";
}

raise_parse parse_identity(const rapidjson::Value& args) {
  raise_parse out;
  const auto* fields = member(args, "fields");
  if (fields == nullptr || !fields->IsArray()) {
    out.error = "'fields' must be an array";
    return out;
  }
  if (fields->Empty()) {
    out.error = "'fields' must contain at least one field";
    return out;
  }
  struct field {
    std::string key;
    bool required;
    std::optional<std::string> label;
  };
  std::vector<field> parsed;
  for (const auto& f : fields->GetArray()) {
    if (f.IsString()) {
      auto k = str_of(f);
      if (!is_identity_key(k)) {
        out.error = "unknown intake field '" + k + "' (expected name, email, or phone)";
        return out;
      }
      parsed.push_back({k, true, std::nullopt});
    } else if (f.IsObject()) {
      const auto* k = member(f, "key");
      if (k == nullptr || !k->IsString()) {
        out.error = "each field object needs a string 'key'";
        return out;
      }
      auto key = str_of(*k);
      if (!is_identity_key(key)) {
        out.error = "unknown intake field '" + key + "' (expected name, email, or phone)";
        return out;
      }
      const auto* r = member(f, "required");
      const auto* l = member(f, "label");
      parsed.push_back({key, r != nullptr && r->IsBool() ? r->GetBool() : true,
                        l != nullptr && l->IsString() ? std::optional(str_of(*l)) : std::nullopt});
    } else {
      out.error = "invalid field entry: " + compact(f);
      return out;
    }
  }
  raise_request req;
  req.spec_json = write_json([&](json_writer& w) {
    w.StartObject();
    write_key(w, "fields");
    w.StartArray();
    for (const auto& f : parsed) {
      w.StartObject();
      write_key(w, "key");
      write_string(w, f.key);
      if (f.label) {
        write_key(w, "label");
        write_string(w, *f.label);
      }
      write_key(w, "required");
      w.Bool(f.required);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
  out.request = std::move(req);
  return out;
}

/// `Alice@Example.COM` → `Alice@example.com`; nullopt when invalid (§1.10 step 4).
std::optional<std::string> normalize_email(const std::string& raw) {
  auto s = trim(raw);
  if (has_space(s)) return std::nullopt;
  auto at = s.find('@');
  if (at == std::string::npos || at == 0) return std::nullopt;
  auto domain = s.substr(at + 1);
  if (domain.find('@') != std::string::npos) return std::nullopt;
  for (auto& c : domain)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  std::size_t parts = 0, start = 0;
  for (;;) {
    auto dot = domain.find('.', start);
    auto part = domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) return std::nullopt;
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts < 2) return std::nullopt;
  return s.substr(0, at) + "@" + domain;
}

/// E.164 (§1.10 step 5); nullopt when invalid.
std::optional<std::string> normalize_phone(const std::string& raw) {
  auto s = trim(raw);
  std::string kept;
  for (char c : s)
    if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') kept.push_back(c);
  bool plus = !kept.empty() && kept[0] == '+';
  std::string digits = plus ? kept.substr(1) : kept;
  if (digits.empty()) return std::nullopt;
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  if (plus) {
    if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') return std::nullopt;
    return "+" + digits;
  }
  if (digits.size() == 10) return "+1" + digits;
  if (digits.size() == 11 && digits[0] == '1') return "+" + digits;
  return std::nullopt;
}

validation shape_error(const std::string& detail) {
  validation v;
  v.errors.push_back({"values", "invalid values shape: " + detail});
  return v;
}

bool is_blank(const std::optional<std::string>& s) {
  return !s || trim(*s).empty();
}

validation validate_identity(const std::optional<std::string>& spec_json,
                             std::string_view values_json) {
  rapidjson::Document values;
  if (!parse(values, values_json)) return shape_error("values are not valid JSON");
  if (!values.IsObject()) return shape_error("expected an object of name/email/phone");
  std::map<std::string, std::optional<std::string>> in;
  for (const char* k : identity_keys) {
    bool bad = false;
    in[k] = opt_string(values, k, bad);
    if (bad) return shape_error(std::string("invalid type for '") + k + "', expected a string");
  }
  validation out;
  if (!in["name"] && !in["email"] && !in["phone"]) {
    out.errors.push_back({"values", "provide at least one of name/email/phone, or declined=true"});
    return out;
  }
  // Required fields, in spec order (format-only mode checks none).
  if (spec_json) {
    rapidjson::Document spec;
    if (parse(spec, *spec_json)) {
      if (const auto* fields = member(spec, "fields"); fields != nullptr && fields->IsArray()) {
        for (const auto& f : fields->GetArray()) {
          const auto* k = member(f, "key");
          const auto* r = member(f, "required");
          if (k == nullptr || !k->IsString()) continue;
          auto key = str_of(*k);
          const bool required = r == nullptr || !r->IsBool() || r->GetBool();
          if (required && is_identity_key(key) && is_blank(in[key]))
            out.errors.push_back({key, "this field is required"});
        }
      }
    }
  }
  std::optional<std::string> name, email, phone;
  if (!is_blank(in["name"])) name = trim(*in["name"]);
  if (!is_blank(in["email"])) {
    email = normalize_email(*in["email"]);
    if (!email) out.errors.push_back({"email", "must be a valid email address"});
  }
  if (!is_blank(in["phone"])) {
    phone = normalize_phone(*in["phone"]);
    if (!phone)
      out.errors.push_back(
          {"phone",
           "must be a valid phone number (include your country code, e.g. +1 555 123 4567)"});
  }
  if (!out.errors.empty()) return out;
  out.canonical_json = write_json([&](json_writer& w) {
    w.StartObject();
    if (email) {
      write_key(w, "email");
      write_string(w, *email);
    }
    if (name) {
      write_key(w, "name");
      write_string(w, *name);
    }
    if (phone) {
      write_key(w, "phone");
      write_string(w, *phone);
    }
    w.EndObject();
  });
  return out;
}

// ---- choices -----------------------------------------------------------------------------

struct choice_option {
  std::string label, description;
};
struct choice_question {
  std::string question, header;
  std::vector<choice_option> options;
  bool multi = false;
};

raise_parse parse_choices(const rapidjson::Value& args) {
  raise_parse out;
  const auto* qs = member(args, "questions");
  if (qs == nullptr || !qs->IsArray()) {
    out.error = "'questions' must be an array";
    return out;
  }
  if (qs->Empty() || qs->Size() > 4) {
    out.error = "'questions' must contain between 1 and 4 questions";
    return out;
  }
  std::vector<choice_question> parsed;
  std::set<std::string> headers;
  for (const auto& q : qs->GetArray()) {
    if (!q.IsObject()) {
      out.error = "each question must be an object";
      return out;
    }
    choice_question cq;
    const auto* text = member(q, "question");
    if (text == nullptr || !text->IsString() || trim(str_of(*text)).empty()) {
      out.error = "each question needs a non-empty 'question'";
      return out;
    }
    cq.question = trim(str_of(*text));
    const auto* header = member(q, "header");
    if (header == nullptr || !header->IsString() || trim(str_of(*header)).empty()) {
      out.error = "each question needs a non-empty 'header'";
      return out;
    }
    cq.header = trim(str_of(*header));
    if (utf8_length(cq.header) > 12) {
      out.error = "header '" + cq.header + "' is too long (max 12 characters)";
      return out;
    }
    if (!headers.insert(cq.header).second) {
      out.error = "duplicate question header '" + cq.header + "'";
      return out;
    }
    const auto* options = member(q, "options");
    if (options == nullptr || !options->IsArray()) {
      out.error = "question '" + cq.header + "' needs an 'options' array";
      return out;
    }
    if (options->Size() < 2 || options->Size() > 4) {
      out.error = "question '" + cq.header + "' must offer between 2 and 4 options";
      return out;
    }
    for (const auto& o : options->GetArray()) {
      choice_option co;
      if (o.IsString()) {
        co.label = trim(str_of(o));
      } else if (o.IsObject()) {
        const auto* l = member(o, "label");
        const auto* d = member(o, "description");
        if (l != nullptr && l->IsString()) co.label = trim(str_of(*l));
        if (d != nullptr && d->IsString()) co.description = trim(str_of(*d));
      } else {
        out.error = "invalid option entry in '" + cq.header + "': " + compact(o);
        return out;
      }
      if (co.label.empty()) {
        out.error = "an option in '" + cq.header + "' has an empty label";
        return out;
      }
      cq.options.push_back(std::move(co));
    }
    const auto* multi = member(q, "multiSelect");
    cq.multi = multi != nullptr && multi->IsBool() && multi->GetBool();
    parsed.push_back(std::move(cq));
  }
  raise_request req;
  req.spec_json = write_json([&](json_writer& w) {
    w.StartObject();
    write_key(w, "questions");
    w.StartArray();
    for (const auto& q : parsed) {
      w.StartObject();
      write_key(w, "header");
      write_string(w, q.header);
      write_key(w, "multiSelect");
      w.Bool(q.multi);
      write_key(w, "options");
      w.StartArray();
      for (const auto& o : q.options) {
        w.StartObject();
        write_key(w, "description");
        write_string(w, o.description);
        write_key(w, "label");
        write_string(w, o.label);
        w.EndObject();
      }
      w.EndArray();
      write_key(w, "question");
      write_string(w, q.question);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
  out.request = std::move(req);
  return out;
}

struct choice_answer {
  std::string header;
  std::vector<std::string> options;
  std::optional<std::string> other;
  std::size_t picks() const { return options.size() + (other ? 1 : 0); }
};

void write_answers(json_writer& w, const std::vector<const choice_answer*>& answers) {
  w.StartObject();
  write_key(w, "answers");
  w.StartArray();
  for (const auto* a : answers) {
    w.StartObject();
    write_key(w, "header");
    write_string(w, a->header);
    write_key(w, "options");
    w.StartArray();
    for (const auto& o : a->options) write_string(w, o);
    w.EndArray();
    if (a->other) {
      write_key(w, "other");
      write_string(w, *a->other);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

/// The spec's questions, or nullopt when the spec has no readable `questions`.
std::optional<std::vector<choice_question>> spec_questions(
    const std::optional<std::string>& spec_json) {
  if (!spec_json) return std::nullopt;
  rapidjson::Document spec;
  if (!parse(spec, *spec_json)) return std::nullopt;
  const auto* qs = member(spec, "questions");
  if (qs == nullptr || !qs->IsArray()) return std::nullopt;
  std::vector<choice_question> out;
  for (const auto& q : qs->GetArray()) {
    choice_question cq;
    const auto* h = member(q, "header");
    if (h != nullptr && h->IsString()) cq.header = str_of(*h);
    if (const auto* os = member(q, "options"); os != nullptr && os->IsArray())
      for (const auto& o : os->GetArray())
        if (const auto* l = member(o, "label"); l != nullptr && l->IsString())
          cq.options.push_back({str_of(*l), ""});
    const auto* m = member(q, "multiSelect");
    cq.multi = m != nullptr && m->IsBool() && m->GetBool();
    out.push_back(std::move(cq));
  }
  return out;
}

validation validate_choices(const std::optional<std::string>& spec_json,
                            std::string_view values_json) {
  rapidjson::Document values;
  if (!parse(values, values_json)) return shape_error("values are not valid JSON");
  if (!values.IsObject()) return shape_error("expected an object with 'answers'");
  std::vector<choice_answer> answers;
  if (const auto* list = member(values, "answers"); list != nullptr) {
    if (!list->IsArray()) return shape_error("'answers' must be an array");
    for (const auto& a : list->GetArray()) {
      if (!a.IsObject()) return shape_error("each answer must be an object");
      const auto* h = member(a, "header");
      if (h == nullptr || !h->IsString()) return shape_error("missing field `header`");
      choice_answer ca;
      ca.header = trim(str_of(*h));
      if (const auto* os = member(a, "options"); os != nullptr && !os->IsNull()) {
        if (!os->IsArray()) return shape_error("'options' must be an array of strings");
        for (const auto& o : os->GetArray()) {
          if (!o.IsString()) return shape_error("'options' must be an array of strings");
          auto label = trim(str_of(o));
          if (!label.empty()) ca.options.push_back(std::move(label));
        }
      }
      bool bad = false;
      auto other = opt_string(a, "other", bad);
      if (bad) return shape_error("'other' must be a string");
      if (other && !trim(*other).empty()) ca.other = trim(*other);
      answers.push_back(std::move(ca));
    }
  }
  validation out;
  auto questions = spec_questions(spec_json);
  if (!questions) {
    // Format-only mode: accept as submitted, every answer must pick something.
    if (answers.empty()) {
      out.errors.push_back({"answers", "provide an answer for each question, or declined=true"});
      return out;
    }
    std::vector<const choice_answer*> all;
    for (const auto& a : answers) {
      if (a.picks() == 0)
        out.errors.push_back({a.header, "select an option or provide an 'other' answer"});
      all.push_back(&a);
    }
    if (out.errors.empty())
      out.canonical_json = write_json([&](json_writer& w) { write_answers(w, all); });
    return out;
  }
  std::vector<const choice_answer*> ordered;
  for (const auto& q : *questions) {
    auto it = std::find_if(answers.begin(), answers.end(),
                           [&](const choice_answer& a) { return a.header == q.header; });
    if (it == answers.end()) {
      out.errors.push_back({q.header, "this question must be answered"});
      continue;
    }
    for (const auto& label : it->options) {
      bool offered = std::any_of(q.options.begin(), q.options.end(),
                                 [&](const choice_option& o) { return o.label == label; });
      if (!offered)
        out.errors.push_back({q.header, "'" + label + "' is not one of the offered options"});
    }
    if (it->picks() == 0)
      out.errors.push_back({q.header, "select an option or provide an 'other' answer"});
    else if (!q.multi && it->picks() > 1)
      out.errors.push_back({q.header, "this question takes a single answer"});
    ordered.push_back(&*it);
  }
  if (out.errors.empty())
    out.canonical_json = write_json([&](json_writer& w) { write_answers(w, ordered); });
  return out;
}

// ---- envelope helpers --------------------------------------------------------------------

void write_errors(json_writer& w, const std::vector<field_error>& errors) {
  w.StartArray();
  for (const auto& e : errors) {
    w.StartObject();
    write_key(w, "field");
    write_string(w, e.field);
    write_key(w, "message");
    write_string(w, e.message);
    w.EndObject();
  }
  w.EndArray();
}

template <class Body>
std::string event(std::string_view type, std::string_view rid, std::int64_t now_ms, Body body) {
  return nested_event(type, rid, now_ms, std::move(body));
}

constexpr std::string_view identity_description =
    "Ask the visitor for their contact details (name, email, and/or phone) in a "
    "channel-appropriate way. On channels that can render a form the visitor fills a structured "
    "form; on text channels you will be told to collect the fields conversationally. Always use "
    "this tool instead of free-forming a request for contact details.";
constexpr std::string_view identity_parameters =
    R"({"type":"object","properties":{"fields":{"type":"array","description":"Which fields to collect, in order. Each entry is either a string (\"name\" | \"email\" | \"phone\") or an object { key, required?, label? }.","items":{"anyOf":[{"type":"string","enum":["name","email","phone"]},{"type":"object","properties":{"key":{"type":"string","enum":["name","email","phone"]},"required":{"type":"boolean"},"label":{"type":"string"}},"required":["key"]}]}},"reason":{"type":"string","description":"Why you need these details, phrased for the visitor (e.g. \"to send you the quote\")."}},"required":["fields","reason"]})";
constexpr std::string_view choices_description =
    "Ask the visitor a structured multiple-choice question (1–4 questions, each with 2–4 labeled "
    "options) and wait for their pick. On channels that can render chips/menus the visitor taps "
    "an option; on text channels you will be told to enumerate the options and accept a "
    "natural-language answer. An implicit free-text \"Other\" is always available, so use this "
    "whenever the answer is likely (but not certainly) one of a small set — never free-form the "
    "menu yourself.";
constexpr std::string_view choices_parameters =
    R"({"type":"object","properties":{"questions":{"type":"array","minItems":1,"maxItems":4,"description":"The questions to ask, in order (1–4).","items":{"type":"object","properties":{"question":{"type":"string","description":"The question prompt shown to the visitor."},"header":{"type":"string","maxLength":12,"description":"A short label (≤12 chars), unique within the raise. Used as the answer key and the chip/tab caption."},"options":{"type":"array","minItems":2,"maxItems":4,"description":"The 2–4 options to offer. A free-text 'Other' is always available in addition.","items":{"type":"object","properties":{"label":{"type":"string","description":"The option label (the value submitted)."},"description":{"type":"string","description":"A short gloss for the option."}},"required":["label"]}},"multiSelect":{"type":"boolean","description":"Allow selecting more than one option (default false)."}},"required":["question","header","options"]}},"reason":{"type":"string","description":"Why you're asking, phrased for the visitor (e.g. \"to route you to the right team\")."}},"required":["questions","reason"]})";
constexpr std::string_view submit_description =
    "Submit the visitor's answers collected conversationally after a request_* interaction "
    "directive. Values are validated server-side; on a validation error, apologize, re-ask for "
    "the corrected field, and submit again. If the visitor declined, set declined=true.";
constexpr std::string_view submit_parameters =
    R"({"type":"object","properties":{"kind":{"type":"string","enum":["identity_intake","choices"],"description":"The interaction kind being submitted (from the directive)."},"values":{"type":"object","description":"The collected values, shaped per the interaction kind."},"declined":{"type":"boolean","description":"True when the visitor declined the interaction."}},"required":["kind"]})";

}  // namespace

// ---- catalog -------------------------------------------------------------------------------

const kind_info& info(kind k) {
  return catalog[static_cast<std::size_t>(k)];
}

std::optional<kind> kind_named(std::string_view name) {
  for (const auto& c : catalog)
    if (c.name == name) return c.id;
  return std::nullopt;
}

std::optional<kind> kind_for_raise_tool(std::string_view tool_name) {
  for (const auto& c : catalog)
    if (c.raise_tool == tool_name) return c.id;
  return std::nullopt;
}

tool_description raise_tool_description(kind k) {
  if (k == kind::identity_intake)
    return {info(k).raise_tool, identity_description, identity_parameters};
  return {info(k).raise_tool, choices_description, choices_parameters};
}

tool_description submit_tool_description() {
  return {submit_tool_name, submit_description, submit_parameters};
}

// ---- raise ---------------------------------------------------------------------------------

raise_parse parse_raise(kind k, std::string_view arguments_json) {
  rapidjson::Document args;
  if (!parse(args, arguments_json)) args.SetObject();  // unreadable reads as no arguments
  auto out = k == kind::identity_intake ? parse_identity(args) : parse_choices(args);
  if (out.request) {
    std::string reason;
    if (const auto* r = member(args, "reason"); r != nullptr && r->IsString())
      reason = trim(str_of(*r));
    out.request->reason = reason.empty() ? std::string(default_reason) : reason;
  }
  return out;
}

validation validate(kind k, const std::optional<std::string>& spec_json,
                    std::string_view values_json) {
  return k == kind::identity_intake ? validate_identity(spec_json, values_json)
                                    : validate_choices(spec_json, values_json);
}

// ---- tool results ------------------------------------------------------------------------

std::string submitted_result(std::string_view canonical_json) {
  return write_json([&](json_writer& w) {
    w.StartObject();
    write_key(w, "status");
    write_string(w, "submitted");
    write_key(w, "values");
    raw_object(w, canonical_json);
    w.EndObject();
  });
}

std::string declined_result() {
  return R"({"message":"The visitor declined. Continue helping them without this and do not ask again this conversation.","status":"declined"})";
}

std::string no_response_result() {
  return R"({"message":"The visitor did not respond to the card. Continue without it; you may offer again later if it becomes relevant.","status":"no_response"})";
}

std::string conversational_declined_result() {
  return R"({"message":"Noted. Continue helping the visitor without this and do not ask again this conversation.","status":"declined"})";
}

std::string fallback_directive(kind k, std::string_view spec_json, std::string_view reason) {
  rapidjson::Document spec;
  if (!parse(spec, spec_json)) spec.SetObject();
  std::string r(reason);
  if (k == kind::identity_intake) {
    std::string list;
    if (const auto* fields = member(spec, "fields"); fields != nullptr && fields->IsArray())
      for (const auto& f : fields->GetArray())
        if (const auto* key = member(f, "key"); key != nullptr && key->IsString()) {
          if (!list.empty()) list += ", ";
          list += str_of(*key);
        }
    return "This visitor's channel cannot display a form. Collect the requested details (" + list +
           ") conversationally: ask for ONE field at a time, in the order given, naturally "
           "weaving in the reason (" +
           r +
           "). When you have the values, call the `submit_interaction` tool with kind "
           "\"identity_intake\" and the values — it validates each field and will tell you if "
           "something looks wrong so you can re-ask. If the visitor declines to share, call "
           "`submit_interaction` with declined=true and continue helping them without the "
           "details.";
  }
  std::string enumerated;
  if (const auto* qs = member(spec, "questions"); qs != nullptr && qs->IsArray())
    for (const auto& q : qs->GetArray()) {
      std::string question, header, labels;
      if (const auto* v = member(q, "question"); v != nullptr && v->IsString())
        question = str_of(*v);
      if (const auto* v = member(q, "header"); v != nullptr && v->IsString()) header = str_of(*v);
      if (header.empty()) header = question;
      if (const auto* os = member(q, "options"); os != nullptr && os->IsArray())
        for (const auto& o : os->GetArray())
          if (const auto* l = member(o, "label"); l != nullptr && l->IsString()) {
            if (!labels.empty()) labels += ", ";
            labels += str_of(*l);
          }
      const auto* m = member(q, "multiSelect");
      const bool multi = m != nullptr && m->IsBool() && m->GetBool();
      if (!enumerated.empty()) enumerated += "\n";
      enumerated += "- [" + header + "] " + question + " Options: " + labels +
                    (multi ? " (choose one or more)" : "") + ".";
    }
  return "This visitor's channel cannot display choice chips. Ask the following question(s) "
         "conversationally, naturally weaving in the reason (" +
         r + "), and read out each option so the visitor can pick:\n" + enumerated +
         "\nThe visitor may also answer with something not listed (that's fine — capture it as "
         "their 'other' answer). When you have their pick(s), call the `submit_interaction` tool "
         "with kind \"choices\" and `values.answers` — one entry per question `{ header, options: "
         "[chosen label(s)], other?: \"their free-text answer\" }`. It validates each answer and "
         "will tell you if a pick isn't offered so you can re-ask. If the visitor declines to "
         "choose, call `submit_interaction` with declined=true and continue helping them.";
}

std::string fallback_result(kind k, std::string_view spec_json, std::string_view reason) {
  return write_json([&](json_writer& w) {
    w.StartObject();
    write_key(w, "instructions");
    write_string(w, fallback_directive(k, spec_json, reason));
    write_key(w, "kind");
    write_string(w, info(k).name);
    write_key(w, "mode");
    write_string(w, "conversational");
    write_key(w, "reason");
    write_string(w, reason);
    write_key(w, "spec");
    raw_object(w, spec_json);
    w.EndObject();
  });
}

std::string validation_failed_message(const std::vector<field_error>& errors) {
  std::string out = "validation failed — ";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i) out += "; ";
    out += errors[i].field + ": " + errors[i].message;
  }
  return out + ". Re-ask the visitor for the corrected value(s) and submit again.";
}

conversational_submit run_conversational_submit(std::string_view arguments_json,
                                                const std::map<std::string, std::string>& stash) {
  conversational_submit out;
  rapidjson::Document args;
  if (!parse(args, arguments_json)) args.SetObject();
  const auto* k = member(args, "kind");
  if (k == nullptr || !k->IsString()) {
    out.is_error = true;
    out.text = "error: 'kind' is required";
    return out;
  }
  auto name = str_of(*k);
  auto which = kind_named(name);
  if (!which) {
    out.is_error = true;
    out.text = "error: unknown interaction kind '" + name + "'";
    return out;
  }
  if (const auto* d = member(args, "declined"); d != nullptr && d->IsBool() && d->GetBool()) {
    out.text = conversational_declined_result();
    return out;
  }
  const auto* values = member(args, "values");
  const std::string values_json = values != nullptr ? compact(*values) : "null";
  std::optional<std::string> spec;
  if (auto it = stash.find(name); it != stash.end()) spec = it->second;
  auto v = validate(*which, spec, values_json);
  if (!v.ok()) {
    out.is_error = true;
    out.text = "error: " + validation_failed_message(v.errors);
    return out;
  }
  if (*which == kind::identity_intake) out.identity_values_json = v.canonical_json;
  out.text = submitted_result(*v.canonical_json);
  return out;
}

// ---- events and acks -----------------------------------------------------------------------

std::string interaction_required(std::string_view rid, std::string_view interaction_id, kind k,
                                 std::string_view spec_json, std::string_view reason,
                                 std::int64_t now_ms) {
  return event("interaction_required", rid, now_ms, [&](json_writer& w) {
    write_key(w, "interactionId");
    write_string(w, interaction_id);
    write_key(w, "kind");
    write_string(w, info(k).name);
    write_key(w, "reason");
    write_string(w, reason);
    write_key(w, "spec");
    raw_object(w, spec_json);
  });
}

std::string interaction_invalid(std::string_view rid, std::string_view interaction_id, kind k,
                                const std::vector<field_error>& errors, std::int64_t now_ms) {
  return event("interaction_invalid", rid, now_ms, [&](json_writer& w) {
    write_key(w, "errors");
    write_errors(w, errors);
    write_key(w, "interactionId");
    write_string(w, interaction_id);
    write_key(w, "kind");
    write_string(w, info(k).name);
    write_key(w, "message");
    write_string(w, invalid_message);
  });
}

std::string submitted_ack_data(std::string_view session_id, std::string_view interaction_id, kind k,
                               std::string_view canonical_json) {
  return write_json([&](json_writer& w) {
    w.StartObject();
    write_key(w, "interactionId");
    write_string(w, interaction_id);
    write_key(w, "kind");
    write_string(w, info(k).name);
    write_key(w, "sessionId");
    write_string(w, session_id);
    write_key(w, "values");
    raw_object(w, canonical_json);
    w.EndObject();
  });
}

std::string declined_ack_data(std::string_view session_id, std::string_view interaction_id) {
  return write_json([&](json_writer& w) {
    w.StartObject();
    write_key(w, "declined");
    w.Bool(true);
    write_key(w, "interactionId");
    write_string(w, interaction_id);
    write_key(w, "sessionId");
    write_string(w, session_id);
    w.EndObject();
  });
}

std::string no_pending_text(std::string_view session_id) {
  return "no interaction is awaiting submission for session '" + std::string(session_id) + "'";
}
std::string no_longer_active_text(std::string_view session_id) {
  return "the turn awaiting an interaction for session '" + std::string(session_id) +
         "' is no longer active";
}
std::string kind_not_hosted_text(std::string_view kind_name) {
  return "interaction kind '" + std::string(kind_name) + "' is not hosted by this server";
}
std::string kind_mismatch_text(std::string_view pending_kind, std::string_view submitted_kind) {
  return "the pending interaction is '" + std::string(pending_kind) + "', not '" +
         std::string(submitted_kind) + "'";
}

// ---- supports and identity -----------------------------------------------------------------

namespace {
std::vector<std::string> strings_of(const rapidjson::Value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->IsArray()) return out;
  for (const auto& e : v->GetArray())
    if (e.IsString()) out.push_back(str_of(e));
  return out;
}

void write_list(json_writer& w, const std::vector<std::string>& list) {
  w.StartArray();
  for (const auto& s : list) write_string(w, s);
  w.EndArray();
}
}  // namespace

std::vector<std::string> supports_from_metadata(
    const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find(std::string(supports_key));
  if (it == metadata.end()) return {};
  rapidjson::Document d;
  if (!parse(d, it->second)) return {};
  return strings_of(&d);
}

std::string json_string(std::string_view text) {
  return write_json([&](json_writer& w) { write_string(w, text); });
}

std::string supports_json(const std::vector<std::string>& list) {
  return write_json([&](json_writer& w) { write_list(w, list); });
}

std::vector<std::string> client_supports_of(const std::optional<std::string>& metadata_json) {
  if (!metadata_json) return {};
  rapidjson::Document d;
  if (!parse(d, *metadata_json)) return {};
  return strings_of(member(d, "clientSupports"));
}

std::optional<std::string> metadata_with_client_supports(
    const std::optional<std::string>& frame_metadata_json, const std::vector<std::string>& list) {
  if (list.empty()) return frame_metadata_json;
  return metadata_replacing_client_supports(frame_metadata_json, list);
}

std::string metadata_replacing_client_supports(const std::optional<std::string>& metadata_json,
                                               const std::vector<std::string>& list) {
  rapidjson::Document d;
  if (!metadata_json || !parse(d, *metadata_json) || !d.IsObject()) d.SetObject();
  return write_json([&](json_writer& w) {
    w.StartObject();
    for (const auto& m : d.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == client_supports_key) continue;
      write_key(w, key);
      const auto text = compact(m.value);
      write_raw(w, text, m.value.GetType());
    }
    if (!list.empty()) {
      write_key(w, client_supports_key);
      write_list(w, list);
    }
    w.EndObject();
  });
}

bool renders(const std::vector<std::string>& supports, kind k) {
  return std::find(supports.begin(), supports.end(), info(k).capability) != supports.end();
}

identity_contact identity_contact_of(std::string_view canonical_json) {
  identity_contact out;
  rapidjson::Document d;
  if (!parse(d, canonical_json) || !d.IsObject()) return out;
  bool bad = false;
  out.name = opt_string(d, "name", bad);
  out.email = opt_string(d, "email", bad);
  out.phone = opt_string(d, "phone", bad);
  return out;
}

std::map<std::string, std::string> identity_metadata(std::string_view canonical_json) {
  std::map<std::string, std::string> out;
  rapidjson::Document d;
  if (!parse(d, canonical_json) || !d.IsObject()) return out;
  const std::pair<const char*, const char*> keys[] = {
      {"name", "userName"}, {"email", "contactEmail"}, {"phone", "contactPhone"}};
  for (const auto& [from, to] : keys)
    if (const auto* v = member(d, from); v != nullptr && v->IsString()) out[to] = compact(*v);
  return out;
}

}  // namespace so::protocol::interactions
