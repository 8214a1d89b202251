//! create_line(p1, p2, desc) -> String: the proposal's Rust example. Two
//! points arrive as JSON text, the line between them leaves as JSON text:
//!
//!   create_line("{\"x\":2.5,\"y\":7.8}", "{\"x\":2.5,\"y\":5.8}",
//!               "A thin red line")
//!   -> {"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,
//!       "length":2.0,"desc":"A thin red line"}
//!
//! With the `wasmedge_bindgen` crate the export would be the plain function
//! under `#[wasmedge_bindgen]`; here src/bindgen.rs does the macro's work.
//! A point that is not valid JSON gives an error result (the host reports
//! it as the guest's error) rather than a panic, which would trap.

mod bindgen;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(Serialize)]
struct Line {
    points: Vec<Point>,
    valid: bool,
    length: f32,
    desc: String,
}

fn point(json: &str, which: &str) -> Result<Point, String> {
    serde_json::from_str(json).map_err(|e| format!("{}: {}", which, e))
}

fn line(p1: &str, p2: &str, desc: String) -> Result<String, String> {
    let (a, b) = (point(p1, "p1")?, point(p2, "p2")?);
    let length = ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).sqrt();
    let line = Line { points: vec![a, b], valid: length != 0.0, length, desc };
    serde_json::to_string(&line).map_err(|e| e.to_string())
}

/// # Safety
/// Called by the host with the records of bindgen's calling convention.
#[no_mangle]
pub unsafe extern "C" fn create_line(params: *const u32, count: i32) -> i32 {
    let args = bindgen::Args::new(params, count);
    bindgen::ret_string((|| {
        args.expect(3)?;
        let (p1, p2) = (args.string(0)?, args.string(1)?);
        line(&p1, &p2, args.string(2)?)
    })())
}
