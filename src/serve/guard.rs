//! Who may talk to the page. The server listens on loopback only, but any web page the
//! user opens can make the browser send requests to 127.0.0.1; so every request needs
//! the random token (from the opening URL, then a cookie), the Host header must name
//! this computer (against DNS rebinding), and a request that changes anything must carry
//! the token in a header and come from the page itself (against cross-site requests).

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;

/// The header a state-changing request carries the token in.
pub const TOKEN_HEADER: &str = "x-diaoyan-token";

/// A new random token: 128 bits from the operating system, as hex.
pub fn new_token() -> std::io::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Equal without an early exit (the time taken does not tell how much of a guess was right).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The cookie's name: one per port, so two servers on one computer keep their own.
pub fn cookie_name(port: u16) -> String {
    format!("diaoyan_{port}")
}

fn cookie_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

fn refuse(why: &str) -> Response {
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("拒绝访问：{why}")).into_response()
}

/// The Host header names this server: the loopback name or address and its port (or the
/// address given with `--host`).
fn host_allowed(app: &App, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let port = app.port;
    let mut names = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
    if let Some(h) = &app.extra_host {
        names.push(format!("{h}:{port}"));
    }
    names.iter().any(|n| n.eq_ignore_ascii_case(host))
}

/// A state-changing request comes from the page itself: the token in its header, and the
/// browser's Origin (when it sends one) this server's, and not marked cross-site.
fn same_origin(app: &App, headers: &HeaderMap) -> Result<(), &'static str> {
    let token = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !same(token, &app.token) {
        return Err("修改数据的请求缺少页面的令牌");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        if !origin.eq_ignore_ascii_case(&format!("http://{host}")) {
            return Err("请求来自其他网站");
        }
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") | Some("same-site") => Err("请求来自其他网站"),
        _ => Ok(()),
    }
}

/// The middleware: the checks above, the opening URL's token exchanged for a cookie, and
/// the security headers on every answer.
pub async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if !host_allowed(&app, headers) {
        return with_headers(refuse("地址不是本机（Host 不被允许）"));
    }
    let cookie = cookie_name(app.port);
    // The opening URL: /?token=… sets the cookie and shows the page without the token.
    if let Some(q) = req.uri().query() {
        if let Some(t) = q.split('&').find_map(|kv| kv.strip_prefix("token=")) {
            if !same(t, &app.token) {
                return with_headers(refuse("令牌不对，请使用启动时显示的地址"));
            }
            let set = format!("{cookie}={}; Path=/; HttpOnly; SameSite=Strict", app.token);
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            if let Ok(v) = HeaderValue::from_str(&set) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            return with_headers(r);
        }
    }
    let by_cookie = cookie_token(headers, &cookie).is_some_and(|t| same(t, &app.token));
    let by_header = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).is_some_and(|t| same(t, &app.token));
    if !by_cookie && !by_header {
        return with_headers(refuse("没有令牌，请使用启动时显示的地址（含 token）打开"));
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Err(why) = same_origin(&app, headers) {
            return with_headers(refuse(why));
        }
    }
    let downloaded = req.uri().path().starts_with("/files/");
    let mut r = next.run(req).await;
    if downloaded {
        // A report file shown in the page: its own inline styles and drawings, no script
        // (not `sandbox`: Chromium then leaves the frame blank).
        r.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"),
        );
    }
    with_headers(r)
}

/// The page's policy: nothing from elsewhere, no inline script or handlers.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

fn with_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_128_bits_and_differ() {
        let (a, b) = (super::new_token().unwrap(), super::new_token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(super::same(&a, &a.clone()) && !super::same(&a, &b) && !super::same(&a, &a[1..]));
    }
}
