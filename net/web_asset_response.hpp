// net/web_asset_response.hpp — the HTTP answer for a request to one embedded web asset
// (net/web_assets.hpp): 200 with the bytes, 304 when the client's cached copy is current,
// 405 for any method but GET.
//
// Headers: the asset's Content-Type; `Cache-Control: no-cache` with a strong ETag (the
// files are not fingerprinted, so a browser revalidates and a new binary's page is seen at
// once, while an unchanged file costs an empty 304); a Content-Security-Policy that allows
// only this origin's scripts, styles and WebSocket (no inline script, no framing: the
// confirm button cannot be clickjacked); `Referrer-Policy: no-referrer` because the page
// URL may carry `?token=`; `X-Content-Type-Options: nosniff`.
// Private to net/ (Beast). Thread-safety: a pure function of its arguments.
#pragma once

#include "net/web_assets.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace so::net {

boost::beast::http::response<boost::beast::http::string_body> web_asset_response(
    const web_asset& asset,
    const boost::beast::http::request<boost::beast::http::string_body>& req);

}  // namespace so::net
