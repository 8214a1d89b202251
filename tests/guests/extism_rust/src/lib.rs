//! Extism plugins for the tests and the benchmark: each export is an
//! ordinary #[plugin_fn] of the Extism Rust PDK, unchanged from what a
//! user would write for Extism's own runtime.
use extism_pdk::*;

/// Counts the vowels of a string: string in, JSON out.
#[plugin_fn]
pub fn count_vowels(input: String) -> FnResult<String> {
    let count = input
        .chars()
        .filter(|c| "aeiouAEIOU".contains(*c))
        .count();
    Ok(format!(
        "{{\"count\":{},\"total\":{},\"vowels\":\"aeiouAEIOU\"}}",
        count,
        input.chars().count()
    ))
}

/// The input's bytes in reverse order: bytes in, bytes out.
#[plugin_fn]
pub fn reverse(input: Vec<u8>) -> FnResult<Vec<u8>> {
    let mut v = input;
    v.reverse();
    Ok(v)
}

/// Fails with a message for an empty input or one holding "x"; answers
/// "ok: <input>" otherwise.
#[plugin_fn]
pub fn check(input: String) -> FnResult<String> {
    if input.is_empty() || input.contains('x') {
        return Err(WithReturnCode::new(
            Error::msg(format!("rejected {:?}", input)),
            1,
        ));
    }
    Ok(format!("ok: {}", input))
}

/// The config value "greeting" before the input, or "(none)".
#[plugin_fn]
pub fn greet(input: String) -> FnResult<String> {
    let g = config::get("greeting")?.unwrap_or_else(|| "(none)".to_string());
    Ok(format!("{}, {}!", g, input))
}

/// A counter kept in the variable "count" across calls; the input is
/// added to it (a decimal number; empty: 1).
#[plugin_fn]
pub fn counter(input: String) -> FnResult<String> {
    let step: i64 = if input.is_empty() { 1 } else { input.trim().parse()? };
    let old: i64 = match var::get::<String>("count")? {
        Some(s) => s.parse()?,
        None => 0,
    };
    let n = old + step;
    var::set("count", n.to_string())?;
    Ok(n.to_string())
}

/// Logs the input at every level and returns its length.
#[plugin_fn]
pub fn shout(input: String) -> FnResult<String> {
    info!("info: {}", input);
    warn!("warn: {}", input);
    error!("error: {}", input);
    debug!("debug: {}", input);
    Ok(input.len().to_string())
}

/// Fetches the input as a URL: a host that allows no HTTP must refuse.
#[plugin_fn]
pub fn fetch(url: String) -> FnResult<String> {
    let req = HttpRequest::new(url);
    let res = http::request::<()>(&req, None)?;
    Ok(res.status_code().to_string())
}

/// Makes the request its input describes: a line "METHOD URL", header
/// lines "Name: value", then an empty line and the body (none when
/// empty). Answers the status, a newline and the response's body.
#[plugin_fn]
pub fn request(input: String) -> FnResult<String> {
    let (head, body) = match input.split_once("\n\n") {
        Some((h, b)) => (h, b),
        None => (input.as_str(), ""),
    };
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, url) = first.split_once(' ').unwrap_or(("GET", first));
    let mut req = HttpRequest::new(url).with_method(method);
    for line in lines {
        if let Some((k, v)) = line.split_once(": ") {
            req = req.with_header(k, v);
        }
    }
    let res = if body.is_empty() {
        http::request::<()>(&req, None)?
    } else {
        http::request(&req, Some(body.to_string()))?
    };
    Ok(format!(
        "{}\n{}",
        res.status_code(),
        String::from_utf8_lossy(&res.body())
    ))
}
