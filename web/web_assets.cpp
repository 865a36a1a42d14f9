#include "web/web_assets.hpp"

#include "generated/web/app_js.hpp"
#include "generated/web/index_html.hpp"
#include "generated/web/manage_css.hpp"
#include "generated/web/manage_html.hpp"
#include "generated/web/manage_js.hpp"
#include "generated/web/signin_css.hpp"
#include "generated/web/signin_html.hpp"
#include "generated/web/signin_js.hpp"
#include "generated/web/style_css.hpp"
#include "generated/web/uplot_css.hpp"
#include "generated/web/uplot_js.hpp"

#include <array>

namespace ringbid {

namespace {

struct route {
  std::string_view path;
  web_asset asset;
};

constexpr std::string_view html = "text/html; charset=utf-8";
constexpr std::string_view js = "text/javascript; charset=utf-8";
constexpr std::string_view css = "text/css; charset=utf-8";

const std::array<route, 12> routes{{
  {"/", {html, embedded::index_html}},
  {"/index.html", {html, embedded::index_html}},
  {"/assets/app.js", {js, embedded::app_js}},
  {"/assets/style.css", {css, embedded::style_css}},
  {"/assets/uPlot.iife.min.js", {js, embedded::uplot_js}},
  {"/assets/uPlot.min.css", {css, embedded::uplot_css}},
  {"/signin", {html, embedded::signin_html}},
  {"/assets/signin.js", {js, embedded::signin_js}},
  {"/assets/signin.css", {css, embedded::signin_css}},
  {"/manage", {html, embedded::manage_html}},
  {"/assets/manage.js", {js, embedded::manage_js}},
  {"/assets/manage.css", {css, embedded::manage_css}},
}};

} // namespace

std::optional<web_asset> find_web_asset(std::string_view path) {
  for (const auto& r : routes)
    if (r.path == path) return r.asset;
  return std::nullopt;
}

} // namespace ringbid
