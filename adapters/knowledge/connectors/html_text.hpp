// adapters/knowledge/connectors/html_text.hpp — page bytes to indexable text for the
// web connector (storage-backplane.md §11: "HTML (judged by content type, or by
// sniffing the first 512 bytes) is stripped to text; otherwise whitespace is
// collapsed").
//
// HTML to text: the contents of <script>, <style>, <noscript>, <template>, <svg>,
// <head> and comments are dropped; every other tag is removed, and block-level tags
// (p, div, h1–h6, li, tr, br, section, article, …) end a paragraph, so the chunker
// sees "\n\n" between blocks; character references (&amp; &lt; &#39; &#x2019; …, the
// common named ones) are decoded; runs of whitespace inside a paragraph become one
// space. Malformed markup never fails: an unclosed tag or comment ends the text.
// The result is valid UTF-8 (invalid bytes become U+FFFD).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace so::adapters::connectors {

/// True for an HTML content type (text/html, application/xhtml+xml), or, when the
/// type says nothing (empty, text/plain is trusted), a body whose first 512 bytes
/// start (after whitespace) with `<!doctype html`, `<html`, `<head` or `<body`.
bool looks_like_html(std::string_view content_type, std::string_view body);

/// The text of an HTML document (see the header comment).
std::string html_to_text(std::string_view html);

/// Non-HTML text: every run of whitespace becomes one space; trimmed.
std::string collapse_whitespace(std::string_view text);

}  // namespace so::adapters::connectors
